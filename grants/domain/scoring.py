"""Scores of one judging round: aggregation, judge normalisation, flags, resident vote, ranking.

Exactness
    Points are Decimal half points, so sheet totals are exact sums. A mean or median is one
    division of an exact sum, carried out in a private decimal context of 28 significant digits
    (``SCORE_CONTEXT``), whatever the caller's thread context is. Such a quotient is correctly
    rounded: proposals whose true averages are equal get identical Decimals, and averages that
    truly differ (by at least 1/(2·n₁·n₂) points) stay far apart at 28 digits. Floats never occur.

Ranking
    Proposals are ranked on the *published* figures: final score and mean 需求契合度, both
    quantized to 2 decimals with ROUND_HALF_UP, then the documented tie-breaks. Anyone holding the
    public notice can therefore re-check the order, and two rows showing the same score always
    carry the rule that separated them.

Normalisation
    Judge normalisation needs square roots and cannot be exact. It is computed in the same
    28-digit context (about 26 correct decimals, far below the 0.01 shown) and is displayed beside
    the raw scores to help the panel discuss severe or lenient judges; it never decides the rank.
"""

from __future__ import annotations

import gc
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from decimal import (
    ROUND_HALF_EVEN,
    ROUND_HALF_UP,
    Context,
    Decimal,
    DivisionByZero,
    InvalidOperation,
    Overflow,
    localcontext,
)
from typing import TypeAlias

from grants.domain.i18n import N_, join_list, msg, tr
from grants.domain.rubric import DEFAULT_RUBRIC, Criterion

JudgeId: TypeAlias = int | str
ProposalId: TypeAlias = int | str
SheetKey: TypeAlias = tuple[JudgeId, ProposalId]
ScoreRow: TypeAlias = tuple[JudgeId, ProposalId, str, Decimal]

SCORE_CONTEXT = Context(
    prec=28, rounding=ROUND_HALF_EVEN, traps=[InvalidOperation, DivisionByZero, Overflow]
)
METHODS = ("trimmed_mean", "mean", "median")
TRIM_MIN_JUDGES = 5
MAX_PUBLIC_WEIGHT = Decimal("0.5")
DEFAULT_MIN_TURNOUT = 30
"""Residents who must vote before the resident vote carries its full weight (a round setting)."""
MIN_TURNOUT_LIMIT = 100_000
OUTLIER_THRESHOLD = Decimal(20)
LEANING_POINTS = Decimal(5)
LEANING_MIN_SHEETS = 3
LEANING_STRICT, LEANING_LENIENT, LEANING_NORMAL = N_("偏严"), N_("偏松"), N_("正常")
HISTOGRAM_LABELS = tuple(f"{low}–{low + 9}" for low in range(0, 90, 10)) + ("90–100",)
TIE_BREAK_NOTES = (
    "",
    N_("与上一名同分，上一名需求契合度更高"),
    N_("与上一名同分且需求契合度相同，上一名申请金额更少"),
    N_("与上一名同分且需求契合度、申请金额相同，上一名提交更早"),
    N_("与上一名同分且其余条件均相同，按项目编号排序"),
)

_ZERO = Decimal(0)
_ONE = Decimal(1)
_HUNDRED = Decimal(100)
_CENT = Decimal("0.01")
_NOTES = {
    "trimmed_mean": N_("去掉一个最高分和一个最低分后取算术平均"),
    "mean": N_("全部评委得分的算术平均"),
    "median": N_("全部评委得分的中位数"),
    "fallback": N_("评委不足 5 人，采用算术平均"),  # 5 = TRIM_MIN_JUDGES
}


class ScoringError(ValueError):
    """Score data that cannot be ranked as given; ``str(err)`` is a Chinese explanation."""


def round_score(value: Decimal) -> Decimal:
    """Quantize a score to 2 decimals with ROUND_HALF_UP, the one published precision."""
    return value.quantize(_CENT, rounding=ROUND_HALF_UP, context=SCORE_CONTEXT)


# --------------------------------------------------------------------------- aggregation


@dataclass(frozen=True)
class Aggregate:
    """One proposal's expert score: the method actually used, the value, judge count, a note."""

    method: str
    value: Decimal
    n: int
    note: str

    @property
    def display(self) -> Decimal:
        """The value as published: 2 decimals, ROUND_HALF_UP."""
        return round_score(self.value)


