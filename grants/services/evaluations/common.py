"""What every evaluation command shares: the locks (award row first, then the evaluation, then
a sheet), a round's settings, the one "not found" answer and the notifications.

Every command that changes an evaluation locks its **award** first, as every payment command
does: a failed evaluation suspending the award and a payment approval on it queue one after
the other, so an approval never slips past a suspension.
"""

from __future__ import annotations

from sqlalchemy import select

from grants.domain.errors import Refusal
from grants.domain.evaluations import KIND_LABELS, Settings
from grants.domain.i18n import msg, source_language, tr
from grants.domain.lifecycles.evaluation import ACTIVE_SHEETS
from grants.domain.permissions import Decision
from grants.domain.permissions import evaluations as perms
from grants.extensions import db
from grants.models.awards import Award
from grants.models.evaluations import Evaluation, EvaluationSettings, EvaluationSheet
from grants.services import is_row_id, locked
from grants.services.notifications import notify


def not_found() -> Refusal:
    """The one answer for an evaluation, sheet or photo the reader may not see or that is gone."""
    return Refusal(tr(perms.NOT_FOUND), status=404)


def allow(decision: Decision, status: int = 403) -> None:
    """Refuse with the decision's reason unless it allows the request."""
    allowed, reason = decision
    if not allowed:
        raise Refusal(reason, status=status)


def settings_of(round_id: int) -> Settings:
    """A round's evaluation settings, or the defaults while the organizer has saved none."""
    row = db.session.scalar(select(EvaluationSettings).where(
        EvaluationSettings.round_id == round_id))
    if row is None:
        return Settings()
    return Settings(row.rubric, row.pass_mark, row.notice_days, row.grace_days, row.bar_years)


def locked_evaluation(evaluation_id: object) -> tuple[Award, Evaluation]:
    """Lock the evaluation's award, then the evaluation (always in that order); else 404."""
    if not is_row_id(evaluation_id):
        raise not_found()
    award_id = db.session.scalar(select(Evaluation.award_id).where(
        Evaluation.id == evaluation_id))
    if award_id is None:
        raise not_found()
    award = locked(Award, award_id, tr(perms.NOT_FOUND))
    return award, locked(Evaluation, evaluation_id, tr(perms.NOT_FOUND))


def locked_sheet(sheet_id: object) -> tuple[Award, Evaluation, EvaluationSheet]:
    """Lock a sheet's award, evaluation and then the sheet; else 404."""
    if not is_row_id(sheet_id):
        raise not_found()
    evaluation_id = db.session.scalar(select(EvaluationSheet.evaluation_id).where(
        EvaluationSheet.id == sheet_id))
    if evaluation_id is None:
        raise not_found()
    award, evaluation = locked_evaluation(evaluation_id)
    return award, evaluation, locked(EvaluationSheet, sheet_id, tr(perms.NOT_FOUND))


def kind_label(evaluation: Evaluation) -> str:
    """``中期评估`` or ``结项评估`` in the reader's language."""
    return tr(KIND_LABELS[evaluation.kind])


def tell_grantee(evaluation: Evaluation, template: str, **params: object) -> None:
    """Notify the project's applicant (in the source language, as stored text is kept)."""
    proposal = evaluation.award.proposal
    with source_language():
        message = msg(template, title=proposal.title, kind=tr(KIND_LABELS[evaluation.kind]),
                      **params)
    notify(proposal.applicant_id, message, f"/evaluations/{evaluation.id}")


def tell_evaluators(evaluation: Evaluation, template: str) -> None:
    """Notify every evaluator taking part in the evaluation."""
    with source_language():
        message = msg(template, title=evaluation.award.proposal.title,
                      kind=tr(KIND_LABELS[evaluation.kind]))
    for sheet in evaluation.sheets:
        if sheet.status in ACTIVE_SHEETS:
            notify(sheet.evaluator_id, message, f"/evaluations/sheets/{sheet.id}")
