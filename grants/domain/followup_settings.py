"""A round's follow-up rules: how many numbers are called per project each quarter, how the
league table weighs evaluation, satisfaction and timeliness, and how long numbers are kept.

Numbers are erased :attr:`Rules.erase_after_days` days after the round closes, the round
closing at the end of its implementation period (the day after ``implementation_end`` is the
first day of the count).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from grants.domain.budget import Problem
from grants.domain.i18n import N_, msg, tr
from grants.domain.inputs import is_digits
from grants.domain.league import Weights

DEFAULT_QUOTA = 25
MAX_QUOTA = 200
DEFAULT_ERASE_DAYS = 90
MAX_ERASE_DAYS = 3650
FIELD_LABELS: dict[str, str] = {
    "quota": N_("每个项目抽取的号码数"),
    "weight_evaluation": N_("评估得分权重"),
    "weight_satisfaction": N_("满意度权重"),
    "weight_timeliness": N_("及时性权重"),
    "erase_after_days": N_("赛事结束后保留电话的天数"),
}
_RANGES = {"quota": (1, MAX_QUOTA), "weight_evaluation": (0, 100),
           "weight_satisfaction": (0, 100), "weight_timeliness": (0, 100),
           "erase_after_days": (1, MAX_ERASE_DAYS)}


@dataclass(frozen=True)
class Rules:
    """The follow-up rules of one round (the defaults until the organizer sets them)."""

    quota: int = DEFAULT_QUOTA
    weights: Weights = Weights()
    erase_after_days: int = DEFAULT_ERASE_DAYS

    def erase_on(self, implementation_end: date) -> date:
        """The first Beijing date on which the round's numbers are erased (the calendar's last
        day for an end so late that the erasure falls past it)."""
        wait = timedelta(days=1 + self.erase_after_days)
        return implementation_end + wait if implementation_end <= date.max - wait else date.max


def _whole(value: object) -> int | None:
    """A small whole number typed as text (full-width digits too), else None."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    text = str(value or "").strip().translate({0xFF10 + d: 0x30 + d for d in range(10)})
    return int(text) if is_digits(text) and len(text) <= 5 else None


def parse_rules(data: Mapping[str, object]) -> tuple[Rules | None, list[Problem]]:
    """Read the settings form: each input a whole number in its range, the three weights
    summing to 100; the rules, or one problem per wrong input."""
    values, problems = {}, []
    for name, (low, high) in _RANGES.items():
        value = _whole(data.get(name))
        if value is None or not low <= value <= high:
            problems.append(Problem(name, msg("{label}应为 {low} 至 {high} 的整数",
                                              label=tr(FIELD_LABELS[name]), low=low, high=high)))
        values[name] = value
    if problems:
        return None, problems
    weights = Weights(values["weight_evaluation"], values["weight_satisfaction"],
                      values["weight_timeliness"])
    problems = [Problem("weight_evaluation", text) for text in weights.problems()]
    if problems:
        return None, problems
    return Rules(values["quota"], weights, values["erase_after_days"]), []
