"""Logging in and out, with throttling kept in the database so it holds across workers.

Audit roles: no role authorises a sign-in (any account may sign in, whatever it holds), so a
failed attempt, where no account was proven, is recorded as ``public`` with no actor. A
successful login and a logout are the account's own: the actor is the account and the role is
``public`` too (:func:`session_role`), while the payload lists every role the account holds.
"""

from __future__ import annotations

import math
from datetime import timedelta

from flask import current_app
from sqlalchemy import func, select

from grants.domain.clock import now_utc, stored
from grants.domain.roles import PUBLIC
from grants.extensions import db
from grants.models import LoginAttempt, User
from grants.services import audit, unit_of_work
from grants.services.accounts import _password_matches


class Throttled(Exception):
    """Too many failures for this account or address; retry after ``retry_after`` seconds."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(retry_after)
        self.retry_after = retry_after


def _window() -> timedelta:
    return timedelta(seconds=current_app.config["LOGIN_WINDOW_SECONDS"])


def retry_after(username: str, address: str) -> int:
    """Seconds until a login may be tried again, or 0 when not throttled.

    Counts failed attempts in the window for the account OR the address; at the limit the
    wait lasts until the oldest counted failure leaves the window.
    """
    now = stored(now_utc())
    since = now - _window()
    limit = current_app.config["LOGIN_MAX_FAILURES"]
    for condition in (func.lower(LoginAttempt.username) == username.lower(),
                      LoginAttempt.address == address):
        times = db.session.scalars(
            select(LoginAttempt.ts).where(condition, LoginAttempt.ts > since,
                                          LoginAttempt.success.is_(False))
            .order_by(LoginAttempt.ts.desc()).limit(limit)
        ).all()
        if len(times) >= limit:
            wait = (times[-1] + _window() - now).total_seconds()
            return max(1, math.ceil(wait))
    return 0


def session_role(user: User) -> str:
    """The role a login or logout entry names: ``public``, since anyone may sign in and no
    role authorises it. The payload lists every role the account holds."""
    return PUBLIC


def login(username: str, password: str, address: str) -> User | None:
    """Check credentials; record the attempt and its audit entry; return the user or None.

    Raises :class:`Throttled` before checking anything when the account or address has too
    many recent failures, so a throttled guess learns nothing.
    """
    username = username.strip()[:40]
    if wait := retry_after(username, address):
        raise Throttled(wait)
    user = db.session.scalar(select(User).where(func.lower(User.username) == username.lower()))
    ok = _password_matches(user, password) and user.active
    with unit_of_work():
        db.session.add(LoginAttempt(username=username, address=address, success=ok))
        if ok:
            audit.record("auth.login", "user", user.id,
                         {"address": address, "roles": sorted(user.roles)},
                         actor=user, actor_role=session_role(user))
        else:
            audit.record("auth.login_fail", "user", user.id if user else None,
                         {"username": username, "address": address}, actor_role=PUBLIC)
    return user if ok else None


def logout(user: User) -> None:
    """Record a logout in the audit chain, as the account's own (see :func:`session_role`)."""
    with unit_of_work():
        audit.record("auth.logout", "user", user.id, {"roles": sorted(user.roles)},
                     actor=user, actor_role=session_role(user))


def prune_attempts(older_than: timedelta = timedelta(days=30)) -> int:
    """Delete login attempts older than the throttle needs (run from cron)."""
    with unit_of_work():
        result = db.session.execute(
            LoginAttempt.__table__.delete().where(LoginAttempt.ts < stored(now_utc()) - older_than)
        )
    return result.rowcount or 0



