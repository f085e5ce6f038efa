"""The ranking stored when judging closes, read a page at a time.

:func:`store_ranking` runs the ranking once (one query of every score row, then
:func:`grants.domain.scoring.compute_ranking`) and writes one ``ranking_entry`` per ranked
proposal with its criterion means and outlier flags, and one ``ranking_summary`` with the judge
profiles. Closing judging calls it, and so does reopening a sheet after judging closed, so the
stored rows always follow the sheets they came from. Pages then read ranks ``a..b`` of a round
through the ``(round_id, rank)`` index: the same few queries for 100 proposals as for 10,000.
Before judging closes nothing is stored and :func:`ranking_view` ranks live.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import delete, insert, select

from grants.domain import scoring
from grants.domain.rubric import Criterion as RubricCriterion
from grants.domain.scoring import JudgeProfile
from grants.extensions import db
from grants.models import Proposal, User
from grants.models.base import utcnow
from grants.models.ranking import RankingEntry, RankingSummary

PAGE_SIZE = 50
CHUNK = 2_000


@dataclass(frozen=True)
class RankingLine:
    """One row of the ranking page, from the store or from a live ranking."""

    rank: int
    proposal_id: int
    title: str
    final_score: Decimal
    expert_score: Decimal
    public_score: Decimal | None
    normalised_score: Decimal | None
    requested_fen: int
    judges: int
    method: str
    note: str
    tie_break: str
    votes: int
    means: dict[str, str]


@dataclass(frozen=True)
class Flag:
    """A sheet total far from the panel median, as the ranking page lists it."""

    judge_id: int
    proposal_id: int
    total: Decimal
    panel_median: Decimal


@dataclass(frozen=True)
class RankingView:
    """One page of a round's ranking with what the page shows beside it."""

    method: str
    normalise: bool
    vote_weight_pct: int
    turnout: int
    min_turnout: int
    applied_weight: Decimal
    ranked: int
    unscored: int
    criteria: list[RubricCriterion]
    rows: list[RankingLine]
    flags: list[Flag]
    flag_count: int
    profiles: dict[int, JudgeProfile]
    judge_names: dict[int, str]
    page: int
    pages: int
    stored: bool
    titles: dict[int, str] = field(default_factory=dict)

    @property
    def applied_weight_pct(self) -> Decimal:
        """The vote weight actually applied, in percent with 2 decimals (turnout-scaled)."""
        return scoring.round_score(self.applied_weight * 100)


# --------------------------------------------------------------------------- storing


def _profile_json(profile: JudgeProfile) -> dict:
    """A judge profile as JSON (Decimals as text)."""
    return {
        "judge_id": profile.judge_id, "count": profile.count, "mean": str(profile.mean),
        "median": str(profile.median), "minimum": str(profile.minimum),
        "maximum": str(profile.maximum), "mean_deviation": str(profile.mean_deviation),
        "label": profile.label, "histogram": list(profile.histogram),
    }


def _profile(data: dict) -> JudgeProfile:
    """A judge profile read back from its JSON."""
    return JudgeProfile(
        data["judge_id"], data["count"], Decimal(data["mean"]), Decimal(data["median"]),
        Decimal(data["minimum"]), Decimal(data["maximum"]), Decimal(data["mean_deviation"]),
        data["label"], tuple(data["histogram"]),
    )


def _entry_rows(round_id: int, report) -> list[dict]:
    """The ``ranking_entry`` rows of a ranking report."""
    flags: dict[int, list] = {}
    for flag in report.flags:
        flags.setdefault(flag.proposal_id, []).append(
            [flag.judge_id, str(flag.total), str(flag.panel_median)])
    return [
        dict(round_id=round_id, rank=row.rank, proposal_id=row.proposal_id,
             final_score=row.final_score, expert_score=row.expert_score,
             public_score=row.public_score, normalised_score=row.normalised_score,
             need_fit=row.need_fit, requested_fen=row.requested_fen, judges=row.judges,
             method=row.method, note=row.note or "", tie_break=row.tie_break or "",
             votes=report.votes.get(row.proposal_id, 0),
             means={k: str(v) for k, v in report.breakdown.get(row.proposal_id, {}).items()},
             flags=flags.get(row.proposal_id, []))
        for row in report.rows
    ]


def store_ranking(round_id: int) -> int:
    """Rank the round from its submitted sheets and store the result in place of the last one
    (inside the caller's transaction); returns the number of ranked proposals."""
    from grants.services.ranking import ranking_report

    report = ranking_report(round_id)
    db.session.execute(delete(RankingEntry).where(RankingEntry.round_id == round_id))
    db.session.execute(delete(RankingSummary).where(RankingSummary.round_id == round_id))
    rows = _entry_rows(round_id, report)
    for start in range(0, len(rows), CHUNK):
        db.session.execute(insert(RankingEntry), rows[start:start + CHUNK])
    db.session.add(RankingSummary(
        round_id=round_id, method=report.method, normalise=report.normalise,
        vote_weight_pct=report.vote_weight_pct, turnout=report.turnout,
        min_turnout=report.min_turnout, applied_weight=report.applied_weight,
        ranked=len(rows), unscored=len(report.unscored), flag_count=len(report.flags),
        profiles=[_profile_json(p) for _, p in sorted(report.profiles.items())],
        computed_at=utcnow()))
    db.session.flush()
    return len(rows)


