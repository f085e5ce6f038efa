"""Round calendar: current phase, timeline states, action windows and validation."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from grants.domain.phases import (
    PHASE_LABELS,
    PHASES,
    RoundPhases,
    check_window,
    current_phase,
    format_local,
    local_datetime,
    notice_end,
    timeline,
    validate_phases,
)

at = local_datetime

PHASES_2026 = RoundPhases(
    needs_open=at(2026, 9, 1, 9),
    needs_close=at(2026, 9, 30, 18),
    submit_open=at(2026, 10, 8, 9),
    submit_close=at(2026, 11, 20, 18),
    screening_close=at(2026, 12, 4, 18),
    return_deadline=at(2026, 11, 30, 18),
    judging_open=at(2026, 12, 7, 9),
    judging_close=at(2026, 12, 18, 18),
    notice_days=7,
    implementation_start=date(2027, 1, 1),
    implementation_end=date(2027, 6, 30),
)
SECOND = timedelta(seconds=1)


def test_validate_accepts_sample_round() -> None:
    assert validate_phases(PHASES_2026) == []


def test_phase_keys_and_labels() -> None:
    assert PHASES == (
        "upcoming",
        "needs",
        "submission",
        "screening",
        "judging",
        "awarding",
        "notice",
        "implementation",
        "closed",
    )
    assert PHASE_LABELS["notice"] == "结果公示"


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (at(2026, 9, 1, 9) - SECOND, "upcoming"),
        (at(2026, 9, 1, 9), "needs"),
        (at(2026, 10, 1), "needs"),
        (at(2026, 10, 8, 9), "submission"),
        (at(2026, 11, 20, 18) - SECOND, "submission"),
        (at(2026, 11, 20, 18), "screening"),
        (at(2026, 12, 5), "screening"),
        (at(2026, 12, 7, 9), "judging"),
        (at(2026, 12, 18, 18), "notice"),
        (at(2026, 12, 25, 18) - SECOND, "notice"),
        (at(2026, 12, 28), "notice"),
        (at(2027, 1, 1), "implementation"),
        (at(2027, 6, 30, 23, 59), "implementation"),
        (at(2027, 7, 1), "closed"),
    ],
)
def test_current_phase(now: datetime, expected: str) -> None:
    assert current_phase(PHASES_2026, now) == expected


def test_current_phase_compares_instants_across_zones() -> None:
    deadline_utc = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
    assert current_phase(PHASES_2026, deadline_utc - SECOND) == "submission"
    assert current_phase(PHASES_2026, deadline_utc) == "screening"


def test_timeline_states() -> None:
    steps = timeline(PHASES_2026, at(2026, 12, 10))
    assert [(s.key, s.state) for s in steps] == [
        ("needs", "done"),
        ("submission", "done"),
        ("screening", "done"),
        ("judging", "current"),
        ("notice", "upcoming"),
        ("implementation", "upcoming"),
    ]
    assert steps[3].label == "专家评审"
    assert steps[4].end == notice_end(PHASES_2026) == at(2026, 12, 25, 18)
    assert steps[5].start == at(2027, 1, 1)
    assert steps[5].end == at(2027, 7, 1)


def test_timeline_before_and_after() -> None:
    assert {s.state for s in timeline(PHASES_2026, at(2026, 1, 1))} == {"upcoming"}
    assert {s.state for s in timeline(PHASES_2026, at(2028, 1, 1))} == {"done"}


def test_format_local_shows_shanghai_time() -> None:
    assert format_local(datetime(2026, 11, 20, 10, 0, tzinfo=UTC)) == "2026年11月20日 18:00"


def test_submit_window_messages() -> None:
    assert check_window(PHASES_2026, "submit", at(2026, 10, 8, 9) - SECOND) == (
        "本轮申报将于 2026年10月8日 09:00 开始"
    )
    assert check_window(PHASES_2026, "submit", at(2026, 10, 8, 9)) is None
    assert check_window(PHASES_2026, "submit", at(2026, 11, 20, 18) - SECOND) is None
    assert check_window(PHASES_2026, "submit", at(2026, 11, 20, 18)) == (
        "本轮申报已于 2026年11月20日 18:00 截止"
    )


@pytest.mark.parametrize(
    ("action", "inside", "after", "message"),
    [
        (
            "post_need",
            at(2026, 9, 2),
            at(2026, 9, 30, 18),
            "本轮需求征集已于 2026年9月30日 18:00 截止",
        ),
        (
            "support_need",
            at(2026, 9, 2),
            at(2026, 10, 1),
            "本轮需求征集已于 2026年9月30日 18:00 截止",
        ),
        (
            "resubmit",
            at(2026, 11, 25),
            at(2026, 11, 30, 18),
            "本轮退回项目重新提交已于 2026年11月30日 18:00 截止",
        ),
        (
            "screen",
            at(2026, 11, 1),
            at(2026, 12, 4, 18),
            "本轮资格审查已于 2026年12月4日 18:00 截止",
        ),
        (
            "score",
            at(2026, 12, 10),
            at(2026, 12, 18, 18),
            "本轮专家评审已于 2026年12月18日 18:00 截止",
        ),
    ],
)
def test_other_windows(action: str, inside: datetime, after: datetime, message: str) -> None:
    assert check_window(PHASES_2026, action, inside) is None
    assert check_window(PHASES_2026, action, after) == message


def test_score_not_open_yet() -> None:
    assert check_window(PHASES_2026, "score", at(2026, 12, 5)) == (
        "本轮专家评审将于 2026年12月7日 09:00 开始"
    )


def test_unknown_action_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="未知操作"):
        check_window(PHASES_2026, "dance", at(2026, 12, 5))


def test_naive_datetimes_refused() -> None:
    with pytest.raises(ValueError, match="申报截止时间须带时区"):
        replace(PHASES_2026, submit_close=datetime(2026, 11, 20, 18))


def test_validate_order_problems() -> None:
    bad = replace(
        PHASES_2026,
        submit_close=at(2026, 10, 8, 9),
        return_deadline=at(2026, 12, 5),
        notice_days=0,
        implementation_end=date(2026, 12, 31),
    )
    assert validate_phases(bad) == [
        "申报截止时间（2026年10月8日 09:00）须晚于申报开始时间（2026年10月8日 09:00）",
        "资格审查截止时间（2026年12月4日 18:00）不得早于退回修改截止时间（2026年12月5日 00:00）",
        "公示期须为 1 至 30 天",
        "实施结束日期（2026年12月31日）不得早于实施开始日期（2027年1月1日）",
    ]


def test_validate_implementation_after_notice() -> None:
    bad = replace(PHASES_2026, notice_days=15)
    assert validate_phases(bad) == [
        "实施开始日期（2027年1月1日）不得早于公示期结束（2027年1月2日 18:00）"
    ]


def test_validate_equal_boundaries_allowed() -> None:
    tight = replace(
        PHASES_2026,
        needs_close=at(2026, 10, 8, 9),
        return_deadline=at(2026, 12, 4, 18),
        judging_open=at(2026, 12, 4, 18),
    )
    assert validate_phases(tight) == []


def test_needs_and_submission_may_run_at_the_same_time():
    overlapping = RoundPhases(
        needs_open=at(2026, 11, 1, 9), needs_close=at(2026, 12, 1, 18),
        submit_open=at(2026, 11, 10, 9), submit_close=at(2026, 12, 10, 18),
        screening_close=at(2026, 12, 20, 18), return_deadline=at(2026, 12, 15, 18),
        judging_open=at(2026, 12, 21, 9), judging_close=at(2026, 12, 31, 18), notice_days=5,
        implementation_start=date(2027, 1, 15), implementation_end=date(2027, 6, 30))
    assert validate_phases(overlapping) == []
    now = at(2026, 11, 20, 10)
    assert check_window(overlapping, "post_need", now) is None
    assert check_window(overlapping, "submit", now) is None
    states = {step.key: step.state for step in timeline(overlapping, now)}
    assert states["needs"] == "current" and states["submission"] == "current"


def test_submission_cannot_open_before_needs_collection():
    early = RoundPhases(
        needs_open=at(2026, 11, 10, 9), needs_close=at(2026, 12, 1, 18),
        submit_open=at(2026, 11, 1, 9), submit_close=at(2026, 12, 10, 18),
        screening_close=at(2026, 12, 20, 18), return_deadline=at(2026, 12, 15, 18),
        judging_open=at(2026, 12, 21, 9), judging_close=at(2026, 12, 31, 18), notice_days=5,
        implementation_start=date(2027, 1, 15), implementation_end=date(2027, 6, 30))
    assert validate_phases(early)


@pytest.mark.parametrize("field, value", [("implementation_end", date(9999, 12, 31)),
                                          ("implementation_start", date(1, 1, 1)),
                                          ("judging_close", datetime(9999, 12, 31, tzinfo=UTC))])
def test_dates_outside_the_platform_range_are_refused_naming_the_range(field, value) -> None:
    problems = validate_phases(replace(PHASES_2026, **{field: value}))
    assert len(problems) == 1 and "2000-01-01 至 2100-12-31" in problems[0]


def test_a_round_ending_on_the_calendars_last_day_still_has_a_phase() -> None:
    phases = replace(PHASES_2026, implementation_end=date.max)
    assert current_phase(phases, datetime(2030, 1, 1, tzinfo=UTC)) == "implementation"
