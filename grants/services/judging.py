"""Online judging use cases: rubric, settings, panel, assignments, conflicts, sheets, votes.

Each change loads what it needs, asks the domain (rubric, assignment, judging rules and
permissions), changes the rows and writes exactly one audit entry per state change inside
``unit_of_work``. Refusals raise :class:`JudgingError` carrying a Chinese message and the HTTP
status the web layer should answer with; nothing is changed then.

Saving a draft sheet is not audited (it is not a state change); submitting and reopening are.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError

from grants.domain import assignment as assigning
from grants.domain import judging_rules as rules
from grants.domain import proposals as proposal_rules
from grants.domain import rubric as rubric_rules
from grants.domain.i18n import N_, msg, source_language
from grants.domain.permissions import judging as perms
from grants.domain.workflow import TransitionError
from grants.extensions import db
from grants.models import Attachment, FundingRound, Organisation, Proposal, User
from grants.models.base import utcnow
from grants.models.judging import (
    Assignment,
    Conflict,
    Criterion,
    JudgingSettings,
    PanelMember,
    Score,
    ScoreSheet,
    Vote,
)
from grants.services import audit, unit_of_work
from grants.services.notifications import notify
from grants.services.rounds import check_phase

SETTINGS_DEFAULTS = dict(
    mode="all",
    judges_per_proposal=3,
    seed=7,
    blind=True,
    method="trimmed_mean",
    normalise=False,
    vote_weight_pct=0,
    vote_max_per_resident=3,
    vote_open=None,
    vote_close=None,
    results_published=False,
    closed_at=None,
)
SETTINGS_FIELDS = (
    "mode",
    "judges_per_proposal",
    "seed",
    "blind",
    "method",
    "normalise",
    "vote_weight_pct",
    "vote_max_per_resident",
    "vote_open",
    "vote_close",
)


class JudgingError(ValueError):
    """A refused judging request; ``str(err)`` is Chinese, ``status`` the HTTP answer."""

    def __init__(self, message: str, status: int = 400, problems: list[str] | None = None):
        """Keep the message, the status (400/403/404/409) and every problem found."""
        super().__init__(message)
        self.status = status
        self.problems = problems or [message]


def _now(now: datetime | None) -> datetime:
    """``now`` as naive UTC (the database's form); the current moment when not given."""
    if now is None:
        return utcnow()
    return now.astimezone(UTC).replace(tzinfo=None) if now.tzinfo else now


def _refuse(decision: tuple[bool, str], status: int) -> None:
    """Raise a :class:`JudgingError` with ``status`` when a permission decision says no."""
    allowed, reason = decision
    if not allowed:
        raise JudgingError(reason, status)


def get_round(round_id: int) -> FundingRound:
    """The round, or a 404 refusal."""
    found = db.session.get(FundingRound, round_id)
    if found is None:
        raise JudgingError(msg("找不到该赛事"), 404)
    return found


def get_proposal(proposal_id: int) -> Proposal:
    """A proposal, or a 404 refusal."""
    found = db.session.get(Proposal, proposal_id)
    if found is None:
        raise JudgingError(msg("找不到该项目"), 404)
    return found


def get_user(user_id: int) -> User:
    """An account, or a 404 refusal."""
    found = db.session.get(User, user_id)
    if found is None:
        raise JudgingError(msg("找不到该账号"), 404)
    return found


def all_rounds() -> list[FundingRound]:
    """Every round, newest first, for the organizer's judging list."""
    return list(db.session.scalars(select(FundingRound).order_by(FundingRound.id.desc())))


def organisations() -> list[Organisation]:
    """Every registered organisation, by name, for declaring a conflict with one."""
    return list(db.session.scalars(select(Organisation).order_by(Organisation.name)))


# --------------------------------------------------------------------------- rubric & settings


def settings_for(round_id: int) -> JudgingSettings:
    """The round's judging settings; unsaved defaults when the organizer has not set any."""
    found = db.session.get(JudgingSettings, round_id)
    return found or JudgingSettings(round_id=round_id, **SETTINGS_DEFAULTS)


def criteria_rows(round_id: int) -> list[Criterion]:
    """The stored rubric lines of a round, in order (empty before judging is set up)."""
    query = select(Criterion).where(Criterion.round_id == round_id)
    return list(db.session.scalars(query.order_by(Criterion.position, Criterion.id)))


def as_domain(rows: Iterable[Criterion]) -> list[rubric_rules.Criterion]:
    """Stored rubric lines as domain criteria."""
    return [rubric_rules.Criterion(r.key, r.name, r.max_points, r.guidance) for r in rows]


def rubric_of(round_id: int) -> list[rubric_rules.Criterion]:
    """The round's rubric as domain criteria: the stored one, else the default rubric."""
    return as_domain(criteria_rows(round_id)) or list(rubric_rules.DEFAULT_RUBRIC)


def _ensure_setup(round_id: int) -> JudgingSettings:
    """Create the settings row and the default rubric the first time judging is set up."""
    found = db.session.get(JudgingSettings, round_id)
    if found is not None:
        return found
    settings = JudgingSettings(round_id=round_id, **SETTINGS_DEFAULTS)
    db.session.add(settings)
    if not criteria_rows(round_id):
        _store_rubric(round_id, rubric_rules.DEFAULT_RUBRIC)
    db.session.flush()
    return settings


def _store_rubric(round_id: int, criteria: Iterable[rubric_rules.Criterion]) -> None:
    """Write rubric lines for a round (the caller removed the old ones)."""
    for position, c in enumerate(criteria):
        db.session.add(
            Criterion(
                round_id=round_id,
                key=c.key,
                name=c.name.strip(),
                max_points=c.max_points,
                guidance=c.guidance.strip(),
                position=position,
            )
        )


def _sheets_exist(round_id: int) -> bool:
    """True once any judge has saved a sheet in the round."""
    query = select(ScoreSheet.id).where(ScoreSheet.round_id == round_id).limit(1)
    return db.session.scalar(query) is not None


def rubric_lock(round_id: int, now: datetime | None = None) -> str | None:
    """Why the round's rubric can no longer be edited, else ``None``."""
    funding_round = get_round(round_id)
    return rules.rubric_lock_reason(_now(now), funding_round.judging_open, _sheets_exist(round_id))


def update_rubric(
    round_id: int, criteria: list[rubric_rules.Criterion], actor, now: datetime | None = None
) -> None:
    """Replace a round's rubric (maxima adding up to 100) while judging has not opened."""
    _refuse(perms.can_manage_panel(actor), 403)
    if reason := rubric_lock(round_id, now):
        raise JudgingError(reason, 409)
    problems = rules.check_rubric_texts(criteria) or rubric_rules.validate_rubric(criteria)
    if problems:
        raise JudgingError(msg("；").join(problems), 400, problems)
    with unit_of_work():
        _ensure_setup(round_id)
        db.session.execute(delete(Criterion).where(Criterion.round_id == round_id))
        _store_rubric(round_id, criteria)
        audit.record(
            "rubric.updated",
            "funding_round",
            round_id,
            {
                "criteria": [
                    {"key": c.key, "name": c.name, "max_points": c.max_points} for c in criteria
                ]
            },
            actor=actor,
        )


def new_criterion_key(existing: Iterable[str]) -> str:
    """A key for a criterion the organizer added: ``c1``, ``c2`` … not yet used in the round."""
    taken = set(existing)
    return next(f"c{i}" for i in range(1, len(taken) + 2) if f"c{i}" not in taken)


def update_settings(round_id: int, values: rules.SettingsInput, actor) -> JudgingSettings:
    """Save a round's judging settings; refused once results are published."""
    _refuse(perms.can_manage_panel(actor), 403)
    get_round(round_id)
    if problems := rules.check_settings(values):
        raise JudgingError(msg("；").join(problems), 400, problems)
    if settings_for(round_id).results_published:
        raise JudgingError(msg("评审结果已公布，评审设置不能再修改"), 409)
    with unit_of_work():
        settings = _ensure_setup(round_id)
        for name in SETTINGS_FIELDS:
            setattr(settings, name, getattr(values, name))
        audit.record(
            "settings.updated", "funding_round", round_id, _settings_payload(settings), actor=actor
        )
    return settings


def _settings_payload(settings: JudgingSettings) -> dict:
    """The settings as JSON-able audit payload (times as ISO text)."""
    payload = {name: getattr(settings, name) for name in SETTINGS_FIELDS}
    for name in ("vote_open", "vote_close"):
        payload[name] = payload[name].isoformat() if payload[name] else None
    return payload


# --------------------------------------------------------------------------- panel


def panel_of(round_id: int) -> list[User]:
    """The judges on a round's panel, in id order."""
    query = (
        select(User)
        .join(PanelMember, PanelMember.judge_id == User.id)
        .where(PanelMember.round_id == round_id)
        .order_by(User.id)
    )
    return list(db.session.scalars(query))


def on_panel(round_id: int, judge_id: int) -> bool:
    """True when the judge sits on the round's panel."""
    query = select(PanelMember.id).where(
        PanelMember.round_id == round_id, PanelMember.judge_id == judge_id
    )
    return db.session.scalar(query) is not None


def available_judges(round_id: int) -> list[User]:
    """Active judge accounts not yet on the round's panel, for the organizer's picker."""
    seated = select(PanelMember.judge_id).where(PanelMember.round_id == round_id)
    query = select(User).where(User.active.is_(True), User.id.not_in(seated)).order_by(User.id)
    return [user for user in db.session.scalars(query) if user.has_role("judge")]


def add_judge(round_id: int, judge_id: int, actor) -> None:
    """Seat a judge account on a round's panel."""
    _refuse(perms.can_manage_panel(actor), 403)
    get_round(round_id)
    judge = db.session.get(User, judge_id)
    if judge is None or not judge.has_role("judge") or not judge.active:
        raise JudgingError(msg("只能添加评审专家账号"), 400)
    if on_panel(round_id, judge_id):
        raise JudgingError(msg("{name}已在评审组中", name=judge.display_name), 409)
    _refuse_after_close(round_id)
    with unit_of_work():
        _ensure_setup(round_id)
        db.session.add(PanelMember(round_id=round_id, judge_id=judge_id))
        audit.record(
            "panel.judge_added", "funding_round", round_id, {"judge_id": judge_id}, actor=actor
        )


def remove_judge(round_id: int, judge_id: int, actor) -> None:
    """Take a judge off the panel with their assignments and drafts; refused once they submitted."""
    _refuse(perms.can_manage_panel(actor), 403)
    if not on_panel(round_id, judge_id):
        raise JudgingError(msg("该评委不在本轮评审组中"), 404)
    submitted = select(func.count(ScoreSheet.id)).where(
        ScoreSheet.round_id == round_id,
        ScoreSheet.judge_id == judge_id,
        ScoreSheet.status == "submitted",
    )
    if db.session.scalar(submitted):
        raise JudgingError(msg("该评委已提交评分表，不能移出评审组"), 409)
    with unit_of_work():
        _drop_judge_work(round_id, judge_id)
        db.session.execute(
            delete(PanelMember).where(
                PanelMember.round_id == round_id, PanelMember.judge_id == judge_id
            )
        )
        audit.record(
            "panel.judge_removed", "funding_round", round_id, {"judge_id": judge_id}, actor=actor
        )


def _drop_judge_work(round_id: int, judge_id: int, proposal_id: int | None = None) -> None:
    """Delete a judge's assignments and draft sheets in a round (or on one proposal)."""
    where_a = [Assignment.round_id == round_id, Assignment.judge_id == judge_id]
    where_s = [
        ScoreSheet.round_id == round_id,
        ScoreSheet.judge_id == judge_id,
        ScoreSheet.status == "draft",
    ]
    if proposal_id is not None:
        where_a.append(Assignment.proposal_id == proposal_id)
        where_s.append(ScoreSheet.proposal_id == proposal_id)
    for sheet in db.session.scalars(select(ScoreSheet).where(*where_s)):
        db.session.delete(sheet)
    db.session.execute(delete(Assignment).where(*where_a))


def _refuse_after_close(round_id: int) -> None:
    """Panel and assignments are frozen once judging has been closed."""
    if settings_for(round_id).closed_at is not None:
        raise JudgingError(msg("本轮评审已结束"), 409)


# --------------------------------------------------------------------------- conflicts


def _judge_facts(user: User) -> rules.JudgeFacts:
    """What conflict detection needs to know about a judge."""
    return rules.JudgeFacts(user.id, user.organisation_id, user.display_name or "")


def _applicant_facts(proposal: Proposal) -> rules.ApplicantFacts:
    """What conflict detection needs to know about who is behind a proposal."""
    return rules.ApplicantFacts(
        proposal.id,
        proposal.applicant_id,
        proposal.organisation_id,
        rules.team_names(proposal.team),
    )


def conflict_map(judges: Iterable[User], proposals: Iterable[Proposal]) -> dict[tuple, str]:
    """Every (judge id, proposal id) with a conflict, declared or detected, and its reason."""
    judges, proposals = list(judges), list(proposals)
    declared = db.session.scalars(
        select(Conflict).where(Conflict.judge_id.in_([j.id for j in judges]))
    ).all()
    found: dict[tuple, str] = {}
    for proposal in proposals:
        facts = _applicant_facts(proposal)
        for judge in judges:
            reason = rules.detect_conflict(_judge_facts(judge), facts)
            reason = reason or next(
                (
                    c.reason
                    for c in declared
                    if c.judge_id == judge.id
                    and rules.declared_applies(c.proposal_id, c.organisation_id, facts)
                ),
                None,
            )
            if reason:
                found[(judge.id, proposal.id)] = reason
    return found


def conflict_of(judge: User, proposal: Proposal) -> str | None:
    """The reason this judge must not score this proposal, else ``None``."""
    return conflict_map([judge], [proposal]).get((judge.id, proposal.id))


def conflicts_of_judge(judge_id: int) -> list[Conflict]:
    """The conflicts a judge declared (and those recorded as detected), newest first."""
    query = select(Conflict).where(Conflict.judge_id == judge_id)
    return list(db.session.scalars(query.order_by(Conflict.id.desc())))


def declare_conflict(
    judge: User, *, reason: str, proposal_id: int | None = None, organisation_id: int | None = None
) -> Conflict:
    """A judge declares a conflict with a proposal (or an organisation) before scoring it.

    Any draft sheet of theirs on an affected proposal is discarded; a submitted sheet means the
    declaration comes too late and is refused (the organizer can reopen the sheet first).
    """
    targets = _conflict_targets(judge, proposal_id, organisation_id)
    if problem := rules.check_reason(reason, N_("回避理由")):
        raise JudgingError(problem, 400)
    sheets = db.session.scalars(
        select(ScoreSheet).where(
            ScoreSheet.judge_id == judge.id, ScoreSheet.proposal_id.in_([p.id for p in targets])
        )
    ).all()
    if any(sheet.status == "submitted" for sheet in sheets):
        raise JudgingError(msg("您已提交该项目的评分表，不能再申报回避；请联系主办方"), 409)
    text = reason.strip()
    payload = {
        "judge_id": judge.id,
        "proposal_id": proposal_id,
        "organisation_id": organisation_id,
        "reason": text,
    }
    with unit_of_work():
        conflict = Conflict(
            judge_id=judge.id,
            proposal_id=proposal_id,
            organisation_id=organisation_id,
            reason=text,
            source="declared",
        )
        db.session.add(conflict)
        for sheet in sheets:
            db.session.delete(sheet)
        db.session.flush()
        audit.record("conflict.declared", "conflict", conflict.id, payload, actor=judge)
    return conflict


def _conflict_targets(
    judge: User, proposal_id: int | None, organisation_id: int | None
) -> list[Proposal]:
    """The proposals a declaration covers; the judge must sit on a panel that judges them."""
    if (proposal_id is None) == (organisation_id is None):
        raise JudgingError(msg("请选择一个项目或一个机构申报回避"), 400)
    if proposal_id is not None:
        proposal = db.session.get(Proposal, proposal_id)
        if proposal is None or not on_panel(proposal.round_id, judge.id):
            raise JudgingError(msg("找不到该项目"), 404)
        _refuse(perms.can_declare_conflict(judge, True), 403)
        return [proposal]
    if db.session.get(Organisation, organisation_id) is None:
        raise JudgingError(msg("找不到该机构"), 404)
    seated = select(func.count(PanelMember.id)).where(PanelMember.judge_id == judge.id)
    _refuse(perms.can_declare_conflict(judge, bool(db.session.scalar(seated))), 403)
    return list(
        db.session.scalars(select(Proposal).where(Proposal.organisation_id == organisation_id))
    )


# --------------------------------------------------------------------------- assignment


def rankable_proposals(round_id: int) -> list[Proposal]:
    """Proposals of the round that passed screening (eligible, or already further on)."""
    query = select(Proposal).where(
        Proposal.round_id == round_id, Proposal.status.in_(RANKABLE_STATES)
    )
    return list(db.session.scalars(query.order_by(Proposal.id)))


RANKABLE_STATES = ("eligible", "scored", "awarded", "not_awarded")


def generate_assignments(round_id: int, actor) -> dict[int, list[int]]:
    """Assign the panel to the eligible proposals (all judges, or k per proposal, balanced).

    Deterministic for the round's seed; conflicted judges are never assigned; detected
    conflicts are recorded so the organizer sees them. Refused once any judge has begun.
    """
    judges, proposals = _assignment_inputs(round_id, actor)
    settings = settings_for(round_id)
    conflicts = conflict_map(judges, proposals)
    k = None if settings.mode == "all" else settings.judges_per_proposal
    judge_ids = [j.id for j in judges]
    try:
        result = assigning.assign(
            [p.id for p in proposals], judge_ids, k, set(conflicts), seed=settings.seed
        )
    except assigning.AssignmentError as error:
        raise JudgingError(str(error), 409) from error
    loads = assigning.judge_loads(result, judge_ids)
    payload = {
        "mode": settings.mode,
        "k": k,
        "seed": settings.seed,
        "assignments": sum(map(len, result.values())),
        "loads": {str(j): n for j, n in loads.items()},
        "conflicts": len(conflicts),
    }
    with unit_of_work():
        _ensure_setup(round_id)
        db.session.execute(delete(Assignment).where(Assignment.round_id == round_id))
        db.session.add_all(
            Assignment(round_id=round_id, judge_id=j, proposal_id=p)
            for p, ids in result.items()
            for j in ids
        )
        _record_detected(conflicts, judges, proposals)
        audit.record("assignment.generated", "funding_round", round_id, payload, actor=actor)
    return result


def _assignment_inputs(round_id: int, actor) -> tuple[list[User], list[Proposal]]:
    """The panel and the eligible proposals, once the organizer may (re)assign the round."""
    _refuse(perms.can_manage_panel(actor), 403)
    get_round(round_id)
    _refuse_after_close(round_id)
    if _sheets_exist(round_id):
        raise JudgingError(msg("已有评委开始评分，不能重新分配"), 409)
    judges = panel_of(round_id)
    proposals = [p for p in rankable_proposals(round_id) if p.status == "eligible"]
    if not judges or not proposals:
        raise JudgingError(msg("请先添加评委，并确保有资格审查通过的项目"), 400)
    return judges, proposals


def _record_detected(
    conflicts: Mapping[tuple, str], judges: list[User], proposals: list[Proposal]
) -> None:
    """Store conflicts found in the record (applicant, member, team) not yet stored."""
    stored = {
        (c.judge_id, c.proposal_id)
        for c in db.session.scalars(
            select(Conflict).where(Conflict.judge_id.in_([j.id for j in judges]))
        )
    }
    by_id = {j.id: j for j in judges}
    for proposal in proposals:
        for judge_id in by_id:
            key = (judge_id, proposal.id)
            reason = rules.detect_conflict(
                _judge_facts(by_id[judge_id]), _applicant_facts(proposal)
            )
            if reason and key in conflicts and key not in stored:
                db.session.add(
                    Conflict(
                        judge_id=judge_id, proposal_id=proposal.id, reason=reason, source="detected"
                    )
                )


def assignments_of(round_id: int) -> dict[int, list[int]]:
    """Proposal id → the judge ids assigned to it, for one round."""
    result: dict[int, list[int]] = {}
    query = (
        select(Assignment.proposal_id, Assignment.judge_id)
        .where(Assignment.round_id == round_id)
        .order_by(Assignment.judge_id)
    )
    for proposal_id, judge_id in db.session.execute(query):
        result.setdefault(proposal_id, []).append(judge_id)
    return result


def replacement_options(round_id: int, proposal_id: int, judge_id: int) -> list[User]:
    """Panel judges who could take over a proposal from a judge, least loaded first."""
    proposal = _round_proposal(round_id, proposal_id)
    judges = panel_of(round_id)
    current = assignments_of(round_id)
    if judge_id not in current.get(proposal_id, []):
        raise JudgingError(msg("该评委未被分配这个项目"), 404)
    loads = assigning.judge_loads(current, [j.id for j in judges])
    conflicts = conflict_map(judges, [proposal])
    ids = assigning.replacement_candidates(
        proposal_id,
        current[proposal_id],
        [j.id for j in judges],
        set(conflicts),
        loads,
    )
    by_id = {j.id: j for j in judges}
    return [by_id[i] for i in ids]


def _round_proposal(round_id: int, proposal_id: int) -> Proposal:
    """A proposal of the round, or a 404 refusal."""
    proposal = db.session.get(Proposal, proposal_id)
    if proposal is None or proposal.round_id != round_id:
        raise JudgingError(msg("找不到该项目"), 404)
    return proposal


def replace_judge(
    round_id: int, proposal_id: int, old_judge_id: int, new_judge_id: int, actor
) -> None:
    """Hand a proposal from one judge (usually conflicted) to a replacement the domain offers."""
    _refuse(perms.can_manage_panel(actor), 403)
    _refuse_after_close(round_id)
    if new_judge_id not in {j.id for j in replacement_options(round_id, proposal_id, old_judge_id)}:
        raise JudgingError(msg("所选评委不能替换（已分配、需回避或不在评审组）"), 400)
    sheet = _sheet(old_judge_id, proposal_id)
    if sheet is not None and sheet.status == "submitted":
        raise JudgingError(msg("原评委已提交评分表，不能替换"), 409)
    with unit_of_work():
        _drop_judge_work(round_id, old_judge_id, proposal_id)
        db.session.add(
            Assignment(round_id=round_id, judge_id=new_judge_id, proposal_id=proposal_id)
        )
        audit.record(
            "conflict.replaced",
            "proposal",
            proposal_id,
            {"round_id": round_id, "old_judge_id": old_judge_id, "new_judge_id": new_judge_id},
            actor=actor,
        )
        message = N_("您有一个新的评审任务")  # stored in Chinese for the judge's inbox
        notify(new_judge_id, message, f"/judging/proposals/{proposal_id}/sheet")


# --------------------------------------------------------------------------- score sheets


def _sheet(judge_id: int, proposal_id: int) -> ScoreSheet | None:
    """A judge's sheet for a proposal, if they started one."""
    return db.session.scalar(
        select(ScoreSheet).where(
            ScoreSheet.judge_id == judge_id, ScoreSheet.proposal_id == proposal_id
        )
    )


def _assigned(judge_id: int, proposal_id: int) -> bool:
    """True when the judge is assigned the proposal."""
    query = select(Assignment.id).where(
        Assignment.judge_id == judge_id, Assignment.proposal_id == proposal_id
    )
    return db.session.scalar(query) is not None


def sheet_access(judge: User, proposal: Proposal, now: datetime | None = None) -> perms.SheetAccess:
    """The facts that decide whether this judge may open and change this proposal's sheet."""
    sheet = _sheet(judge.id, proposal.id)
    funding_round = db.session.get(FundingRound, proposal.round_id)
    return perms.SheetAccess(
        on_panel=on_panel(proposal.round_id, judge.id),
        assigned=_assigned(judge.id, proposal.id),
        conflict=conflict_of(judge, proposal),
        sheet_status=sheet.status if sheet else None,
        window_problem=check_phase(funding_round, "score", _now(now)),
        closed=settings_for(proposal.round_id).closed_at is not None,
    )


@dataclass
class ScoringPage:
    """What the scoring page shows a judge: the proposal as they may see it, and their sheet."""

    proposal: ProposalView
    criteria: list[Criterion]
    sheet: ScoreSheet | None
    points: dict[int, Decimal]
    editable: bool
    locked_reason: str


def open_sheet(judge: User, proposal_id: int, now: datetime | None = None) -> ScoringPage:
    """The scoring page for an assigned, unconflicted judge; 403 otherwise, 404 if unknown."""
    proposal = db.session.get(Proposal, proposal_id)
    if proposal is None:
        raise JudgingError(msg("找不到该项目"), 404)
    access = sheet_access(judge, proposal, now)
    _refuse(perms.can_open_sheet(judge, access), 403)
    editable, reason = perms.can_edit_sheet(judge, access)
    sheet = _sheet(judge.id, proposal_id)
    points = (
        {s.criterion_id: rules.from_half_points(s.half_points) for s in sheet.scores}
        if sheet
        else {}
    )
    return ScoringPage(
        proposal_view(proposal, settings_for(proposal.round_id).blind),
        criteria_rows(proposal.round_id),
        sheet,
        points,
        editable,
        reason,
    )


def save_sheet(
    judge: User,
    proposal_id: int,
    entries: Mapping[int, str],
    comment: str,
    submit: bool,
    now: datetime | None = None,
) -> ScoreSheet:
    """Save a judge's draft (blank points allowed), or submit it: every criterion scored, locked.

    ``entries`` maps criterion id → what the judge typed. Any invalid entry refuses the whole
    request (400) and nothing is saved; a submitted sheet or closed window answers 409.
    """
    _lock_sheet(judge.id, proposal_id)
    page = open_sheet(judge, proposal_id, now)
    if not page.editable:
        raise JudgingError(page.locked_reason, 409)
    points, problems = _parse_entries(page.criteria, entries)
    problems += [p for p in [rules.check_comment(comment or "")] if p]
    if submit and not problems:
        scored = [c.key for c in page.criteria if c.id in points]
        problems += [p for p in [rules.missing_criteria(as_domain(page.criteria), scored)] if p]
    if problems:
        raise JudgingError(msg("；").join(problems), 400, problems)
    try:
        with unit_of_work():
            sheet = _write_sheet(page, judge, points, (comment or "").strip())
            if submit:
                sheet.status, sheet.submitted_at = "submitted", _now(now)
                payload = _sheet_payload(sheet, page.criteria, points)
                audit.record("sheet.submitted", "score_sheet", sheet.id, payload, actor=judge)
    except IntegrityError as error:
        raise JudgingError(msg("评分表已在另一个窗口保存，请刷新后重试"), 409) from error
    return sheet


def _lock_sheet(judge_id: int, proposal_id: int) -> None:
    """Lock the judge's sheet row (PostgreSQL) so two tabs cannot submit it twice."""
    query = select(ScoreSheet.id).where(
        ScoreSheet.judge_id == judge_id, ScoreSheet.proposal_id == proposal_id
    )
    db.session.execute(query.with_for_update())


def _parse_entries(
    criteria: list[Criterion], entries: Mapping[int, str]
) -> tuple[dict[int, Decimal], list[str]]:
    """Points by criterion id from the typed entries, and a message for every bad one."""
    points: dict[int, Decimal] = {}
    problems: list[str] = []
    for row, criterion in zip(criteria, as_domain(criteria), strict=True):
        value, problem = rules.parse_points(entries.get(row.id), criterion)
        if problem:
            problems.append(problem)
        elif value is not None:
            points[row.id] = value
    return points, problems


def _write_sheet(
    page: ScoringPage, judge: User, points: dict[int, Decimal], comment: str
) -> ScoreSheet:
    """Create or update the judge's sheet and its score rows."""
    proposal_id = page.proposal.id
    sheet = page.sheet or ScoreSheet(
        round_id=page.proposal.round_id, judge_id=judge.id, proposal_id=proposal_id
    )
    sheet.comment = comment
    existing = {score.criterion_id: score for score in sheet.scores}
    for criterion_id, value in points.items():
        row = existing.pop(criterion_id, None) or Score(
            judge_id=judge.id, proposal_id=proposal_id, criterion_id=criterion_id
        )
        row.half_points = rules.to_half_points(value)
        if row not in sheet.scores:
            sheet.scores.append(row)
    for stale in existing.values():
        sheet.scores.remove(stale)
    db.session.add(sheet)
    db.session.flush()
    return sheet


def _sheet_payload(
    sheet: ScoreSheet, criteria: list[Criterion], points: Mapping[int, Decimal]
) -> dict:
    """Audit payload of a submitted sheet: the points per criterion key and the total (text)."""
    by_key = {c.key: str(points[c.id]) for c in criteria if c.id in points}
    return {
        "round_id": sheet.round_id,
        "judge_id": sheet.judge_id,
        "proposal_id": sheet.proposal_id,
        "points": by_key,
        "total": str(sum(points.values(), Decimal(0))),
    }


def get_sheet(sheet_id: int) -> ScoreSheet:
    """A score sheet, or a 404 refusal."""
    sheet = db.session.get(ScoreSheet, sheet_id)
    if sheet is None:
        raise JudgingError(msg("找不到该评分表"), 404)
    return sheet


def reopen_sheet(sheet_id: int, reason: str, actor) -> ScoreSheet:
    """The organizer sends a submitted sheet back to its judge as a draft, with a reason."""
    _refuse(perms.can_manage_panel(actor), 403)
    sheet = get_sheet(sheet_id)
    if sheet.status != "submitted":
        raise JudgingError(msg("只有已提交的评分表可以退回"), 409)
    _refuse_after_close(sheet.round_id)
    if problem := rules.check_reason(reason, N_("退回原因")):
        raise JudgingError(problem, 400)
    with unit_of_work():
        sheet.status, sheet.submitted_at = "draft", None
        audit.record(
            "sheet.reopened",
            "score_sheet",
            sheet.id,
            {
                "judge_id": sheet.judge_id,
                "proposal_id": sheet.proposal_id,
                "reason": reason.strip(),
            },
            actor=actor,
        )
        with source_language():
            message = msg("您的一份评分表已被主办方退回：{reason}", reason=reason.strip())
        notify(sheet.judge_id, message, f"/judging/proposals/{sheet.proposal_id}/sheet")
    return sheet


def sheet_points(sheet: ScoreSheet) -> dict[int, Decimal]:
    """A sheet's points by criterion id."""
    return {s.criterion_id: rules.from_half_points(s.half_points) for s in sheet.scores}


# --------------------------------------------------------------------------- what judges see


@dataclass
class ProposalView:
    """A proposal as a judge may see it. In blind review every identity field is ``None`` and
    attachments carry neutral names, so a template cannot leak what it never receives."""

    id: int
    round_id: int
    title: str
    community: str
    category: str
    background: str
    objectives: str
    outcomes: str
    beneficiaries: str
    beneficiary_count: int
    activities: list
    lines: list
    requested_fen: int
    attachments: list[tuple[int, str]]
    blind: bool
    applicant_name: str | None = None
    organisation_name: str | None = None
    contact_name: str | None = None
    contact_phone: str | None = None
    team: list[str] = field(default_factory=list)


def proposal_view(proposal: Proposal, blind: bool) -> ProposalView:
    """The proposal for a judge's eyes, without identities when the round is blind."""
    files = db.session.scalars(
        select(Attachment).where(Attachment.proposal_id == proposal.id).order_by(Attachment.id)
    ).all()
    view = ProposalView(
        id=proposal.id,
        round_id=proposal.round_id,
        title=proposal.title,
        community=proposal.community.name if proposal.community else "",
        category=proposal.category,
        background=proposal.background,
        objectives=proposal.objectives,
        outcomes=proposal.outcomes,
        beneficiaries=proposal.beneficiaries,
        beneficiary_count=proposal.beneficiary_count,
        activities=list(proposal.activities or []),
        lines=list(proposal.lines),
        requested_fen=proposal.requested_fen,
        blind=blind,
        attachments=[(f.id, attachment_name(f, i, blind)) for i, f in enumerate(files, 1)],
    )
    if not blind:
        view.applicant_name = proposal.applicant.display_name
        view.organisation_name = proposal.organisation.name if proposal.organisation else None
        view.contact_name, view.contact_phone = proposal.contact_name, proposal.contact_phone
        view.team = list(rules.team_names(proposal.team))
    return view


def attachment_name(attachment: Attachment, position: int, blind: bool) -> str:
    """The file name a judge sees: the real one, or ``附件N.ext`` in blind review."""
    if blind:
        return rules.attachment_alias(position, attachment.content_type)
    return attachment.filename


def attachment_for(
    user: User, attachment_id: int, now: datetime | None = None
) -> tuple[Attachment, bytes, str]:
    """An attachment's content and the name to serve it under, for those who may read it.

    Judges get it only for proposals they may open, under the neutral name in blind review;
    anyone else gets 404 so the file's existence is not revealed.
    """
    attachment = db.session.get(Attachment, attachment_id)
    if attachment is None:
        raise JudgingError(msg("找不到该附件"), 404)
    proposal = db.session.get(Proposal, attachment.proposal_id)
    access = sheet_access(user, proposal, now) if user.has_role("judge") else None
    if not perms.can_download_attachment(user, access)[0]:
        raise JudgingError(msg("找不到该附件"), 404)
    ids = db.session.scalars(
        select(Attachment.id).where(Attachment.proposal_id == proposal.id).order_by(Attachment.id)
    ).all()
    blind = settings_for(proposal.round_id).blind and not perms.can_view_ranking(user)[0]
    name = attachment_name(attachment, ids.index(attachment.id) + 1, blind)
    return attachment, attachment_blob(attachment), name


def attachment_blob(attachment: Attachment) -> bytes:
    """The stored bytes of an attachment."""
    from grants.models import AttachmentBlob

    return db.session.get(AttachmentBlob, attachment.sha256).data


@dataclass
class DashboardRow:
    """One assigned proposal on a judge's dashboard (title only: safe in blind review)."""

    proposal_id: int
    title: str
    category: str
    status: str
    conflict: str | None


@dataclass
class DashboardRound:
    """One round on a judge's dashboard with their progress."""

    round: FundingRound
    rows: list[DashboardRow]

    @property
    def assigned(self) -> int:
        """Proposals the judge must score (conflicted ones excluded)."""
        return sum(1 for row in self.rows if not row.conflict)

    @property
    def done(self) -> int:
        """Sheets the judge has submitted."""
        return sum(1 for row in self.rows if row.status == "submitted" and not row.conflict)

    @property
    def left(self) -> int:
        """Sheets still to submit."""
        return self.assigned - self.done


def judge_dashboard(judge: User) -> list[DashboardRound]:
    """Every round the judge sits on, with assigned proposals and their own sheet status."""
    rounds = db.session.scalars(
        select(FundingRound)
        .join(PanelMember, PanelMember.round_id == FundingRound.id)
        .where(PanelMember.judge_id == judge.id)
        .order_by(FundingRound.id.desc())
    ).all()
    proposals = db.session.scalars(
        select(Proposal)
        .join(Assignment, Assignment.proposal_id == Proposal.id)
        .where(Assignment.judge_id == judge.id)
        .order_by(Proposal.id)
    ).all()
    statuses = dict(
        db.session.execute(
            select(ScoreSheet.proposal_id, ScoreSheet.status).where(ScoreSheet.judge_id == judge.id)
        ).all()
    )
    conflicts = conflict_map([judge], proposals)
    result = []
    for funding_round in rounds:
        rows = [
            DashboardRow(
                p.id,
                p.title,
                p.category,
                statuses.get(p.id, "todo"),
                conflicts.get((judge.id, p.id)),
            )
            for p in proposals
            if p.round_id == funding_round.id
        ]
        result.append(DashboardRound(funding_round, rows))
    return result


# --------------------------------------------------------------------------- organizer overview


@dataclass
class OverviewRow:
    """One proposal on the organizer's judging page: judges, sheet states, conflicts."""

    proposal: Proposal
    judges: list[tuple[User, str, ScoreSheet | None, str | None]]


def round_overview(round_id: int) -> list[OverviewRow]:
    """Every eligible proposal with its assigned judges, their sheet status and conflicts."""
    judges = {j.id: j for j in panel_of(round_id)}
    proposals = rankable_proposals(round_id)
    current = assignments_of(round_id)
    sheets = {
        (s.judge_id, s.proposal_id): s
        for s in db.session.scalars(select(ScoreSheet).where(ScoreSheet.round_id == round_id))
    }
    conflicts = conflict_map(judges.values(), proposals)
    rows = []
    for proposal in proposals:
        entries = []
        for judge_id in current.get(proposal.id, []):
            sheet = sheets.get((judge_id, proposal.id))
            entries.append(
                (
                    judges.get(judge_id) or db.session.get(User, judge_id),
                    sheet.status if sheet else "todo",
                    sheet,
                    conflicts.get((judge_id, proposal.id)),
                )
            )
        rows.append(OverviewRow(proposal, entries))
    return rows


def conflicts_in_round(round_id: int) -> list[tuple[User, Proposal, str]]:
    """Every conflict between the panel and the round's proposals (declared or detected)."""
    judges = {j.id: j for j in panel_of(round_id)}
    proposals = {p.id: p for p in rankable_proposals(round_id)}
    found = conflict_map(judges.values(), proposals.values())
    return [(judges[j], proposals[p], reason) for (j, p), reason in sorted(found.items())]


# --------------------------------------------------------------------------- closing


def close_judging(round_id: int, actor, now: datetime | None = None) -> list[int]:
    """End judging: every eligible proposal with a submitted sheet becomes ``scored``.

    One ``judging.closed`` entry for the round and one entry per proposal moved, all in one
    transaction. Before the deadline every assigned sheet must be submitted.
    """
    _refuse(perms.can_manage_panel(actor), 403)
    funding_round = get_round(round_id)
    _refuse_after_close(round_id)
    scored_ids = set(
        db.session.scalars(
            select(ScoreSheet.proposal_id).where(
                ScoreSheet.round_id == round_id, ScoreSheet.status == "submitted"
            )
        )
    )
    moving = [
        p for p in rankable_proposals(round_id) if p.status == "eligible" and p.id in scored_ids
    ]
    problem = rules.close_problem(
        _now(now), funding_round.judging_close, _open_sheets(round_id), len(moving)
    )
    if problem:
        raise JudgingError(problem, 409)
    with unit_of_work():
        settings = _ensure_setup(round_id)
        settings.closed_at = _now(now)
        audit.record(
            "judging.closed",
            "funding_round",
            round_id,
            {"scored": [p.id for p in moving]},
            actor=actor,
        )
        for proposal in moving:
            _move_to_scored(proposal, actor)
    return [p.id for p in moving]


def _move_to_scored(proposal: Proposal, actor) -> None:
    """Apply the proposal table's ``close_judging`` action and audit it."""
    try:
        target = proposal_rules.transition(proposal.status, "close_judging", actor.roles)
    except TransitionError as error:
        raise JudgingError(str(error), 409) from error
    proposal.status = target
    audit.record(
        "proposal.close_judging",
        "proposal",
        proposal.id,
        {"from": "eligible", "to": target},
        actor=actor,
    )


def _open_sheets(round_id: int) -> int:
    """Assignments (free of conflict) whose sheet is not submitted yet."""
    submitted = {
        (j, p)
        for j, p in db.session.execute(
            select(ScoreSheet.judge_id, ScoreSheet.proposal_id).where(
                ScoreSheet.round_id == round_id, ScoreSheet.status == "submitted"
            )
        )
    }
    judges = panel_of(round_id)
    proposals = rankable_proposals(round_id)
    conflicts = conflict_map(judges, proposals)
    return sum(
        1
        for p, judge_ids in assignments_of(round_id).items()
        for j in judge_ids
        if (j, p) not in submitted and (j, p) not in conflicts
    )


def publish_results(round_id: int, actor) -> None:
    """Publish the results so applicants see their totals and the judges' comments."""
    _refuse(perms.can_manage_panel(actor), 403)
    get_round(round_id)
    settings = settings_for(round_id)
    if settings.closed_at is None:
        raise JudgingError(msg("请先结束评审，再公布结果"), 409)
    if settings.results_published:
        raise JudgingError(msg("评审结果已公布"), 409)
    with unit_of_work():
        settings.results_published = True
        audit.record("results.published", "funding_round", round_id, {}, actor=actor)
        for proposal in rankable_proposals(round_id):
            with source_language():
                message = msg("“{title}”的评审结果已公布", title=proposal.title)
            notify(proposal.applicant_id, message, f"/judging/results/{proposal.id}")


# --------------------------------------------------------------------------- resident vote


def _vote_state(settings: JudgingSettings, user: User, proposal_id: int) -> rules.VoteState:
    """How many votes the resident used in the round and whether they backed this proposal."""
    used = db.session.scalar(
        select(func.count(Vote.id)).where(
            Vote.round_id == settings.round_id, Vote.user_id == user.id
        )
    )
    already = (
        db.session.scalar(
            select(Vote.id).where(Vote.proposal_id == proposal_id, Vote.user_id == user.id)
        )
        is not None
    )
    return rules.VoteState(
        settings.vote_weight_pct,
        settings.vote_open,
        settings.vote_close,
        used,
        settings.vote_max_per_resident,
        already,
    )


def cast_vote(user: User, round_id: int, proposal_id: int, now: datetime | None = None) -> Vote:
    """A resident supports one eligible proposal: once per proposal, up to N, in the window."""
    _refuse(perms.can_vote(user), 403)
    db.session.execute(select(User.id).where(User.id == user.id).with_for_update())
    proposal = _round_proposal(round_id, proposal_id)
    if proposal.status not in RANKABLE_STATES:
        raise JudgingError(msg("找不到该项目"), 404)
    settings = settings_for(round_id)
    if problem := rules.check_vote(_vote_state(settings, user, proposal_id), _now(now)):
        raise JudgingError(problem, 409)
    with unit_of_work():
        vote = Vote(round_id=round_id, proposal_id=proposal_id, user_id=user.id)
        db.session.add(vote)
        db.session.flush()
        audit.record("vote.cast", "proposal", proposal_id, {"round_id": round_id}, actor=user)
    return vote


def vote_listing(round_id: int) -> list[tuple[Proposal, int]]:
    """The round's screened proposals with their vote counts (title, community, category)."""
    counts = dict(
        db.session.execute(
            select(Vote.proposal_id, func.count(Vote.id))
            .where(Vote.round_id == round_id)
            .group_by(Vote.proposal_id)
        ).all()
    )
    return [(p, counts.get(p.id, 0)) for p in rankable_proposals(round_id)]


def votes_of(user: User | None, round_id: int) -> set[int]:
    """The proposals this resident has supported in a round."""
    if user is None or not getattr(user, "is_authenticated", False):
        return set()
    query = select(Vote.proposal_id).where(Vote.round_id == round_id, Vote.user_id == user.id)
    return set(db.session.scalars(query))
