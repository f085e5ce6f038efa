"""Online judging reads: what the judging pages, the ranking, the CLI and the commands look up.

Nothing here changes a row or writes an audit entry. A missing record is a 404
:class:`~grants.domain.errors.Refusal`; a judge who may not see something is refused the same
way the commands refuse them, through :mod:`grants.domain.permissions.judging`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from sqlalchemy import and_, case, func, or_, select

from grants.domain import assignment as assigning
from grants.domain import judging_rules as rules
from grants.domain import rubric as rubric_rules
from grants.domain import scrub
from grants.domain.clock import now_utc, stored
from grants.domain.errors import Refusal
from grants.domain.i18n import msg
from grants.domain.lifecycles.score_sheet import DRAFT, SCORE_SHEET, SUBMITTED
from grants.domain.permissions import JUDGES, acting_roles, has_any_role
from grants.domain.permissions import judging as perms
from grants.domain.scoring import DEFAULT_MIN_TURNOUT
from grants.extensions import db
from grants.models import (
    Attachment,
    AttachmentBlob,
    FundingRound,
    Organisation,
    Proposal,
    User,
)
from grants.models.judging import (
    Assignment,
    Conflict,
    Criterion,
    JudgingSettings,
    PanelMember,
    ScoreSheet,
    Vote,
)
from grants.services.rounds import check_phase

RANKABLE_STATES = rules.RANKABLE_STATES
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
    vote_min_turnout=DEFAULT_MIN_TURNOUT,
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
    "vote_min_turnout",
)


# --------------------------------------------------------------------------- records


def get_round(round_id: int) -> FundingRound:
    """The round, or a 404 refusal."""
    found = db.session.get(FundingRound, round_id)
    if found is None:
        raise Refusal(msg("找不到该赛事"), status=404)
    return found


def get_proposal(proposal_id: int) -> Proposal:
    """A proposal, or a 404 refusal."""
    found = db.session.get(Proposal, proposal_id)
    if found is None:
        raise Refusal(msg("找不到该项目"), status=404)
    return found


def get_user(user_id: int) -> User:
    """An account, or a 404 refusal."""
    found = db.session.get(User, user_id)
    if found is None:
        raise Refusal(msg("找不到该账号"), status=404)
    return found


def get_sheet(sheet_id: int) -> ScoreSheet:
    """A score sheet, or a 404 refusal."""
    sheet = db.session.get(ScoreSheet, sheet_id)
    if sheet is None:
        raise Refusal(msg("找不到该评分表"), status=404)
    return sheet


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


def judging_closed(round_id: int) -> bool:
    """True once the organizer closed the round's judging."""
    return settings_for(round_id).closed_at is not None


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


def sheets_exist(round_id: int) -> bool:
    """True once any judge has saved a sheet in the round."""
    query = select(ScoreSheet.id).where(ScoreSheet.round_id == round_id).limit(1)
    return db.session.scalar(query) is not None


def rubric_lock(round_id: int, now: datetime | None = None) -> str | None:
    """Why the round's rubric can no longer be edited, else ``None``."""
    funding_round = get_round(round_id)
    return rules.rubric_lock_reason(
        stored(now_utc(now)), funding_round.judging_open, sheets_exist(round_id)
    )


def new_criterion_key(existing: Iterable[str]) -> str:
    """A key for a criterion the organizer added: ``c1``, ``c2`` … not yet used in the round."""
    taken = set(existing)
    return next(f"c{i}" for i in range(1, len(taken) + 2) if f"c{i}" not in taken)


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


def seated_anywhere(judge_id: int) -> bool:
    """True when the judge sits on the panel of at least one round."""
    query = select(func.count(PanelMember.id)).where(PanelMember.judge_id == judge_id)
    return bool(db.session.scalar(query))


def available_judges(round_id: int) -> list[User]:
    """Active judge accounts not yet on the round's panel, for the organizer's picker."""
    seated = select(PanelMember.judge_id).where(PanelMember.round_id == round_id)
    query = select(User).where(User.active.is_(True), User.id.not_in(seated)).order_by(User.id)
    return [user for user in db.session.scalars(query) if has_any_role(user, JUDGES)]


def submitted_count(round_id: int, judge_id: int) -> int:
    """How many sheets the judge has submitted in the round."""
    query = select(func.count(ScoreSheet.id)).where(
        ScoreSheet.round_id == round_id,
        ScoreSheet.judge_id == judge_id,
        ScoreSheet.status == SUBMITTED,
    )
    return db.session.scalar(query) or 0


