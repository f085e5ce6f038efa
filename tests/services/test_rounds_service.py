"""Round service: calendar and rules read from a stored round, creating and editing rounds."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from grants.domain.band import Band
from grants.domain.budget import CategoryCap
from grants.domain.errors import Refusal
from grants.domain.phases import RoundPhases, local_datetime
from grants.extensions import db
from grants.models import FundingRound
from grants.models.rounds import DEFAULT_CATEGORIES
from grants.services import rounds
from tests.factories import make_proposal, make_round
from tests.helpers import audit_count, create_user


def test_phases_of_gives_aware_utc_datetimes(app):
    funding_round = make_round("submission")
    phases = rounds.phases_of(funding_round)
    assert phases.submit_open.tzinfo is UTC
    assert phases.submit_open.replace(tzinfo=None) == funding_round.submit_open
    assert phases.implementation_start == funding_round.implementation_start


def test_rules_of_reads_band_tiers_caps_and_categories(app):
    funding_round = make_round(
        band_min_fen=600_000,
        band_max_fen=1_200_000,
        tiers=[600_000, 1_200_000],
        caps=[{"cost_category": "personnel", "max_pct": 30}],
        categories=["助老", "环保"],
    )
    rules = rounds.rules_of(funding_round)
    assert rules.band == Band(600_000, 1_200_000)
    assert rules.tiers == (600_000, 1_200_000)
    assert rules.caps == (CategoryCap("personnel", 30),)
    assert rules.categories == ("助老", "环保")


def test_check_phase_names_the_deadline(app):
    funding_round = make_round("judging")
    message = rounds.check_phase(funding_round, "submit")
    assert message.startswith("本轮申报已于") and "截止" in message
    assert rounds.check_phase(funding_round, "score") is None
    early = datetime.now(UTC) - timedelta(days=365)
    assert "开始" in rounds.check_phase(funding_round, "score", now=early)
    assert rounds.current_phase(funding_round) == "judging"


def _data(**overrides) -> rounds.RoundData:
    phases = RoundPhases(
        needs_open=local_datetime(2027, 3, 1, 9),
        needs_close=local_datetime(2027, 3, 20, 18),
        submit_open=local_datetime(2027, 3, 21, 9),
        submit_close=local_datetime(2027, 4, 10, 18),
        return_deadline=local_datetime(2027, 4, 15, 18),
        screening_close=local_datetime(2027, 4, 20, 18),
        judging_open=local_datetime(2027, 4, 21, 9),
        judging_close=local_datetime(2027, 4, 30, 18),
        notice_days=5,
        implementation_start=date(2027, 5, 10),
        implementation_end=date(2027, 11, 30),
    )
    fields = dict(
        name="第九届",
        district="江宁区",
        street="东山街道",
        description="",
        pool_fen=10_000_000,
        band_min_fen=500_000,
        band_max_fen=1_500_000,
        phases=phases,
    )
    fields.update(overrides)
    return rounds.RoundData(**fields)


def test_create_round_stores_naive_utc_and_audits(app):
    organizer = create_user("boss", "organizer")
    before = audit_count()
    created = rounds.create_round(_data(caps=(CategoryCap("personnel", 30),)), actor=organizer)
    assert created.needs_open == datetime(2027, 3, 1, 1, 0)
    assert created.caps == [{"cost_category": "personnel", "max_pct": 30}]
    assert list(created.categories) == list(DEFAULT_CATEGORIES)
    assert audit_count() == before + 1


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"band_max_fen": 1_500_001}, "不能高于平台上限 ¥15,000.00"),
        ({"band_min_fen": 499_999}, "不能低于平台下限 ¥5,000.00"),
        ({"band_min_fen": 1_000_000, "band_max_fen": 900_000}, "不能高于本轮上限"),
        ({"pool_fen": 0}, "不足以资助一个项目"),
        ({"pool_fen": 10**12}, "过大"),
        ({"name": " "}, "请填写赛事名称"),
        ({"categories": ("助老", "x" * 21)}, "最多 20 个字"),
        ({"caps": (CategoryCap("bribes", 10),)}, "未知费用类别"),
        ({"tiers": (500_000, 500_000)}, "重复"),
    ],
)
def test_create_round_refusals_write_nothing(app, overrides, message):
    organizer = create_user("boss", "organizer")
    before = audit_count()
    with pytest.raises(Refusal, match=message):
        rounds.create_round(_data(**overrides), actor=organizer)
    assert audit_count() == before and rounds.list_rounds() == []


def test_update_round_records_before_and_after(app):
    organizer = create_user("boss", "organizer")
    created = rounds.create_round(_data(), actor=organizer)
    changes = rounds.update_round(
        created, _data(pool_fen=12_000_000, name="第九届（修订）"), actor=organizer
    )
    assert changes == {"pool_fen": [10_000_000, 12_000_000], "name": ["第九届", "第九届（修订）"]}
    assert (
        rounds.update_round(
            created, _data(pool_fen=12_000_000, name="第九届（修订）"), actor=organizer
        )
        == {}
    )


def test_counts_skip_merged_needs_and_drafts(app):
    funding_round = make_round("needs")
    applicant = create_user("team", "resident")
    make_proposal(funding_round, applicant, status="draft")
    make_proposal(funding_round, applicant, status="submitted")
    assert rounds.counts_of(funding_round) == {"needs": 0, "proposals": 1}


def test_demo_seed_builds_rounds_seven_and_eight_once(app):
    from grants import demo
    from grants.demo import rounds as demo_rounds
    from grants.models import Need, NeedSupport

    for step in (demo.seed_communities, demo.seed_staff, demo.seed_residents):
        step()
    assert list(demo_rounds.seed()) == ["rounds: +2", "needs: +116"]
    seventh = db.session.scalar(select(FundingRound).where(FundingRound.round_no == 7))
    eighth = db.session.scalar(select(FundingRound).where(FundingRound.round_no == 8))
    assert rounds.current_phase(seventh) == "judging"
    assert rounds.check_phase(seventh, "score") is None
    assert rounds.check_phase(eighth, "post_need") is None
    assert seventh.pool_fen == 10_000_000 and seventh.district_code == "JN"
    assert rounds.caps_of(seventh) == (CategoryCap("personnel", 30),)
    assert db.session.scalar(select(func.count(Need.id)).where(Need.round_id == seventh.id)) == 104
    rows = db.session.scalar(select(func.count(NeedSupport.id)))
    assert db.session.scalar(select(func.sum(Need.support_count))) == rows > 300
    before = audit_count()
    assert list(demo_rounds.seed()) == ["rounds: +0", "needs: +0"]
    assert audit_count() == before


def test_rules_freeze_once_a_proposal_is_submitted(app):
    organizer = create_user("boss", "organizer")
    created = rounds.create_round(_data(), actor=organizer)
    make_proposal(created, create_user("team", "resident"), status="submitted")
    before = audit_count()
    with pytest.raises(Refusal, match="已有项目提交申报"):
        rounds.update_round(created, _data(band_max_fen=1_200_000), actor=organizer)
    assert audit_count() == before
    assert rounds.update_round(created, _data(pool_fen=20_000_000), actor=organizer)


def _last_entry():
    from grants.models import AuditEntry

    return db.session.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc())).first()


def test_an_admin_who_also_organises_is_audited_as_organizer(app):
    both = create_user("both", "admin", "organizer", "finance", "auditor")
    created = rounds.create_round(_data(), actor=both)
    entry = _last_entry()
    assert (entry.action, entry.actor_role) == ("round.create", "organizer")
    rounds.update_round(created, _data(pool_fen=12_000_000), actor=both)
    assert (_last_entry().action, _last_entry().actor_role) == ("round.update", "organizer")
    admin = create_user("admin", "admin", "auditor")
    rounds.update_round(created, _data(pool_fen=13_000_000), actor=admin)
    assert _last_entry().actor_role == "admin"


@pytest.mark.parametrize("role", ["finance", "auditor", "judge", "resident"])
def test_only_organisers_create_or_edit_rounds(app, role):
    outsider = create_user("outsider", role)
    created = rounds.create_round(_data(), actor=create_user("boss", "organizer"))
    before = audit_count()
    with pytest.raises(Refusal) as refused:
        rounds.create_round(_data(), actor=outsider)
    assert refused.value.status == 403
    with pytest.raises(Refusal) as refused:
        rounds.update_round(created, _data(pool_fen=12_000_000), actor=outsider)
    assert refused.value.status == 403
    assert audit_count() == before and len(rounds.list_rounds()) == 1
