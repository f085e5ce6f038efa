"""Signed-in sessions kept on the server: start, check on every request, rotate, end.

The cookie carries a random token; only its sha256 is stored, so a copy of the table cannot be
replayed as cookies. A session is live while its row has not ended and neither timeout of
:mod:`grants.domain.sessions` has passed. Logging out, changing the password and a timeout end
the row, so a cookie captured before that is refused afterwards. The id is rotated (a new
token, the old row ended as ``rotated``) when the second factor is given and when the account's
roles change.

Audit roles: ending or rotating a session on the account's own request is recorded as the
account with the role ``public`` (no role authorises it, as for a login); a timeout noticed on
a later request is recorded with no actor, as ``system``.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select, update

from grants.domain import sessions as rules
from grants.domain.clock import now_utc, stored
from grants.domain.roles import PUBLIC
from grants.extensions import db
from grants.models import User
from grants.models.security import UserSession
from grants.services import audit, unit_of_work


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def limits() -> rules.Limits:
    """The idle and absolute timeouts configured for this deployment."""
    config = current_app.config
    return rules.Limits(
        idle=timedelta(seconds=config.get("SESSION_IDLE_SECONDS", rules.IDLE_LIMIT.total_seconds())),
        absolute=timedelta(
            seconds=config.get("SESSION_ABSOLUTE_SECONDS", rules.ABSOLUTE_LIMIT.total_seconds())),
    )


def required_roles() -> tuple[str, ...]:
    """The roles that must sign in with a second factor here."""
    return tuple(current_app.config.get("SECOND_FACTOR_ROLES", rules.SECOND_FACTOR_ROLES))


def needs_second_factor(user: User) -> bool:
    """True when this account must give a second factor before any signed-in page."""
    return rules.needs_second_factor(user.roles, required_roles())


@dataclass(frozen=True)
class Live:
    """A live session: its row, its account, and whether the sign-in is complete.

    ``token`` is set when the check rotated the id: the caller must put it in the cookie.
    """

    row: UserSession
    user: User
    complete: bool
    token: str | None = None


def _new_row(user: User, address: str, now: datetime, created_at: datetime | None = None,
             second_factor_at: datetime | None = None) -> tuple[str, UserSession]:
    token = secrets.token_urlsafe(32)
    row = UserSession(
        token_sha256=_digest(token), user_id=user.id, created_at=created_at or now,
        last_seen_at=now, second_factor_at=second_factor_at,
        roles=rules.roles_fingerprint(user.roles), address=(address or "")[:64],
    )
    db.session.add(row)
    db.session.flush()
    return token, row


def start(user: User, address: str, second_factor_done: bool,
          now: datetime | None = None) -> tuple[str, UserSession]:
    """Open a session after the password was right; returns the cookie token and the row.

    The caller commits (it is part of the login's unit of work, with its audit entry).
    """
    now = stored(now_utc(now))
    return _new_row(user, address, now, second_factor_at=now if second_factor_done else None)


def find(token: str | None) -> UserSession | None:
    """The row a cookie token names, ended or not; None for no or an unknown token."""
    if not token or len(token) > 200:
        return None
    return db.session.scalar(select(UserSession).where(UserSession.token_sha256 == _digest(token)))


def _end(row: UserSession, reason: str, now: datetime) -> None:
    row.ended_at, row.end_reason = now, reason


def check(token: str | None, now: datetime | None = None) -> Live | None:
    """The live session a cookie token names, or None (unknown, ended, or timed out now).

    A timeout ends the row and is audited as ``session.expire``. A session whose account's
    roles changed since it was issued is rotated (``session.rotate``); the new token is in the
    answer. ``last_seen_at`` is written at most once a minute.
    """
    row = find(token)
    if row is None or row.ended_at is not None:
        return None
    now = stored(now_utc(now))
    user = db.session.get(User, row.user_id)
    if user is None or not user.active:
        return None
    if reason := rules.timeout_reason(row.created_at, row.last_seen_at, now, limits()):
        with unit_of_work():
            _end(row, reason, now)
            audit.record("session.expire", "user_session", row.id,
                         {"user_id": user.id, "reason": reason})
        return None
    new_token = None
    if row.roles != rules.roles_fingerprint(user.roles):
        new_token, row = rotate(row, user, "roles", now)
    elif rules.needs_touch(row.last_seen_at, now):
        with unit_of_work():
            row.last_seen_at = now
    complete = row.second_factor_at is not None or not needs_second_factor(user)
    return Live(row, user, complete, new_token)


def rotate(row: UserSession, user: User, why: str,
           now: datetime | None = None) -> tuple[str, UserSession]:
    """Replace a session by a new one with a fresh token (same start, same second factor);
    the old row ends as ``rotated``. Audited as ``session.rotate`` naming ``why``."""
    now = stored(now_utc(now))
    with unit_of_work():
        _end(row, rules.ROTATED, now)
        token, new = _new_row(user, row.address, now, created_at=row.created_at,
                              second_factor_at=row.second_factor_at)
        audit.record("session.rotate", "user_session", new.id,
                     {"user_id": user.id, "replaces": row.id, "why": why,
                      "roles": sorted(user.roles)},
                     actor=user, actor_role=PUBLIC)
    return token, new


def complete_second_factor(row: UserSession, user: User,
                           now: datetime | None = None) -> tuple[str, UserSession]:
    """Mark a pending session as signed in with the second factor under a new id.

    The caller commits, with the login's audit entry.
    """
    now = stored(now_utc(now))
    _end(row, rules.ROTATED, now)
    return _new_row(user, row.address, now, created_at=row.created_at, second_factor_at=now)


def end(row: UserSession, reason: str, now: datetime | None = None) -> None:
    """End one session (logout); the caller commits with its audit entry."""
    if row.ended_at is None:
        _end(row, reason, stored(now_utc(now)))


def end_others(user: User, keep: UserSession | None, reason: str,
               now: datetime | None = None) -> int:
    """End every live session of ``user`` except ``keep``; how many were ended.

    The caller commits (a password change ends the others in its own unit of work).
    """
    query = update(UserSession).where(UserSession.user_id == user.id,
                                      UserSession.ended_at.is_(None))
    if keep is not None:
        query = query.where(UserSession.id != keep.id)
    result = db.session.execute(
        query.values(ended_at=stored(now_utc(now)), end_reason=reason)
        .execution_options(synchronize_session="fetch"))
    return result.rowcount or 0


def live_count(user: User) -> int:
    """How many sessions of ``user`` are live (not ended; timeouts not counted here)."""
    query = select(UserSession.id).where(UserSession.user_id == user.id,
                                         UserSession.ended_at.is_(None))
    return len(db.session.scalars(query).all())
