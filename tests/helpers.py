"""Helpers the test modules share: accounts, logging in, counting audit entries and queries."""

from __future__ import annotations

import secrets
from contextlib import contextmanager

from sqlalchemy import event, func, select

from grants.extensions import db
from grants.models import AuditEntry, User
from grants.services import accounts

PASSWORD = "Correct-Horse-9"


def keyed(data: dict | None = None) -> dict:
    """A form's fields with a fresh idempotency key, as ``{{ idempotency_field() }}`` draws it."""
    return {"idempotency_key": secrets.token_urlsafe(24), **(data or {})}


def create_user(username: str, *roles: str, **fields) -> User:
    """An account holding ``roles`` (default resident), created through the service."""
    user = accounts.create_staff_user(username, fields.pop("display_name", username), PASSWORD,
                                      roles or ("resident",))
    for key, value in fields.items():
        setattr(user, key, value)
    db.session.commit()
    return user


def second_factor_code(user: User) -> str:
    """A code the app accepts now for ``user``, giving the account an authenticator first when
    it has none.

    That set-up is written straight to the table, without the ``second_factor.enrol`` audit
    entry the set-up page writes, so a test that counts audit entries around a sign-in counts
    what it always did. A test may sign the same account in several times within one
    30-second step; since a code is accepted once, the remembered step is moved back so the
    next code is fresh. Tests of these very rules (tests/web/test_second_factor_web.py,
    tests/services/test_sessions_service.py) do not use this helper.
    """
    from grants.domain import second_factor as codes
    from grants.models.base import utcnow
    from grants.models.security import TotpCredential

    credential = db.session.get(TotpCredential, user.id)
    if credential is None:
        credential = TotpCredential(user_id=user.id, secret=codes.new_secret())
        db.session.add(credential)
    if credential.confirmed_at is None:
        credential.confirmed_at = utcnow()
        db.session.commit()
    step = codes.time_step()
    if credential.last_step >= step:
        credential.last_step = step - 1
        db.session.commit()
    return codes.code_at(credential.secret, step)


class AuthActions:
    """Log one test client in and out through the real forms (flaskr's ``auth`` fixture).

    ``auth.login("judge1")`` posts the login form and, for a staff account sent on to the
    second factor, the code step with a code from its authenticator (set up on first use), and
    returns the last response (a 302 when it worked); ``auth.logout()`` posts the logout form.
    """

    def __init__(self, client) -> None:
        self._client = client

    def login(self, username: str, password: str = PASSWORD):
        """Post the login form as ``username`` (and the second factor); returns the response."""
        response = self._client.post("/auth/login",
                                     data={"username": username, "password": password})
        location = response.headers.get("Location", "")
        if response.status_code != 302 or "/account/two-factor" not in location:
            return response
        user = db.session.scalar(select(User).where(func.lower(User.username) == username.lower()))
        code = second_factor_code(user)
        return self._client.post(location.replace("/two-factor/setup", "/two-factor"),
                                 data={"code": code})

    def logout(self):
        """Post the logout form; returns the response."""
        return self._client.post("/auth/logout")


def login_as(client, username: str, password: str = PASSWORD):
    """Post the login form; returns the response (the ``auth`` fixture's ``login``)."""
    return AuthActions(client).login(username, password)


def audit_count() -> int:
    """How many audit entries exist."""
    return db.session.scalar(select(func.count(AuditEntry.seq)))


@contextmanager
def count_queries():
    """Count the SQL statements run inside the block: ``with count_queries() as n: …; n[0]``."""
    counter = [0]

    def _count(*_args, **_kwargs):
        counter[0] += 1

    event.listen(db.engine, "before_cursor_execute", _count)
    try:
        yield counter
    finally:
        event.remove(db.engine, "before_cursor_execute", _count)


def wait_for_job(job_id: str, until=("finished", "failed"), timeout: float = 60.0):
    """Poll a background job until it reaches one of the states ``until``; return its status."""
    import time

    from grants import jobs

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = jobs.status(job_id)
        if job is not None and job.state in until:
            return job
        time.sleep(0.02)
    raise AssertionError(f"job {job_id} still {jobs.status(job_id)} after {timeout}s")
