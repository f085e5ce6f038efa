"""The quarterly provider league table (服务提供方季度排行): scores, medals and the 通报 rule.

Each provider (the organisation, or the resident team, behind one or more projects of a round)
gets a **100-point score** from three parts, weighted per round (integers summing to 100)::

    score = w_eval · E  +  w_sat · 100 · S  +  w_time · 100 · T      (weights as fractions)

``E`` is its evaluation score (0–100, the mean over its projects), ``S`` its satisfaction rate
and ``T`` its timeliness rate from the quarter's follow-up calls (0–1, see
:mod:`grants.domain.satisfaction`). When **no** provider has an evaluation score yet, the
evaluation weight is shared out over the other two in proportion to theirs; when some have one,
those without are not ranked. A provider nobody was reached for is not ranked either.

The **score band** puts each rate at the ends of its Wilson 95 % interval (``E`` is taken as
exact)::

    low  = w_eval · E + w_sat · 100 · S_low  + w_time · 100 · T_low
    high = w_eval · E + w_sat · 100 · S_high + w_time · 100 · T_high

**Ranking** is by score, then the higher low end, then more answers, then name. The rotating
medal (流动奖牌) goes to the first three. The **bottom three** are the last three ranks that hold no
medal (fewer when fewer than six are ranked). A bottom provider is **named for 通报 only when its
band lies clearly below the others'**: its ``high`` is below the ``low`` of *every* ranked
provider outside the bottom three. Otherwise it is marked 证据不足, with the **answers needed**:
the smallest number ``n`` of reached beneficiaries such that, if it and every provider it is
compared with had ``n`` answers at the rates observed now, its band would lie below all of
theirs — the quota per provider a later quarter would need to tell the difference. There is
none when its score is not below theirs (more calls cannot show a gap that is not there), nor
when more than :data:`MAX_NEEDED` would be needed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

from grants.domain.i18n import N_, msg, tr
from grants.domain.satisfaction import Rate, Tally, wilson_at

MEDALS = 3
BOTTOM = 3
MAX_NEEDED = 10_000
"""Past this many answers a difference is too small to matter: no sample size is given."""
NAMED, INSUFFICIENT = "named", "insufficient"
VERDICT_LABELS = {NAMED: N_("通报"), INSUFFICIENT: N_("证据不足")}
NO_CALLS = N_("本季度没有接通的回访")
NO_EVALUATION = N_("缺少评估得分")
NO_WEIGHT = N_("评估得分缺失，而满意度和及时性的权重都为 0")


@dataclass(frozen=True)
class Weights:
    """How the three parts count, in points out of 100 (set per round)."""

    evaluation: int = 40
    satisfaction: int = 40
    timeliness: int = 20

    def problems(self) -> list[str]:
        """Why these weights cannot be used: each 0–100, together exactly 100."""
        values = (self.evaluation, self.satisfaction, self.timeliness)
        if any(not isinstance(v, int) or isinstance(v, bool) or not 0 <= v <= 100
               for v in values):
            return [msg("每项权重应为 0 至 100 的整数")]
        if sum(values) != 100:
            return [msg("三项权重之和应为 100（现为 {total}）", total=sum(values))]
        return []


@dataclass(frozen=True)
class Shares:
    """The weights actually used, as fractions summing to 1."""

    evaluation: float
    satisfaction: float
    timeliness: float
    evaluation_used: bool


@dataclass(frozen=True)
class ProviderInput:
    """What the table knows of one provider this quarter."""

    key: str
    name: str
    tally: Tally
    evaluation: float | None = None
    projects: tuple[str, ...] = ()


@dataclass(frozen=True)
class Standing:
    """One provider's place: score and band, medal, and for the bottom three the verdict."""

    provider: ProviderInput
    rank: int
    score: float
    low: float
    high: float
    satisfaction: Rate
    timeliness: Rate
    medal: bool = False
    bottom: bool = False
    verdict: str | None = None
    needed: int | None = None

    @property
    def named(self) -> bool:
        """True when the provider is named in the 通报."""
        return self.verdict == NAMED

    @property
    def insufficient(self) -> bool:
        """True for a bottom-three provider the evidence does not single out."""
        return self.verdict == INSUFFICIENT


@dataclass(frozen=True)
class Unranked:
    """A provider left out of the ranking, and why."""

    provider: ProviderInput
    reason: str


@dataclass(frozen=True)
class League:
    """The quarter's table: ranked standings, the providers left out, the weights used and the
    line the bottom three are compared with (None when there is no bottom three)."""

    standings: tuple[Standing, ...]
    unranked: tuple[Unranked, ...]
    shares: Shares | None
    line: float | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)


def shares_of(weights: Weights, evaluation_used: bool) -> Shares | None:
    """The weights as fractions; without evaluation scores the evaluation weight is shared
    over satisfaction and timeliness in proportion (None when both of those are 0)."""
    if evaluation_used:
        return Shares(weights.evaluation / 100, weights.satisfaction / 100,
                      weights.timeliness / 100, True)
    rest = weights.satisfaction + weights.timeliness
    if rest == 0:
        return None
    return Shares(0.0, weights.satisfaction / rest, weights.timeliness / rest, False)


