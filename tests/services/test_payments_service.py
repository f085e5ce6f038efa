"""Disbursement: four eyes, approvals bound to their content, gates, the award-wide limit, and
exactly one audit entry (with the authorising role) per state change."""

from __future__ import annotations

import json
from datetime import date, datetime

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from grants.domain.errors import Refusal
from grants.domain.tranches import DEFAULT_PLAN, Term
from grants.extensions import db
from grants.models import AuditEntry
from grants.models.awards import Award, Tranche
from grants.models.payments import Payment
from grants.services import gates
from grants.services import payments as svc
from tests.helpers import audit_count, create_user
from tests.payments_support import (
    ACCOUNT,
    PAYEE,
    countersigned,
    finance_team,
    make_due,
    signed_awards,
    tranche_ids,
)

NOW = datetime(2026, 12, 3, 2, 0)
TODAY = date(2026, 12, 3)


@pytest.fixture
def people(any_app):
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
    assert _payload("tranche.pay") == {
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


# -------------------------------------------------------------- the approval is bound (OC #8556)


def test_changing_the_payee_after_approval_voids_it(people, award_id):
    payment = _request(people, award_id)
    svc.approve_payment(people["cashier2"], payment.id, now=NOW)
    old_digest = payment.approval_digest
    before = audit_count()
    svc.change_payee(people["cashier2"], payment.id, PAYEE, "6222 0202 0000 9999 999")
    assert _entries_since(before) == [("payment.void", "payment", payment.id, "finance")]
    assert (payment.status, payment.payee_account) == ("requested", "6222020200009999999")
    assert payment.approved_by_id is None and payment.approval_digest is None
    voided = _payload("payment.void")
    assert voided["reason"] == "收款信息已变更" and voided["voided_approval_digest"] == old_digest
    assert voided["previous"]["payee_account"] == ACCOUNT
    assert voided["payee_account"] == "6222020200009999999"
    # whoever set the new content is its requester: they cannot approve it themselves
    assert payment.requested_by_id == people["cashier2"].id
    assert _refused(svc.approve_payment, people["cashier2"], payment.id).status == 403
    assert _refused(_paid, people, payment).status == 409
    svc.approve_payment(people["cashier1"], payment.id, now=NOW)
    assert payment.approval_digest != old_digest
    _paid(people, payment, who="cashier3")
    assert payment.status == "paid"


def test_correcting_a_requested_payment_is_one_entry_and_the_same_payee_none(people, award_id):
    payment = _request(people, award_id)
    before = audit_count()
    svc.change_payee(people["cashier1"], payment.id, f" {PAYEE} ", ACCOUNT)
    assert audit_count() == before
    svc.change_payee(people["cashier2"], payment.id, "阳光社工", ACCOUNT)
    assert _entries_since(before) == [("payment.change_payee", "payment", payment.id,
                                       "finance")]
    assert payment.status == "requested" and payment.payee_name == "阳光社工"
    svc.cancel_payment(people["cashier1"], payment.id, "重复申请")
    assert _refused(svc.change_payee, people["cashier1"], payment.id, PAYEE,
                    ACCOUNT).status == 409


@pytest.mark.parametrize("column, value", [
    ("payee_account", "'6222020200000000001'"), ("amount_fen", "400000"),
    ("payee_name", "'别的单位'"),
])
def test_marking_paid_on_a_stale_approval_is_refused(people, award_id, column, value):
    payment = _request(people, award_id)
    svc.approve_payment(people["cashier2"], payment.id, now=NOW)
    db.session.execute(text(f"UPDATE payment SET {column} = {value} WHERE id = :id"),
                       {"id": payment.id})
    db.session.commit()
    before = audit_count()
    refused = _refused(_paid, people, payment)
    assert refused.status == 409 and "审批已失效" in str(refused)
    assert audit_count() == before
    db.session.refresh(payment)
    assert payment.status == "approved" and payment.bank_reference is None


@pytest.mark.parametrize("field, value, message", [
    ("bank_reference", "", "流水号"), ("bank_reference", "x" * 65, "流水号"),
    ("value_date", date(2026, 12, 4), "起息日期不能晚于今天"), ("value_date", None, "起息日期"),
    ("value_date", NOW, "起息日期"), ("paying_account", "12", "付款账号"),
])
def test_marking_paid_needs_the_whole_bank_record(people, award_id, field, value, message):
    payment = _request(people, award_id)
    svc.approve_payment(people["cashier2"], payment.id, now=NOW)
    record = {"bank_reference": "BOC1", "value_date": TODAY, "paying_account": "32010000000012"}
    record[field] = value
    refused = _refused(svc.mark_paid, people["cashier1"], payment.id, now=NOW, **record)
    assert refused.status == 422 and message in str(refused)
    assert payment.status == "approved"


def test_only_approved_payments_are_marked_paid(people, award_id):
    payment = _request(people, award_id)
    refused = _refused(_paid, people, payment)
    assert refused.status == 409 and "待审批" in str(refused)
    svc.approve_payment(people["cashier2"], payment.id, now=NOW)
    _paid(people, payment)
    assert _refused(_paid, people, payment).status == 409
    assert _refused(svc.approve_payment, people["cashier3"], payment.id).status == 409


# ---------------------------------------------------------------- gates, suspension, the award


def test_no_approval_before_the_gate_is_met(people, award_id):
    payment = _request(people, award_id, amount=400_000, sequence=2)
    refused = _refused(svc.approve_payment, people["cashier2"], payment.id)
    assert refused.status == 409 and "拨付条件尚未达成" in str(refused)
    tranche = tranche_ids(award_id)[1]
    assert _refused(svc.meet_gate, people["cashier2"], tranche, "中期评估通过").status == 403
    assert _refused(svc.meet_gate, people["organizer"], tranche, " ").status == 422
    before = audit_count()
    svc.meet_gate(people["organizer"], tranche, "中期评估报告已通过（线下评审）")
    assert _entries_since(before) == [("tranche.meet_gate", "tranche", tranche, "organizer")]
    met = _payload("tranche.meet_gate")
    assert (met["from"], met["to"], met["gate"], met["reason"]) == (
        "pending", "due", "midterm_passed", "中期评估报告已通过（线下评审）")
    assert _refused(svc.meet_gate, people["organizer"], tranche, "再次").status == 409
    svc.approve_payment(people["cashier2"], payment.id, now=NOW)
    assert payment.status == "approved"


def test_no_money_for_a_suspended_award(people, award_id):
    first = _request(people, award_id)
    svc.approve_payment(people["cashier2"], first.id, now=NOW)
    make_due(tranche_ids(award_id)[1])
    second = _request(people, award_id, amount=400_000, sequence=2)
    db.session.execute(text("UPDATE award SET status = 'suspended' WHERE id = :id"),
                       {"id": award_id})
    db.session.commit()
    before = audit_count()
    refused = _refused(svc.approve_payment, people["cashier3"], second.id)
    assert refused.status == 409 and "已暂停" in str(refused)
    assert _refused(_paid, people, first).status == 409
    assert audit_count() == before


def test_approved_and_paid_money_never_exceeds_the_award(people):
    (award,) = signed_awards(1, tranche_fen=1_000_000)  # a plan typed wrong: 3 × the award
    make_due(*tranche_ids(award))
    first = _request(people, award, amount=600_000, sequence=1)
    second = _request(people, award, amount=600_000, sequence=2)
    third = _request(people, award, amount=400_000, sequence=3)
    svc.approve_payment(people["cashier2"], first.id, now=NOW)
    refused = _refused(svc.approve_payment, people["cashier3"], second.id)
    assert refused.status == 409
    assert "¥10,000.00" in str(refused) and "¥6,000.00" in str(refused)
    assert "最多还可审批 ¥4,000.00" in str(refused)
    svc.approve_payment(people["cashier3"], third.id, now=NOW)
    _paid(people, first)
    assert _refused(svc.approve_payment, people["cashier3"], second.id).status == 409
    committed = db.session.scalar(select(db.func.sum(Payment.amount_fen)).where(
        Payment.award_id == award, Payment.status.in_(("approved", "paid"))))
    assert committed == 1_000_000 == db.session.get(Award, award).amount_fen


# ---------------------------------------------------------------------------- reject, cancel


@pytest.mark.parametrize("action", ["reject_payment", "cancel_payment"])
def test_rejecting_or_cancelling_needs_a_reason_and_frees_the_tranche(people, award_id, action):
    payment = _request(people, award_id)
    svc.approve_payment(people["cashier2"], payment.id, now=NOW)
    close = getattr(svc, action)
    assert _refused(close, people["cashier2"], payment.id, "  ").status == 422
    before = audit_count()
    close(people["cashier2"], payment.id, " 收款账户需核实 ")
    verb = action.split("_")[0]
    assert _entries_since(before) == [(f"payment.{verb}", "payment", payment.id, "finance")]
    assert payment.reason == "收款账户需核实"
    assert _payload(f"payment.{verb}")["reason"] == "收款账户需核实"
    assert _refused(close, people["cashier2"], payment.id, "再次").status == 409
    again = _request(people, award_id, who="cashier3")
    assert again.status == "requested"


# ------------------------------------------------------------------ the countersignature, plans


def test_the_countersignature_makes_the_first_tranche_due(people):
    award = countersigned(people["organizer"], people["grantee"])
    first, second, third = award.tranches
    assert (first.status, second.status, third.status) == ("due", "pending", "pending")
    entry = db.session.scalars(select(AuditEntry).where(
        AuditEntry.action == "tranche.meet_gate")).one()
    assert (entry.object_id, entry.actor_id, entry.actor_role) == (
        first.id, people["organizer"].id, "organizer")
    assert json.loads(entry.payload)["reason"] == "协议已签订"
    payment = svc.request_payment(people["cashier1"], first.id, first.amount_fen, PAYEE,
                                  ACCOUNT, now=NOW)
    svc.approve_payment(people["cashier2"], payment.id, now=NOW)
    assert payment.status == "approved"


def test_a_round_plan_is_stored_at_countersignature_and_then_frozen(people):
    from tests.factories import make_round

    funding_round = make_round("notice", pool_fen=3_000_000)
    assert svc.plan_of(funding_round.id) == DEFAULT_PLAN
    plan = (Term("agreement_signed", 3000), Term("final_passed", 7000))
    assert _refused(svc.save_plan, people["cashier1"], funding_round.id, plan).status == 403
    bad = _refused(svc.save_plan, people["organizer"], funding_round.id,
                   (Term("agreement_signed", 3000), Term("final_passed", 6000)))
    assert bad.status == 422 and "90%" in str(bad)
    before = audit_count()
    assert svc.save_plan(people["organizer"], funding_round.id, plan) == plan
    assert svc.save_plan(people["organizer"], funding_round.id, plan) == plan
    assert svc.plan_of(funding_round.id) == plan
    assert _entries_since(before) == [
        ("round.save_tranche_plan", "funding_round", funding_round.id, "organizer")] * 2
    assert _payload("round.save_tranche_plan")["terms"] == [
        {"gate": "agreement_signed", "share_bp": 3000}, {"gate": "final_passed", "share_bp": 7000}]
    award = countersigned(people["organizer"], people["grantee"], amount_fen=1_000_001,
                          funding_round=funding_round)
    assert [(t.gate, t.share_bp, t.amount_fen, t.status) for t in award.tranches] == [
        ("agreement_signed", 3000, 300_001, "due"), ("final_passed", 7000, 700_000, "pending")]
    frozen = _refused(svc.save_plan, people["organizer"], funding_round.id, DEFAULT_PLAN)
    assert frozen.status == 409 and svc.plan_of(funding_round.id) == plan


def test_the_gate_interface_for_evaluations(people, award_id):
    before = audit_count()
    tranche = gates.gate_met(award_id, "midterm_passed", "中期评估 #12 通过", None)
    db.session.commit()
    assert tranche.status == "due" and tranche.sequence == 2
    assert _entries_since(before) == [("tranche.meet_gate", "tranche", tranche.id, "system")]
    assert _refused(gates.gate_met, award_id, "nonsense", "x", None).status == 400
    assert _refused(gates.gate_met, 999, "final_passed", "x", None).status == 404
    (plain,) = signed_awards(1)
    db.session.execute(text("DELETE FROM tranche WHERE award_id = :a AND sequence = 3"),
                       {"a": plain})
    assert gates.gate_met(plain, "final_passed", "结项评估通过", None) is None
    db.session.rollback()
