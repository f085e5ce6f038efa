"""Fair resident votes in the domain: the turnout scales the weight, the vote ends with judging."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from grants.domain.judging_rules import SettingsInput, VoteState, check_settings, check_vote
from grants.domain.scoring import (
    DEFAULT_MIN_TURNOUT,
    ProposalFacts,
    compute_ranking,
    effective_vote_weight,
    turnout_share,
)

WEIGHT = Decimal("0.2")
T0 = datetime(2026, 12, 1, 9, 0)
CRITERIA = ("need_fit", "feasibility", "innovation", "budget", "sustainability")
MAXIMA = (20, 25, 15, 20, 20)


def _sheet(judge: str, proposal: int, total: int) -> list[tuple]:
    """Flat score rows for one sheet adding up to ``total``."""
    rows, left = [], Decimal(total)
    for key, maximum in zip(CRITERIA, MAXIMA, strict=True):
        give = min(Decimal(maximum), left)
        rows.append((judge, proposal, key, give))
        left -= give
    return rows


@pytest.mark.parametrize(
    ("turnout", "share"),
    [(0, Decimal(0)), (1, Decimal(1) / 30), (15, Decimal("0.5")), (30, Decimal(1)), (300, Decimal(1))],
)
def test_the_vote_carries_its_weight_in_proportion_to_turnout(turnout, share):
    assert turnout_share(turnout) == share
    assert effective_vote_weight(WEIGHT, turnout) == WEIGHT * share


def test_turnout_and_minimum_are_checked():
    with pytest.raises(ValueError):
        turnout_share(-1)
    with pytest.raises(ValueError):
        turnout_share(1, 0)
    with pytest.raises(TypeError):
        turnout_share(True)  # type: ignore[arg-type]


def test_one_vote_in_a_round_of_two_moves_no_score_by_more_than_weight_times_turnout_share():
    rows = _sheet("A", 1, 80) + _sheet("A", 2, 79)
    facts = [ProposalFacts(1, "甲", 1_000_000, T0), ProposalFacts(2, "乙", 1_000_000, T0)]
    without = {r.proposal_id: r.final_score for r in compute_ranking(rows, facts).rows}
    voted = compute_ranking(rows, facts, votes={2: 1}, public_weight=WEIGHT, turnout=1)
    bound = WEIGHT * Decimal(1) / DEFAULT_MIN_TURNOUT * 100  # 0.67 points
    moves = {r.proposal_id: abs(r.final_score - without[r.proposal_id]) for r in voted.rows}
    assert max(moves.values()) <= bound.quantize(Decimal("0.01")) + Decimal("0.005")
    assert voted.vote_weight.quantize(Decimal("0.000001")) == Decimal("0.006667")
    assert [r.proposal_id for r in voted.rows] == [1, 2]  # one voter cannot reverse the experts


def test_without_a_turnout_the_vote_weighs_nothing():
    rows = _sheet("A", 1, 80) + _sheet("A", 2, 70)
    facts = [ProposalFacts(1, "甲", 1_000_000, T0), ProposalFacts(2, "乙", 1_000_000, T0)]
    ranking = compute_ranking(rows, facts, votes={2: 50}, public_weight=WEIGHT)
    assert [r.final_score for r in ranking.rows] == [Decimal("80.00"), Decimal("70.00")]


def _state(**changes) -> VoteState:
    values = dict(weight_pct=20, opens=T0, closes=T0 + timedelta(days=3), used=0, limit=3,
                  already=False, judging_ends=T0 + timedelta(days=2))
    values.update(changes)
    return VoteState(**values)


@pytest.mark.parametrize(
    ("moment", "problem"),
    [
        (T0 + timedelta(days=1), None),
        (T0 + timedelta(days=2), "评审已结束，居民投票已截止"),
        (T0 + timedelta(days=2, hours=12), "评审已结束，居民投票已截止"),
    ],
)
def test_a_vote_after_judging_ended_is_refused_even_inside_the_window(moment, problem):
    assert check_vote(_state(), moment) == problem


def _settings(**changes) -> SettingsInput:
    values = dict(mode="all", judges_per_proposal=3, seed=7, blind=True, method="mean",
                  normalise=False, vote_weight_pct=20, vote_max_per_resident=3, vote_open=T0,
                  vote_close=T0 + timedelta(days=3))
    values.update(changes)
    return SettingsInput(**values)


def test_the_vote_window_closes_no_later_than_judging():
    judging_close = T0 + timedelta(days=2)
    problems = check_settings(_settings(), judging_close)
    assert problems == ["投票截止时间不得晚于评审截止时间（2026年12月3日 17:00）"]
    assert check_settings(_settings(vote_close=judging_close), judging_close) == []
    assert check_settings(_settings(vote_min_turnout=0), None) == [
        "最低投票人数须在 1 至 100000 之间"
    ]


def test_aware_judging_close_is_named_in_beijing_time():
    judging_close = datetime(2026, 12, 3, 10, 0, tzinfo=UTC)
    problems = check_settings(_settings(vote_close=T0 + timedelta(days=5)),
                              judging_close.replace(tzinfo=None))
    assert problems == ["投票截止时间不得晚于评审截止时间（2026年12月3日 18:00）"]
