"""Idempotency keys: claimed and committed before the work, answered once, given up after a
server error, pruned after RETENTION; on PostgreSQL one of many racing claims wins and a
waiting copy gets the winner's answer."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, text

from grants.domain.errors import Refusal
from grants.domain.idempotency import NEW, REPLAY, RETENTION
from grants.extensions import db
from grants.models import AuditEntry
from grants.models.payments import IdempotencyKey
from grants.services import idempotency as svc
from tests.helpers import create_user

KEY = "k-0123456789abcdef"
PRINT = "a" * 64
OTHER_PRINT = "b" * 64
NOW = datetime(2026, 8, 3, 9, 30, tzinfo=UTC)


def _committed_keys() -> list[tuple]:
    """The key rows another connection sees: only what was committed."""
    with db.engine.connect() as other:
        return other.execute(text(
            "SELECT key, fingerprint, finished_at FROM idempotency_key ORDER BY key")).all()


def _refused(key=KEY, fingerprint=PRINT, **kwargs) -> Refusal:
    with pytest.raises(Refusal) as refused:
        svc.begin(key, fingerprint, None, **kwargs)
    return refused.value


def test_a_new_key_is_claimed_and_committed_before_the_work(app):
    user = create_user("officer", "finance")
    assert svc.begin(KEY, PRINT, user.id, NOW) == svc.Begun(NEW)
    assert _committed_keys() == [(KEY, PRINT, None)]
    row = db.session.get(IdempotencyKey, KEY)
    assert (row.actor_id, row.created_at) == (user.id, NOW.replace(tzinfo=None))


def test_a_copy_of_an_unfinished_request_is_refused_409(app):
    svc.begin(KEY, PRINT, None)
    refusal = _refused()
    assert refusal.status == 409 and "正在处理中" in str(refusal)


def test_a_copy_waits_for_the_first_and_is_refused_409_only_after_the_wait(app):
    svc.begin(KEY, PRINT, None)
    started = time.monotonic()
    assert _refused(wait_seconds=0.3).status == 409
    assert time.monotonic() - started >= 0.3


@pytest.mark.parametrize("finished", [False, True])
def test_another_request_with_the_key_is_refused_422_at_once(app, finished, monkeypatch):
    """At once: without a single pause of the waiting loop (counted, not timed)."""
    pauses = []
    monkeypatch.setattr(svc, "_pause", lambda: pauses.append(1))
    svc.begin(KEY, PRINT, None)
    if finished:
        svc.finish(KEY, 303, "/done", None)
    refusal = _refused(fingerprint=OTHER_PRINT, wait_seconds=5)
    assert refusal.status == 422 and "另一项不同的请求" in str(refusal)
    assert pauses == []


def test_a_finished_request_is_replayed_with_its_stored_answer(app):
    svc.begin(KEY, PRINT, None)
    svc.finish(KEY, 201, None, '{"id": 7}', now=NOW)
    assert svc.begin(KEY, PRINT, None) == svc.Begun(REPLAY, svc.Answer(201, None, '{"id": 7}'))
    assert svc.begin(KEY, PRINT, None, wait_seconds=5).answer.body == '{"id": 7}'
    assert _committed_keys()[0][2] is not None


def test_an_abandoned_key_can_be_claimed_again(app):
    svc.begin(KEY, PRINT, None)
    svc.abandon(KEY)
    assert _committed_keys() == []
    assert svc.begin(KEY, PRINT, None).decision == NEW


def test_a_finished_key_is_never_abandoned(app):
    svc.begin(KEY, PRINT, None)
    svc.finish(KEY, 422, None, "refused")
    svc.abandon(KEY)
    assert svc.begin(KEY, PRINT, None).answer == svc.Answer(422, None, "refused")


def test_finish_stores_once(app):
    svc.begin(KEY, PRINT, None)
    svc.finish(KEY, 303, "/first", None)
    svc.finish(KEY, 500, "/second", None)
    assert svc.begin(KEY, PRINT, None).answer == svc.Answer(303, "/first", None)


def test_prune_removes_only_keys_older_than_retention_and_is_audited(app):
    ages = {"old-key-000000001": RETENTION + timedelta(hours=1),
            "old-key-000000002": RETENTION + timedelta(seconds=1),
            "kept-key-00000003": RETENTION,
            "kept-key-00000004": timedelta(hours=1)}
    for key, age in ages.items():
        svc.begin(key, PRINT, None, now=NOW - age)
    svc.finish("old-key-000000001", 303, "/x", None)

    assert svc.prune(now=NOW) == 2
    assert [row[0] for row in _committed_keys()] == ["kept-key-00000003", "kept-key-00000004"]
    entry = db.session.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc())).first()
    assert (entry.action, entry.actor_id, entry.actor_role) == ("idempotency.prune", None,
                                                                "system")
    assert '"count":2' in entry.payload and "2026-08-02T09:30:00" in entry.payload
    assert svc.prune(now=NOW) == 0


# --- PostgreSQL, real threads ----------------------------------------------------------------


def _in_threads(app, work, count: int) -> list:
    """``work(i)`` in ``count`` threads released together, each in its own app context."""
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def target(i):
        with app.app_context():
            barrier.wait()
            try:
                results[i] = work(i)
            except Refusal as refusal:
                results[i] = refusal.status
            finally:
                db.session.remove()

    threads = [threading.Thread(target=target, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results


@pytest.mark.postgres
def test_racing_claims_of_one_key_have_one_winner(pg_app):
    db.session.remove()
    results = _in_threads(pg_app, lambda _i: svc.begin(KEY, PRINT, None).decision, 20)
    assert sorted(results, key=str) == [409] * 19 + [NEW], results
    assert db.session.scalar(select(func.count()).select_from(IdempotencyKey)) == 1


@pytest.mark.postgres
def test_a_waiting_copy_gets_the_answer_when_the_first_finishes(pg_app):
    svc.begin(KEY, PRINT, None)
    db.session.remove()

    def finish_later():
        with pg_app.app_context():
            time.sleep(0.4)
            svc.finish(KEY, 303, "/paid", None)
            db.session.remove()

    worker = threading.Thread(target=finish_later)
    started = time.monotonic()
    worker.start()
    begun = svc.begin(KEY, PRINT, None, wait_seconds=10)
    worker.join(10)
    assert begun == svc.Begun(REPLAY, svc.Answer(303, "/paid", None))
    assert time.monotonic() - started >= 0.4
