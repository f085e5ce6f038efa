"""A round's ranking from the submitted score sheets, its exports, and an applicant's result.

:func:`ranking_report` runs a fixed number of queries whatever the number of proposals or
judges (settings, rubric, one query of all score rows joined to their criteria, proposals,
vote counts, panel names), then hands the flat rows to
:func:`grants.domain.scoring.compute_ranking`. Settings, rubric and vote counts come from the
judging queries, so each is written once.
The award area calls :func:`round_ranking`.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select

from grants.domain import judging_rules as rules
from grants.domain import scoring
from grants.domain.i18n import msg
from grants.domain.lifecycles.score_sheet import SUBMITTED
from grants.domain.rubric import Criterion as RubricCriterion
from grants.domain.scoring import JudgeProfile, OutlierFlag, RankedRow
from grants.extensions import db
from grants.models import Proposal, User
from grants.models.judging import Criterion, Score, ScoreSheet
from grants.services import judging, ranking_store

CSV_HEADER = ("rank", "proposal_id", "title", "final_score", "method", "judges")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class RankingReport:
    """Everything the organizer's ranking page shows for one round."""

    round_id: int
    method: str
    rows: list[RankedRow]
    unscored: list[int]
    criteria: list[RubricCriterion]
    breakdown: dict[int, dict[str, Decimal]]
    flags: list[OutlierFlag]
    profiles: dict[int, JudgeProfile]
    judge_names: dict[int, str]
    normalise: bool
    vote_weight_pct: int
    votes: dict[int, int]
    comments: dict[int, list[tuple[int, str]]]
    turnout: int = 0
    min_turnout: int = scoring.DEFAULT_MIN_TURNOUT
    applied_weight: Decimal = Decimal(0)

    @property
    def applied_weight_pct(self) -> Decimal:
        """The vote weight actually applied, in percent with 2 decimals (turnout-scaled)."""
        return scoring.round_score(self.applied_weight * 100)


def _score_rows(round_id: int) -> list[tuple]:
    """(judge, proposal, criterion key, half points, comment) of every submitted sheet: one query."""
    query = (
        select(
            Score.judge_id, Score.proposal_id, Criterion.key, Score.half_points, ScoreSheet.comment
        )
        .join(Criterion, Criterion.id == Score.criterion_id)
        .join(ScoreSheet, ScoreSheet.id == Score.sheet_id)
        .where(ScoreSheet.round_id == round_id, ScoreSheet.status == SUBMITTED)
    )
    return list(db.session.execute(query))


def _proposal_facts(round_id: int) -> list[scoring.ProposalFacts]:
    """The ranking facts of the round's screened proposals: one query."""
    query = select(
        Proposal.id,
        Proposal.title,
        Proposal.requested_fen,
        Proposal.submitted_at,
        Proposal.created_at,
    ).where(Proposal.round_id == round_id, Proposal.status.in_(judging.RANKABLE_STATES))
    return [
        scoring.ProposalFacts(pid, title, fen, submitted or created)
        for pid, title, fen, submitted, created in db.session.execute(query)
    ]


def _judge_names(judge_ids) -> dict[int, str]:
    """Display names of the judges who scored: one query."""
    if not judge_ids:
        return {}
    query = select(User.id, User.display_name).where(User.id.in_(sorted(judge_ids)))
    return dict(db.session.execute(query).all())


def ranking_report(round_id: int) -> RankingReport:
    """Rank a round from its submitted sheets, with breakdown, flags and judge profiles."""
    settings = judging.settings_for(round_id)
    criteria = judging.rubric_of(round_id)
    raw = _score_rows(round_id)
    facts = _proposal_facts(round_id)
    known = {f.proposal_id for f in facts}
    rows = [(j, p, key, rules.from_half_points(half)) for j, p, key, half, _ in raw if p in known]
    votes = judging.vote_counts(round_id) if settings.vote_weight_pct else {}
    turnout = judging.vote_turnout(round_id) if settings.vote_weight_pct else 0
    ranking = scoring.compute_ranking(
        rows,
        facts,
        rubric=criteria,
        method=settings.method,
        votes=votes if settings.vote_weight_pct else None,
        public_weight=Decimal(settings.vote_weight_pct) / 100,
        need_fit_key=rules.need_fit_key(criteria),
        turnout=turnout,
        min_turnout=settings.vote_min_turnout,
    )
    return RankingReport(
        round_id=round_id,
        method=settings.method,
        rows=list(ranking.rows),
        unscored=list(ranking.unscored),
        criteria=criteria,
        breakdown=_breakdown(rows),
        flags=scoring.outlier_flags(ranking.totals),
        profiles=scoring.judge_profiles(ranking.totals),
        judge_names=_judge_names({j for j, *_ in raw}),
        normalise=settings.normalise,
        vote_weight_pct=settings.vote_weight_pct,
        votes=votes,
        comments=_comments(raw, known),
        turnout=turnout,
        min_turnout=settings.vote_min_turnout,
        applied_weight=ranking.vote_weight,
    )


def round_ranking(round_id: int) -> list[RankedRow]:
    """The round's ranking rows (rank, proposal_id, final_score Decimal, …), best first."""
    return ranking_report(round_id).rows


