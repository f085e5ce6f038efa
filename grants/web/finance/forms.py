"""Forms of the finance pages: requesting, approving, rejecting, cancelling and recording a
payment, changing its payee, recording a gate as met, and the round's tranche plan.

Every money-moving form carries the idempotency key its page drew (``idempotency_field()``);
the ``@idempotent`` view decorator reads it, so the forms themselves only hold the fields a
person fills in. Refusals are in Chinese and name the limit; the services check everything
again under the award's lock, the forms only stop what can be told without the database.
"""

from __future__ import annotations

import re
import unicodedata

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, ValidationError

from grants.domain.errors import Refusal
from grants.domain.payments import ACCOUNT_MAX, PAYEE_NAME_MAX, check_four_eyes
from grants.domain.tranches import FULL_BP, GATE_LABELS, GATES, Term, percent_text
from grants.domain.workflow import REASON_MAX_CHARS
from grants.web.awards.forms import MoneyField
from grants.web.guard import DateInRange

AMOUNT_MAX_CHARS = 24
"""Longer than any amount a person types (``¥9,999,999,999,999.99``): refused before parsing."""
BANK_REFERENCE_MAX = 64
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_PERCENT = re.compile(r"^(\d{1,3})(?:\.(\d{1,2}))?$")


def no_control_characters(_form, field) -> None:
    """Refuse NUL and other control characters (a database cannot store NUL in text)."""
    if _CONTROL.search(field.data or ""):
        raise ValidationError(_l("不能包含控制字符"))


REASON = [
    DataRequired(_l("请填写理由")),
    Length(max=REASON_MAX_CHARS, message=_l("最多 %(n)s 字", n=REASON_MAX_CHARS)),
    no_control_characters,
]


class AmountField(MoneyField):
    """A payment amount in yuan, read into fen; refuses absurdly long text before parsing it
    and anything not above zero, with the money module's Chinese reasons otherwise."""

    def pre_validate(self, form) -> None:
        """Length first (a 100,000-digit number is not an amount), then parse, then > 0."""
        if len(self.data or "") > AMOUNT_MAX_CHARS:
            self.fen = None
            raise ValidationError(_l("金额过长，请输入如 5000 或 5,000.00 的数字"))
        super().pre_validate(form)
        if self.fen is not None and self.fen <= 0:
            raise ValidationError(_l("付款金额必须大于零"))


def _payee_fields():
    """The payee's name and account, as requested and as changed (same rules both times)."""
    name = StringField(_l("收款单位或收款人"), validators=[
        DataRequired(_l("请填写收款单位或收款人")),
        Length(max=PAYEE_NAME_MAX, message=_l("最多 %(n)s 字", n=PAYEE_NAME_MAX)),
        no_control_characters,
    ])
    account = StringField(_l("收款账号"), validators=[
        DataRequired(_l("请填写收款账号")),
        Length(max=ACCOUNT_MAX + 10, message=_l("收款账号应为 8 至 %(n)s 位数字", n=ACCOUNT_MAX)),
        no_control_characters,
    ])
    return name, account


class RequestForm(FlaskForm):
    """A finance officer asks for (part of) a due tranche to be paid to a payee."""

    amount = AmountField(_l("付款金额（元）"), validators=[DataRequired(_l("请填写付款金额"))])
    payee_name, payee_account = _payee_fields()
    submit = SubmitField(_l("提交付款申请"))


class ApproveForm(FlaskForm):
    """The second officer approves. The four-eyes rule is asked here too, so the requester
    meets the refusal on the form, before the service and the database CHECK refuse it."""

    submit = SubmitField(_l("审批通过"))

    def __init__(self, *args, requester_id: int | None = None, approver_id: int | None = None,
                 **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.requester_id = requester_id
        self.approver_id = approver_id

    def validate(self, extra_validators=None) -> bool:
        """The fields, then the four-eyes rule of :func:`grants.domain.payments.check_four_eyes`."""
        if not super().validate(extra_validators):
            return False
        try:
            check_four_eyes(self.requester_id, self.approver_id)
        except Refusal as refusal:
            self.form_errors.append(str(refusal))
            return False
        return True


class ReasonForm(FlaskForm):
    """Reject or cancel a payment, or record a gate as met: a reason is required."""

    reason = TextAreaField(_l("理由"), validators=REASON)
    submit = SubmitField(_l("确定"))


class MarkPaidForm(FlaskForm):
    """The bank's record of a payment made: its reference, value date and paying account."""

    bank_reference = StringField(_l("银行流水号"), validators=[
        DataRequired(_l("请填写银行流水号")),
        Length(max=BANK_REFERENCE_MAX, message=_l("最多 %(n)s 个字符", n=BANK_REFERENCE_MAX)),
        no_control_characters,
    ])
    value_date = DateField(_l("起息日（到账日期）"), validators=[DataRequired(_l("请填写日期")), DateInRange()])
    paying_account = StringField(_l("付款账号"), validators=[
        DataRequired(_l("请填写付款账号")),
        Length(max=ACCOUNT_MAX, message=_l("最多 %(n)s 个字符", n=ACCOUNT_MAX)),
        no_control_characters,
    ])
    submit = SubmitField(_l("登记已付款"))


class PayeeForm(FlaskForm):
    """A new payee for a payment in progress; an approved payment goes back to requested."""

    payee_name, payee_account = _payee_fields()
    submit = SubmitField(_l("修改收款信息"))


def percent_to_bp(text: str) -> int | None:
    """A share typed as a percentage (``50``, ``33.33``, ``50%``) in basis points, None when
    blank; refuses anything else with a Chinese reason."""
    cleaned = unicodedata.normalize("NFKC", text or "").strip().rstrip("%").strip()
    if not cleaned:
        return None
    match = _PERCENT.match(cleaned)
    if not match:
        raise ValidationError(_l("比例请填写 0 至 100 之间的数字，最多两位小数"))
    whole, frac = int(match.group(1)), (match.group(2) or "").ljust(2, "0")
    share = whole * 100 + int(frac)
    if share > FULL_BP:
        raise ValidationError(_l("比例不能超过 100%"))
    return share


class PlanForm(FlaskForm):
    """The round's tranche plan: a share for each gate (blank or 0 = no tranche at that gate).

    ``terms`` holds the plan once valid; that the shares add up to 100 % and are in gate order
    is :func:`grants.domain.tranches.check_plan`, asked by the service (the view shows its
    refusal on this form).
    """

    agreement_signed = StringField(_l(GATE_LABELS["agreement_signed"]))
    midterm_passed = StringField(_l(GATE_LABELS["midterm_passed"]))
    final_passed = StringField(_l(GATE_LABELS["final_passed"]))
    submit = SubmitField(_l("保存拨付计划"))
    terms: tuple[Term, ...] = ()

    def validate(self, extra_validators=None) -> bool:
        """Read every share; a field that is not a percentage gets its own error."""
        valid = super().validate(extra_validators)
        terms = []
        for gate in GATES:
            field = self[gate]
            try:
                share = percent_to_bp(field.data)
            except ValidationError as error:
                field.errors = [*field.errors, str(error)]
                valid = False
                continue
            if share:
                terms.append(Term(gate, share))
        self.terms = tuple(terms)
        return valid

    @classmethod
    def of_plan(cls, plan) -> PlanForm:
        """The form filled with a plan's shares (for drawing it, not for reading a POST)."""
        shares = {term.gate: term.share_bp for term in plan}
        data = {gate: percent_text(shares[gate]) if gate in shares else "" for gate in GATES}
        return cls(formdata=None, data=data)
