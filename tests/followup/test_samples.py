"""The quarterly sample: the seed is on the audit chain before any call and redraws the very
numbers stored (checked here by an independent implementation of docs/sampling.md); callers,
attempts up to three, closing; every state change audited exactly once."""

from __future__ import annotations

import json
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import select

from grants.domain.clock import local_date, now_utc
from grants.domain.errors import Refusal
from grants.domain.quarters import quarter_of
from grants.extensions import db
from grants.models import FundingRound
from grants.models.followup import Beneficiary, FollowUpAttempt, FollowUpCall, FollowUpSample
from grants.services import accounts, followup
from tests.domain.test_sampling import redraw_from_the_document
from tests.followup.support import count, csv_bytes, entries, rows
from tests.helpers import audit_count, create_user


def drawn(team):
    return followup.draw_sample(team.organizer, team.round_id, team.quarter)


def calling(team):
    """A drawn sample with every project given to the first caller, open for calls."""
    sample = drawn(team)
    for award_id in team.award_ids:
        followup.assign_caller(team.organizer, sample.id, award_id, team.caller.id)
    followup.start_calling(team.organizer, sample.id)
    return sample


def calls_of(sample_id: int, award_id: int | None = None) -> list[FollowUpCall]:
    query = select(FollowUpCall).where(FollowUpCall.sample_id == sample_id)
    calls = db.session.scalars(query.order_by(FollowUpCall.stratum_id, FollowUpCall.draw_rank))
    return [c for c in calls if award_id is None or c.stratum.award_id == award_id]


def test_the_draw_audits_the_seed_and_the_strata_and_redraws_the_stored_numbers(listed):
    sample = drawn(listed)
    [entry] = entries("follow_up_sample.draw")
    facts = json.loads(entry.payload)
    assert facts["seed"] == sample.seed and len(sample.seed) == 64
    assert facts["algorithm"] == "sha256-rank-v1" and facts["quota"] == 25
    for stratum in facts["strata"]:
        positions = redraw_from_the_document(facts["seed"], stratum["list_hash"],
                                             stratum["rows"], facts["quota"])
        assert stratum["positions"] == positions
        stored = [c.beneficiary.position for c in calls_of(sample.id, stratum["award_id"])]
        assert stored == positions
    assert [len(s["positions"]) for s in facts["strata"]] == [25, 20, 10]
    assert followup.verify(sample).ok


def test_the_seed_is_on_the_chain_before_the_first_call(listed):
    sample = calling(listed)
    call = calls_of(sample.id)[0]
    followup.record_attempt(listed.caller, call.id, "satisfied", "yes")
    draw = entries("follow_up_sample.draw")[0]
    first_call = next(e for e in entries() if e.action.startswith("follow_up_call."))
    assert draw.seq < first_call.seq


def test_a_list_uploaded_after_the_draw_is_a_new_list_and_the_sample_keeps_its_own(listed):
    sample = drawn(listed)
    followup.upload_list(listed.grantees[0], listed.award_ids[0], "new.csv",
                         csv_bytes(rows(1, 31)))
    assert followup.verify(db.session.get(FollowUpSample, sample.id)).ok


def test_a_tampered_list_fails_the_check(listed):
    sample = drawn(listed)
    person = calls_of(sample.id)[0].beneficiary
    person.name = "改过的名字"
    db.session.commit()
    check = followup.verify(sample)
    assert not check.ok and "哈希" in check.message


@pytest.mark.parametrize("case", ["no lists", "future quarter", "twice", "not organizer",
                                  "malformed"])
