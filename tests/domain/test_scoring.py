"""Scoring: aggregation, normalisation, flags, resident vote, tie-broken ranking, whole round."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from decimal import Decimal, localcontext
from itertools import combinations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from grants.domain.rubric import DEFAULT_RUBRIC
from grants.domain.scoring import (
    HISTOGRAM_LABELS,
    TIE_BREAK_NOTES,
    ProposalFacts,
    RankInput,
    ScoringError,
    SheetKey,
    aggregate,
    collect_sheets,
    compute_ranking,
    final_score,
    judge_profiles,
    mean,
    median,
    normalise,
    outlier_flags,
    rank,
    round_score,
    trimmed_mean,
    vote_scores,
)


def d(*values: str | int) -> list[Decimal]:
    """Decimals from literals, for readable hand-computed cases."""
    return [Decimal(v) for v in values]


# --------------------------------------------------------------------------- aggregation


def test_trimmed_mean_of_five_drops_highest_and_lowest() -> None:
    result = aggregate(d(70, 82, 85, 88, 95))
    assert (result.method, result.value, result.n) == ("trimmed_mean", Decimal(85), 5)
    assert str(result.display) == "85.00"
    assert "最高分" in result.note


def test_four_judges_fall_back_to_mean_with_note() -> None:
    result = aggregate(d(70, 82, 85, 88))
    assert (result.method, result.value, result.n) == ("mean", Decimal("81.25"), 4)
    assert result.note == "评委不足 5 人，采用算术平均"


def test_trimmed_mean_repeating_decimal_is_rounded_half_up_only_for_display() -> None:
    result = aggregate(d(60, 70, 70, 71, 100))
    assert result.value == Decimal(211) / 3
    assert str(result.display) == "70.33"


def test_explicit_mean_and_median_methods() -> None:
    totals = d(60, 70, 80, 95)
    assert aggregate(totals, "mean").value == Decimal("76.25")
    assert aggregate(totals, "mean").note == "全部评委得分的算术平均"
    assert aggregate(totals, "median").value == Decimal(75)
    assert aggregate(d(60, 99, 70), "median").value == Decimal(70)


def test_helpers() -> None:
    assert mean(d("80.5", 81)) == Decimal("80.75")
    assert median(d(1, 3, 2)) == Decimal(2)
    assert median(d(1, 2)) == Decimal("1.5")
    assert trimmed_mean(d(0, 50, 100)) == Decimal(50)
    with pytest.raises(ValueError):
        trimmed_mean(d(1, 2))


def test_round_score_is_half_up_not_bankers() -> None:
    assert str(round_score(Decimal("84.125"))) == "84.13"
    assert str(round_score(Decimal("84.135"))) == "84.14"
    assert str(aggregate(d(84, 84, 84, 84, 84, 84, 84, 85), "mean").display) == "84.13"


def test_aggregate_refuses_empty_and_unknown_method() -> None:
    with pytest.raises(ValueError, match="没有评分"):
        aggregate([])
    with pytest.raises(ValueError):
        aggregate(d(80), "max")


def test_aggregate_ignores_callers_decimal_context() -> None:
    with localcontext() as ctx:
        ctx.prec = 3
        value = aggregate(d(60, 70, 70, 71, 100)).value
    assert value == Decimal(211) / Decimal(3)
    assert len(value.as_tuple().digits) == 28


# --------------------------------------------------------------------------- normalisation


def test_normalise_hand_computed() -> None:
    sheets = {
        ("A", 1): Decimal(80),
        ("A", 2): Decimal(60),
        ("B", 1): Decimal(90),
        ("B", 2): Decimal(90),
    }
    result = normalise(sheets)
    panel_sd = Decimal(150).sqrt()  # totals 80, 60, 90, 90: mean 80, variance 150
    assert result[("A", 1)] == Decimal(80) + panel_sd  # z = +1
    assert result[("A", 2)] == Decimal(80) - panel_sd  # z = −1
    assert result[("B", 1)] == result[("B", 2)] == Decimal(80)  # zero spread → z = 0


def test_normalise_single_sheet_and_empty() -> None:
    assert normalise({("A", 1): Decimal(70)}) == {("A", 1): Decimal(70)}
    assert normalise({}) == {}


def test_normalise_removes_a_lenient_judges_offset() -> None:
    strict = {("S", p): Decimal(t) for p, t in [(1, 60), (2, 70), (3, 80)]}
    lenient = {("L", p): Decimal(t) for p, t in [(1, 80), (2, 90), (3, 100)]}
    result = normalise(strict | lenient)
    for p in (1, 2, 3):
        assert result[("S", p)] == result[("L", p)]


def _panel(totals: list[list[Decimal]]) -> dict[SheetKey, Decimal]:
    """Full panel: judge j scores proposal p with ``totals[j][p]``."""
    return {(j, p): t for j, row in enumerate(totals) for p, t in enumerate(row)}


def _normalised_scores(sheets: Mapping[SheetKey, Decimal]) -> dict[int, Decimal]:
    by_proposal: dict[int, list[Decimal]] = {}
    for (_, p), value in normalise(sheets).items():
        by_proposal.setdefault(int(p), []).append(value)
    return {p: aggregate(values).value for p, values in by_proposal.items()}


def _order_relation(scores: Mapping[int, Decimal]) -> dict[tuple[int, int], int]:
    """-1/0/+1 for every pair; differences below 1e-15 count as ties (rounding at 28 digits)."""
    epsilon = Decimal("1e-15")
    relation = {}
    for a, b in combinations(sorted(scores), 2):
        gap = scores[a] - scores[b]
        relation[(a, b)] = 0 if abs(gap) < epsilon else (1 if gap > 0 else -1)
    return relation


half_points = st.integers(min_value=40, max_value=160).map(lambda h: Decimal(h) / 2)


@settings(max_examples=150, deadline=None)
@given(
    data=st.data(),
    judges=st.integers(min_value=2, max_value=6),
    proposals=st.integers(min_value=2, max_value=7),
    shift=st.integers(min_value=-40, max_value=40).map(lambda h: Decimal(h) / 2),
)
def test_shifting_one_judge_leaves_normalised_ranking_unchanged(
    data: st.DataObject, judges: int, proposals: int, shift: Decimal
) -> None:
    totals = [
        data.draw(st.lists(half_points, min_size=proposals, max_size=proposals))
        for _ in range(judges)
    ]
    who = data.draw(st.integers(min_value=0, max_value=judges - 1))
    shifted = [list(row) for row in totals]
    shifted[who] = [t + shift for t in shifted[who]]
    before = _order_relation(_normalised_scores(_panel(totals)))
    after = _order_relation(_normalised_scores(_panel(shifted)))
    assert before == after


# --------------------------------------------------------------------------- flags


def test_outlier_flags_more_than_20_from_median() -> None:
    sheets = {
        ("A", 1): Decimal(60),
        ("B", 1): Decimal(85),
        ("C", 1): Decimal(86),
        ("D", 1): Decimal(88),
    }
    sheets |= {("A", 2): Decimal(60), ("B", 2): Decimal(80), ("C", 2): Decimal(80)}
    flags = outlier_flags(sheets)
    assert len(flags) == 1  # proposal 2: exactly 20 below the median is not flagged
    flag = flags[0]
    assert (flag.judge_id, flag.proposal_id) == ("A", 1)
    assert (flag.total, flag.panel_median, flag.deviation) == (
        Decimal(60),
        Decimal("85.5"),
        Decimal("-25.5"),
    )
    assert flag.message == "评委 A 给项目 1 打 60.00 分，比评委中位数 85.50 分低 25.50 分"
    assert outlier_flags(sheets, threshold=Decimal(19)) != flags


def test_judge_profiles_label_severe_lenient_and_normal() -> None:
    sheets: dict[SheetKey, Decimal] = {}
    for p in (1, 2, 3):
        sheets |= {("严", p): Decimal(70), ("中", p): Decimal(80), ("松", p): Decimal(90)}
    sheets[("新", 1)] = Decimal(40)  # far below, but a single sheet labels nobody
    profiles = judge_profiles(sheets)
    assert profiles["严"].label == "偏严"
    assert profiles["松"].label == "偏松"
    assert profiles["中"].label == "正常"
    assert profiles["新"].label == "正常"
    severe = profiles["严"]
    assert (severe.count, severe.mean, severe.median) == (3, Decimal(70), Decimal(70))
    assert (severe.minimum, severe.maximum) == (Decimal(70), Decimal(70))
    assert round_score(severe.mean_deviation) == Decimal("-6.67")  # −10 on p2, p3; p1 mean is 70


def test_judge_profile_histogram_buckets() -> None:
    totals = ["0", "9.5", "10", "55", "89.5", "90", "100"]
    profile = judge_profiles({("A", i): Decimal(t) for i, t in enumerate(totals)})["A"]
    assert len(profile.histogram) == len(HISTOGRAM_LABELS) == 10
    assert HISTOGRAM_LABELS[0] == "0–9" and HISTOGRAM_LABELS[-1] == "90–100"
    assert profile.histogram == (2, 1, 0, 0, 0, 1, 0, 0, 1, 2)


# --------------------------------------------------------------------------- resident vote


def test_vote_scores_relative_to_leader() -> None:
    assert vote_scores({"a": 50, "b": 25, "c": 0}) == {"a": 100, "b": 50, "c": 0}
    assert round_score(vote_scores({"a": 3, "b": 1})["b"]) == Decimal("33.33")


def test_vote_scores_nobody_voted_or_bad_counts() -> None:
    assert vote_scores({"a": 0, "b": 0}) == {"a": 0, "b": 0}
    assert vote_scores({}) == {}
    with pytest.raises(ValueError, match="非负整数"):
        vote_scores({"a": -1})


def test_final_score_weighting() -> None:
    assert final_score(Decimal(80), Decimal(50), Decimal("0.2")) == Decimal(74)
    assert final_score(Decimal(80), Decimal(50), Decimal(0)) == Decimal(80)
    assert final_score(Decimal(80), Decimal(100), Decimal("0.5")) == Decimal(90)


@pytest.mark.parametrize("weight", [Decimal("0.51"), Decimal("-0.1"), Decimal(1)])
def test_final_score_refuses_weight_outside_half(weight: Decimal) -> None:
    with pytest.raises(ValueError, match="公众投票权重须在 0 到 0.5 之间"):
        final_score(Decimal(80), Decimal(50), weight)


def test_final_score_refuses_float_weight() -> None:
    with pytest.raises(TypeError):
        final_score(Decimal(80), Decimal(50), 0.2)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- ranking

T0 = datetime(2026, 3, 1, 9, 0)


def entry(
    pid: int, expert: str, *, need: str = "15", fen: int = 500_000, minutes: int = 0
) -> RankInput:
    """A ranking input with defaults that tie on everything but what a test varies."""
    return RankInput(
        proposal_id=pid,
        title=f"项目{pid}",
        expert_score=Decimal(expert),
        public_score=None,
        need_fit=Decimal(need),
        requested_fen=fen,
        submitted_at=T0 + timedelta(minutes=minutes),
        judges=5,
        method="trimmed_mean",
    )


def test_rank_by_final_score_then_each_tie_break_in_order() -> None:
    entries = [
        entry(9, "80"),  # loses every tie-break except id
        entry(8, "80"),  # same as 9 → id decides
        entry(7, "80", minutes=-5),  # earlier than 8/9
        entry(6, "80", fen=400_000, minutes=10),  # cheaper beats earlier
        entry(5, "80", need="16", fen=900_000, minutes=20),  # need-fit beats cheaper
        entry(3, "80", need="16.5", fen=900_000, minutes=20),  # and higher need-fit beats 5
        entry(4, "90", need="1"),  # higher final beats everything
    ]
    rows = rank(entries)
    assert [r.proposal_id for r in rows] == [4, 3, 5, 6, 7, 8, 9]
    assert [r.rank for r in rows] == [1, 2, 3, 4, 5, 6, 7]
    assert [r.tie_break for r in rows] == [
        "",
        "",
        "与上一名同分，上一名需求契合度更高",
        "与上一名同分，上一名需求契合度更高",
        "与上一名同分且需求契合度相同，上一名申请金额更少",
        "与上一名同分且需求契合度、申请金额相同，上一名提交更早",
        "与上一名同分且其余条件均相同，按项目编号排序",
    ]
    rows = rank([entry(1, "80", need="15"), entry(2, "80", need="15.5")])
    assert [r.proposal_id for r in rows] == [2, 1]
    assert rows[1].tie_break == TIE_BREAK_NOTES[1] == "与上一名同分，上一名需求契合度更高"


def test_rank_ties_on_published_two_decimals() -> None:
    rows = rank([entry(1, "85.3349"), entry(2, "85.33", need="16")])
    assert [r.proposal_id for r in rows] == [2, 1]
    assert rows[1].tie_break == "与上一名同分，上一名需求契合度更高"
    assert rows[0].final_score == rows[1].final_score == Decimal("85.33")


def test_ranked_row_carries_published_figures() -> None:
    item = RankInput(
        1,
        "社区花园",
        Decimal(211) / 3,
        Decimal(50),
        Decimal("17.5"),
        800_000,
        T0,
        5,
        "trimmed_mean",
        "说明",
    )
    (row,) = rank([item], public_weight=Decimal("0.2"))
    assert str(row.final_score) == "66.27"  # 0.8 × 70.333… + 0.2 × 50 = 66.2666…
    assert (str(row.expert_score), str(row.public_score), str(row.need_fit)) == (
        "70.33",
        "50.00",
        "17.50",
    )
    assert (row.rank, row.judges, row.method, row.note, row.tie_break) == (
        1,
        5,
        "trimmed_mean",
        "说明",
        "",
    )
    assert row.normalised_score is None


def test_public_vote_can_change_the_order() -> None:
    a = RankInput(1, "甲", Decimal(85), Decimal(10), Decimal(15), 1, T0, 5, "mean")
    b = RankInput(2, "乙", Decimal(80), Decimal(100), Decimal(15), 1, T0, 5, "mean")
    assert [r.proposal_id for r in rank([a, b], public_weight=Decimal(0))] == [1, 2]
    assert [r.proposal_id for r in rank([a, b], public_weight=Decimal("0.2"))] == [2, 1]


def test_rank_refuses_mixed_vote_and_duplicate_ids() -> None:
    with_vote = RankInput(1, "甲", Decimal(85), Decimal(10), Decimal(15), 1, T0, 5, "mean")
    with pytest.raises(ScoringError, match="公众投票"):
        rank([with_vote, entry(2, "80")])
    with pytest.raises(ScoringError, match="重复"):
        rank([entry(1, "80"), entry(1, "70")])
    assert rank([]) == []


# --------------------------------------------------------------------------- whole round


def sheet_rows(
    judge: str, proposal: int, points: tuple[str, ...]
) -> list[tuple[str, int, str, Decimal]]:
    """Score rows for one sheet in rubric order."""
    return [
        (judge, proposal, c.key, Decimal(p)) for c, p in zip(DEFAULT_RUBRIC, points, strict=True)
    ]


FACTS = [
    ProposalFacts(1, "长者助餐", 500_000, T0),
    ProposalFacts(2, "儿童托管", 300_000, T0 + timedelta(hours=1)),
    ProposalFacts(3, "未评审项目", 100_000, T0),
]


def round_rows() -> list[tuple[str, int, str, Decimal]]:
    """Proposal 1: five judges, totals 70/82/85/88/95. Proposal 2: four judges, mean 81.25."""
    rows = []
    for judge, points in zip(
        "ABCDE",
        [
            ("14", "17", "10", "14", "15"),
            ("16", "20", "12", "17", "17"),
            ("17", "21", "12", "17", "18"),
            ("18", "22", "12", "18", "18"),
            ("19", "24", "14", "19", "19"),
        ],
        strict=True,
    ):
        rows += sheet_rows(judge, 1, points)
    for judge, points in zip(
        "ABCD",
        [
            ("15", "20", "10", "15", "10"),
            ("16", "21", "12", "17", "16"),
            ("17", "21", "12", "17", "18"),
            ("18", "22", "12", "17.5", "18.5"),
        ],
        strict=True,
    ):
        rows += sheet_rows(judge, 2, points)
    return rows


def test_compute_ranking_whole_round() -> None:
    ranking = compute_ranking(round_rows(), FACTS)
    first, second = ranking.rows
    assert (first.proposal_id, first.final_score, first.method, first.judges) == (
        1,
        Decimal("85.00"),
        "trimmed_mean",
        5,
    )
    assert (second.proposal_id, second.final_score, second.method, second.judges) == (
        2,
        Decimal("81.25"),
        "mean",
        4,
    )
    assert second.note == "评委不足 5 人，采用算术平均"
    assert first.need_fit == Decimal("16.80")  # (14+16+17+18+19)/5
    assert first.normalised_score is not None and second.normalised_score is not None
    assert ranking.unscored == (3,)
    assert ranking.totals[("E", 1)] == Decimal(95)
    assert len(ranking.totals) == 9


def test_compute_ranking_with_votes_and_methods() -> None:
    ranking = compute_ranking(
        round_rows(), FACTS, votes={2: 40, 1: 10}, public_weight=Decimal("0.5"), turnout=45
    )
    assert [r.proposal_id for r in ranking.rows] == [2, 1]
    assert ranking.rows[0].final_score == Decimal("90.63")  # (81.25 + 100) / 2 = 90.625 → half up
    assert ranking.rows[1].public_score == Decimal("25.00")
    median_ranking = compute_ranking(round_rows(), FACTS, method="median")
    assert [r.method for r in median_ranking.rows] == ["median", "median"]


def test_compute_ranking_refuses_incomplete_duplicate_and_unknown() -> None:
    rows = round_rows()
    with pytest.raises(ScoringError, match="评委 A 对项目 1 的评分表缺少“需求契合度”"):
        compute_ranking(rows[1:], FACTS)
    with pytest.raises(ScoringError, match="重复"):
        compute_ranking(rows + rows[:1], FACTS)
    with pytest.raises(ScoringError, match="本轮以外"):
        compute_ranking(rows + sheet_rows("A", 99, ("1", "1", "1", "1", "1")), FACTS)
    with pytest.raises(ScoringError, match="未知评分项“extra”"):
        collect_sheets(rows + [("A", 1, "extra", Decimal(1))])


def test_compute_ranking_accepts_an_iterator_of_rows() -> None:
    assert (
        compute_ranking(iter(round_rows()), FACTS).rows == compute_ranking(round_rows(), FACTS).rows
    )


def test_compute_ranking_without_rows_leaves_everything_unscored() -> None:
    ranking = compute_ranking([], FACTS)
    assert ranking.rows == ()
    assert ranking.unscored == (1, 2, 3)


def test_ranking_totals_feed_flags_and_profiles() -> None:
    ranking = compute_ranking(round_rows(), FACTS)
    assert {f.judge_id for f in outlier_flags(ranking.totals, threshold=Decimal(10))} == {"A"}
    assert set(judge_profiles(ranking.totals)) == set("ABCDE")


@settings(max_examples=200, deadline=None)
@given(
    votes=st.dictionaries(st.integers(1, 50), st.integers(0, 10_000), max_size=20),
    expert=half_points,
    weight=st.integers(0, 50).map(lambda w: Decimal(w) / 100),
)
def test_vote_and_final_properties(votes: dict[int, int], expert: Decimal, weight: Decimal) -> None:
    scores = vote_scores(votes)
    assert set(scores) == set(votes)
    assert all(0 <= s <= 100 for s in scores.values())
    if any(votes.values()):
        assert max(scores.values()) == 100
    for public in scores.values():
        blended = final_score(expert, public, weight)
        assert min(expert, public) <= blended <= max(expert, public)
