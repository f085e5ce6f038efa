"""Awards within the pool (立项): round settings, the solver's proposal, adjustments, exclusions.

Every award-changing transaction locks the round row first (``SELECT … FOR UPDATE`` on
PostgreSQL; SQLite serialises writers with ``BEGIN IMMEDIATE``) and recomputes the committed
total inside that lock, so two organizers saving at once can never take the awards of a round
past its pool. "Live" awards are every award that is not revoked: proposed ones count too, so
publishing a notice can never be the step that discovers the pool is short.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation

from sqlalchemy import func, select

from grants.domain.awards import (
    Candidate,
    check_adjustment,
    check_pool,
    require_reason,
    solve_awards,
    state_label,
)
from grants.domain.i18n import msg, source_language, tr
from grants.domain.money import format_fen
from grants.extensions import db
from grants.models import FundingRound, Proposal
from grants.models.awards import Award, AwardExclusion, AwardSettings
from grants.models.base import utcnow
from grants.services import Refusal, audit, unit_of_work

DEFAULT_MIN_SCORE = Decimal("60")
DEAD_STATES = ("revoked",)


class AwardError(Refusal):
    """A refused award request; ``str(err)`` is the Chinese reason, ``status`` the HTTP code."""

    def __init__(self, message: str, status: int = 409) -> None:
        """Keep the Chinese message and the status (400/403/404/409/422) for the view."""
        super().__init__(message, status=status)


@dataclass(frozen=True)
class PoolSummary:
    """A round's pool, what its live awards take from it, and what is left."""

    pool_fen: int
    committed_fen: int

    @property
    def remaining_fen(self) -> int:
        """Money not yet given to a live award."""
        return self.pool_fen - self.committed_fen


def lock_round(round_id: int) -> FundingRound:
    """Lock the round row for the rest of the transaction and return it fresh from the database.

    Every transaction that changes an award's amount or state calls this first, so they queue
    one after another per round and each sees the totals the previous one committed.
    """
    query = select(FundingRound).where(FundingRound.id == round_id).with_for_update()
    found = db.session.execute(query.execution_options(populate_existing=True)).scalar_one_or_none()
    if found is None:
        raise AwardError(msg("找不到这个赛事"), 404)
    return found


def fresh(model, object_id: int):
    """Re-read one row inside the current (locked) transaction, or None when it is gone."""
    query = select(model).where(model.id == object_id).execution_options(populate_existing=True)
    return db.session.execute(query).scalar_one_or_none()


def live_total(round_id: int, except_award_id: int | None = None) -> int:
    """Sum of every live (not revoked) award of a round, optionally leaving one award out."""
    query = select(func.coalesce(func.sum(Award.amount_fen), 0)).where(
        Award.round_id == round_id, Award.status.not_in(DEAD_STATES)
    )
    if except_award_id is not None:
        query = query.where(Award.id != except_award_id)
    return int(db.session.scalar(query))


def pool_summary(funding_round: FundingRound) -> PoolSummary:
    """The round's pool and the total of its live awards, for the organizer's page."""
    return PoolSummary(funding_round.pool_fen, live_total(funding_round.id))


def roles_of(actor) -> frozenset[str]:
    """The roles the state tables see: the actor's, or ``system`` for scheduled jobs."""
    return frozenset(actor.roles) if actor is not None else frozenset({"system"})


# ------------------------------------------------------------------------------- settings


def settings_of(round_id: int) -> AwardSettings:
    """The round's award settings, or unsaved defaults (score line 60, no partial awards)."""
    found = db.session.scalar(select(AwardSettings).where(AwardSettings.round_id == round_id))
    return found or AwardSettings(
        round_id=round_id, min_score=DEFAULT_MIN_SCORE, partial=False, decisions=[]
    )


