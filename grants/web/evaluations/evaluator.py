"""The evaluator's side: the queue of assigned evaluations and the scoring form. Another
evaluator's sheet is not found; a refused sheet comes back with every problem beside its input
and the points typed kept."""

from __future__ import annotations

from flask import render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from grants.domain.errors import Refusal
from grants.domain.evaluations import KIND_LABELS
from grants.domain.permissions import policies
from grants.services import evaluations as svc
from grants.web.access import requires
from grants.web.evaluations import pages
from grants.web.evaluations.blueprint import bp
from grants.web.guard import checks_own_input


@bp.get("/queue")
@requires(policies.EVALUATE)
def queue():
    """The evaluator's sheets: to score now, waiting for the report, done."""
    return render_template("evaluations/queue.html", rows=svc.evaluator_queue(current_user),
                           kind_labels=KIND_LABELS)


@bp.get("/sheets/<int:sheet_id>")
@requires(policies.EVALUATE)
def sheet(sheet_id: int):
    """The report to score and the rubric's form (or the submitted scores)."""
    return pages.sheet_page(sheet_id)


@bp.post("/sheets/<int:sheet_id>")
@checks_own_input
@requires(policies.EVALUATE)
def score(sheet_id: int):
    """Submit the scores of every criterion and the comment."""
    try:
        svc.submit_sheet(current_user, sheet_id, request.form)
    except Refusal as error:
        return pages.sheet_page(sheet_id, error.status, pages.refused(error))
    return pages.done(_("评分已提交"), "evaluations.queue")
