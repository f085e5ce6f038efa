"""Grant agreements: numbering, who signs, in which order, what each step audits, and the
tranches stored at countersignature."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from grants.domain.agreement import TRANCHE_FIELDS, frozen_digest, row_facts
from grants.domain.awards import Candidate
from grants.domain.errors import Refusal
from grants.extensions import db
from grants.models import AuditEntry
from grants.models.awards import Tranche
from grants.services import agreements as svc
from grants.services import awards as award_svc
from grants.services import notices as notice_svc
from tests.factories import make_org, make_proposal, make_round
from tests.helpers import audit_count


@pytest.fixture
def people(app, make_user):
    org = make_org(1)
    return {
        "organizer": make_user("wangmin", "organizer"),
        "admin": make_user("root", "admin"),
        "resident": make_user("zhangguilan", "resident"),
        "member": make_user("orgmember", "org_member", organisation_id=org.id),
        "colleague": make_user("colleague", "org_member", organisation_id=org.id),
        "other": make_user("other", "resident"),
        "org": org,
    }


def _entries_since(before):
    """(action, object type, object id, role) of the audit entries written after ``before``."""
    query = select(AuditEntry).where(AuditEntry.seq > before).order_by(AuditEntry.seq)
    return [(e.action, e.object_type, e.object_id, e.actor_role)
            for e in db.session.scalars(query)]


@pytest.fixture
def agreements(people):
    """Two confirmed awards (a resident team, an organisation) with their agreements."""
    r = make_round("notice", pool_fen=3_000_000)
    p1 = make_proposal(r, people["resident"], status="scored", title="银龄互助食堂")
    p2 = make_proposal(
        r, people["member"], status="scored", title="楼道微更新", organisation=people["org"]
    )
    cands = [
        Candidate(p1.id, 1, p1.title, Decimal("91"), 1_200_000),
        Candidate(p2.id, 2, p2.title, Decimal("88"), 1_000_000),
    ]
    award_svc.propose_awards(r.id, cands, people["organizer"])
    notice = notice_svc.publish_notice(r.id, people["organizer"], today=date(2026, 7, 6))
    notice_svc.confirm_notice(notice.id, people["organizer"], today=date(2026, 7, 13))
    return svc.agreements_of_round(r.id)


def test_numbers_follow_the_ranking(agreements):
    assert [a.number for a in agreements] == ["JN-2026-07-001", "JN-2026-07-002"]
    assert [a.award.rank for a in agreements] == [1, 2]


def test_applicant_signs_then_organizer_countersigns(agreements, people):
    first = agreements[0]
    before = audit_count()
    with pytest.raises(Refusal, match="申报方签署后"):
        svc.countersign(first.id, people["organizer"])
    svc.sign_as_applicant(first.id, people["resident"])
    with pytest.raises(Refusal, match="已签署过"):
        svc.sign_as_applicant(first.id, people["resident"])
    svc.countersign(first.id, people["organizer"])
    assert _entries_since(before) == [
        ("agreement.sign", "agreement", first.id, "applicant"),
        ("agreement.countersign", "agreement", first.id, "organizer"),
        ("award.sign_agreement", "award", first.award_id, "organizer"),
        ("tranche.meet_gate", "tranche", first.award.tranches[0].id, "organizer"),
    ]
    assert first.status == "countersigned"
    assert first.applicant_signer_id == people["resident"].id
    assert first.organizer_signer_id == people["organizer"].id
    assert first.award.status == "agreement_signed"
    with pytest.raises(Refusal, match="签署完毕"):
        svc.countersign(first.id, people["organizer"])


def test_only_the_applicant_side_signs(agreements, people):
    first, second = agreements
    before = audit_count()
    for outsider in ("other", "member", "organizer"):
        with pytest.raises(Refusal) as err:
            svc.sign_as_applicant(first.id, people[outsider])
        assert err.value.status == 404
    svc.sign_as_applicant(second.id, people["colleague"])
    assert _entries_since(before) == [("agreement.sign", "agreement", second.id, "applicant")]
    assert second.applicant_signer_id == people["colleague"].id


def test_only_organizers_countersign(agreements, people):
    first = agreements[0]
    svc.sign_as_applicant(first.id, people["resident"])
    before = audit_count()
    for role in ("admin", "resident"):
        with pytest.raises(Refusal) as err:
            svc.countersign(first.id, people[role])
        assert err.value.status == 403
    assert audit_count() == before


def test_reading_an_agreement(agreements, people):
    first, second = agreements
    assert svc.get_agreement(first.id, people["resident"]) is first
    assert svc.get_agreement(second.id, people["colleague"]) is second
    assert svc.get_agreement(first.id, people["admin"]) is first
    with pytest.raises(Refusal):
        svc.get_agreement(first.id, people["other"])
    assert svc.agreements_of_user(people["colleague"]) == [second]
    assert svc.agreements_of_user(people["other"]) == []


def test_context_has_amount_in_capitals_and_tranches(agreements):
    context = svc.agreement_context(agreements[0])
    assert context["amount_text"] == "¥12,000.00"
    assert context["amount_capitals"] == "壹万贰仟元整"
    assert sum(t.amount_fen for t in context["tranches"]) == 1_200_000
    assert context["applicant_signature"] is None


def test_two_rounds_with_the_same_number_never_share_an_agreement_number(agreements, people):
    twin = make_round("notice", pool_fen=3_000_000)
    proposal = make_proposal(twin, people["resident"], status="scored", title="四点半课堂")
    award_svc.propose_awards(
        twin.id, [Candidate(proposal.id, 1, proposal.title, Decimal("90"), 800_000)],
        people["organizer"])
    notice = notice_svc.publish_notice(twin.id, people["organizer"], today=date(2026, 7, 6))
    notice_svc.confirm_notice(notice.id, people["organizer"], today=date(2026, 7, 13))
    assert [a.number for a in svc.agreements_of_round(twin.id)] == ["JN-2026-07-003"]


def test_agreements_are_drawn_awaiting_the_applicant(agreements):
    assert {a.status for a in agreements} == {"awaiting_signature"}
    drawn = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "agreement.draw"))
    assert [(e.object_id, e.actor_role) for e in drawn] == [
        (agreements[0].id, "organizer"), (agreements[1].id, "organizer")]


def test_countersignature_stores_the_tranches_and_audits_their_digest(agreements, people):
    first = agreements[0]
    assert first.award.tranches == []
    svc.sign_as_applicant(first.id, people["resident"])
    svc.countersign(first.id, people["organizer"])
    rows = db.session.scalars(
        select(Tranche).where(Tranche.award_id == first.award_id).order_by(Tranche.sequence)
    ).all()
    assert [(t.sequence, t.share_bp, t.amount_fen, t.gate, t.status) for t in rows] == [
        (1, 5000, 600_000, "agreement_signed", "due"),
        (2, 4000, 480_000, "midterm_passed", "pending"),
        (3, 1000, 120_000, "final_passed", "pending"),
    ]
    assert sum(t.amount_fen for t in rows) == first.award.amount_fen
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "agreement.countersign"))
    payload = json.loads(entry.payload)
    facts = [row_facts(t, TRANCHE_FIELDS) for t in rows]
    assert payload["tranches"] == facts and payload["tranches_sha256"] == frozen_digest(facts)


def test_the_agreement_prints_the_stored_tranches_once_countersigned(agreements, people):
    first = agreements[0]
    planned = svc.agreement_context(first)["tranches"]
    svc.sign_as_applicant(first.id, people["resident"])
    svc.countersign(first.id, people["organizer"])
    assert svc.agreement_context(first)["tranches"] == planned
    rows = first.award.tranches
    rows[0].amount_fen, rows[1].amount_fen = 500_000, 580_000
    db.session.commit()
    printed = svc.agreement_context(first)["tranches"]
    assert [t.amount_fen for t in printed] == [500_000, 580_000, 120_000]
    assert [t.sequence for t in printed] == [1, 2, 3]


def test_a_refused_countersignature_stores_nothing(agreements, people):
    first = agreements[0]
    svc.sign_as_applicant(first.id, people["resident"])
    with pytest.raises(Refusal):
        svc.countersign(first.id, people["admin"])
    assert db.session.scalars(select(Tranche)).all() == []
    assert first.status == "signed_by_applicant" and first.award.status == "confirmed"


def test_the_agreement_lists_the_approved_budget(agreements):
    budget = svc.agreement_context(agreements[0])["budget"]
    assert budget == [{"item": "食材", "category": "物资费", "unit_price_fen": 1_000_000,
                       "quantity": 1, "subtotal_fen": 1_000_000}]
