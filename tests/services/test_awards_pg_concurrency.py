"""Requests racing for one round on PostgreSQL never take it past its pool and never fail with
a server error: one wins, the other is refused with a reason (or sees the winner's result)."""

from __future__ import annotations

import threading
import time
from decimal import Decimal

import pytest
from sqlalchemy import func, select, text

from grants.domain.awards import Candidate
from grants.domain.errors import Refusal
from grants.extensions import db
from grants.models import AuditEntry, FundingRound, User
from grants.models.awards import Award
from grants.services import awards as svc
from grants.services import rounds
from tests.factories import make_proposal, make_round
from tests.helpers import create_user
from tests.services.test_awards_service import round_edit

pytestmark = pytest.mark.postgres
THREADS = 8
WAIT_SECONDS = 30


def _outcome(app, work, results, i):
    """Run ``work()`` in its own app context; keep "ok", the refusal, or the unexpected error."""
    with app.app_context():
        try:
            work()
            results[i] = "ok"
        except Refusal as error:
            results[i] = (error.status, str(error))
        except Exception as error:  # noqa: BLE001 - a server error is what the tests look for
            results[i] = error
        finally:
            db.session.remove()


def _run_together(app, work, count):
    """Run ``work(i)`` in ``count`` threads released at once; each has its own app context."""
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def target(i):
        barrier.wait()
        _outcome(app, lambda: work(i), results, i)

    threads = [threading.Thread(target=target, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results


def _waiting_for_locks(probe) -> int:
    """How many sessions of this database are waiting for a lock right now."""
    return probe.execute(text(
        "SELECT count(*) FROM pg_stat_activity"
        " WHERE datname = current_database() AND wait_event_type = 'Lock'"
    )).scalar_one()


def _run_queued(app, round_id: int, works) -> list:
    """Run ``works`` in threads that queue for the round lock in the order given.

    The test holds the round row locked while it starts each thread and waits until that
    thread waits for the lock; then it lets go. PostgreSQL hands a row lock to its waiters in
    the order they came, so the first work runs to its commit before the second one looks.
    """
    results: list = [None] * len(works)
    threads = []
    with db.engine.connect() as holder, db.engine.connect() as probe:
        probe.execution_options(isolation_level="AUTOCOMMIT")
        holder.execute(text("SELECT id FROM funding_round WHERE id = :id FOR UPDATE"),
                       {"id": round_id})
        for i, work in enumerate(works):
            thread = threading.Thread(target=_outcome, args=(app, work, results, i))
            thread.start()
            threads.append(thread)
            deadline = time.monotonic() + WAIT_SECONDS
            while _waiting_for_locks(probe) < i + 1:
                assert time.monotonic() < deadline, "a request never queued for the round lock"
                time.sleep(0.02)
        holder.rollback()
    for thread in threads:
        thread.join(60)
    return results


def _audit_count() -> int:
    return db.session.scalar(select(func.count(AuditEntry.seq)))


def _round_with_awards(specs, pool_fen):
    """A round past judging with one proposed award per ``(amount_fen, score)``."""
    organizer = create_user("organizer", "organizer")
    applicant = create_user("applicant", "resident")
    funding_round = make_round("notice", pool_fen=pool_fen)
    cands = []
    for rank, (amount, score) in enumerate(specs, start=1):
        p = make_proposal(funding_round, applicant, status="scored", amount_fen=amount,
                          title=f"项目{rank}")
        cands.append(Candidate(p.id, rank, p.title, Decimal(score), amount))
    awards = svc.propose_awards(funding_round.id, cands, organizer)
    return funding_round.id, organizer.id, cands, [a.id for a in awards]


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
    before = _audit_count()
    db.session.remove()

    def raise_one(i):
        actor = db.session.get(User, organizers[i % 2])
        svc.adjust_award(awards[i], 1_500_000, f"第{i + 1}项增加预算", actor)

    results = _run_together(pg_app, raise_one, THREADS)
    successes = results.count("ok")
    assert successes == 4, results
    assert all(r == "ok" or (r[0] == 409 and "超过资金池" in r[1]) for r in results), results
    total = db.session.scalar(select(func.sum(Award.amount_fen)).where(Award.round_id == round_id))
    assert total == 10_000_000 <= pool
    after = _audit_count()
    assert after - before == successes


@pytest.mark.parametrize("first", ["cut_pool", "raise_award"])
def test_a_pool_cut_racing_an_award_raise_never_leaves_awards_above_the_pool(pg_app, first):
    round_id, organizer_id, _cands, awards = _round_with_awards(
        [(1_000_000, "90"), (1_000_000, "80")], pool_fen=3_000_000)
    db.session.remove()

    def cut_pool():
        funding_round = db.session.get(FundingRound, round_id)
        data = round_edit(funding_round, pool_fen=2_200_000)
        rounds.update_round(funding_round, data, db.session.get(User, organizer_id))

    def raise_award():
        svc.adjust_award(awards[0], 1_500_000, "增加宣传费用", db.session.get(User, organizer_id))

    works = {"cut_pool": cut_pool, "raise_award": raise_award}
    second = "raise_award" if first == "cut_pool" else "cut_pool"
    winner, loser = _run_queued(pg_app, round_id, [works[first], works[second]])
    assert winner == "ok", winner
    assert isinstance(loser, tuple), loser  # a refusal, not a server error
    assert loser[0] in (409, 422) and "超过资金池" in loser[1], loser
    funding_round = db.session.get(FundingRound, round_id)
    assert svc.live_total(round_id) <= funding_round.pool_fen
    if first == "cut_pool":
        assert (funding_round.pool_fen, svc.live_total(round_id)) == (2_200_000, 2_000_000)
        assert loser[1].startswith("调整后立项总额 ¥25,000.00 超过资金池 ¥22,000.00")
    else:
        assert (funding_round.pool_fen, svc.live_total(round_id)) == (3_000_000, 2_500_000)
        assert loser == (422, "立项总额 ¥25,000.00 超过资金池 ¥22,000.00（超出 ¥3,000.00）")


def test_pool_cuts_and_raises_released_together_keep_awards_inside_the_pool(pg_app):
    round_id, organizer_id, _cands, awards = _round_with_awards(
        [(1_000_000, "90"), (1_000_000, "85"), (1_000_000, "80"), (1_000_000, "75")],
        pool_fen=6_000_000)
    db.session.remove()

    def work(i):
        actor = db.session.get(User, organizer_id)
        if i % 2:
            funding_round = db.session.get(FundingRound, round_id)
            rounds.update_round(funding_round, round_edit(funding_round, pool_fen=4_500_000 + i),
                                actor)
        else:
            svc.adjust_award(awards[i // 2], 1_500_000, "增加", actor)

    results = _run_together(pg_app, work, 6)
    assert all(r == "ok" or (r[0] in (409, 422) and "超过资金池" in r[1]) for r in results), results
    assert svc.live_total(round_id) <= db.session.get(FundingRound, round_id).pool_fen


@pytest.mark.parametrize("first", ["solve", "adjust"])
def test_a_solver_rerun_racing_an_adjustment_has_one_winner_and_no_server_error(pg_app, first):
    round_id, organizer_id, cands, awards = _round_with_awards(
        [(1_000_000, "90"), (1_000_000, "80")], pool_fen=3_000_000)
    before = _audit_count()
    db.session.remove()

    def solve():
        svc.propose_awards(round_id, cands, db.session.get(User, organizer_id))

    def adjust():
        svc.adjust_award(awards[0], 1_200_000, "增加", db.session.get(User, organizer_id))

    works = {"solve": solve, "adjust": adjust}
    order = [first, "adjust" if first == "solve" else "solve"]
    results = dict(zip(order, _run_queued(pg_app, round_id, [works[w] for w in order]),
                       strict=True))
    assert results["solve"] == "ok", results
    actions = db.session.scalars(
        select(AuditEntry.action).where(AuditEntry.seq > before).order_by(AuditEntry.seq)).all()
    solver_entries = ["award.discard"] * 2 + ["award.propose"] * 2 + ["round.solve_awards"]
    if first == "solve":
        assert isinstance(results["adjust"], tuple), results  # a refusal, not a server error
        status, message = results["adjust"]
        assert status == 404 and "拟立项名单可能已重新生成" in message
        assert actions == solver_entries
    else:
        assert results["adjust"] == "ok"
        assert actions == ["award.adjust", *solver_entries]
    assert sorted(a.amount_fen for a in svc.awards_of_round(round_id)) == [1_000_000, 1_000_000]
    assert awards[0] not in {a.id for a in svc.awards_of_round(round_id)}


def test_solver_reruns_and_adjustments_released_together_never_fail(pg_app):
    round_id, organizer_id, cands, awards = _round_with_awards(
        [(1_000_000, "90"), (1_000_000, "80")], pool_fen=3_000_000)
    db.session.remove()

    def work(i):
        actor = db.session.get(User, organizer_id)
        if i % 2:
            svc.propose_awards(round_id, cands, actor)
        else:
            svc.adjust_award(awards[(i // 2) % 2], 1_100_000, "增加", actor)

    results = _run_together(pg_app, work, 6)
    assert all(r == "ok" or r[0] == 404 for r in results), results
    assert [results[i] for i in (1, 3, 5)] == ["ok"] * 3
    assert svc.live_total(round_id) == 2_000_000


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
    assert all(r == "ok" or "已经结束" in r[1] for r in results), results
    numbers = db.session.scalars(select(Agreement.number).order_by(Agreement.number)).all()
    assert numbers == ["JN-2026-07-001", "JN-2026-07-002", "JN-2026-07-003"]
    assert db.session.get(Notice, notice_id).status == "closed"
