"""Judging pages: judges score, organizers run the panel and ranking, residents vote.

Every refusal from the service arrives as a :class:`~grants.domain.errors.Refusal` with a
message and an HTTP status, handled by :mod:`grants.web.judging.refusals`: pages that only read
answer with that status, forms are shown again with the reasons and that status, and nothing is
changed.
"""

from __future__ import annotations

from io import BytesIO

from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from grants.domain.inputs import parse_row_id
from grants.domain.judging_rules import METHOD_LABELS, MODE_LABELS
from grants.domain.permissions import judging as perms
from grants.domain.permissions import policies
from grants.services import judging, ranking
from grants.web.access import requires
from grants.web.exports.views import ranking_download
from grants.web.idempotency import idempotent
from grants.web.judging import pages
from grants.web.judging.forms import (
    ConfirmForm,
    JudgePickForm,
    ReasonForm,
    SheetForm,
)
from grants.web.judging.refusals import attempt, or_abort

bp = Blueprint("judging", __name__, url_prefix="/judging")


@bp.app_context_processor
def _labels():
    """Labels the judging templates share."""
    return {"method_labels": METHOD_LABELS, "mode_labels": MODE_LABELS}


def _posted(form) -> None:
    """Validate a posted form's CSRF token (400 without it); the service checks the rest."""
    form.validate_on_submit()
    if "csrf_token" in form.errors:
        abort(400)


# --------------------------------------------------------------------------- judges


@bp.get("/")
@requires(policies.JUDGE)
def dashboard():
    """A judge's rounds and assigned proposals with assigned / done / left and a progress bar."""
    return pages.dashboard()


@bp.route("/proposals/<int:proposal_id>/sheet", methods=["GET", "POST"])
@requires(policies.JUDGE)
def score(proposal_id: int):
    """The scoring page: the proposal beside the rubric; save a draft or submit (locks)."""
    page = or_abort(judging.open_sheet, current_user, proposal_id)
    form = SheetForm(data={"comment": page.sheet.comment if page.sheet else ""})
    if not form.validate_on_submit():
        return pages.score(page, form, 400 if form.errors else 200)
    entries = {c.id: request.form.get(f"points-{c.id}", "") for c in page.criteria}
    submit = bool(form.submit.data)
    comment = form.comment.data or ""
    if refusal := attempt(judging.save_sheet, current_user, proposal_id, entries, comment, submit):
        return pages.score(page, form, refusal.status, typed=entries)
    flash(_("评分已提交，评分表已锁定") if submit else _("草稿已保存"), "success")
    return redirect(url_for(".dashboard" if submit else ".score", proposal_id=proposal_id))


@bp.post("/proposals/<int:proposal_id>/conflict")
@requires(policies.JUDGE)
def declare_conflict(proposal_id: int):
    """A judge declares a conflict with one proposal before scoring it."""
    form = ReasonForm()
    _posted(form)
    reason = form.reason.data or ""
    if refusal := attempt(
        judging.declare_conflict, current_user, proposal_id=proposal_id, reason=reason
    ):
        return pages.dashboard(refusal.status)
    flash(_("已申报回避，主办方会安排其他评委"), "success")
    return redirect(url_for(".dashboard"))


@bp.route("/conflicts", methods=["GET", "POST"])
@requires(policies.JUDGE)
def conflicts():
    """A judge's conflicts, and declaring one with a whole organisation."""
    form = pages.org_conflict_form()
    if not form.validate_on_submit():
        return pages.conflicts(form, 400 if form.errors else 200)
    if refusal := attempt(
        judging.declare_conflict,
        current_user,
        organisation_id=form.organisation_id.data,
        reason=form.reason.data,
    ):
        return pages.conflicts(form, refusal.status)
    flash(_("已申报回避"), "success")
    return redirect(url_for(".conflicts"))


@bp.get("/attachments/<int:attachment_id>")
@requires(policies.SIGNED_IN)
def attachment(attachment_id: int):
    """An attachment for an assigned judge (neutral name in blind review) or an organizer."""
    found, data, name = or_abort(judging.attachment_for, current_user, attachment_id)
    return send_file(
        BytesIO(data), mimetype=found.content_type, as_attachment=True, download_name=name
    )


