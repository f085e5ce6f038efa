"""The figures flags and settlement are computed from, loaded for many awards at once.

Every function takes a *scope* — a list of ids or a ``select`` of ids — and runs a fixed number
of statements whatever its size, so a page of one award, the finance queue over a thousand
awards and the commands (one award, under its lock) all use the same code and the same
numbers. Money is summed in the database, grouped; nothing is loaded row by row.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Select, and_, case, func, select
from sqlalchemy.orm import aliased

from grants.domain.expenses import ExpenseFacts, adjusted_amounts, flags_of
from grants.domain.lifecycles.budget_adjustment import APPROVED
from grants.domain.lifecycles.clawback import RECEIVED
from grants.domain.lifecycles.expense import ACCEPTED, PENDING_STATES, REJECTED
from grants.domain.lifecycles.payment import OPEN_STATES
from grants.domain.settlement import Ledger
from grants.extensions import db
from grants.models import FundingRound
from grants.models.awards import Award, AwardBudgetLine
from grants.models.expenses import BudgetAdjustment, Clawback, Expense, ExpenseReceipt, Refund
from grants.models.payments import Payment

Scope = Iterable[int] | Select
PAID = "paid"


@dataclass(frozen=True)
class LineTotals:
    """One budget line's money: approved (frozen), adjusted, accepted and pending spending."""

    line_id: int
    award_id: int
    position: int
    item: str
    cost_category: str
    approved_fen: int
    adjusted_fen: int
    accepted_fen: int
    pending_fen: int

    @property
    def remaining_fen(self) -> int:
        """What is left to report on the line: adjusted − accepted − pending."""
        return self.adjusted_fen - self.accepted_fen - self.pending_fen

    @property
    def variance_fen(self) -> int:
        """Adjusted − accepted: positive is unspent, negative is spent above the line."""
        return self.adjusted_fen - self.accepted_fen


@dataclass(frozen=True)
class ExpenseKey:
    """The columns of an expense its flags depend on (a light row, not the ORM object)."""

    id: int
    award_id: int
    round_id: int
    budget_line_id: int
    amount_fen: int
    spent_on: date
    status: str


def _in(column, scope: Scope):
    """``column IN scope`` for a list of ids or a ``select`` of them."""
    return column.in_(scope if isinstance(scope, Select) else list(scope))


def line_totals(awards: Scope) -> dict[int, LineTotals]:
    """Every budget line of the awards with its figures, by line id (three statements)."""
    lines = db.session.execute(
        select(AwardBudgetLine.id, AwardBudgetLine.award_id, AwardBudgetLine.position,
               AwardBudgetLine.item, AwardBudgetLine.cost_category, AwardBudgetLine.subtotal_fen)
        .where(_in(AwardBudgetLine.award_id, awards))
        .order_by(AwardBudgetLine.award_id, AwardBudgetLine.position)
    ).all()
    pending = Expense.status.in_(sorted(PENDING_STATES))
    sums = db.session.execute(
        select(Expense.budget_line_id,
               func.coalesce(func.sum(case((Expense.status == ACCEPTED, Expense.amount_fen),
                                           else_=0)), 0),
               func.coalesce(func.sum(case((pending, Expense.amount_fen), else_=0)), 0))
        .where(_in(Expense.award_id, awards)).group_by(Expense.budget_line_id)
    ).all()
    moves = db.session.execute(
        select(BudgetAdjustment.from_line_id, BudgetAdjustment.to_line_id,
               BudgetAdjustment.amount_fen)
        .where(_in(BudgetAdjustment.award_id, awards), BudgetAdjustment.status == APPROVED)
    ).all()
    spent = {line_id: (accepted, waiting) for line_id, accepted, waiting in sums}
    adjusted = adjusted_amounts({row.id: row.subtotal_fen for row in lines}, moves)
    return {
        row.id: LineTotals(row.id, row.award_id, row.position, row.item, row.cost_category,
                           row.subtotal_fen, adjusted[row.id], *spent.get(row.id, (0, 0)))
        for row in lines
    }


def ledgers(awards: Scope) -> dict[int, Ledger]:
    """Each award's :class:`Ledger` (paid, accepted, refunded, clawed back, pending), by id.

    Paid money is read straight from the payment table (status ``paid``), in one statement.
    """
    paid: dict[int, int] = defaultdict(int)
    open_payments: dict[int, int] = defaultdict(int)
    for award_id, status, total, count in db.session.execute(
        select(Payment.award_id, Payment.status, func.sum(Payment.amount_fen), func.count())
        .where(_in(Payment.award_id, awards)).group_by(Payment.award_id, Payment.status)
    ):
        if status == PAID:
            paid[award_id] += int(total)
        elif status in OPEN_STATES:
            open_payments[award_id] += count
    accepted: dict[int, int] = defaultdict(int)
    pending: dict[int, int] = defaultdict(int)
    for award_id, status, total, count in db.session.execute(
        select(Expense.award_id, Expense.status, func.sum(Expense.amount_fen), func.count())
        .where(_in(Expense.award_id, awards)).group_by(Expense.award_id, Expense.status)
    ):
        if status == ACCEPTED:
            accepted[award_id] += int(total)
        elif status in PENDING_STATES:
            pending[award_id] += count
    refunded = dict(db.session.execute(
        select(Refund.award_id, func.sum(Refund.amount_fen))
        .where(_in(Refund.award_id, awards)).group_by(Refund.award_id)
    ).all())
    clawbacks = {row.award_id: row for row in db.session.execute(
        select(Clawback.award_id, Clawback.amount_fen, Clawback.status)
        .where(_in(Clawback.award_id, awards)))}
    ids = set(paid) | set(open_payments) | set(accepted) | set(pending) | set(refunded) \
        | set(clawbacks)
    ids |= set(db.session.scalars(_ids_of(awards))) if isinstance(awards, Select) else set(awards)
    result = {}
    for award_id in ids:
        clawback = clawbacks.get(award_id)
        result[award_id] = Ledger(
            paid_fen=paid[award_id], accepted_fen=accepted[award_id],
            refunded_fen=int(refunded.get(award_id) or 0),
            clawback_fen=clawback.amount_fen if clawback else 0,
            clawback_received_fen=clawback.amount_fen
            if clawback and clawback.status == RECEIVED else 0,
            pending_count=pending[award_id], open_payments=open_payments[award_id],
        )
    return result


