"""The quarterly provider league table of a round, from its sample for that quarter.

Providers are the organisations (or resident teams) behind the sampled projects; their calls
are pooled, their evaluation score is the mean over their projects that have one. The maths
is :mod:`grants.domain.league`. A closed sample's table is public (page and PDF 通报); while
the sample is still being called the table is provisional and only follow-up readers see it.

The evaluation part reads :func:`evaluation_scores`, the one point where the evaluation
module's results enter.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from sqlalchemy import select

from grants.domain.clock import BEIJING, stored
from grants.domain.errors import Refusal
from grants.domain.i18n import msg
from grants.domain.league import League, ProviderInput, league_table
from grants.domain.lifecycles.evaluation import FAILED, PASSED
from grants.domain.lifecycles.follow_up import CLOSED
from grants.domain.permissions import followup as perms
from grants.domain.quarters import quarter_bounds, quarter_label
from grants.domain.satisfaction import Tally, total
from grants.extensions import db
from grants.models import FundingRound
from grants.models.awards import Award
from grants.models.evaluations import Evaluation
from grants.models.followup import FollowUpSample
from grants.services.followup.queries import (
    draw_entry,
    public_provider_name,
    sample_or_404,
    tallies,
)
from grants.services.followup.samples import rules_of


def evaluation_scores(round_id: int, quarter: str) -> dict[int, float]:
    """The evaluation part of the league table: ``{award_id: score}`` with each score 0–100,
    for the awards of ``round_id`` whose mid-term or final evaluation was scored on or before
    the last day of ``quarter`` (``"2025Q3"``; the latest such score of each award).

    A decided evaluation counts: passed or failed (one failed for a missing report, which has
    no score, counts as 0). Awards with none get no entry, and the table then shares the
    evaluation weight over satisfaction and timeliness for them."""
    _first, last = quarter_bounds(quarter)
    cutoff = stored(datetime.combine(last + timedelta(days=1), time.min, tzinfo=BEIJING))
    query = (
        select(Evaluation.award_id, Evaluation.score)
        .where(Evaluation.round_id == round_id, Evaluation.status.in_((PASSED, FAILED)),
               Evaluation.decided_at.is_not(None), Evaluation.decided_at < cutoff)
        .order_by(Evaluation.decided_at, Evaluation.id)
    )
    scores: dict[int, float] = {}
    for award_id, score in db.session.execute(query):
        scores[award_id] = float(score) if score is not None else 0.0
    return scores


def provider_key(award: Award) -> str:
    """One provider per organisation; a resident team is its own provider (by its applicant)."""
    proposal = award.proposal
    if proposal.organisation_id is not None:
        return f"org-{proposal.organisation_id}"
    return f"team-{proposal.applicant_id}"


def provider_inputs(sample: FollowUpSample,
                    scores: dict[int, float] | None = None) -> list[ProviderInput]:
    """The sample's providers with their pooled calls and mean evaluation score."""
    scores = evaluation_scores(sample.round_id, sample.quarter) if scores is None else scores
    counts = tallies(sample.id)
    grouped: dict[str, list[Award]] = defaultdict(list)
    for stratum in sample.strata:
        grouped[provider_key(stratum.award)].append(stratum.award)
    inputs = []
    for key, awards in grouped.items():
        found = [float(scores[a.id]) for a in awards if a.id in scores]
        inputs.append(ProviderInput(
            key, public_provider_name(awards[0].proposal),
            total(counts.get(a.id, Tally()) for a in awards),
            sum(found) / len(found) if found else None,
            tuple(a.proposal.title for a in awards)))
    return inputs


@dataclass(frozen=True)
class LeagueView:
    """A round's quarterly table with what the page and the 通报 print around it."""

    sample: FollowUpSample
    funding_round: FundingRound
    quarter: str
    league: League
    weights: object
    provisional: bool
    without_list: list[str]


def _without_list(sample: FollowUpSample) -> list[str]:
    """Titles of the round's projects that had no list when the sample was drawn."""
    facts = draw_entry(sample.id) or {}
    ids = facts.get("without_list") or []
    if not ids:
        return []
    return [award.proposal.title for award in db.session.scalars(
        select(Award).where(Award.id.in_(ids)).order_by(Award.id))]


def visible_sample(user, sample_id: object) -> FollowUpSample:
    """A closed sample for anyone; one still open only for follow-up readers (else 404)."""
    sample = sample_or_404(sample_id)
    if sample.status != CLOSED and not perms.can_read_follow_up(user)[0]:
        raise Refusal(msg("找不到这个季度的评价结果"), status=404)
    return sample


def league_view(user, sample_id: object) -> LeagueView:
    """The quarter's table for the page."""
    sample = visible_sample(user, sample_id)
    rules = rules_of(sample.round_id)
    return LeagueView(sample, sample.round, quarter_label(sample.quarter),
                      league_table(provider_inputs(sample), rules.weights), rules.weights,
                      sample.status != CLOSED, _without_list(sample))


def closed_league(sample_id: object) -> LeagueView:
    """The quarter's table for the PDF 通报: only once the sample is closed (else 404)."""
    view = league_view(None, sample_id)
    if view.provisional:
        raise Refusal(msg("回访结束后才能生成通报"), status=404)
    return view


def league_list(user) -> list[FollowUpSample]:
    """The quarters with a table: closed ones for everyone, open ones too for readers."""
    query = select(FollowUpSample).order_by(FollowUpSample.quarter.desc(), FollowUpSample.id)
    if not perms.can_read_follow_up(user)[0]:
        query = query.where(FollowUpSample.status == CLOSED)
    return list(db.session.scalars(query))
