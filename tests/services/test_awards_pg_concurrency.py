"""Organizers saving awards at the same moment on PostgreSQL never take a round past its pool."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from grants.domain.awards import Candidate
from grants.domain.errors import Refusal
from grants.extensions import db
from grants.models import AuditEntry, User
from grants.models.awards import Award
from grants.services import awards as svc
from tests.factories import make_proposal, make_round
from tests.helpers import create_user

pytestmark = pytest.mark.postgres
THREADS = 8


def _run_together(app, work, count):
    """Run ``work(i)`` in ``count`` threads released at once; each has its own app context."""
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def target(i):
        with app.app_context():
            barrier.wait()
            try:
                work(i)
                results[i] = "ok"
            except Refusal as error:
                results[i] = str(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=target, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results


def test_parallel_raises_never_exceed_the_pool(pg_app):
    organizers = [create_user(f"organizer{i}", "organizer").id for i in range(2)]
    applicant = create_user("applicant", "resident")
    r = make_round("notice", pool_fen=10_000_000)
    cands = []
    for rank in range(1, THREADS + 1):
        p = make_proposal(r, applicant, status="scored", amount_fen=1_000_000, title=f"项目{rank}")
        cands.append(Candidate(p.id, rank, p.title, Decimal(90 - rank), 1_000_000))
    awards = [a.id for a in svc.propose_awards(r.id, cands, db.session.get(User, organizers[0]))]
    round_id, pool = r.id, r.pool_fen
    before = db.session.scalar(select(func.count(AuditEntry.seq)))
    db.session.remove()

    def raise_one(i):
        actor = db.session.get(User, organizers[i % 2])
        svc.adjust_award(awards[i], 1_500_000, f"第{i + 1}项增加预算", actor)

    results = _run_together(pg_app, raise_one, THREADS)
    successes = results.count("ok")
    assert successes == 4, results
    assert all(r == "ok" or "超过资金池" in r for r in results)
    total = db.session.scalar(select(func.sum(Award.amount_fen)).where(Award.round_id == round_id))
    assert total == 10_000_000 <= pool
    after = db.session.scalar(select(func.count(AuditEntry.seq)))
    assert after - before == successes


def test_parallel_confirmations_confirm_once(pg_app):
    from datetime import date

    from grants.models.awards import Agreement, Notice
    from grants.services import notices

    organizer = create_user("organizer", "organizer")
    applicant = create_user("applicant", "resident")
    r = make_round("notice", pool_fen=5_000_000)
    cands = []
    for rank in (1, 2, 3):
        p = make_proposal(r, applicant, status="scored", title=f"项目{rank}")
        cands.append(Candidate(p.id, rank, p.title, Decimal(90 - rank), 1_000_000))
    svc.propose_awards(r.id, cands, organizer)
    notice_id = notices.publish_notice(r.id, organizer, today=date(2026, 7, 6)).id
    db.session.remove()

    results = _run_together(
        pg_app, lambda _i: notices.confirm_notice(notice_id, None, today=date(2026, 7, 13)), 4
    )
    assert results.count("ok") == 1, results
    assert all(r == "ok" or "已经结束" in r for r in results)
    numbers = db.session.scalars(select(Agreement.number).order_by(Agreement.number)).all()
    assert numbers == ["JN-2026-07-001", "JN-2026-07-002", "JN-2026-07-003"]
    assert db.session.get(Notice, notice_id).status == "closed"