# --------------------------------------------------------------------------- conflicts


def judge_facts(user: User) -> rules.JudgeFacts:
    """What conflict detection needs to know about a judge."""
    return rules.JudgeFacts(user.id, user.organisation_id, user.display_name or "")


def applicant_facts(proposal: Proposal) -> rules.ApplicantFacts:
    """What conflict detection needs to know about who is behind a proposal."""
    return rules.ApplicantFacts(
        proposal.id,
        proposal.applicant_id,
        proposal.organisation_id,
        rules.team_names(proposal.team),
    )


def declared_conflicts(judges: Iterable[User]) -> list[Conflict]:
    """Every conflict stored for these judges (declared by them or detected earlier)."""
    query = select(Conflict).where(Conflict.judge_id.in_([j.id for j in judges]))
    return list(db.session.scalars(query))


def conflict_map(judges: Iterable[User], proposals: Iterable[Proposal]) -> dict[tuple, str]:
    """Every (judge id, proposal id) with a conflict, declared or detected, and its reason."""
    judges, proposals = list(judges), list(proposals)
    declared = declared_conflicts(judges)
    found: dict[tuple, str] = {}
    for proposal in proposals:
        facts = applicant_facts(proposal)
        for judge in judges:
            reason = rules.detect_conflict(judge_facts(judge), facts)
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


def conflicts_in_round(round_id: int) -> list[tuple[User, Proposal, str]]:
    """Every conflict between the panel and the round's proposals (declared or detected)."""
    judges = {j.id: j for j in panel_of(round_id)}
    proposals = {p.id: p for p in rankable_proposals(round_id)}
    found = conflict_map(judges.values(), proposals.values())
    return [(judges[j], proposals[p], reason) for (j, p), reason in sorted(found.items())]


# --------------------------------------------------------------------------- assignment


def rankable_proposals(round_id: int) -> list[Proposal]:
    """Proposals of the round that passed screening (eligible, or already further on)."""
    query = select(Proposal).where(
        Proposal.round_id == round_id, Proposal.status.in_(RANKABLE_STATES)
    )
    return list(db.session.scalars(query.order_by(Proposal.id)))


def proposals_in_scoring(round_id: int) -> list[Proposal]:
    """Proposals of the round still being scored (judges are assigned to these)."""
    return [p for p in rankable_proposals(round_id) if p.status in rules.SCORING_STATES]


def round_proposal(round_id: int, proposal_id: int) -> Proposal:
    """A proposal of the round, or a 404 refusal."""
    proposal = db.session.get(Proposal, proposal_id)
    if proposal is None or proposal.round_id != round_id:
        raise Refusal(msg("找不到该项目"), status=404)
    return proposal


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
    proposal = round_proposal(round_id, proposal_id)
    judges = panel_of(round_id)
    current = assignments_of(round_id)
    if judge_id not in current.get(proposal_id, []):
        raise Refusal(msg("该评委未被分配这个项目"), status=404)
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


def open_sheet_count(round_id: int) -> int:
    """Assignments (free of conflict) whose sheet is not submitted yet."""
    query = select(ScoreSheet.judge_id, ScoreSheet.proposal_id).where(
        ScoreSheet.round_id == round_id, ScoreSheet.status == SUBMITTED
    )
    submitted = {(judge_id, proposal_id) for judge_id, proposal_id in db.session.execute(query)}
    conflicts = conflict_map(panel_of(round_id), rankable_proposals(round_id))
    return sum(
        1
        for p, judge_ids in assignments_of(round_id).items()
        for j in judge_ids
        if (j, p) not in submitted and (j, p) not in conflicts
    )


def scored_proposal_ids(round_id: int) -> set[int]:
    """Proposals of the round with at least one submitted sheet."""
    query = select(ScoreSheet.proposal_id).where(
        ScoreSheet.round_id == round_id, ScoreSheet.status == SUBMITTED
    )
    return set(db.session.scalars(query))


# --------------------------------------------------------------------------- score sheets


def sheet_of(judge_id: int, proposal_id: int) -> ScoreSheet | None:
    """A judge's sheet for a proposal, if they started one."""
    return db.session.scalar(
        select(ScoreSheet).where(
            ScoreSheet.judge_id == judge_id, ScoreSheet.proposal_id == proposal_id
        )
    )


