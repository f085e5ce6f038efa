"""Screening pages for organizers: the queue with its checks, one proposal, and decisions
on one or many proposals at once (all or nothing)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from grants.domain.budget import COST_CATEGORIES
from grants.domain.errors import Refusal
from grants.domain.inputs import parse_row_id
from grants.domain.lifecycles.proposal import PROPOSAL, SCREEN_ACTIONS
from grants.domain.permissions import policies
from grants.domain.permissions import proposals as perms
from grants.services import attachments, proposals, screening
from grants.web.access import requires
from grants.web.screening.forms import DecisionForm

bp = Blueprint("screening", __name__, url_prefix="/screening")


def _form(formdata=None) -> DecisionForm:
    """The decision form with its choices; ``formdata=None`` builds an empty one."""
    form = DecisionForm() if formdata is not None else DecisionForm(formdata=None)
    form.action.choices = [("", _("（请选择）"))] + screening.action_choices()
    return form


def _filters(source) -> dict:
    """Round, status and page from the query string (or the batch form's hidden inputs)."""
    return {
        "round_id": source.get("round_id", type=parse_row_id),
        "status": source.get("status") or "submitted",
        "page": source.get("page", 1, type=parse_row_id) or 1,
    }


def _status_options() -> list[tuple[str, str]]:
    """(value, label) of the queue's status filter: each screenable state, then all states."""
    options = [(key, _(PROPOSAL.state_label(key))) for key in screening.QUEUE_STATES]
    return options + [("all", _("全部状态"))]


def _queue_page(source, status: int = 200, form: DecisionForm | None = None):
    """Render one page of the queue for the filters in ``source``."""
    filters = _filters(source)
    result = screening.queue(filters["round_id"], filters["status"], max(filters["page"], 1))
    return render_template(
        "screening/queue.html",
        queue=result,
        rounds=screening.rounds(),
        status_options=_status_options(),
        form=form or _form(),
        filters=filters,
        can_decide=perms.can_screen(current_user)[0],
    ), status


def _detail_page(proposal_id: int, status: int = 200, form: DecisionForm | None = None):
    """Render the screening page of one proposal: checks, changes, decision, content."""
    try:
        row = screening.review(proposal_id)
    except Refusal:
        abort(404)
    available = PROPOSAL.available(row.proposal.status, perms.roles_on(current_user, row.proposal))
    return render_template(
        "screening/detail.html",
        row=row,
        proposal=row.proposal,
        form=form or _form(),
        changes=proposals.version_changes(proposal_id),
        decisions=[action for action in available if action in SCREEN_ACTIONS],
        attachments=attachments.of_proposal(proposal_id),
        categories=COST_CATEGORIES,
        timeline=proposals.timeline(proposal_id),
    ), status


@bp.get("/")
@requires(policies.STAFF_READ)
def queue():
    """Proposals of a round in a state (default: submitted), paginated, with their checks."""
    return _queue_page(request.args)


@bp.post("/decide")
@requires(policies.ORGANIZE)
def decide_many():
    """One decision and one reason for every selected proposal, in one transaction."""
    form = _form(request.form)
    if not form.validate_on_submit():
        abort(400)
    ids = [i for i in request.form.getlist("ids", type=parse_row_id) if i]
    try:
        screening.decide(current_user, ids, form.action.data, form.reason.data)
    except Refusal as error:
        flash(str(error), "danger")
        return _queue_page(request.form, error.status, form)
    flash(_("已对 %(n)s 个申报作出决定", n=len(ids)), "success")
    return redirect(url_for(".queue", **_filters(request.form)))


@bp.get("/<int:proposal_id>")
@requires(policies.STAFF_READ)
def detail(proposal_id: int):
    """One proposal with its checks and what changed since the previous version."""
    return _detail_page(proposal_id)


@bp.post("/<int:proposal_id>/decide")
@requires(policies.ORGANIZE)
def decide(proposal_id: int):
    """Decide on one proposal."""
    form = _form(request.form)
    if not form.validate_on_submit():
        abort(400)
    try:
        screening.decide(current_user, [proposal_id], form.action.data, form.reason.data)
    except Refusal as error:
        if error.status == 404:
            abort(404)
        flash(str(error), "danger")
        return _detail_page(proposal_id, error.status, form)
    flash(_("审查决定已保存，已通知申报人"), "success")
    return redirect(url_for(".detail", proposal_id=proposal_id))
