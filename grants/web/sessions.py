"""The browser's side of server-kept sessions: the token in the signed cookie, checked per request.

Flask's own cookie session cannot be taken back once issued, so the cookie carries only a
random token (``sid``) and :mod:`grants.services.sessions` keeps the record. Each request is
checked before its view runs: an unknown, ended or timed-out token makes the visitor anonymous
and the cookie is emptied (the language choice kept); a session whose roles changed gets a
new token. A staff account whose password was right but whose second factor is still due is
*waiting*: anonymous to every page, and sent to the code step (or to set up an authenticator)
by :func:`grants.web.access.requires`.
"""

from __future__ import annotations

from flask import Flask, g, redirect, request, session, url_for
from flask_login import login_user

from grants.models import User
from grants.models.security import UserSession
from grants.services import second_factor, sessions
from grants.services.sessions import Live

SID = "sid"
KEPT = ("lang",)
"""Cookie keys that survive signing in and out (the interface language)."""
_CACHE = "grants_live_session"


def _empty_cookie() -> None:
    """Forget everything in the cookie except the language choice."""
    kept = {key: session[key] for key in KEPT if key in session}
    session.clear()
    session.update(kept)


def current() -> Live | None:
    """This request's live session (checked once per request), or None."""
    if _CACHE in g:
        return g.get(_CACHE)
    live = sessions.check(session.get(SID))
    if live is None and (SID in session or "_user_id" in session):
        _empty_cookie()
    elif live is not None and live.token:
        session[SID] = live.token
    setattr(g, _CACHE, live)
    return live


def load_user(user_id: str) -> User | None:
    """Flask-Login's loader: the account of a live, complete session naming ``user_id``."""
    live = current()
    if live is None or not live.complete or str(live.user.id) != user_id:
        return None
    return live.user


def waiting() -> Live | None:
    """The session when its second factor is still due, else None."""
    live = current()
    return live if live is not None and not live.complete else None


def sign_in(token: str, row: UserSession, user: User) -> Live:
    """Put a new session's token in a fresh cookie, and sign the account in when complete."""
    _empty_cookie()
    session[SID] = token
    complete = row.second_factor_at is not None or not sessions.needs_second_factor(user)
    live = Live(row, user, complete)
    setattr(g, _CACHE, live)
    if complete:
        login_user(user)
    return live


def sign_out() -> None:
    """Empty the cookie after the session has ended on the server."""
    _empty_cookie()
    setattr(g, _CACHE, None)


def second_factor_url(live: Live, next_path: str | None = None) -> str:
    """Where a waiting session goes: the code step, or setting up an authenticator first."""
    endpoint = ("account.second_factor_step" if second_factor.is_enrolled(live.user)
                else "account.setup")
    return url_for(endpoint, next=next_path) if next_path else url_for(endpoint)


def to_second_factor(live: Live):
    """Redirect a waiting session to its second factor, coming back to this page (GET)."""
    here = request.full_path.rstrip("?") if request.method == "GET" else None
    return redirect(second_factor_url(live, here))


def _check_before_view() -> None:
    """Check the session before any view runs, so its writes never join a view's work."""
    if request.endpoint not in (None, "static", "bootstrap.static"):
        current()


def register_sessions(app: Flask) -> None:
    """Check the session at the start of every request (static files excepted)."""
    app.before_request(_check_before_view)
