"""Settlement (结项结算), suspension with clawback (追回) and barring an organisation.

Pure rules over an award's money figures (:class:`Ledger`); the settlement service reads them
under a lock on the award row, asks these, and applies the lifecycle transitions.

- **Unspent** = paid − accepted − refunded − clawed back (recorded). A refund (结余退回) must be
  exactly the unspent amount, once every expense is decided.
- **Suspension** records a clawback of at most paid − accepted − refunded, tracked until
  received.
- **Closure** needs every expense decided, no payment in progress, the clawback received and
  accepted + refunded + clawed back = paid, to the fen.
- **Bar**: an organisation that breached its agreement may not apply for N years (default 3).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from grants.domain.errors import Refusal
from grants.domain.expenses import AMOUNT_TEXT_MAX
from grants.domain.i18n import msg
from grants.domain.money import MoneyError, format_fen, parse_money
from grants.domain.workflow import check_reason

DEFAULT_BAR_YEARS = 3
MAX_BAR_YEARS = 10
BAR_REASON_MAX_CHARS = 200
BANK_REFERENCE_MAX = 64
SETTLING_STATES: frozenset[str] = frozenset({"final_passed", "suspended"})
"""Awards whose money is being settled: refunds are recorded only for these."""


@dataclass(frozen=True)
class Ledger:
    """An award's money, in fen: paid out, accepted as spent, refunded, clawed back.

    ``clawback_fen`` is the recorded clawback, ``clawback_received_fen`` the part received;
    ``pending_count`` counts undecided expenses and ``open_payments`` payments in progress.
    """

    paid_fen: int
    accepted_fen: int
    refunded_fen: int = 0
    clawback_fen: int = 0
    clawback_received_fen: int = 0
    pending_count: int = 0
    open_payments: int = 0

    @property
    def unspent_fen(self) -> int:
        """Paid money neither accepted as spent nor returned (negative: spent more than paid)."""
        return self.paid_fen - self.accepted_fen - self.refunded_fen - self.clawback_fen

    @property
    def spendable_fen(self) -> int:
        """What the grantee holds to spend: paid, less refunds and clawbacks."""
        return self.paid_fen - self.refunded_fen - self.clawback_fen

    @property
    def settled(self) -> bool:
        """True when accepted + refunded + clawed back (received) equals paid exactly."""
        return (self.accepted_fen + self.refunded_fen + self.clawback_received_fen
                == self.paid_fen)


def _check_decided(ledger: Ledger, doing: str) -> None:
    """Refuse (409) while expenses await a decision: the unspent amount is not final yet."""
    if ledger.pending_count:
        raise Refusal(msg("还有 {count} 笔支出尚未审核完毕，不能{doing}",
                          count=ledger.pending_count, doing=doing), status=409)


def read_fen(value: object) -> int:
    """An amount given as integer fen or typed in yuan, as fen; a 422 naming the problem.

    Typed text is length-checked before it is converted, like expense amounts.
    """
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    text = "" if value is None else str(value).strip()
    if len(text) > AMOUNT_TEXT_MAX:
        raise Refusal(msg("金额过长，请核对后重新填写"))
    try:
        return parse_money(text)
    except MoneyError as error:
        raise Refusal(str(error)) from error


def check_bank_record(bank_reference: str, value_date: date | None, today: date) -> None:
    """A bank reference (1–64 characters) and a value date not after today (422)."""
    reference = (bank_reference or "").strip()
    if not reference or len(reference) > BANK_REFERENCE_MAX:
        raise Refusal(msg("请填写银行流水号（不超过 {n} 个字符）", n=BANK_REFERENCE_MAX))
    if not isinstance(value_date, date):
        raise Refusal(msg("请填写到账日期（如 2026-12-01）"))
    if value_date > today:
        raise Refusal(msg("到账日期不能晚于今天（{today}）", today=today.isoformat()))


def check_refund(ledger: Ledger, amount_fen: int) -> None:
    """A refund is exactly the unspent amount, once every expense is decided."""
    _check_decided(ledger, msg("登记结余退回"))
    unspent = ledger.unspent_fen
    if unspent <= 0:
        raise Refusal(msg("本项目没有结余（已拨付 {paid}，已认可支出 {accepted}，已退回 {refunded}，"
                          "追回 {clawback}），无需退回", paid=format_fen(ledger.paid_fen),
                          accepted=format_fen(ledger.accepted_fen),
                          refunded=format_fen(ledger.refunded_fen),
                          clawback=format_fen(ledger.clawback_fen)), status=409)
    whole = isinstance(amount_fen, int) and not isinstance(amount_fen, bool)
    if not whole or amount_fen != unspent:
        shown = format_fen(amount_fen) if whole else str(amount_fen)
        raise Refusal(msg("退回金额 {amount} 应等于结余 {unspent}（已拨付 − 已认可支出 − 已退回 − 追回）",
                          amount=shown, unspent=format_fen(unspent)))


def max_clawback(ledger: Ledger) -> int:
    """The most a suspension may claw back: what was paid and neither accepted as spent nor
    already refunded (a suspension after a refund claws back only what is left)."""
    return max(ledger.unspent_fen, 0)


def check_clawback(ledger: Ledger, clawback_fen: int) -> None:
    """A clawback is a whole number of fen from 0 to paid − accepted − refunded (422, naming
    the limit)."""
    most = max_clawback(ledger)
    if isinstance(clawback_fen, bool) or not isinstance(clawback_fen, int) \
            or not 0 <= clawback_fen <= most:
        raise Refusal(msg("追回金额须在 ¥0.00 至 {most} 之间（已拨付 {paid} − 已认可支出 {accepted}"
                          " − 已退回 {refunded}）", most=format_fen(most),
                          paid=format_fen(ledger.paid_fen), accepted=format_fen(ledger.accepted_fen),
                          refunded=format_fen(ledger.refunded_fen)))


def check_close(ledger: Ledger) -> None:
    """Refuse (409) a closure the money does not allow, saying what is missing."""
    _check_decided(ledger, msg("结项"))
    if ledger.open_payments:
        raise Refusal(msg("还有 {count} 笔付款正在办理，不能结项", count=ledger.open_payments),
                      status=409)
    if ledger.clawback_received_fen < ledger.clawback_fen:
        raise Refusal(msg("追回资金 {amount} 尚未到账，不能结项",
                          amount=format_fen(ledger.clawback_fen - ledger.clawback_received_fen)),
                      status=409)
    if ledger.settled:
        return
    unspent = ledger.unspent_fen
    if unspent > 0:
        raise Refusal(msg("尚有结余 {unspent} 未退回：请先登记结余退回再结项",
                          unspent=format_fen(unspent)), status=409)
    raise Refusal(msg("已认可支出 {accepted} 超过已拨付 {paid}（差 {gap}）：请先拨付差额再结项",
                      accepted=format_fen(ledger.accepted_fen), paid=format_fen(ledger.paid_fen),
                      gap=format_fen(-unspent)), status=409)


def check_bar(years: object, reason: str | None) -> str:
    """The reason for barring an organisation for ``years`` (1–10 whole years), or a 422."""
    if isinstance(years, bool) or not isinstance(years, int) or not 1 <= years <= MAX_BAR_YEARS:
        raise Refusal(msg("禁止申报年限须为 1 至 {most} 年的整数", most=MAX_BAR_YEARS))
    if problem := check_reason(msg("禁止申报"), reason):
        raise Refusal(problem)
    text = (reason or "").strip()
    if len(text) > BAR_REASON_MAX_CHARS:
        raise Refusal(msg("理由不能超过 {limit} 个字", limit=BAR_REASON_MAX_CHARS))
    return text


def bar_until(today: date, years: int) -> date:
    """The last day of a bar of ``years`` starting ``today`` (29 February falls to the 28th)."""
    try:
        return today.replace(year=today.year + years)
    except ValueError:
        return today.replace(year=today.year + years, day=28)
