"""Rules for signed-in sessions: when one ends by itself, and who must give a second factor.

A session ends after 30 minutes without a request (idle) or 12 hours after sign-in (absolute),
whichever comes first; the times are passed in so a test can pin the clock. Staff roles that
move money, decide awards, read everything or run accounts (organizer, finance, auditor,
evaluator, admin) must sign in with a second factor. Judges are not on that list by default:
they are outside experts who sign in a few times in one judging window, see proposals only
blinded and move no money, and their scores are trimmed and reviewed by the organizer, so the
extra step buys less there than it costs; a district that wants it adds ``judge`` to
``SECOND_FACTOR_ROLES``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from grants.domain.roles import ADMIN, AUDITOR, EVALUATOR, FINANCE, ORGANIZER

IDLE_LIMIT = timedelta(minutes=30)
ABSOLUTE_LIMIT = timedelta(hours=12)
TOUCH_EVERY = timedelta(minutes=1)
"""How stale ``last_seen_at`` may get before a request writes it again (one write a minute,
not one per request); the idle limit is therefore exact to within this step."""

SECOND_FACTOR_ROLES: tuple[str, ...] = (ORGANIZER, FINANCE, AUDITOR, EVALUATOR, ADMIN)

LOGOUT = "logout"
PASSWORD_CHANGE = "password_change"  # noqa: S105 — a reason name, not a password
IDLE = "idle"
EXPIRED = "expired"
ROTATED = "rotated"
REVOKED = "revoked"
END_REASONS: tuple[str, ...] = (LOGOUT, PASSWORD_CHANGE, IDLE, EXPIRED, ROTATED, REVOKED)


@dataclass(frozen=True)
class Limits:
    """The two timeouts, settable per deployment."""

    idle: timedelta = IDLE_LIMIT
    absolute: timedelta = ABSOLUTE_LIMIT


def timeout_reason(created_at: datetime, last_seen_at: datetime, now: datetime,
                   limits: Limits = Limits()) -> str | None:
    """``expired`` past the absolute limit, ``idle`` past the idle one, else None (still live).

    All three times are in the same form (naive UTC as stored, or aware UTC).
    """
    if now - created_at >= limits.absolute:
        return EXPIRED
    if now - last_seen_at >= limits.idle:
        return IDLE
    return None


def needs_touch(last_seen_at: datetime, now: datetime) -> bool:
    """True when the session's last-seen time is stale enough to be written again."""
    return now - last_seen_at >= TOUCH_EVERY


def roles_fingerprint(roles) -> str:
    """The roles a session was issued for, as stored text; a change means a new session id."""
    return ",".join(sorted(roles))


def needs_second_factor(roles, required: tuple[str, ...] = SECOND_FACTOR_ROLES) -> bool:
    """True when an account holding ``roles`` must sign in with a second factor."""
    return bool(set(roles) & set(required))
