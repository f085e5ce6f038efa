"""Evaluation results (中期/结项评估) and satisfaction rates (回访满意度) for the portal.

The records they come from are built elsewhere (evaluations and the follow-up calls); this is
the one function the portal asks, so wiring them in changes nothing else. Until those tables
exist it returns nothing and the portal shows "not yet evaluated".
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Outcome:
    """What the public may read of a project's evaluations and follow-up: the latest
    evaluation's result label (untranslated) and the satisfaction rate in whole per cent with
    the number of residents asked — never who was asked or what they said."""

    evaluation: str | None = None
    satisfaction_pct: int | None = None
    respondents: int = 0


def outcomes_of(award_ids: Iterable[int]) -> dict[int, Outcome]:
    """The public outcome of each award that has one, by award id (one statement per kind
    once the evaluation and follow-up records exist; none before)."""
    del award_ids
    return {}