def final_score_of(round_id: int, proposal_id: int) -> Decimal | None:
    """A proposal's final score: from the stored ranking once judging closed, else live."""
    if ranking_store.summary_of(round_id) is not None:
        entry = ranking_store.stored_entry(round_id, proposal_id)
        return entry.final_score if entry else None
    return next((r.final_score for r in round_ranking(round_id)
                 if int(r.proposal_id) == proposal_id), None)


def _breakdown(rows: list[tuple]) -> dict[int, dict[str, Decimal]]:
    """Mean points per criterion (2 decimals) for every scored proposal, from the flat rows."""
    grouped: dict[int, dict[str, list[Decimal]]] = {}
    for _judge, proposal_id, key, points in rows:
        grouped.setdefault(proposal_id, {}).setdefault(key, []).append(points)
    return {
        pid: {key: scoring.round_score(scoring.mean(values)) for key, values in by_key.items()}
        for pid, by_key in grouped.items()
    }


def _comments(raw: list[tuple], known: set[int]) -> dict[int, list[tuple[int, str]]]:
    """Each proposal's non-empty sheet comments as (judge id, comment), in judge id order."""
    seen: dict[int, dict[int, str]] = {}
    for judge_id, proposal_id, _key, _half, comment in raw:
        if proposal_id in known and comment:
            seen.setdefault(proposal_id, {})[judge_id] = comment
    return {pid: sorted(by_judge.items()) for pid, by_judge in seen.items()}


# --------------------------------------------------------------------------- exports


def safe_cell(value):
    """Text a spreadsheet will not run as a formula (a leading ' before = + - @)."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def ranking_csv(round_id: int, detailed: bool = False) -> str:
    """The ranking as CSV: ``rank,proposal_id,title,final_score,method,judges`` (2 decimals).

    ``detailed`` adds the expert and public scores, each criterion's mean, the note and the
    tie-break, for the organizer's download.
    """
    report = ranking_report(round_id)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(_header(report, detailed))
    for row in report.rows:
        writer.writerow([safe_cell(v) for v in _line(report, row, detailed)])
    return out.getvalue()


def _header(report: RankingReport, detailed: bool) -> list[str]:
    """The CSV/XLSX header; the detailed one adds scores, criterion means, note and tie-break."""
    if not detailed:
        return list(CSV_HEADER)
    return [
        *CSV_HEADER,
        "expert_score",
        "public_score",
        *[c.name for c in report.criteria],
        "note",
        "tie_break",
    ]


def _line(report: RankingReport, row: RankedRow, detailed: bool) -> list:
    """One ranking row as typed cells; scores are Decimals already quantized to 2 decimals."""
    base = [row.rank, row.proposal_id, row.title, row.final_score, row.method, row.judges]
    if not detailed:
        return base
    means = report.breakdown.get(row.proposal_id, {})
    public = "" if row.public_score is None else row.public_score
    return [
        *base,
        row.expert_score,
        public,
        *[means.get(c.key, Decimal("0.00")) for c in report.criteria],
        row.note,
        row.tie_break,
    ]


def ranking_xlsx(round_id: int) -> bytes:
    """The detailed ranking as an XLSX workbook (one sheet, numbers as numbers)."""
    from openpyxl import Workbook

    report = ranking_report(round_id)
    book = Workbook()
    sheet = book.active
    sheet.title = msg("排名")
    sheet.append(_header(report, True))
    for row in report.rows:
        values = _line(report, row, True)
        sheet.append([safe_cell(v) for v in values])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# --------------------------------------------------------------------------- applicant's result


@dataclass(frozen=True)
class ApplicantResult:
    """What an applicant sees after publication: total, criterion means, anonymous comments."""

    proposal: Proposal
    row: RankedRow | None
    criteria: list[RubricCriterion]
    means: dict[str, Decimal]
    comments: list[tuple[str, str]]


def _own_comments(proposal_id: int) -> list[tuple[int, str]]:
    """The non-empty comments of a proposal's submitted sheets as (judge id, comment)."""
    query = select(ScoreSheet.judge_id, ScoreSheet.comment).where(
        ScoreSheet.proposal_id == proposal_id, ScoreSheet.status == SUBMITTED,
        ScoreSheet.comment != "")
    return sorted(tuple(row) for row in db.session.execute(query))


def applicant_result(proposal: Proposal) -> ApplicantResult:
    """The published result of one proposal; judges appear only as 评委1…n (by id order).

    Read from the ranking stored when judging closed (one entry and the proposal's own sheets),
    else ranked live."""
    entry = ranking_store.stored_entry(proposal.round_id, proposal.id)
    if entry is not None or ranking_store.summary_of(proposal.round_id) is not None:
        comments = _own_comments(proposal.id)
        labels = rules.judge_labels(judge_id for judge_id, _ in comments)
        return ApplicantResult(
            proposal=proposal,
            row=entry,
            criteria=judging.rubric_of(proposal.round_id),
            means={k: Decimal(v) for k, v in (entry.means if entry else {}).items()},
            comments=[(labels[judge_id], text) for judge_id, text in comments],
        )
    report = ranking_report(proposal.round_id)
    row = next((r for r in report.rows if r.proposal_id == proposal.id), None)
    comments = report.comments.get(proposal.id, [])
    labels = rules.judge_labels(judge_id for judge_id, _ in comments)
    return ApplicantResult(
        proposal=proposal,
        row=row,
        criteria=report.criteria,
        means=report.breakdown.get(proposal.id, {}),
        comments=[(labels[judge_id], text) for judge_id, text in comments],
    )