def mean(values: Sequence[Decimal]) -> Decimal:
    """Arithmetic mean: the exact sum divided once, correctly rounded to 28 digits."""
    _require(values)
    with localcontext(SCORE_CONTEXT):
        return _mean(values)


def median(values: Sequence[Decimal]) -> Decimal:
    """Median (mean of the two middle values for an even count), robust to one wild sheet."""
    _require(values)
    with localcontext(SCORE_CONTEXT):
        return _median(values)


def trimmed_mean(values: Sequence[Decimal]) -> Decimal:
    """Mean after dropping one highest and one lowest value; needs at least 3 values."""
    if len(values) < 3:
        raise ValueError(msg("去掉最高分和最低分至少需要 3 个分数"))
    with localcontext(SCORE_CONTEXT):
        return _trimmed_mean(values)


def aggregate(totals: Sequence[Decimal], method: str = "trimmed_mean") -> Aggregate:
    """Combine judges' sheet totals for one proposal into its expert score.

    ``trimmed_mean`` (default) drops one highest and one lowest total, which blunts a single
    unusually harsh or generous judge, but only with at least 5 judges; with fewer it falls back
    to the mean and says so in the note, because trimming 2 of 4 sheets would discard half the
    panel. ``mean`` and ``median`` are available when the round rules choose them.
    """
    _require(totals)
    if method not in METHODS:
        raise ValueError(f"unknown aggregation method {method!r}; choose from {METHODS}")
    with localcontext(SCORE_CONTEXT):
        return _aggregate(totals, method)


def _aggregate(totals: Sequence[Decimal], method: str) -> Aggregate:
    """:func:`aggregate` without argument checks or context set-up, for hot loops."""
    used = "mean" if method == "trimmed_mean" and len(totals) < TRIM_MIN_JUDGES else method
    note = _NOTES[used] if used == method else _NOTES["fallback"]
    return Aggregate(used, _AGGREGATORS[used](totals), len(totals), note)


def _require(values: Sequence[Decimal]) -> None:
    """Refuse an empty list of scores: an average of nothing is not zero."""
    if not values:
        raise ValueError(msg("没有评分，无法汇总"))


def _mean(values: Sequence[Decimal]) -> Decimal:
    """Mean in the current context (the caller has entered ``SCORE_CONTEXT``)."""
    return sum(values, _ZERO) / len(values)


def _median(values: Sequence[Decimal]) -> Decimal:
    """Median in the current context."""
    ordered = sorted(values)
    middle, odd = divmod(len(ordered), 2)
    if odd:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


def _trimmed_mean(values: Sequence[Decimal]) -> Decimal:
    """Trimmed mean in the current context: sum minus extremes, divided by n − 2."""
    return (sum(values, _ZERO) - max(values) - min(values)) / (len(values) - 2)


_AGGREGATORS = {"trimmed_mean": _trimmed_mean, "mean": _mean, "median": _median}


# --------------------------------------------------------------------------- normalisation


def normalise(sheets: Mapping[SheetKey, Decimal]) -> dict[SheetKey, Decimal]:
    """Put every judge on the panel's scale: z-score per judge, then the panel's mean and spread.

    For judge j with mean mⱼ and population standard deviation σⱼ of their own totals, a total t
    becomes ``M + (t − mⱼ)/σⱼ · S`` where M and S are the mean and population standard deviation
    of all raw totals in the round. A judge with zero spread (or one sheet) gets z = 0, i.e. M.
    This removes a judge's overall severity and range, so a lenient judge's sheets no longer lift
    just the proposals they happened to draw. Computed in ``SCORE_CONTEXT`` (28 digits) because
    square roots are irrational; see the module docstring.
    """
    if not sheets:
        return {}
    with localcontext(SCORE_CONTEXT):
        panel_mean, panel_sd = _mean_and_sd(list(sheets.values()))
        result: dict[SheetKey, Decimal] = {}
        for keys in _keys_by(sheets, 0).values():
            totals = list(map(sheets.__getitem__, keys))
            judge_mean, judge_sd = _mean_and_sd(totals)
            factor = panel_sd / judge_sd if judge_sd else _ZERO
            result.update(
                zip(keys, [panel_mean + (t - judge_mean) * factor for t in totals], strict=True)
            )
        return result


