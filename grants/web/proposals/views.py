"""Proposal pages: my proposals, start, edit (save draft / add a row), submit, withdraw, detail,
and attachments (upload, download, remove).

Owners (the applicant and their organisation colleagues) get every page; anyone else's
proposal answers 404. Templates draw what the views pass: the actions the proposal lifecycle
allows the current user now, and plain booleans.
"""

from __future__ import annotations

from io import BytesIO

from flask import Blueprint, abort, flash, redirect, render_template, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from grants.domain.budget import COST_CATEGORIES
from grants.domain.errors import Refusal
from grants.domain.lifecycles.proposal import PROPOSAL
from grants.domain.permissions import owns_proposal, policies
from grants.domain.permissions import proposals as perms
from grants.domain.proposals import (
    awaits_resubmission,
    is_editable,
    shows_decision_reason,
    submission_action,
)
from grants.extensions import db
from grants.models import Attachment, Proposal
from grants.services import attachments, proposals
from grants.services.rounds import check_phase, rules_of
from grants.web.access import requires
from grants.web.proposals import binding
from grants.web.proposals.forms import ActionForm, NewProposalForm, UploadForm

bp = Blueprint("proposals", __name__, url_prefix="/proposals")


def _owned(proposal_id: int) -> Proposal:
    """A proposal the current user owns, else 404 (someone else's is not revealed)."""
    try:
        return proposals.get_owned(current_user, proposal_id)
    except Refusal:
        abort(404)


def _actions(proposal: Proposal) -> list[str]:
    """What the current user may do with the proposal now, as the lifecycle table says."""
    return PROPOSAL.available(proposal.status, perms.roles_on(current_user, proposal))


def _edit_page(proposal: Proposal, form, status: int = 200, sections=None):
    """Render the editing page with the form, the round's rules and the attachments."""
    return render_template(
        "proposals/edit.html",
        proposal=proposal,
        form=form,
        rules=rules_of(proposal.round),
        sections=sections or {},
        attachments=attachments.of_proposal(proposal.id),
        upload=UploadForm(formdata=None),
        action_form=ActionForm(formdata=None),
        categories=COST_CATEGORIES,
        actions=_actions(proposal),
        deadline=proposals.deadline_of(proposal),
        returned=awaits_resubmission(proposal.status),
        closed=check_phase(proposal.round, submission_action(proposal.status)),
    ), status


def _detail_page(proposal: Proposal, status: int = 200):
    """Render the read-only page of a proposal the current user may see."""
    return render_template(
        "proposals/detail.html",
        proposal=proposal,
        attachments=attachments.of_proposal(proposal.id),
        timeline=proposals.timeline(proposal.id),
        changes=proposals.version_changes(proposal.id),
        categories=COST_CATEGORIES,
        is_owner=owns_proposal(current_user, proposal),
        can_screen=perms.can_screen(current_user)[0],
        actions=_actions(proposal),
        show_reason=shows_decision_reason(proposal.status),
        returned=awaits_resubmission(proposal.status),
    ), status


def _back(proposal: Proposal, error: Refusal):
    """After a refused action: flash why and show the proposal (its form while editable)."""
    if error.status == 404:
        abort(404)
    flash(str(error), "danger")
    db.session.refresh(proposal)
    if is_editable(proposal.status):
        return _edit_page(
            proposal, binding.build_form(proposal, binding.model_data(proposal)), error.status
        )
    return _detail_page(proposal, error.status)


def _refused(proposal: Proposal, data, error: Refusal):
    """Show the typed form again with every problem next to its input, and the status."""
    if error.status == 404:
        abort(404)
    form = binding.build_form(proposal, data=binding.input_data(data))
    sections = binding.attach_problems(form, error.problems)
    flash(str(error), "danger")
    return _edit_page(proposal, form, error.status, sections)


@bp.get("/")
@requires(policies.SIGNED_IN)
def mine():
    """The proposals the current user owns (theirs and their organisation's), with status."""
    owned = proposals.mine(current_user)
    return render_template(
        "proposals/mine.html",
        proposals=owned,
        editable_ids={p.id for p in owned if is_editable(p.status)},
        can_apply=perms.can_apply(current_user)[0],
    )


@bp.route("/new", methods=["GET", "POST"])
@requires(policies.APPLY)
def new():
    """Choose an open round; a draft is created there and opened for editing."""
    form = NewProposalForm()
    form.round_id.choices = [(r.id, r.name) for r in proposals.open_rounds()]
    if form.validate_on_submit():
        try:
            proposal = proposals.create_draft(current_user, form.round_id.data)
        except Refusal as error:
            flash(str(error), "danger")
            return render_template("proposals/new.html", form=form), error.status
        return redirect(url_for(".edit", proposal_id=proposal.id))
    return render_template("proposals/new.html", form=form), 400 if form.errors else 200


