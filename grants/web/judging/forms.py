"""Forms of the judging area: score sheets, conflicts, panel, rubric, settings, reopening."""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    FormField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
    ValidationError,
)

from grants.domain.clock import BEIJING, aware, stored
from grants.domain.inputs import db_int
from grants.domain.judging_rules import (
    COMMENT_MAX_CHARS,
    GUIDANCE_MAX_CHARS,
    METHOD_LABELS,
    MODE_LABELS,
    NAME_MAX_CHARS,
    REASON_MAX_CHARS,
    SettingsInput,
    vote_after_judging,
    vote_after_judging_message,
)
from grants.domain.scoring import DEFAULT_MIN_TURNOUT, MIN_TURNOUT_LIMIT
from grants.web.guard import BoundedFieldList, DateInRange
from grants.web.subforms import SubForm

DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]


class SheetForm(FlaskForm):
    """A judge's sheet: points are read per criterion from ``points-<id>`` inputs."""

    comment = TextAreaField(_l("评语"), validators=[Length(max=COMMENT_MAX_CHARS)])
    save = SubmitField(_l("保存草稿"))
    submit = SubmitField(_l("提交评分（提交后锁定）"))


class ReasonForm(FlaskForm):
    """A required reason: declaring a conflict, reopening a sheet."""

    reason = TextAreaField(
        _l("理由"), validators=[DataRequired(_l("请填写理由")), Length(max=REASON_MAX_CHARS)]
    )
    submit = SubmitField(_l("确认"))


class OrgConflictForm(FlaskForm):
    """A judge declares a conflict with a whole organisation."""

    organisation_id = SelectField(
        _l("机构"), coerce=db_int, validators=[InputRequired(_l("请选择机构"))]
    )
    reason = TextAreaField(
        _l("回避理由"),
        validators=[DataRequired(_l("请填写回避理由")), Length(max=REASON_MAX_CHARS)],
    )
    submit = SubmitField(_l("申报回避"))


class JudgePickForm(FlaskForm):
    """Pick a judge account (to add to a panel, or as a replacement)."""

    judge_id = SelectField(_l("评委"), coerce=db_int, validators=[InputRequired(_l("请选择评委"))])
    submit = SubmitField(_l("确认"))


class ConfirmForm(FlaskForm):
    """A button that changes state (assign, close, publish, remove, vote): CSRF only."""

    submit = SubmitField(_l("确认"))


class CriterionEntry(SubForm):
    """One rubric line; a line whose name is left blank is removed."""

    key = HiddenField(validators=[Length(max=30), Regexp(r"^[a-z0-9_]*$")])
    name = StringField(_l("评分项"), validators=[Length(max=NAME_MAX_CHARS)])
    max_points = IntegerField(_l("满分"), validators=[Optional(), NumberRange(1, 100)])
    guidance = TextAreaField(_l("评分说明"), validators=[Length(max=GUIDANCE_MAX_CHARS)])


class RubricForm(FlaskForm):
    """The whole rubric; maxima must add up to 100."""

    criteria = BoundedFieldList(FormField(CriterionEntry), min_entries=1, max_entries=12)
    submit = SubmitField(_l("保存评分表"))


class SettingsForm(FlaskForm):
    """A round's judging settings."""

    mode = SelectField(_l("评审方式"), choices=[(k, _l(v)) for k, v in MODE_LABELS.items()])
    judges_per_proposal = IntegerField(
        _l("每个项目的评委人数 k"), validators=[InputRequired(_l("请填写人数")), NumberRange(1, 50)]
    )
    seed = IntegerField(
        _l("随机种子（分配可复现）"),
        validators=[InputRequired(_l("请填写随机种子")), NumberRange(0, 2_000_000_000)],
    )
    blind = BooleanField(_l("盲评：评委看不到申报人、机构、联系人和团队成员"))
    method = SelectField(_l("汇总方法"), choices=[(k, _l(v)) for k, v in METHOD_LABELS.items()])
    normalise = BooleanField(_l("在原始分旁显示评委标准化后的分数"))
    vote_weight_pct = IntegerField(
        _l("居民投票权重（%，0–50）"),
        validators=[InputRequired(_l("请填写权重")), NumberRange(0, 50)],
    )
    vote_max_per_resident = IntegerField(
        _l("每位居民最多支持的项目数"),
        validators=[InputRequired(_l("请填写项目数")), NumberRange(1, 50)],
    )
    vote_open = DateTimeLocalField(
        _l("投票开始（北京时间）"), format=DATETIME_FORMATS, validators=[Optional(), DateInRange()]
    )
    vote_close = DateTimeLocalField(
        _l("投票截止（北京时间）"), format=DATETIME_FORMATS, validators=[Optional(), DateInRange()]
    )
    vote_min_turnout = IntegerField(
        _l("投票全额计入所需的最低投票人数"),
        validators=[Optional(), NumberRange(1, MIN_TURNOUT_LIMIT)],
    )
    submit = SubmitField(_l("保存设置"))
    judging_close: datetime | None = None
    """The round's close of judging (naive UTC), set by the page: the vote must end by then."""

    def validate_vote_close(self, field) -> None:
        """The vote window closes no later than judging (the service and database agree)."""
        if vote_after_judging(to_utc(field.data), self.judging_close):
            raise ValidationError(vote_after_judging_message(self.judging_close))

    def values(self) -> SettingsInput:
        """The submitted settings, with the vote window as naive UTC."""
        return SettingsInput(
            mode=self.mode.data,
            judges_per_proposal=self.judges_per_proposal.data,
            seed=self.seed.data,
            blind=bool(self.blind.data),
            method=self.method.data,
            normalise=bool(self.normalise.data),
            vote_weight_pct=self.vote_weight_pct.data,
            vote_max_per_resident=self.vote_max_per_resident.data,
            vote_open=to_utc(self.vote_open.data),
            vote_close=to_utc(self.vote_close.data),
            vote_min_turnout=self.vote_min_turnout.data or DEFAULT_MIN_TURNOUT,
        )


def to_utc(local: datetime | None) -> datetime | None:
    """A Beijing wall-clock time from a form as the naive UTC the database stores."""
    return None if local is None else stored(local.replace(tzinfo=BEIJING))


def to_local(value: datetime | None) -> datetime | None:
    """A stored naive-UTC time as Beijing wall-clock time for a form."""
    return None if value is None else aware(value).astimezone(BEIJING).replace(tzinfo=None)