def _ids_of(awards: Scope) -> Select:
    """The scope as a statement yielding award ids (so awards with no money still appear)."""
    return select(Award.id).where(_in(Award.id, awards))


def reused_receipts(expenses: Scope) -> set[int]:
    """Expenses (of the scope) with a file already on an earlier, not rejected expense of any
    project or round: found by the sha256 index, one statement."""
    mine, earlier = aliased(ExpenseReceipt), aliased(ExpenseReceipt)
    other = aliased(Expense)
    query = (
        select(mine.expense_id).distinct()
        .join(earlier, and_(earlier.sha256 == mine.sha256, earlier.expense_id < mine.expense_id))
        .join(other, other.id == earlier.expense_id)
        .where(_in(mine.expense_id, expenses), other.status != REJECTED)
    )
    return set(db.session.scalars(query))


def reused_invoices(expenses: Scope) -> set[int]:
    """Expenses (of the scope) whose 发票代码 + 发票号码 an earlier, not rejected expense of any
    project or round already used: by the invoice index, one statement."""
    other = aliased(Expense)
    query = (
        select(Expense.id).distinct()
        .join(other, and_(other.invoice_code == Expense.invoice_code,
                          other.invoice_number == Expense.invoice_number,
                          other.id < Expense.id, other.status != REJECTED))
        .where(_in(Expense.id, expenses), Expense.invoice_number != "")
    )
    return set(db.session.scalars(query))


def receipt_counts(expenses: Scope) -> dict[int, int]:
    """How many receipt files each expense of the scope has (missing ones have none)."""
    return dict(db.session.execute(
        select(ExpenseReceipt.expense_id, func.count())
        .where(_in(ExpenseReceipt.expense_id, expenses)).group_by(ExpenseReceipt.expense_id)
    ).all())


def round_rules(rounds: Scope) -> dict[int, tuple[int, date, date]]:
    """Each round's overrun threshold and implementation period, by round id."""
    return {row.id: (row.overrun_threshold_pct, row.implementation_start, row.implementation_end)
            for row in db.session.execute(
                select(FundingRound.id, FundingRound.overrun_threshold_pct,
                       FundingRound.implementation_start, FundingRound.implementation_end)
                .where(_in(FundingRound.id, rounds)))}


@dataclass(frozen=True)
class Figures:
    """What the flags of a set of expenses need, loaded once for all of them."""

    lines: dict[int, LineTotals]
    ledgers: dict[int, Ledger]
    rules: dict[int, tuple[int, date, date]]
    receipts: dict[int, int]
    reused_receipts: set[int]
    reused_invoices: set[int]

    def flags(self, expense: ExpenseKey) -> tuple[str, ...]:
        """The flags of one undecided expense (empty for a decided one)."""
        if expense.status not in PENDING_STATES:
            return ()
        line, ledger = self.lines[expense.budget_line_id], self.ledgers[expense.award_id]
        threshold, start, end = self.rules[expense.round_id]
        return flags_of(ExpenseFacts(
            amount_fen=expense.amount_fen, spent_on=expense.spent_on, period_start=start,
            period_end=end, line_adjusted_fen=line.adjusted_fen,
            line_accepted_fen=line.accepted_fen, line_pending_fen=line.pending_fen,
            award_accepted_fen=ledger.accepted_fen, spendable_fen=ledger.spendable_fen,
            threshold_pct=threshold, receipt_count=self.receipts.get(expense.id, 0),
            receipt_reused=expense.id in self.reused_receipts,
            invoice_reused=expense.id in self.reused_invoices,
        ))


def figures(awards: Scope, rounds: Scope, expenses: Scope) -> Figures:
    """Everything the flags of ``expenses`` depend on, for their ``awards`` and ``rounds``."""
    return Figures(line_totals(awards), ledgers(awards), round_rules(rounds),
                   receipt_counts(expenses), reused_receipts(expenses), reused_invoices(expenses))


def key_of(expense: Expense) -> ExpenseKey:
    """The light row of an ORM expense."""
    return ExpenseKey(expense.id, expense.award_id, expense.round_id, expense.budget_line_id,
                      expense.amount_fen, expense.spent_on, expense.status)


KEY_COLUMNS = (Expense.id, Expense.award_id, Expense.round_id, Expense.budget_line_id,
               Expense.amount_fen, Expense.spent_on, Expense.status)
"""The columns of :class:`ExpenseKey`, in order, for queries that select light rows."""


def flags_of_expense(expense: Expense) -> tuple[str, ...]:
    """The flags of one expense now (the commands call this under the award lock)."""
    found = figures([expense.award_id], [expense.round_id], [expense.id])
    return found.flags(key_of(expense))
