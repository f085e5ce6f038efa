"""Disbursement: four eyes, approvals bound to their content, gates, the award-wide limit, and
exactly one audit entry (with the authorising role) per state change."""

from __future__ import annotations

import json
from datetime import date, datetime

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from grants.domain.errors import Refusal
from grants.extensions import db
from grants.models import AuditEntry
from grants.models.awards import Tranche
from grants.services import payments as svc
from tests.helpers import audit_count, create_user
from tests.payments_support import (
    ACCOUNT,
    PAYEE,
    finance_team,
    signed_awards,
    tranche_ids,
)

NOW = datetime(2026, 12, 3, 2, 0)
TODAY = date(2026, 12, 3)


@pytest.fixture
def people(app):
    cashier1, cashier2, cashier3 = finance_team(3)
    return {
        "cashier1": cashier1, "cashier2": cashier2, "cashier3": cashier3,
        "organizer": create_user("wangmin", "organizer"),
        "auditor": create_user("auditor", "auditor"),
        "grantee": create_user("zhangguilan", "resident"),
        "other": create_user("other", "resident"),
    }


@pytest.fixture
def award_id(people):
    """A signed ¥10,000.00 award: tranches ¥5,000 (due), ¥4,000 and ¥1,000 (pending)."""
    return signed_awards(1, applicant=people["grantee"])[0]


def _entries_since(before):
    """(action, object type, object id, role) of the entries written after ``before``."""
    query = select(AuditEntry).where(AuditEntry.seq > before).order_by(AuditEntry.seq)
    return [(e.action, e.object_type, e.object_id, e.actor_role)
            for e in db.session.scalars(query)]


def _payload(action):
    entry = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.seq.desc())
    ).first()
    return json.loads(entry.payload)


def _request(people, award_id, amount=500_000, who="cashier1", sequence=1):
    tranche = tranche_ids(award_id)[sequence - 1]
    return svc.request_payment(people[who], tranche, amount, PAYEE, ACCOUNT, now=NOW)


def _paid(people, payment, who="cashier1"):
    return svc.mark_paid(people[who], payment.id, "BOC20261203001", TODAY,
                         "3201 0000 0000 1234", now=NOW)


def _refused(call, *args, **kwargs) -> Refusal:
    with pytest.raises(Refusal) as refused:
        call(*args, **kwargs)
    return refused.value


# ------------------------------------------------------------------------- request, approve


def test_a_payment_is_requested_approved_and_paid_with_one_entry_each(people, award_id):
    before = audit_count()
    payment = _request(people, award_id)
    assert (payment.status, payment.requested_by_id) == ("requested", people["cashier1"].id)
    svc.approve_payment(people["cashier2"], payment.id, now=NOW)
    assert payment.status == "approved" and payment.approved_by_id == people["cashier2"].id
    assert payment.approval_digest == svc.content_of(payment).digest()
    _paid(people, payment)
    tranche = db.session.get(Tranche, payment.tranche_id)
    assert (payment.status, payment.paying_account, tranche.status) == (
        "paid", "3201000000001234", "paid")
    assert _entries_since(before) == [
        ("payment.request", "payment", payment.id, "finance"),
        ("payment.approve", "payment", payment.id, "finance"),
        ("payment.mark_paid", "payment", payment.id, "finance"),
        ("tranche.pay", "tranche", tranche.id, "finance"),
    ]
    assert _payload("payment.request")["amount_fen"] == 500_000
    assert _payload("payment.approve")["approval_digest"] == payment.approval_digest
    paid = _payload("payment.mark_paid")
    assert (paid["bank_reference"], paid["value_date"], paid["tranche_id"]) == (
        "BOC20261203001", "2026-12-03", tranche.id)
    assert _payload("tranche.pay") | {} == {
        "from": "due", "to": "paid", "award_id": award_id, "sequence": 1,
        "amount_fen": 500_000, "paid_fen": 500_000, "payment_id": payment.id}


def test_the_requester_may_not_approve_and_a_sole_officer_cannot(people, award_id):
    payment = _request(people, award_id)
    before = audit_count()
    refused = _refused(svc.approve_payment, people["cashier1"], payment.id)
    assert refused.status == 403 and "另一名财务人员" in str(refused)
    assert payment.status == "requested" and audit_count() == before


