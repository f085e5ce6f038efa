"""Awards within the pool through the service: solver outcomes, settings, adjustments,
exclusions, the pool check on round edits, the audit entries each writes (with the role that
authorised it), and refusals that change nothing."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from grants.domain.awards import Candidate
from grants.domain.errors import Refusal
from grants.extensions import db
from grants.models import AuditEntry
from grants.models.awards import Award
from grants.services import awards as svc
from grants.services import rounds
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


def _entries(since: int) -> list[AuditEntry]:
    """The audit entries written after the first ``since`` ones, in order."""
    query = select(AuditEntry).where(AuditEntry.seq > since).order_by(AuditEntry.seq)
    return list(db.session.scalars(query))


def _actions(since: int) -> list[str]:
    return [entry.action for entry in _entries(since)]


def test_pool_filled_exactly(app, organizer, applicant):
    r = make_round("notice", pool_fen=3_000_000)
    cands = _candidates(r, applicant, [(1_000_000, "90"), (1_000_000, "85"), (1_000_000, "80")])
    before = audit_count()
    awards = svc.propose_awards(r.id, cands, organizer)
    assert [a.amount_fen for a in awards] == [1_000_000] * 3
    assert svc.pool_summary(r).remaining_fen == 0
    entries = _entries(before)
    assert [e.action for e in entries] == ["award.propose"] * 3 + ["round.solve_awards"]
    assert [e.object_id for e in entries[:3]] == [a.id for a in awards]
    assert {e.actor_role for e in entries} == {"organizer"}
    assert '"from":null' in entries[0].payload and '"to":"proposed"' in entries[0].payload
    assert "剩余资金 ¥0.00" in entries[-1].payload


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
    with pytest.raises(Refusal) as err:
        svc.save_settings(r.id, text, False, organizer)
    assert err.value.status == 422 and audit_count() == before


def test_settings_are_an_audited_round_event(app, organizer):
    r = make_round("notice")
    before = audit_count()
    svc.save_settings(r.id, "72.5", True, organizer)
    (entry,) = _entries(before)
    assert (entry.action, entry.object_type, entry.object_id) == (
        "round.save_award_settings", "funding_round", r.id)
    assert entry.actor_role == "organizer" and '"min_score":"72.5"' in entry.payload


def test_propose_refused_while_judging_runs(app, organizer, applicant):
    r = make_round("judging")
    cands = _candidates(r, applicant, [(1_000_000, "90")])
    before = audit_count()
    with pytest.raises(Refusal, match="评审尚未结束"):
        svc.propose_awards(r.id, cands, organizer)
    assert audit_count() == before and _amounts(r.id) == []


def test_repropose_replaces_proposed_awards(app, organizer, applicant):
    r = make_round("notice", pool_fen=3_000_000)
    cands = _candidates(r, applicant, [(1_000_000, "90"), (1_500_000, "85")])
    first = svc.propose_awards(r.id, cands, organizer)
    svc.adjust_award(first[0].id, 1_500_000, "预算核减后调整", organizer)
    before = audit_count()
    second = svc.propose_awards(r.id, cands, organizer)
    assert _amounts(r.id) == [(1, 1_000_000), (2, 1_500_000)]
    entries = _entries(before)
    assert [e.action for e in entries] == ["award.discard"] * 2 + ["award.propose"] * 2 + [
        "round.solve_awards"]
    assert [e.object_id for e in entries[:2]] == [a.id for a in first]
    assert [e.object_id for e in entries[2:4]] == [a.id for a in second]
    assert '"to":"discarded"' in entries[0].payload and '"cause":"round.solve_awards"' in (
        entries[0].payload)
    assert {a.status for a in svc.awards_of_round(r.id)} == {"proposed"}


def test_adjust_within_band_and_pool(app, organizer, applicant):
    r = make_round("notice", pool_fen=2_500_000)
    cands = _candidates(r, applicant, [(1_000_000, "90"), (1_000_000, "85")])
    a1, _a2 = svc.propose_awards(r.id, cands, organizer)
    before = audit_count()
    svc.adjust_award(a1.id, 1_500_000, "按评审意见增加宣传费用", organizer)
    assert db.session.get(Award, a1.id).amount_fen == 1_500_000
    (entry,) = _entries(before)
    assert (entry.action, entry.object_id, entry.actor_role) == ("award.adjust", a1.id, "organizer")
    assert '"reason":"按评审意见增加宣传费用"' in entry.payload
    assert '"from_fen":1000000' in entry.payload and '"to_fen":1500000' in entry.payload
    with pytest.raises(Refusal, match="调整后立项总额 ¥25,000.01 超过资金池 ¥25,000.00"):
        svc.adjust_award(a1.id, 1_500_001, "再增加", organizer)
    with pytest.raises(Refusal, match="低于本轮下限"):
        svc.adjust_award(a1.id, 499_999, "减少", organizer)
    with pytest.raises(Refusal, match="请填写“调整金额”的理由") as err:
        svc.adjust_award(a1.id, 1_200_000, "   ", organizer)
    assert err.value.status == 422
    assert audit_count() == before + 1
    assert db.session.get(Award, a1.id).amount_fen == 1_500_000


def test_exclude_removes_the_award_and_is_remembered(app, organizer, applicant):
    r = make_round("notice", pool_fen=2_000_000)
    cands = _candidates(r, applicant, [(1_000_000, "90"), (1_000_000, "85"), (1_000_000, "80")])
    svc.propose_awards(r.id, cands, organizer)
    removed = svc.awards_of_round(r.id)[0].id
    before = audit_count()
    exclusion = svc.exclude_proposal(r.id, cands[0].proposal_id, "申报材料与实际不符", organizer)
    assert _amounts(r.id) == [(2, 1_000_000)]
    discard, created = _entries(before)
    assert (discard.action, discard.object_id, discard.actor_role) == (
        "award.discard", removed, "organizer")
    assert (created.action, created.object_type, created.object_id, created.actor_role) == (
        "exclusion.create", "award_exclusion", exclusion.id, "organizer")
    assert f'"award_id":{removed}' in created.payload
    with pytest.raises(Refusal, match="已被排除"):
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
    with pytest.raises(Refusal, match="理由"):
        svc.exclude_proposal(r.id, p.id, "", organizer)
    with pytest.raises(Refusal) as err:
        svc.exclude_proposal(r.id, p.id, "理由", organizer)
    assert err.value.status == 404 and audit_count() == before
    for missing in (10**12, 0):
        with pytest.raises(Refusal) as err:
            svc.exclude_proposal(r.id, missing, "理由", organizer)
        assert err.value.status == 404
    assert audit_count() == before


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


def _published(r, applicant, organizer, specs):
    """Propose awards for ``specs`` and move them into a notice (as publishing does)."""
    awards = svc.propose_awards(r.id, _candidates(r, applicant, specs), organizer)
    for award in awards:
        award.status = "in_notice"
    db.session.commit()
    return awards


def test_published_awards_are_neither_adjusted_nor_excluded(app, organizer, applicant):
    r = make_round("notice", pool_fen=3_000_000)
    (award,) = _published(r, applicant, organizer, [(1_000_000, "90")])
    before = audit_count()
    with pytest.raises(Refusal, match="当前状态“公示中”不能执行“调整金额”") as err:
        svc.adjust_award(award.id, 1_200_000, "增加", organizer)
    assert err.value.status == 409
    with pytest.raises(Refusal, match="当前状态“公示中”不能执行") as err:
        svc.exclude_proposal(r.id, award.proposal_id, "材料不实", organizer)
    assert err.value.status == 409 and audit_count() == before
    assert db.session.get(Award, award.id).amount_fen == 1_000_000


def test_only_organizers_change_awards(app, organizer, applicant, make_user):
    r = make_round("notice", pool_fen=3_000_000)
    cands = _candidates(r, applicant, [(1_000_000, "90")])
    (award,) = svc.propose_awards(r.id, cands, organizer)
    auditor = make_user("shenji", "auditor", "finance")
    before = audit_count()
    calls = [
        lambda: svc.save_settings(r.id, "70", False, auditor),
        lambda: svc.propose_awards(r.id, cands, auditor),
        lambda: svc.adjust_award(award.id, 1_200_000, "增加", auditor),
        lambda: svc.exclude_proposal(r.id, award.proposal_id, "理由", auditor),
    ]
    for call in calls:
        with pytest.raises(Refusal) as err:
            call()
        assert err.value.status == 403
    assert audit_count() == before and _amounts(r.id) == [(1, 1_000_000)]


def test_an_admin_who_also_organizes_is_recorded_as_organizer(app, applicant, make_user):
    both = make_user("liuzhuren", "admin", "organizer")
    admin = make_user("root", "admin")
    r = make_round("notice", pool_fen=3_000_000)
    before = audit_count()
    (award,) = svc.propose_awards(r.id, _candidates(r, applicant, [(1_000_000, "90")]), both)
    svc.adjust_award(award.id, 1_100_000, "核增", admin)
    assert [(e.action, e.actor_role) for e in _entries(before)] == [
        ("award.propose", "organizer"), ("round.solve_awards", "organizer"),
        ("award.adjust", "admin")]


def test_adjusting_an_award_a_solver_run_replaced_is_a_clear_404(app, organizer, applicant):
    r = make_round("notice", pool_fen=3_000_000)
    cands = _candidates(r, applicant, [(1_000_000, "90"), (1_000_000, "70")])
    _kept, gone = svc.propose_awards(r.id, cands, organizer)
    svc.save_settings(r.id, "80", False, organizer)
    assert len(svc.propose_awards(r.id, cands, organizer)) == 1
    before = audit_count()
    for award_id in (gone.id, 2**31, 10**30, -1):
        with pytest.raises(Refusal, match="拟立项名单可能已重新生成") as err:
            svc.adjust_award(award_id, 1_200_000, "增加", organizer)
        assert err.value.status == 404
    assert audit_count() == before


def round_edit(funding_round, **changes) -> rounds.RoundData:
    """The round's stored values as the round form would send them, with ``changes``."""
    values = dict(
        name=funding_round.name, district=funding_round.district, street=funding_round.street,
        description=funding_round.description or "", pool_fen=funding_round.pool_fen,
        band_min_fen=funding_round.band_min_fen, band_max_fen=funding_round.band_max_fen,
        phases=rounds.phases_of(funding_round), round_no=funding_round.round_no,
        district_code=funding_round.district_code, tiers=tuple(funding_round.tiers or ()),
        categories=tuple(funding_round.categories or ()), caps=rounds.caps_of(funding_round),
    )
    values.update(changes)
    return rounds.RoundData(**values)