def forget_ranking(round_id: int) -> None:
    """Drop a round's stored ranking (inside the caller's transaction)."""
    db.session.execute(delete(RankingEntry).where(RankingEntry.round_id == round_id))
    db.session.execute(delete(RankingSummary).where(RankingSummary.round_id == round_id))


# --------------------------------------------------------------------------- reading


def summary_of(round_id: int) -> RankingSummary | None:
    """The round's stored ranking summary, or None before judging closed."""
    return db.session.get(RankingSummary, round_id)


def _pages(total: int) -> int:
    """How many pages of ``PAGE_SIZE`` rows ``total`` rows fill (at least one)."""
    return max(1, math.ceil(total / PAGE_SIZE))


def _clamp(page: int, pages: int) -> int:
    """A page number within 1..pages."""
    return min(max(page, 1), pages)


def stored_lines(round_id: int, first: int, last: int) -> list[RankingLine]:
    """Stored ranks ``first..last`` of a round with their titles: one query on the
    ``(round_id, rank)`` index."""
    query = (
        select(RankingEntry, Proposal.title)
        .join(Proposal, Proposal.id == RankingEntry.proposal_id)
        .where(RankingEntry.round_id == round_id, RankingEntry.rank.between(first, last))
        .order_by(RankingEntry.rank)
    )
    return [_line(entry, title) for entry, title in db.session.execute(query)]


def _line(entry: RankingEntry, title: str) -> RankingLine:
    """A ranking page row from a stored entry."""
    return RankingLine(
        entry.rank, entry.proposal_id, title, entry.final_score, entry.expert_score,
        entry.public_score, entry.normalised_score, entry.requested_fen, entry.judges,
        entry.method, entry.note, entry.tie_break, entry.votes, entry.means or {})


def stored_entry(round_id: int, proposal_id: int) -> RankingEntry | None:
    """One proposal's stored ranking entry, if the round's ranking is stored."""
    return db.session.scalar(select(RankingEntry).where(
        RankingEntry.round_id == round_id, RankingEntry.proposal_id == proposal_id))


def _flags_of(round_id: int, first: int, last: int) -> list[Flag]:
    """The outlier flags of stored ranks ``first..last``."""
    query = select(RankingEntry.proposal_id, RankingEntry.flags).where(
        RankingEntry.round_id == round_id, RankingEntry.rank.between(first, last))
    return [Flag(judge_id, pid, Decimal(total), Decimal(median))
            for pid, flags in db.session.execute(query.order_by(RankingEntry.rank))
            for judge_id, total, median in flags]


def _judge_names(judge_ids) -> dict[int, str]:
    """Display names of the judges who scored: one query."""
    if not judge_ids:
        return {}
    query = select(User.id, User.display_name).where(User.id.in_(sorted(judge_ids)))
    return dict(db.session.execute(query).all())


def _stored_view(summary: RankingSummary, criteria, page: int) -> RankingView:
    """One page of a stored ranking."""
    pages = _pages(summary.ranked)
    page = _clamp(page, pages)
    first, last = (page - 1) * PAGE_SIZE + 1, page * PAGE_SIZE
    rows = stored_lines(summary.round_id, first, last)
    profiles = {p["judge_id"]: _profile(p) for p in summary.profiles or []}
    flags = _flags_of(summary.round_id, first, last)
    return RankingView(
        summary.method, summary.normalise, summary.vote_weight_pct, summary.turnout,
        summary.min_turnout, summary.applied_weight, summary.ranked, summary.unscored, criteria,
        rows, flags, summary.flag_count, profiles, _judge_names(set(profiles)), page, pages,
        True, {row.proposal_id: row.title for row in rows})


def _live_view(round_id: int, page: int) -> RankingView:
    """One page of a ranking computed now (judging still open: nothing is stored yet)."""
    from grants.services.ranking import ranking_report

    report = ranking_report(round_id)
    pages = _pages(len(report.rows))
    page = _clamp(page, pages)
    shown = report.rows[(page - 1) * PAGE_SIZE:page * PAGE_SIZE]
    ids = {row.proposal_id for row in shown}
    rows = [
        RankingLine(r.rank, r.proposal_id, r.title, r.final_score, r.expert_score,
                    r.public_score, r.normalised_score, r.requested_fen, r.judges, r.method,
                    r.note, r.tie_break, report.votes.get(r.proposal_id, 0),
                    {k: str(v) for k, v in report.breakdown.get(r.proposal_id, {}).items()})
        for r in shown
    ]
    flags = [Flag(f.judge_id, f.proposal_id, f.total, f.panel_median)
             for f in report.flags if f.proposal_id in ids]
    return RankingView(
        report.method, report.normalise, report.vote_weight_pct, report.turnout,
        report.min_turnout, report.applied_weight, len(report.rows), len(report.unscored),
        report.criteria, rows, flags, len(report.flags), report.profiles, report.judge_names,
        page, pages, False, {row.proposal_id: row.title for row in rows})


def ranking_view(round_id: int, page: int = 1) -> RankingView:
    """Page ``page`` of the round's ranking: the stored one once judging closed, else live."""
    from grants.services import judging

    criteria = judging.rubric_of(round_id)
    summary = summary_of(round_id)
    if summary is None:
        return _live_view(round_id, page)
    return _stored_view(summary, criteria, page)


def stored_count(round_id: int) -> int:
    """How many proposals the round's stored ranking holds (from its summary row)."""
    summary = summary_of(round_id)
    return summary.ranked if summary else 0
