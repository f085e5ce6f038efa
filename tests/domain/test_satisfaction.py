"""Wilson 95 % score intervals against published values (Newcombe 1998, Statistics in Medicine
17:857, Table I, method 3) and the rates a project's outcomes give."""

from __future__ import annotations

import pytest

from grants.domain.satisfaction import Tally, percent, wilson, wilson_at


@pytest.mark.parametrize(("successes", "n", "low", "high"), [
    (81, 263, 0.2553, 0.3662),
    (15, 148, 0.0624, 0.1605),
    (0, 20, 0.0000, 0.1611),
    (1, 29, 0.0061, 0.1718),
    (20, 25, 0.6087, 0.9114),
    (10, 20, 0.2993, 0.7007),
    (25, 25, 0.8668, 1.0000),
])
def test_wilson_intervals_match_known_values(successes, n, low, high):
    interval = wilson(successes, n)
    assert (round(interval.low, 4), round(interval.high, 4)) == (low, high)


def test_twenty_five_calls_leave_about_twenty_points_either_way():
    interval = wilson(20, 25)
    assert 0.28 < interval.high - interval.low < 0.32


def test_a_larger_sample_at_the_same_rate_narrows_the_interval():
    assert wilson_at(0.8, 100).high < wilson_at(0.8, 25).high
    assert wilson_at(0.8, 100).low > wilson_at(0.8, 25).low


@pytest.mark.parametrize(("successes", "n"), [(1, 0), (-1, 5), (6, 5)])
def test_impossible_counts_are_refused(successes, n):
    with pytest.raises(ValueError):
        wilson(successes, n)


def test_the_rates_count_the_reached_only():
    tally = Tally(satisfied=15, fairly_satisfied=5, dissatisfied=5, on_time=22, unreached=3,
                  wrong_number=2)
    assert (tally.reached, tally.content, tally.drawn) == (25, 20, 30)
    assert tally.satisfaction().point == 0.8 and tally.timeliness().point == 0.88
    assert percent(tally.satisfaction().point) == "80.0%"
    assert Tally(unreached=4).satisfaction() is None
    assert (tally + Tally(satisfied=1, on_time=1)).reached == 26