def parse_score(text) -> Decimal:
    """Read a minimum score between 0 and 100 with at most two decimals, or refuse it."""
    try:
        value = Decimal(str(text).strip())
    except InvalidOperation:
        raise AwardError(msg("立项分数线必须是 0 到 100 之间的数字"), 422) from None
    if not value.is_finite() or not 0 <= value <= 100 or value != round(value, 2):
        raise AwardError(msg("立项分数线必须是 0 到 100 之间、最多两位小数的数字"), 422)
    return value


def save_settings(round_id: int, min_score, partial: bool, actor) -> AwardSettings:
    """Store the round's score line and partial-award rule (audited as ``award.settings``)."""
    score = parse_score(min_score)
    with unit_of_work():
        lock_round(round_id)
        settings = settings_of(round_id)
        before = {"min_score": str(settings.min_score), "partial": bool(settings.partial)}
        settings.min_score, settings.partial = score, bool(partial)
        db.session.add(settings)
        db.session.flush()
        after = {"min_score": str(score), "partial": bool(partial)}
        audit.record(
            "award.settings",
            "funding_round",
            round_id,
            {"before": before, "after": after},
            actor=actor,
        )
    return settings


# --------------------------------------------------------------------------------- solver


def candidates_from_ranking(rows: Iterable) -> list[Candidate]:
    """Turn ranking rows (``RankedRow``: rank, proposal_id, title, final_score, requested_fen)
    into the solver's candidates."""
    return [
        Candidate(int(r.proposal_id), r.rank, r.title, r.final_score, r.requested_fen)
        for r in sorted(rows, key=lambda r: r.rank)
    ]


def ranking_candidates(round_id: int) -> list[Candidate]:
    """The round's ranking from the judging area, as solver candidates (empty if none yet)."""
    try:
        from grants.services.ranking import round_ranking
    except ImportError:
        return []
    return candidates_from_ranking(round_ranking(round_id))


def _row(c: Candidate, outcome: str, amount_fen: int, sentence: str) -> dict:
    """One decision as stored and shown (JSON-able: score as text)."""
    return {
        "rank": c.rank,
        "proposal_id": c.proposal_id,
        "title": c.title,
        "score": str(c.final_score),
        "requested_fen": c.requested_fen,
        "outcome": outcome,
        "amount_fen": amount_fen,
        "sentence": sentence,
    }


def _held_sentence(c: Candidate, award: Award) -> str:
    """Why a candidate is not offered to the solver again: it already holds an award."""
    return msg(
        "第{rank}名 已有立项（{state}，{amount}）",
        rank=c.rank,
        state=tr(state_label(award.status)),
        amount=format_fen(award.amount_fen),
    )


def _fixed_rows(round_id: int, candidates: Sequence[Candidate]) -> tuple[dict, list, int]:
    """Split candidates into rows already decided (excluded, or holding a published, confirmed
    or revoked award) and those offered to the solver; also the money live published awards hold."""
    excluded = dict(
        db.session.execute(
            select(AwardExclusion.proposal_id, AwardExclusion.reason).where(
                AwardExclusion.round_id == round_id
            )
        ).all()
    )
    query = select(Award).where(Award.round_id == round_id, Award.status != "proposed")
    held = {a.proposal_id: a for a in db.session.scalars(query)}
    committed = sum(a.amount_fen for a in held.values() if a.status not in DEAD_STATES)
    fixed, offered = {}, []
    for c in candidates:
        if c.proposal_id in excluded:
            reason = excluded[c.proposal_id]
            sentence = msg("第{rank}名 已由主办方排除：{reason}", rank=c.rank, reason=reason)
            fixed[c.rank] = _row(c, "excluded", 0, sentence)
        elif c.proposal_id in held:
            award = held[c.proposal_id]
            fixed[c.rank] = _row(c, "held", award.amount_fen, _held_sentence(c, award))
        else:
            offered.append(c)
    return fixed, offered, committed


