"""Awards within the pool through the service: solver outcomes, settings, adjustments,
exclusions, and refusals that change nothing."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from grants.domain.awards import Candidate
from grants.extensions import db
from grants.models import AuditEntry
from grants.models.awards import Award
from grants.services import awards as svc
from tests.factories import make_proposal, make_round
from tests.helpers import audit_count


@pytest.fixture
def organizer(make_user):
    return make_user("wangmin", "organizer")


@pytest.fixture
def applicant(make_user):
    return make_user("zhangguilan", "resident")


def _candidates(funding_round, applicant, specs):
    """Proposals with (amount_fen, score) in rank order, as solver candidates."""
    out = []
    for rank, (amount, score) in enumerate(specs, start=1):
        p = make_proposal(
            funding_round, applicant, status="scored", amount_fen=amount, title=f"项目{rank}"
        )
        out.append(Candidate(p.id, rank, p.title, Decimal(score), amount))
    return out


def _amounts(round_id):
    return [(a.rank, a.amount_fen) for a in svc.awards_of_round(round_id)]


def test_pool_filled_exactly(app, organizer, applicant):
    r = make_round("notice", pool_fen=3_000_000)
    cands = _candidates(r, applicant, [(1_000_000, "90"), (1_000_000, "85"), (1_000_000, "80")])
    before = audit_count()
    awards = svc.propose_awards(r.id, cands, organizer)
    assert [a.amount_fen for a in awards] == [1_000_000] * 3
    assert svc.pool_summary(r).remaining_fen == 0
    assert audit_count() == before + 1
    entry = db.session.scalar(select(AuditEntry).order_by(AuditEntry.seq.desc()))
    assert entry.action == "award.proposed" and "剩余资金 ¥0.00" in entry.payload


def test_skip_to_the_next_that_fits(app, organizer, applicant):
    r = make_round("notice", pool_fen=2_000_000)
    cands = _candidates(r, applicant, [(1_200_000, "90"), (1_000_000, "85"), (800_000, "80")])
    svc.propose_awards(r.id, cands, organizer)
    assert _amounts(r.id) == [(1, 1_200_000), (3, 800_000)]
    sentences = [d["sentence"] for d in svc.settings_of(r.id).decisions]
    assert sentences[1] == "第2名 申请 ¥10,000.00，超出剩余资金 ¥8,000.00，跳过"
    assert [d["outcome"] for d in svc.settings_of(r.id).decisions] == ["award", "skip", "award"]


def test_partial_award_of_the_remainder(app, organizer, applicant):
    r = make_round("notice", pool_fen=2_000_000)
    svc.save_settings(r.id, "60", True, organizer)
    cands = _candidates(r, applicant, [(1_200_000, "90"), (1_000_000, "85"), (800_000, "80")])
    svc.propose_awards(r.id, cands, organizer)
    assert _amounts(r.id) == [(1, 1_200_000), (2, 800_000)]
    decisions = svc.settings_of(r.id).decisions
    assert decisions[1]["outcome"] == "partial" and "部分资助 ¥8,000.00" in decisions[1]["sentence"]
    assert decisions[2]["outcome"] == "pool_exhausted"


def test_minimum_score_threshold(app, organizer, applicant):
    r = make_round("notice", pool_fen=5_000_000)
    svc.save_settings(r.id, "70.5", False, organizer)
    cands = _candidates(r, applicant, [(1_000_000, "88.00"), (1_000_000, "70.49")])
    svc.propose_awards(r.id, cands, organizer)
    assert _amounts(r.id) == [(1, 1_000_000)]
    assert "低于立项分数线 70.50" in svc.settings_of(r.id).decisions[1]["sentence"]


@pytest.mark.parametrize("text", ["abc", "101", "-1", "60.123", "NaN"])
def test_bad_minimum_score_is_refused(app, organizer, text):
    r = make_round("notice")
    before = audit_count()
    with pytest.raises(svc.AwardError) as err:
        svc.save_settings(r.id, text, False, organizer)
    assert err.value.status == 422 and audit_count() == before


def test_propose_refused_while_judging_runs(app, organizer, applicant):
    r = make_round("judging")
    cands = _candidates(r, applicant, [(1_000_000, "90")])
    before = audit_count()
    with pytest.raises(svc.AwardError, match="评审尚未结束"):
        svc.propose_awards(r.id, cands, organizer)
    assert audit_count() == before and _amounts(r.id) == []


def test_repropose_replaces_proposed_awards(app, organizer, applicant):
    r = make_round("notice", pool_fen=3_000_000)
    cands = _candidates(r, applicant, [(1_000_000, "90"), (1_500_000, "85")])
    first = svc.propose_awards(r.id, cands, organizer)
    svc.adjust_award(first[0].id, 1_500_000, "预算核减后调整", organizer)
    svc.propose_awards(r.id, cands, organizer)
    assert _amounts(r.id) == [(1, 1_000_000), (2, 1_500_000)]


def test_adjust_within_band_and_pool(app, organizer, applicant):
    r = make_round("notice", pool_fen=2_500_000)
    cands = _candidates(r, applicant, [(1_000_000, "90"), (1_000_000, "85")])
    a1, _a2 = svc.propose_awards(r.id, cands, organizer)
    before = audit_count()
    svc.adjust_award(a1.id, 1_500_000, "按评审意见增加宣传费用", organizer)
    assert db.session.get(Award, a1.id).amount_fen == 1_500_000
    assert audit_count() == before + 1
    with pytest.raises(svc.AwardError, match="超过资金池"):
        svc.adjust_award(a1.id, 1_500_001, "再增加", organizer)
    with pytest.raises(svc.AwardError, match="低于本轮下限"):
        svc.adjust_award(a1.id, 499_999, "减少", organizer)
    with pytest.raises(svc.AwardError, match="必须填写理由"):
        svc.adjust_award(a1.id, 1_200_000, "   ", organizer)
    assert audit_count() == before + 1
    assert db.session.get(Award, a1.id).amount_fen == 1_500_000


def test_exclude_removes_the_award_and_is_remembered(app, organizer, applicant):
    r = make_round("notice", pool_fen=2_000_000)
    cands = _candidates(r, applicant, [(1_000_000, "90"), (1_000_000, "85"), (1_000_000, "80")])
    svc.propose_awards(r.id, cands, organizer)
    before = audit_count()
    svc.exclude_proposal(r.id, cands[0].proposal_id, "申报材料与实际不符", organizer)
    assert _amounts(r.id) == [(2, 1_000_000)]
    assert audit_count() == before + 1
    with pytest.raises(svc.AwardError, match="已被排除"):
        svc.exclude_proposal(r.id, cands[0].proposal_id, "再次排除", organizer)
    svc.propose_awards(r.id, cands, organizer)
    assert _amounts(r.id) == [(2, 1_000_000), (3, 1_000_000)]
    assert (
        svc.settings_of(r.id).decisions[0]["sentence"] == "第1名 已由主办方排除：申报材料与实际不符"
    )


def test_exclude_needs_a_reason_and_a_proposal_of_the_round(app, organizer, applicant):
    r = make_round("notice")
    other = make_round("notice")
    p = make_proposal(other, applicant)
    before = audit_count()
    with pytest.raises(svc.AwardError):
        svc.exclude_proposal(r.id, p.id, "", organizer)
    with pytest.raises(svc.AwardError) as err:
        svc.exclude_proposal(r.id, p.id, "理由", organizer)
    assert err.value.status == 404 and audit_count() == before


def test_candidates_from_ranking_rows_sorts_by_rank():
    class Row:
        def __init__(self, rank, pid):
            self.rank, self.proposal_id, self.title = rank, pid, f"p{pid}"
            self.final_score, self.requested_fen = Decimal("80"), 600_000

    cands = svc.candidates_from_ranking([Row(2, 7), Row(1, 9)])
    assert [(c.rank, c.proposal_id) for c in cands] == [(1, 9), (2, 7)]


def test_propose_allowed_once_the_organizer_closed_judging_early(app, organizer, applicant):
    from grants.models.base import utcnow
    from grants.models.judging import JudgingSettings

    r = make_round("judging")
    db.session.add(JudgingSettings(round_id=r.id, closed_at=utcnow()))
    db.session.commit()
    cands = _candidates(r, applicant, [(1_000_000, "90")])
    assert len(svc.propose_awards(r.id, cands, organizer)) == 1