def _keys_by(keys: Iterable[SheetKey], index: int) -> dict[JudgeId | ProposalId, list[SheetKey]]:
    """Sheet keys grouped by judge (``index`` 0) or proposal (1), in first-seen order."""
    groups: dict[JudgeId | ProposalId, list[SheetKey]] = {}
    for key in keys:
        group = groups.get(key[index])
        if group is None:
            groups[key[index]] = group = []
        group.append(key)
    return groups


def _mean_and_sd(values: Sequence[Decimal]) -> tuple[Decimal, Decimal]:
    """Mean and population standard deviation; the variance numerator is exact for half points."""
    n = len(values)
    total = sum(values, _ZERO)
    squares = sum((v * v for v in values), _ZERO)
    variance = max((n * squares - total * total) / (n * n), _ZERO)
    return total / n, variance.sqrt()


def _by_judge(sheets: Mapping[SheetKey, Decimal]) -> dict[JudgeId, list[Decimal]]:
    """Totals grouped by judge, in first-seen order."""
    groups: dict[JudgeId, list[Decimal]] = {}
    for (judge_id, _), total in sheets.items():
        groups.setdefault(judge_id, []).append(total)
    return groups


def _by_proposal(sheets: Mapping[SheetKey, Decimal]) -> dict[ProposalId, list[Decimal]]:
    """Totals grouped by proposal, in first-seen order."""
    groups: dict[ProposalId, list[Decimal]] = {}
    for (_, proposal_id), total in sheets.items():
        groups.setdefault(proposal_id, []).append(total)
    return groups


# --------------------------------------------------------------------------- flags


@dataclass(frozen=True)
class OutlierFlag:
    """A sheet total far from the panel median for that proposal, for the panel to discuss."""

    judge_id: JudgeId
    proposal_id: ProposalId
    total: Decimal
    panel_median: Decimal
    deviation: Decimal

    @property
    def message(self) -> str:
        """A Chinese sentence describing the gap, for the review screen."""
        template = (
            N_("评委 {judge} 给项目 {proposal} 打 {total} 分，比评委中位数 {median} 分高 {gap} 分")
            if self.deviation > 0
            else N_(
                "评委 {judge} 给项目 {proposal} 打 {total} 分，比评委中位数 {median} 分低 {gap} 分"
            )
        )
        return msg(
            template,
            judge=self.judge_id,
            proposal=self.proposal_id,
            total=round_score(self.total),
            median=round_score(self.panel_median),
            gap=round_score(abs(self.deviation)),
        )


def outlier_flags(
    sheets: Mapping[SheetKey, Decimal], threshold: Decimal = OUTLIER_THRESHOLD
) -> list[OutlierFlag]:
    """Sheets whose total is more than ``threshold`` points from that proposal's panel median.

    The median (over all judges of the proposal, the flagged one included) is used because one
    wild sheet cannot drag it along. Flags are advisory; sorted by proposal, then judge.
    """
    with localcontext(SCORE_CONTEXT):
        medians = {pid: _median(totals) for pid, totals in _by_proposal(sheets).items()}
        flags = []
        for (judge_id, proposal_id), total in sheets.items():
            deviation = total - medians[proposal_id]
            if abs(deviation) > threshold:
                median_ = medians[proposal_id]
                flags.append(OutlierFlag(judge_id, proposal_id, total, median_, deviation))
    return sorted(flags, key=lambda flag: (flag.proposal_id, flag.judge_id))


@dataclass(frozen=True)
class JudgeProfile:
    """How one judge scored: summary figures, leaning label and a histogram for a chart.

    ``histogram[i]`` counts totals in ``HISTOGRAM_LABELS[i]``: [0,10), [10,20), …, [90,100].
    """

    judge_id: JudgeId
    count: int
    mean: Decimal
    median: Decimal
    minimum: Decimal
    maximum: Decimal
    mean_deviation: Decimal
    label: str
    histogram: tuple[int, ...]


