"""Disbursement rules (拨付): four eyes, an approval bound to what it approved, never past the award.

Pure functions over plain values; the payments service loads the rows under a lock on the award
row, asks these, and applies the :data:`grants.domain.lifecycles.payment.PAYMENT` transitions.

- **Four eyes.** The officer who approves a payment is never the one who requested it. There is
  no exemption for a single officer: with one finance officer a payment cannot be approved.
- **Bound approval.** An approval stores :meth:`PaymentContent.digest`, a sha256 over the
  tranche, amount, payee name, payee account and request time. Anything that changes one of
  them makes :func:`approval_holds` false, and the approval lapses.
- **Never past the award.** Approved plus paid payments of an award never exceed the award, and
  a payment is approved only for a tranche whose gate is met on an award that is not suspended.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import asdict, astuple, dataclass
from datetime import date, datetime, timedelta

from grants.domain.audit import canonical_json
from grants.domain.errors import Refusal
from grants.domain.i18n import msg
from grants.domain.inputs import is_digits
from grants.domain.lifecycles.payment import (
    APPROVED,
    COMMITTING_STATES,
    OPEN_STATES,
    PAID,
    REQUESTED,
)
from grants.domain.money import format_fen
from grants.domain.notice import is_working_day

FIRST_TRANCHE_WORKING_DAYS = 15
"""The first money is due within 15 working days of signing the agreement."""
PAYABLE_TRANCHE_STATE = "due"
"""A tranche whose gate is met: its money may be approved and paid."""
PAID_TRANCHE_STATE = "paid"
"""A tranche the bank has paid in full."""
SUSPENDED_AWARD_STATE = "suspended"
PAYEE_NAME_MAX = 100
ACCOUNT_MAX = 40


@dataclass(frozen=True)
class PaymentContent:
    """Exactly what an approval approves; its digest is stored with the approval."""

    tranche_id: int
    amount_fen: int
    payee_name: str
    payee_account: str
    requested_at: str

    def digest(self) -> str:
        """sha256 hex of the canonical JSON of the content (the approval hash)."""
        return hashlib.sha256(canonical_json(asdict(self)).encode()).hexdigest()


def approval_holds(approved_digest: str | None, current: PaymentContent) -> bool:
    """True while the content is still what was approved; False once anything changed."""
    return approved_digest is not None and approved_digest == current.digest()


def committed_fen(payments: Iterable[tuple[str, int]]) -> int:
    """The sum of an award's approved and paid payments, from ``(status, amount_fen)`` pairs."""
    return sum(amount for status, amount in payments if status in COMMITTING_STATES)


def check_four_eyes(requester_id: int | None, approver_id: int | None) -> None:
    """Refuse an approval by the officer who requested the payment (403)."""
    if requester_id is None or requester_id == approver_id:
        raise Refusal(
            msg("付款须由另一名财务人员审批：申请人不能审批自己提交的付款申请"), status=403
        )


def check_releasable(tranche_status: str, award_status: str) -> None:
    """Refuse money for an award that is suspended or a tranche whose gate is not met (409)."""
    if award_status == SUSPENDED_AWARD_STATE:
        raise Refusal(msg("该项目已暂停，后续批次不能拨付"), status=409)
    if tranche_status != PAYABLE_TRANCHE_STATE:
        raise Refusal(msg("该批次的拨付条件尚未达成，不能审批付款"), status=409)


def check_room(award_fen: int, committed: int, amount_fen: int) -> None:
    """Refuse an amount that would take approved and paid money past the award (409)."""
    if committed + amount_fen > award_fen:
        raise Refusal(
            msg(
                "本项目资助 {award}，已审批及已付款 {committed}，再审批 {amount} 将超出资助金额"
                "（最多还可审批 {room}）",
                award=format_fen(award_fen),
                committed=format_fen(committed),
                amount=format_fen(amount_fen),
                room=format_fen(max(award_fen - committed, 0)),
            ),
            status=409,
        )


def check_approval(
    *,
    requester_id: int | None,
    approver_id: int,
    tranche_status: str,
    award_status: str,
    award_fen: int,
    committed: int,
    amount_fen: int,
) -> None:
    """Every rule an approval must pass, in the order a person should hear them."""
    check_four_eyes(requester_id, approver_id)
    check_releasable(tranche_status, award_status)
    check_room(award_fen, committed, amount_fen)


def check_request_amount(amount_fen: int, tranche_fen: int, paid_on_tranche: int) -> None:
    """A request is positive and at most what is left of its tranche (422, naming the limit)."""
    left = tranche_fen - paid_on_tranche
    if amount_fen <= 0:
        raise Refusal(msg("付款金额必须大于零"))
    if amount_fen > left:
        raise Refusal(
            msg("付款金额 {amount} 超过本批次尚未拨付的 {left}",
                amount=format_fen(amount_fen), left=format_fen(left))
        )


def check_no_open_payment(open_statuses: Iterable[str]) -> None:
    """A tranche has at most one payment in progress, so nothing is requested twice (409)."""
    if any(status in OPEN_STATES for status in open_statuses):
        raise Refusal(msg("该批次已有处理中的付款申请，请先审批、驳回或取消它"), status=409)


