"""The grantee's side of the evaluations: their list, one evaluation's page with the report
form, the photos. Anyone who may not see an evaluation meets a 404 (another grantee learns
nothing). A refused report is shown again with every problem beside its input, everything
typed kept, and the refusal's 4xx status; nothing was changed (photos must be chosen again:
no browser lets a page refill a file input).

The organizer's, the evaluator's and the public pages are in :mod:`.organizer`,
:mod:`.evaluator` and :mod:`.public`.
"""

from __future__ import annotations

from io import BytesIO

from flask import render_template, request, send_file
from flask_babel import gettext as _
from flask_login import current_user

from grants.domain.errors import Refusal
from grants.domain.evaluations import KIND_LABELS
from grants.domain.permissions import policies
from grants.services import evaluations as svc
from grants.web.access import requires
from grants.web.evaluations import pages
from grants.web.evaluations.blueprint import bp
from grants.web.expenses.files import uploaded
from grants.web.judging.refusals import or_abort

__all__ = ["bp"]


@bp.app_context_processor
def evaluation_helpers() -> dict:
    """What other areas' templates include from here: an award's evaluation results."""
    return {"award_evaluations_of": lambda award: svc.award_evaluations(current_user, award),
            "evaluation_kind_labels": KIND_LABELS}


@bp.get("/mine")
@requires(policies.APPLY)
def mine():
    """The evaluations of the projects the visitor runs, newest deadline first."""
    return render_template("evaluations/mine.html", items=svc.my_evaluations(current_user),
                           kind_labels=KIND_LABELS)


@bp.get("/<int:evaluation_id>")
@requires(policies.SIGNED_IN)
def evaluation(evaluation_id: int):
    """One evaluation: the report (a form for its grantee while open), photos, spending
    summary, scores once published; the organizer's return and cancel buttons."""
    return pages.evaluation_page(evaluation_id)


@bp.post("/<int:evaluation_id>/report")
@requires(policies.SIGNED_IN)
def report(evaluation_id: int):
    """Save the report as typed and add photos; with the submit button also submit it."""
    submit = "submit" in request.form
    try:
        svc.save_report(current_user, evaluation_id, request.form,
                        uploaded(request.files.getlist("photos")), submit=submit)
    except Refusal as error:
        return pages.evaluation_page(evaluation_id, error.status, pages.refused(error))
    message = _("评估报告已提交，等待评估人员评分") if submit else _("评估报告草稿已保存")
    return pages.done(message, "evaluations.evaluation", "report", evaluation_id=evaluation_id)


@bp.post("/photos/<int:photo_id>/remove")
@requires(policies.SIGNED_IN)
def remove_photo(photo_id: int):
    """Remove one photo of a report that is still open to edits."""
    evaluation_id = or_abort(svc.remove_photo, current_user, photo_id)
    return pages.done(_("照片已删除"), "evaluations.evaluation", "photos",
                      evaluation_id=evaluation_id)


@bp.get("/photos/<int:photo_id>")
@requires(policies.SIGNED_IN)
def photo(photo_id: int):
    """One report photo, for whoever may see the evaluation; anyone else 404."""
    item, data = or_abort(svc.photo_file, current_user, photo_id)
    return send_file(BytesIO(data), mimetype=item.content_type, download_name=item.filename,
                     max_age=0)


from grants.web.evaluations import evaluator, organizer, public  # noqa: E402,F401  (routes)