def judge_profiles(sheets: Mapping[SheetKey, Decimal]) -> dict[JudgeId, JudgeProfile]:
    """Profile every judge, labelling consistent severity or leniency.

    Deviation of a sheet = its total minus the mean of all totals for that proposal. Rule: a
    judge with at least ``LEANING_MIN_SHEETS`` sheets whose mean deviation is below −5 points is
    "偏严", above +5 is "偏松", otherwise "正常". A fixed 5 points (5% of the scale) is simple to
    explain to judges, and the minimum count keeps one odd sheet from labelling anybody.
    """
    with localcontext(SCORE_CONTEXT):
        panel_means = {pid: _mean(totals) for pid, totals in _by_proposal(sheets).items()}
        deviations: dict[JudgeId, list[Decimal]] = {}
        for (judge_id, proposal_id), total in sheets.items():
            deviations.setdefault(judge_id, []).append(total - panel_means[proposal_id])
        return {
            judge_id: _profile(judge_id, totals, deviations[judge_id])
            for judge_id, totals in _by_judge(sheets).items()
        }


def _profile(judge_id: JudgeId, totals: list[Decimal], deviations: list[Decimal]) -> JudgeProfile:
    """One judge's profile, in the current (score) context."""
    mean_deviation = _mean(deviations)
    return JudgeProfile(
        judge_id=judge_id,
        count=len(totals),
        mean=_mean(totals),
        median=_median(totals),
        minimum=min(totals),
        maximum=max(totals),
        mean_deviation=mean_deviation,
        label=_leaning(mean_deviation, len(totals)),
        histogram=_histogram(totals),
    )


def _leaning(mean_deviation: Decimal, count: int) -> str:
    """Label a judge 偏严, 偏松 or 正常 by the rule documented on :func:`judge_profiles`."""
    if count >= LEANING_MIN_SHEETS and mean_deviation < -LEANING_POINTS:
        return LEANING_STRICT
    if count >= LEANING_MIN_SHEETS and mean_deviation > LEANING_POINTS:
        return LEANING_LENIENT
    return LEANING_NORMAL


