"""Online judging changes: rubric, settings, panel, assignments, conflicts, sheets, closing, votes.

Each command loads what it needs, checks it with the domain (permissions, judging rules, the
lifecycle tables), changes the rows and writes its audit entry inside one ``unit_of_work``.
State changes go through :func:`grants.services.lifecycle.apply`: a sheet is submitted or
reopened by the score sheet table, and closing judging moves each proposal by the proposal
table, one entry per proposal. Everything else is a declared event recorded with the role of
the group that allowed it. Saving a draft sheet writes no entry: it is not a state change.
Refusals raise :class:`~grants.domain.errors.Refusal` with the HTTP status the web layer answers
with; nothing is changed then.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from decimal import Decimal

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from grants.domain import assignment as assigning
from grants.domain import judging_rules as rules
from grants.domain import messages
from grants.domain import rubric as rubric_rules
from grants.domain.clock import now_utc, stored
from grants.domain.errors import Refusal
from grants.domain.i18n import N_, msg
from grants.domain.lifecycles.proposal import PROPOSAL
from grants.domain.lifecycles.score_sheet import DRAFT, SCORE_SHEET, is_locked
from grants.domain.permissions import JUDGES, ORGANIZERS, RESIDENTS, has_any_role, role_used
from grants.domain.permissions import judging as perms
from grants.extensions import db
from grants.models import FundingRound, Organisation, Proposal, User
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
from grants.services import audit, locked, ranking_store, unit_of_work
from grants.services.judging import queries
from grants.services.lifecycle import apply
from grants.services.notifications import notify


def _locked_round(round_id: int) -> FundingRound:
    """The round, locked for the rest of the transaction, or a 404 refusal."""
    return locked(FundingRound, round_id, msg("找不到该赛事"))


def _refuse_after_close(round_id: int) -> None:
    """Panel, assignments and sheets are frozen once judging has been closed."""
    if queries.judging_closed(round_id):
        raise Refusal(msg("本轮评审已结束"), status=409)


def _refuse_problems(problems: list[str]) -> None:
    """Refuse bad input (400) naming every problem, each shown on its own by the page."""
    if problems:
        raise Refusal(msg("；").join(problems), problems, status=400)


def _ensure_setup(round_id: int) -> JudgingSettings:
    """Create the settings row and the default rubric the first time judging is set up."""
    found = db.session.get(JudgingSettings, round_id)
    if found is not None:
        return found
    settings = JudgingSettings(round_id=round_id, **queries.SETTINGS_DEFAULTS)
    db.session.add(settings)
    if not queries.criteria_rows(round_id):
        _store_rubric(round_id, rubric_rules.DEFAULT_RUBRIC)
    db.session.flush()
    return settings


# --------------------------------------------------------------------------- rubric & settings


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


def update_rubric(
    round_id: int, criteria: list[rubric_rules.Criterion], actor, now: datetime | None = None
) -> None:
    """Replace a round's rubric (maxima adding up to 100) while judging has not opened."""
    perms.require(perms.can_manage_panel(actor))
    with unit_of_work():
        _locked_round(round_id)
        if reason := queries.rubric_lock(round_id, now):
            raise Refusal(reason, status=409)
        _refuse_problems(rules.check_rubric_texts(criteria) or rubric_rules.validate_rubric(criteria))
        _ensure_setup(round_id)
        db.session.execute(delete(Criterion).where(Criterion.round_id == round_id))
        _store_rubric(round_id, criteria)
        payload = {
            "criteria": [
                {"key": c.key, "name": c.name, "max_points": c.max_points} for c in criteria
            ]
        }
        audit.record(
            "rubric.update", "funding_round", round_id, payload,
            actor=actor, actor_role=role_used(actor, ORGANIZERS),
        )


def update_settings(round_id: int, values: rules.SettingsInput, actor) -> JudgingSettings:
    """Save a round's judging settings; refused once results are published."""
    perms.require(perms.can_manage_panel(actor))
    with unit_of_work():
        funding_round = _locked_round(round_id)
        _refuse_problems(rules.check_settings(values, funding_round.judging_close))
        if queries.settings_for(round_id).results_published:
            raise Refusal(msg("评审结果已公布，评审设置不能再修改"), status=409)
        settings = _ensure_setup(round_id)
        for name in queries.SETTINGS_FIELDS:
            setattr(settings, name, getattr(values, name))
        audit.record(
            "judging_settings.update", "funding_round", round_id, _settings_payload(settings),
            actor=actor, actor_role=role_used(actor, ORGANIZERS),
        )
    return settings


