"""Evaluation results (中期/结项评估) and satisfaction rates (回访满意度) for the portal.

The one function the portal asks: the latest decided evaluation of each award, and the
satisfaction rate pooled over the award's calls in closed follow-up samples (a quarter's calls
become public only once its sample is closed, as the league table does).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import case, func, select

from grants.domain.i18n import N_
from grants.domain.lifecycles.evaluation import FAILED, PASSED
from grants.domain.lifecycles.follow_up import CLOSED, REACHED
from grants.domain.satisfaction import DISSATISFIED, FAIRLY_SATISFIED, SATISFIED
from grants.extensions import db
from grants.models.evaluations import Evaluation
from grants.models.followup import FollowUpCall, FollowUpSample, FollowUpStratum

RESULT_LABELS = {
    ("midterm", PASSED): N_("中期评估通过"),
    ("midterm", FAILED): N_("中期评估未通过"),
    ("final", PASSED): N_("结项评估通过"),
    ("final", FAILED): N_("结项评估未通过"),
}


@dataclass(frozen=True)
class Outcome:
    """What the public may read of a project's evaluations and follow-up: the latest
    evaluation's result label (untranslated) and the satisfaction rate in whole per cent with
    the number of residents asked — never who was asked or what they said."""

    evaluation: str | None = None
    satisfaction_pct: int | None = None
    respondents: int = 0


def _results(ids: list[int]) -> dict[int, str]:
    """The latest decided evaluation's label of each award (one statement)."""
    rows = db.session.execute(
        select(Evaluation.award_id, Evaluation.kind, Evaluation.status)
        .where(Evaluation.award_id.in_(ids), Evaluation.status.in_((PASSED, FAILED)),
               Evaluation.decided_at.is_not(None))
        .order_by(Evaluation.decided_at, Evaluation.id))
    return {award_id: RESULT_LABELS[(kind, status)] for award_id, kind, status in rows
            if (kind, status) in RESULT_LABELS}


def _satisfaction(ids: list[int]) -> dict[int, tuple[int, int]]:
    """(content, reached) of each award over its calls in closed samples (one statement)."""
    content = func.sum(case((FollowUpCall.outcome.in_((SATISFIED, FAIRLY_SATISFIED)), 1),
                            else_=0))
    rows = db.session.execute(
        select(FollowUpStratum.award_id, content, func.count(FollowUpCall.id))
        .join(FollowUpStratum, FollowUpCall.stratum_id == FollowUpStratum.id)
        .join(FollowUpSample, FollowUpSample.id == FollowUpCall.sample_id)
        .where(FollowUpStratum.award_id.in_(ids), FollowUpSample.status == CLOSED,
               FollowUpCall.status == REACHED,
               FollowUpCall.outcome.in_((SATISFIED, FAIRLY_SATISFIED, DISSATISFIED)))
        .group_by(FollowUpStratum.award_id))
    return {award_id: (int(happy or 0), reached) for award_id, happy, reached in rows}


def outcomes_of(award_ids: Iterable[int]) -> dict[int, Outcome]:
    """The public outcome of each award that has one, by award id (two statements)."""
    ids = sorted(set(award_ids))
    if not ids:
        return {}
    results, rates = _results(ids), _satisfaction(ids)
    outcomes = {}
    for award_id in set(results) | set(rates):
        happy, reached = rates.get(award_id, (0, 0))
        outcomes[award_id] = Outcome(
            evaluation=results.get(award_id),
            satisfaction_pct=round(100 * happy / reached) if reached else None,
            respondents=reached)
    return outcomes
