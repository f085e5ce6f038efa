"""Screening: the checks shown beside each proposal and all-or-nothing decisions."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from grants.domain.errors import Refusal
from grants.extensions import db
from grants.models import AuditEntry, Notification, Proposal
from grants.models.base import utcnow
from grants.services import screening
from tests.factories import make_org, make_proposal, make_round
from tests.helpers import audit_count, create_user


@pytest.fixture
def organizer(app):
    return create_user("wangmin", "organizer")


@pytest.fixture
def funding_round(app):
    return make_round("screening")


@pytest.fixture
def applicant(app):
    return create_user("zhanggl", "resident")


def _status(proposal_id: int) -> str:
    return db.session.get(Proposal, proposal_id).status


def test_checks_cover_code_ban_duplicates_and_band(applicant):
    funding_round = make_round("screening", band_min_fen=600000)
    good, banned, broken = make_org(1), make_org(2), make_org(3)
    banned.banned_until, banned.ban_reason = utcnow() + timedelta(days=30), "挪用资金"
    broken.uscc = "91320115MA1XXXXXX0"
    db.session.commit()
    a = make_proposal(funding_round, applicant, title="银龄助餐·邻里共享食堂", organisation=good)
    b = make_proposal(
        funding_round, applicant, title="银龄助餐 邻里共享食堂！", organisation=banned
    )
    c = make_proposal(funding_round, applicant, title="四点半课堂", organisation=broken)
    d = make_proposal(funding_round, applicant, title="楼道微更新·绿色楼道", amount_fen=550000)
    make_proposal(funding_round, applicant, title="银龄助餐·邻里共享食堂", status="draft")
    checks = {row.proposal.id: row.checks for row in screening.queue(funding_round.id).rows}
    assert checks[a.id].uscc_problem is None and not checks[a.id].banned
    assert [dup.proposal_id for dup in checks[a.id].duplicates] == [b.id]
    assert checks[b.id].banned and checks[b.id].ban_reason == "挪用资金"
    assert checks[c.id].uscc_problem is not None and checks[c.id].duplicates == ()
    assert checks[d.id].is_team
    assert checks[d.id].band_problem == "申请金额 ¥5,500.00 低于本轮下限 ¥6,000.00"
    assert not checks[a.id].clean and checks[c.id].duplicates == ()


def test_expired_ban_no_longer_applies(funding_round, applicant):
    org = make_org(1)
    org.banned_until, org.ban_reason = utcnow() - timedelta(days=2), "逾期未结项"
    db.session.commit()
    make_proposal(funding_round, applicant, organisation=org)
    assert not screening.queue(funding_round.id).rows[0].checks.banned


def test_one_decision_one_audit_entry_and_a_notification(organizer, funding_round, applicant):
    proposal = make_proposal(funding_round, applicant)
    before = audit_count()
    screening.decide(organizer, [proposal.id], "mark_eligible")
    assert _status(proposal.id) == "eligible"
    assert audit_count() == before + 1
    entry = db.session.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc())).first()
    assert (entry.action, entry.object_id) == ("proposal.mark_eligible", proposal.id)
    assert db.session.scalar(select(func.count(Notification.id))) == 1


@pytest.mark.parametrize("action", ["return", "mark_ineligible"])
def test_return_and_ineligible_need_a_reason(organizer, funding_round, applicant, action):
    proposal = make_proposal(funding_round, applicant)
    before = audit_count()
    with pytest.raises(Refusal, match="须填写原因") as caught:
        screening.decide(organizer, [proposal.id], action, "  ")
    assert caught.value.status == 422
    assert audit_count() == before and _status(proposal.id) == "submitted"


def test_batch_decides_each_with_its_own_entry(organizer, funding_round, applicant):
    ids = [make_proposal(funding_round, applicant, title=f"项目{i}").id for i in range(4)]
    before = audit_count()
    screening.decide(organizer, ids, "return", "请补充预算明细")
    assert {_status(pid) for pid in ids} == {"returned"}
    assert audit_count() == before + 4
    reasons = {db.session.get(Proposal, pid).decision_reason for pid in ids}
    assert reasons == {"请补充预算明细"}


def test_batch_is_all_or_nothing_and_names_the_blocker(organizer, funding_round, applicant):
    ids = [make_proposal(funding_round, applicant, title=f"项目{i}").id for i in range(3)]
    blocker = make_proposal(funding_round, applicant, title="已撤回的项目", status="withdrawn")
    before = audit_count()
    with pytest.raises(Refusal, match="已撤回的项目") as caught:
        screening.decide(organizer, ids + [blocker.id], "mark_eligible")
    assert caught.value.status == 409
    assert audit_count() == before
    assert {_status(pid) for pid in ids} == {"submitted"}


def test_only_screeners_decide(funding_round, applicant):
    proposal = make_proposal(funding_round, applicant)
    for user in (applicant, create_user("judge1", "judge"), create_user("aud", "auditor")):
        with pytest.raises(Refusal) as caught:
            screening.decide(user, [proposal.id], "mark_eligible")
        assert caught.value.status == 403
    screening.decide(create_user("root", "admin"), [proposal.id], "mark_eligible")
    assert _status(proposal.id) == "eligible"


def test_decisions_close_with_the_screening_window(organizer, applicant):
    funding_round = make_round("judging")
    proposal = make_proposal(funding_round, applicant)
    with pytest.raises(Refusal, match="资格审查已于"):
        screening.decide(organizer, [proposal.id], "mark_eligible")
    screening.decide(
        organizer,
        [proposal.id],
        "mark_eligible",
        now=funding_round.screening_close - timedelta(hours=1),
    )
    assert _status(proposal.id) == "eligible"


def test_unknown_action_and_empty_selection_are_refused(organizer, funding_round, applicant):
    proposal = make_proposal(funding_round, applicant)
    with pytest.raises(Refusal):
        screening.decide(organizer, [proposal.id], "award")
    with pytest.raises(Refusal, match="至少勾选"):
        screening.decide(organizer, [], "mark_eligible")
    with pytest.raises(Refusal) as caught:
        screening.decide(organizer, [proposal.id, 99999], "mark_eligible")
    assert caught.value.status == 404


@pytest.mark.parametrize("role", ["organizer", "admin"])
def test_a_decision_is_audited_with_the_role_that_authorised_it(funding_round, applicant, role):
    screener = create_user("screener", role)
    ids = [make_proposal(funding_round, applicant, title=f"项目{i}").id for i in range(2)]
    screening.decide(screener, ids, "return", "请补充预算明细")
    entries = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "proposal.return").order_by(AuditEntry.seq)
    ).all()
    assert [(e.object_id, e.actor_id, e.actor_role) for e in entries] == [
        (pid, screener.id, role) for pid in ids
    ]
    facts = json.loads(entries[0].payload)
    assert facts == {"from": "submitted", "to": "returned", "reason": "请补充预算明细",
                     "batch_size": 2}


def test_an_organizer_who_also_audits_is_audited_as_organizer(funding_round, applicant):
    screener = create_user("both", "auditor", "organizer")
    proposal = make_proposal(funding_round, applicant)
    screening.decide(screener, [proposal.id], "mark_eligible")
    entry = db.session.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc())).first()
    assert (entry.action, entry.actor_role) == ("proposal.mark_eligible", "organizer")