def test_a_refused_draw_changes_nothing(team, case):
    if case != "no lists":
        followup.upload_list(team.grantees[0], team.award_ids[0], "a.csv", csv_bytes(rows(1, 5)))
    if case == "twice":
        drawn(team)
    actor = create_user("someone", "auditor") if case == "not organizer" else team.organizer
    quarter = {"future quarter": quarter_of(local_date() + timedelta(days=100)),
               "malformed": "2025-Q3"}.get(case, team.quarter)
    before = (audit_count(), count(FollowUpSample), count(FollowUpCall))
    with pytest.raises(Refusal) as refused:
        followup.draw_sample(actor, team.round_id, quarter)
    assert refused.value.status == {"no lists": 409, "twice": 409, "not organizer": 403}.get(
        case, 422)
    assert (audit_count(), count(FollowUpSample), count(FollowUpCall)) == before


def test_calling_starts_only_once_every_number_has_a_caller_who_may_call(listed):
    sample = drawn(listed)
    with pytest.raises(Refusal, match="没有分配回访员"):
        followup.start_calling(listed.organizer, sample.id)
    with pytest.raises(Refusal, match="回访员须为"):
        followup.assign_caller(listed.organizer, sample.id, listed.award_ids[0],
                               listed.grantees[1].id)
    with pytest.raises(Refusal, match="请选择回访员"):
        followup.assign_caller(listed.organizer, sample.id, listed.award_ids[0], 987654)
    moved = followup.assign_caller(listed.organizer, sample.id, listed.award_ids[0],
                                   listed.caller.id)
    assert moved == 25


def test_a_grantee_is_never_the_caller_of_its_own_project(listed):
    sample = drawn(listed)
    own = listed.grantees[0]
    accounts.set_roles(own, ("resident", "evaluator"), create_user("boss", "admin"))
    with pytest.raises(Refusal, match="不能是本项目的申报方"):
        followup.assign_caller(listed.organizer, sample.id, listed.award_ids[0], own.id)
    assert followup.assign_caller(listed.organizer, sample.id, listed.award_ids[1], own.id) == 20


def test_attempts_move_a_number_three_misses_end_it_and_a_fourth_is_refused(listed):
    sample = calling(listed)
    first, second, third = calls_of(sample.id, listed.award_ids[0])[:3]
    for _ in range(3):
        followup.record_attempt(listed.caller, first.id, "no_answer", notes="无人接听")
    assert (first.status, first.attempts, first.outcome) == ("unreached", 3, "no_answer")
    before = audit_count()
    with pytest.raises(Refusal) as refused:
        followup.record_attempt(listed.caller, first.id, "no_answer")
    assert refused.value.status == 409 and audit_count() == before
    followup.record_attempt(listed.caller, second.id, "no_answer")
    followup.record_attempt(listed.caller, second.id, "fairly_satisfied", "no", "送餐偶尔晚到")
    assert (second.status, second.attempts, second.outcome, second.on_time) == (
        "reached", 2, "fairly_satisfied", False)
    followup.record_attempt(listed.caller, third.id, "wrong_number")
    assert third.status == "wrong_number"


@pytest.mark.parametrize(("outcome", "on_time", "says"), [
    ("", None, "请选择本次回访的结果"), ("happy", None, "请选择本次回访的结果"),
    ("satisfied", None, "是否按时"), ("satisfied", "maybe", "是否按时"),
])
def test_a_bad_answer_is_refused_before_anything_changes(listed, outcome, on_time, says):
    sample = calling(listed)
    call = calls_of(sample.id)[0]
    before = audit_count()
    with pytest.raises(Refusal, match=says):
        followup.record_attempt(listed.caller, call.id, outcome, on_time)
    assert audit_count() == before and call.attempts == 0


