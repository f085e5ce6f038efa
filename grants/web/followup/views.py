"""Follow-up routes. Staff readers (organizers, admin, auditors) see rounds and samples with
numbers masked; organizers run them; the grantee uploads its list; a caller sees and records
only the numbers assigned to them; the league table and its 通报 are public once a quarter's
calls are closed. A refused form comes back with the refusal's status and nothing changed.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from grants.domain.errors import Refusal
from grants.domain.permissions import policies
from grants.services import followup
from grants.web.access import requires
from grants.web.documents import document_pdf, pdf_response
from grants.web.followup import pages
from grants.web.followup.forms import AttemptForm, RulesForm, UploadForm
from grants.web.idempotency import idempotent
from grants.web.judging.refusals import or_abort

bp = Blueprint("followup", __name__, url_prefix="/followup")
SAMPLE_ACTIONS = ("start_calling", "close")


@bp.app_context_processor
def followup_helpers() -> dict:
    """The link from an agreement page to the award's beneficiary list."""
    return {"beneficiary_list_url": pages.list_url}


def _back(endpoint: str, message: str, **values):
    """Flash a success and go back to a page."""
    flash(message, "success")
    return redirect(url_for(endpoint, **values))


# --- staff: rounds and samples --------------------------------------------------------------


@bp.get("/")
@requires(policies.STAFF_READ)
def index():
    """Rounds with projects in implementation, their lists and samples."""
    return pages.index_page()


@bp.get("/rounds/<int:round_id>")
@requires(policies.STAFF_READ)
def round_page(round_id: int):
    """A round's rules, its projects' lists and its quarterly samples."""
    return pages.round_page(round_id)


@bp.post("/rounds/<int:round_id>/rules")
@requires(policies.ORGANIZE)
def save_rules(round_id: int):
    """Save the round's quota, league weights and erasure period."""
    form = RulesForm()
    try:
        followup.save_rules(current_user, round_id, form.typed())
    except Refusal as error:
        pages.refused(form, error)
        return pages.round_page(round_id, error.status, rules_form=form)
    return _back("followup.round_page", _("回访设置已保存"), round_id=round_id)


@bp.post("/rounds/<int:round_id>/samples")
@requires(policies.ORGANIZE)
def draw(round_id: int):
    """Draw the round's sample for the chosen quarter."""
    try:
        sample = followup.draw_sample(current_user, round_id, request.form.get("quarter", ""))
    except Refusal as error:
        pages.flash_refusal(error)
        return pages.round_page(round_id, error.status)
    return _back("followup.sample_page", _("已抽取回访样本，种子已写入审计日志"),
                 sample_id=sample.id)


@bp.get("/samples/<int:sample_id>")
@requires(policies.STAFF_READ)
def sample_page(sample_id: int):
    """A sample's projects, numbers (masked), outcomes and rates."""
    return pages.sample_page(sample_id)


@bp.post("/samples/<int:sample_id>/callers")
@requires(policies.ORGANIZE)
def assign(sample_id: int):
    """Give one project's open numbers to a caller."""
    try:
        moved = followup.assign_caller(current_user, sample_id, request.form.get("award_id"),
                                       request.form.get("caller_id"))
    except Refusal as error:
        pages.flash_refusal(error)
        return pages.sample_page(sample_id, error.status)
    return _back("followup.sample_page", _("已分配 %(n)s 个号码", n=moved), sample_id=sample_id)


@bp.post("/samples/<int:sample_id>/<action>")
@requires(policies.ORGANIZE)
def sample_action(sample_id: int, action: str):
    """Open the sample to its callers, or close it."""
    command = {"start_calling": followup.start_calling, "close": followup.close_sample}
    if action not in command:
        return pages.not_found()
    try:
        command[action](current_user, sample_id)
    except Refusal as error:
        pages.flash_refusal(error)
        return pages.sample_page(sample_id, error.status)
    return _back("followup.sample_page", pages.action_message(action), sample_id=sample_id)


@bp.get("/samples/<int:sample_id>/numbers.csv")
@requires(policies.STAFF_READ)
def sample_export(sample_id: int):
    """The sample's numbers and outcomes as CSV, every number masked."""
    return pages.sample_csv(sample_id)


# --- the grantee's list -----------------------------------------------------------------------


@bp.get("/mine")
@requires(policies.APPLY)
def mine():
    """The grantee's projects and their beneficiary lists."""
    return pages.mine_page()


@bp.get("/awards/<int:award_id>/list")
@requires(policies.SIGNED_IN)
def list_page(award_id: int):
    """A project's current list (numbers masked) and, for its grantee, the upload form."""
    return pages.list_page(award_id)


@bp.post("/awards/<int:award_id>/list")
@requires(policies.SIGNED_IN)
def upload(award_id: int):
    """Upload the project's list: all rows good, or nothing stored and every bad row named."""
    form = UploadForm()
    upload_file = form.file.data
    data = upload_file.read() if upload_file else b""
    name = getattr(upload_file, "filename", "") or ""
    try:
        stored = followup.upload_list(current_user, award_id, name, data)
    except Refusal as error:
        if error.status == 404:
            raise
        pages.flash_refusal(error)
        return pages.list_page(award_id, error.status)
    return _back("followup.list_page", _("名单已上传：%(n)s 位受益人", n=stored.row_count),
                 award_id=award_id)


# --- the caller -------------------------------------------------------------------------------


@bp.get("/calls")
@requires(policies.FOLLOW_UP_CALL)
def calls():
    """The numbers assigned to the caller, in full, with the attempt forms."""
    return pages.calls_page()


@bp.post("/calls/<int:call_id>")
@requires(policies.FOLLOW_UP_CALL)
@idempotent
def record(call_id: int):
    """Record one attempt at one of the caller's numbers."""
    form = AttemptForm()
    try:
        followup.record_attempt(current_user, call_id, form.outcome.data, form.on_time.data,
                                form.notes.data)
    except Refusal as error:
        pages.flash_refusal(error)
        return pages.calls_page(error.status)
    flash(_("已登记"), "success")
    return redirect(url_for("followup.calls") + f"#call-{call_id}")


@bp.get("/calls.csv")
@requires(policies.FOLLOW_UP_CALL)
def calls_export():
    """The caller's own list with full numbers (the only export that has them)."""
    return pages.calls_csv()


# --- the league table ----------------------------------------------------------------------------


@bp.get("/league")
@requires(policies.PUBLIC)
def league_index():
    """The quarters with a provider league table."""
    return pages.league_index_page()


@bp.get("/league/<int:sample_id>")
@requires(policies.PUBLIC)
def league(sample_id: int):
    """One round's quarterly provider league table."""
    return pages.league_page(sample_id)


@bp.get("/league/<int:sample_id>.pdf")
@requires(policies.PUBLIC)
def league_pdf(sample_id: int):
    """The quarter's 通报 as PDF, once its calls are closed."""
    or_abort(followup.closed_league, sample_id)
    document = document_pdf("followup_league",
                            lambda: pages.league_document(followup.closed_league(sample_id)))
    return pdf_response(document, f"league-{sample_id}.pdf")
