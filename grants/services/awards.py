"""Awards within the pool (立项): round settings, the solver's proposal, adjustments, exclusions.

Every award-changing transaction locks the round row first (:func:`lock_round`) and recomputes
the committed total inside that lock, so two organizers saving at once can never take the
awards of a round past its pool. Which awards count, and whether they fit, is decided by
:mod:`grants.domain.pool`; every state change of an award goes through
:func:`grants.services.lifecycle.apply` with the award lifecycle, which writes its audit entry.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from grants.domain.awards import FUNDED_OUTCOMES, Candidate, check_adjustment, solve_awards
from grants.domain.budget import Problem
from grants.domain.clock import aware, now_utc
from grants.domain.i18n import N_, msg, source_language, tr
from grants.domain.lifecycles import AWARD
from grants.domain.lifecycles.award import REPLACEABLE_STATES
from grants.domain.lifecycles.events import EVENT_LABELS
from grants.domain.messages import Message, label, message
from grants.domain.money import format_fen
from grants.domain.permissions import ORGANIZERS, role_used
from grants.domain.permissions.awards import can_manage_awards
from grants.domain.pool import LIVE_STATES, check_pool, committed_total
from grants.domain.workflow import check_reason
from grants.extensions import db
from grants.models import FundingRound, Proposal
from grants.models.awards import Award, AwardExclusion, AwardSettings
from grants.services import Refusal, audit, is_row_id, locked, unit_of_work
from grants.services.lifecycle import apply

DEFAULT_MIN_SCORE = Decimal("60")


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

    Every transaction that changes an award's amount or state, or the round's pool, calls this
    first, so they queue one after another per round and each sees the totals the previous one
    committed.
    """
    return locked(FundingRound, round_id, msg("找不到这个赛事"))


def live_total(round_id: int, except_award_id: int | None = None) -> int:
    """What the live awards of a round take from its pool, optionally leaving one award out."""
    query = (
        select(Award.status, func.sum(Award.amount_fen))
        .where(Award.round_id == round_id)
        .group_by(Award.status)
    )
    if except_award_id is not None:
        query = query.where(Award.id != except_award_id)
    return committed_total((state, int(total)) for state, total in db.session.execute(query))


def pool_summary(funding_round: FundingRound) -> PoolSummary:
    """The round's pool and the total of its live awards, for the organizer's page."""
    return PoolSummary(funding_round.pool_fen, live_total(funding_round.id))


def pool_problem(round_id: int, pool_fen: int) -> str | None:
    """Why the round's live awards do not fit in ``pool_fen`` (None when they do).

    Call it under the round lock (:func:`lock_round`), after the change, so what it sums is
    what will be committed.
    """
    return check_pool(live_total(round_id), pool_fen)


def refuse_pool_below_awards(round_id: int, pool_fen: int) -> None:
    """Refuse a round edit whose new pool is smaller than what the round's live awards hold.

    Called by the round edit under the round lock; the refusal names both sums and belongs to
    the form's ``pool`` input (422), so the organizer sees it beside the amount they typed.
    """
    if problem := pool_problem(round_id, pool_fen):
        raise Refusal(problem, problems=[Problem("pool", problem)], status=422)


def _organizer_role(actor) -> str:
    """The role with which ``actor`` manages awards (recorded on events), or a 403 refusal."""
    allowed, reason = can_manage_awards(actor)
    if not allowed:
        raise Refusal(reason, status=403)
    return role_used(actor, ORGANIZERS)


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
        raise Refusal(msg("立项分数线必须是 0 到 100 之间的数字")) from None
    if not value.is_finite() or not 0 <= value <= 100 or value != round(value, 2):
        raise Refusal(msg("立项分数线必须是 0 到 100 之间、最多两位小数的数字"))
    return value


def save_settings(round_id: int, min_score, partial: bool, actor) -> AwardSettings:
    """Store the round's score line and partial-award rule (event ``round.save_award_settings``)."""
    role = _organizer_role(actor)
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
            "round.save_award_settings",
            "funding_round",
            round_id,
            {"before": before, "after": after},
            actor=actor,
            actor_role=role,
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


