"""Demo fund supervision (资金监管): round 6's grantees report what they spent, finance decides,
and the round is settled.

Built on round 6 as :mod:`grants.demo.finance` leaves it (four signed awards, their tranches
paid), in rank order among the awards whose open payments allow settling:

- the **first** award spent most of its money: every expense accepted, the unspent rest refunded
  (结余退回) with its bank reference, and the award closed — accepted + refunded = paid;
- the **second** shows the everyday work: accepted expenses, a small budget move that applied at
  once, one expense queried by finance and resubmitted with the answer, and one whose receipt is
  the very file already used on the first award — flagged ``duplicate_receipt`` across the two
  projects, waiting in the finance queue;
- the **third** (its final payment still awaiting approval) has accepted expenses and one
  expense that takes a line more than 10 % past its budget: the ``overrun`` flag, waiting;
- the **fourth** was suspended after the mid-term visit found the activities stopped: its unpaid
  tranche blocked and the rest of the paid money recorded as a clawback, awaiting receipt.

Expenses are dated inside round 6's implementation period (2025) and reported a few days after;
each has its own small receipt file (PDF, JPEG or PNG). Everything goes through the services,
so the audit chain covers it. Awards move from signed to implementing by the award lifecycle
(:func:`grants.services.lifecycle.apply`); the first award's evaluations stand in for ones held
before the platform had them, while the second and third are evaluated for real afterwards
by :mod:`grants.demo.evaluations`. Each step looks at what exists first: seeding again adds
nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select

from grants.demo.finance import ROUND6_NAME
from grants.domain.clock import BEIJING, local_date
from grants.domain.lifecycles import AWARD
from grants.domain.permissions import acting_roles
from grants.extensions import db
from grants.models import FundingRound, User
from grants.models.awards import Award, AwardBudgetLine
from grants.models.expenses import Expense, Refund
from grants.services import awards, expenses, locked, settlement, unit_of_work
from grants.services.lifecycle import apply

ACCEPTING, QUERYING = "finance1", "finance2"
PAYEES = ("江宁区东山农贸市场", "南京惠民医疗器械有限公司", "江宁区金箔路印务社",
          "南京百家湖文体用品商行", "江宁区竹山社区股份经济合作社", "南京市江宁区便民五金店")
QUESTION = "发票金额与采购清单合计不一致，请补充采购清单并说明差额。"
ANSWER = "已补充采购清单：差额为现场零星采购的一次性手套，附小票照片。"
MOVE_REASON = "活动场次增加，从“{source}”调剂到“{target}”，调整额在本轮容差以内。"
SUSPEND_REASON = "中期检查发现项目活动已停止两个月，负责人失联，按协议第八条暂停项目并追回未使用资金。"
REFUND_REFERENCE = "JSB20260115000123"
REFUNDED_ON = date(2026, 1, 15)
SUSPENDED_AFTER = date(2025, 10, 20)


@dataclass(frozen=True)
class Planned:
    """One expense to report: on the ``line``-th budget line, ``share`` per mille of it;
    ``description`` names the line as ``{item}``."""

    line: int
    share: int
    spent_on: date
    description: str
    invoice: tuple[str, str] = ("", "")


def _user(username: str) -> User | None:
    """A demo account by username."""
    return db.session.scalar(select(User).where(User.username == username))


def _at(day: date, hour: int = 10) -> datetime:
    """A Beijing wall-clock moment of a demo day."""
    return datetime.combine(day, time(hour), tzinfo=BEIJING)


def seed() -> Iterator[str]:
    """Round 6's expenses and settlement, as far as they have not gone yet."""
    funding_round = db.session.scalar(
        select(FundingRound).where(FundingRound.name == ROUND6_NAME))
    staff = {name: _user(name) for name in ("organizer", ACCEPTING, QUERYING)}
    if funding_round is None or None in staff.values():
        yield "expenses: round 6 or its staff not found, skipped"
        return
    chosen = _awards(funding_round)
    if len(chosen) < 4:
        yield "expenses: round 6 has fewer than four paid awards, skipped"
        return
    settled, everyday, overrun, suspended = chosen[:4]
    made = _count(funding_round)
    _settled_award(settled, staff)
    _everyday_award(everyday, settled, staff)
    _overrun_award(overrun, staff)
    _suspended_award(suspended, staff)
    yield f"round 6 expenses: +{_count(funding_round) - made}"


def _count(funding_round: FundingRound) -> int:
    """How many expenses round 6 holds."""
    return db.session.scalar(
        select(func.count(Expense.id)).where(Expense.round_id == funding_round.id))


