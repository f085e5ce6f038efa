"""The next step of a proposal and the days left before its deadline (Beijing calendar)."""

from __future__ import annotations

import pytest

from grants.domain.landing import days_left, next_step
from grants.domain.phases import local_datetime as at


@pytest.mark.parametrize(("deadline", "now", "days", "text"), [
    (at(2026, 12, 5, 18), at(2026, 12, 2, 9), 3, "3 天后截止"),
    (at(2026, 12, 3, 1), at(2026, 12, 2, 23), 1, "1 天后截止"),
    (at(2026, 12, 2, 18), at(2026, 12, 2, 9), 0, "今天截止"),
    (at(2026, 12, 2, 18), at(2026, 12, 2, 18), -1, "已截止"),
])
def test_days_left_count_calendar_days(deadline, now, days, text):
    assert days_left(deadline, now) == days
    step = next_step("draft", {"submit_close": deadline}, now)
    assert (step.days_left, step.deadline_text) == (days, text)


def test_only_drafts_and_returned_proposals_have_a_deadline():
    deadlines = {"submit_close": at(2026, 12, 20), "return_deadline": at(2026, 12, 10)}
    now = at(2026, 12, 2)
    returned = next_step("returned", deadlines, now)
    assert returned.label == "按审查意见修改后重新提交" and returned.days_left == 8
    waiting = next_step("submitted", deadlines, now)
    assert waiting.label == "等待资格审查" and waiting.deadline_text == ""
    assert next_step("mystery", deadlines, now).label == "查看申报"
    assert next_step("draft", {"submit_close": at(2026, 12, 4)}, now).urgent