def check_payee(name: str, account: str) -> None:
    """The payee's name and account are present, short and printable (422)."""
    if not name.strip() or len(name) > PAYEE_NAME_MAX:
        raise Refusal(msg("请填写收款单位或收款人（不超过 {n} 个字）", n=PAYEE_NAME_MAX))
    digits = account.replace(" ", "")
    if not is_digits(digits) or not 8 <= len(digits) <= ACCOUNT_MAX:
        raise Refusal(msg("收款账号应为 8 至 {n} 位数字", n=ACCOUNT_MAX))


def first_tranche_deadline(
    signed_on: date,
    holidays: frozenset[date] = frozenset(),
    workdays_extra: frozenset[date] = frozenset(),
    working_days: int = FIRST_TRANCHE_WORKING_DAYS,
) -> date:
    """The last day the first tranche may be paid: ``working_days`` working days after the
    signing day (the signing day itself does not count), on the notice calendar."""
    day, counted = signed_on, 0
    while counted < working_days:
        day += timedelta(days=1)
        if is_working_day(day, holidays, workdays_extra):
            counted += 1
    return day


def is_overdue(deadline: date | None, today: date, paid: bool) -> bool:
    """True when an unpaid tranche's deadline has passed."""
    return deadline is not None and not paid and today > deadline


FIRST_GATE = "agreement_signed"
"""The gate of the tranche whose deadline runs from the signing day (the first tranche)."""
LEDGER_AWARD_STATES: frozenset[str] = frozenset(
    {"confirmed", "agreement_signed", "implementing", "midterm_passed", "final_passed", "closed",
     "suspended"}
)
"""Awards a disbursement ledger lists: confirmed ones and everything after (money is owed)."""
BANK_REFERENCE_MAX = 64


def tranche_deadline(
    gate: str,
    signed_on: date | None,
    holidays: frozenset[date] = frozenset(),
    workdays_extra: frozenset[date] = frozenset(),
) -> date | None:
    """The date a tranche must be paid by: only the first tranche (released by the signature)
    has one, 15 working days after signing; the others wait for evaluations and have none."""
    if gate != FIRST_GATE or signed_on is None:
        return None
    return first_tranche_deadline(signed_on, holidays, workdays_extra)


def check_bank_record(
    bank_reference: str, value_date: date | None, paying_account: str, today: date
) -> None:
    """A paid payment records the bank's reference, the value date (not in the future: the
    money has left) and the account it was paid from (422, naming what is missing)."""
    reference = (bank_reference or "").strip()
    if not reference or len(reference) > BANK_REFERENCE_MAX:
        raise Refusal(msg("请填写银行交易流水号（不超过 {n} 个字符）", n=BANK_REFERENCE_MAX))
    if not isinstance(value_date, date) or isinstance(value_date, datetime):
        raise Refusal(msg("请填写付款的起息日期"))
    if value_date > today:
        raise Refusal(msg("起息日期不能晚于今天（{today}）", today=today.isoformat()))
    digits = (paying_account or "").replace(" ", "")
    if not is_digits(digits) or not 8 <= len(digits) <= ACCOUNT_MAX:
        raise Refusal(msg("付款账号应为 8 至 {n} 位数字", n=ACCOUNT_MAX))


def check_amount_type(amount_fen: object) -> None:
    """Money arrives as integer fen; anything else is refused before it reaches a rule (422)."""
    if isinstance(amount_fen, bool) or not isinstance(amount_fen, int):
        raise Refusal(msg("付款金额应以分为单位的整数表示"))


@dataclass(frozen=True)
class Totals:
    """An award's (or a round's) money in fen: awarded; due (gates met, not yet paid); in
    payments requested, approved (promised) and paid; remaining (awarded − paid)."""

    awarded_fen: int = 0
    due_fen: int = 0
    requested_fen: int = 0
    approved_fen: int = 0
    paid_fen: int = 0
    remaining_fen: int = 0

    def __add__(self, other: Totals) -> Totals:
        """Field by field, so a round's totals are the sum of its awards'."""
        return Totals(*(a + b for a, b in zip(astuple(self), astuple(other), strict=True)))


def ledger_totals(
    award_fen: int,
    tranches: Iterable[tuple[str, int, int]],
    payments: Iterable[tuple[str, int]],
) -> Totals:
    """An award's totals from its tranches ``(status, amount_fen, paid_fen)`` and its payments
    ``(status, amount_fen)``: what is due counts the unpaid part of each due tranche."""
    by_status: dict[str, int] = {}
    for status, amount in payments:
        by_status[status] = by_status.get(status, 0) + amount
    due = sum(amount - paid for status, amount, paid in tranches
              if status == PAYABLE_TRANCHE_STATE)
    paid = by_status.get(PAID, 0)
    return Totals(
        awarded_fen=award_fen, due_fen=max(due, 0), requested_fen=by_status.get(REQUESTED, 0),
        approved_fen=by_status.get(APPROVED, 0), paid_fen=paid, remaining_fen=award_fen - paid,
    )
