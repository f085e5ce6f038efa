"""The organizer's side: the rounds, one round's overview (settings, opening, assigning
evaluators, returning and cancelling reports, publishing results, confirming the notice and
ruling on objections). Auditors read the same pages; only organizers change anything.

Every form posts here and comes back to the round's overview; a refused one is shown again
there with its reason, the typed values kept and the refusal's 4xx status, nothing changed.
"""

from __future__ import annotations

from flask import abort, render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from grants.domain.errors import Refusal
from grants.domain.permissions import policies
from grants.extensions import db
from grants.models.awards import Notice, Objection
from grants.services import evaluations as svc
from grants.services import is_row_id, notices
from grants.web.access import requires
from grants.web.evaluations import pages
from grants.web.evaluations.blueprint import bp

UPHOLD, DISMISS = "uphold", "dismiss"


def _run(round_id: int, message: str, anchor: str, call, *args):
    """Run one organizer command; back to the overview, or the overview again with the
    refusal (its status, the problems beside the inputs)."""
    try:
        call(current_user, *args)
    except Refusal as error:
        return pages.round_page(round_id, error.status, pages.refused(error))
    return pages.done(message, "evaluations.round_page", anchor, round_id=round_id)


@bp.get("/rounds")
@requires(policies.STAFF_READ)
def rounds():
    """Every round with signed awards, with its evaluations counted by state."""
    return render_template("evaluations/rounds.html", items=svc.rounds_index())


@bp.get("/rounds/<int:round_id>")
@requires(policies.STAFF_READ)
def round_page(round_id: int):
    """One round's evaluations by kind, its settings, results notices and objections."""
    return pages.round_page(round_id)


@bp.post("/rounds/<int:round_id>/settings")
@requires(policies.ORGANIZE)
def settings(round_id: int):
    """Save the round's rubric, pass mark, notice days, grace days and bar years."""
    return _run(round_id, _("评估设置已保存"), "settings", svc.save_settings, round_id,
                request.form)


@bp.post("/rounds/<int:round_id>/open")
@requires(policies.ORGANIZE)
def open_evaluations(round_id: int):
    """Open the mid-term or final evaluations of the round with a report deadline."""
    return _run(round_id, _("评估已启动，已通知各项目申报方"), "evaluations",
                svc.open_evaluations, round_id, request.form.get("kind"),
                request.form.get("due_on"))


@bp.post("/rounds/<int:round_id>/publish")
@requires(policies.ORGANIZE)
def publish(round_id: int):
    """Publish the round's scored evaluations of one kind in a results notice."""
    return _run(round_id, _("评估结果已公示"), "notices", svc.publish_results, round_id,
                request.form.get("kind"))


@bp.post("/<int:evaluation_id>/assign")
@requires(policies.ORGANIZE)
def assign(evaluation_id: int):
    """Assign an evaluator to one evaluation."""
    round_id = pages.round_of_evaluation(evaluation_id)
    return _run(round_id, _("已分配评估人员"), f"e{evaluation_id}", svc.assign_evaluator,
                evaluation_id, request.form.get("evaluator_id"))


@bp.post("/sheets/<int:sheet_id>/withdraw")
@requires(policies.ORGANIZE)
def withdraw(sheet_id: int):
    """Withdraw an evaluator who has not scored yet."""
    round_id = pages.round_of_sheet(sheet_id)
    return _run(round_id, _("已撤回评估人员"), "evaluations", svc.withdraw_sheet, sheet_id)


@bp.post("/<int:evaluation_id>/return")
@requires(policies.ORGANIZE)
def return_report(evaluation_id: int):
    """Return an incomplete report to the grantee with a reason."""
    round_id = pages.round_of_evaluation(evaluation_id)
    return _run(round_id, _("报告已退回申报方修改"), f"e{evaluation_id}", svc.return_report,
                evaluation_id, request.form.get("reason"))


@bp.post("/<int:evaluation_id>/cancel")
@requires(policies.ORGANIZE)
def cancel(evaluation_id: int):
    """Cancel an evaluation that no longer applies, with a reason."""
    round_id = pages.round_of_evaluation(evaluation_id)
    return _run(round_id, _("评估已取消"), f"e{evaluation_id}", svc.cancel_evaluation,
                evaluation_id, request.form.get("reason"))


@bp.post("/notices/<int:notice_id>/confirm")
@requires(policies.ORGANIZE)
def confirm(notice_id: int):
    """Confirm a results notice once its period is over and every objection is ruled on."""
    notice = db.session.get(Notice, notice_id) if is_row_id(notice_id) else None
    if notice is None:
        abort(404)
    return _run(notice.round_id, _("评估结果已确认生效"), "notices",
                lambda actor, nid: notices.confirm_notice(nid, actor), notice_id)


@bp.post("/objections/<int:objection_id>/decide")
@requires(policies.ORGANIZE)
def decide(objection_id: int):
    """Rule on an objection to a result: uphold it (the evaluation is scored again) or
    dismiss it, with the reason the objector reads."""
    objection = db.session.get(Objection, objection_id) if is_row_id(objection_id) else None
    if objection is None or objection.evaluation_id is None:
        abort(404)
    decision = request.form.get("decision")
    rule = {UPHOLD: notices.uphold_objection, DISMISS: notices.dismiss_objection}.get(decision)
    if rule is None:
        abort(400, _("请选择处理结果"))
    round_id = pages.round_of_evaluation(objection.evaluation_id)
    return _run(round_id, _("异议已处理"), "objections",
                lambda actor, oid, reason: rule(oid, actor, reason), objection_id,
                request.form.get("reason") or "")
