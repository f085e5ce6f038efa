"""Reading expenses: the grantee's page, the finance queue, spending by line and by category,
exports and receipt files. Each runs a fixed number of statements whatever the number of
awards or expenses (the figures are grouped sums, see :mod:`.figures`)."""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import Select, select
from sqlalchemy.orm import joinedload, selectinload

from grants.domain.budget import COST_CATEGORIES
from grants.domain.errors import Refusal
from grants.domain.expenses import FLAG_LABELS, FLAGS, flag_rank
from grants.domain.i18n import tr
from grants.domain.inputs import parse_row_id
from grants.domain.lifecycles import BUDGET_ADJUSTMENT, EXPENSE
from grants.domain.lifecycles.budget_adjustment import REQUESTED
from grants.domain.lifecycles.expense import AWAITING_FINANCE, PENDING_STATES
from grants.domain.money import fen_to_plain
from grants.domain.permissions import Decision, acting_roles, owns_proposal
from grants.domain.permissions import expenses as perms
from grants.domain.settlement import Ledger
from grants.extensions import db
from grants.models import AttachmentBlob, Proposal
from grants.models.awards import Award
from grants.models.expenses import BudgetAdjustment, Expense, ExpenseReceipt
from grants.services import is_row_id
from grants.services.expenses.figures import (
    KEY_COLUMNS,
    ExpenseKey,
    Figures,
    LineTotals,
    figures,
    key_of,
    ledgers,
    line_totals,
)

PER_PAGE = 50
EXPORT_BATCH = 1000


def not_found() -> Refusal:
    """The one answer for an award, expense or receipt the reader may not see or that is gone."""
    return Refusal(tr(perms.NOT_FOUND), status=404)




def visible_award(user, award_id: int) -> Award:
    """The award (with its proposal) when ``user`` may see its expenses; else a 404."""
    if not is_row_id(award_id):
        raise not_found()
    award = db.session.scalar(
        select(Award).where(Award.id == award_id).options(joinedload(Award.proposal)))
    if award is None or not perms.can_view_expenses(user, award.proposal)[0]:
        raise not_found()
    return award


# --- the grantee's page (and the staff's view of one award) ------------------------------------


@dataclass(frozen=True)
class ExpenseRow:
    """One expense with its flags (live while undecided, as answered once accepted), its line
    and the lifecycle actions the reader may take on it."""

    expense: Expense
    flags: tuple[str, ...]
    line: LineTotals
    actions: tuple[str, ...] = ()

    @property
    def flag_labels(self) -> list[str]:
        """The flags' labels, untranslated (templates translate labels they show)."""
        return [FLAG_LABELS[flag] for flag in self.flags]


@dataclass(frozen=True)
class ExpensePage:
    """Everything the expense page of one award shows: per-line running totals, the expenses
    with their flags, the budget adjustments and the award's money."""

    award: Award
    proposal: Proposal
    lines: list[LineTotals]
    expenses: list[ExpenseRow]
    adjustments: list[BudgetAdjustment]
    adjustment_actions: dict[int, tuple[str, ...]]
    ledger: Ledger
    threshold_pct: int
    period: tuple[date, date]
    owner: bool
    can_report: Decision
    can_adjust: Decision
    can_decide: Decision

    @property
    def totals(self) -> dict[str, int]:
        """Sums over the lines: approved, adjusted, accepted, pending, remaining."""
        keys = ("approved_fen", "adjusted_fen", "accepted_fen", "pending_fen", "remaining_fen")
        return {key: sum(getattr(line, key) for line in self.lines) for key in keys}


def _flags(found: Figures, expense: Expense) -> tuple[str, ...]:
    """Live flags of an undecided expense; the flags answered by the acceptance otherwise."""
    if expense.status in PENDING_STATES:
        return found.flags(key_of(expense))
    return tuple(flag for flag in FLAGS if flag in (expense.accepted_flags or ()))


