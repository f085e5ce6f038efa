"""Who may see, change and screen proposals and their attachments.

Plain functions ``can_<verb>(user, obj) -> (allowed, reason)`` in the style of
:mod:`grants.domain.permissions`. ``user`` is anything with ``id``, ``roles`` and
``organisation_id`` (or None for an anonymous visitor); a proposal is read by its
``applicant_id``, ``organisation_id`` and ``status``. The owner is the one
:func:`~grants.domain.permissions.owns_proposal`: the applicant or any member of the applying
organisation, who all get the same access. Staff who read every proposal: ``STAFF_READERS``.
"""

from __future__ import annotations

from grants.domain.i18n import N_, msg, tr
from grants.domain.permissions import (
    ALLOWED,
    ORGANIZERS,
    STAFF_READERS,
    Decision,
    acting_roles,
    allowed_to,
    has_any_role,
    is_signed_in,
    owns_proposal,
)
from grants.domain.proposals import is_editable
from grants.domain.roles import ORG_MEMBER, RESIDENT

NOT_FOUND = N_("找不到这个申报项目")


def can_apply(user) -> Decision:
    """Residents (as a team) and organisation members (with an organisation) may draft proposals."""
    if not is_signed_in(user):
        return False, msg("请先登录")
    if applies_as_org(user):
        return ALLOWED
    if has_any_role(user, (RESIDENT,)):
        return ALLOWED
    if has_any_role(user, (ORG_MEMBER,)):
        return False, msg("您的账号尚未关联社会组织，不能以组织名义申报")
    return False, msg("只有居民或社会组织账号可以申报项目")


def applies_as_org(user) -> bool:
    """True when a new proposal by ``user`` is an organisation's (else a resident team's)."""
    return has_any_role(user, (ORG_MEMBER,)) and bool(getattr(user, "organisation_id", None))


def roles_on(user, proposal) -> frozenset[str]:
    """The roles ``user`` acts with on ``proposal``: stored roles, plus ``applicant`` for an
    owner. The proposal lifecycle's rows are matched against these (buttons and services)."""
    return acting_roles(user, owner=owns_proposal(user, proposal))


def can_view_proposal(user, proposal) -> Decision:
    """Owners and reading staff (organizer, admin, auditor) see a proposal in full."""
    if owns_proposal(user, proposal) or has_any_role(user, STAFF_READERS):
        return ALLOWED
    return False, tr(NOT_FOUND)


def can_edit_proposal(user, proposal) -> Decision:
    """Only owners edit, and only while the table lets them save a draft (draft or returned)."""
    if not owns_proposal(user, proposal):
        return False, tr(NOT_FOUND)
    if not is_editable(proposal.status):
        return False, msg("该申报当前不能修改（只有草稿或退回修改的申报可以修改）")
    return ALLOWED


def can_withdraw_proposal(user, proposal) -> Decision:
    """Only owners withdraw; the state table decides from which states."""
    if not owns_proposal(user, proposal):
        return False, tr(NOT_FOUND)
    return ALLOWED


def can_view_attachment(user, attachment, proposal) -> Decision:
    """An attachment is visible exactly to those who may see its proposal."""
    if attachment.proposal_id != proposal.id:
        return False, msg("附件不属于该申报")
    return can_view_proposal(user, proposal)


def can_change_attachments(user, proposal) -> Decision:
    """Attachments are added or removed by owners while the proposal is editable."""
    return can_edit_proposal(user, proposal)


def can_screen(user) -> Decision:
    """Organizers and admins screen submitted proposals."""
    return allowed_to(user, ORGANIZERS, msg("只有主办方可以进行资格审查"))