def _score(shares: Shares, evaluation: float | None, satisfaction: float,
           timeliness: float) -> float:
    """The weighted score of one provider for given rates (0–1) and evaluation (0–100)."""
    points = shares.evaluation * (evaluation or 0.0)
    return points + 100 * (shares.satisfaction * satisfaction + shares.timeliness * timeliness)


def band_at(shares: Shares, provider: ProviderInput, n: float) -> tuple[float, float]:
    """The provider's score band if its observed rates had come from ``n`` answers."""
    sat = provider.tally.satisfaction()
    time = provider.tally.timeliness()
    s, t = wilson_at(sat.point, n), wilson_at(time.point, n)
    evaluation = provider.evaluation
    return (_score(shares, evaluation, s.low, t.low), _score(shares, evaluation, s.high, t.high))


def score_of(shares: Shares, provider: ProviderInput) -> float:
    """The provider's score from its observed rates."""
    tally = provider.tally
    return _score(shares, provider.evaluation, tally.satisfaction().point,
                  tally.timeliness().point)


def clearly_below(shares: Shares, provider: ProviderInput, others: Sequence[ProviderInput],
                  n: float) -> bool:
    """True when, with ``n`` answers each at the observed rates, the provider's band lies below
    the band of every one of ``others``."""
    line = min(band_at(shares, other, n)[0] for other in others)
    return band_at(shares, provider, n)[1] < line


def answers_needed(shares: Shares, provider: ProviderInput, others: Sequence[ProviderInput],
                   limit: int = MAX_NEEDED) -> int | None:
    """The fewest answers per provider with which ``provider`` would be clearly below
    ``others`` at everyone's observed rates (see the module text); None when its score is not
    below all of theirs or more than ``limit`` would be needed. Bands narrow as answers grow,
    so the search doubles, then halves."""
    if not others or score_of(shares, provider) >= min(score_of(shares, o) for o in others):
        return None

    def below(n: int) -> bool:
        """True when ``n`` answers each would set the provider clearly below."""
        return clearly_below(shares, provider, others, n)

    high = 1
    while not below(high):
        if high >= limit:
            return None
        high = min(high * 2, limit)
    low = high // 2
    while high - low > 1:
        middle = (low + high) // 2
        low, high = (low, middle) if below(middle) else (middle, high)
    return high


def _unranked_reason(provider: ProviderInput, evaluation_used: bool) -> str | None:
    """Why a provider cannot be ranked this quarter, or None."""
    if provider.tally.reached == 0:
        return NO_CALLS
    if evaluation_used and provider.evaluation is None:
        return NO_EVALUATION
    return None


def _order_key(shares: Shares, provider: ProviderInput) -> tuple:
    """Ranking order: score, then the band's low end, then more answers, then the name."""
    low, _high = band_at(shares, provider, provider.tally.reached)
    return (-score_of(shares, provider), -low, -provider.tally.reached, provider.name,
            provider.key)


def _standing(shares: Shares, provider: ProviderInput, rank: int) -> Standing:
    """A provider's standing before the medal and bottom-three marks."""
    low, high = band_at(shares, provider, provider.tally.reached)
    return Standing(provider, rank, score_of(shares, provider), low, high,
                    provider.tally.satisfaction(), provider.tally.timeliness(),
                    medal=rank <= MEDALS)


def bottom_count(ranked: int) -> int:
    """How many of ``ranked`` providers form the bottom group: up to three, never a medal
    holder."""
    return max(0, min(BOTTOM, ranked - MEDALS))


def judge_bottom(shares: Shares, standings: Sequence[Standing]) -> tuple[list[Standing],
                                                                        float | None]:
    """Mark the bottom group: named when its band's top is below the lowest band bottom of
    every other ranked provider, else 证据不足 with the answers it would need."""
    count = bottom_count(len(standings))
    if not count:
        return list(standings), None
    others = standings[:len(standings) - count]
    line = min(standing.low for standing in others)
    marked = list(others)
    for standing in standings[len(standings) - count:]:
        named = standing.high < line
        needed = None if named else answers_needed(
            shares, standing.provider, [other.provider for other in others])
        marked.append(replace(standing, bottom=True, verdict=NAMED if named else INSUFFICIENT,
                              needed=needed))
    return marked, line


def league_table(providers: Iterable[ProviderInput], weights: Weights) -> League:
    """Rank the providers of one round's quarter and judge its bottom three."""
    providers = list(providers)
    evaluation_used = any(p.evaluation is not None for p in providers)
    shares = shares_of(weights, evaluation_used)
    if shares is None:
        return League((), tuple(Unranked(p, NO_WEIGHT) for p in providers), None)
    unranked = [Unranked(p, reason) for p in providers
                if (reason := _unranked_reason(p, evaluation_used))]
    ranked = [p for p in providers if _unranked_reason(p, evaluation_used) is None]
    ranked.sort(key=lambda provider: _order_key(shares, provider))
    standings = [_standing(shares, provider, rank) for rank, provider in enumerate(ranked, 1)]
    marked, line = judge_bottom(shares, standings)
    notes = () if evaluation_used else (
        msg("本季度尚无评估得分：评估权重按比例计入满意度和及时性"),)
    return League(tuple(marked), tuple(unranked), shares, line, notes)


def verdict_label(verdict: str | None) -> str:
    """The label of a bottom-three verdict in the reader's language."""
    return tr(VERDICT_LABELS[verdict]) if verdict else ""