def preview(
    funding_round: FundingRound,
    candidates: Sequence[Candidate],
    settings: AwardSettings | None = None,
) -> list[dict]:
    """What the solver would decide now, every row with its sentence, without writing anything.

    Excluded proposals and proposals already holding a published, confirmed or revoked award are
    not offered again; the money held by live published awards is already taken from the pool.
    """
    settings = settings or settings_of(funding_round.id)
    rows, offered, committed = _fixed_rows(funding_round.id, candidates)
    result = solve_awards(
        offered,
        funding_round.pool_fen,
        funding_round.band_min_fen,
        funding_round.band_max_fen,
        Decimal(settings.min_score),
        bool(settings.partial),
        committed,
    )
    by_id = {c.proposal_id: c for c in offered}
    for d in result.decisions:
        rows[d.rank] = _row(by_id[d.proposal_id], d.outcome, d.amount_fen, d.sentence)
    return [rows[rank] for rank in sorted(rows)]


def _check_judging_closed(funding_round: FundingRound, now: datetime | None) -> None:
    """Awards are decided only after judging: closed by the organizer, or past its deadline."""
    from grants.models.judging import JudgingSettings

    judging = db.session.get(JudgingSettings, funding_round.id)
    if judging is not None and judging.closed_at is not None:
        return
    if (now or utcnow()) < funding_round.judging_close:
        raise AwardError(msg("评审尚未结束，评审截止后才能计算立项名单"), 409)


def propose_awards(
    round_id: int, candidates: Sequence[Candidate], actor, now: datetime | None = None
) -> list[Award]:
    """Run the solver on the ranking and store its awards as ``proposed``.

    Proposed awards from an earlier run (and the organizer's adjustments to them) are replaced;
    published, confirmed and revoked awards stay as they are. One audit entry
    (``award.proposed``) lists the new awards and every decision sentence.
    """
    with unit_of_work():
        funding_round = lock_round(round_id)
        _check_judging_closed(funding_round, now)
        settings = settings_of(round_id)
        with source_language():  # the stored sentences are the record, kept in Chinese
            rows = preview(funding_round, candidates, settings)
        replaced = _drop_proposed(round_id)
        awards = [_new_award(round_id, r) for r in rows if r["outcome"] in ("award", "partial")]
        db.session.add_all(awards)
        settings.decisions = rows
        db.session.add(settings)
        db.session.flush()
        _refuse_over_pool(funding_round)
        payload = {
            "awards": [award_facts(a) for a in awards],
            "replaced": replaced,
            "min_score": str(settings.min_score),
            "partial": bool(settings.partial),
            "decisions": [r["sentence"] for r in rows],
        }
        audit.record("award.proposed", "funding_round", round_id, payload, actor=actor)
    return awards


def _drop_proposed(round_id: int) -> list[int]:
    """Delete the round's unpublished awards (a new solver run replaces them); their ids."""
    old = list(
        db.session.scalars(
            select(Award).where(Award.round_id == round_id, Award.status == "proposed")
        )
    )
    for award in old:
        db.session.delete(award)
    db.session.flush()
    return [a.id for a in old]


def award_facts(award: Award) -> dict:
    """An award's identity and amount for audit payloads."""
    return {
        "award_id": award.id,
        "proposal_id": award.proposal_id,
        "rank": award.rank,
        "amount_fen": award.amount_fen,
    }


def _new_award(round_id: int, row: dict) -> Award:
    """An award built from one funded decision."""
    return Award(
        round_id=round_id,
        proposal_id=row["proposal_id"],
        rank=row["rank"],
        amount_fen=row["amount_fen"],
        requested_fen=row["requested_fen"],
        status="proposed",
        score=Decimal(row["score"]),
        sentence=row["sentence"],
    )


def _refuse_over_pool(funding_round: FundingRound) -> None:
    """Last line of defence inside the lock: the live awards must fit in the pool."""
    if problem := check_pool(live_total(funding_round.id), funding_round.pool_fen):
        raise AwardError(problem, 409)