@pytest.mark.parametrize("statement", [
    "UPDATE payment SET approved_by_id = requested_by_id, status = 'approved', "
    "approval_digest = 'x'",
    "UPDATE payment SET approved_by_id = requested_by_id",
])
def test_the_database_refuses_an_approval_by_the_requester(any_app, statement):
    people = dict(zip(("cashier1", "cashier2"), finance_team(2), strict=True))
    (award,) = signed_awards(1)
    _request(people, award)
    with pytest.raises(IntegrityError, match="four_eyes"):
        db.session.execute(text(statement))
        db.session.flush()
    db.session.rollback()


def test_the_database_refuses_a_payment_inserted_as_approved_by_its_requester(any_app):
    (cashier,) = finance_team(1)
    (award,) = signed_awards(1)
    tranche = tranche_ids(award)[0]
    with pytest.raises(IntegrityError, match="four_eyes"):
        db.session.execute(text(
            "INSERT INTO payment (tranche_id, award_id, amount_fen, payee_name, payee_account,"
            " status, requested_by_id, requested_at, approved_by_id, approval_digest, reason)"
            " VALUES (:t, :a, 100, 'x', '12345678', 'approved', :u, :now, :u, 'd', '')"),
            {"t": tranche, "a": award, "u": cashier.id, "now": NOW})
    db.session.rollback()


def test_only_finance_officers_move_money(people, award_id):
    tranche = tranche_ids(award_id)[0]
    for who in ("organizer", "auditor", "grantee"):
        refused = _refused(svc.request_payment, people[who], tranche, 100_000, PAYEE, ACCOUNT)
        assert refused.status == 403, who
    payment = _request(people, award_id)
    for call in (lambda u: svc.approve_payment(u, payment.id),
                 lambda u: svc.reject_payment(u, payment.id, "不符"),
                 lambda u: svc.cancel_payment(u, payment.id, "不符"),
                 lambda u: svc.change_payee(u, payment.id, PAYEE, "62220202000099999"),
                 lambda u: svc.mark_paid(u, payment.id, "B1", TODAY, "32010000000012")):
        for who in ("organizer", "auditor"):
            assert _refused(call, people[who]).status == 403, who
    assert payment.status == "requested"


def test_a_finance_officer_who_is_also_an_auditor_is_recorded_as_finance(people, award_id):
    both = create_user("both", "auditor", "finance")
    payment = _request(people, award_id)
    before = audit_count()
    svc.approve_payment(both, payment.id, now=NOW)
    assert _entries_since(before) == [("payment.approve", "payment", payment.id, "finance")]


# ----------------------------------------------------------------------------- request rules


def test_requests_stay_inside_the_tranche_and_one_at_a_time(people, award_id):
    over = _refused(_request, people, award_id, amount=500_001)
    assert over.status == 422 and "¥5,000.00" in str(over)
    assert "大于零" in str(_refused(_request, people, award_id, amount=0))
    assert _refused(_request, people, award_id, amount=1.5).status == 422
    payment = _request(people, award_id, amount=300_000)
    busy = _refused(_request, people, award_id, amount=100_000, who="cashier2")
    assert busy.status == 409 and "处理中" in str(busy)
    svc.approve_payment(people["cashier2"], payment.id, now=NOW)
    _paid(people, payment)
    assert db.session.get(Tranche, payment.tranche_id).status == "due"
    left = _refused(_request, people, award_id, amount=200_001)
    assert "¥2,000.00" in str(left)
    rest = _request(people, award_id, amount=200_000)
    svc.approve_payment(people["cashier3"], rest.id, now=NOW)
    _paid(people, rest, who="cashier2")
    assert db.session.get(Tranche, payment.tranche_id).status == "paid"


@pytest.mark.parametrize("name, account", [("", ACCOUNT), (PAYEE, "1234"), (PAYEE, "abcdefghij")])
def test_a_malformed_payee_is_refused(people, award_id, name, account):
    tranche = tranche_ids(award_id)[0]
    before = audit_count()
    assert _refused(svc.request_payment, people["cashier1"], tranche, 100, name,
                    account).status == 422
    assert audit_count() == before


def test_unknown_tranches_and_payments_are_not_found(people):
    for bad in (0, 999, 2**40, "1"):
        assert _refused(svc.request_payment, people["cashier1"], bad, 100, PAYEE,
                        ACCOUNT).status == 404
        assert _refused(svc.approve_payment, people["cashier2"], bad).status == 404
