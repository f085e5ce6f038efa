"""Reading evaluations: the organizer's round overview, the grantee's and the evaluator's lists,
one evaluation's page, a sheet's form, a photo, an award's results and the public notice.

Whoever may not see an evaluation gets the one 404 of :func:`.common.not_found`: another
grantee's report and photos answer exactly as an evaluation that does not exist.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from grants.domain import evaluations as rules
from grants.domain.lifecycles import EVALUATION, EVALUATION_SHEET, NOTICE, OBJECTION
from grants.domain.lifecycles.evaluation import (
    ACTIVE_SHEETS,
    DECIDED,
    EDITABLE,
    IN_NOTICE,
    SCORED,
    SHEET_ASSIGNED,
    SHEET_SUBMITTED,
    STAFFABLE,
    SUBMITTED,
)
from grants.domain.notice import AWARDS_NOTICE
from grants.domain.permissions import (
    AWARD_READERS,
    ORGANIZERS,
    acting_roles,
    has_any_role,
    is_signed_in,
    owns_proposal,
)
from grants.domain.permissions import evaluations as perms
from grants.domain.permissions.awards import public_applicant
from grants.domain.roles import EVALUATOR
from grants.extensions import db
from grants.models import AttachmentBlob, FundingRound, Proposal, User, UserRole
from grants.models.awards import Agreement, Award, Notice, Objection
from grants.models.evaluations import Evaluation, EvaluationPhoto, EvaluationSheet
from grants.services import is_row_id
from grants.services.evaluations.commands import openable_award_ids, spending_summary
from grants.services.evaluations.common import not_found, settings_of
from grants.services.evaluations.results import accepts_objections, open_objections
from grants.services.notices import is_open

ORGANIZER_ACTIONS = ("return", "cancel")
"""The evaluation actions the overview offers as buttons (the others happen elsewhere)."""
PUBLISHED = DECIDED | {IN_NOTICE}
"""Evaluations whose score the grantee and the public may read."""


def evaluator_ids(evaluation: Evaluation) -> list[int]:
    """The evaluators taking part (active sheets)."""
    return [s.evaluator_id for s in evaluation.sheets if s.status in ACTIVE_SHEETS]


def visible(user, evaluation: Evaluation) -> bool:
    """True when ``user`` may see this evaluation."""
    return perms.can_view_evaluation(user, evaluation.award.proposal,
                                     evaluator_ids(evaluation))[0]


def _evaluation(evaluation_id: object) -> Evaluation:
    """An evaluation by id, or the 404."""
    evaluation = db.session.get(Evaluation, evaluation_id) if is_row_id(evaluation_id) else None
    if evaluation is None:
        raise not_found()
    return evaluation


def passes(evaluation: Evaluation) -> bool | None:
    """Whether the evaluation's score reaches its round's pass mark (None before scoring)."""
    if evaluation.score is None:
        return None
    return rules.passes(evaluation.score, settings_of(evaluation.round_id).pass_mark)


# ------------------------------------------------------------------------------- organizer


@dataclass(frozen=True)
class OverviewRow:
    """One evaluation on the organizer's overview, with what may be done to it."""

    evaluation: Evaluation
    sheets: list[EvaluationSheet]
    actions: list[str]
    sheet_actions: dict[int, list[str]]
    can_assign: bool
    passes: bool | None


@dataclass(frozen=True)
class RoundOverview:
    """A round's evaluations by kind, with the settings, notices and objections."""

    round: FundingRound
    settings: rules.Settings
    rows: dict[str, list[OverviewRow]]
    openable: dict[str, int]
    publishable: dict[str, int]
    evaluators: list[User]
    notices: list[Notice]
    notice_actions: dict[int, list[str]]
    notice_waiting: dict[int, int]
    objections: list[Objection]
    objection_actions: dict[int, list[str]]
    can_manage: bool


