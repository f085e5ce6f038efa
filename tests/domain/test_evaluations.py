"""The evaluation rules without an app: rubrics, settings, the report and sheet forms, the score,
deadlines, the spending summary, and who the lifecycle lets do what."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from grants.domain import evaluations as rules
from grants.domain.errors import Refusal
from grants.domain.lifecycles import AWARD, CLAWBACK, EVALUATION, EVALUATION_SHEET, TRANCHE
from grants.domain.rubric import validate_rubric
from grants.domain.workflow import TransitionError

TODAY = date(2026, 9, 1)
SETTINGS = {"rubric": "standard", "pass_mark": "60", "notice_days": "7", "grace_days": "5",
            "bar_years": "0"}


@pytest.mark.parametrize("key", sorted(rules.RUBRICS))
def test_each_rubric_adds_up_to_100(key):
    assert validate_rubric(rules.RUBRICS[key]) == []


def test_the_rubrics_are_the_ones_the_bureaus_use():
    standard = {c.name: c.max_points for c in rules.RUBRICS["standard"]}
    assert list(standard) == ["项目实施", "资金投入与管理", "财务管理", "项目成效"]
    performance = {c.name: c.max_points for c in rules.RUBRICS["performance"]}
    assert performance == {"预算执行率": 10, "产出": 50, "效益": 30, "满意度": 10}


def test_settings_default_and_read():
    assert rules.Settings() == rules.Settings("standard", 60, 7, 5, 0)
    read = rules.read_settings({**SETTINGS, "pass_mark": "７０", "rubric": "performance"})
    assert read.pass_mark == 70 and read.criteria == rules.RUBRICS["performance"]


@pytest.mark.parametrize(("field", "value"), [
    ("pass_mark", "0"), ("pass_mark", "101"), ("pass_mark", "60.5"), ("notice_days", "0"),
    ("notice_days", "31"), ("grace_days", "61"), ("bar_years", "11"), ("rubric", ""),
    ("pass_mark", "9" * 50), ("grace_days", "\x00"),
])
def test_bad_settings_name_their_input(field, value):
    with pytest.raises(Refusal) as refused:
        rules.read_settings({**SETTINGS, field: value})
    assert [p.field for p in refused.value.problems] == [field]


def test_planned_activities_read_the_proposal_rows():
    rows = [{"activity": "助餐", "dates": "每周", "place": "食堂"}, {"activity": "讲座"},
            {"activity": " "}, "旧格式文字"]
    assert rules.planned_activities(rows) == ["助餐（每周，食堂）", "讲座", "旧格式文字"]


def test_a_report_reads_as_typed_and_names_what_is_missing():
    report = rules.read_report({"activity_0_status": "done", "beneficiaries": "１２",
                                "summary": " 好 "}, ["助餐", "讲座"])
    assert report.beneficiaries == 12 and report.summary == "好"
    assert [row["status"] for row in report.activities] == ["done", ""]
    missing = rules.missing_for_submission(report, photos=0)
    assert [p.field for p in missing] == ["activity_1_status", "photos"]


@pytest.mark.parametrize(("data", "field"), [
    ({"beneficiaries": "1000001"}, "beneficiaries"), ({"beneficiaries": "1e3"}, "beneficiaries"),
    ({"beneficiaries": "-1"}, "beneficiaries"), ({"summary": "x" * 2001}, "summary"),
    ({"other_activities": "a\x00b"}, "other_activities"),
    ({"activity_0_status": "finished"}, "activity_0_status"),
    ({"activity_0_note": "n" * 201}, "activity_0_note"),
])
def test_a_bad_report_names_its_input(data, field):
    with pytest.raises(Refusal) as refused:
        rules.read_report(data, ["助餐"])
    assert field in [p.field for p in refused.value.problems]


def _sheet(**points):
    data = {"points_implementation": "25", "points_funding": "15.5", "points_finance": "15",
            "points_effect": "24", "comment": "意见"}
    data.update(points)
    return rules.read_sheet(data, rules.RUBRICS["standard"])


def test_a_sheet_reads_half_points_and_totals_exactly():
    sheet = _sheet()
    assert sheet.points_half == {"implementation": 50, "funding": 31, "finance": 30,
                                 "effect": 48}
    assert sheet.total == Decimal("79.5")


@pytest.mark.parametrize("value", ["30.5", "-0.5", "0.25", "NaN", "Infinity", "9" * 300,
                                   "", "二十"])
def test_points_outside_the_rule_are_refused(value):
    with pytest.raises(Refusal) as refused:
        _sheet(points_implementation=value)
    assert "points_implementation" in [p.field for p in refused.value.problems]


def test_full_width_points_are_read():
    assert _sheet(points_implementation="２５").points_half["implementation"] == 50


def test_the_score_is_the_mean_rounded_half_up_and_passes_at_the_mark():
    assert rules.score_of([Decimal("59.5"), Decimal("60")]) == Decimal("59.75")
    assert rules.score_of([Decimal("60"), Decimal("60.5"), Decimal("60")]) == Decimal("60.17")
    assert rules.passes(Decimal("60.00"), 60) and not rules.passes(Decimal("59.99"), 60)


def test_deadlines_and_the_notice_period():
    assert not rules.is_overdue(date(2026, 9, 30), date(2026, 9, 30))
    assert rules.is_overdue(date(2026, 9, 30), date(2026, 10, 1))
    assert rules.expires_on(date(2026, 10, 1), 5) == date(2026, 10, 6)
    assert not rules.has_expired(date(2026, 10, 1), 5, date(2026, 10, 6))
    assert rules.has_expired(date(2026, 10, 1), 5, date(2026, 10, 7))
    assert rules.results_notice_end(date(2026, 10, 13), 7) == date(2026, 10, 19)


@pytest.mark.parametrize("value", ["2026-08-31", "2027-09-03", "明天", "", "2026-02-30"])
def test_a_deadline_lies_from_today_to_a_year_ahead(value):
    with pytest.raises(Refusal):
        rules.check_due(value, TODAY)
    assert rules.check_due("2026-09-01", TODAY) == TODAY


def test_the_spending_summary_and_the_execution_rate():
    lines = [{"item": "食材", "approved_fen": 700_000, "adjusted_fen": 650_000,
              "accepted_fen": 400_000},
             {"item": "海报", "approved_fen": 300_000, "adjusted_fen": 350_000,
              "accepted_fen": 225_000}]
    summary = rules.spending_summary(lines, 1_000_000, 900_000)
    assert summary["accepted_fen"] == 625_000 and summary["execution"] == "62.5%"
    assert rules.execution_percent(1, 0) == "—"


def test_only_the_grantee_submits_and_only_evaluators_submit_sheets():
    assert EVALUATION.can("assigned", "submit", {"applicant"})
    assert not EVALUATION.can("assigned", "submit", {"organizer", "evaluator"})
    assert EVALUATION_SHEET.can("assigned", "submit", {"evaluator"})
    assert not EVALUATION_SHEET.can("assigned", "submit", {"organizer", "admin"})


def test_scheduled_work_reminds_expires_and_decides_but_never_scores():
    system = {"system"}
    for state, action in (("assigned", "remind"), ("reminded", "expire"),
                          ("in_notice", "pass"), ("in_notice", "fail")):
        assert EVALUATION.can(state, action, system), action
    assert not EVALUATION.can("submitted", "score", system)
    assert not EVALUATION.can("scored", "publish", system)
    for lifecycle, state, action in ((AWARD, "implementing", "fail_midterm"),
                                     (AWARD, "midterm_passed", "pass_final"),
                                     (TRANCHE, "due", "block"), (CLAWBACK, None, "record")):
        assert lifecycle.can(state, action, system), action


def test_an_expiry_and_a_return_need_a_reason():
    with pytest.raises(TransitionError):
        EVALUATION.step("reminded", "expire", {"system"}, reason=" ")
    with pytest.raises(TransitionError):
        EVALUATION.step("submitted", "return", {"organizer"}, reason="")
    assert EVALUATION.step("in_notice", "rescore", {"organizer"}, "异议成立").target == "submitted"


def test_a_decided_evaluation_cannot_move_again():
    for state in ("passed", "failed", "cancelled"):
        assert EVALUATION.available(state, {"organizer", "admin", "system", "applicant"}) == []
