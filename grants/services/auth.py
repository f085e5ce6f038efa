"""Logging in and out, with throttling kept in the database so it holds across workers.

Throttling is keyed on the account *and* the address together: ten wrong passwords for one
account from one address make that address wait, while the account's owner, signing in from
anywhere else, is not locked out. A much larger limit per address alone
(``LOGIN_MAX_ADDRESS_FAILURES``) stops one address trying a few passwords on every account.
The address is the client's as the proxy reports it only when ``TRUSTED_PROXIES`` says how many
proxies to believe (see :mod:`grants.web.hardening`); otherwise it is the connection's.

Audit roles: no role authorises a sign-in (any account may sign in, whatever it holds), so a
failed attempt, where no account was proven, is recorded as ``public`` with no actor. A
successful login and a logout are the account's own: the actor is the account and the role is
``public`` too (:func:`session_role`), while the payload lists every role the account holds.
A staff account's login is recorded once the second factor is given, naming the method.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, select

from grants.domain import sessions as session_rules
from grants.domain.clock import now_utc, stored
from grants.domain.roles import PUBLIC
from grants.extensions import db
from grants.models import LoginAttempt, User
from grants.models.security import UserSession
from grants.services import audit, sessions, unit_of_work
from grants.services.accounts import _password_matches

PASSWORD = "password"  # noqa: S105 — the factor's name in login_attempt, not a password


class Throttled(Exception):
    """Too many failures for this account from this address (or from this address at all);
    retry after ``retry_after`` seconds."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(retry_after)
        self.retry_after = retry_after


def _window() -> timedelta:
    return timedelta(seconds=current_app.config["LOGIN_WINDOW_SECONDS"])


def _wait(condition, limit: int, now: datetime) -> int:
    """Seconds until the oldest of the last ``limit`` failures matching ``condition`` leaves
    the window, or 0 while fewer than ``limit`` are in it."""
    times = db.session.scalars(
        select(LoginAttempt.ts).where(condition, LoginAttempt.ts > now - _window(),
                                      LoginAttempt.factor == PASSWORD,
                                      LoginAttempt.success.is_(False))
        .order_by(LoginAttempt.ts.desc()).limit(limit)
    ).all()
    if len(times) < limit:
        return 0
    return max(1, math.ceil((times[-1] + _window() - now).total_seconds()))


def retry_after(username: str, address: str, now: datetime | None = None) -> int:
    """Seconds until a login may be tried again, or 0 when not throttled.

    Counts failed passwords in the window for this account from this address
    (``LOGIN_MAX_FAILURES``), and for this address over every account
    (``LOGIN_MAX_ADDRESS_FAILURES``).
    """
    moment = stored(now_utc(now))
    config = current_app.config
    pair = (func.lower(LoginAttempt.username) == username.lower()) & (
        LoginAttempt.address == address)
    return (_wait(pair, config["LOGIN_MAX_FAILURES"], moment)
            or _wait(LoginAttempt.address == address,
                     config.get("LOGIN_MAX_ADDRESS_FAILURES", 100), moment))


def session_role(user: User) -> str:
    """The role a login or logout entry names: ``public``, since anyone may sign in and no
    role authorises it. The payload lists every role the account holds."""
    return PUBLIC


def check_password(username: str, password: str, address: str,
                   now: datetime | None = None) -> User | None:
    """Check credentials and record the attempt; the account, or None (``auth.login_fail``).

    Raises :class:`Throttled` before checking anything when this account from this address,
    or this address, has too many recent failures, so a throttled guess learns nothing.
    Nothing is audited on success: :func:`login` records the sign-in once it is complete.
    """
    username = username.strip()[:40]
    address = (address or "")[:64]
    if wait := retry_after(username, address, now):
        raise Throttled(wait)
    user = db.session.scalar(select(User).where(func.lower(User.username) == username.lower()))
    ok = _password_matches(user, password) and user.active
    with unit_of_work():
        db.session.add(LoginAttempt(username=username, address=address, success=ok,
                                    factor=PASSWORD, ts=stored(now_utc(now))))
        if not ok:
            audit.record("auth.login_fail", "user", user.id if user else None,
                         {"username": username, "address": address}, actor_role=PUBLIC)
    return user if ok else None


def _record_login(user: User, address: str, method: str | None) -> None:
    payload = {"address": address, "roles": sorted(user.roles)}
    if method:
        payload["second_factor"] = method
    audit.record("auth.login", "user", user.id, payload, actor=user,
                 actor_role=session_role(user))


def begin(user: User, address: str, replaces: UserSession | None = None,
          now: datetime | None = None) -> tuple[str, UserSession]:
    """Open the session after a right password: complete (audited ``auth.login``) for an
    account that needs no second factor, else waiting for it. Returns the cookie token.

    A session the same browser still held (``replaces``) ends, so signing in always issues a
    new session id.
    """
    complete = not sessions.needs_second_factor(user)
    with unit_of_work():
        if replaces is not None:
            sessions.end(replaces, session_rules.ROTATED, now)
        token, row = sessions.start(user, address, complete, now)
        if complete:
            _record_login(user, row.address, None)
    return token, row


def finish(row: UserSession, user: User, method: str,
           now: datetime | None = None) -> tuple[str, UserSession]:
    """The second factor was right: a new session id, signed in, audited ``auth.login``."""
    with unit_of_work():
        token, new = sessions.complete_second_factor(row, user, now)
        _record_login(user, new.address, method)
    return token, new


def logout(user: User, row: UserSession | None = None) -> None:
    """End the session on the server and record the logout, as the account's own."""
    with unit_of_work():
        if row is not None:
            sessions.end(row, session_rules.LOGOUT)
        audit.record("auth.logout", "user", user.id, {"roles": sorted(user.roles)},
                     actor=user, actor_role=session_role(user))


def prune_attempts(older_than: timedelta = timedelta(days=30)) -> int:
    """Delete login attempts older than the throttle needs (run from cron)."""
    with unit_of_work():
        result = db.session.execute(
            LoginAttempt.__table__.delete().where(LoginAttempt.ts < stored(now_utc()) - older_than)
        )
    return result.rowcount or 0