def expense_page(user, award_id: int) -> ExpensePage:
    """The expense page of one award for its grantee or a staff reader; a 404 for anyone else.

    Per line: approved (frozen), adjusted (after approved moves), accepted, pending and
    remaining (adjusted − accepted − pending).
    """
    award = visible_award(user, award_id)
    proposal = award.proposal
    owner = owns_proposal(user, proposal)
    roles = acting_roles(user, owner=owner)
    expenses = list(db.session.scalars(
        select(Expense).where(Expense.award_id == award.id)
        .options(selectinload(Expense.receipts)).order_by(Expense.spent_on, Expense.id)))
    scope = select(Expense.id).where(Expense.award_id == award.id)
    found = figures([award.id], [award.round_id], scope)
    adjustments = list(db.session.scalars(
        select(BudgetAdjustment).where(BudgetAdjustment.award_id == award.id)
        .order_by(BudgetAdjustment.id)))
    threshold, start, end = found.rules[award.round_id]
    lines = sorted(found.lines.values(), key=lambda line: line.position)
    return ExpensePage(
        award=award, proposal=proposal, lines=lines,
        expenses=[ExpenseRow(e, _flags(found, e), found.lines[e.budget_line_id],
                             tuple(EXPENSE.available(e.status, roles))) for e in expenses],
        adjustments=adjustments,
        adjustment_actions={a.id: tuple(BUDGET_ADJUSTMENT.available(a.status, roles))
                            for a in adjustments},
        ledger=found.ledgers[award.id], threshold_pct=threshold, period=(start, end),
        owner=owner,
        can_report=perms.can_report_expense(user, proposal, award.status),
        can_adjust=perms.can_adjust_budget(user, proposal, award.status),
        can_decide=perms.can_decide_expenses(user, award.status),
    )


# --- the finance queue -------------------------------------------------------------------------


@dataclass(frozen=True)
class QueueFilters:
    """What the finance queue shows: a round, an award, a flag filter and a state.

    ``flag`` is ``""`` (all), ``"flagged"``, ``"clean"`` or one flag key; ``status`` is ``""``
    (everything awaiting finance) or one of those states.
    """

    round_id: int | None = None
    award_id: int | None = None
    flag: str = ""
    status: str = ""

    @classmethod
    def read(cls, values: Mapping[str, object] | None) -> QueueFilters:
        """Filters from request arguments; anything unknown is ignored (never an error)."""
        values = values or {}

        def number(key: str) -> int | None:
            text = str(values.get(key) or "").strip()
            return parse_row_id(text)

        flag = str(values.get("flag") or "")
        status = str(values.get("status") or "")
        return cls(number("round_id"), number("award_id"),
                   flag if flag in ("flagged", "clean", *FLAGS) else "",
                   status if status in AWAITING_FINANCE else "")


@dataclass(frozen=True)
class QueueRow:
    """One expense awaiting finance, with its flags and what it belongs to."""

    expense: Expense
    flags: tuple[str, ...]
    line: LineTotals

    @property
    def bulk_acceptable(self) -> bool:
        """True when the expense has no flag, so bulk acceptance may take it."""
        return not self.flags


@dataclass(frozen=True)
class FinanceQueue:
    """One page of the finance queue, most flagged first, then oldest first."""

    rows: list[QueueRow]
    total: int
    page: int
    per_page: int
    filters: QueueFilters
    flag_counts: dict[str, int] = field(default_factory=dict)

    @property
    def pages(self) -> int:
        """How many pages the queue has (at least one)."""
        return max(1, math.ceil(self.total / self.per_page))


def _queue_scope(filters: QueueFilters) -> Select:
    """The expenses the filters select (before the flag filter, which needs the figures)."""
    states = [filters.status] if filters.status else sorted(AWAITING_FINANCE)
    query = select(*KEY_COLUMNS, Expense.waiting_since).where(Expense.status.in_(states))
    if filters.round_id:
        query = query.where(Expense.round_id == filters.round_id)
    if filters.award_id:
        query = query.where(Expense.award_id == filters.award_id)
    return query


def _matches(flags: tuple[str, ...], wanted: str) -> bool:
    """True when an expense's flags pass the queue's flag filter."""
    if wanted == "flagged":
        return bool(flags)
    if wanted == "clean":
        return not flags
    return not wanted or wanted in flags


def finance_queue(filters: QueueFilters | Mapping[str, object] | None = None, page: int = 1,
                  per_page: int = PER_PAGE) -> FinanceQueue:
    """The expenses awaiting a finance decision, sorted by flags (most serious first) then age.

    Flags are computed for every expense the filters select, in a fixed number of grouped
    statements, so sorting by them is exact across pages; only the page's rows are loaded
    as objects.
    """
    filters = filters if isinstance(filters, QueueFilters) else QueueFilters.read(filters)
    scope = _queue_scope(filters)
    rows = db.session.execute(scope).all()
    ids = scope.with_only_columns(Expense.id)
    found = figures(scope.with_only_columns(Expense.award_id).distinct(),
                    scope.with_only_columns(Expense.round_id).distinct(), ids)
    flagged = [(ExpenseKey(*row[:7]), row.waiting_since) for row in rows]
    flags = {key.id: found.flags(key) for key, _ in flagged}
    counts = {flag: sum(flag in f for f in flags.values()) for flag in FLAGS}
    chosen = [(key, since) for key, since in flagged if _matches(flags[key.id], filters.flag)]
    chosen.sort(key=lambda pair: (flag_rank(flags[pair[0].id]), pair[1], pair[0].id))
    page = max(1, int(page or 1))
    window = [key for key, _ in chosen[(page - 1) * per_page: page * per_page]]
    loaded = {e.id: e for e in db.session.scalars(
        select(Expense).where(Expense.id.in_([key.id for key in window])).options(
            joinedload(Expense.award).joinedload(Award.proposal)
            .joinedload(Proposal.organisation),
            selectinload(Expense.receipts)))} if window else {}
    page_rows = [QueueRow(loaded[key.id], flags[key.id], found.lines[key.budget_line_id])
                 for key in window]
    return FinanceQueue(page_rows, len(chosen), page, per_page, filters, counts)


