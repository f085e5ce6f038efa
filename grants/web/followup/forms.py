"""Forms of the follow-up pages. Inputs go to the services as typed; the domain checks them
and answers in Chinese (row by row for a list file). The forms carry the CSRF token and refuse
control characters."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import HiddenField, RadioField, SelectField, StringField, SubmitField, TextAreaField

from grants.domain.satisfaction import OUTCOME_LABELS
from grants.web.expenses.forms import TypedForm, printable


class UploadForm(FlaskForm):
    """The grantee's beneficiary list file."""

    file = FileField(_l("名单文件（XLSX 或 CSV，不超过 2 MB、2000 行）"))
    submit = SubmitField(_l("上传名单"))


class RulesForm(TypedForm):
    """A round's follow-up rules."""

    quota = StringField(_l("每个项目每季度抽取的号码数"), validators=[printable])
    weight_evaluation = StringField(_l("评估得分权重"), validators=[printable])
    weight_satisfaction = StringField(_l("满意度权重"), validators=[printable])
    weight_timeliness = StringField(_l("及时性权重"), validators=[printable])
    erase_after_days = StringField(_l("赛事结束后保留电话的天数"), validators=[printable])
    submit = SubmitField(_l("保存回访设置"))


class DrawForm(FlaskForm):
    """Draw the round's sample for a quarter."""

    quarter = SelectField(_l("季度"), validate_choice=False)
    submit = SubmitField(_l("抽取回访样本"))


class AssignForm(FlaskForm):
    """Give one project's open numbers to a caller."""

    award_id = HiddenField()
    caller_id = SelectField(_l("回访员"), validate_choice=False)
    submit = SubmitField(_l("分配"))


class ActionForm(FlaskForm):
    """A button that changes a sample's state (CSRF token only)."""


ON_TIME = (("yes", _l("按时")), ("no", _l("不按时")))


class AttemptForm(FlaskForm):
    """One attempt at a number: the outcome, on time or not when reached, notes."""

    outcome = RadioField(_l("回访结果"), choices=[(k, _l(v)) for k, v in OUTCOME_LABELS.items()],
                         validate_choice=False)
    on_time = RadioField(_l("服务是否按时到位（接通时填写）"), choices=ON_TIME,
                         validate_choice=False)
    notes = TextAreaField(_l("备注（选填）"), validators=[printable])
    submit = SubmitField(_l("登记"))