def round_overview(user, round_id: object) -> RoundOverview:
    """Everything the organizer's evaluation page of one round shows (404 for no round)."""
    funding_round = db.session.get(FundingRound, round_id) if is_row_id(round_id) else None
    if funding_round is None:
        raise not_found()
    roles = acting_roles(user)
    evaluations = list(db.session.scalars(
        select(Evaluation).where(Evaluation.round_id == funding_round.id)
        .options(selectinload(Evaluation.sheets).selectinload(EvaluationSheet.evaluator),
                 selectinload(Evaluation.award).selectinload(Award.proposal))
        .order_by(Evaluation.award_id)))
    settings = settings_of(funding_round.id)
    rows = {kind: [_row(e, roles, settings) for e in evaluations if e.kind == kind]
            for kind in rules.KINDS}
    notices = _notices(funding_round.id)
    objections = _objections(funding_round.id)
    return RoundOverview(
        funding_round, settings, rows,
        {kind: len(openable_award_ids(funding_round.id, kind)) for kind in rules.KINDS},
        {kind: sum(1 for r in rows[kind] if r.evaluation.status == SCORED) for kind in rules.KINDS},
        evaluators(), notices, {n.id: NOTICE.available(n.status, roles) for n in notices},
        {n.id: open_objections(n.id) for n in notices}, objections,
        {o.id: OBJECTION.available(o.status, roles) for o in objections},
        perms.can_manage_evaluations(user)[0])


def _row(evaluation: Evaluation, roles, settings: rules.Settings) -> OverviewRow:
    """One overview row: the active sheets, the buttons allowed, the provisional outcome."""
    sheets = [s for s in evaluation.sheets if s.status in ACTIVE_SHEETS]
    actions = [a for a in EVALUATION.available(evaluation.status, roles)
               if a in ORGANIZER_ACTIONS]
    if any(s.status == SHEET_SUBMITTED for s in sheets) and "return" in actions:
        actions.remove("return")
    outcome = None if evaluation.score is None else rules.passes(evaluation.score,
                                                                 settings.pass_mark)
    sheet_actions = {s.id: EVALUATION_SHEET.available(s.status, roles) for s in sheets}
    can_assign = evaluation.status in STAFFABLE and bool(set(ORGANIZERS) & roles)
    return OverviewRow(evaluation, sheets, actions, sheet_actions, can_assign, outcome)


def evaluators() -> list[User]:
    """Active accounts holding the evaluator role, by name."""
    return list(db.session.scalars(
        select(User).join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == EVALUATOR, User.active.is_(True))
        .order_by(User.display_name, User.id)))


def _notices(round_id: int) -> list[Notice]:
    """A round's evaluation results notices, newest first."""
    return list(db.session.scalars(select(Notice).where(
        Notice.round_id == round_id, Notice.kind != AWARDS_NOTICE).order_by(Notice.id.desc())))


def _objections(round_id: int) -> list[Objection]:
    """Objections against a round's evaluation results, those awaiting a ruling first."""
    return list(db.session.scalars(
        select(Objection).join(Evaluation, Evaluation.id == Objection.evaluation_id)
        .where(Evaluation.round_id == round_id)
        .order_by(Objection.status.not_in(OBJECTION.sources("uphold")), Objection.id)))


@dataclass(frozen=True)
class RoundListing:
    """A round on the evaluation index: its evaluations counted by state."""

    round: FundingRound
    counts: dict[str, int]
    total: int


def rounds_index() -> list[RoundListing]:
    """Rounds with countersigned agreements (those that can be evaluated), newest first."""
    signed = select(Award.round_id).join(Agreement, Agreement.award_id == Award.id).where(
        Agreement.organizer_signed_at.is_not(None))
    rounds = list(db.session.scalars(
        select(FundingRound).where(FundingRound.id.in_(signed)).order_by(FundingRound.id.desc())))
    counts: dict[int, dict[str, int]] = {r.id: {} for r in rounds}
    for round_id, status, count in db.session.execute(
            select(Evaluation.round_id, Evaluation.status, func.count())
            .group_by(Evaluation.round_id, Evaluation.status)):
        counts.setdefault(round_id, {})[status] = count
    return [RoundListing(r, counts[r.id], sum(counts[r.id].values())) for r in rounds]


