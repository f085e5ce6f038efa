"""Notice period: working days across weekends, holidays and make-up workdays."""

from __future__ import annotations

from datetime import date

import pytest

from grants.domain.notice import (
    can_confirm,
    format_date_cn,
    is_notice_open,
    is_working_day,
    notice_end,
)

# 2026 calendar excerpts: National Day week Thu 1 Oct – Thu 8 Oct, make-up Sat 10 Oct.
NATIONAL_DAY = frozenset(date(2026, 10, d) for d in range(1, 9))
MAKE_UP = frozenset({date(2026, 10, 10)})


def test_publication_day_counts_when_it_is_a_working_day():
    assert notice_end(date(2026, 7, 6)) == date(2026, 7, 10)  # Mon → Fri


def test_across_a_weekend():
    assert notice_end(date(2026, 7, 8)) == date(2026, 7, 14)  # Wed → next Tue


def test_published_on_saturday_starts_counting_monday():
    assert notice_end(date(2026, 7, 11)) == date(2026, 7, 17)


def test_one_working_day():
    assert notice_end(date(2026, 7, 6), working_days=1) == date(2026, 7, 6)


def test_across_a_holiday():
    dragon_boat = frozenset({date(2026, 6, 19)})  # Friday
    assert notice_end(date(2026, 6, 15), holidays=dragon_boat) == date(2026, 6, 22)


def test_across_national_day_with_make_up_workday():
    end = notice_end(date(2026, 9, 29), 5, NATIONAL_DAY, MAKE_UP)
    # Tue 29, Wed 30 Sep; holidays 1–8 Oct; Fri 9, Sat 10 (make-up), Mon 12
    assert end == date(2026, 10, 12)
    assert is_working_day(date(2026, 10, 10), NATIONAL_DAY, MAKE_UP)
    assert not is_working_day(date(2026, 10, 5), NATIONAL_DAY, MAKE_UP)


def test_calendar_errors_are_refused():
    with pytest.raises(ValueError):
        notice_end(date(2026, 7, 6), 0)
    clash = frozenset({date(2026, 10, 10)})
    with pytest.raises(ValueError, match="2026年10月10日"):
        notice_end(date(2026, 10, 1), 5, clash, clash)


def test_is_notice_open_inclusive():
    start, end = date(2026, 7, 6), date(2026, 7, 10)
    assert not is_notice_open(date(2026, 7, 5), start, end)
    assert is_notice_open(start, start, end)
    assert is_notice_open(end, start, end)
    assert not is_notice_open(date(2026, 7, 11), start, end)


def test_can_confirm():
    end = date(2026, 7, 10)
    ok, reason = can_confirm(end, date(2026, 7, 10), 0)
    assert not ok and reason == "公示期至 2026年7月10日 结束，期满后方可确认立项"
    check = can_confirm(end, date(2026, 7, 11), 2)
    assert not check.ok and "2 件异议未处理" in check.reason
    assert can_confirm(end, date(2026, 7, 11), 0) == (True, "")


def test_format_date_cn():
    assert format_date_cn(date(2026, 1, 5)) == "2026年1月5日"
