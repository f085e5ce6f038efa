"""Forms of the expense pages: the grantee's expense and adjustment request, the finance
officer's decisions, and the organizer's adjustment, suspension, refund, bar and close forms.

The inputs are plain text handed to the services as typed: the domain reads amounts, dates,
lines and invoice numbers and refuses what it cannot take with a Chinese message naming the
limit and the input (:mod:`grants.domain.expenses`, :mod:`grants.domain.settlement`), and the
views put each message beside its input. The forms themselves only refuse control characters
(a NUL byte is never anyone's text) and carry the CSRF token. A refused form keeps everything
typed; files have to be chosen again, since no browser lets a page refill a file input.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import Field, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import ValidationError

from grants.domain.settlement import DEFAULT_BAR_YEARS, MAX_BAR_YEARS

DECISIONS = (("approve", _l("批准")), ("refuse", _l("不批准")))
"""The organizer's rulings on a budget adjustment, as (value, label)."""


def printable(_form, field: Field) -> None:
    """Refuse control characters (NUL and the like); line breaks and tabs are fine."""
    text = field.data if isinstance(field.data, str) else ""
    if any(unicodedata.category(ch) == "Cc" and ch not in "\n\r\t" for ch in text):
        raise ValidationError(_l("不能包含控制字符（如 NUL），请删除后重新填写"))


def _text(label, area: bool = False):
    """A text input passed to the service as typed (control characters refused)."""
    return (TextAreaField if area else StringField)(label, validators=[printable])


class TypedForm(FlaskForm):
    """A form whose text inputs go to a service as one mapping of what was typed."""

    def typed(self) -> dict[str, str]:
        """Every text input by name, as typed (``None`` as empty)."""
        return {name: field.data or "" for name, field in self._fields.items()
                if isinstance(field, StringField | TextAreaField | SelectField)}

    def show_problems(self, problems: Iterable) -> list[str]:
        """Put each refusal problem beside its input; return the messages no input took."""
        left = []
        for problem in problems:
            message = str(getattr(problem, "message", problem))
            field = self._fields.get(getattr(problem, "field", None) or "")
            if field is None:
                left.append(message)
            else:
                field.errors = [*field.errors, message]
        return left


def line_choices(form: TypedForm, lines, *names: str) -> TypedForm:
    """Offer the award's budget lines (and a blank first option) in the named pickers."""
    choices = [("", _l("（请选择）"))] + [(str(line.line_id), line.item) for line in lines]
    for name in names:
        form[name].choices = choices
    return form


class ExpenseForm(TypedForm):
    """One expense with its receipts: what the grantee reports against a budget line."""

    budget_line_id = SelectField(_l("预算科目"), validate_choice=False, validators=[printable])
    spent_on = _text(_l("支出日期"))
    amount = _text(_l("金额（元）"))
    payee = _text(_l("收款方"))
    description = _text(_l("支出说明"), area=True)
    invoice_code = _text(_l("发票代码（选填，10 或 12 位）"))
    invoice_number = _text(_l("发票号码（选填，8 位；全电发票 20 位）"))
    receipts = MultipleFileField(_l("票据文件（PDF、JPEG 或 PNG，可多选，每个不超过 10 MB）"))
    submit = SubmitField(_l("报送支出"))


class ResubmitForm(ExpenseForm):
    """A queried expense answered: the corrected expense, the answer and any further files."""

    answer = _text(_l("对财务问题的补充说明"), area=True)
    submit = SubmitField(_l("补充后重新报送"))


class AdjustmentForm(TypedForm):
    """The grantee moves money from one budget line to another."""

    from_line_id = SelectField(_l("调出科目"), validate_choice=False, validators=[printable])
    to_line_id = SelectField(_l("调入科目"), validate_choice=False, validators=[printable])
    amount = _text(_l("调整金额（元）"))
    reason = _text(_l("调整理由"), area=True)
    submit = SubmitField(_l("提交预算调整"))


class AcceptForm(TypedForm):
    """Accept one expense; a flagged one needs the written reason."""

    reason = _text(_l("认可理由（有提示时必填）"), area=True)
    submit = SubmitField(_l("认可"))


class RejectForm(TypedForm):
    """Reject one expense, with the reason the grantee reads."""

    reason = _text(_l("不予认可的理由"), area=True)
    submit = SubmitField(_l("不予认可"))


class QueryForm(TypedForm):
    """Ask the grantee a question about one expense."""

    question = _text(_l("需要补充说明的问题"), area=True)
    submit = SubmitField(_l("要求补充说明"))


class BulkAcceptForm(FlaskForm):
    """Accept every ticked unflagged expense at once (all or nothing); the ids are the
    ticked ``expense_ids`` boxes, read by the service."""

    submit = SubmitField(_l("批量认可所选（仅限无提示的支出）"))


class DecideAdjustmentForm(TypedForm):
    """The organizer approves or refuses a requested budget adjustment."""

    decision = SelectField(_l("决定"), choices=DECISIONS, validate_choice=False)
    reason = _text(_l("理由（不批准时必填）"), area=True)
    submit = SubmitField(_l("提交决定"))

    def validate_decision(self, field) -> None:
        """Only the two rulings exist."""
        if field.data not in {value for value, _label in DECISIONS}:
            raise ValidationError(_l("请选择批准或不批准"))


class SuspendForm(TypedForm):
    """Suspend an award, with the reason and the amount to claw back."""

    reason = _text(_l("暂停理由"), area=True)
    clawback = _text(_l("追回金额（元，可为 0）"))
    submit = SubmitField(_l("暂停项目并登记追回"))


class RefundForm(TypedForm):
    """Unspent money the grantee returned: amount, bank reference, value date."""

    amount = _text(_l("退回金额（元）"))
    bank_reference = _text(_l("银行流水号"))
    value_date = _text(_l("到账日期"))
    submit = SubmitField(_l("登记结余退回"))


class ClawbackReceivedForm(TypedForm):
    """The clawback came in: bank reference and value date."""

    bank_reference = _text(_l("银行流水号"))
    value_date = _text(_l("到账日期"))
    submit = SubmitField(_l("登记追回到账"))


class BarForm(TypedForm):
    """Bar the award's organisation from applying for some years, with the reason."""

    years = SelectField(_l("限制申报年限"), default=str(DEFAULT_BAR_YEARS), validate_choice=False,
                        choices=[(str(n), _l("%(n)s 年", n=n))
                                 for n in range(1, MAX_BAR_YEARS + 1)])
    reason = _text(_l("理由"), area=True)
    submit = SubmitField(_l("禁止申报"))


class ThresholdForm(TypedForm):
    """A round's overrun threshold, in whole per cent."""

    pct = _text(_l("超支提示比例（%）"))
    submit = SubmitField(_l("保存"))


class ActionForm(TypedForm):
    """A button that only needs the CSRF token (close an award)."""

    submit = SubmitField(_l("确定"))
