"""The demo's follow-up: round 6's lists, a closed 2025Q3 sample whose league table and PDF
通报 are public (its last provider 证据不足), a 2025Q4 sample still being called; made through
the services, so the chain verifies, and seeding again adds nothing."""

from __future__ import annotations

from sqlalchemy import select

from grants.demo import DEMO_PASSWORD
from grants.demo import followup as demo
from grants.extensions import db
from grants.models import FundingRound
from grants.models.followup import Beneficiary, BeneficiaryList, FollowUpSample
from grants.services import audit, followup
from tests.helpers import audit_count, login_as


def _samples():
    round6 = db.session.scalar(select(FundingRound).where(FundingRound.round_no == 6))
    return {s.quarter: s for s in db.session.scalars(
        select(FollowUpSample).where(FollowUpSample.round_id == round6.id))}


def test_round_6_has_lists_a_closed_quarter_and_one_being_called(demo_app):
    samples = _samples()
    assert {q: s.status for q, s in samples.items()} == {"2025Q3": "closed", "2025Q4": "calling"}
    assert db.session.query(BeneficiaryList).count() == 4
    phones = list(db.session.scalars(select(Beneficiary.phone)))
    assert len(phones) == 130 and all(p.startswith("1380000") and len(p) == 11 for p in phones)
    assert all(followup.verify(s).ok for s in samples.values())
    assert audit.verify_database().ok


def test_the_demo_quarter_ranks_four_providers_and_names_nobody_on_thin_evidence(demo_app):
    view = followup.league_view(None, _samples()["2025Q3"].id)
    standings = view.league.standings
    assert len(standings) == 4 and [s.medal for s in standings] == [True, True, True, False]
    last = standings[-1]
    assert last.insufficient and last.needed and last.needed > last.satisfaction.n
    assert not view.provisional


def test_seeding_the_follow_up_again_adds_nothing(demo_app):
    before = audit_count()
    lines = list(demo.seed())
    assert "+0 lists, +0 call attempts" in lines[-1]
    assert audit_count() == before


def test_the_public_league_page_and_its_pdf_and_the_callers_list(demo_app):
    client = demo_app.test_client()
    sample_id = _samples()["2025Q3"].id
    page = client.get(f"/followup/league/{sample_id}").get_data(as_text=True)
    assert "证据不足" in page and "流动奖牌" in page and "1380000" not in page
    pdf = client.get(f"/followup/league/{sample_id}.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    assert client.get(f"/followup/league/{_samples()['2025Q4'].id}").status_code == 404
    login_as(client, "caller1", DEMO_PASSWORD)
    calls = client.get("/followup/calls").get_data(as_text=True)
    assert "13800001" in calls and "tel:1380000" in calls


def test_the_grantee_finds_its_list_from_its_agreement(demo_app):
    from grants.models import User
    from grants.models.awards import Agreement, Award
    from grants.models.proposals import Proposal

    org1 = db.session.scalar(select(User).where(User.username == "org1"))
    award = db.session.scalar(select(Award).join(Proposal, Award.proposal_id == Proposal.id)
                              .where(Proposal.applicant_id == org1.id,
                                     Award.round_id == _samples()["2025Q3"].round_id))
    agreement = db.session.scalar(select(Agreement).where(Agreement.award_id == award.id))
    client = demo_app.test_client()
    login_as(client, "org1", DEMO_PASSWORD)
    page = client.get(f"/awards/agreements/{agreement.id}").get_data(as_text=True)
    assert f"/followup/awards/{award.id}/list" in page
    assert client.get(f"/followup/awards/{award.id}/list").status_code == 200