@bp.route("/<int:proposal_id>/edit", methods=["GET", "POST"])
@requires(policies.SIGNED_IN)
def edit(proposal_id: int):
    """Edit a draft or returned proposal; "保存草稿" checks only types, "添加一行" adds a row."""
    proposal = _owned(proposal_id)
    if not is_editable(proposal.status):
        flash(_("该申报当前不能修改"), "info")
        return redirect(url_for(".detail", proposal_id=proposal_id))
    form = binding.build_form(proposal)
    if binding.added_row(form):
        return _edit_page(proposal, form)
    if form.validate_on_submit():
        data = binding.to_input(form)
        try:
            proposals.save_draft(current_user, proposal_id, data)
        except Refusal as error:
            return _refused(proposal, data, error)
        flash(_("草稿已保存"), "success")
        return redirect(url_for(".edit", proposal_id=proposal_id))
    return _edit_page(proposal, form, 400 if form.errors else 200)


@bp.post("/<int:proposal_id>/submit")
@requires(policies.SIGNED_IN)
def submit(proposal_id: int):
    """Submit (or resubmit) what the form holds; a repeated submit lands only once."""
    proposal = _owned(proposal_id)
    form = binding.build_form(proposal)
    if not form.validate_on_submit():
        return _edit_page(proposal, form, 400)
    data = binding.to_input(form)
    try:
        done = proposals.submit(current_user, proposal_id, data)
    except Refusal as error:
        return _refused(proposal, data, error)
    if done:
        flash(_("申报已提交，主办方将进行资格审查"), "success")
    else:
        flash(_("该申报已经提交，无需重复提交"), "info")
    return redirect(url_for(".detail", proposal_id=proposal_id))


@bp.post("/<int:proposal_id>/withdraw")
@requires(policies.SIGNED_IN)
def withdraw(proposal_id: int):
    """Withdraw the applicant's own proposal."""
    if not ActionForm().validate_on_submit():
        abort(400)
    _owned(proposal_id)
    try:
        proposals.withdraw(current_user, proposal_id)
    except Refusal as error:
        return _back(_owned(proposal_id), error)
    flash(_("申报已撤回"), "success")
    return redirect(url_for(".detail", proposal_id=proposal_id))


@bp.get("/<int:proposal_id>")
@requires(policies.SIGNED_IN)
def detail(proposal_id: int):
    """Everything in the proposal, its attachments, status timeline and latest changes."""
    try:
        proposal = proposals.get_visible(current_user, proposal_id)
    except Refusal:
        abort(404)
    return _detail_page(proposal)


@bp.post("/<int:proposal_id>/attachments")
@requires(policies.SIGNED_IN)
def upload(proposal_id: int):
    """Attach a PDF, JPEG or PNG (≤ 10 MB); refused files answer 4xx with the reason."""
    proposal = _owned(proposal_id)
    form = UploadForm()
    if not form.validate_on_submit() or not form.file.data:
        return _back(proposal, Refusal(_("请选择要上传的文件"), status=400))
    try:
        attachments.add(
            current_user,
            proposal_id,
            form.file.data.filename,
            form.file.data.read(attachments.MAX_FILE_BYTES + 1),
        )
    except Refusal as error:
        return _back(proposal, error)
    flash(_("附件已上传"), "success")
    return redirect(url_for(".edit", proposal_id=proposal_id) + "#attachments")


@bp.get("/attachments/<int:attachment_id>")
@requires(policies.SIGNED_IN)
def download(attachment_id: int):
    """Download an attachment, under the same check as its proposal."""
    try:
        item, data = attachments.fetch(current_user, attachment_id)
    except Refusal:
        abort(404)
    return send_file(
        BytesIO(data),
        mimetype=item.content_type,
        as_attachment=True,
        download_name=item.filename,
        max_age=0,
    )


@bp.post("/attachments/<int:attachment_id>/delete")
@requires(policies.SIGNED_IN)
def remove_attachment(attachment_id: int):
    """Remove an attachment while its proposal is editable."""
    if not ActionForm().validate_on_submit():
        abort(400)
    item = db.session.get(Attachment, attachment_id) or abort(404)
    proposal = _owned(item.proposal_id)
    try:
        proposal_id = attachments.remove(current_user, attachment_id)
    except Refusal as error:
        return _back(proposal, error)
    flash(_("附件已删除"), "success")
    return redirect(url_for(".edit", proposal_id=proposal_id) + "#attachments")
