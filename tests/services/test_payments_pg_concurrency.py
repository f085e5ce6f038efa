"""Approvals racing on PostgreSQL with real threads never take an award past its amount.

Each repeat prepares awards whose three tranches are each due and each half the award (a plan
typed wrong, so only the award-wide limit stops the money): three requested payments of half
the award each, room for exactly two. 200 threads, released together by a barrier, each in its
own app context and database session, approve the payments (one thread per payment, approvers
other than the requester). Exactly two approvals per award succeed; every other one is refused
with the limit named; no thread meets a server error; one entry per approval.

A last test shows the award lock is what holds this: with ``locked(Award, …)`` replaced by a
plain read, the same race approves more than the room in at least one of a few repeats.
"""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from grants.domain.errors import Refusal
from grants.extensions import db
from grants.models import AuditEntry, User
from grants.models.awards import Award
from grants.models.payments import Payment
from grants.services import payments as svc
from grants.services.payments import commands
from tests.helpers import create_user
from tests.payments_support import ACCOUNT, PAYEE, make_due, signed_awards, tranche_ids

pytestmark = pytest.mark.postgres
AWARD_FEN = 1_000_000
ROOM = 2
"""Payments of half the award that fit in it."""
AWARDS = 20
THREADS = 200
"""Approvals released together: about three per payment, so the payment's own state races too."""
REPEATS = 20


def _people() -> tuple[User, list[int], User]:
    """The requesting officer, three approving officers' ids, and the grantee."""
    requester = create_user("cashier1", "finance")
    approvers = [create_user(f"approver{i}", "finance").id for i in range(1, 4)]
    return requester, approvers, create_user("grantee", "resident")


def _prepare(requester: User, grantee: User) -> list[int]:
    """Awards with three due half-award tranches and a requested payment on each (by the
    service); the payment ids."""
    awards = signed_awards(AWARDS, amount_fen=AWARD_FEN, tranche_fen=AWARD_FEN // ROOM,
                           applicant=grantee)
    tranches = [t for award in awards for t in tranche_ids(award)]
    make_due(*tranches)
    payments = [svc.request_payment(requester, t, AWARD_FEN // ROOM, PAYEE, ACCOUNT).id
                for t in tranches]
    db.session.remove()
    return payments


def _approve_together(app, payments: list[int], approvers: list[int]) -> list:
    """``THREADS`` approvals, thread ``i`` approving payment ``i mod len(payments)``, all
    released at once; "ok", the refusal's ``(status, message)``, or the unexpected exception,
    per thread."""
    barrier = threading.Barrier(THREADS)
    results: list = [None] * THREADS

    def work(i: int) -> None:
        barrier.wait()
        with app.app_context():
            try:
                approver = db.session.get(User, approvers[i % len(approvers)])
                svc.approve_payment(approver, payments[i % len(payments)])
                results[i] = "ok"
            except Refusal as refused:
                results[i] = (refused.status, str(refused))
            except Exception as error:  # noqa: BLE001 - a server error is what this looks for
                results[i] = error
            finally:
                db.session.remove()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not any(thread.is_alive() for thread in threads), "an approval never finished"
    return results


def _expected_successes(payments: list[int]) -> int:
    """Approvals that fit: ``ROOM`` per award, for the awards the payments cover."""
    per_award = db.session.execute(
        select(Payment.award_id, func.count()).where(Payment.id.in_(payments))
        .group_by(Payment.award_id)).all()
    return sum(min(count, ROOM) for _award, count in per_award)


def _committed_by_award() -> dict[int, int]:
    rows = db.session.execute(
        select(Payment.award_id, func.sum(Payment.amount_fen))
        .where(Payment.status.in_(("approved", "paid"))).group_by(Payment.award_id))
    return {award: int(total) for award, total in rows}


@pytest.mark.parametrize("repeat", range(1, REPEATS + 1))
def test_concurrent_approvals_never_exceed_the_award(pg_app, repeat):
    requester, approvers, grantee = _people()
    payments = _prepare(requester, grantee)
    expected = _expected_successes(payments)
    before = db.session.scalar(select(func.count(AuditEntry.seq)))
    results = _approve_together(pg_app, payments, approvers)
    successes = results.count("ok")
    assert successes == expected, f"repeat {repeat}: {successes} approvals, room for {expected}"
    refused = [r for r in results if r != "ok"]
    assert all(isinstance(r, tuple) and r[0] == 409 and ("超出资助金额" in r[1] or "不能执行" in r[1])
               for r in refused), f"repeat {repeat}: {refused[:5]}"
    assert all(total <= AWARD_FEN for total in _committed_by_award().values())
    approvals = db.session.scalar(select(func.count(AuditEntry.seq)).where(
        AuditEntry.seq > before, AuditEntry.action == "payment.approve"))
    assert approvals == successes
    assert db.session.scalar(select(func.count(AuditEntry.seq)).where(
        AuditEntry.seq > before)) == successes


def _unlocked_award(original):
    """``locked`` with the award read but not locked (what the commands must never do)."""

    def lock(model, row_id, missing=None):
        if model is Award:
            return db.session.get(Award, row_id, populate_existing=True)
        return original(model, row_id, missing)

    return lock


def test_without_the_award_lock_approvals_overrun_the_award(pg_app, monkeypatch):
    monkeypatch.setattr(commands, "locked", _unlocked_award(commands.locked))
    requester, approvers, grantee = _people()
    attempts = []
    for _attempt in range(3):
        payments = _prepare(db.session.merge(requester), db.session.merge(grantee))
        results = _approve_together(pg_app, payments, approvers)
        attempts.append((results.count("ok"), _expected_successes(payments)))
        if attempts[-1][0] > attempts[-1][1]:
            break
    assert any(ok > room for ok, room in attempts), f"never over-approved: {attempts}"
    assert any(total > AWARD_FEN for total in _committed_by_award().values())