# --- spending by line, by category; adjustments awaiting the organizer -------------------------


@dataclass(frozen=True)
class AwardSpending:
    """Spending of one award by budget line, with the variance, and its money."""

    award: Award
    lines: list[LineTotals]
    ledger: Ledger

    @property
    def totals(self) -> dict[str, int]:
        """Sums over the lines: approved, adjusted, accepted, pending, variance."""
        keys = ("approved_fen", "adjusted_fen", "accepted_fen", "pending_fen", "variance_fen")
        return {key: sum(getattr(line, key) for line in self.lines) for key in keys}


def award_spending(award_id: int) -> AwardSpending:
    """Spending by line against the (adjusted) budget for the award ledger and its chart."""
    if not is_row_id(award_id):
        raise not_found()
    award = db.session.scalar(
        select(Award).where(Award.id == award_id).options(joinedload(Award.proposal)))
    if award is None:
        raise not_found()
    lines = sorted(line_totals([award.id]).values(), key=lambda line: line.position)
    return AwardSpending(award, lines, ledgers([award.id])[award.id])


@dataclass(frozen=True)
class CategorySpending:
    """One cost category over a round: approved, adjusted, accepted and pending."""

    category: str
    label: str
    approved_fen: int
    adjusted_fen: int
    accepted_fen: int
    pending_fen: int


def spending_by_category(round_id: int) -> list[CategorySpending]:
    """A round's spending per cost category (in the categories' order), for its chart."""
    lines = line_totals(select(Award.id).where(Award.round_id == round_id)).values()
    sums: dict[str, list[int]] = {}
    for line in lines:
        figures_of = sums.setdefault(line.cost_category, [0, 0, 0, 0])
        for index, value in enumerate((line.approved_fen, line.adjusted_fen, line.accepted_fen,
                                       line.pending_fen)):
            figures_of[index] += value
    order = list(COST_CATEGORIES) + sorted(set(sums) - set(COST_CATEGORIES))
    return [CategorySpending(key, COST_CATEGORIES.get(key, key), *sums[key])
            for key in order if key in sums]


def pending_adjustments(round_id: int | None = None) -> list[BudgetAdjustment]:
    """Budget adjustments awaiting the organizer, oldest first (lines and award loaded)."""
    query = (select(BudgetAdjustment).join(Award, Award.id == BudgetAdjustment.award_id)
             .where(BudgetAdjustment.status == REQUESTED)
             .options(joinedload(BudgetAdjustment.from_line), joinedload(BudgetAdjustment.to_line))
             .order_by(BudgetAdjustment.requested_at, BudgetAdjustment.id))
    if round_id:
        query = query.where(Award.round_id == round_id)
    return list(db.session.scalars(query))


# --- exports and receipt files -----------------------------------------------------------------

EXPORT_COLUMNS: tuple[tuple[str, str], ...] = (
    ("expense_id", "支出编号"), ("award_id", "立项编号"), ("project", "项目名称"),
    ("applicant", "申报单位"), ("line", "预算科目"), ("cost_category", "费用类别"),
    ("spent_on", "支出日期"), ("amount", "金额（元）"), ("payee", "收款方"),
    ("description", "支出说明"), ("invoice_code", "发票代码"), ("invoice_number", "发票号码"),
    ("status", "状态"), ("flags", "提示"), ("decision_reason", "审核理由"),
    ("receipts", "票据数"), ("submitted_at", "报送时间"),
)
"""The export's columns: key and Chinese header (untranslated: the web layer translates)."""