def test_round_edit_cannot_cut_the_pool_below_its_live_awards(app, organizer, applicant):
    r = make_round("notice", pool_fen=8_000_000)
    specs = [(1_500_000, "95"), (1_500_000, "90"), (1_500_000, "85"), (1_500_000, "80"),
             (1_050_000, "75")]
    _published(r, applicant, organizer, specs)
    assert svc.pool_summary(r).committed_fen == 7_050_000
    before = audit_count()
    with pytest.raises(Refusal) as err:
        rounds.update_round(r, round_edit(r, pool_fen=500_000), organizer)
    message = "立项总额 ¥70,500.00 超过资金池 ¥5,000.00（超出 ¥65,500.00）"
    assert str(err.value) == message and err.value.status == 422
    assert [(p.field, p.message) for p in err.value.problems] == [("pool", message)]
    db.session.expire_all()
    assert db.session.get(type(r), r.id).pool_fen == 8_000_000 and audit_count() == before


def test_round_edit_may_cut_the_pool_down_to_its_live_awards(app, organizer, applicant):
    r = make_round("notice", pool_fen=3_000_000)
    awards = _published(r, applicant, organizer, [(1_000_000, "90"), (1_000_000, "80")])
    awards[1].status = "revoked"
    db.session.commit()
    rounds.update_round(r, round_edit(r, pool_fen=1_000_000), organizer)
    db.session.expire_all()
    assert db.session.get(type(r), r.id).pool_fen == 1_000_000
    assert svc.pool_summary(r).remaining_fen == 0


def test_overview_sums_live_awards_per_round(app, organizer, applicant):
    first = make_round("notice", pool_fen=3_000_000)
    second = make_round("notice", pool_fen=2_000_000)
    awards = _published(first, applicant, organizer, [(1_000_000, "90"), (1_200_000, "80")])
    awards[0].status = "revoked"
    db.session.commit()
    overview = {r.id: (summary, count) for r, summary, count in svc.rounds_overview()}
    assert overview[first.id] == (svc.PoolSummary(3_000_000, 1_200_000), 1)
    assert overview[second.id] == (svc.PoolSummary(2_000_000, 0), 0)