def is_assigned(judge_id: int, proposal_id: int) -> bool:
    """True when the judge is assigned the proposal."""
    query = select(Assignment.id).where(
        Assignment.judge_id == judge_id, Assignment.proposal_id == proposal_id
    )
    return db.session.scalar(query) is not None


def sheet_access(judge: User, proposal: Proposal, now: datetime | None = None) -> perms.SheetAccess:
    """The facts that decide whether this judge may open and change this proposal's sheet."""
    sheet = sheet_of(judge.id, proposal.id)
    funding_round = db.session.get(FundingRound, proposal.round_id)
    return perms.SheetAccess(
        on_panel=on_panel(proposal.round_id, judge.id),
        assigned=is_assigned(judge.id, proposal.id),
        conflict=conflict_of(judge, proposal),
        sheet_status=sheet.status if sheet else None,
        window_problem=check_phase(funding_round, "score", now),
        closed=judging_closed(proposal.round_id),
        declared_here=proposal.id in own_declarations(judge),
    )


def own_declarations(judge: User) -> dict[int, str]:
    """Proposal id → reason of the conflicts the judge declared with single proposals (the only
    conflicts a judge's own pages may show: they reveal nothing the judge did not say)."""
    query = select(Conflict.proposal_id, Conflict.reason).where(
        Conflict.judge_id == judge.id, Conflict.source == "declared",
        Conflict.proposal_id.is_not(None))
    return dict(db.session.execute(query.order_by(Conflict.id)).all())


def has_submitted_open_sheet(judge_id: int) -> bool:
    """True when the judge has submitted a sheet in a round whose judging is still open."""
    query = select(ScoreSheet.round_id).where(
        ScoreSheet.judge_id == judge_id, ScoreSheet.status == SUBMITTED).distinct()
    return any(not judging_closed(round_id) for round_id in db.session.scalars(query))


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
    """The scoring page for an assigned, unconflicted judge; else 404 as if unknown (403 only
    for a conflict the judge declared with this proposal: see ``require_sheet_open``)."""
    proposal = get_proposal(proposal_id)
    access = sheet_access(judge, proposal, now)
    perms.require_sheet_open(judge, access)
    editable, reason = perms.can_edit_sheet(judge, access)
    sheet = sheet_of(judge.id, proposal_id)
    return ScoringPage(
        proposal_view(proposal, settings_for(proposal.round_id).blind),
        criteria_rows(proposal.round_id),
        sheet,
        sheet_points(sheet) if sheet else {},
        editable,
        reason,
    )


def sheet_points(sheet: ScoreSheet) -> dict[int, Decimal]:
    """A sheet's points by criterion id."""
    return {s.criterion_id: rules.from_half_points(s.half_points) for s in sheet.scores}


def sheet_actions(sheet: ScoreSheet, user) -> list[str]:
    """What ``user`` may do with this sheet now, from the score sheet table (for the page)."""
    return SCORE_SHEET.available(sheet.status, acting_roles(user))


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

    Judges get it only for proposals they may open, under the neutral name in blind review and
    stripped of the file's own metadata (author, EXIF); anyone else gets 404 so the file's
    existence is not revealed. Organizers and auditors get the original bytes.
    """
    attachment = db.session.get(Attachment, attachment_id)
    if attachment is None:
        raise Refusal(msg("找不到该附件"), status=404)
    proposal = db.session.get(Proposal, attachment.proposal_id)
    access = sheet_access(user, proposal, now) if has_any_role(user, JUDGES) else None
    if not perms.can_download_attachment(user, access)[0]:
        raise Refusal(msg("找不到该附件"), status=404)
    ids = db.session.scalars(
        select(Attachment.id).where(Attachment.proposal_id == proposal.id).order_by(Attachment.id)
    ).all()
    reader = perms.can_view_ranking(user)[0]
    blind = settings_for(proposal.round_id).blind and not reader
    name = attachment_name(attachment, ids.index(attachment.id) + 1, blind)
    data = attachment_blob(attachment)
    return attachment, data if reader else judge_copy(data, attachment.content_type), name


def judge_copy(data: bytes, content_type: str) -> bytes:
    """The bytes a judge gets: rewritten without document metadata or EXIF (see
    :mod:`grants.domain.scrub`); a file that cannot be rewritten is refused, never leaked."""
    try:
        return scrub.scrubbed(data, content_type)
    except scrub.NotScrubbable as error:
        raise Refusal(msg("该附件无法去除文件中的作者等信息，暂不能下载；请联系主办方"),
                      status=422) from error


def attachment_blob(attachment: Attachment) -> bytes:
    """The stored bytes of an attachment."""
    return db.session.get(AttachmentBlob, attachment.sha256).data


@dataclass
class DashboardRow:
    """One assigned proposal on a judge's dashboard (title only: safe in blind review).

    ``state`` is the judge's sheet state (None before the first save); ``actions`` what the
    score sheet table still lets them do with it, so the page never compares states.
    """

    proposal_id: int
    title: str
    category: str
    state: str | None
    conflict: str | None
    actions: list[str]

    @property
    def open(self) -> bool:
        """True while the judge may still score it: the table still offers ``submit``."""
        return "submit" in self.actions


DASHBOARD_PAGE = 50


@dataclass
class DashboardRound:
    """One round on a judge's dashboard: their progress, counted in SQL, and one page of rows."""

    round: FundingRound
    rows: list[DashboardRow]
    assigned: int = 0
    done: int = 0
    page: int = 1
    pages: int = 1

    @property
    def left(self) -> int:
        """Sheets still to submit."""
        return self.assigned - self.done