# ------------------------------------------------------------------------------- grantee


def my_evaluations(user) -> list[Evaluation]:
    """The evaluations of the projects ``user`` owns (applicant or organisation member)."""
    if not is_signed_in(user):
        return []
    owner = Proposal.applicant_id == user.id
    if getattr(user, "organisation_id", None) is not None:
        owner = or_(owner, Proposal.organisation_id == user.organisation_id)
    return list(db.session.scalars(
        select(Evaluation).join(Award, Award.id == Evaluation.award_id)
        .join(Proposal, Proposal.id == Award.proposal_id).where(owner)
        .order_by(Evaluation.due_on.desc(), Evaluation.id.desc())))


# ------------------------------------------------------------------------------- evaluator


@dataclass(frozen=True)
class QueueRow:
    """One of an evaluator's sheets: whether it can be scored now."""

    sheet: EvaluationSheet
    evaluation: Evaluation
    to_score: bool


def evaluator_queue(user) -> list[QueueRow]:
    """An evaluator's sheets (not withdrawn): those to score now first, then those waiting
    for the report, then those done."""
    sheets = list(db.session.scalars(
        select(EvaluationSheet).where(EvaluationSheet.evaluator_id == user.id,
                                      EvaluationSheet.status.in_(ACTIVE_SHEETS))
        .options(selectinload(EvaluationSheet.evaluation).selectinload(Evaluation.award))
        .order_by(EvaluationSheet.id.desc())))
    rows = [QueueRow(s, s.evaluation, s.status == SHEET_ASSIGNED
                     and s.evaluation.status == SUBMITTED) for s in sheets]
    return sorted(rows, key=lambda r: (not r.to_score, r.sheet.status != SHEET_ASSIGNED))


# ------------------------------------------------------------------------------- one evaluation


@dataclass(frozen=True)
class SheetView:
    """A sheet as a reader may see it: who (a name for staff, a number for the grantee)."""

    sheet: EvaluationSheet
    label: str
    total: Decimal | None


@dataclass(frozen=True)
class EvaluationPage:
    """One evaluation as its reader may see it."""

    evaluation: Evaluation
    award: Award
    proposal: Proposal
    settings: rules.Settings
    spending: dict
    sheets: list[SheetView]
    owner: bool
    can_edit: bool
    show_score: bool
    passes: bool | None
    my_sheet: EvaluationSheet | None
    actions: list[str] = field(default_factory=list)


def evaluation_page(user, evaluation_id: object) -> EvaluationPage:
    """One evaluation for its grantee, its evaluators and staff; anyone else 404."""
    evaluation = _evaluation(evaluation_id)
    if not visible(user, evaluation):
        raise not_found()
    award = evaluation.award
    owner = owns_proposal(user, award.proposal)
    staff = has_any_role(user, AWARD_READERS)
    spending = evaluation.spending or spending_summary(award)
    mine = next((s for s in evaluation.sheets if is_signed_in(user)
                 and s.evaluator_id == user.id and s.status in ACTIVE_SHEETS), None)
    published = evaluation.status in PUBLISHED
    return EvaluationPage(
        evaluation, award, award.proposal, settings_of(evaluation.round_id), spending,
        _sheet_views(evaluation, staff, mine, published), owner,
        owner and evaluation.status in EDITABLE, published or staff, passes(evaluation), mine,
        [a for a in EVALUATION.available(evaluation.status, acting_roles(user))
         if a in ORGANIZER_ACTIONS])


def _sheet_views(evaluation: Evaluation, staff: bool, mine: EvaluationSheet | None,
                 published: bool) -> list[SheetView]:
    """Staff see every submitted sheet by name, an evaluator their own, the grantee the
    submitted sheets once the result is published (numbered, not named)."""
    views = []
    submitted = [s for s in evaluation.sheets if s.status == SHEET_SUBMITTED]
    for number, sheet in enumerate(submitted, 1):
        total = Decimal(sheet.total_half) / 2 if sheet.total_half is not None else None
        if staff or (mine is not None and sheet.id == mine.id):
            views.append(SheetView(sheet, sheet.evaluator.display_name, total))
        elif published and mine is None:
            views.append(SheetView(sheet, str(number), total))
    return views


