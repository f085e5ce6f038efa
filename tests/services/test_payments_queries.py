"""Disbursement reads: ledgers and their totals, the finance dashboard, deadlines on the notice
calendar, the export rows, the grantee's view, and a statement count that does not grow with
the number of awards."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from grants.domain.errors import Refusal
from grants.domain.payments import Totals
from grants.extensions import db
from grants.models.awards import Award
from grants.services import payments as svc
from tests.factories import make_org, make_round
from tests.helpers import count_queries, create_user
from tests.payments_support import ACCOUNT, PAYEE, finance_team, signed_awards, tranche_ids

NOW = datetime(2026, 12, 3, 2, 0)
BEFORE_DEADLINE = date(2026, 12, 22)
AFTER_DEADLINE = date(2026, 12, 23)
"""Signed on 1 December 2026: 15 working days later is 22 December."""


@pytest.fixture
def people(any_app):
    cashier1, cashier2, cashier3 = finance_team(3)
    return {"cashier1": cashier1, "cashier2": cashier2, "cashier3": cashier3,
            "organizer": create_user("wangmin", "organizer"),
            "grantee": create_user("zhangguilan", "resident"),
            "other": create_user("other", "resident")}


def _request(people, tranche_id, amount, who="cashier1"):
    return svc.request_payment(people[who], tranche_id, amount, PAYEE, ACCOUNT, now=NOW)


def _approve_and_pay(people, payment):
    svc.approve_payment(people["cashier2"], payment.id, now=NOW)
    svc.mark_paid(people["cashier1"], payment.id, "BOC1", date(2026, 12, 3), "32010000000012",
                  now=NOW)


@pytest.fixture
def busy_award(people):
    """¥10,000: tranche 1 paid, tranche 2 due with ¥4,000 approved, tranche 3 requested ¥100."""
    (award,) = signed_awards(1, applicant=people["grantee"])
    first, second, third = tranche_ids(award)
    _approve_and_pay(people, _request(people, first, 500_000))
    svc.meet_gate(people["organizer"], second, "中期评估通过")
    svc.approve_payment(people["cashier3"], _request(people, second, 400_000).id, now=NOW)
    _request(people, third, 10_000)
    return award


def test_the_award_ledger_has_tranches_payments_and_totals(people, busy_award):
    ledger = svc.award_ledger(busy_award, today=AFTER_DEADLINE)
    assert [(r.tranche.sequence, r.tranche.status, r.paid_fen, r.deadline, r.overdue)
            for r in ledger.tranches] == [
        (1, "paid", 500_000, BEFORE_DEADLINE, False),
        (2, "due", 0, None, False),
        (3, "pending", 0, None, False),
    ]
    assert [r.open_payment.status if r.open_payment else None for r in ledger.tranches] == [
        None, "approved", "requested"]
    assert [(p.status, p.requested_by.username) for p in ledger.payments] == [
        ("paid", "cashier1"), ("approved", "cashier1"), ("requested", "cashier1")]
    assert ledger.totals == Totals(awarded_fen=1_000_000, due_fen=400_000, requested_fen=10_000,
                                   approved_fen=400_000, paid_fen=500_000,
                                   remaining_fen=500_000)
    assert ledger.agreement.number.startswith("JN-2026-07-")
    with pytest.raises(Refusal) as missing:
        svc.award_ledger(999)
    assert missing.value.status == 404


def test_the_first_tranche_is_overdue_after_15_working_days(people, any_app):
    (award,) = signed_awards(1, applicant=people["grantee"])
    rows = svc.award_ledger(award, today=BEFORE_DEADLINE).tranches
    assert (rows[0].deadline, rows[0].overdue) == (BEFORE_DEADLINE, False)
    assert svc.award_ledger(award, today=AFTER_DEADLINE).tranches[0].overdue
    any_app.config["NOTICE_HOLIDAYS"] = ("2026-12-02",)
    rows = svc.award_ledger(award, today=AFTER_DEADLINE).tranches
    assert (rows[0].deadline, rows[0].overdue) == (date(2026, 12, 23), False)


def test_the_dashboard_shows_what_needs_this_officer(people):
    awards = signed_awards(3, applicant=people["grantee"])
    mine = _request(people, tranche_ids(awards[0])[0], 500_000, who="cashier2")
    theirs = _request(people, tranche_ids(awards[1])[0], 500_000)
    rejected = _request(people, tranche_ids(awards[2])[0], 500_000)
    svc.reject_payment(people["cashier3"], rejected.id, "收款账户不符")
    board = svc.dashboard(people["cashier2"], today=AFTER_DEADLINE)
    assert [p.id for p in board.to_approve] == [theirs.id]
    assert board.to_approve[0].award.proposal.title.startswith("微项目")
    assert [r.tranche.award_id for r in board.due] == awards
    assert [r.open_payment.id if r.open_payment else None for r in board.due] == [
        mine.id, theirs.id, None]
    assert len(board.overdue) == 3
    assert [p.id for p in board.rejected] == [rejected.id]
    assert [p.id for p in svc.dashboard(people["cashier1"], today=AFTER_DEADLINE).to_approve] == [
        mine.id]
    again = _request(people, tranche_ids(awards[2])[0], 500_000, who="cashier3")
    board = svc.dashboard(people["cashier2"], today=BEFORE_DEADLINE)
    assert board.rejected == [] and board.overdue == []
    assert {p.id for p in board.to_approve} == {theirs.id, again.id}
    _approve_and_pay(people, theirs)
    assert awards[1] not in [r.tranche.award_id for r in svc.dashboard(people["cashier2"]).due]


def test_the_round_ledger_pages_filters_and_totals(people):
    funding_round = make_round("notice", pool_fen=2_000_000_000)
    awards = signed_awards(25, funding_round=funding_round, applicant=people["grantee"])
    _approve_and_pay(people, _request(people, tranche_ids(awards[0])[0], 500_000))
    ledger = svc.round_ledger(funding_round.id, today=AFTER_DEADLINE)
    assert (ledger.count, ledger.pages, ledger.page, len(ledger.rows)) == (25, 2, 1, 20)
    assert ledger.rows[0].award_id == awards[0]
    assert ledger.rows[0].totals.paid_fen == 500_000 and not ledger.rows[0].overdue
    assert ledger.rows[1].overdue and ledger.rows[1].deadline == BEFORE_DEADLINE
    assert ledger.totals.awarded_fen == 25 * 1_000_000
    assert ledger.totals.paid_fen == 500_000 and ledger.totals.due_fen == 24 * 500_000
    assert len(svc.round_ledger(funding_round.id, page=2).rows) == 5
    assert svc.round_ledger(funding_round.id, page=99).page == 2
    overdue = svc.round_ledger(funding_round.id, svc.LedgerFilters(overdue=True),
                               today=AFTER_DEADLINE)
    assert overdue.count == 24 and awards[0] not in [r.award_id for r in overdue.rows]
    suspended = svc.round_ledger(funding_round.id, svc.LedgerFilters(status="suspended"))
    assert suspended.count == 0 and suspended.pages == 1 and suspended.totals == Totals()
    with pytest.raises(Refusal) as refused:
        svc.round_ledger(funding_round.id, svc.LedgerFilters(status="x"))
    assert refused.value.status == 400
    with pytest.raises(Refusal) as missing:
        svc.round_ledger(999)
    assert missing.value.status == 404


def test_the_export_rows_name_every_person_and_the_bank_record(people, busy_award):
    round_id = db.session.get(Award, busy_award).round_id
    rows = list(svc.iter_payment_rows(round_id))
    assert [(r.tranche_sequence, r.status, r.amount_fen) for r in rows] == [
        (1, "paid", 500_000), (2, "approved", 400_000), (3, "requested", 10_000)]
    paid = rows[0]
    assert (paid.requested_by, paid.approved_by, paid.paid_by) == (
        "cashier1", "cashier2", "cashier1")
    assert (paid.bank_reference, paid.value_date, paid.payee_account) == (
        "BOC1", date(2026, 12, 3), ACCOUNT)
    assert rows[2].approved_by is None and rows[2].paid_by is None
    with pytest.raises(Refusal):
        svc.iter_payment_rows(999)


def test_the_grantee_sees_its_own_tranches_only(people, busy_award):
    view = svc.applicant_tranches(people["grantee"], busy_award, today=AFTER_DEADLINE)
    assert [r.tranche.status for r in view.tranches] == ["paid", "due", "pending"]
    assert [(p.tranche_sequence, p.status) for p in view.payments] == [
        (1, "paid"), (2, "approved"), (3, "requested")]
    assert view.totals.paid_fen == 500_000
    assert svc.applicant_tranches(people["cashier1"], busy_award).totals.paid_fen == 500_000
    with pytest.raises(Refusal) as refused:
        svc.applicant_tranches(people["other"], busy_award)
    assert refused.value.status == 404
    with pytest.raises(Refusal):
        svc.applicant_tranches(people["grantee"], 999)


def test_an_organisation_member_sees_its_organisations_tranches(people):
    org = make_org(1)
    member = create_user("member", "org_member", organisation_id=org.id)
    colleague = create_user("colleague", "org_member", organisation_id=org.id)
    (award,) = signed_awards(1, applicant=member)
    db.session.get(Award, award).proposal.organisation_id = org.id
    db.session.commit()
    assert len(svc.applicant_tranches(colleague, award).tranches) == 3


# --------------------------------------------------------------------------- statement counts


def _statements(work) -> int:
    db.session.commit()
    db.session.expire_all()
    with count_queries() as counter:
        work()
    return counter[0]


def _with_payments(people, funding_round, count):
    """``count`` more awards of the round, each with its first tranche paid and a rejected
    and a requested payment on others."""
    awards = signed_awards(count, funding_round=funding_round, applicant=people["grantee"])
    for award in awards:
        first, second, _third = tranche_ids(award)
        _approve_and_pay(people, _request(people, first, 500_000))
        svc.meet_gate(people["organizer"], second, "中期评估通过")
        svc.reject_payment(people["cashier3"], _request(people, second, 100_000).id, "不符")
        _request(people, second, 200_000)
    return awards


def test_reads_run_the_same_statements_for_3_and_30_awards(people):
    funding_round = make_round("notice", pool_fen=2_000_000_000)
    _with_payments(people, funding_round, 3)
    reads = {
        "dashboard": lambda: svc.dashboard(people["cashier2"], today=AFTER_DEADLINE),
        "round_ledger": lambda: svc.round_ledger(funding_round.id, today=AFTER_DEADLINE),
        "overdue": lambda: svc.round_ledger(funding_round.id, svc.LedgerFilters(overdue=True)),
        "export": lambda: list(svc.iter_payment_rows(funding_round.id)),
    }
    small = {name: _statements(read) for name, read in reads.items()}
    _with_payments(people, funding_round, 27)
    assert svc.round_ledger(funding_round.id).count == 30
    assert len(list(svc.iter_payment_rows(funding_round.id))) == 90
    large = {name: _statements(read) for name, read in reads.items()}
    assert large == small
    assert small["round_ledger"] <= 5  # BEGIN, the round, awards, tranches, payment sums