def _own_declared(judge: User):
    """The proposal ids the judge declared a conflict with, as a subquery."""
    return select(Conflict.proposal_id).where(
        Conflict.judge_id == judge.id, Conflict.source == "declared",
        Conflict.proposal_id.is_not(None))


def _hidden(judge: User):
    """The SQL condition of an assigned proposal conflicted by a rule the judge's own pages
    must not reveal: the record (applicant, member of the organisation) or a stored conflict
    (per proposal or per organisation). Team members are checked on the shown rows."""
    stored = select(Conflict.id).where(
        Conflict.judge_id == judge.id,
        or_(Conflict.proposal_id == Proposal.id,
            and_(Conflict.organisation_id.is_not(None),
                 Conflict.organisation_id == Proposal.organisation_id)))
    rules_ = [Proposal.applicant_id == judge.id, stored.exists()]
    if judge.organisation_id is not None:
        rules_.append(Proposal.organisation_id == judge.organisation_id)
    return or_(*rules_)


def _assigned(judge: User):
    """The judge's assignments joined to their proposals and own sheets."""
    return (
        select(Assignment.round_id)
        .join(Proposal, Proposal.id == Assignment.proposal_id)
        .outerjoin(ScoreSheet, and_(ScoreSheet.judge_id == Assignment.judge_id,
                                    ScoreSheet.proposal_id == Assignment.proposal_id))
        .where(Assignment.judge_id == judge.id)
    )


def _dashboard_counts(judge: User) -> dict[int, tuple[int, int]]:
    """Round id → (assigned, submitted) of the judge's assignments free of conflict: one query."""
    submitted = func.sum(case((ScoreSheet.status == SUBMITTED, 1), else_=0))
    query = (
        _assigned(judge).add_columns(func.count(Assignment.id), submitted)
        .where(~_hidden(judge), Proposal.id.not_in(_own_declared(judge)))
        .group_by(Assignment.round_id)
    )
    return {rid: (n, int(done or 0)) for rid, n, done in db.session.execute(query)}


def _dashboard_rows(judge: User, round_id: int, page: int, own: dict, roles) -> list[DashboardRow]:
    """One page of the judge's rows in a round (by proposal id): one query."""
    query = (
        _assigned(judge).add_columns(Proposal.id, Proposal.title, Proposal.category,
                                     Proposal.team, ScoreSheet.status)
        .where(Assignment.round_id == round_id,
               or_(Proposal.id.in_(_own_declared(judge)), ~_hidden(judge)))
        .order_by(Proposal.id)
        .offset((page - 1) * DASHBOARD_PAGE).limit(DASHBOARD_PAGE)
    )
    facts = judge_facts(judge)
    rows = []
    for _rid, pid, title, category, team, state in db.session.execute(query):
        team_member = facts.display_name.strip() and facts.display_name.strip() in \
            rules.team_names(team)
        if team_member and pid not in own:
            continue
        rows.append(DashboardRow(pid, title, category, state, own.get(pid),
                                 SCORE_SHEET.available(state or DRAFT, roles)))
    return rows


