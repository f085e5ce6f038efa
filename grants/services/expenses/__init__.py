"""Fund supervision (资金监管): expenses against an award's frozen budget lines, with receipts,
flags, budget adjustments; settlement lives in :mod:`grants.services.settlement`.

:mod:`.commands` changes things (one transaction each, the award row locked first, states
through ``lifecycle.apply``), :mod:`.queries` reads (a fixed number of statements whatever the
number of awards), :mod:`.figures` is the grouped money both use. Names are re-exported here.

The API as shipped (fen are ints; ``data`` is a mapping of form fields; ``files`` is an
iterable of ``(filename, bytes)``; every refusal is a ``Refusal`` with its HTTP status)::

    # commands
    submit_expense(user, award_id, data, files=(), now=None) -> Expense
        data: budget_line_id, spent_on (YYYY-MM-DD), amount (yuan text) | amount_fen (int),
              payee, description, invoice_code, invoice_number
    resubmit_expense(user, expense_id, data, files=(), now=None) -> Expense   # data + "answer"
    accept_expense(actor, expense_id, reason=None, now=None) -> Expense      # flagged: reason
    reject_expense(actor, expense_id, reason, now=None) -> Expense
    query_expense(actor, expense_id, question, now=None) -> Expense
    bulk_accept(actor, expense_ids, now=None) -> list[Expense]              # unflagged, all or nothing
    request_adjustment(user, award_id, data, now=None) -> BudgetAdjustment
        data: from_line_id, to_line_id, amount | amount_fen, reason
        (within the round's threshold: recorded at once, status approved; beyond: requested)
    decide_adjustment(actor, adjustment_id, approve: bool, reason=None, now=None)
    save_overrun_threshold(actor, round_id, pct) -> FundingRound
    checked_uploads(files) -> list[Upload]                                   # the file check alone

    # queries
    expense_page(user, award_id) -> ExpensePage        # lines: LineTotals (approved_fen,
        adjusted_fen, accepted_fen, pending_fen, remaining_fen, variance_fen); expenses:
        ExpenseRow(expense, flags, line, actions); adjustments, adjustment_actions, ledger,
        threshold_pct, period, owner, can_report, can_adjust, can_decide, totals
    finance_queue(filters=None | QueueFilters | mapping(round_id, award_id, flag, status),
                  page=1, per_page=50) -> FinanceQueue(rows: QueueRow(expense, flags, line,
                  bulk_acceptable), total, page, pages, per_page, filters, flag_counts)
    award_spending(award_id) -> AwardSpending(award, lines, ledger, totals)
    spending_by_category(round_id) -> list[CategorySpending]
    pending_adjustments(round_id=None) -> list[BudgetAdjustment]
    iter_expense_rows(round_id) -> Iterator[dict]      # keys of EXPORT_COLUMNS (+ amount_fen, state)
    receipts_of(user, award_id=None, round_id=None) -> Iterator[ReceiptFile(arcname,
                content_type, data)]                    # 404 before the first file if not allowed
    receipt_file(user, receipt_id) -> (ExpenseReceipt, bytes)   # 404 for another grantee

    # grants.services.settlement
    settlement_of(user, award_id) -> Settlement(award, ledger, refunds, clawback,
                  max_clawback_fen, close_problem, actions)
    record_refund(actor, award_id, amount_fen, bank_reference, value_date, now=None) -> Refund
    suspend_award(actor, award_id, reason, clawback_fen=0, now=None) -> Award
    record_clawback_received(actor, award_id, bank_reference, value_date, now=None) -> Clawback
    bar_organisation(actor, org_id, years=3, reason="", now=None) -> Organisation
    close_award(actor, award_id) -> Award
    close_problem(award_id) -> str | None

Flags (grants.domain.expenses.FLAGS, most serious first; labels in FLAG_LABELS): above_paid,
overrun, duplicate_receipt, duplicate_invoice, over_line, outside_period, missing_receipt.
Permissions for templates: grants.domain.permissions.expenses (can_view_expenses,
can_report_expense, can_decide_expenses, can_adjust_budget, can_decide_adjustment, can_settle,
can_record_returned_money, can_export_round, can_view_receipt).
"""

from __future__ import annotations

from grants.services.expenses.commands import (
    BULK_MAX,
    MAX_RECEIPTS,
    Upload,
    accept_expense,
    bulk_accept,
    checked_uploads,
    decide_adjustment,
    locked_award,
    query_expense,
    reject_expense,
    request_adjustment,
    resubmit_expense,
    save_overrun_threshold,
    submit_expense,
)
from grants.services.expenses.figures import Figures, LineTotals, flags_of_expense, ledgers
from grants.services.expenses.queries import (
    EXPORT_COLUMNS,
    PER_PAGE,
    AwardSpending,
    CategorySpending,
    ExpensePage,
    ExpenseRow,
    FinanceQueue,
    QueueFilters,
    QueueRow,
    ReceiptFile,
    award_spending,
    expense_page,
    finance_queue,
    iter_expense_rows,
    pending_adjustments,
    receipt_file,
    receipts_of,
    spending_by_category,
    visible_award,
)

__all__ = [
    "BULK_MAX", "EXPORT_COLUMNS", "MAX_RECEIPTS", "PER_PAGE", "AwardSpending", "CategorySpending",
    "ExpensePage", "ExpenseRow", "Figures", "FinanceQueue", "LineTotals", "QueueFilters",
    "QueueRow", "ReceiptFile", "Upload", "accept_expense", "award_spending", "bulk_accept",
    "checked_uploads", "decide_adjustment", "expense_page", "finance_queue", "flags_of_expense",
    "iter_expense_rows", "ledgers", "locked_award", "pending_adjustments", "query_expense",
    "receipt_file", "receipts_of", "reject_expense", "request_adjustment", "resubmit_expense",
    "save_overrun_threshold", "spending_by_category", "submit_expense", "visible_award",
]
