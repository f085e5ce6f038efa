"""Satisfaction follow-up outcomes and rates, with the Wilson 95 % score interval.

A call attempt ends in one of five outcomes (满意 / 基本满意 / 不满意 / 未接通 / 号码有误). The
**satisfaction rate** of a project is (满意 + 基本满意) ÷ everyone reached (the three answers);
numbers not reached after three attempts and wrong numbers are reported beside it, not counted
in it. Each reached beneficiary is also asked whether the service came on time (按时): the
**timeliness rate** is the share who said yes.

With 25 answers a rate of 80 % could well be anything from 61 % to 91 %: :func:`wilson` gives
that interval (the Wilson score interval, which stays inside 0–1 and behaves at 0 % and 100 %,
unlike the textbook ±1.96·√(p(1−p)/n)).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from grants.domain.i18n import N_

Z95 = 1.959963984540054
"""The two-sided 95 % point of the standard normal distribution."""

SATISFIED, FAIRLY_SATISFIED, DISSATISFIED = "satisfied", "fairly_satisfied", "dissatisfied"
NO_ANSWER, WRONG_NUMBER = "no_answer", "wrong_number"
OUTCOME_LABELS: dict[str, str] = {
    SATISFIED: N_("满意"),
    FAIRLY_SATISFIED: N_("基本满意"),
    DISSATISFIED: N_("不满意"),
    NO_ANSWER: N_("未接通"),
    WRONG_NUMBER: N_("号码有误"),
}
OUTCOMES: tuple[str, ...] = tuple(OUTCOME_LABELS)
REACHED_OUTCOMES: tuple[str, ...] = (SATISFIED, FAIRLY_SATISFIED, DISSATISFIED)
"""Outcomes of a call that reached the beneficiary: they answer the satisfaction question."""
CONTENT_OUTCOMES: frozenset[str] = frozenset({SATISFIED, FAIRLY_SATISFIED})
"""Answers counted as satisfied in the rate."""
MAX_ATTEMPTS = 3


@dataclass(frozen=True)
class Interval:
    """A rate's 95 % interval, as fractions between 0 and 1."""

    low: float
    high: float


def wilson(successes: int, n: int, z: float = Z95) -> Interval:
    """The Wilson score interval of ``successes`` out of ``n`` (n ≥ 1)::

        centre ± half, divided by 1 + z²/n, where
        centre = p + z²/(2n),  half = z·√(p(1−p)/n + z²/(4n²)),  p = successes/n
    """
    if n < 1 or not 0 <= successes <= n:
        raise ValueError("need 0 <= successes <= n and n >= 1")
    return wilson_at(successes / n, n, z)


def wilson_at(p: float, n: float, z: float = Z95) -> Interval:
    """The Wilson interval for an observed rate ``p`` over ``n`` answers (``n`` may be any
    positive number: used to ask how narrow the interval would be with more answers)."""
    z2 = z * z
    denominator = 1 + z2 / n
    centre = p + z2 / (2 * n)
    half = z * math.sqrt(max(p * (1 - p), 0.0) / n + z2 / (4 * n * n))
    return Interval(max(0.0, (centre - half) / denominator), min(1.0, (centre + half) / denominator))


@dataclass(frozen=True)
class Tally:
    """The final outcomes of one project's (or provider's) calls."""

    satisfied: int = 0
    fairly_satisfied: int = 0
    dissatisfied: int = 0
    on_time: int = 0
    unreached: int = 0
    wrong_number: int = 0
    pending: int = 0

    @property
    def reached(self) -> int:
        """Beneficiaries who answered the satisfaction question."""
        return self.satisfied + self.fairly_satisfied + self.dissatisfied

    @property
    def content(self) -> int:
        """Answers counted as satisfied (满意 + 基本满意)."""
        return self.satisfied + self.fairly_satisfied

    @property
    def drawn(self) -> int:
        """Every number of the sample, whatever came of it."""
        return self.reached + self.unreached + self.wrong_number + self.pending

    def satisfaction(self) -> Rate | None:
        """The satisfaction rate, or None before anyone was reached."""
        return Rate(self.content, self.reached) if self.reached else None

    def timeliness(self) -> Rate | None:
        """The share of the reached who said the service came on time."""
        return Rate(self.on_time, self.reached) if self.reached else None

    def __add__(self, other: Tally) -> Tally:
        """Two tallies together (a provider with several projects)."""
        return Tally(*(a + b for a, b in zip(_fields(self), _fields(other), strict=True)))


def _fields(tally: Tally) -> tuple[int, ...]:
    """A tally's counts in field order."""
    return (tally.satisfied, tally.fairly_satisfied, tally.dissatisfied, tally.on_time,
            tally.unreached, tally.wrong_number, tally.pending)


def total(tallies: Iterable[Tally]) -> Tally:
    """The sum of several tallies."""
    result = Tally()
    for tally in tallies:
        result = result + tally
    return result


@dataclass(frozen=True)
class Rate:
    """``successes`` of ``n`` with its Wilson 95 % interval."""

    successes: int
    n: int

    @property
    def point(self) -> float:
        """The observed rate, 0–1."""
        return self.successes / self.n

    @property
    def interval(self) -> Interval:
        """The Wilson 95 % interval."""
        return wilson(self.successes, self.n)


def percent(value: float) -> str:
    """A fraction shown as a percentage with one decimal (``0.8125`` → ``81.3%``)."""
    return f"{value * 100:.1f}%"