def judge_dashboard(judge: User, round_id: int | None = None, page: int = 1
                    ) -> list[DashboardRound]:
    """Every round the judge sits on, with their progress and one page of their assigned
    proposals and own sheet state (page ``page`` of round ``round_id``, the first page of the
    others); the same few queries for 100 assignments as for 10,000.

    A conflict is marked only where the judge declared it with that proposal. A proposal
    conflicted by another rule (an organisation-wide declaration, a membership the record
    shows) is left off, as if it had never been assigned: marking it would tell the judge
    which proposals belong to that organisation. The organizer sees every conflict.
    """
    rounds = db.session.scalars(
        select(FundingRound)
        .join(PanelMember, PanelMember.round_id == FundingRound.id)
        .where(PanelMember.judge_id == judge.id)
        .order_by(FundingRound.id.desc())
    ).all()
    counts = _dashboard_counts(judge)
    own = own_declarations(judge)
    roles = acting_roles(judge)
    result = []
    for funding_round in rounds:
        assigned, done = counts.get(funding_round.id, (0, 0))
        pages = max(1, -(-(assigned + len(own)) // DASHBOARD_PAGE))
        shown = min(max(page, 1), pages) if funding_round.id == round_id else 1
        rows = _dashboard_rows(judge, funding_round.id, shown, own, roles)
        result.append(DashboardRound(funding_round, rows, assigned, done, shown, pages))
    return result


# --------------------------------------------------------------------------- organizer overview


@dataclass
class OverviewRow:
    """One proposal on the organizer's judging page: its judges, their sheets and conflicts."""

    proposal: Proposal
    judges: list[tuple[User, ScoreSheet | None, str | None]]


def round_overview(round_id: int) -> list[OverviewRow]:
    """Every screened proposal with its assigned judges, their sheet (if any) and conflicts."""
    judges = {j.id: j for j in panel_of(round_id)}
    proposals = rankable_proposals(round_id)
    current = assignments_of(round_id)
    sheets = {
        (s.judge_id, s.proposal_id): s
        for s in db.session.scalars(select(ScoreSheet).where(ScoreSheet.round_id == round_id))
    }
    conflicts = conflict_map(judges.values(), proposals)
    return [
        OverviewRow(
            proposal,
            [
                (
                    judges.get(judge_id) or db.session.get(User, judge_id),
                    sheets.get((judge_id, proposal.id)),
                    conflicts.get((judge_id, proposal.id)),
                )
                for judge_id in current.get(proposal.id, [])
            ],
        )
        for proposal in proposals
    ]


# --------------------------------------------------------------------------- resident vote


def vote_counts(round_id: int) -> dict[int, int]:
    """Resident votes per proposal of a round: one grouped query (the ranking uses it too)."""
    query = (
        select(Vote.proposal_id, func.count(Vote.id))
        .where(Vote.round_id == round_id)
        .group_by(Vote.proposal_id)
    )
    return dict(db.session.execute(query).all())


def vote_turnout(round_id: int) -> int:
    """How many residents voted in a round (each counted once, however many they backed)."""
    query = select(func.count(func.distinct(Vote.user_id))).where(Vote.round_id == round_id)
    return db.session.scalar(query) or 0


def judging_ends(settings: JudgingSettings) -> datetime:
    """When judging ends (naive UTC): the round's close of judging, or the moment the organizer
    closed it if that came first. No resident vote counts from then on."""
    closes = get_round(settings.round_id).judging_close
    return min(closes, settings.closed_at) if settings.closed_at else closes


def vote_listing(round_id: int) -> list[tuple[Proposal, int]]:
    """The round's screened proposals with their vote counts (title, community, category)."""
    counts = vote_counts(round_id)
    return [(p, counts.get(p.id, 0)) for p in rankable_proposals(round_id)]


def votes_of(user: User | None, round_id: int) -> set[int]:
    """The proposals this resident has supported in a round."""
    if user is None or not getattr(user, "is_authenticated", False):
        return set()
    query = select(Vote.proposal_id).where(Vote.round_id == round_id, Vote.user_id == user.id)
    return set(db.session.scalars(query))


def vote_state(settings: JudgingSettings, user: User, proposal_id: int) -> rules.VoteState:
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
        judging_ends(settings),
    )
