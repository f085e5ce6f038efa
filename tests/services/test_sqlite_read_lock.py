"""On SQLite a request that only reads never takes the write lock; a writing one takes it
up front (so writers queue rather than fail half-way)."""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import text

from grants.extensions import db


def _another_writer_can_start(app) -> bool:
    """True when a second connection can take the write lock at once."""
    path = db.engine.url.database
    other = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        other.execute("ROLLBACK")
        return True
    except sqlite3.OperationalError as error:
        assert "locked" in str(error)
        return False
    finally:
        other.close()


@pytest.mark.parametrize(("method", "blocks"), [
    ("GET", False), ("HEAD", False), ("POST", True), ("PUT", True), ("DELETE", True),
])
def test_a_request_takes_the_write_lock_only_when_it_may_write(app, method, blocks):
    with app.test_request_context("/", method=method), db.engine.connect() as connection:
        connection.execute(text("SELECT count(*) FROM user"))
        assert _another_writer_can_start(app) is not blocks


def test_work_outside_a_request_takes_the_write_lock(app):
    with db.engine.connect() as connection:
        connection.execute(text("SELECT count(*) FROM user"))
        assert not _another_writer_can_start(app)


def test_a_reading_request_still_sees_a_consistent_snapshot(app):
    path = db.engine.url.database
    writer = sqlite3.connect(path, isolation_level=None)
    writer.execute("CREATE TABLE scratch (x INTEGER)")
    writer.execute("INSERT INTO scratch VALUES (1)")
    with app.test_request_context("/", method="GET"), db.engine.connect() as connection:
        count = "SELECT count(*) FROM scratch"
        assert connection.execute(text(count)).scalar() == 1
        writer.execute("INSERT INTO scratch VALUES (2)")
        assert connection.execute(text(count)).scalar() == 1
    writer.close()


def test_a_reader_keeps_a_laid_out_document_after_another_writer_committed(app):
    """A GET lays a public document out while holding a read snapshot (seconds for a long
    notice); a warm-up thread or another reader commits meanwhile. Keeping the edition must
    then wait for the write lock, not fail at once with "database is locked"."""
    from grants.domain.documents import NOTICE_DOCUMENT
    from grants.services import published, unit_of_work

    with unit_of_work():
        published.stamp(NOTICE_DOCUMENT, 1)
    db.session.remove()
    with app.test_request_context("/notices/1.pdf", method="GET"):
        edition = published.current(NOTICE_DOCUMENT, 1)  # the request's read snapshot
        other = sqlite3.connect(db.engine.url.database, timeout=5, isolation_level=None)
        other.execute("UPDATE published_document SET html = 'by the warm-up' WHERE id = ?",
                      (edition.id,))
        other.close()
        published.keep(edition, "<p>laid out</p>", "k" * 64)
        kept = db.session.execute(text("SELECT html, cache_key FROM published_document")).one()
    assert tuple(kept) == ("by the warm-up", "k" * 64)