def test_only_the_assigned_caller_records_and_only_while_calling(listed):
    sample = drawn(listed)
    for award_id in listed.award_ids:
        followup.assign_caller(listed.organizer, sample.id, award_id, listed.caller.id)
    call = calls_of(sample.id)[0]
    with pytest.raises(Refusal) as refused:
        followup.record_attempt(listed.caller, call.id, "satisfied", "yes")
    assert refused.value.status == 409
    followup.start_calling(listed.organizer, sample.id)
    for stranger in (listed.caller2, listed.organizer, listed.grantees[0]):
        with pytest.raises(Refusal) as refused:
            followup.record_attempt(stranger, call.id, "satisfied", "yes")
        assert refused.value.status == 404
    followup.assign_caller(listed.organizer, sample.id, call.stratum.award_id, listed.caller2.id)
    followup.record_attempt(listed.caller2, call.id, "satisfied", "yes")
    followup.close_sample(listed.organizer, sample.id)
    other = calls_of(sample.id)[1]
    with pytest.raises(Refusal) as refused:
        followup.record_attempt(listed.caller2, other.id, "satisfied", "yes")
    assert refused.value.status == 409


def test_every_state_change_is_audited_exactly_once_naming_the_role(listed):
    sample = calling(listed)
    calls = calls_of(sample.id)
    followup.record_attempt(listed.caller, calls[0].id, "satisfied", "yes")
    followup.record_attempt(listed.caller, calls[1].id, "no_answer")
    followup.record_attempt(listed.caller, calls[2].id, "wrong_number")
    followup.close_sample(listed.organizer, sample.id)
    changes = Counter((e.action, e.object_id) for e in entries()
                      if e.action.startswith(("follow_up_sample.", "follow_up_call."))
                      and not e.action.endswith("assign_caller"))
    assert changes == Counter({
        ("follow_up_sample.draw", sample.id): 1, ("follow_up_sample.start_calling", sample.id): 1,
        ("follow_up_call.reach", calls[0].id): 1, ("follow_up_call.miss", calls[1].id): 1,
        ("follow_up_call.report_wrong_number", calls[2].id): 1,
        ("follow_up_sample.close", sample.id): 1})
    roles = {e.action: e.actor_role for e in entries() if e.action.startswith("follow_up")}
    assert roles["follow_up_call.reach"] == "evaluator"
    assert roles["follow_up_sample.close"] == "organizer"
    assert len(entries("follow_up_sample.assign_caller")) == 3
    assert json.loads(entries("follow_up_sample.close")[0].payload)["still_open"] == len(calls) - 2


def test_project_rates_come_from_the_reached_with_wilson_intervals(listed):
    sample = calling(listed)
    calls = calls_of(sample.id, listed.award_ids[0])
    answers = ["satisfied"] * 15 + ["fairly_satisfied"] * 3 + ["dissatisfied"] * 2
    for call, outcome in zip(calls, answers, strict=False):
        followup.record_attempt(listed.caller, call.id, outcome, "yes" if outcome != "dissatisfied"
                                else "no")
    followup.record_attempt(listed.caller, calls[20].id, "wrong_number")
    view = followup.sample_view(listed.organizer, sample.id)
    project = view.strata[0]
    assert (project.tally.reached, project.tally.content, project.tally.wrong_number,
            project.tally.pending) == (20, 18, 1, 4)
    assert project.satisfaction.point == 0.9
    assert round(project.satisfaction.interval.low, 4) == 0.6990
    assert round(project.satisfaction.interval.high, 4) == 0.9721


def test_numbers_are_erased_after_the_round_closes_once_and_audited(listed):
    sample = calling(listed)
    funding_round = db.session.get(FundingRound, listed.round_id)
    due = funding_round.implementation_end + timedelta(days=91)
    assert followup.erase_due_numbers(now_utc() + timedelta(days=1)) == []
    done = followup.erase_due_numbers(now=now_utc() + (due - local_date()))
    assert [erased for _item, erased in done] == [30, 20, 10]
    assert db.session.scalar(select(Beneficiary.phone).where(Beneficiary.phone != "")) is None
    assert len(entries("beneficiary_list.erase_numbers")) == 3
    assert {e.actor_role for e in entries("beneficiary_list.erase_numbers")} == {"system"}
    assert followup.erase_due_numbers(now=now_utc() + (due - local_date())) == []
    check = followup.verify(sample)
    assert check.ok and "已按规定删除" in check.message
    call = calls_of(sample.id)[0]
    with pytest.raises(Refusal, match="已按规定删除"):
        followup.record_attempt(listed.caller, call.id, "satisfied", "yes")