# ------------------------------------------------------------------------ organizer edits


def _locked_award(award_id: int) -> tuple[FundingRound, Award]:
    """Lock the award's round, then re-read the award inside the lock."""
    round_id = db.session.scalar(select(Award.round_id).where(Award.id == award_id))
    if round_id is None:
        raise AwardError(msg("找不到这项立项"), 404)
    funding_round = lock_round(round_id)
    return funding_round, fresh(Award, award_id)


def change_amount(funding_round: FundingRound, award: Award, amount_fen: int) -> None:
    """Set an award's amount after checking the band and the pool inside the round lock."""
    if isinstance(amount_fen, bool) or not isinstance(amount_fen, int):
        raise AwardError(msg("金额必须是整数分"), 422)
    others = live_total(funding_round.id, except_award_id=award.id)
    problems = check_adjustment(
        amount_fen,
        funding_round.band_min_fen,
        funding_round.band_max_fen,
        funding_round.pool_fen,
        others,
    )
    if problems:
        raise AwardError(msg("；").join(problems), 409)
    award.amount_fen = amount_fen


def _reason(reason: str | None) -> str:
    """The stripped reason, or an error saying one is required."""
    if problem := require_reason(reason):
        raise AwardError(problem, 422)
    return reason.strip()


def adjust_award(award_id: int, amount_fen: int, reason: str, actor) -> Award:
    """Change a proposed award's amount within the band and the pool, with a reason.

    Published awards change only through an upheld objection (see the notices service).
    """
    text = _reason(reason)
    with unit_of_work():
        funding_round, award = _locked_award(award_id)
        if award.status != "proposed":
            message = msg(
                "“{state}”的立项不能直接调整金额，公示期间请通过处理异议调整",
                state=tr(state_label(award.status)),
            )
            raise AwardError(message, 409)
        before = award.amount_fen
        change_amount(funding_round, award, amount_fen)
        award.reason = text
        audit.record(
            "award.adjusted",
            "award",
            award.id,
            {
                "proposal_id": award.proposal_id,
                "from_fen": before,
                "to_fen": amount_fen,
                "reason": text,
            },
            actor=actor,
        )
    return award


def exclude_proposal(round_id: int, proposal_id: int, reason: str, actor) -> AwardExclusion:
    """Take a proposal out of the award list with a reason; its proposed award is removed and
    the solver will not offer it again."""
    text = _reason(reason)
    with unit_of_work():
        lock_round(round_id)
        proposal = db.session.get(Proposal, proposal_id)
        if proposal is None or proposal.round_id != round_id:
            raise AwardError(msg("找不到这个项目"), 404)
        if db.session.scalar(
            select(AwardExclusion.id).where(AwardExclusion.proposal_id == proposal_id)
        ):
            raise AwardError(msg("这个项目已被排除"), 409)
        award = db.session.scalar(select(Award).where(Award.proposal_id == proposal_id))
        if award is not None and award.status != "proposed":
            message = msg(
                "“{state}”的立项不能排除，公示期间请通过处理异议撤销",
                state=tr(state_label(award.status)),
            )
            raise AwardError(message, 409)
        removed = {"award_id": award.id, "amount_fen": award.amount_fen} if award else None
        if award is not None:
            db.session.delete(award)
        exclusion = AwardExclusion(
            round_id=round_id,
            proposal_id=proposal_id,
            reason=text,
            created_by_id=getattr(actor, "id", None),
        )
        db.session.add(exclusion)
        db.session.flush()
        audit.record(
            "award.excluded",
            "proposal",
            proposal_id,
            {"round_id": round_id, "reason": text, "removed": removed},
            actor=actor,
        )
    return exclusion


# -------------------------------------------------------------------------------- reading