def ranking_candidates(round_id: int, upto: int | None = None) -> list[Candidate]:
    """The round's ranking from the judging area, as solver candidates (empty if none yet).

    Once judging closed they are read from the stored ranking, ranks 1..``upto`` only when
    ``upto`` is given: the solver decides down the ranking, each decision depending only on
    those above it, so the first ``upto`` decisions need no more candidates than that."""
    from grants.services import ranking_store
    from grants.services.ranking import round_ranking

    if ranking_store.summary_of(round_id) is None:
        return candidates_from_ranking(round_ranking(round_id))[:upto]
    last = upto if upto is not None else ranking_store.stored_count(round_id)
    return candidates_from_ranking(ranking_store.stored_lines(round_id, 1, last))


def _row(c: Candidate, outcome: str, amount_fen: int, said: Message, offered: bool = True) -> dict:
    """One decision as stored and shown (JSON-able: score as text).

    ``funded`` marks a full or partial award; ``offered`` is false for a row decided before the
    solver ran (excluded, or holding a published award), which cannot be excluded again.
    ``sentence`` is the reason in the current language (Chinese when stored), ``message`` the
    same as a message key and parameters for readers in other languages.
    """
    return {
        "rank": c.rank,
        "proposal_id": c.proposal_id,
        "title": c.title,
        "score": str(c.final_score),
        "requested_fen": c.requested_fen,
        "outcome": outcome,
        "amount_fen": amount_fen,
        "sentence": said.render(),
        "message": said.as_json(),
        "funded": outcome in FUNDED_OUTCOMES,
        "offered": offered,
    }


