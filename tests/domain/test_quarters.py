"""Quarters as the follow-up counts them."""

from __future__ import annotations

from datetime import date

import pytest

from grants.domain import quarters as q


def test_quarters_of_dates_bounds_and_ranges():
    assert q.quarter_of(date(2025, 9, 30)) == "2025Q3"
    assert q.quarter_bounds("2025Q4") == (date(2025, 10, 1), date(2025, 12, 31))
    assert q.quarter_bounds("2024Q1") == (date(2024, 1, 1), date(2024, 3, 31))
    assert q.quarters_between(date(2025, 6, 16), date(2026, 1, 2)) == [
        "2025Q2", "2025Q3", "2025Q4", "2026Q1"]
    assert q.quarter_label("2025Q3") == "2025年第三季度"


@pytest.mark.parametrize("text", ["2025Q5", "25Q1", "2025-3", ""])
def test_a_malformed_quarter_is_refused(text):
    with pytest.raises(ValueError):
        q.parse_quarter(text)
