"""Awards: the solver that turns a ranking into funding decisions, and the organizer's
adjustment checks.

The award and objection lifecycles are tables in :mod:`grants.domain.lifecycles`; whether awards
fit in the pool is decided by :mod:`grants.domain.pool`.

Everything here is pure: the service layer loads candidates and settings, calls these functions,
and stores what they return. Every decision carries a Chinese sentence so that the published
result explains itself ("第13名 申请 ¥12,000.00，超出剩余资金 ¥8,500.00，跳过").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from grants.domain.i18n import N_, msg
from grants.domain.messages import Message, message
from grants.domain.money import format_fen
from grants.domain.pool import check_pool

Outcome = Literal["award", "partial", "skip", "below_threshold", "out_of_band", "pool_exhausted"]
FUNDED_OUTCOMES: frozenset[str] = frozenset({"award", "partial"})


@dataclass(frozen=True)
class Candidate:
    """One ranked proposal offered to the solver; ``rank`` is unique (ties broken upstream)."""

    proposal_id: int
    rank: int
    title: str
    final_score: Decimal
    requested_fen: int


@dataclass(frozen=True)
class Decision:
    """The solver's verdict on one candidate, with the sentence shown to people."""

    proposal_id: int
    rank: int
    outcome: Outcome
    amount_fen: int
    sentence: str
    message: Message | None = None
    """The sentence as a message key and parameters, to show in each reader's language."""

    @property
    def funded(self) -> bool:
        """True for a full or partial award."""
        return self.outcome in FUNDED_OUTCOMES


@dataclass(frozen=True)
class SolverResult:
    """All decisions in rank order, the total awarded here, and what is left of the pool."""

    decisions: tuple[Decision, ...]
    total_fen: int
    remaining_fen: int

    @property
    def awards(self) -> tuple[Decision, ...]:
        """Only the funded decisions (full and partial), still in rank order."""
        return tuple(d for d in self.decisions if d.funded)


@dataclass(frozen=True)
class RoundRules:
    """The round settings the solver applies; validated once so the walk can trust them."""

    pool_fen: int
    band_min_fen: int
    band_max_fen: int
    min_score: Decimal
    partial: bool = False
    already_committed_fen: int = 0

    def __post_init__(self) -> None:
        for name in ("pool_fen", "band_min_fen", "band_max_fen", "already_committed_fen"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int):
                raise TypeError(f"{name} must be integer fen, got {type(value).__name__}")
        if self.pool_fen < 0 or self.already_committed_fen < 0:
            raise ValueError(msg("资金池和已占用金额不能为负数"))
        if not 0 < self.band_min_fen <= self.band_max_fen:
            raise ValueError(msg("资助范围无效：下限必须大于零且不高于上限"))


def _format_score(score: Decimal) -> str:
    """Show a score with two decimals, or with all its digits if it has more (never round)."""
    if score == score.quantize(Decimal("0.01")):
        return f"{score:.2f}"
    return format(score.normalize(), "f")


def _check_candidates(candidates: Sequence[Candidate]) -> None:
    """Refuse input whose ranks are not strictly increasing or whose amounts are not int fen."""
    previous = None
    for c in candidates:
        if isinstance(c.requested_fen, bool) or not isinstance(c.requested_fen, int):
            raise TypeError(msg("第{rank}名 申请金额必须是整数分", rank=c.rank))
        if previous is not None and c.rank <= previous:
            raise ValueError(msg("候选项目必须按名次从前到后排列，且名次不重复"))
        previous = c.rank


