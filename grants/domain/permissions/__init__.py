"""Who may do what: the one place that decides access.

``can_<verb>(user, obj) -> (allowed, reason)`` are plain functions over anything with ``id``,
``roles`` (a set of role names) and ``organisation_id``, or None for an anonymous visitor.
Routes declare a :class:`Policy` from :mod:`grants.domain.permissions.policies`; the navigation
is built from the same policies; views pass ``can_*`` results and lifecycle actions to the
templates, which only draw them. Nothing else decides access.

This module holds what every area shares: the named role groups, the one definition of who owns
a proposal, and the roles a person *acts* with on a record (their stored roles, plus
``applicant`` when they own it, plus ``public``), which the lifecycle engine matches against its
rows to name the role that authorised an action.
"""

from __future__ import annotations

from collections.abc import Iterable

from grants.domain.roles import (
    ADMIN,
    APPLICANT,
    AUDITOR,
    EVALUATOR,
    FINANCE,
    JUDGE,
    ORG_MEMBER,
    ORGANIZER,
    PUBLIC,
    RESIDENT,
    SYSTEM,
)

Decision = tuple[bool, str]
ALLOWED: Decision = (True, "")

# Named role groups: every rule below and every route policy is written with these.
ORGANIZERS: tuple[str, ...] = (ORGANIZER, ADMIN)
"""Run rounds, screen, judge set-up, awards, notices, objections, agreements."""
STAFF_READERS: tuple[str, ...] = (ORGANIZER, ADMIN, AUDITOR)
"""Read every proposal, sheet, award and ledger; only organizers change them."""
AWARD_READERS: tuple[str, ...] = (ORGANIZER, ADMIN, AUDITOR, FINANCE)
"""Read awards and agreements (finance pays them)."""
APPLICANTS: tuple[str, ...] = (RESIDENT, ORG_MEMBER)
"""Apply for grants: residents as a team, organisation members for their organisation."""
RESIDENTS: tuple[str, ...] = (RESIDENT,)
JUDGES: tuple[str, ...] = (JUDGE,)
FINANCE_OFFICERS: tuple[str, ...] = (FINANCE,)
FINANCE_READERS: tuple[str, ...] = (FINANCE, AUDITOR)
"""Read the finance officers' queues (payments, expenses); only finance acts on them."""
AUDIT_READERS: tuple[str, ...] = (AUDITOR, ADMIN)
"""Read the whole audit chain."""
ADMINS: tuple[str, ...] = (ADMIN,)
EVALUATORS: tuple[str, ...] = (EVALUATOR,)
"""Third-party assessors (第三方评估): score evaluations, make the follow-up calls assigned to them."""


def roles_of(user) -> frozenset[str]:
    """The stored roles of a user, empty for anonymous visitors."""
    if not is_signed_in(user):
        return frozenset()
    return frozenset(getattr(user, "roles", ()))


def is_signed_in(user) -> bool:
    """True for a logged-in account (anonymous visitors are None or not authenticated)."""
    return (
        user is not None
        and getattr(user, "is_authenticated", True)
        and getattr(user, "id", None) is not None
    )


def has_any_role(user, roles: Iterable[str]) -> bool:
    """True when the user holds at least one of ``roles``."""
    return bool(roles_of(user).intersection(roles))


def allowed_to(user, roles: Iterable[str], refusal: str) -> Decision:
    """ALLOWED when ``user`` holds one of ``roles``, else the refusal: the shape of every
    role-only ``can_*`` rule."""
    return ALLOWED if has_any_role(user, roles) else (False, refusal)


def role_used(user, roles: Iterable[str]) -> str | None:
    """The first of ``roles`` (in the group's order) that ``user`` holds: the role that
    authorises an action allowed to that group, as the audit entry records it."""
    held = roles_of(user)
    return next((role for role in roles if role in held), None)


def owns_proposal(user, proposal) -> bool:
    """The one definition of ownership: the applicant, or any member of the applying
    organisation. Awards, agreements, attachments and (later) payments and expenses are owned
    through their proposal."""
    if not is_signed_in(user):
        return False
    if proposal.applicant_id == user.id:
        return True
    org_id = getattr(proposal, "organisation_id", None)
    return org_id is not None and getattr(user, "organisation_id", None) == org_id


def acting_roles(user, *, owner: bool = False) -> frozenset[str]:
    """The roles ``user`` acts with on one record, matched against lifecycle rows.

    Stored roles, plus ``applicant`` when they own the record, plus ``public`` (anyone may do
    what the public may). ``None`` as the user is scheduled work: ``system`` only.
    """
    if user is None:
        return frozenset({SYSTEM})
    roles = set(roles_of(user)) | {PUBLIC}
    if owner:
        roles.add(APPLICANT)
    return frozenset(roles)


__all__ = [
    "ALLOWED", "ADMINS", "APPLICANTS", "AUDIT_READERS", "AWARD_READERS", "Decision",
    "FINANCE_OFFICERS", "FINANCE_READERS", "JUDGES", "allowed_to", "ORGANIZERS", "RESIDENTS", "STAFF_READERS", "acting_roles",
    "has_any_role", "is_signed_in", "owns_proposal", "role_used", "roles_of",
]