@dataclass(frozen=True)
class SheetPage:
    """An evaluator's form for one sheet, with the evaluation it scores."""

    page: EvaluationPage
    sheet: EvaluationSheet
    can_submit: bool


def sheet_page(user, sheet_id: object) -> SheetPage:
    """An evaluator's own sheet (anyone else's: 404) with the report it scores."""
    sheet = db.session.get(EvaluationSheet, sheet_id) if is_row_id(sheet_id) else None
    if sheet is None or not perms.can_score(user, sheet.evaluator_id)[0] \
            or sheet.status not in ACTIVE_SHEETS:
        raise not_found()
    page = evaluation_page(user, sheet.evaluation_id)
    can_submit = sheet.status == SHEET_ASSIGNED and page.evaluation.status == SUBMITTED
    return SheetPage(page, sheet, can_submit)


def photo_file(user, photo_id: object) -> tuple[EvaluationPhoto, bytes]:
    """One report photo and its bytes for whoever may see the evaluation; else 404."""
    photo = db.session.get(EvaluationPhoto, photo_id) if is_row_id(photo_id) else None
    if photo is None or not visible(user, photo.evaluation):
        raise not_found()
    return photo, db.session.get(AttachmentBlob, photo.sha256).data


def award_evaluations(user, award: Award | None) -> list[Evaluation]:
    """An award's evaluations for a reader who may see them (the award page's results)."""
    if award is None or not is_signed_in(user):
        return []
    found = list(db.session.scalars(select(Evaluation).where(
        Evaluation.award_id == award.id).order_by(Evaluation.id)))
    return [e for e in found if visible(user, e)]


# ------------------------------------------------------------------------------- public notice


@dataclass(frozen=True)
class NoticeRow:
    """One evaluation as the public results notice shows it (nothing private)."""

    evaluation: Evaluation
    title: str
    applicant: str
    community: str
    score: Decimal | None
    passes: bool | None
    late: bool
    objections: int
    objectable: bool


@dataclass(frozen=True)
class ResultsNotice:
    """A results notice: the round, kind, period, pass mark, rows and whether it runs."""

    notice: Notice
    round: FundingRound
    kind: str
    pass_mark: int
    rows: list[NoticeRow]
    running: bool


def results_notice(notice_id: object) -> ResultsNotice:
    """A public evaluation results notice (404 for none, or for a notice of awards)."""
    notice = db.session.get(Notice, notice_id) if is_row_id(notice_id) else None
    if notice is None or notice.kind == AWARDS_NOTICE:
        raise not_found()
    settings = settings_of(notice.round_id)
    evaluations = list(db.session.scalars(select(Evaluation).where(
        Evaluation.notice_id == notice.id).order_by(Evaluation.award_id)))
    counts = dict(db.session.execute(
        select(Objection.evaluation_id, func.count(Objection.id))
        .where(Objection.evaluation_id.in_([e.id for e in evaluations]))
        .group_by(Objection.evaluation_id)).all())
    return ResultsNotice(notice, notice.round, notice.kind, settings.pass_mark,
                         [_notice_row(e, counts.get(e.id, 0), settings) for e in evaluations],
                         is_open(notice))


def _notice_row(evaluation: Evaluation, objections: int, settings: rules.Settings) -> NoticeRow:
    """One public row: the project, who ran it (organisation or masked leader), the score."""
    proposal = evaluation.award.proposal
    leader = proposal.contact_name or (proposal.team[0] if proposal.team else "")
    score = evaluation.score if evaluation.status in PUBLISHED else None
    late = evaluation.status in DECIDED and evaluation.score is None
    outcome = False if late else None if score is None else rules.passes(score,
                                                                          settings.pass_mark)
    return NoticeRow(
        evaluation, proposal.title,
        public_applicant(proposal.organisation.name if proposal.organisation else None, leader),
        proposal.community.name if proposal.community else "", score, outcome, late,
        objections, accepts_objections(evaluation))
