"""The provider league table with given inputs: the weighted score and its band, medals for the
first three, and the bottom-three rule — named only when the band lies below every other
provider's, else 证据不足 with the answers needed — with overlapping and separated intervals."""

from __future__ import annotations

import pytest

from grants.domain import league as lg
from grants.domain.satisfaction import Tally, wilson

W = lg.Weights(40, 40, 20)


def provider(key: str, content: int, on_time: int, n: int = 25,
             evaluation: float | None = None) -> lg.ProviderInput:
    """A provider with ``content`` satisfied answers and ``on_time`` yes of ``n`` reached."""
    tally = Tally(satisfied=content, dissatisfied=n - content, on_time=on_time)
    return lg.ProviderInput(key, f"服务方{key}", tally, evaluation)


def test_the_score_and_its_band_weigh_the_three_parts_as_the_round_says():
    table = lg.league_table([provider("A", 20, 22, evaluation=90.0)], W)
    [only] = table.standings
    assert only.score == pytest.approx(0.4 * 90 + 100 * (0.4 * 0.8 + 0.2 * 0.88))
    assert only.score == pytest.approx(85.6)
    sat, time = wilson(20, 25), wilson(22, 25)
    assert only.low == pytest.approx(36 + 100 * (0.4 * sat.low + 0.2 * time.low))
    assert only.high == pytest.approx(36 + 100 * (0.4 * sat.high + 0.2 * time.high))


def test_without_any_evaluation_score_its_weight_goes_to_the_other_two_in_proportion():
    table = lg.league_table([provider("A", 20, 22), provider("B", 15, 25)], W)
    assert not table.shares.evaluation_used
    assert (table.shares.satisfaction, table.shares.timeliness) == pytest.approx((2 / 3, 1 / 3))
    assert table.standings[0].score == pytest.approx(100 * (2 / 3 * 0.8 + 1 / 3 * 0.88))
    assert table.notes


def test_once_some_have_evaluation_scores_those_without_are_left_out_as_are_the_unreached():
    table = lg.league_table([provider("A", 20, 22, evaluation=80.0), provider("B", 20, 22),
                             lg.ProviderInput("C", "服务方C", Tally(unreached=5), 70.0)], W)
    assert [s.provider.key for s in table.standings] == ["A"]
    assert {u.provider.key: u.reason for u in table.unranked} == {
        "B": lg.NO_EVALUATION, "C": lg.NO_CALLS}


def test_medals_go_to_the_first_three_and_the_bottom_three_never_hold_one():
    six = [provider(k, c, c) for k, c in zip("ABCDEF", (24, 23, 22, 21, 20, 18), strict=True)]
    table = lg.league_table(six, W)
    assert [s.provider.key for s in table.standings] == list("ABCDEF")
    assert [s.medal for s in table.standings] == [True] * 3 + [False] * 3
    assert [s.bottom for s in table.standings] == [False] * 3 + [True] * 3
    four = lg.league_table(six[:4], W)
    assert [s.bottom for s in four.standings] == [False, False, False, True]
    assert not any(s.bottom for s in lg.league_table(six[:3], W).standings)


def test_overlapping_intervals_name_nobody_and_say_how_many_answers_would_be_needed():
    six = [provider(k, c, c) for k, c in zip("ABCDEF", (24, 23, 22, 21, 20, 18), strict=True)]
    table = lg.league_table(six, W)
    assert table.line == pytest.approx(min(s.low for s in table.standings[:3]))
    others = [s.provider for s in table.standings[:3]]
    bottom = table.standings[3:]
    assert all(s.insufficient and not s.named and s.high >= table.line for s in bottom)
    assert [s.needed for s in bottom] == [
        lg.answers_needed(table.shares, s.provider, others) for s in bottom]
    for standing in bottom:
        assert standing.needed > 25
        assert lg.clearly_below(table.shares, standing.provider, others, standing.needed)
        assert not lg.clearly_below(table.shares, standing.provider, others, standing.needed - 1)
    assert bottom[0].needed > bottom[1].needed > bottom[2].needed


def test_separated_intervals_name_the_provider_for_the_notice():
    providers = [provider("A", 24, 24), provider("B", 23, 24), provider("C", 23, 23),
                 provider("D", 22, 23), provider("E", 8, 10), provider("F", 21, 22)]
    table = lg.league_table(providers, W)
    by_key = {s.provider.key: s for s in table.standings}
    assert by_key["E"].rank == 6 and by_key["E"].named and by_key["E"].needed is None
    assert by_key["E"].high < min(s.low for s in table.standings if not s.bottom)
    assert by_key["F"].bottom and by_key["F"].insufficient


def test_a_clear_gap_on_the_evaluation_alone_can_separate_providers():
    providers = [provider(k, 22, 22, evaluation=92.0) for k in "ABC"]
    providers.append(provider("D", 22, 22, evaluation=30.0))
    table = lg.league_table(providers, W)
    assert table.standings[-1].provider.key == "D" and table.standings[-1].named


def test_no_sample_size_when_the_score_is_not_below_or_the_gap_is_too_small():
    shares = lg.shares_of(W, evaluation_used=False)
    subject, better = provider("X", 20, 20), [provider("Y", 23, 23), provider("Z", 24, 24)]
    assert lg.answers_needed(shares, subject, [provider("Y", 19, 19)]) is None
    assert lg.answers_needed(shares, subject, [provider("Y", 20, 20)]) is None
    assert lg.answers_needed(shares, subject, better, limit=20) is None
    assert lg.answers_needed(shares, subject, [provider("Y", 2001, 2001, n=2500)]) is None
    needed = lg.answers_needed(shares, subject, better)
    assert needed is not None and lg.clearly_below(shares, subject, better, needed)


def test_the_search_agrees_with_counting_one_by_one():
    shares = lg.shares_of(W, evaluation_used=False)
    subject = provider("X", 17, 20)
    for content in (19, 20, 22, 24):
        others = [provider("Y", content, content)]
        counted = next(n for n in range(1, 20000)
                       if lg.clearly_below(shares, subject, others, n))
        assert lg.answers_needed(shares, subject, others) == counted


@pytest.mark.parametrize("weights", [lg.Weights(50, 40, 20), lg.Weights(-10, 90, 20),
                                     lg.Weights(100, 0, 1)])
def test_weights_must_be_whole_points_summing_to_100(weights):
    assert weights.problems()


def test_weights_all_on_a_missing_evaluation_rank_nobody():
    table = lg.league_table([provider("A", 20, 20)], lg.Weights(100, 0, 0))
    assert table.standings == () and table.unranked[0].reason == lg.NO_WEIGHT