def _held_sentence(c: Candidate, award: Award) -> Message:
    """Why a candidate is not offered to the solver again: it already holds an award."""
    return message(
        N_("第{rank}名 已有立项（{state}，{amount}）"),
        rank=c.rank,
        state=label(AWARD.state_label(award.status)),
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
    query = select(Award).where(
        Award.round_id == round_id, Award.status.not_in(REPLACEABLE_STATES)
    )
    held = {a.proposal_id: a for a in db.session.scalars(query)}
    committed = committed_total((a.status, a.amount_fen) for a in held.values())
    fixed, offered = {}, []
    for c in candidates:
        if c.proposal_id in excluded:
            reason = excluded[c.proposal_id]
            said = message(N_("第{rank}名 已由主办方排除：{reason}"), rank=c.rank, reason=reason)
            fixed[c.rank] = _row(c, "excluded", 0, said, offered=False)
        elif c.proposal_id in held:
            award = held[c.proposal_id]
            sentence = _held_sentence(c, award)
            fixed[c.rank] = _row(c, "held", award.amount_fen, sentence, offered=False)
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
        rows[d.rank] = _row(by_id[d.proposal_id], d.outcome, d.amount_fen, d.message)
    return [rows[rank] for rank in sorted(rows)]


def _check_judging_closed(funding_round: FundingRound, now: datetime | None) -> None:
    """Awards are decided only after judging: closed by the organizer, or past its deadline."""
    from grants.models.judging import JudgingSettings

    judging = db.session.get(JudgingSettings, funding_round.id)
    if judging is not None and judging.closed_at is not None:
        return
    if now_utc(now) < aware(funding_round.judging_close):
        raise Refusal(msg("评审尚未结束，评审截止后才能计算立项名单"), status=409)


def propose_awards(
    round_id: int, candidates: Sequence[Candidate], actor, now: datetime | None = None
) -> list[Award]:
    """Run the solver on the ranking and store its awards as ``proposed``.

    Proposed awards from an earlier run (and the organizer's adjustments to them) are replaced:
    each is discarded (``award.discard``) and deleted; published, confirmed and revoked awards
    stay as they are. Each new award is audited as ``award.propose``, and the run itself as
    ``round.solve_awards`` with every decision sentence.
    """
    role = _organizer_role(actor)
    with unit_of_work():
        funding_round = lock_round(round_id)
        _check_judging_closed(funding_round, now)
        settings = settings_of(round_id)
        with source_language():  # the stored sentences are the record, kept in Chinese
            rows = preview(funding_round, candidates, settings)
        replaced = _discard_replaceable(round_id, actor, "round.solve_awards")
        awards = [_propose(round_id, row, actor) for row in rows if row["funded"]]
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
        audit.record(
            "round.solve_awards", "funding_round", round_id, payload, actor=actor, actor_role=role
        )
    return awards


def _discard(award: Award, actor, cause: str) -> dict:
    """Discard a not yet published award (audited ``award.discard``) and delete its row.

    Nothing was published or promised, so the row goes (it is marked for deletion first, so
    the flush deletes it instead of storing the ``discarded`` state); the audit entry keeps
    what it was. Returns the award's facts for the caller's own entry.
    """
    facts = award_facts(award)
    db.session.delete(award)
    apply(AWARD, award, "discard", actor, payload={**facts, "cause": cause})
    return facts


def _discard_replaceable(round_id: int, actor, cause: str) -> list[int]:
    """Discard every replaceable (proposed) award of the round; their ids."""
    query = select(Award).where(
        Award.round_id == round_id, Award.status.in_(REPLACEABLE_STATES)
    )
    replaceable = db.session.scalars(query).all()
    replaced = [_discard(award, actor, cause)["award_id"] for award in replaceable]
    db.session.flush()
    return replaced


def award_facts(award: Award) -> dict:
    """An award's identity and amount for audit payloads."""
    return {
        "award_id": award.id,
        "proposal_id": award.proposal_id,
        "rank": award.rank,
        "amount_fen": award.amount_fen,
    }


def _propose(round_id: int, row: dict, actor) -> Award:
    """A new award from one funded decision, created by ``award.propose`` (audited)."""
    award = Award(
        round_id=round_id,
        proposal_id=row["proposal_id"],
        rank=row["rank"],
        amount_fen=row["amount_fen"],
        requested_fen=row["requested_fen"],
        score=Decimal(row["score"]),
        sentence=row["sentence"],
        sentence_message=row.get("message"),
    )
    payload = {"proposal_id": award.proposal_id, "rank": award.rank, "amount_fen": award.amount_fen}
    apply(AWARD, award, "propose", actor, payload=payload)
    return award


def _refuse_over_pool(funding_round: FundingRound) -> None:
    """Last line of defence inside the lock: the live awards must fit in the pool."""
    if problem := pool_problem(funding_round.id, funding_round.pool_fen):
        raise Refusal(problem, status=409)


# ------------------------------------------------------------------------ organizer edits


def _locked_award(award_id: int) -> tuple[FundingRound, Award]:
    """Lock the award's round, then the award itself: the order every award change keeps.

    A solver re-run holding the round lock may have replaced (deleted) the award meanwhile;
    the award is then gone once the lock is ours, and the request is refused with a 404 that
    says why instead of failing.
    """
    missing = msg("找不到这项立项：拟立项名单可能已重新生成，请刷新页面后再试")
    round_id = None
    if is_row_id(award_id):
        round_id = db.session.scalar(select(Award.round_id).where(Award.id == award_id))
    if round_id is None:
        raise Refusal(missing, status=404)
    funding_round = lock_round(round_id)
    return funding_round, locked(Award, award_id, missing)


def change_amount(funding_round: FundingRound, award: Award, amount_fen: int) -> None:
    """Set an award's amount after checking the band and the pool inside the round lock.

    The one way an award's amount changes: the organizer's adjustment and an upheld objection
    that changes the amount both call it; the caller applies the lifecycle action.
    """
    if isinstance(amount_fen, bool) or not isinstance(amount_fen, int):
        raise Refusal(msg("金额必须是整数分"))
    others = live_total(funding_round.id, except_award_id=award.id)
    problems = check_adjustment(
        amount_fen,
        funding_round.band_min_fen,
        funding_round.band_max_fen,
        funding_round.pool_fen,
        others,
    )
    if problems:
        raise Refusal(msg("；").join(problems), status=409)
    award.amount_fen = amount_fen


def adjust_award(award_id: int, amount_fen: int, reason: str, actor) -> Award:
    """Change a proposed award's amount within the band and the pool, with a reason.

    Audited as ``award.adjust``. Published awards change only through an upheld objection
    (see the notices service); the lifecycle refuses the adjustment for them.
    """
    with unit_of_work():
        funding_round, award = _locked_award(award_id)
        payload = {"proposal_id": award.proposal_id, "from_fen": award.amount_fen,
                   "to_fen": amount_fen}
        apply(AWARD, award, "adjust", actor, reason=reason, payload=payload)
        change_amount(funding_round, award, amount_fen)
        award.reason = reason.strip()
    return award


def _exclusion_reason(reason: str | None) -> str:
    """The stripped reason for an exclusion, or a 422 saying one is required."""
    if problem := check_reason(tr(EVENT_LABELS["exclusion.create"]), reason):
        raise Refusal(problem)
    return reason.strip()


def exclude_proposal(round_id: int, proposal_id: int, reason: str, actor) -> AwardExclusion:
    """Take a proposal out of the award list with a reason; its proposed award is discarded
    and the solver will not offer it again (event ``exclusion.create``)."""
    role = _organizer_role(actor)
    text = _exclusion_reason(reason)
    with unit_of_work():
        lock_round(round_id)
        proposal = locked(Proposal, proposal_id, msg("找不到这个项目"))
        if proposal.round_id != round_id:
            raise Refusal(msg("找不到这个项目"), status=404)
        if db.session.scalar(
            select(AwardExclusion.id).where(AwardExclusion.proposal_id == proposal_id)
        ):
            raise Refusal(msg("这个项目已被排除"), status=409)
        award = db.session.scalar(select(Award).where(Award.proposal_id == proposal_id))
        removed = _discard(award, actor, "exclusion.create") if award is not None else None
        exclusion = AwardExclusion(
            round_id=round_id,
            proposal_id=proposal_id,
            reason=text,
            created_by_id=getattr(actor, "id", None),
        )
        db.session.add(exclusion)
        db.session.flush()
        audit.record(
            "exclusion.create",
            "award_exclusion",
            exclusion.id,
            {"round_id": round_id, "proposal_id": proposal_id, "reason": text,
             "removed": removed},
            actor=actor,
            actor_role=role,
        )
    return exclusion


# -------------------------------------------------------------------------------- reading


def awards_of_round(round_id: int) -> list[Award]:
    """Every award of a round in rank order, with its proposal loaded (one more query)."""
    query = (select(Award).where(Award.round_id == round_id)
             .options(selectinload(Award.proposal)).order_by(Award.rank))
    return list(db.session.scalars(query))


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
    """Every round, newest first, with its pool summary and number of live awards.

    One grouped query gives every round's totals per award state, so the page costs two
    queries however many rounds there are.
    """
    rounds = db.session.scalars(select(FundingRound).order_by(FundingRound.id.desc()))
    totals: dict[int, list[tuple[str, int]]] = {}
    counts: dict[int, int] = {}
    query = select(
        Award.round_id, Award.status, func.sum(Award.amount_fen), func.count(Award.id)
    ).group_by(Award.round_id, Award.status)
    for round_id, state, total, count in db.session.execute(query):
        totals.setdefault(round_id, []).append((state, int(total)))
        if state in LIVE_STATES:
            counts[round_id] = counts.get(round_id, 0) + count
    return [
        (r, PoolSummary(r.pool_fen, committed_total(totals.get(r.id, ()))), counts.get(r.id, 0))
        for r in rounds
    ]


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
        from grants.services.ranking import final_score_of

        return final_score_of(round_id, proposal_id)
    except (ImportError, ValueError):
        return None


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
        raise Refusal(msg("找不到这个项目"), status=404)
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
