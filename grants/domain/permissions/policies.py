"""Route policies: the coarse rule each route declares, built from the named role groups.

A policy answers "may this person open this kind of page at all"; the object-level answer
("this proposal", "this sheet") comes from the area's ``can_*`` functions inside the view.
The navigation shows a link exactly when the policy of its endpoint allows the visitor, so the
menu and the routes cannot disagree. A test walks every route and fails for one without a
policy.

Auditors read every staff page and change nothing: pages that only show (GET) declare a reading
policy that includes them (``STAFF_READ``, ``AWARD_READ``, ``FINANCE_READ``, ``READ_AUDIT``);
every route that writes declares one without them (``ORGANIZE``, ``FINANCE``, ``RECORD_MONEY``
…). ``tests/auditor`` walks the routes to keep it so.
"""

from __future__ import annotations

from dataclasses import dataclass

from grants.domain import permissions as p
from grants.domain.permissions.followup import FOLLOW_UP_CALLERS


@dataclass(frozen=True)
class Policy:
    """Who may reach a route: anyone, any signed-in account, or holders of one role group."""

    name: str
    roles: tuple[str, ...] | None = None
    signed_in: bool = True

    def allows(self, user) -> bool:
        """True when ``user`` (None or anonymous for visitors) may reach the route."""
        if not self.signed_in:
            return True
        if not p.is_signed_in(user):
            return False
        return self.roles is None or p.has_any_role(user, self.roles)

    def needs_login(self, user) -> bool:
        """True when the visitor should be sent to log in rather than refused outright."""
        return self.signed_in and not p.is_signed_in(user)


PUBLIC = Policy("public", signed_in=False)
SIGNED_IN = Policy("signed_in")
APPLY = Policy("apply", p.APPLICANTS)
RESIDENT = Policy("resident", p.RESIDENTS)
JUDGE = Policy("judge", p.JUDGES)
JUDGE_OR_STAFF_READER = Policy("judge_or_staff_reader", p.JUDGES + p.STAFF_READERS)
ORGANIZE = Policy("organize", p.ORGANIZERS)
STAFF_READ = Policy("staff_read", p.STAFF_READERS)
AWARD_READ = Policy("award_read", p.AWARD_READERS)
FINANCE = Policy("finance", p.FINANCE_OFFICERS)
READ_AUDIT = Policy("read_audit", p.AUDIT_READERS)
MANAGE_USERS = Policy("manage_users", p.ADMINS)
FOLLOW_UP_CALL = Policy("follow_up_call", FOLLOW_UP_CALLERS)
"""Callers' own pages: the numbers assigned to them (evaluators and organizer staff)."""
EVALUATE = Policy("evaluate", p.EVALUATORS)
FINANCE_READ = Policy("finance_read", p.FINANCE_READERS)
"""The finance queues' pages: finance officers work there, auditors read them."""
RECORD_MONEY = Policy("record_money", p.FINANCE_OFFICERS + p.ORGANIZERS)
"""Recording money that came back (refunds, received clawbacks)."""

ALL: tuple[Policy, ...] = (
    PUBLIC, SIGNED_IN, APPLY, RESIDENT, JUDGE, JUDGE_OR_STAFF_READER, ORGANIZE, STAFF_READ,
    AWARD_READ, FINANCE, READ_AUDIT, MANAGE_USERS, FOLLOW_UP_CALL, EVALUATE, FINANCE_READ,
    RECORD_MONEY,
)