def _decide(c: Candidate, rules: RoundRules, remaining: int) -> Decision:
    """Decide one candidate against what is left of the pool, following the round's rules."""
    asked = message(N_("第{rank}名 申请 {amount}"), rank=c.rank, amount=format_fen(c.requested_fen))
    if c.final_score < rules.min_score:
        said = message(
            N_("第{rank}名 得分 {score}，低于立项分数线 {line}，不予立项"),
            rank=c.rank,
            score=_format_score(c.final_score),
            line=_format_score(rules.min_score),
        )
        return _decision(c, "below_threshold", 0, said)
    if c.requested_fen < rules.band_min_fen:
        limit = format_fen(rules.band_min_fen)
        said = message(N_("{asked}，低于本轮资助下限 {limit}，不予立项"), asked=asked, limit=limit)
        return _decision(c, "out_of_band", 0, said)
    if c.requested_fen > rules.band_max_fen:
        limit = format_fen(rules.band_max_fen)
        said = message(N_("{asked}，高于本轮资助上限 {limit}，不予立项"), asked=asked, limit=limit)
        return _decision(c, "out_of_band", 0, said)
    if remaining < rules.band_min_fen:
        left = format_fen(max(remaining, 0))
        said = message(N_("{asked}，资金已用完（剩余 {left}），未获资助"), asked=asked, left=left)
        return _decision(c, "pool_exhausted", 0, said)
    if c.requested_fen <= remaining:
        left = format_fen(remaining - c.requested_fen)
        said = message(N_("{asked}，立项，剩余资金 {left}"), asked=asked, left=left)
        return _decision(c, "award", c.requested_fen, said)
    left = format_fen(remaining)
    if rules.partial:
        said = message(N_("{asked}，超出剩余资金 {left}，部分资助 {left}"), asked=asked, left=left)
        return _decision(c, "partial", remaining, said)
    said = message(N_("{asked}，超出剩余资金 {left}，跳过"), asked=asked, left=left)
    return _decision(c, "skip", 0, said)


def _decision(c: Candidate, outcome: Outcome, amount_fen: int, said: Message) -> Decision:
    """A decision with its sentence rendered now and kept as a message for later readers."""
    return Decision(c.proposal_id, c.rank, outcome, amount_fen, said.render(), said)


def solve_awards(
    candidates: Sequence[Candidate],
    pool_fen: int,
    band_min_fen: int,
    band_max_fen: int,
    min_score: Decimal,
    partial: bool = False,
    already_committed_fen: int = 0,
) -> SolverResult:
    """Walk the ranking once and propose an award for each candidate the pool can carry.

    Candidates below ``min_score`` or asking outside the band are excluded with the reason. A
    request that fits is awarded in full; one that does not is skipped (the walk goes on to the
    next that fits) or, when ``partial`` is set, given the whole remainder, which ends the pool.
    Once less than ``band_min_fen`` is left every later candidate is told the money has run out.
    ``already_committed_fen`` is what other awards in the same pool have already taken.
    """
    rules = RoundRules(
        pool_fen, band_min_fen, band_max_fen, min_score, partial, already_committed_fen
    )
    _check_candidates(candidates)
    remaining = pool_fen - already_committed_fen
    decisions: list[Decision] = []
    for candidate in candidates:
        decision = _decide(candidate, rules, remaining)
        remaining -= decision.amount_fen
        decisions.append(decision)
    total = sum(d.amount_fen for d in decisions)
    return SolverResult(tuple(decisions), total, remaining)


def check_adjustment(
    amount_fen: int,
    band_min_fen: int,
    band_max_fen: int,
    pool_fen: int,
    committed_other_fen: int,
) -> list[str]:
    """List what is wrong with an organizer's new amount for one award (empty when it is fine).

    Each message names the limit it breaks, so the organizer sees the number to aim for.
    ``committed_other_fen`` is the sum of every other award drawn from the same pool.
    """
    errors: list[str] = []
    shown = format_fen(amount_fen)
    if amount_fen < band_min_fen:
        limit = format_fen(band_min_fen)
        errors.append(msg("金额 {amount} 低于本轮下限 {limit}", amount=shown, limit=limit))
    if amount_fen > band_max_fen:
        limit = format_fen(band_max_fen)
        errors.append(msg("金额 {amount} 高于本轮上限 {limit}", amount=shown, limit=limit))
    pool_error = check_pool(committed_other_fen + amount_fen, pool_fen, label=N_("调整后立项总额"))
    if pool_error:
        errors.append(pool_error)
    return errors
