"""Who may move money (拨付), record a gate, set a round's plan, and read the ledgers.

Plain functions in the ``can_<verb>(user, obj) -> (allowed, reason)`` style of
:mod:`grants.domain.permissions`, asked by the payments service before it acts and by the views
to decide which buttons to draw (so a page never offers what the service would refuse).

- Finance officers request, approve, mark paid, reject and cancel payments and correct a payee.
- An approval is by *another* officer than the requester (four eyes, no single-officer
  exemption): :func:`can_approve_payment` says so with the domain's own reason.
- Organizers record a gate as met and set a round's tranche plan.
- The ledgers are read by the award readers; a grantee sees its own tranches only.
"""

from __future__ import annotations

from grants.domain.errors import Refusal
from grants.domain.i18n import msg
from grants.domain.payments import check_four_eyes
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


def _finance(user, reason: str) -> Decision:
    """Allowed for finance officers, else refused with ``reason``."""
    if has_any_role(user, FINANCE_OFFICERS):
        return ALLOWED
    return False, reason


def can_request_payment(user) -> Decision:
    """Finance officers request a payment of a tranche."""
    return _finance(user, msg("只有财务人员可以申请付款"))


def can_handle_payment(user) -> Decision:
    """Finance officers reject or cancel a payment in progress and correct its payee."""
    return _finance(user, msg("只有财务人员可以处理付款申请"))


def can_approve_payment(user, payment) -> Decision:
    """A finance officer other than the one who requested ``payment`` approves it.

    ``payment`` needs ``requested_by_id``. With one finance officer nobody may approve, and the
    reason says why (the page shows it instead of the button).
    """
    allowed, reason = _finance(user, msg("只有财务人员可以审批付款"))
    if not allowed:
        return allowed, reason
    try:
        check_four_eyes(payment.requested_by_id, user.id)
    except Refusal as refused:
        return False, str(refused)
    return ALLOWED


def can_mark_paid(user) -> Decision:
    """Finance officers record that the bank paid (the requester may, the approver need not)."""
    return _finance(user, msg("只有财务人员可以登记付款"))


def can_record_gate(user) -> Decision:
    """Organizers record that a tranche's gate is met (until evaluations record it)."""
    return allowed_to(user, ORGANIZERS, msg("只有主办方可以确认拨付条件达成"))


def can_edit_plan(user) -> Decision:
    """Organizers set a round's tranche plan (before any of its agreements is signed)."""
    return allowed_to(user, ORGANIZERS, msg("只有主办方可以设置拨付方案"))


def can_read_ledger(user) -> Decision:
    """Organizers, admins, auditors and finance read the payment ledgers and exports."""
    return allowed_to(user, AWARD_READERS, msg("您无权查看拨付台账"))


def can_see_tranches(user, award_or_proposal) -> Decision:
    """The grantee (the proposal's owner) sees its award's tranches and payments; so do the
    award readers, who see every award's. Pass the award or its proposal."""
    proposal = getattr(award_or_proposal, "proposal", award_or_proposal)
    if owns_proposal(user, proposal) or has_any_role(user, AWARD_READERS):
        return ALLOWED
    return False, msg("您无权查看该项目的拨付情况")