def _awards(funding_round: FundingRound) -> list[Award]:
    """Round 6's paid awards in rank order, those without a payment in progress first (only
    they can be settled), the one awaiting its final payment third."""
    round_awards = [a for a in awards.awards_of_round(funding_round.id) if a.tranches]
    money = expenses.ledgers([a.id for a in round_awards]) if round_awards else {}
    paid = [a for a in round_awards if money[a.id].paid_fen]
    idle = [a for a in paid if not money[a.id].open_payments]
    busy = [a for a in paid if money[a.id].open_payments]
    if len(idle) < 3 or not busy:
        return idle + busy
    return [idle[0], idle[1], busy[0], idle[2]]


def _move(award: Award, actions: tuple[str, ...], organizer: User) -> None:
    """Take the award through ``actions`` of its lifecycle that are still ahead of it."""
    for action in actions:
        with unit_of_work():
            row = locked(Award, award.id)
            if action in AWARD.available(row.status, acting_roles(organizer)):
                apply(AWARD, row, action, organizer)


def _lines(award: Award) -> list[AwardBudgetLine]:
    """The award's frozen budget lines in order."""
    return list(db.session.scalars(
        select(AwardBudgetLine).where(AwardBudgetLine.award_id == award.id)
        .order_by(AwardBudgetLine.position)))


def _receipt(award: Award, number: int, note: str) -> tuple[str, bytes]:
    """A small receipt file of its own: a PDF, a phone photo (JPEG) or a scan (PNG)."""
    text = f"{award.id}-{number}: {note}".encode()
    kind = number % 3
    if kind == 0:
        return f"发票-{number}.pdf", b"%PDF-1.4\n%\xe5\x8f\x91\xe7\xa5\xa8\n" + text + b"\n%%EOF\n"
    if kind == 1:
        return f"小票照片-{number}.jpg", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + text + b"\xff\xd9"
    return f"收据扫描-{number}.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + text


def _report(award: Award, plan: Planned, number: int, files=None, amount_fen: int | None = None):
    """Report one planned expense as the award's applicant, a few days after it was spent."""
    line = _lines(award)[plan.line]
    fen = amount_fen if amount_fen is not None else line.subtotal_fen * plan.share // 1000
    code, invoice = plan.invoice
    text = plan.description.format(item=line.item)
    data = {"budget_line_id": line.id, "spent_on": plan.spent_on.isoformat(), "amount_fen": fen,
            "payee": PAYEES[(award.id + number) % len(PAYEES)], "description": text,
            "invoice_code": code, "invoice_number": invoice}
    receipts = files if files is not None else [_receipt(award, number, text)]
    return expenses.submit_expense(award.proposal.applicant, award.id, data, receipts,
                                   now=_at(plan.spent_on + timedelta(days=2)))


def _report_and_accept(award: Award, plans: tuple[Planned, ...], finance: User,
                       first: int = 1) -> list[Expense]:
    """Report each planned expense and have finance accept it a week later."""
    made = []
    for number, plan in enumerate(plans, start=first):
        expense = _report(award, plan, number)
        expenses.accept_expense(finance, expense.id, now=_at(plan.spent_on + timedelta(days=7)))
        made.append(expense)
    return made


def _invoice(award: Award, number: int) -> tuple[str, str]:
    """A paper invoice's 12-digit code and 8-digit number, different for every expense."""
    return "032002500111", f"{award.id:02d}{number:06d}"[-8:]


# --- the four awards ----------------------------------------------------------------------------

SETTLED_PLANS = (
    (0, 450, date(2025, 6, 20), "{item}第一批采购"),
    (0, 450, date(2025, 9, 12), "{item}第二批采购"),
    (1, 900, date(2025, 7, 3), "{item}"),
    (2, 900, date(2025, 8, 15), "{item}（7–9 月）"),
    (3, 850, date(2025, 11, 28), "{item}（结项活动）"),
)


def _settled_award(award: Award, staff: dict[str, User]) -> None:
    """Spend most of the money, refund the rest, close: accepted + refunded = paid."""
    organizer, finance = staff["organizer"], staff[ACCEPTING]
    if not _has_expenses(award):
        _move(award, ("start_implementation", "pass_midterm"), organizer)
        count = len(_lines(award))
        plans = tuple(Planned(line, share, day, text, _invoice(award, n))
                      for n, (line, share, day, text) in enumerate(SETTLED_PLANS, start=1)
                      if line < count)
        _report_and_accept(award, plans, finance)
        _move(award, ("pass_final",), organizer)
    money = expenses.ledgers([award.id])[award.id]
    if money.unspent_fen > 0 and not _has_refund(award):
        settlement.record_refund(finance, award.id, money.unspent_fen, REFUND_REFERENCE,
                                 min(REFUNDED_ON, local_date()))
    closable = "close" in AWARD.available(db.session.get(Award, award.id).status,
                                          acting_roles(organizer))
    if closable and settlement.close_problem(award.id) is None:
        settlement.close_award(organizer, award.id)