# --------------------------------------------------------------------------- organizers


@bp.get("/rounds")
@requires(policies.STAFF_READ)
def rounds():
    """Rounds whose judging organizers run and auditors read."""
    return pages.rounds()


@bp.get("/rounds/<int:round_id>")
@requires(policies.STAFF_READ)
def manage(round_id: int):
    """A round's judging: panel, settings, rubric, assignments, conflicts, sheets, closing."""
    return pages.manage(or_abort(judging.get_round, round_id))


def _manage_action(round_id: int, action, *args, done: str):
    """Run an organizer action on a round; show the round page with the refusal if it fails."""
    funding_round = or_abort(judging.get_round, round_id)
    _posted(ConfirmForm())
    if refusal := attempt(action, *args):
        return pages.manage(funding_round, refusal.status)
    flash(done, "success")
    return redirect(url_for(".manage", round_id=round_id))


@bp.post("/rounds/<int:round_id>/panel")
@requires(policies.ORGANIZE)
def add_judge(round_id: int):
    """Seat a judge on the panel."""
    judge_id = request.form.get("judge_id", type=parse_row_id) or 0
    return _manage_action(
        round_id, judging.add_judge, round_id, judge_id, current_user, done=_("已添加评委")
    )


@bp.post("/rounds/<int:round_id>/panel/<int:judge_id>/remove")
@requires(policies.ORGANIZE)
def remove_judge(round_id: int, judge_id: int):
    """Take a judge off the panel (only before they submitted anything)."""
    return _manage_action(
        round_id, judging.remove_judge, round_id, judge_id, current_user, done=_("已移出评委")
    )


@bp.post("/rounds/<int:round_id>/assign")
@requires(policies.ORGANIZE)
def assign(round_id: int):
    """Generate the assignment from the round's settings (deterministic for its seed)."""
    return _manage_action(
        round_id, judging.generate_assignments, round_id, current_user, done=_("评审任务已分配")
    )


@bp.post("/rounds/<int:round_id>/close")
@requires(policies.ORGANIZE)
def close(round_id: int):
    """Close judging: scored proposals move on to the award stage."""
    return _manage_action(
        round_id, judging.close_judging, round_id, current_user, done=_("评审已结束")
    )


@bp.post("/rounds/<int:round_id>/publish")
@requires(policies.ORGANIZE)
def publish(round_id: int):
    """Publish results to applicants (their totals and comments, never judges' names)."""
    return _manage_action(
        round_id, judging.publish_results, round_id, current_user, done=_("评审结果已公布")
    )


@bp.route(
    "/rounds/<int:round_id>/proposals/<int:proposal_id>/judges/<int:judge_id>/replace",
    methods=["GET", "POST"],
)
@requires(policies.ORGANIZE)
def replace(round_id: int, proposal_id: int, judge_id: int):
    """Swap a (conflicted) judge on a proposal for one of the offered replacements."""
    options = or_abort(judging.replacement_options, round_id, proposal_id, judge_id)
    form = JudgePickForm()
    form.judge_id.choices = [(j.id, j.display_name) for j in options]
    if not form.validate_on_submit():
        return pages.replace(round_id, proposal_id, judge_id, form, 400 if form.errors else 200)
    if refusal := attempt(
        judging.replace_judge, round_id, proposal_id, judge_id, form.judge_id.data, current_user
    ):
        return pages.replace(round_id, proposal_id, judge_id, form, refusal.status)
    flash(_("已更换评委"), "success")
    return redirect(url_for(".manage", round_id=round_id))


@bp.route("/rounds/<int:round_id>/rubric", methods=["GET", "POST"])
@requires(policies.ORGANIZE)
def rubric(round_id: int):
    """Edit the round's rubric (maxima add up to 100) until judging opens."""
    or_abort(judging.get_round, round_id)
    form = pages.rubric_form(round_id)
    if not form.validate_on_submit():
        if form.criteria.too_many_rows:
            flash(form.criteria.limit_message(), "danger")
        return pages.rubric(round_id, form, 400 if form.errors else 200)
    criteria = pages.rubric_criteria(form, round_id)
    if refusal := attempt(judging.update_rubric, round_id, criteria, current_user):
        return pages.rubric(round_id, form, refusal.status)
    flash(_("评分表已保存"), "success")
    return redirect(url_for(".manage", round_id=round_id))