def _settings_payload(settings: JudgingSettings) -> dict:
    """The settings as JSON-able audit payload (times as ISO text)."""
    payload = {name: getattr(settings, name) for name in queries.SETTINGS_FIELDS}
    for name in ("vote_open", "vote_close"):
        payload[name] = payload[name].isoformat() if payload[name] else None
    return payload


# --------------------------------------------------------------------------- panel


def add_judge(round_id: int, judge_id: int, actor) -> None:
    """Seat a judge account on a round's panel."""
    perms.require(perms.can_manage_panel(actor))
    with unit_of_work():
        _locked_round(round_id)
        judge = db.session.get(User, judge_id)
        if judge is None or not has_any_role(judge, JUDGES) or not judge.active:
            raise Refusal(msg("只能添加评审专家账号"), status=400)
        if queries.on_panel(round_id, judge_id):
            raise Refusal(msg("{name}已在评审组中", name=judge.display_name), status=409)
        _refuse_after_close(round_id)
        _ensure_setup(round_id)
        db.session.add(PanelMember(round_id=round_id, judge_id=judge_id))
        audit.record(
            "panel.add_judge", "funding_round", round_id, {"judge_id": judge_id},
            actor=actor, actor_role=role_used(actor, ORGANIZERS),
        )


def remove_judge(round_id: int, judge_id: int, actor) -> None:
    """Take a judge off the panel with their assignments and drafts; refused once they submitted."""
    perms.require(perms.can_manage_panel(actor))
    with unit_of_work():
        if not queries.on_panel(round_id, judge_id):
            raise Refusal(msg("该评委不在本轮评审组中"), status=404)
        _locked_round(round_id)
        if queries.submitted_count(round_id, judge_id):
            raise Refusal(msg("该评委已提交评分表，不能移出评审组"), status=409)
        _drop_judge_work(round_id, judge_id)
        db.session.execute(
            delete(PanelMember).where(
                PanelMember.round_id == round_id, PanelMember.judge_id == judge_id
            )
        )
        audit.record(
            "panel.remove_judge", "funding_round", round_id, {"judge_id": judge_id},
            actor=actor, actor_role=role_used(actor, ORGANIZERS),
        )


def _drop_judge_work(round_id: int, judge_id: int, proposal_id: int | None = None) -> None:
    """Delete a judge's assignments and draft sheets in a round (or on one proposal)."""
    where_a = [Assignment.round_id == round_id, Assignment.judge_id == judge_id]
    where_s = [
        ScoreSheet.round_id == round_id,
        ScoreSheet.judge_id == judge_id,
        ScoreSheet.status == DRAFT,
    ]
    if proposal_id is not None:
        where_a.append(Assignment.proposal_id == proposal_id)
        where_s.append(ScoreSheet.proposal_id == proposal_id)
    for sheet in db.session.scalars(select(ScoreSheet).where(*where_s)):
        db.session.delete(sheet)
    db.session.execute(delete(Assignment).where(*where_a))


# --------------------------------------------------------------------------- conflicts


def declare_conflict(
    judge: User, *, reason: str, proposal_id: int | None = None, organisation_id: int | None = None
) -> Conflict:
    """A judge declares a conflict with a proposal (or an organisation) before scoring it.

    Any draft sheet of theirs on an affected proposal is discarded. For one proposal, a
    submitted sheet means the declaration comes too late and is refused (the organizer can
    reopen the sheet first); an organisation-wide declaration is refused by the judge's own
    state only (see :func:`_conflict_targets`) and leaves submitted sheets of rounds already
    closed as they are, so its answer never depends on that organisation's proposals.
    """
    with unit_of_work():
        targets = _conflict_targets(judge, proposal_id, organisation_id)
        if problem := rules.check_reason(reason, N_("回避理由")):
            raise Refusal(problem, status=400)
        sheets = db.session.scalars(
            select(ScoreSheet).where(
                ScoreSheet.judge_id == judge.id,
                ScoreSheet.proposal_id.in_([p.id for p in targets]),
            )
        ).all()
        if proposal_id is not None and any(is_locked(sheet.status) for sheet in sheets):
            raise Refusal(msg("您已提交该项目的评分表，不能再申报回避；请联系主办方"), status=409)
        sheets = [sheet for sheet in sheets if not is_locked(sheet.status)]
        text = reason.strip()
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
        payload = {
            "judge_id": judge.id,
            "proposal_id": proposal_id,
            "organisation_id": organisation_id,
            "reason": text,
        }
        audit.record(
            "conflict.declare", "conflict", conflict.id, payload, actor=judge,
            actor_role=role_used(judge, JUDGES),
        )
    return conflict