def iter_expense_rows(round_id: int) -> Iterator[dict[str, object]]:
    """Every expense of a round as a plain row (keys of :data:`EXPORT_COLUMNS`), streamed in
    batches so an export of all expenses never holds them all. Amounts are fen ints under
    ``amount_fen`` and yuan text under ``amount``; flags are labels joined by 、."""
    scope = select(Expense.id).where(Expense.round_id == round_id)
    found = figures(select(Award.id).where(Award.round_id == round_id), [round_id], scope)
    query = (
        select(Expense).where(Expense.round_id == round_id)
        .options(joinedload(Expense.award).joinedload(Award.proposal)
                 .joinedload(Proposal.organisation), joinedload(Expense.budget_line))
        .order_by(Expense.award_id, Expense.spent_on, Expense.id)
        .execution_options(yield_per=EXPORT_BATCH)
    )
    for expense in db.session.scalars(query):
        proposal = expense.award.proposal
        flags = _flags(found, expense)
        yield {
            "expense_id": expense.id, "award_id": expense.award_id, "project": proposal.title,
            "applicant": proposal.organisation.name if proposal.organisation else "",
            "line": expense.budget_line.item,
            "cost_category": tr(COST_CATEGORIES.get(expense.budget_line.cost_category,
                                                    expense.budget_line.cost_category)),
            "spent_on": expense.spent_on.isoformat(), "amount_fen": expense.amount_fen,
            "amount": fen_to_plain(expense.amount_fen), "payee": expense.payee,
            "description": expense.description, "invoice_code": expense.invoice_code,
            "invoice_number": expense.invoice_number,
            "status": tr(EXPENSE.state_label(expense.status)), "state": expense.status,
            "flags": "、".join(tr(FLAG_LABELS[flag]) for flag in flags),
            "decision_reason": expense.decision_reason,
            "receipts": found.receipts.get(expense.id, 0),
            "submitted_at": _text_time(expense.submitted_at),
        }


def _text_time(moment: datetime | None) -> str:
    """A stored UTC time as ``YYYY-MM-DD HH:MM`` text (UTC) for exports."""
    return moment.strftime("%Y-%m-%d %H:%M") if moment else ""


@dataclass(frozen=True)
class ReceiptFile:
    """One receipt file for a ZIP: its path inside the archive, type and bytes."""

    arcname: str
    content_type: str
    data: bytes


_UNSAFE = re.compile(r"[\\/:*?\"<>|\x00-\x1f]+")


def _safe(text: str, limit: int = 40) -> str:
    """A path part safe in a ZIP on every system (no slashes or reserved characters)."""
    cleaned = _UNSAFE.sub("_", unicodedata.normalize("NFC", text or "")).strip(" .")
    return cleaned[:limit] or "_"


def receipts_of(user, award_id: int | None = None,
                round_id: int | None = None) -> Iterator[ReceiptFile]:
    """The receipt files of one award (its grantee or staff) or of a whole round (staff who
    read awards), for a ZIP: ``<award>-<project>/<expense>-<n>-<file name>``.

    Permission is checked before the first file (another grantee's award is a 404); the bytes
    are streamed a few at a time from one statement.
    """
    if award_id is not None:
        award = visible_award(user, award_id)
        condition = Expense.award_id == award.id
    elif round_id is not None and perms.can_export_round(user)[0] and is_row_id(round_id):
        condition = Expense.round_id == round_id
    else:
        raise not_found()
    query = (
        select(ExpenseReceipt.id, ExpenseReceipt.expense_id, ExpenseReceipt.filename,
               ExpenseReceipt.content_type, Expense.award_id, Proposal.title, AttachmentBlob.data)
        .join(Expense, Expense.id == ExpenseReceipt.expense_id)
        .join(Award, Award.id == Expense.award_id).join(Proposal, Proposal.id == Award.proposal_id)
        .join(AttachmentBlob, AttachmentBlob.sha256 == ExpenseReceipt.sha256)
        .where(condition).order_by(Expense.award_id, Expense.id, ExpenseReceipt.id)
        .execution_options(yield_per=20)
    )
    return _receipt_files(query)


def _receipt_files(query) -> Iterator[ReceiptFile]:
    """Name each streamed receipt row inside the archive. The query runs when the first file
    is asked for: a streamed answer asks after the request's own commits, which would close a
    server cursor opened earlier."""
    numbers: dict[int, int] = {}
    for row in db.session.execute(query):
        numbers[row.expense_id] = numbers.get(row.expense_id, 0) + 1
        folder = f"{row.award_id}-{_safe(row.title)}"
        name = f"{row.expense_id}-{numbers[row.expense_id]}-{_safe(row.filename, 80)}"
        yield ReceiptFile(f"{folder}/{name}", row.content_type, row.data)


def receipt_file(user, receipt_id: int) -> tuple[ExpenseReceipt, bytes]:
    """One receipt file and its bytes for someone who may see its expense; else a 404."""
    if not is_row_id(receipt_id):
        raise not_found()
    receipt = db.session.scalar(
        select(ExpenseReceipt).where(ExpenseReceipt.id == receipt_id).options(
            joinedload(ExpenseReceipt.expense).joinedload(Expense.award)
            .joinedload(Award.proposal)))
    if receipt is None or not perms.can_view_receipt(user, receipt.expense.award.proposal)[0]:
        raise not_found()
    return receipt, db.session.get(AttachmentBlob, receipt.sha256).data
