"""Evaluations through the services: opening, the grantee's report, evaluators' scores, the
results notice, pass (the tranche gate met) and fail (the award suspended, its tranches
blocked, the clawback recorded, the organisation barred when the round says so), objections,
reminders and the overdue failure — each state change audited exactly once, and every refusal
changing nothing."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from grants.domain.clock import local_date
from grants.domain.errors import Refusal
from grants.extensions import db
from grants.models import AuditEntry, Notification, Organisation
from grants.models.awards import Award, Notice, Objection, Tranche
from grants.models.evaluations import Evaluation, EvaluationPhoto, EvaluationSheet
from grants.models.expenses import Clawback
from grants.services import evaluations as svc
from grants.services import notices
from tests.evaluations_support import (
    PHOTO,
    evaluation_of,
    implementing_awards,
    in_notice,
    people,
    report_form,
    scored,
    sheet_form,
    submitted,
)
from tests.helpers import audit_count


@pytest.fixture
def who(app):
    return people()


def _entries(after: int) -> list[tuple[str, str, int]]:
    """(action, actor_role, object_id) of the entries written after ``after``."""
    return [tuple(row) for row in db.session.execute(
        select(AuditEntry.action, AuditEntry.actor_role, AuditEntry.object_id)
        .where(AuditEntry.seq > after).order_by(AuditEntry.seq))]


def _tranches(award_id: int) -> list[str]:
    return list(db.session.scalars(select(Tranche.status).where(Tranche.award_id == award_id)
                                   .order_by(Tranche.sequence)))


def _after_notice(notice: Notice):
    return notice.ends_on + timedelta(days=1)


def test_a_passed_midterm_meets_the_second_tranche_gate(who):
    (award_id,) = implementing_awards(who)
    (evaluation,) = submitted(who, [award_id])
    scored(who, [evaluation], (26, 16, 17, 25))
    assert evaluation_of(award_id).status == "scored"
    assert evaluation_of(award_id).score == Decimal("84.00")
    notice = in_notice(who, db.session.get(Award, award_id).round_id)
    before = audit_count()
    assert notices.confirm_notice(notice.id, None, _after_notice(notice)) == 1
    assert db.session.get(Award, award_id).status == "midterm_passed"
    assert _tranches(award_id) == ["paid", "due", "pending"]
    assert [a for a, _r, _o in _entries(before)] == [
        "notice.confirm", "evaluation.pass", "award.pass_midterm", "tranche.meet_gate"]
    assert {r for _a, r, _o in _entries(before)} == {"system"}


def test_a_failed_midterm_suspends_blocks_claws_back_and_bars(who):
    (award_id,) = implementing_awards(who)
    round_id = db.session.get(Award, award_id).round_id
    svc.save_settings(who.organizer, round_id, {"rubric": "standard", "pass_mark": "60",
                                                 "notice_days": "7", "grace_days": "5",
                                                 "bar_years": "2"})
    (evaluation,) = submitted(who, [award_id])
    scored(who, [evaluation], (15, 10, 10, 15))
    notice = in_notice(who, round_id)
    before = audit_count()
    notices.confirm_notice(notice.id, who.organizer, _after_notice(notice))
    award = db.session.get(Award, award_id)
    assert award.status == "suspended"
    assert _tranches(award_id) == ["paid", "blocked", "blocked"]
    clawback = db.session.scalar(select(Clawback).where(Clawback.award_id == award_id))
    assert clawback.amount_fen == 500_000 and clawback.recorded_by_id == who.organizer.id
    org = db.session.get(Organisation, who.grantee.organisation_id)
    assert org.banned_until is not None and "未通过" in org.ban_reason
    assert [a for a, _r, _o in _entries(before)] == [
        "notice.confirm", "evaluation.fail", "award.fail_midterm", "tranche.block",
        "tranche.block", "clawback.record", "organisation.bar"]


def test_every_step_of_an_evaluation_writes_one_entry_per_state_change(who):
    (award_id,) = implementing_awards(who)
    round_id = db.session.get(Award, award_id).round_id
    before = audit_count()
    (evaluation,) = submitted(who, [award_id])
    scored(who, [evaluation])
    in_notice(who, round_id)
    entries = _entries(before)
    states = [(a, r) for a, r, _o in entries if not a.startswith("evaluation_photo")]
    assert states == [
        ("evaluation.open", "organizer"),
        ("evaluation_sheet.assign", "organizer"), ("evaluation_sheet.assign", "organizer"),
        ("evaluation.submit", "applicant"),
        ("evaluation_sheet.submit", "evaluator"), ("evaluation_sheet.submit", "evaluator"),
        ("evaluation.score", "evaluator"),
        ("notice.publish", "organizer"), ("evaluation.publish", "organizer")]
    assert [a for a, _r, _o in entries].count("evaluation_photo.add") == 1


def test_the_report_keeps_the_spending_summary_and_the_planned_activities(who):
    (award_id,) = implementing_awards(who)
    (evaluation,) = submitted(who, [award_id])
    evaluation = db.session.get(Evaluation, evaluation.id)
    assert [row["planned"] for row in evaluation.report["activities"]] == [
        "助餐服务（每周一至周五，社区食堂）", "健康讲座（每月一次，活动室）"]
    assert [row["status"] for row in evaluation.report["activities"]] == ["done", "partly"]
    spending = evaluation.spending
    assert [line["item"] for line in spending["lines"]] == ["食材", "宣传海报"]
    assert spending["paid_fen"] == 500_000 and spending["award_fen"] == 1_000_000
    assert evaluation.beneficiaries == 86 and len(evaluation.photos) == 1


BAD_REPORTS = [
    ("nul in the summary", {"summary": "好\x00"}, "summary"),
    ("huge beneficiaries", {"beneficiaries": "9" * 40}, "beneficiaries"),
    ("negative beneficiaries", {"beneficiaries": "-3"}, "beneficiaries"),
    ("unknown activity status", {"activity_0_status": "maybe"}, "activity_0_status"),
    ("summary too long", {"summary": "长" * 2001}, "summary"),
]


@pytest.mark.parametrize(("data", "field"), [(d, f) for _n, d, f in BAD_REPORTS],
                         ids=[n for n, _d, _f in BAD_REPORTS])
def test_a_bad_report_is_refused_naming_the_input_and_changes_nothing(who, data, field):
    (award_id,) = implementing_awards(who)
    svc.open_evaluations(who.organizer, db.session.get(Award, award_id).round_id, "midterm",
                         (local_date() + timedelta(days=10)).isoformat())
    evaluation_id = evaluation_of(award_id).id
    before = audit_count()
    with pytest.raises(Refusal) as refused:
        svc.save_report(who.grantee, evaluation_id, report_form(**data), [("a.png", PHOTO)],
                        submit=True)
    assert refused.value.status == 422
    assert field in {p.field for p in refused.value.problems}
    db.session.expire_all()
    evaluation = evaluation_of(award_id)
    assert evaluation.status == "assigned" and evaluation.summary == "" and not evaluation.photos
    assert audit_count() == before


def test_an_incomplete_report_saves_as_a_draft_but_is_not_submitted(who):
    (award_id,) = implementing_awards(who)
    svc.open_evaluations(who.organizer, db.session.get(Award, award_id).round_id, "midterm",
                         (local_date() + timedelta(days=10)).isoformat())
    evaluation_id = evaluation_of(award_id).id
    svc.save_report(who.grantee, evaluation_id, {"summary": "草稿"})
    with pytest.raises(Refusal) as refused:
        svc.save_report(who.grantee, evaluation_id, {"summary": "草稿"}, submit=True)
    assert {"activity_0_status", "beneficiaries", "photos"} <= {
        p.field for p in refused.value.problems}
    db.session.expire_all()
    assert evaluation_of(award_id).summary == "草稿"
    assert evaluation_of(award_id).status == "assigned"


def test_another_grantee_finds_neither_the_report_nor_its_photos(who):
    (award_id,) = implementing_awards(who)
    (evaluation,) = submitted(who, [award_id])
    photo = db.session.scalar(select(EvaluationPhoto).where(
        EvaluationPhoto.evaluation_id == evaluation.id))
    for call in (lambda: svc.evaluation_page(who.other, evaluation.id),
                 lambda: svc.photo_file(who.other, photo.id),
                 lambda: svc.save_report(who.other, evaluation.id, report_form()),
                 lambda: svc.remove_photo(who.other, photo.id)):
        with pytest.raises(Refusal) as refused:
            call()
        assert refused.value.status == 404
    assert svc.photo_file(who.evaluator, photo.id)[1] == PHOTO


BAD_SHEETS = [
    ("above the maximum", {"points_implementation": "31"}),
    ("negative", {"points_funding": "-1"}),
    ("not half points", {"points_finance": "10.3"}),
    ("huge", {"points_effect": "9" * 400}),
    ("not a number", {"points_effect": "NaN"}),
    ("empty", {"points_effect": ""}),
    ("nul", {"comment": "好\x00"}),
    ("no comment", {"comment": "  "}),
]


@pytest.mark.parametrize("data", [d for _n, d in BAD_SHEETS], ids=[n for n, _d in BAD_SHEETS])
def test_a_bad_score_sheet_is_refused_and_changes_nothing(who, data):
    (award_id,) = implementing_awards(who)
    (evaluation,) = submitted(who, [award_id], evaluators=(who.evaluator,))
    sheet = evaluation.sheets[0]
    before = audit_count()
    with pytest.raises(Refusal) as refused:
        svc.submit_sheet(who.evaluator, sheet.id, {**sheet_form(), **data})
    assert refused.value.status == 422 and refused.value.problems
    db.session.expire_all()
    assert db.session.get(EvaluationSheet, sheet.id).status == "assigned"
    assert audit_count() == before


def test_an_evaluator_cannot_score_another_evaluators_sheet_or_before_the_report(who):
    (award_id,) = implementing_awards(who)
    round_id = db.session.get(Award, award_id).round_id
    svc.open_evaluations(who.organizer, round_id, "midterm",
                         (local_date() + timedelta(days=10)).isoformat())
    evaluation = evaluation_of(award_id)
    sheet = svc.assign_evaluator(who.organizer, evaluation.id, who.evaluator.id)
    with pytest.raises(Refusal) as early:
        svc.submit_sheet(who.evaluator, sheet.id, sheet_form())
    assert early.value.status == 409
    with pytest.raises(Refusal) as other:
        svc.submit_sheet(who.evaluator2, sheet.id, sheet_form())
    assert other.value.status == 404


def test_an_upheld_objection_sends_the_result_back_for_scoring(who):
    (award_id,) = implementing_awards(who)
    round_id = db.session.get(Award, award_id).round_id
    (evaluation,) = submitted(who, [award_id])
    scored(who, [evaluation], (15, 10, 10, 15))
    notice = in_notice(who, round_id)
    objection = svc.file_objection(evaluation.id, "评估人员未到现场核实活动开展情况，评分依据不足。",
                                   name="李四", phone="13912345678")
    with pytest.raises(Refusal) as early:
        notices.confirm_notice(notice.id, None, _after_notice(notice))
    assert early.value.status == 409 and "异议" in str(early.value)
    before = audit_count()
    notices.uphold_objection(objection.id, who.organizer, "经核实评分时未查看活动照片，重新评分。")
    assert [a for a, _r, _o in _entries(before)] == [
        "objection.uphold", "evaluation.rescore", "evaluation_sheet.reopen",
        "evaluation_sheet.reopen"]
    evaluation = db.session.get(Evaluation, evaluation.id)
    assert evaluation.status == "submitted" and evaluation.score is None
    scored(who, [evaluation], (26, 16, 17, 25))
    assert notices.confirm_notice(notice.id, None, _after_notice(notice)) == 0
    assert db.session.get(Award, award_id).status == "implementing"
    assert db.session.get(Objection, objection.id).status == "upheld"


def test_objections_only_while_the_results_notice_runs(who):
    (award_id,) = implementing_awards(who)
    (evaluation,) = submitted(who, [award_id])
    with pytest.raises(Refusal) as before_notice:
        svc.file_objection(evaluation.id, "评分不公，请复核。", name="李四", phone="13912345678")
    assert before_notice.value.status == 404
    scored(who, [evaluation])
    notice = in_notice(who, db.session.get(Award, award_id).round_id)
    with pytest.raises(Refusal) as late:
        svc.file_objection(evaluation.id, "评分不公，请复核。", name="李四", phone="13912345678",
                           today=_after_notice(notice))
    assert late.value.status == 409


def test_a_missed_deadline_is_reminded_then_failed_as_system(who):
    (award_id,) = implementing_awards(who)
    round_id = db.session.get(Award, award_id).round_id
    svc.open_evaluations(who.organizer, round_id, "midterm",
                         (local_date() + timedelta(days=3)).isoformat())
    evaluation_id = evaluation_of(award_id).id
    day = local_date() + timedelta(days=4)
    before = audit_count()
    assert len(svc.remind_overdue(day)) == 1
    assert svc.remind_overdue(day) == []
    assert evaluation_of(award_id).status == "reminded"
    assert svc.remind_overdue(day + timedelta(days=5)) == []
    assert len(svc.remind_overdue(day + timedelta(days=6))) == 1
    assert evaluation_of(award_id).status == "failed"
    award = db.session.get(Award, award_id)
    assert award.status == "suspended" and _tranches(award_id) == ["paid", "blocked", "blocked"]
    clawback = db.session.scalar(select(Clawback).where(Clawback.award_id == award_id))
    assert clawback.recorded_by_id is None and clawback.amount_fen == 500_000
    assert _entries(before) == [
        ("evaluation.remind", "system", evaluation_id),
        ("evaluation.expire", "system", evaluation_id),
        ("award.fail_midterm", "system", award_id),
        ("tranche.block", "system", _entries(before)[3][2]),
        ("tranche.block", "system", _entries(before)[4][2]),
        ("clawback.record", "system", clawback.id)]
    told = db.session.scalar(select(func.count(Notification.id)).where(
        Notification.user_id == who.grantee.id, Notification.message.contains("逾期")))
    assert told == 2
    notice = in_notice_or_none(who, round_id)
    assert notice is None


def in_notice_or_none(who, round_id):
    """Publishing with nothing scored is refused; the failed report waits for the next one."""
    with pytest.raises(Refusal) as refused:
        svc.publish_results(who.organizer, round_id, "midterm")
    assert refused.value.status == 409
    return None


def test_a_late_report_after_the_reminder_is_still_taken(who):
    (award_id,) = implementing_awards(who)
    svc.open_evaluations(who.organizer, db.session.get(Award, award_id).round_id, "midterm",
                         (local_date() + timedelta(days=1)).isoformat())
    svc.remind_overdue(local_date() + timedelta(days=2))
    evaluation = evaluation_of(award_id)
    svc.save_report(who.grantee, evaluation.id, report_form(), [("a.png", PHOTO)], submit=True)
    assert evaluation_of(award_id).status == "submitted"


def test_a_report_returned_before_scoring_can_be_corrected(who):
    (award_id,) = implementing_awards(who)
    (evaluation,) = submitted(who, [award_id])
    svc.return_report(who.organizer, evaluation.id, "请补充讲座签到表照片")
    assert evaluation_of(award_id).status == "returned"
    svc.save_report(who.grantee, evaluation.id, report_form(), [("b.png", PHOTO + b"2")],
                    submit=True)
    assert evaluation_of(award_id).status == "submitted"
    sheet = evaluation_of(award_id).sheets[0]
    svc.submit_sheet(db.session.get(type(who.evaluator), sheet.evaluator_id), sheet.id,
                     sheet_form())
    with pytest.raises(Refusal) as refused:
        svc.return_report(who.organizer, evaluation.id, "再补充")
    assert refused.value.status == 409


def test_withdrawing_the_missing_evaluator_scores_the_evaluation(who):
    (award_id,) = implementing_awards(who)
    (evaluation,) = submitted(who, [award_id])
    first, second = evaluation_of(award_id).sheets
    svc.submit_sheet(who.evaluator, first.id, sheet_form((20, 10, 10, 20)))
    svc.withdraw_sheet(who.organizer, second.id)
    assert evaluation_of(award_id).status == "scored"
    assert evaluation_of(award_id).score == Decimal("60.00")


def test_returning_withdrawing_and_cancelling_each_write_one_entry_as_organizer(who):
    (award_id,) = implementing_awards(who)
    (evaluation,) = submitted(who, [award_id])
    _first, second = evaluation_of(award_id).sheets
    before = audit_count()
    svc.return_report(who.organizer, evaluation.id, "请补充讲座签到表照片")
    svc.withdraw_sheet(who.organizer, second.id)
    svc.cancel_evaluation(who.organizer, evaluation.id, "项目已终止，不再评估")
    assert [(a, r, o) for a, r, o in _entries(before)] == [
        ("evaluation.return", "organizer", evaluation.id),
        ("evaluation_sheet.withdraw", "organizer", second.id),
        ("evaluation.cancel", "organizer", evaluation.id)]
    assert evaluation_of(award_id).status == "cancelled"
    assert evaluation_of(award_id).reason == "项目已终止，不再评估"
    before = audit_count()
    with pytest.raises(Refusal) as refused:
        svc.cancel_evaluation(who.organizer, evaluation.id, "再次取消")
    assert refused.value.status == 409 and audit_count() == before
    assert db.session.get(Award, award_id).status == "implementing"


def test_an_evaluator_of_the_applying_organisation_is_refused(who):
    (award_id,) = implementing_awards(who)
    svc.open_evaluations(who.organizer, db.session.get(Award, award_id).round_id, "midterm",
                         (local_date() + timedelta(days=10)).isoformat())
    from tests.helpers import create_user

    insider = create_user("insider", "evaluator", organisation_id=who.grantee.organisation_id)
    with pytest.raises(Refusal) as refused:
        svc.assign_evaluator(who.organizer, evaluation_of(award_id).id, insider.id)
    assert refused.value.status == 409
    with pytest.raises(Refusal) as not_evaluator:
        svc.assign_evaluator(who.organizer, evaluation_of(award_id).id, who.finance.id)
    assert not_evaluator.value.status == 409


def test_the_final_evaluation_follows_a_passed_midterm(who):
    (award_id,) = implementing_awards(who)
    round_id = db.session.get(Award, award_id).round_id
    (midterm,) = submitted(who, [award_id])
    scored(who, [midterm])
    notice = in_notice(who, round_id)
    notices.confirm_notice(notice.id, who.organizer, _after_notice(notice))
    (final,) = submitted(who, [award_id], kind="final")
    scored(who, [final])
    notice = in_notice(who, round_id, "final")
    notices.confirm_notice(notice.id, who.organizer, _after_notice(notice))
    assert db.session.get(Award, award_id).status == "final_passed"
    assert _tranches(award_id) == ["paid", "due", "due"]


def test_a_failed_final_evaluation_suspends_and_blocks_the_last_tranche(who):
    (award_id,) = implementing_awards(who)
    round_id = db.session.get(Award, award_id).round_id
    (midterm,) = submitted(who, [award_id])
    scored(who, [midterm])
    notice = in_notice(who, round_id)
    notices.confirm_notice(notice.id, who.organizer, _after_notice(notice))
    (final,) = submitted(who, [award_id], kind="final")
    scored(who, [final], (15, 10, 10, 15))
    notice = in_notice(who, round_id, "final")
    before = audit_count()
    notices.confirm_notice(notice.id, who.organizer, _after_notice(notice))
    assert evaluation_of(award_id, "final").status == "failed"
    assert db.session.get(Award, award_id).status == "suspended"
    assert _tranches(award_id) == ["paid", "blocked", "blocked"]
    clawback = db.session.scalar(select(Clawback).where(Clawback.award_id == award_id))
    assert clawback.amount_fen == 500_000
    assert [a for a, _r, _o in _entries(before)] == [
        "notice.confirm", "evaluation.fail", "award.fail_final", "tranche.block",
        "tranche.block", "clawback.record"]


def test_the_performance_rubric_scores_its_own_four_dimensions(who):
    (award_id,) = implementing_awards(who)
    round_id = db.session.get(Award, award_id).round_id
    svc.save_settings(who.organizer, round_id, {"rubric": "performance", "pass_mark": "70",
                                                 "notice_days": "7", "grace_days": "5",
                                                 "bar_years": "0"})
    (evaluation,) = submitted(who, [award_id], evaluators=(who.evaluator,))
    data = {"points_budget_rate": "8", "points_outputs": "40", "points_benefits": "20",
            "points_satisfaction": "9.5", "comment": "产出达标"}
    svc.submit_sheet(who.evaluator, evaluation_of(award_id).sheets[0].id, data)
    assert evaluation_of(award_id).score == Decimal("77.50")
    with pytest.raises(Refusal) as frozen:
        svc.save_settings(who.organizer, round_id, {"rubric": "standard", "pass_mark": "60",
                                                     "notice_days": "7", "grace_days": "5",
                                                     "bar_years": "0"})
    assert frozen.value.status == 409


@pytest.mark.parametrize("data", [
    {"pass_mark": "0"}, {"pass_mark": "101"}, {"notice_days": "99999999999999"},
    {"rubric": "mystery"}, {"grace_days": "-1"}, {"bar_years": "\x00"},
])
def test_bad_settings_are_refused(who, data):
    (award_id,) = implementing_awards(who)
    round_id = db.session.get(Award, award_id).round_id
    form = {"rubric": "standard", "pass_mark": "60", "notice_days": "7", "grace_days": "5",
            "bar_years": "0", **data}
    before = audit_count()
    with pytest.raises(Refusal) as refused:
        svc.save_settings(who.organizer, round_id, form)
    assert refused.value.status == 422
    assert audit_count() == before


def test_opening_twice_opens_nothing_more(who):
    (award_id,) = implementing_awards(who)
    round_id = db.session.get(Award, award_id).round_id
    svc.open_evaluations(who.organizer, round_id, "midterm",
                         (local_date() + timedelta(days=10)).isoformat())
    with pytest.raises(Refusal) as refused:
        svc.open_evaluations(who.organizer, round_id, "midterm",
                             (local_date() + timedelta(days=10)).isoformat())
    assert refused.value.status == 409
    with pytest.raises(Refusal) as past:
        svc.open_evaluations(who.organizer, round_id, "final", "2020-01-01")
    assert past.value.status == 422


def test_the_results_notice_lists_a_report_failed_for_lateness(who):
    first, late = implementing_awards(who, 2)
    round_id = db.session.get(Award, first).round_id
    svc.open_evaluations(who.organizer, round_id, "midterm",
                         (local_date() + timedelta(days=1)).isoformat())
    svc.assign_evaluator(who.organizer, evaluation_of(first).id, who.evaluator.id)
    svc.save_report(who.grantee, evaluation_of(first).id, report_form(), [("a.png", PHOTO)],
                    submit=True)
    scored(who, [evaluation_of(first)])
    svc.remind_overdue(local_date() + timedelta(days=2))
    svc.remind_overdue(local_date() + timedelta(days=8))
    assert evaluation_of(late).status == "failed"
    notice = in_notice(who, round_id)
    view = svc.results_notice(notice.id)
    rows = {row.evaluation.award_id: row for row in view.rows}
    assert rows[late].late and rows[late].passes is False and not rows[late].objectable
    assert not rows[first].late and rows[first].passes and rows[first].objectable