def _conflict_targets(
    judge: User, proposal_id: int | None, organisation_id: int | None
) -> list[Proposal]:
    """The proposals a declaration covers.

    One proposal: only one assigned to the judge (any other id answers 404, like a missing one,
    so a judge cannot probe which proposals exist). An organisation: any judge on a panel, but
    only before they have submitted a sheet in a round still being judged — refused the same
    way whichever organisation it is, so the answer never says whether the organisation has a
    proposal the judge scored.
    """
    if (proposal_id is None) == (organisation_id is None):
        raise Refusal(msg("请选择一个项目或一个机构申报回避"), status=400)
    if proposal_id is not None:
        proposal = db.session.get(Proposal, proposal_id)
        if proposal is None or not queries.is_assigned(judge.id, proposal.id):
            raise Refusal(msg("找不到该项目"), status=404)
        perms.require(perms.can_declare_conflict(judge, True))
        return [proposal]
    if db.session.get(Organisation, organisation_id) is None:
        raise Refusal(msg("找不到该机构"), status=404)
    perms.require(perms.can_declare_conflict(judge, queries.seated_anywhere(judge.id)))
    if queries.has_submitted_open_sheet(judge.id):
        raise Refusal(msg("您已提交过评分表，对机构的回避请联系主办方处理"), status=409)
    return list(
        db.session.scalars(select(Proposal).where(Proposal.organisation_id == organisation_id))
    )


# --------------------------------------------------------------------------- assignment


def generate_assignments(round_id: int, actor) -> dict[int, list[int]]:
    """Assign the panel to the eligible proposals (all judges, or k per proposal, balanced).

    Deterministic for the round's seed; conflicted judges are never assigned; detected
    conflicts are recorded so the organizer sees them. Refused once any judge has begun.
    """
    perms.require(perms.can_manage_panel(actor))
    with unit_of_work():
        judges, proposals = _assignment_inputs(round_id)
        settings = queries.settings_for(round_id)
        conflicts = queries.conflict_map(judges, proposals)
        k = None if settings.mode == "all" else settings.judges_per_proposal
        judge_ids = [j.id for j in judges]
        result = assigning.assign(
            [p.id for p in proposals], judge_ids, k, set(conflicts), seed=settings.seed
        )
        _ensure_setup(round_id)
        db.session.execute(delete(Assignment).where(Assignment.round_id == round_id))
        db.session.add_all(
            Assignment(round_id=round_id, judge_id=j, proposal_id=p)
            for p, ids in result.items()
            for j in ids
        )
        _record_detected(conflicts, judges, proposals)
        payload = {
            "mode": settings.mode,
            "k": k,
            "seed": settings.seed,
            "assignments": sum(map(len, result.values())),
            "loads": {str(j): n for j, n in assigning.judge_loads(result, judge_ids).items()},
            "conflicts": len(conflicts),
        }
        audit.record(
            "round.generate_assignments", "funding_round", round_id, payload,
            actor=actor, actor_role=role_used(actor, ORGANIZERS),
        )
    return result


def _assignment_inputs(round_id: int) -> tuple[list[User], list[Proposal]]:
    """The panel and the proposals being scored, once the round may be (re)assigned."""
    _locked_round(round_id)
    _refuse_after_close(round_id)
    if queries.sheets_exist(round_id):
        raise Refusal(msg("已有评委开始评分，不能重新分配"), status=409)
    judges = queries.panel_of(round_id)
    proposals = queries.proposals_in_scoring(round_id)
    if not judges or not proposals:
        raise Refusal(msg("请先添加评委，并确保有资格审查通过的项目"), status=400)
    return judges, proposals


def _record_detected(
    conflicts: Mapping[tuple, str], judges: list[User], proposals: list[Proposal]
) -> None:
    """Store conflicts found in the record (applicant, member, team) not yet stored."""
    stored = {(c.judge_id, c.proposal_id) for c in queries.declared_conflicts(judges)}
    for proposal in proposals:
        facts = queries.applicant_facts(proposal)
        for judge in judges:
            key = (judge.id, proposal.id)
            reason = rules.detect_conflict(queries.judge_facts(judge), facts)
            if reason and key in conflicts and key not in stored:
                db.session.add(
                    Conflict(
                        judge_id=judge.id, proposal_id=proposal.id, reason=reason, source="detected"
                    )
                )


