"""Page builders for the evaluation views: gather what a template needs and render it.

A view decides what happens; a builder here draws the page with the status the view chose. A
refused form comes back with every problem beside its input (``errors``: input name → messages)
and what was typed kept: the templates read typed values through the ``typed()`` helper, which
answers with the posted value while this very form is being shown again.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user

from grants.domain import evaluations as rules
from grants.domain.errors import Refusal
from grants.domain.lifecycles.evaluation import SHEET_SUBMITTED
from grants.domain.settlement import MAX_BAR_YEARS
from grants.extensions import db
from grants.models.evaluations import Evaluation, EvaluationSheet
from grants.services import evaluations as svc
from grants.services import is_row_id
from grants.services.attachments import MAX_FILE_BYTES
from grants.web.judging.refusals import or_abort

Errors = dict[str, list[str]]


def errors_of(error: Refusal) -> Errors:
    """Each problem of a refusal under its input's name (``_`` for those without one)."""
    found: Errors = {}
    for problem in error.problems:
        name = getattr(problem, "field", None) or "_"
        found.setdefault(name, []).append(str(getattr(problem, "message", problem)))
    return found


def refused(error: Refusal) -> Errors:
    """Flash the refusal's reason and return its problems by input."""
    flash(str(error), "danger")
    return errors_of(error)


def done(message: str, endpoint: str, anchor: str = "", **ids):
    """Flash a success message and go to ``endpoint``."""
    flash(message, "success")
    return redirect(url_for(endpoint, **ids) + (f"#{anchor}" if anchor else ""))


def round_of_evaluation(evaluation_id: int) -> int:
    """The round an evaluation belongs to (for showing the overview again), else a 404."""
    evaluation = db.session.get(Evaluation, evaluation_id) if is_row_id(evaluation_id) else None
    if evaluation is None:
        abort(404)
    return evaluation.round_id


def round_of_sheet(sheet_id: int) -> int:
    """The round a sheet belongs to, else a 404."""
    sheet = db.session.get(EvaluationSheet, sheet_id) if is_row_id(sheet_id) else None
    if sheet is None:
        abort(404)
    return sheet.evaluation.round_id


def photo_limits() -> dict[str, str]:
    """What the photo input tells the browser (the service checks again)."""
    return {"accept": "image/jpeg,image/png", "data-max-each": str(MAX_FILE_BYTES)}


def evaluation_page(evaluation_id: int, status: int = 200, errors: Errors | None = None):
    """One evaluation for its grantee (the report form), evaluators and staff."""
    page = or_abort(svc.evaluation_page, current_user, evaluation_id)
    return render_template(
        "evaluations/evaluation.html", page=page, errors=errors or {},
        statuses=rules.ACTIVITY_STATUSES, kind_labels=rules.KIND_LABELS,
        max_photos=rules.MAX_PHOTOS, photo_limits=photo_limits(),
    ), status


def sheet_page(sheet_id: int, status: int = 200, errors: Errors | None = None):
    """An evaluator's scoring form with the report it scores."""
    view = or_abort(svc.sheet_page, current_user, sheet_id)
    return render_template(
        "evaluations/sheet.html", view=view, page=view.page, errors=errors or {},
        criteria=view.page.settings.criteria, statuses=rules.ACTIVITY_STATUSES,
        kind_labels=rules.KIND_LABELS, submitted_state=SHEET_SUBMITTED,
    ), status


def round_page(round_id: int, status: int = 200, errors: Errors | None = None):
    """The organizer's (or auditor's) evaluation overview of one round."""
    overview = or_abort(svc.round_overview, current_user, round_id)
    return render_template(
        "evaluations/round.html", o=overview, errors=errors or {},
        kinds=rules.KINDS, kind_labels=rules.KIND_LABELS, rubric_labels=rules.RUBRIC_LABELS,
        max_bar_years=MAX_BAR_YEARS,
    ), status
