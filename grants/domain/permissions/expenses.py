"""Who may report, decide and see expenses, adjust budgets, and settle, suspend or bar.

Plain functions in the ``can_<verb>(user, obj) -> (allowed, reason)`` style of
:mod:`grants.domain.permissions`, used by the expenses and settlement services and by the
views (which pass the answers to the templates). The grantee is the award's proposal owner
(:func:`~grants.domain.permissions.owns_proposal`); a receipt of another grantee is answered as
not found, never as forbidden. State-dependent buttons come from the lifecycles
(``EXPENSE.available(state, acting_roles(user, owner=...))``); these add the checks the tables
cannot make (the award's state, who reads what).
"""

from __future__ import annotations

from grants.domain.expenses import DECIDING_AWARD_STATES, REPORTING_AWARD_STATES
from grants.domain.i18n import N_, msg
from grants.domain.permissions import (
    ALLOWED,
    AWARD_READERS,
    FINANCE_OFFICERS,
    ORGANIZERS,
    Decision,
    allowed_to,
    has_any_role,
    owns_proposal,
)

NOT_FOUND = N_("找不到这个项目的支出记录")
MONEY_RECORDERS: tuple[str, ...] = FINANCE_OFFICERS + ORGANIZERS
"""Record money that came back (refunds, received clawbacks): finance first, then organizers."""


def can_view_expenses(user, proposal) -> Decision:
    """The grantee and the staff who read awards (organizers, auditors, finance) see expenses
    and receipts of an award; anyone else is told nothing exists."""
    if owns_proposal(user, proposal) or has_any_role(user, AWARD_READERS):
        return ALLOWED
    return False, msg("找不到这个项目的支出记录")


def can_view_receipt(user, proposal) -> Decision:
    """A receipt file is seen by whoever may see its expense (others get a 404)."""
    return can_view_expenses(user, proposal)


def can_report_expense(user, proposal, award_status: str) -> Decision:
    """The grantee reports expenses while the award is signed and not yet closed."""
    if not owns_proposal(user, proposal):
        return False, msg("只有本项目的申报方可以报送支出")
    if award_status not in REPORTING_AWARD_STATES:
        return False, msg("协议签订后、结项前才能报送支出")
    return ALLOWED


def can_decide_expenses(user, award_status: str | None = None) -> Decision:
    """Finance officers accept, reject or query expenses of an award that is not closed."""
    if not has_any_role(user, FINANCE_OFFICERS):
        return False, msg("只有财务人员可以审核支出")
    if award_status is not None and award_status not in DECIDING_AWARD_STATES:
        return False, msg("该项目已结项或尚未签订协议，不能审核支出")
    return ALLOWED


def can_adjust_budget(user, proposal, award_status: str) -> Decision:
    """The grantee asks to move money between budget lines while the award is running."""
    if not owns_proposal(user, proposal):
        return False, msg("只有本项目的申报方可以申请预算调整")
    if award_status not in REPORTING_AWARD_STATES:
        return False, msg("协议签订后、结项前才能申请预算调整")
    return ALLOWED


def can_decide_adjustment(user) -> Decision:
    """Organizers approve or refuse budget adjustments beyond the tolerance."""
    return allowed_to(user, ORGANIZERS, msg("只有主办方可以审批预算调整"))


def can_settle(user) -> Decision:
    """Organizers suspend, close and bar, and set a round's overrun threshold."""
    return allowed_to(user, ORGANIZERS, msg("只有主办方可以暂停、结项或禁止申报"))


def can_record_returned_money(user) -> Decision:
    """Finance officers and organizers record refunds and received clawbacks."""
    return allowed_to(user, MONEY_RECORDERS, msg("只有财务人员或主办方可以登记退回或追回的资金"))


def can_export_round(user) -> Decision:
    """Staff who read awards download a round's expenses and receipts."""
    return allowed_to(user, AWARD_READERS, msg("只有主办方、审计或财务人员可以导出整个赛事的支出"))
