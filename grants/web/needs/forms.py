"""Forms for posting, supporting and merging needs."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, ValidationError

from grants.domain.inputs import db_int
from grants.services.needs import DESCRIPTION_MAX_CHARS, PEOPLE_MAX, TITLE_MAX_CHARS, NeedData


class ChoiceField(SelectField):
    """A select whose refusal of an unlisted value is worded in Chinese."""

    def pre_validate(self, form) -> None:
        """Accept only one of the offered choices."""
        try:
            super().pre_validate(form)
        except ValidationError as error:
            raise ValidationError(_l("请从列表中选择")) from error


class NeedForm(FlaskForm):
    """A resident's need: what is lacking, where, for how many people."""

    title = StringField(
        _l("需求标题"),
        validators=[
            DataRequired(_l("请填写需求标题")),
            Length(max=TITLE_MAX_CHARS, message=_l("最多 %(n)s 个字", n=TITLE_MAX_CHARS)),
        ],
    )
    community_id = ChoiceField(
        _l("所在社区"), coerce=db_int, validators=[InputRequired(_l("请选择所在社区"))]
    )
    category = ChoiceField(_l("类别"), validators=[DataRequired(_l("请选择类别"))])
    description = TextAreaField(
        _l("需求描述"),
        validators=[
            DataRequired(_l("请描述需求")),
            Length(
                max=DESCRIPTION_MAX_CHARS, message=_l("最多 %(n)s 个字", n=DESCRIPTION_MAX_CHARS)
            ),
        ],
    )
    people_affected = IntegerField(
        _l("大约涉及多少人"),
        default=0,
        invalid_value_message=_l("请输入整数"),
        validators=[
            InputRequired(_l("请填写人数")),
            NumberRange(0, PEOPLE_MAX, message=_l("人数须为 0 至 1,000,000")),
        ],
    )
    submit = SubmitField(_l("提交需求"))

    def data_for_service(self) -> NeedData:
        """The form as the service's input."""
        return NeedData(
            title=self.title.data,
            community_id=self.community_id.data,
            category=self.category.data,
            description=self.description.data,
            people_affected=self.people_affected.data,
        )


class SupportForm(FlaskForm):
    """The support (+1) button: only a CSRF token."""

    submit = SubmitField(_l("支持"))


class MergeForm(FlaskForm):
    """An organiser picks the need a duplicate is merged into."""

    target_id = ChoiceField(
        _l("合并到"), coerce=db_int, validators=[InputRequired(_l("请选择要合并到的需求"))]
    )
    submit = SubmitField(_l("合并"))
