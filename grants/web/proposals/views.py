"""Proposal pages: my proposals, start, edit (save draft, autosave, add a row, upload), confirm
and submit, recall, withdraw, detail, and attachments (upload, download, remove).

Owners (the applicant and their organisation colleagues) get every page; anyone else's
proposal answers 404. Nothing typed is lost: every save keeps each readable input and lists
the others, inline and in a linked summary. Templates draw what the views pass: the actions
the proposal lifecycle allows the current user now, and plain booleans.
"""

from __future__ import annotations

from io import BytesIO

from flask import (
    Blueprint,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_login import current_user

from grants.domain.clock import now_utc
from grants.domain.errors import Refusal
from grants.domain.permissions import policies
from grants.domain.permissions import proposals as perms
from grants.domain.proposals import is_editable, is_submitted
from grants.extensions import db
from grants.models import Attachment, Proposal
from grants.services import attachments, proposals
from grants.web.access import requires
from grants.web.idempotency import idempotent
from grants.web.proposals import binding, pages
from grants.web.proposals.forms import ActionForm, NewProposalForm, UploadForm

bp = Blueprint("proposals", __name__, url_prefix="/proposals")


def _owned(proposal_id: int) -> Proposal:
    """A proposal the current user owns, else 404 (someone else's is not revealed)."""
    try:
        return proposals.get_owned(current_user, proposal_id)
    except Refusal:
        abort(404)


def _unsaved(problems) -> str:
    """The headline when a draft was saved except for the inputs that could not be read."""
    return _("草稿已保存，但有 %(n)s 处填写有误没有保存，请按提示修改", n=len(problems))


def _attach_chosen(proposal_id: int, required: bool = False) -> None:
    """Attach the file chosen in the proposal form, if any, flashing how it went."""
    chosen = request.files.get("file")
    if chosen is None or not chosen.filename:
        if required:
            flash(_("请选择要上传的文件"), "warning")
        return
    try:
        attachments.add(current_user, proposal_id, chosen.filename,
                        chosen.read(attachments.MAX_FILE_BYTES + 1))
    except Refusal as error:
        flash(str(error), "danger")
        return
    flash(_("附件已上传"), "success")


def _save(proposal: Proposal, form, anchor: str = "", upload: bool = False):
    """Keep every readable input as the draft, attach a chosen file, and show what was not
    saved (inline and in the summary) or go back to the form."""
    data = binding.to_input(form)
    try:
        problems = proposals.keep_draft(current_user, proposal.id, data)
    except Refusal as error:
        return pages.refused(proposal, data, error)
    _attach_chosen(proposal.id, required=upload)
    if problems:
        return pages.refused(proposal, data, Refusal(_unsaved(problems), problems), saved=True)
    flash(_("草稿已保存"), "success")
    return redirect(url_for(".edit", proposal_id=proposal.id) + anchor)


def _failed(proposal: Proposal, data, error: Refusal):
    """A refused submission: keep the readable inputs as the draft, then show every problem."""
    saved = False
    if error.problems and binding.carries_form():
        try:
            proposals.keep_draft(current_user, proposal.id, data)
            saved = True
        except Refusal:
            saved = False
    return pages.refused(proposal, data, error, saved=saved)


def _confirm_step(proposal: Proposal, data):
    """Before submitting: keep the typed form as the draft, then either list what stops the
    submission or ask the applicant to confirm (a page of its own, so it works without JS)."""
    if is_submitted(proposal.status):
        flash(_("该申报已经提交，无需重复提交"), "info")
        return redirect(url_for(".detail", proposal_id=proposal.id))
    try:
        if binding.carries_form():
            proposals.keep_draft(current_user, proposal.id, data)
        problems = proposals.submission_problems(current_user, proposal.id, data)
    except Refusal as error:
        return pages.refused(proposal, data, error)
    if problems:
        error = Refusal(proposals.incomplete_message(problems), problems)
        return pages.refused(proposal, data, error, saved=True)
    db.session.refresh(proposal)
    return pages.confirm_page(proposal)


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
@idempotent
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
    """Edit a draft or returned proposal; "保存草稿" keeps every readable input (and a chosen
    file), "添加一行" adds a row."""
    proposal = _owned(proposal_id)
    if not is_editable(proposal.status):
        flash(_("该申报当前不能修改"), "info")
        return redirect(url_for(".detail", proposal_id=proposal_id))
    form = binding.build_form(proposal)
    if binding.added_row(form):
        return pages.edit_page(proposal, form, unsaved=True)
    if form.validate_on_submit():
        return _save(proposal, form)
    return pages.edit_page(proposal, form, 400 if form.errors else 200, binding.row_limits(form))


@bp.post("/<int:proposal_id>/autosave")
@requires(policies.SIGNED_IN)
def autosave(proposal_id: int):
    """What the page's script posts a few seconds after typing stops: the whole form kept as
    the draft, answered in JSON (saved or not, when, and the inputs left unsaved)."""
    proposal = _owned(proposal_id)
    form = binding.build_form(proposal)
    if not form.validate_on_submit() and (limits := binding.row_limits(form)):
        return jsonify(saved=False, message=" ".join(sum(limits.values(), []))), 400
    if not form.validate_on_submit() or not binding.carries_form():
        return jsonify(saved=False, message=_("页面已过期，请刷新后再试")), 400
    try:
        problems = proposals.keep_draft(current_user, proposal_id, binding.to_input(form))
    except Refusal as error:
        if error.status == 404:
            abort(404)
        return jsonify(saved=False, message=str(error)), error.status
    items = binding.summary(form, problems)
    return jsonify(saved=True, at=format_datetime(now_utc(), "HH:mm"),
                   problems=[{"message": i.message, "href": i.href} for i in items])


@bp.post("/<int:proposal_id>/submit")
@requires(policies.SIGNED_IN)
def submit(proposal_id: int):
    """提交申报: first a confirmation step, then (``confirmed``) the submission of the typed
    form, or of the stored draft when the confirmation page posts; a repeat lands once."""
    proposal = _owned(proposal_id)
    form = binding.build_form(proposal)
    if not form.validate_on_submit():
        return pages.edit_page(proposal, form, 400, binding.row_limits(form))
    data = binding.to_input(form) if binding.carries_form() else binding.stored_input(proposal)
    if request.form.get("confirmed") != "1":
        return _confirm_step(proposal, data)
    try:
        done = proposals.submit(current_user, proposal_id, data)
    except Refusal as error:
        return _failed(proposal, data, error)
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
        return pages.back(_owned(proposal_id), error)
    flash(_("申报已撤回"), "success")
    return redirect(url_for(".detail", proposal_id=proposal_id))


@bp.post("/<int:proposal_id>/recall")
@requires(policies.SIGNED_IN)
def recall(proposal_id: int):
    """Take a submitted proposal back to draft before screening and the deadline."""
    if not ActionForm().validate_on_submit():
        abort(400)
    _owned(proposal_id)
    try:
        proposals.recall(current_user, proposal_id)
    except Refusal as error:
        return pages.back(_owned(proposal_id), error)
    flash(_("申报已取回为草稿：修改后请在截止前重新提交"), "success")
    return redirect(url_for(".edit", proposal_id=proposal_id))


@bp.get("/<int:proposal_id>")
@requires(policies.SIGNED_IN)
def detail(proposal_id: int):
    """Everything in the proposal, its attachments, status timeline and latest changes."""
    try:
        proposal = proposals.get_visible(current_user, proposal_id)
    except Refusal:
        abort(404)
    return pages.detail_page(proposal)


@bp.post("/<int:proposal_id>/attachments")
@requires(policies.SIGNED_IN)
def upload(proposal_id: int):
    """Attach a PDF, JPEG or PNG (≤ 10 MB); refused files answer 4xx with the reason.

    The form's 上传附件 button posts the whole proposal form here: the draft is kept first, so
    nothing typed is lost to the upload.
    """
    proposal = _owned(proposal_id)
    if binding.carries_form() and is_editable(proposal.status):
        form = binding.build_form(proposal)
        if not form.validate_on_submit():
            return pages.edit_page(proposal, form, 400)
        return _save(proposal, form, anchor="#attachments", upload=True)
    form = UploadForm()
    if not form.validate_on_submit() or not form.file.data:
        return pages.back(proposal, Refusal(_("请选择要上传的文件"), status=400))
    try:
        attachments.add(
            current_user,
            proposal_id,
            form.file.data.filename,
            form.file.data.read(attachments.MAX_FILE_BYTES + 1),
        )
    except Refusal as error:
        return pages.back(proposal, error)
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
        return pages.back(proposal, error)
    flash(_("附件已删除"), "success")
    return redirect(url_for(".edit", proposal_id=proposal_id) + "#attachments")
