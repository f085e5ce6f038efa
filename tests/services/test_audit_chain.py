"""The audit chain on real databases: append-only triggers, rollback, concurrent writers."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError

from grants.domain.audit import verify_chain
from grants.extensions import db
from grants.models import AuditEntry
from grants.services import audit, unit_of_work
from tests.helpers import audit_count

# Any declared event will do: these tests are about the chain, not about what it records.
EVENT = "auth.login_fail"


def _write_entries(n: int) -> None:
    for i in range(n):
        with unit_of_work():
            audit.record(EVENT, "user", i, {"i": i}, actor_role="public")


@pytest.mark.parametrize("statement", [
    "UPDATE audit_entry SET payload = '{}' WHERE seq = 1",
    "DELETE FROM audit_entry WHERE seq = 1",
])
def test_update_and_delete_are_refused_by_the_database(any_app, statement):
    _write_entries(2)
    with pytest.raises(DatabaseError, match="append-only"):
        db.session.execute(text(statement))
        db.session.commit()
    db.session.rollback()
    assert audit_count() == 2
    assert verify_chain(audit.iter_rows(), audit.head()).ok


def test_truncate_is_refused_on_postgresql(pg_app):
    _write_entries(1)
    with pytest.raises(DatabaseError, match="append-only"):
        db.session.execute(text("TRUNCATE audit_entry"))
    db.session.rollback()
    assert audit_count() == 1


def test_a_rolled_back_change_leaves_no_entry(any_app):
    _write_entries(1)
    with pytest.raises(RuntimeError), unit_of_work():
        audit.record(EVENT, "user", 99, {}, actor_role="public")
        raise RuntimeError("failure half-way")
    assert audit_count() == 1
    assert audit.head()[0] == 1
    _write_entries(1)
    assert [e.seq for e in db.session.query(AuditEntry).order_by(AuditEntry.seq)] == [1, 2]


def _concurrent_writers(app, writers: int, per_writer: int) -> list[BaseException]:
    errors: list[BaseException] = []
    barrier = threading.Barrier(writers)

    def work():
        with app.app_context():
            try:
                barrier.wait()
                _write_entries(per_writer)
            except BaseException as error:  # noqa: BLE001 - reported to the test
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=work) for _ in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


@pytest.mark.postgres
def test_eight_writers_on_postgresql_leave_a_gapless_verified_chain(pg_app):
    errors = _concurrent_writers(pg_app, writers=8, per_writer=250)
    assert errors == []
    seqs = db.session.scalars(text("SELECT seq FROM audit_entry ORDER BY seq")).all()
    assert seqs == list(range(1, 2001))
    result = verify_chain(audit.iter_rows(), audit.head())
    assert result.ok and result.count == 2000


def test_concurrent_writers_on_sqlite_queue_and_verify(app):
    errors = _concurrent_writers(app, writers=4, per_writer=25)
    assert errors == []
    assert verify_chain(audit.iter_rows(), audit.head()).count == 100


def test_parallel_verification_matches_and_finds_a_tampered_entry(any_app, monkeypatch):
    monkeypatch.setattr(audit, "PARALLEL_THRESHOLD", 10)
    _write_entries(40)
    db.session.commit()
    result = audit.verify_database(workers=3)
    assert result.ok and result.count == 40 and result.head_hash == audit.head()[1]
    table = "audit_entry"
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text(f"ALTER TABLE {table} DISABLE TRIGGER USER"))
        db.session.execute(text(f"UPDATE {table} SET payload = 'edited' WHERE seq = 27"))
        db.session.execute(text(f"ALTER TABLE {table} ENABLE TRIGGER USER"))
    else:
        db.session.execute(text("DROP TRIGGER audit_entry_no_update"))
        db.session.execute(text(f"UPDATE {table} SET payload = 'edited' WHERE seq = 27"))
    db.session.commit()
    broken = audit.verify_database(workers=3)
    assert not broken.ok and broken.first_bad_seq == 27
