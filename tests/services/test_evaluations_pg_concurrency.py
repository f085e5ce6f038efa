"""A failed mid-term blocks the second tranche on PostgreSQL even with payment approvals racing
the decision, in real threads.

Each repeat prepares awards whose second tranche is already due (its gate recorded by hand
before the evaluation came in) with a payment requested on it, and whose mid-term scored below
the pass mark stands in an ended results notice. One thread confirms the notice (failing every
mid-term: awards suspended, unpaid tranches blocked) while one thread per award approves that
award's payment, all released by one barrier. Whatever the interleaving: every award ends
suspended with its second tranche blocked; an approval either committed before its award's
``award.fail_midterm`` entry or was refused as suspended (409); no thread meets a server error;
and no approved payment can then be marked paid. Every state change is audited once.
"""

from __future__ import annotations

import threading
import time
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from grants.domain.errors import Refusal
from grants.extensions import db
from grants.models import AuditEntry, User
from grants.models.awards import Award, Tranche
from grants.models.payments import Payment
from grants.services import notices
from grants.services import payments as pay
from tests.evaluations_support import implementing_awards, in_notice, people, scored, submitted
from tests.payments_support import ACCOUNT, PAYEE, make_due, tranche_ids

pytestmark = pytest.mark.postgres
AWARDS = 8
REPEATS = 2
STAGGER = 0.015
"""Seconds between the approvals' starts, so that some land before the confirmation takes the
awards and some after (the assertions hold for any order)."""


def _prepare() -> tuple[dict, list[int], int, date]:
    """The people, the payment ids (one requested on each award's due second tranche), the
    ended results notice and the day after it."""
    who = people()
    award_ids = implementing_awards(who, AWARDS)
    make_due(*[tranche_ids(award_id)[1] for award_id in award_ids])
    payment_ids = [pay.request_payment(who.finance, tranche_ids(award_id)[1], 400_000, PAYEE,
                                       ACCOUNT).id for award_id in award_ids]
    evaluations = submitted(who, award_ids, evaluators=(who.evaluator,))
    scored(who, evaluations, (10, 5, 5, 10))
    today = date.today()
    notice = in_notice(who, db.session.get(Award, award_ids[0]).round_id, today=today)
    ids = {"organizer": who.organizer.id, "approver": who.finance2.id,
           "payer": who.finance.id}
    found = (ids, payment_ids, notice.id, notice.ends_on + timedelta(days=1))
    db.session.remove()
    return found


def _race(app, ids: dict, payment_ids: list[int], notice_id: int, day: date) -> list:
    """The confirmation (thread 0) and one approval per payment, released together (approvals
    a few milliseconds apart); "ok",
    the refusal's ``(status, message)`` or the unexpected exception, per thread."""
    barrier = threading.Barrier(len(payment_ids) + 1)
    results: list = [None] * (len(payment_ids) + 1)

    def work(i: int) -> None:
        barrier.wait()
        time.sleep(STAGGER * i)
        with app.app_context():
            try:
                if i == 0:
                    organizer = db.session.get(User, ids["organizer"])
                    notices.confirm_notice(notice_id, organizer, day)
                else:
                    approver = db.session.get(User, ids["approver"])
                    pay.approve_payment(approver, payment_ids[i - 1])
                results[i] = "ok"
            except Refusal as refused:
                results[i] = (refused.status, str(refused))
            except Exception as error:  # noqa: BLE001 - a server error is what this looks for
                results[i] = error
            finally:
                db.session.remove()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(results))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not any(thread.is_alive() for thread in threads), "a thread never finished"
    return results


def _seq(action: str, object_id: int) -> int | None:
    return db.session.scalar(select(AuditEntry.seq).where(
        AuditEntry.action == action, AuditEntry.object_id == object_id))


@pytest.mark.parametrize("repeat", range(1, REPEATS + 1))
def test_a_failed_midterm_blocks_the_second_tranche_against_racing_approvals(pg_app, repeat):
    ids, payment_ids, notice_id, day = _prepare()
    before = db.session.scalar(select(func.count(AuditEntry.seq)))
    results = _race(pg_app, ids, payment_ids, notice_id, day)
    assert results[0] == "ok", f"repeat {repeat}: the confirmation failed: {results[0]}"
    approvals = results[1:]
    assert all(r == "ok" or (isinstance(r, tuple) and r[0] == 409 and "暂停" in r[1])
               for r in approvals), f"repeat {repeat}: {approvals}"
    payer = db.session.get(User, ids["payer"])
    for payment_id, outcome in zip(payment_ids, approvals, strict=True):
        payment = db.session.get(Payment, payment_id)
        award = db.session.get(Award, payment.award_id)
        assert award.status == "suspended"
        assert db.session.get(Tranche, payment.tranche_id).status == "blocked"
        failed_at = _seq("award.fail_midterm", award.id)
        approved_at = _seq("payment.approve", payment_id)
        assert (outcome == "ok") == (approved_at is not None)
        assert approved_at is None or approved_at < failed_at
        if outcome == "ok":
            with pytest.raises(Refusal) as refused:
                pay.mark_paid(payer, payment_id, "BANK001", day - timedelta(days=1),
                              "3201000000000001")
            assert refused.value.status == 409
    assert db.session.scalar(select(func.count(Payment.id)).where(
        Payment.id.in_(payment_ids), Payment.status == "paid")) == 0
    written = db.session.execute(select(AuditEntry.action, func.count()).where(
        AuditEntry.seq > before).group_by(AuditEntry.action)).all()
    counts = dict(written)
    assert counts["award.fail_midterm"] == AWARDS and counts["evaluation.fail"] == AWARDS
    assert counts.get("payment.approve", 0) == approvals.count("ok")
    assert counts["notice.confirm"] == 1
