"""Forms for the organizer's award pages and the applicant's agreement page."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField, SubmitField, TextAreaField
from wtforms.validators import AnyOf, DataRequired, Length, ValidationError

from grants.domain.money import MoneyError, parse_money
from grants.domain.workflow import REASON_MAX_CHARS

REASON = [
    DataRequired(_l("请填写理由")),
    Length(max=REASON_MAX_CHARS, message=_l("最多 %(n)s 字", n=REASON_MAX_CHARS)),
]


class MoneyField(StringField):
    """An amount typed in yuan (12000 or ¥12,000.00), read into integer fen as ``fen``."""

    fen: int | None = None

    def pre_validate(self, form) -> None:
        """Parse the amount, or refuse it with the money module's Chinese message."""
        self.fen = None
        if not (self.data or "").strip():
            return
        try:
            self.fen = parse_money(self.data)
        except MoneyError as error:
            raise ValidationError(str(error)) from error


class SettingsForm(FlaskForm):
    """The round's score line and whether the last award may be partial."""

    min_score = StringField(_l("立项分数线"), validators=[DataRequired(_l("请填写立项分数线"))])
    partial = BooleanField(_l("资金不足时，允许对下一名给予部分资助（不低于资助下限）"))
    submit = SubmitField(_l("保存设置"))


class ActionForm(FlaskForm):
    """A button that only needs the CSRF token (propose, publish, confirm, countersign)."""

    submit = SubmitField(_l("确定"))


class AdjustForm(FlaskForm):
    """A new amount for one proposed award, with the reason."""

    amount = MoneyField(_l("调整后金额（元）"), validators=[DataRequired(_l("请填写金额"))])
    reason = TextAreaField(_l("调整理由"), validators=REASON)
    submit = SubmitField(_l("调整金额"))


class ExcludeForm(FlaskForm):
    """Take a proposal out of the award list, with the reason."""

    reason = TextAreaField(_l("排除理由"), validators=REASON)
    submit = SubmitField(_l("排除"))


#: The rulings offered on the organizer's page, as (value, label).
DECISIONS = (
    ("dismiss", _l("异议不成立（驳回）")),
    ("revoke", _l("异议成立，撤销立项")),
    ("amount", _l("异议成立，调整资助金额")),
)


class DecideForm(FlaskForm):
    """The organizer's ruling on an objection."""

    decision = StringField(
        _l("处理结果"),
        validators=[AnyOf([value for value, _label in DECISIONS], message=_l("请选择处理结果"))],
    )
    amount = MoneyField(_l("调整后金额（元）"))
    reason = TextAreaField(_l("处理理由（将告知异议人）"), validators=REASON)
    submit = SubmitField(_l("提交处理结果"))

    def validate_amount(self, field) -> None:
        """An amount is needed exactly when the ruling changes the amount."""
        if self.decision.data == "amount" and field.fen is None:
            raise ValidationError(_l("调整金额时请填写新的金额"))


class SignForm(FlaskForm):
    """The applicant's online signature."""

    agree = BooleanField(
        _l("我已阅读并同意本协议全部条款"), validators=[DataRequired(_l("请先勾选同意协议条款"))]
    )
    submit = SubmitField(_l("在线签署"))
