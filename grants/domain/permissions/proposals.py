"""Who may see, change and screen proposals and their attachments.

Plain functions ``can_<verb>(user, obj) -> (allowed, reason)`` in the style of
:mod:`grants.domain.permissions`. ``user`` is anything with ``id``, ``roles`` and
``organisation_id`` (or None for an anonymous visitor); a proposal is read by its
``applicant_id`` and ``status``. Staff who read every proposal: organizer, admin, auditor.
"""

from __future__ import annotations

from grants.domain.i18n import N_, msg, tr
from grants.domain.permissions import ALLOWED, Decision, has_any_role
from grants.domain.proposals import is_editable

READER_ROLES = frozenset({"organizer", "admin", "auditor"})
SCREENER_ROLES = frozenset({"organizer", "admin"})
APPLICANT_ROLES = frozenset({"resident", "org_member"})

NOT_FOUND = N_("找不到这个申报项目")


def _authenticated(user) -> bool:
    """True for a logged-in account (anonymous visitors have no ``id`` or are not authenticated)."""
    return user is not None and getattr(user, "is_authenticated", True) and user.id is not None


def is_owner(user, proposal) -> bool:
    """True when ``user`` is the proposal's applicant (the account that drafted it)."""
    return _authenticated(user) and proposal.applicant_id == user.id


def can_apply(user) -> Decision:
    """Residents (as a team) and organisation members (with an organisation) may draft proposals."""
    if not _authenticated(user):
        return False, msg("请先登录")
    if has_any_role(user, ("org_member",)) and getattr(user, "organisation_id", None):
        return ALLOWED
    if has_any_role(user, ("resident",)):
        return ALLOWED
    if has_any_role(user, ("org_member",)):
        return False, msg("您的账号尚未关联社会组织，不能以组织名义申报")
    return False, msg("只有居民或社会组织账号可以申报项目")


def applies_as_org(user) -> bool:
    """True when a new proposal by ``user`` is an organisation's (else a resident team's)."""
    return has_any_role(user, ("org_member",)) and bool(getattr(user, "organisation_id", None))


def can_view_proposal(user, proposal) -> Decision:
    """The applicant and reading staff (organizer, admin, auditor) see a proposal in full."""
    if is_owner(user, proposal) or has_any_role(user, READER_ROLES):
        return ALLOWED
    return False, tr(NOT_FOUND)


def can_edit_proposal(user, proposal) -> Decision:
    """Only the applicant edits, and only while the proposal is a draft or returned."""
    if not is_owner(user, proposal):
        return False, tr(NOT_FOUND)
    if not is_editable(proposal.status):
        return False, msg("该申报当前不能修改（只有草稿或退回修改的申报可以修改）")
    return ALLOWED


def can_withdraw_proposal(user, proposal) -> Decision:
    """Only the applicant withdraws; the state table decides from which states."""
    if not is_owner(user, proposal):
        return False, tr(NOT_FOUND)
    return ALLOWED


def can_view_attachment(user, attachment, proposal) -> Decision:
    """An attachment is visible exactly to those who may see its proposal."""
    if attachment.proposal_id != proposal.id:
        return False, msg("附件不属于该申报")
    return can_view_proposal(user, proposal)


def can_change_attachments(user, proposal) -> Decision:
    """Attachments are added or removed by the applicant while the proposal is editable."""
    return can_edit_proposal(user, proposal)


def can_screen(user) -> Decision:
    """Organizers (and admins, acting as organizer) screen submitted proposals."""
    if has_any_role(user, SCREENER_ROLES):
        return ALLOWED
    return False, msg("只有主办方可以进行资格审查")


def workflow_roles(user, proposal) -> frozenset[str]:
    """The roles to check against the proposal state table for ``user`` acting on ``proposal``.

    The owner acts as ``applicant``; a screener (organizer or admin) acts as ``organizer``.
    """
    roles: set[str] = set()
    if is_owner(user, proposal):
        roles.add("applicant")
    if can_screen(user)[0]:
        roles.add("organizer")
    return frozenset(roles)
