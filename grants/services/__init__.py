"""Use cases: each loads, checks with the domain, changes, audits and commits.

Three pieces of plumbing every service shares: :func:`unit_of_work` (one transaction),
:func:`locked` (the one way to lock a row for the rest of it) and :class:`Refusal` (the one
error type, re-exported from the domain), so no service keeps its own copy.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TypeVar

from sqlalchemy import select

from grants.domain.errors import Refusal
from grants.domain.i18n import msg
from grants.domain.inputs import DB_INT_MAX
from grants.extensions import db

T = TypeVar("T")


@contextmanager
def unit_of_work() -> Iterator[None]:
    """Commit what the block did, or roll all of it back (audit entry included) on error.

    The commit keeps what the block loaded and wrote (ids included) in the objects instead of
    expiring them, so the caller that reads ``need.id`` or ``award.status`` afterwards — a view
    building its redirect — never goes back to the database after the work is committed: a
    connection lost at that moment can no longer turn a saved change into a server error (and
    a retry into a duplicate). A later request reads everything afresh in its own session.
    """
    try:
        yield
        _commit_keeping_state()
    except BaseException:
        db.session.rollback()
        raise


def _commit_keeping_state() -> None:
    """Commit the session without expiring its objects (the setting is restored after)."""
    session = db.session()
    before, session.expire_on_commit = session.expire_on_commit, False
    try:
        session.commit()
    finally:
        session.expire_on_commit = before


def is_row_id(value: object) -> bool:
    """True for an id a database integer column can hold (not a bool, not past 2³¹−1): any
    other value names no row, and PostgreSQL would answer "integer out of range"."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value <= DB_INT_MAX


def locked(model: type[T], row_id: int, missing: str | None = None) -> T:
    """Load one row and lock it for the rest of the transaction, or refuse with a 404.

    ``FOR UPDATE`` on PostgreSQL; on SQLite every transaction already holds the one write lock
    (``BEGIN IMMEDIATE``). ``populate_existing`` re-reads the row, so a value cached in the
    session before the lock is never trusted. Two requests racing for one row queue here, and
    the second reads what the first committed.
    """
    if not is_row_id(row_id):
        raise Refusal(missing or msg("找不到这条记录"), status=404)
    query = select(model).where(model.id == row_id).with_for_update()
    row = db.session.execute(query.execution_options(populate_existing=True)).scalar_one_or_none()
    if row is None:
        raise Refusal(missing or msg("找不到这条记录"), status=404)
    return row


__all__ = ["DB_INT_MAX", "Refusal", "is_row_id", "locked", "unit_of_work"]
