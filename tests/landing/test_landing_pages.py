"""What needs me: each role lands on its own page after login, with counts that link to the
lists they count."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest

from grants.domain.tranches import GATES
from grants.extensions import db
from grants.models.awards import Agreement, Award, Notice, Objection, Tranche
from grants.models.base import utcnow
from grants.models.judging import Assignment, Conflict, JudgingSettings, PanelMember
from grants.services import judging, landing
from tests.factories import make_proposal, make_round
from tests.helpers import create_user

COUNT = re.compile(r'data-queue="(\w+)" data-count="(\d+)"')


def _award(funding_round, proposal, notice, status="in_notice"):
    award = Award(round_id=funding_round.id, proposal_id=proposal.id, rank=1,
                  amount_fen=1_000_000, requested_fen=1_000_000, score=Decimal(80),
                  status=status, notice_id=notice.id)
    db.session.add(award)
    db.session.flush()
    return award


@pytest.fixture
def busy_round(app):
    """A round with 2 proposals to screen, a judge assigned despite a declared conflict, an
    objection waiting, a notice ending tomorrow and an agreement signed by its applicant."""
    funding_round = make_round("judging")
    applicant = create_user("zhang", "resident", display_name="张桂兰")
    for n in range(2):
        make_proposal(funding_round, applicant, title=f"待审{n}")
    judged = make_proposal(funding_round, applicant, status="eligible", title="评审中")
    judge = create_user("judge1", "judge")
    db.session.add_all([
        PanelMember(round_id=funding_round.id, judge_id=judge.id),
        Assignment(round_id=funding_round.id, judge_id=judge.id, proposal_id=judged.id),
        Conflict(judge_id=judge.id, proposal_id=judged.id, reason="亲属", source="declared"),
    ])
    today = date.today()
    notice = Notice(round_id=funding_round.id, starts_on=today - timedelta(days=4),
                    ends_on=today + timedelta(days=1), status="open")
    db.session.add(notice)
    db.session.flush()
    noticed = _award(funding_round, make_proposal(funding_round, applicant, status="scored",
                                                  title="公示中"), notice)
    db.session.add(Objection(award_id=noticed.id, text="有异议", token="t" * 32, name="王先生",
                             phone="13951234567"))
    signed = _award(funding_round, make_proposal(funding_round, applicant, status="awarded",
                                                 title="已签署"), notice, status="confirmed")
    db.session.add(Agreement(award_id=signed.id, number="JN-2026-07-001",
                             status="signed_by_applicant"))
    db.session.commit()
    return funding_round


def test_the_organizer_counts_every_queue_by_sql(busy_round):
    counts = {c.key: (c.count, c.round_id) for c in landing.organizer_counts()}
    rid = busy_round.id
    assert counts == {"to_screen": (2, rid), "conflicts": (1, rid), "objections": (1, rid),
                      "notices_ending": (1, rid), "to_countersign": (1, rid)}


def test_the_organizer_lands_on_counts_linking_to_the_filtered_lists(busy_round, client, auth):
    create_user("wangmin", "organizer")
    response = auth.login("wangmin")
    assert response.headers["Location"] == "/me/"
    page = client.get("/me/").get_data(as_text=True)
    assert dict(COUNT.findall(page)) == {"to_screen": "2", "conflicts": "1", "objections": "1",
                                         "notices_ending": "1", "to_countersign": "1"}
    rid = busy_round.id
    assert f'href="/screening/?round_id={rid}&amp;status=submitted"' in page
    assert f'href="/judging/rounds/{rid}"' in page and f'href="/awards/rounds/{rid}"' in page


def test_a_resident_sees_proposals_with_next_step_and_days_left(app, client, auth):
    funding_round = make_round("submission")
    resident = create_user("zhang", "resident")
    make_proposal(funding_round, resident, status="draft", title="银龄食堂")
    auth.login("zhang")
    page = client.get("/me/").get_data(as_text=True)
    days = (funding_round.submit_close.date() - date.today()).days
    assert "银龄食堂" in page and "完善并提交申报" in page
    assert f"{days} 天后截止" in page or "今天截止" in page


def test_a_judge_lands_on_the_judge_dashboard(app, auth):
    create_user("judge1", "judge")
    assert auth.login("judge1").headers["Location"] == "/judging/"


@pytest.mark.parametrize(("username", "role", "section"), [
    ("caiwu", "finance", "财务待办"),
    ("sunhua", "auditor", "最近的审计记录"),
])
def test_finance_and_auditors_land_on_their_queues(app, client, auth, username, role, section):
    create_user(username, role)
    assert auth.login(username).headers["Location"] == "/me/"
    page = client.get("/me/").get_data(as_text=True)
    assert section in page
    if role == "auditor":
        assert 'href="/audit/verify"' in page


def test_an_applicant_sees_results_agreements_to_sign_money_and_open_votes(app, client, auth):
    funding_round = make_round("judging")
    applicant = create_user("zhang", "resident")
    proposal = make_proposal(funding_round, applicant, status="awarded", title="楼道微花园")
    now = utcnow()
    db.session.add(JudgingSettings(
        round_id=funding_round.id, **{**judging.SETTINGS_DEFAULTS, "results_published": True,
                                      "vote_weight_pct": 20, "vote_open": now - timedelta(days=1),
                                      "vote_close": min(now + timedelta(days=1),
                                                        funding_round.judging_close)}))
    notice = Notice(round_id=funding_round.id, starts_on=date.today() - timedelta(days=9),
                    ends_on=date.today() - timedelta(days=2), status="closed")
    db.session.add(notice)
    db.session.flush()
    award = _award(funding_round, proposal, notice, status="confirmed")
    db.session.add_all([
        Agreement(award_id=award.id, number="JN-2026-07-002", status="awaiting_signature"),
        Tranche(award_id=award.id, sequence=1, share_bp=5000, amount_fen=500_000,
                gate=GATES[0], status="paid"),
        Tranche(award_id=award.id, sequence=2, share_bp=5000, amount_fen=500_000,
                gate=GATES[-1], status="due"),
    ])
    db.session.commit()
    auth.login("zhang")
    page = client.get("/me/").get_data(as_text=True)
    assert "评审结果" in page and f'href="/judging/results/{proposal.id}"' in page
    assert "待签署的资助协议" in page and "JN-2026-07-002 · 楼道微花园" in page
    assert "已拨付 1 批，待拨付 1 批" in page
    assert "正在进行的居民投票" in page and "已投 0 /" in page