def _histogram(totals: Iterable[Decimal]) -> tuple[int, ...]:
    """Counts of totals in ten buckets of 10 points; 100 falls in the last bucket."""
    counts = [0] * len(HISTOGRAM_LABELS)
    for total in totals:
        counts[min(max(int(total // 10), 0), len(counts) - 1)] += 1
    return tuple(counts)


# --------------------------------------------------------------------------- resident vote


def vote_scores(votes_by_proposal: Mapping[ProposalId, int]) -> dict[ProposalId, Decimal]:
    """Turn resident vote counts into 0–100 scores relative to the most-voted proposal.

    The leader gets 100 and every other proposal its share of the leader's votes, so the public
    component is on the same scale as expert scores. When nobody voted, every score is 0.
    """
    if any(
        isinstance(v, bool) or not isinstance(v, int) or v < 0 for v in votes_by_proposal.values()
    ):
        raise ValueError(msg("票数须为非负整数"))
    top = max(votes_by_proposal.values(), default=0)
    if top == 0:
        return {pid: _ZERO for pid in votes_by_proposal}
    with localcontext(SCORE_CONTEXT):
        return {pid: _HUNDRED * votes / top for pid, votes in votes_by_proposal.items()}


def check_public_weight(weight: Decimal) -> None:
    """Refuse a resident-vote weight outside 0–0.5: experts keep at least half of the say."""
    if not isinstance(weight, Decimal) or not weight.is_finite():
        raise TypeError("public weight must be a finite Decimal")
    if not _ZERO <= weight <= MAX_PUBLIC_WEIGHT:
        raise ValueError(
            msg(
                "公众投票权重须在 0 到 {max} 之间，当前为 {weight}",
                max=MAX_PUBLIC_WEIGHT,
                weight=weight,
            )
        )


def turnout_share(turnout: int, minimum: int = DEFAULT_MIN_TURNOUT) -> Decimal:
    """How much of its weight the resident vote carries: turnout ÷ minimum, at most 1.

    ``turnout`` is the number of residents who voted in the round (not the number of votes: one
    resident may back several proposals). Below the minimum a handful of voters cannot decide
    the ranking; at or above it the vote counts in full.
    """
    for value in (turnout, minimum):
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError("turnout and minimum must be integers")
    if turnout < 0 or not 1 <= minimum <= MIN_TURNOUT_LIMIT:
        raise ValueError(
            msg("最低投票人数须在 1 至 {max} 之间，投票人数不能为负", max=MIN_TURNOUT_LIMIT)
        )
    with localcontext(SCORE_CONTEXT):
        return min(_ONE, Decimal(turnout) / Decimal(minimum))


def effective_vote_weight(
    weight: Decimal, turnout: int, minimum: int = DEFAULT_MIN_TURNOUT
) -> Decimal:
    """The resident-vote weight actually applied: the round's weight × :func:`turnout_share`.

    With 1 voter, a 20 % weight and the default minimum of 30, the vote weighs 20 % × 1/30, so
    it moves no final score by more than 0.67 points.
    """
    check_public_weight(weight)
    with localcontext(SCORE_CONTEXT):
        return weight * turnout_share(turnout, minimum)


def final_score(expert: Decimal, public: Decimal, weight: Decimal) -> Decimal:
    """Blend expert and resident-vote scores: (1 − w)·expert + w·public, with 0 ≤ w ≤ 0.5."""
    check_public_weight(weight)
    with localcontext(SCORE_CONTEXT):
        return (_ONE - weight) * expert + weight * public


# --------------------------------------------------------------------------- ranking


@dataclass(frozen=True)
class RankInput:
    """Everything needed to place one proposal; ``public_score`` is None when there is no vote."""

    proposal_id: ProposalId
    title: str
    expert_score: Decimal
    public_score: Decimal | None
    need_fit: Decimal
    requested_fen: int
    submitted_at: datetime
    judges: int
    method: str
    note: str = ""
    normalised_score: Decimal | None = None


@dataclass(frozen=True)
class RankedRow:
    """One line of the ranking as published; scores are quantized to 2 decimals.

    ``tie_break`` says, in Chinese, which rule put this row below the previous one when their
    published final scores are equal ("" when the final score alone decided, and on row 1).
    """

    rank: int
    proposal_id: ProposalId
    title: str
    final_score: Decimal
    expert_score: Decimal
    public_score: Decimal | None
    normalised_score: Decimal | None
    need_fit: Decimal
    requested_fen: int
    submitted_at: datetime
    judges: int
    method: str
    note: str
    tie_break: str


_RankKey: TypeAlias = tuple[Decimal, Decimal, int, datetime, ProposalId]


def rank(entries: Sequence[RankInput], public_weight: Decimal = _ZERO) -> list[RankedRow]:
    """Order proposals and number them 1..n, recording which rule separated tied neighbours.

    Order: higher published final score; then higher mean 需求契合度 (2 decimals); then the
    smaller requested amount (the pool funds more projects); then the earlier submission; then
    proposal id. Ties are therefore always broken, and no two rows share a rank.
    """
    check_public_weight(public_weight)
    _check_entries(entries)
    with localcontext(SCORE_CONTEXT):
        keyed = sorted(((_rank_key(e, public_weight), e) for e in entries), key=_first)
    rows: list[RankedRow] = []
    previous: _RankKey | None = None
    for position, (key, entry) in enumerate(keyed, start=1):
        rows.append(_ranked_row(position, key, entry, _tie_break(previous, key)))
        previous = key
    return rows


def _first(pair: tuple[_RankKey, RankInput]) -> _RankKey:
    """Sort key for (rank key, entry) pairs: the rank key alone."""
    return pair[0]


def _check_entries(entries: Sequence[RankInput]) -> None:
    """Proposal ids must be unique, and the vote either applies to every row or to none."""
    if len({e.proposal_id for e in entries}) != len(entries):
        raise ScoringError(msg("排名数据中有重复的项目编号"))
    with_vote = sum(1 for e in entries if e.public_score is not None)
    if with_vote not in (0, len(entries)):
        raise ScoringError(msg("部分项目缺少公众投票得分，无法统一计算最终得分"))


def _rank_key(entry: RankInput, weight: Decimal) -> _RankKey:
    """Ascending sort key: negated published final and need-fit, then amount, time, id."""
    final = entry.expert_score
    if entry.public_score is not None:
        final = (_ONE - weight) * entry.expert_score + weight * entry.public_score
    return (
        -round_score(final),
        -round_score(entry.need_fit),
        entry.requested_fen,
        entry.submitted_at,
        entry.proposal_id,
    )


def _tie_break(previous: _RankKey | None, key: _RankKey) -> str:
    """The note for the first key component where this row differs from the previous one."""
    if previous is None or previous[0] != key[0]:
        return ""
    for index, (before, now) in enumerate(zip(previous, key, strict=True)):
        if before != now:
            return TIE_BREAK_NOTES[index]
    raise ScoringError(msg("排名数据中有重复的项目编号"))


def _ranked_row(position: int, key: _RankKey, entry: RankInput, tie_break: str) -> RankedRow:
    """Assemble the published row from its sort key and input."""
    return RankedRow(
        rank=position,
        proposal_id=entry.proposal_id,
        title=entry.title,
        final_score=-key[0],
        expert_score=round_score(entry.expert_score),
        public_score=_shown(entry.public_score),
        normalised_score=_shown(entry.normalised_score),
        need_fit=-key[1],
        requested_fen=entry.requested_fen,
        submitted_at=entry.submitted_at,
        judges=entry.judges,
        method=entry.method,
        note=entry.note,
        tie_break=tie_break,
    )


def _shown(value: Decimal | None) -> Decimal | None:
    """An optional score as published (None stays None)."""
    return None if value is None else round_score(value)


# --------------------------------------------------------------------------- whole round


@dataclass(frozen=True)
class ProposalFacts:
    """What the ranking needs to know about a proposal besides its scores."""

    proposal_id: ProposalId
    title: str
    requested_fen: int
    submitted_at: datetime


@dataclass(frozen=True)
class SheetTable:
    """A round's complete score sheets.

    ``sheets[(judge_id, proposal_id)][criterion_key]`` is the points given; ``totals`` maps the
    same keys to sheet totals, ready for :func:`normalise`, :func:`outlier_flags` and
    :func:`judge_profiles`.
    """

    sheets: Mapping[SheetKey, Mapping[str, Decimal]]
    totals: Mapping[SheetKey, Decimal]


@dataclass(frozen=True)
class Ranking:
    """A round's ranking, the proposals nobody scored, the sheets it was built from and the
    vote weight it applied."""

    rows: tuple[RankedRow, ...]
    unscored: tuple[ProposalId, ...]
    table: SheetTable
    vote_weight: Decimal = _ZERO
    """The resident-vote weight applied after scaling by turnout (0 without a vote)."""

    @property
    def totals(self) -> Mapping[SheetKey, Decimal]:
        """Sheet totals by (judge_id, proposal_id), for the flags and judge profiles."""
        return self.table.totals


def collect_sheets(
    rows: Iterable[ScoreRow], rubric: Sequence[Criterion] = DEFAULT_RUBRIC
) -> SheetTable:
    """Gather flat score rows (judge, proposal, criterion key, points) into complete sheets.

    One pass over the rows. Raises :class:`ScoringError` for a sheet that lacks a criterion or
    has an unknown one, and for a criterion scored twice on one sheet, because ranking on a
    partial sheet would silently favour or punish a proposal. Points are assumed checked with
    :func:`grants.domain.rubric.validate_points` when entered.
    """
    rows = rows if isinstance(rows, Sequence) else list(rows)
    sheets: dict[SheetKey, dict[str, Decimal]] = {}
    for judge_id, proposal_id, key, points in rows:
        sheet = sheets.get((judge_id, proposal_id))
        if sheet is None:
            sheets[(judge_id, proposal_id)] = sheet = {}
        sheet[key] = points
    _check_sheets(sheets, rubric)
    if len(rows) != len(sheets) * len(rubric):
        raise ScoringError(msg("评分记录重复：同一评委对同一项目的同一评分项有多条记录"))
    with localcontext(SCORE_CONTEXT):
        totals = {key: sum(sheet.values(), _ZERO) for key, sheet in sheets.items()}
    return SheetTable(sheets, totals)


def _check_sheets(
    sheets: Mapping[SheetKey, dict[str, Decimal]], rubric: Sequence[Criterion]
) -> None:
    """Every sheet must hold exactly the rubric's criteria; name the first offender in Chinese."""
    expected = {c.key for c in rubric}
    for (judge_id, proposal_id), sheet in sheets.items():
        if sheet.keys() == expected:
            continue
        missing = join_list(tr(c.name) for c in rubric if c.key not in sheet)
        unknown = join_list(sorted(set(sheet) - expected))
        problem = (
            msg("缺少“{names}”", names=missing)
            if missing
            else msg("含未知评分项“{keys}”", keys=unknown)
        )
        raise ScoringError(
            msg(
                "评委 {judge} 对项目 {proposal} 的评分表{problem}",
                judge=judge_id,
                proposal=proposal_id,
                problem=problem,
            )
        )


def compute_ranking(
    rows: Iterable[ScoreRow],
    proposals: Iterable[ProposalFacts],
    *,
    rubric: Sequence[Criterion] = DEFAULT_RUBRIC,
    method: str = "trimmed_mean",
    votes: Mapping[ProposalId, int] | None = None,
    public_weight: Decimal = _ZERO,
    need_fit_key: str = "need_fit",
    turnout: int = 0,
    min_turnout: int = DEFAULT_MIN_TURNOUT,
) -> Ranking:
    """Rank a whole round from the flat score rows of one query, in time linear in the rows.

    Sheets are totalled, each proposal's totals aggregated by ``method``, normalised totals
    aggregated the same way for display, resident votes (if ``votes`` is given; a proposal
    missing from it has 0 votes) blended with ``public_weight`` scaled by the turnout (the
    number of residents who voted, see :func:`effective_vote_weight`: no turnout, no weight),
    then :func:`rank` applies the tie-breaks. Proposals without any sheet are returned in
    ``unscored`` rather than ranked.
    """
    if method not in METHODS:
        raise ValueError(f"unknown aggregation method {method!r}; choose from {METHODS}")
    if need_fit_key not in {c.key for c in rubric}:
        raise ValueError(f"need-fit criterion {need_fit_key!r} is not in the rubric")
    weight = effective_vote_weight(public_weight, turnout, min_turnout)
    facts = {p.proposal_id: p for p in proposals}
    with _gc_paused(), localcontext(SCORE_CONTEXT):
        table = collect_sheets(rows, rubric)
        groups = _keys_by(table.totals, 1)
        _check_known(groups, facts)
        public = None if votes is None else vote_scores({p: votes.get(p, 0) for p in groups})
        need = {key: sheet[need_fit_key] for key, sheet in table.sheets.items()}
        sources = (table.totals, normalise(table.totals), need)
        entries = [
            _rank_input(facts[pid], keys, sources, method, public) for pid, keys in groups.items()
        ]
        ranked = tuple(rank(entries, weight))
    unscored = tuple(pid for pid in facts if pid not in groups)
    return Ranking(ranked, unscored, table, weight if votes is not None else _ZERO)


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Hold off the cyclic garbage collector while a round is ranked.

    Ranking allocates a few hundred thousand small acyclic objects (tuples, lists, Decimals);
    each allocation burst would otherwise trigger full collections that rescan the caller's row
    list, about a third of the run time at 350,000 rows. The objects built here form no
    reference cycles, so nothing is reclaimed later than it would be; the collector's previous
    state is always restored.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _check_known(groups: Mapping[ProposalId, object], facts: Mapping[ProposalId, object]) -> None:
    """Every scored proposal must be among the round's proposals."""
    unknown = [str(pid) for pid in groups if pid not in facts]
    if unknown:
        raise ScoringError(msg("评分记录涉及本轮以外的项目：{ids}", ids=join_list(unknown[:10])))


def _rank_input(
    fact: ProposalFacts,
    keys: list[SheetKey],
    sources: tuple[Mapping[SheetKey, Decimal], ...],
    method: str,
    public: Mapping[ProposalId, Decimal] | None,
) -> RankInput:
    """One proposal's :class:`RankInput` from its sheet keys (current context: SCORE_CONTEXT).

    ``sources`` holds, per sheet key, the raw total, the normalised total and need-fit points.
    """
    raw, normalised, need = ([source[key] for key in keys] for source in sources)
    result = _aggregate(raw, method)
    return RankInput(
        proposal_id=fact.proposal_id,
        title=fact.title,
        expert_score=result.value,
        public_score=None if public is None else public[fact.proposal_id],
        need_fit=_mean(need),
        requested_fen=fact.requested_fen,
        submitted_at=fact.submitted_at,
        judges=result.n,
        method=result.method,
        note=result.note,
        normalised_score=_AGGREGATORS[result.method](normalised),
    )