def replace_judge(
    round_id: int, proposal_id: int, old_judge_id: int, new_judge_id: int, actor
) -> None:
    """Hand a proposal from one judge (usually conflicted) to a replacement the domain offers."""
    perms.require(perms.can_manage_panel(actor))
    with unit_of_work():
        _locked_round(round_id)
        _refuse_after_close(round_id)
        options = queries.replacement_options(round_id, proposal_id, old_judge_id)
        if new_judge_id not in {j.id for j in options}:
            raise Refusal(msg("所选评委不能替换（已分配、需回避或不在评审组）"), status=400)
        sheet = queries.sheet_of(old_judge_id, proposal_id)
        if sheet is not None and is_locked(sheet.status):
            raise Refusal(msg("原评委已提交评分表，不能替换"), status=409)
        _drop_judge_work(round_id, old_judge_id, proposal_id)
        db.session.add(
            Assignment(round_id=round_id, judge_id=new_judge_id, proposal_id=proposal_id)
        )
        payload = {"round_id": round_id, "old_judge_id": old_judge_id, "new_judge_id": new_judge_id}
        audit.record(
            "conflict.replace_judge", "proposal", proposal_id, payload,
            actor=actor, actor_role=role_used(actor, ORGANIZERS),
        )
        message = messages.label(N_("您有一个新的评审任务"))
        notify(new_judge_id, message, f"/judging/proposals/{proposal_id}/sheet")


# --------------------------------------------------------------------------- score sheets


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
    request (400) and nothing is saved; a submitted sheet or closed window answers 409. The
    sheet row is locked first, so two tabs submitting it at once audit it once.
    """
    try:
        with unit_of_work():
            _lock_sheet(judge.id, proposal_id)
            page = queries.open_sheet(judge, proposal_id, now)
            if not page.editable:
                raise Refusal(page.locked_reason, status=409)
            points = _checked_points(page, entries, comment or "", submit)
            sheet = _write_sheet(page, judge, points, (comment or "").strip())
            if submit:
                sheet.submitted_at = stored(now_utc(now))
                apply(SCORE_SHEET, sheet, "submit", judge,
                      payload=_sheet_payload(sheet, page.criteria, points))
    except IntegrityError as error:
        raise Refusal(msg("评分表已在另一个窗口保存，请刷新后重试"), status=409) from error
    return sheet


def _lock_sheet(judge_id: int, proposal_id: int) -> None:
    """Lock the judge's sheet for this proposal when one exists (the first save creates it, and
    the unique constraint refuses a second tab creating it too)."""
    sheet = queries.sheet_of(judge_id, proposal_id)
    if sheet is not None:
        locked(ScoreSheet, sheet.id, msg("找不到该评分表"))


def _checked_points(
    page: queries.ScoringPage, entries: Mapping[int, str], comment: str, submit: bool
) -> dict[int, Decimal]:
    """Points by criterion id from what the judge typed, or a 400 refusal naming every problem.

    Submitting also needs every criterion scored.
    """
    points: dict[int, Decimal] = {}
    problems: list[str] = []
    for row, criterion in zip(page.criteria, queries.as_domain(page.criteria), strict=True):
        value, problem = rules.parse_points(entries.get(row.id), criterion)
        if problem:
            problems.append(problem)
        elif value is not None:
            points[row.id] = value
    problems += [p for p in [rules.check_comment(comment)] if p]
    if submit and not problems:
        scored = [c.key for c in page.criteria if c.id in points]
        missing = rules.missing_criteria(queries.as_domain(page.criteria), scored)
        problems += [missing] if missing else []
    _refuse_problems(problems)
    return points


def _write_sheet(
    page: queries.ScoringPage, judge: User, points: dict[int, Decimal], comment: str
) -> ScoreSheet:
    """Create (as a draft) or update the judge's sheet and its score rows."""
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
    """Audit facts of a submitted sheet: the points per criterion key and the total (text)."""
    by_key = {c.key: str(points[c.id]) for c in criteria if c.id in points}
    return {
        "round_id": sheet.round_id,
        "judge_id": sheet.judge_id,
        "proposal_id": sheet.proposal_id,
        "points": by_key,
        "total": str(sum(points.values(), Decimal(0))),
    }