def test_numbers_typed_into_call_notes_are_masked_when_the_list_is_erased(listed):
    sample = calling(listed)
    first, second = calls_of(sample.id, listed.award_ids[0])[:2]
    typed = second.beneficiary.phone
    followup.record_attempt(listed.caller, first.id, "satisfied", "yes", f"改打女儿电话 {typed}")
    followup.record_attempt(listed.caller, second.id, "no_answer", notes="无人接听")
    funding_round = db.session.get(FundingRound, listed.round_id)
    due = funding_round.implementation_end + timedelta(days=91)
    followup.erase_due_numbers(now=now_utc() + (due - local_date()))
    notes = {a.call_id: a.notes for a in db.session.scalars(select(FollowUpAttempt))}
    assert notes == {first.id: f"改打女儿电话 {typed[:3]}****{typed[-4:]}", second.id: "无人接听"}
    masked = [json.loads(e.payload)["notes_masked"]
              for e in entries("beneficiary_list.erase_numbers")]
    assert masked == [1, 0, 0]


def test_no_quarter_is_drawn_once_the_numbers_are_due_for_erasure(listed):
    funding_round = db.session.get(FundingRound, listed.round_id)
    due = funding_round.implementation_end + timedelta(days=91)
    later = now_utc() + (due - local_date())
    assert followup.open_quarters(funding_round, later - timedelta(days=1))
    assert quarter_of(due) not in followup.open_quarters(funding_round, later)
    with pytest.raises(Refusal, match="电话删除之前"):
        followup.draw_sample(listed.organizer, listed.round_id, quarter_of(due), now=later)


def test_the_league_reads_evaluation_scores_through_its_one_function(listed, monkeypatch):
    sample = calling(listed)
    calls = calls_of(sample.id)
    for call in calls:
        followup.record_attempt(listed.caller, call.id, "satisfied", "yes")
    view = followup.league_view(listed.organizer, sample.id)
    assert all(s.provider.evaluation is None for s in view.league.standings)
    assert followup.evaluation_scores(listed.round_id, listed.quarter) == {}
    scores = dict(zip(listed.award_ids, (90.0, 70.0, 40.0), strict=True))
    from grants.services.followup import league

    monkeypatch.setattr(league, "evaluation_scores", lambda round_id, quarter: scores)
    view = followup.league_view(listed.organizer, sample.id)
    assert view.league.shares.evaluation_used
    assert [s.provider.evaluation for s in view.league.standings] == [90.0, 70.0, 40.0]
    assert [round(s.score, 1) for s in view.league.standings] == [96.0, 88.0, 76.0]


def test_the_league_reads_decided_evaluations_of_the_demo(demo_app):
    """Round 6's evaluations were decided when the demo was seeded: they count in that quarter
    (the failed mid-term with its 50.50) and in no earlier one."""
    from datetime import date

    from sqlalchemy import select

    from grants.domain.quarters import quarter_of
    from grants.extensions import db
    from grants.models import FundingRound
    from grants.models.evaluations import Evaluation

    round_six = db.session.scalar(select(FundingRound).where(FundingRound.round_no == 6))
    decided = db.session.scalars(select(Evaluation).where(
        Evaluation.round_id == round_six.id, Evaluation.decided_at.is_not(None))).all()
    assert decided, "the demo decides round 6's evaluations"
    quarter = quarter_of(max(e.decided_at for e in decided).date())
    scores = followup.evaluation_scores(round_six.id, quarter)
    assert 50.5 in scores.values() and all(0 <= s <= 100 for s in scores.values())
    assert followup.evaluation_scores(round_six.id, quarter_of(date(2025, 1, 1))) == {}