def awards_of_round(round_id: int) -> list[Award]:
    """Every award of a round in rank order, with its proposal loaded."""
    return list(
        db.session.scalars(select(Award).where(Award.round_id == round_id).order_by(Award.rank))
    )


def exclusions_of_round(round_id: int) -> list[AwardExclusion]:
    """The proposals excluded from a round's awards, oldest first."""
    return list(
        db.session.scalars(
            select(AwardExclusion)
            .where(AwardExclusion.round_id == round_id)
            .order_by(AwardExclusion.id)
        )
    )


def rounds_overview() -> list[tuple[FundingRound, PoolSummary, int]]:
    """Every round, newest first, with its pool summary and number of live awards."""
    rounds = db.session.scalars(select(FundingRound).order_by(FundingRound.id.desc()))
    counts = dict(
        db.session.execute(
            select(Award.round_id, func.count(Award.id))
            .where(Award.status.not_in(DEAD_STATES))
            .group_by(Award.round_id)
        ).all()
    )
    return [(r, pool_summary(r), counts.get(r.id, 0)) for r in rounds]


# ---------------------------------------------------------------------------- score sheet


@dataclass(frozen=True)
class SheetColumn:
    """One judge's submitted sheet, named only 评委1…n: points per criterion and the total."""

    label: str
    points: dict[int, Decimal]
    total: Decimal


def _final_from_ranking(round_id: int, proposal_id: int) -> Decimal | None:
    """The proposal's published final score from the judging ranking, if there is one."""
    try:
        from grants.services.ranking import round_ranking

        rows = round_ranking(round_id)
    except (ImportError, ValueError):
        return None
    return next((r.final_score for r in rows if int(r.proposal_id) == proposal_id), None)


def _points(half_points: int) -> Decimal:
    """Stored half points as points with one decimal (15 → 7.5, 24 → 12.0)."""
    return (Decimal(half_points) / 2).quantize(Decimal("0.1"))


def _sheet_columns(proposal_id: int) -> list[SheetColumn]:
    """The submitted sheets of a proposal in submission order, judges numbered 1…n."""
    from grants.models.judging import ScoreSheet

    sheets = db.session.scalars(
        select(ScoreSheet)
        .where(ScoreSheet.proposal_id == proposal_id, ScoreSheet.status == "submitted")
        .order_by(ScoreSheet.submitted_at, ScoreSheet.id)
    )
    columns = []
    for number, sheet in enumerate(sheets, start=1):
        points = {s.criterion_id: _points(s.half_points) for s in sheet.scores}
        label = msg("评委{n}", n=number)
        columns.append(SheetColumn(label, points, sum(points.values(), Decimal(0))))
    return columns


def score_sheet_context(proposal_id: int) -> dict:
    """What the score-sheet PDF prints for one proposal: the criteria, each anonymous judge's
    points, the aggregation method with its note, the expert score and the final score."""
    from grants.domain.scoring import aggregate
    from grants.models.judging import Criterion, JudgingSettings

    proposal = db.session.get(Proposal, proposal_id)
    if proposal is None:
        raise AwardError(msg("找不到这个项目"), 404)
    criteria = list(
        db.session.scalars(
            select(Criterion)
            .where(Criterion.round_id == proposal.round_id)
            .order_by(Criterion.position, Criterion.id)
        )
    )
    settings = db.session.get(JudgingSettings, proposal.round_id)
    columns = _sheet_columns(proposal_id)
    method = settings.method if settings else "trimmed_mean"
    expert = aggregate([c.total for c in columns], method) if columns else None
    final = _final_from_ranking(proposal.round_id, proposal_id)
    award = db.session.scalar(select(Award).where(Award.proposal_id == proposal_id))
    if final is None and award is not None:
        final = award.score
    return {
        "proposal": proposal,
        "round": db.session.get(FundingRound, proposal.round_id),
        "criteria": criteria,
        "columns": columns,
        "expert": expert,
        "final": final,
        "award": award,
    }