def _everyday_award(award: Award, settled: Award, staff: dict[str, User]) -> None:
    """Accepted spending, a small move, a queried and resubmitted expense, and a receipt
    already used on the settled award (the duplicate-receipt flag across two projects)."""
    if _has_expenses(award):
        return
    organizer, finance, asking = staff["organizer"], staff[ACCEPTING], staff[QUERYING]
    _move(award, ("start_implementation",), organizer)
    count = len(_lines(award))
    _report_and_accept(award, (
        Planned(0, 300, date(2025, 6, 28), "{item}（6 月）"),
        Planned(1 % count, 400, date(2025, 7, 19), "{item}（7 月）", _invoice(award, 2)),
        Planned(2 % count, 350, date(2025, 8, 9), "{item}（8 月）"),
    ), finance)
    source, target = _lines(award)[0], _lines(award)[-1]
    expenses.request_adjustment(award.proposal.applicant, award.id, {
        "from_line_id": source.id, "to_line_id": target.id,
        "amount_fen": min(source.subtotal_fen, target.subtotal_fen) // 20,
        "reason": MOVE_REASON.format(source=source.item, target=target.item)})
    queried = _report(award, Planned(0, 200, date(2025, 9, 6), "{item}补充采购（9 月）"), 4)
    expenses.query_expense(asking, queried.id, QUESTION, now=_at(date(2025, 9, 12)))
    data = {"budget_line_id": queried.budget_line_id, "spent_on": "2025-09-06",
            "amount_fen": queried.amount_fen, "payee": queried.payee,
            "description": queried.description, "answer": ANSWER}
    expenses.resubmit_expense(award.proposal.applicant, queried.id, data,
                              [_receipt(award, 5, "采购清单与手套小票")],
                              now=_at(date(2025, 9, 15)))
    first = next(expenses.receipts_of(organizer, award_id=settled.id))
    shared = (first.arcname.rsplit("/", 1)[-1].split("-", 2)[-1], first.data)
    _report(award, Planned(0, 150, date(2025, 10, 11), "{item}（月结单）"), 6, files=[shared])


def _overrun_award(award: Award, staff: dict[str, User]) -> None:
    """Accepted spending, then an expense that takes a line past its budget by more than the
    round's 10 %: flagged ``overrun``, waiting in the queue."""
    if _has_expenses(award):
        return
    organizer, finance = staff["organizer"], staff[ACCEPTING]
    _move(award, ("start_implementation",), organizer)
    count = len(_lines(award))
    _report_and_accept(award, (
        Planned(0, 500, date(2025, 6, 25), "{item}第一批"),
        Planned(1 % count, 450, date(2025, 8, 30), "{item}（6–8 月）"),
        Planned(2 % count, 300, date(2025, 9, 30), "{item}（9 月）", _invoice(award, 3)),
    ), finance)
    _report(award, Planned(0, 700, date(2025, 11, 8), "冬季加购{item}"), 4)


def _suspended_award(award: Award, staff: dict[str, User]) -> None:
    """Some accepted spending, then the suspension with the rest of the paid money clawed back
    (tracked until received)."""
    organizer, finance = staff["organizer"], staff[ACCEPTING]
    if not _has_expenses(award):
        _move(award, ("start_implementation",), organizer)
        count = len(_lines(award))
        _report_and_accept(award, (
            Planned(0, 400, date(2025, 7, 8), "{item}第一批"),
            Planned(2 % count, 300, date(2025, 7, 26), "{item}（第一批楼道）"),
        ), finance)
    current = db.session.get(Award, award.id)
    if "suspend" in AWARD.available(current.status, acting_roles(organizer)):
        money = expenses.ledgers([award.id])[award.id]
        settlement.suspend_award(organizer, award.id, SUSPEND_REASON, max(money.unspent_fen, 0),
                                 now=_at(SUSPENDED_AFTER))


def _has_expenses(award: Award) -> bool:
    """True when the award's grantee already reported something (this step ran before)."""
    return bool(db.session.scalar(
        select(func.count(Expense.id)).where(Expense.award_id == award.id)))


def _has_refund(award: Award) -> bool:
    """True when a refund is recorded on the award."""
    return bool(db.session.scalar(
        select(func.count(Refund.id)).where(Refund.award_id == award.id)))
