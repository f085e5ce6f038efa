"""Who may upload beneficiary lists, run the follow-up, make calls, and see a phone number.

Plain ``can_<verb>(user, obj) -> (allowed, reason)`` functions in the style of
:mod:`grants.domain.permissions`. The grantee is the award's proposal owner
(:func:`~grants.domain.permissions.owns_proposal`); another grantee's list is answered as not
found. Callers are organizer staff or third-party evaluators whom the organizer assigned: a
full phone number is shown to the caller the number is assigned to, on their own list and in
their own list's export, and to nobody else (:func:`can_see_number`).
"""

from __future__ import annotations

from grants.domain.i18n import N_, msg
from grants.domain.permissions import (
    ALLOWED,
    ORGANIZERS,
    STAFF_READERS,
    Decision,
    allowed_to,
    has_any_role,
    is_signed_in,
    owns_proposal,
)
from grants.domain.roles import EVALUATOR, ORGANIZER

FOLLOW_UP_CALLERS: tuple[str, ...] = (EVALUATOR, ORGANIZER)
"""Roles a caller may hold: third-party evaluators and organizer staff (not admin)."""
FOLLOW_UP_READERS: tuple[str, ...] = STAFF_READERS
"""Read samples, outcomes and lists (numbers masked): organizers, admin, auditors."""
LIST_AWARD_STATES: frozenset[str] = frozenset({
    "agreement_signed", "implementing", "midterm_passed", "final_passed", "suspended", "closed",
})
"""Awards whose project serves (or served) people: they have a list and are sampled."""
NOT_FOUND = N_("找不到这个项目的受益人名单")


def can_view_list(user, proposal) -> Decision:
    """The grantee and follow-up readers see a project's list (numbers masked)."""
    if owns_proposal(user, proposal) or has_any_role(user, FOLLOW_UP_READERS):
        return ALLOWED
    return False, msg("找不到这个项目的受益人名单")


def can_upload_list(user, proposal, award_status: str) -> Decision:
    """The grantee uploads its list once the agreement is signed."""
    if not owns_proposal(user, proposal):
        return False, msg("只有本项目的申报方可以上传受益人名单")
    if award_status not in LIST_AWARD_STATES:
        return False, msg("协议签订后才能上传受益人名单")
    return ALLOWED


def can_run_follow_up(user) -> Decision:
    """Organizers set the round's follow-up, draw samples, assign callers and close samples."""
    return allowed_to(user, ORGANIZERS, msg("只有主办方可以组织回访"))


def can_read_follow_up(user) -> Decision:
    """Organizers, admin and auditors read samples and outcomes (numbers masked)."""
    return allowed_to(user, FOLLOW_UP_READERS, msg("只有主办方或审计人员可以查看回访情况"))


def can_be_caller(user) -> Decision:
    """An account the organizer may assign numbers to: organizer staff or an evaluator."""
    return allowed_to(user, FOLLOW_UP_CALLERS, msg("回访员须为主办方工作人员或第三方评估人员"))


def is_assigned_caller(user, caller_id: int | None) -> bool:
    """True when ``user`` is the caller a number is assigned to (and still holds a caller
    role)."""
    return (is_signed_in(user) and caller_id is not None and user.id == caller_id
            and can_be_caller(user)[0])


def can_record_call(user, caller_id: int | None) -> Decision:
    """Only the assigned caller records attempts on a number."""
    if not is_assigned_caller(user, caller_id):
        return False, msg("这个号码没有分配给您")
    return ALLOWED


def can_see_number(user, caller_id: int | None) -> bool:
    """The one rule for a full phone number: its assigned caller, nobody else."""
    return is_assigned_caller(user, caller_id)