def reopen_sheet(sheet_id: int, reason: str, actor) -> ScoreSheet:
    """An organizer sends a submitted sheet back to its judge as a draft, with a reason."""
    perms.require(perms.can_manage_panel(actor))
    with unit_of_work():
        sheet = locked(ScoreSheet, sheet_id, msg("找不到该评分表"))
        _refuse_after_close(sheet.round_id)
        if problem := rules.check_reason(reason, N_("退回原因")):
            raise Refusal(problem, status=400)
        payload = {"judge_id": sheet.judge_id, "proposal_id": sheet.proposal_id}
        apply(SCORE_SHEET, sheet, "reopen", actor, reason=reason, payload=payload)
        sheet.submitted_at = None
        message = messages.message(N_("您的一份评分表已被主办方退回：{reason}"),
                                   reason=reason.strip())
        notify(sheet.judge_id, message, f"/judging/proposals/{sheet.proposal_id}/sheet")
    return sheet


# --------------------------------------------------------------------------- closing


def close_judging(round_id: int, actor, now: datetime | None = None) -> list[int]:
    """End judging: every proposal being scored that has a submitted sheet becomes ``scored``.

    One ``round.close_judging`` entry for the round, then one ``proposal.close_judging`` per
    proposal moved (by the proposal table), all in one transaction, which also stores the
    ranking the pages read from then on. Before the deadline every
    assigned sheet must be submitted.
    """
    perms.require(perms.can_manage_panel(actor))
    with unit_of_work():
        funding_round = _locked_round(round_id)
        _refuse_after_close(round_id)
        scored_ids = queries.scored_proposal_ids(round_id)
        moving = [p for p in queries.proposals_in_scoring(round_id) if p.id in scored_ids]
        closing_at = stored(now_utc(now))
        open_sheets = queries.open_sheet_count(round_id)
        if problem := rules.close_problem(
            closing_at, funding_round.judging_close, open_sheets, len(moving)
        ):
            raise Refusal(problem, status=409)
        settings = _ensure_setup(round_id)
        settings.closed_at = closing_at
        audit.record(
            "round.close_judging", "funding_round", round_id, {"scored": [p.id for p in moving]},
            actor=actor, actor_role=role_used(actor, ORGANIZERS),
        )
        for proposal in moving:
            row = locked(Proposal, proposal.id, msg("找不到该项目"))
            apply(PROPOSAL, row, "close_judging", actor, payload={"round_id": round_id})
        db.session.flush()
        ranking_store.store_ranking(round_id)
    return [p.id for p in moving]


def publish_results(round_id: int, actor) -> None:
    """Publish the results so applicants see their totals and the judges' comments."""
    perms.require(perms.can_manage_panel(actor))
    with unit_of_work():
        _locked_round(round_id)
        settings = queries.settings_for(round_id)
        if settings.closed_at is None:
            raise Refusal(msg("请先结束评审，再公布结果"), status=409)
        if settings.results_published:
            raise Refusal(msg("评审结果已公布"), status=409)
        settings.results_published = True
        audit.record(
            "round.publish_results", "funding_round", round_id, {},
            actor=actor, actor_role=role_used(actor, ORGANIZERS),
        )
        for proposal in queries.rankable_proposals(round_id):
            message = messages.message(N_("“{title}”的评审结果已公布"), title=proposal.title)
            notify(proposal.applicant_id, message, f"/judging/results/{proposal.id}")


# --------------------------------------------------------------------------- resident vote


def cast_vote(user: User, round_id: int, proposal_id: int, now: datetime | None = None) -> Vote:
    """A resident supports one screened proposal: once per proposal, up to N, in the window.

    The resident's account row is locked first, so two votes sent at once cannot both pass the
    limit.
    """
    perms.require(perms.can_vote(user))
    with unit_of_work():
        locked(User, user.id, msg("找不到该账号"))
        proposal = queries.round_proposal(round_id, proposal_id)
        if proposal.status not in queries.RANKABLE_STATES:
            raise Refusal(msg("找不到该项目"), status=404)
        settings = queries.settings_for(round_id)
        state = queries.vote_state(settings, user, proposal_id)
        if problem := rules.check_vote(state, stored(now_utc(now))):
            raise Refusal(problem, status=409)
        vote = Vote(round_id=round_id, proposal_id=proposal_id, user_id=user.id)
        db.session.add(vote)
        db.session.flush()
        audit.record(
            "vote.cast", "proposal", proposal_id, {"round_id": round_id}, actor=user,
            actor_role=role_used(user, RESIDENTS),
        )
    return vote
