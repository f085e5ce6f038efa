"""Use cases: each loads, checks with the domain, changes, audits and commits."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from grants.extensions import db


@contextmanager
def unit_of_work() -> Iterator[None]:
    """Commit what the block did, or roll all of it back (audit entry included) on error."""
    try:
        yield
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
