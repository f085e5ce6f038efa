"""The public side: a results notice and the objection form during its period (logged in, or
with a name and phone, exactly like an objection to an award)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from grants.domain.errors import Refusal
from grants.domain.evaluations import KIND_LABELS
from grants.domain.permissions import policies
from grants.extensions import db
from grants.models.evaluations import Evaluation
from grants.services import evaluations as svc
from grants.services import is_row_id, notices
from grants.web.access import requires
from grants.web.evaluations.blueprint import bp
from grants.web.idempotency import idempotent
from grants.web.judging.refusals import or_abort
from grants.web.notices.forms import ObjectionForm


@bp.get("/notices/<int:notice_id>")
@requires(policies.PUBLIC)
def notice(notice_id: int):
    """A results notice: each project's score and outcome, with a link to object."""
    view = or_abort(svc.results_notice, notice_id)
    return render_template("evaluations/notice.html", view=view, kind_labels=KIND_LABELS,
                           period=notices.period_text(view.notice))


def _published(evaluation_id: int) -> Evaluation:
    """An evaluation that has been in a results notice, else a 404 page."""
    found = db.session.get(Evaluation, evaluation_id) if is_row_id(evaluation_id) else None
    if found is None or found.notice is None:
        abort(404)
    return found


def _objection_page(evaluation: Evaluation, form: ObjectionForm, status: int = 200):
    """The shared objection form, for one evaluation result."""
    return render_template(
        "notices/object.html", award=evaluation.award, notice=evaluation.notice, form=form,
        open=svc.accepts_objections(evaluation),
        period=notices.period_text(evaluation.notice)), status


@bp.route("/<int:evaluation_id>/object", methods=["GET", "POST"])
@requires(policies.PUBLIC)
@idempotent
def object_to(evaluation_id: int):
    """File an objection against a published evaluation result during its notice."""
    evaluation = _published(evaluation_id)
    form = ObjectionForm()
    if not form.validate_on_submit():
        return _objection_page(evaluation, form, 400 if form.errors else 200)
    user = current_user if current_user.is_authenticated else None
    try:
        objection = svc.file_objection(evaluation_id, form.text.data or "", user,
                                       form.name.data or "", form.phone.data or "")
    except Refusal as error:
        flash(str(error), "danger")
        return _objection_page(evaluation, form, error.status)
    flash(_("异议已提交，请保存回执编号和查询链接"), "success")
    return redirect(url_for("notices.receipt", token=objection.token))