@bp.route("/rounds/<int:round_id>/settings", methods=["GET", "POST"])
@requires(policies.ORGANIZE)
def settings(round_id: int):
    """Edit the round's judging settings: mode, k, seed, blind, method, resident vote."""
    or_abort(judging.get_round, round_id)
    form = pages.settings_form(round_id)
    if not form.validate_on_submit():
        return pages.settings(round_id, form, 400 if form.errors else 200)
    if refusal := attempt(judging.update_settings, round_id, form.values(), current_user):
        return pages.settings(round_id, form, refusal.status)
    flash(_("评审设置已保存"), "success")
    return redirect(url_for(".manage", round_id=round_id))


@bp.get("/sheets/<int:sheet_id>")
@requires(policies.JUDGE_OR_STAFF_READER)
def sheet(sheet_id: int):
    """One score sheet: for its own judge, organizers and auditors (others get 404)."""
    found = or_abort(judging.get_sheet, sheet_id)
    if not perms.can_view_sheet(current_user, found.judge_id)[0]:
        abort(404)
    return pages.sheet(found, ReasonForm())


@bp.post("/sheets/<int:sheet_id>/reopen")
@requires(policies.ORGANIZE)
def reopen(sheet_id: int):
    """Send a submitted sheet back to its judge, with a reason (audited)."""
    found = or_abort(judging.get_sheet, sheet_id)
    form = ReasonForm()
    _posted(form)
    if refusal := attempt(judging.reopen_sheet, sheet_id, form.reason.data or "", current_user):
        return pages.sheet(found, form, refusal.status)
    flash(_("评分表已退回评委"), "success")
    return redirect(url_for(".sheet", sheet_id=sheet_id))


@bp.get("/rounds/<int:round_id>/ranking")
@requires(policies.STAFF_READ)
def ranking_page(round_id: int):
    """The ranking with criterion breakdown, outlier flags and each judge's score chart."""
    return pages.ranking_page(or_abort(judging.get_round, round_id))


@bp.get("/rounds/<int:round_id>/ranking.<fmt>")
@requires(policies.STAFF_READ)
def export(round_id: int, fmt: str):
    """Download the detailed ranking as CSV or XLSX, with Chinese headers and the applicant
    and community of each project (the command line keeps its machine header)."""
    or_abort(judging.get_round, round_id)
    return ranking_download(round_id, fmt)


# --------------------------------------------------------------------------- residents, applicants


@bp.get("/rounds/<int:round_id>/vote")
@requires(policies.PUBLIC)
def vote_page(round_id: int):
    """The resident vote: a round's screened proposals (title, community, category)."""
    return pages.vote(or_abort(judging.get_round, round_id))


@bp.post("/rounds/<int:round_id>/vote/<int:proposal_id>")
@requires(policies.RESIDENT)
@idempotent
def vote(round_id: int, proposal_id: int):
    """A resident supports one proposal (once each, up to the round's limit, in the window)."""
    funding_round = or_abort(judging.get_round, round_id)
    _posted(ConfirmForm())
    if refusal := attempt(judging.cast_vote, current_user, round_id, proposal_id):
        return pages.vote(funding_round, refusal.status)
    flash(_("感谢您的支持"), "success")
    return redirect(url_for(".vote_page", round_id=round_id))


@bp.get("/results/<int:proposal_id>")
@requires(policies.SIGNED_IN)
def my_result(proposal_id: int):
    """The applicant's published result: total, criterion means, comments (评委1…n)."""
    proposal = or_abort(judging.get_proposal, proposal_id)
    published = judging.settings_for(proposal.round_id).results_published
    if not perms.can_view_result(current_user, proposal, published)[0]:
        abort(404)
    return render_template("judging/my_result.html", result=ranking.applicant_result(proposal))
