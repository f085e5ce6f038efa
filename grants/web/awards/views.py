"""Award pages: the organizer decides awards within the pool, publishes the notice, rules on
objections and countersigns agreements; applicants read and sign their own agreements."""

from __future__ import annotations

from functools import partial

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from grants import jobs
from grants.domain.errors import Refusal
from grants.domain.lifecycles import AGREEMENT, AWARD, NOTICE, OBJECTION
from grants.domain.permissions import acting_roles, owns_proposal, policies
from grants.domain.permissions.awards import can_manage_awards, can_view_score_sheet
from grants.extensions import db
from grants.models import FundingRound, Proposal
from grants.models.awards import Award, Notice, Objection
from grants.services import agreements, awards, notices, ranking_store
from grants.web.access import requires
from grants.web.awards.forms import (
    DECISIONS,
    ActionForm,
    AdjustForm,
    DecideForm,
    ExcludeForm,
    SettingsForm,
    SignForm,
)
from grants.web.documents import (
    document_language,
    document_pdf,
    pdf_response,
    render_pdf,
)
from grants.web.paging import Pager
from grants.web.public_documents import make_agreement_pdf, make_pending

bp = Blueprint("awards", __name__, url_prefix="/awards")


def _round_or_404(round_id: int) -> FundingRound:
    """The round, or a 404 page."""
    return db.session.get(FundingRound, round_id) or abort(404)


PREVIEW_PAGE = 50


def _ranking(funding_round: FundingRound, page: int) -> tuple[list[dict], str, bool]:
    """Page ``page`` of the solver's preview on the current ranking (decided down to the
    page's last rank), the reason there is none yet, and whether any row is funded."""
    try:
        candidates = awards.ranking_candidates(funding_round.id, upto=page * PREVIEW_PAGE)
    except ValueError as error:
        return [], str(error), False
    if not candidates:
        return [], _("本轮尚无评审排名，评审结束并生成排名后才能计算立项名单。"), False
    rows = awards.preview(funding_round, candidates)
    return rows[(page - 1) * PREVIEW_PAGE:], "", any(row["funded"] for row in rows)


def _preview_pager(round_id: int, page: int) -> Pager:
    """Page numbers of the preview (one page per 50 ranked proposals), ``page`` kept in range."""
    total = ranking_store.stored_count(round_id) or PREVIEW_PAGE
    pages = max(1, -(-total // PREVIEW_PAGE))
    return Pager(min(max(page, 1), pages), pages)


def _actions(round_id: int, funded: bool) -> dict:
    """What the organizer may do on the round page, as the lifecycles allow it: the actions
    of each award, notice and objection, and whether the round's two buttons apply."""
    roles = acting_roles(current_user)
    round_awards = awards.awards_of_round(round_id)
    round_notices = notices.notices_of_round(round_id)
    round_objections = notices.objections_of_round(round_id)
    award_actions = {a.id: AWARD.available(a.status, roles) for a in round_awards}
    return {
        "awards": round_awards,
        "notices": round_notices,
        "objections": round_objections,
        "award_actions": award_actions,
        "notice_actions": {n.id: NOTICE.available(n.status, roles) for n in round_notices},
        "objection_actions": {o.id: OBJECTION.available(o.status, roles)
                              for o in round_objections},
        "can_propose": funded
        or any("discard" in actions for actions in award_actions.values()),
        "can_publish": any("publish_notice" in actions for actions in award_actions.values()),
    }


def _round_page(round_id: int, status: int = 200, **forms):
    """The organizer's page for one round (also re-shown with a 4xx after a refusal)."""
    funding_round = _round_or_404(round_id)
    settings = awards.settings_of(round_id)
    pager = _preview_pager(round_id, request.args.get("page", 1, type=int))
    preview, ranking_message, funded = _ranking(funding_round, pager.page)
    forms.setdefault(
        "settings_form",
        SettingsForm(data={"min_score": settings.min_score, "partial": settings.partial}),
    )
    page = render_template(
        "awards/round.html",
        r=funding_round,
        summary=awards.pool_summary(funding_round),
        settings=settings,
        preview=preview,
        preview_pager=pager,
        ranking_message=ranking_message,
        exclusions=awards.exclusions_of_round(round_id),
        agreements=agreements.agreements_of_round(round_id),
        decisions=DECISIONS,
        can_manage=can_manage_awards(current_user)[0],
        **_actions(round_id, funded),
        action_form=ActionForm(),
        adjust_form=forms.pop("adjust_form", AdjustForm(formdata=None)),
        exclude_form=forms.pop("exclude_form", ExcludeForm(formdata=None)),
        decide_form=forms.pop("decide_form", DecideForm(formdata=None)),
        **forms,
    )
    return page, status


def _refused(round_id: int, error: Refusal, **forms):
    """Show a refused request's reason on the round page with its 4xx status."""
    flash(str(error), "danger")
    return _round_page(round_id, error.status, **forms)


def _form_errors(round_id: int, **forms):
    """Re-show the round page with the form's errors (422, nothing changed)."""
    flash(_("请检查填写的内容"), "danger")
    return _round_page(round_id, 422, **forms)


def _back(round_id: int, message: str):
    """Flash a success message and return to the round page."""
    flash(message, "success")
    return redirect(url_for("awards.round_page", round_id=round_id))


@bp.get("/")
@requires(policies.STAFF_READ)
def index():
    """Every round with its pool, what live awards take from it, and what is left."""
    return render_template("awards/index.html", overview=awards.rounds_overview())


@bp.get("/rounds/<int:round_id>")
@requires(policies.STAFF_READ)
def round_page(round_id: int):
    """Ranking, solver decisions, awards, notices, objections and agreements of a round."""
    return _round_page(round_id)


@bp.post("/rounds/<int:round_id>/settings")
@requires(policies.ORGANIZE)
def save_settings(round_id: int):
    """Save the score line and the partial-award rule."""
    _round_or_404(round_id)
    form = SettingsForm()
    if not form.validate_on_submit():
        return _form_errors(round_id, settings_form=form)
    try:
        awards.save_settings(round_id, form.min_score.data, form.partial.data, current_user)
    except Refusal as error:
        return _refused(round_id, error, settings_form=form)
    return _back(round_id, _("立项设置已保存"))


@bp.post("/rounds/<int:round_id>/propose")
@requires(policies.ORGANIZE)
def propose(round_id: int):
    """Run the solver on the ranking and store the proposed awards."""
    _round_or_404(round_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        candidates = awards.ranking_candidates(round_id)
    except ValueError as error:
        return _refused(round_id, Refusal(str(error), status=409))
    if not candidates:
        return _refused(round_id, Refusal(_("本轮尚无评审排名，不能计算立项名单"), status=409))
    try:
        made = awards.propose_awards(round_id, candidates, current_user)
    except Refusal as error:
        return _refused(round_id, error)
    return _back(round_id, _("已生成拟立项名单：%(n)s 个项目", n=len(made)))


@bp.post("/<int:award_id>/adjust")
@requires(policies.ORGANIZE)
def adjust(award_id: int):
    """Change a proposed award's amount within the band and the pool, with a reason."""
    award = db.session.get(Award, award_id) or abort(404)
    form = AdjustForm()
    if not form.validate_on_submit():
        return _form_errors(award.round_id, adjust_form=form)
    try:
        awards.adjust_award(award_id, form.amount.fen, form.reason.data, current_user)
    except Refusal as error:
        return _refused(award.round_id, error, adjust_form=form)
    return _back(award.round_id, _("立项金额已调整"))


@bp.post("/rounds/<int:round_id>/proposals/<int:proposal_id>/exclude")
@requires(policies.ORGANIZE)
def exclude(round_id: int, proposal_id: int):
    """Take a proposal out of the award list, with a reason."""
    _round_or_404(round_id)
    form = ExcludeForm()
    if not form.validate_on_submit():
        return _form_errors(round_id, exclude_form=form)
    try:
        awards.exclude_proposal(round_id, proposal_id, form.reason.data, current_user)
    except Refusal as error:
        return _refused(round_id, error, exclude_form=form)
    return _back(round_id, _("已排除该项目"))


@bp.post("/rounds/<int:round_id>/publish")
@requires(policies.ORGANIZE)
def publish(round_id: int):
    """Publish the proposed awards in a public notice."""
    _round_or_404(round_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        notice = notices.publish_notice(round_id, current_user)
    except Refusal as error:
        return _refused(round_id, error)
    make_pending()
    return _back(round_id, _("公示已发布，公示期至 %(d)s", d=notice.ends_on.isoformat()))


@bp.post("/notices/<int:notice_id>/confirm")
@requires(policies.ORGANIZE)
def confirm(notice_id: int):
    """Confirm a notice's awards once its period has ended and every objection is ruled on."""
    notice = db.session.get(Notice, notice_id) or abort(404)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        count = notices.confirm_notice(notice_id, current_user)
    except Refusal as error:
        return _refused(notice.round_id, error)
    make_pending()
    return _back(notice.round_id, _("已确认 %(n)s 个立项，协议书已生成", n=count))


@bp.post("/objections/<int:objection_id>/decide")
@requires(policies.ORGANIZE)
def decide(objection_id: int):
    """Rule on an objection: dismiss it, or uphold it and revoke or change the award."""
    objection = db.session.get(Objection, objection_id) or abort(404)
    round_id = objection.award.round_id
    form = DecideForm()
    if not form.validate_on_submit():
        return _form_errors(round_id, decide_form=form)
    try:
        _rule(objection_id, form)
    except Refusal as error:
        return _refused(round_id, error, decide_form=form)
    make_pending()
    return _back(round_id, _("异议已处理，已通知异议人"))


def _rule(objection_id: int, form: DecideForm) -> None:
    """Carry out the ruling chosen in the form."""
    if form.decision.data == "dismiss":
        notices.dismiss_objection(objection_id, current_user, form.reason.data)
        return
    amount = form.amount.fen if form.decision.data == "amount" else None
    notices.uphold_objection(objection_id, current_user, form.reason.data, amount)


def _agreement_pdf(agreement) -> bytes:
    """One agreement as a PDF, from the data the agreements service hands over."""
    return document_pdf("agreement", partial(agreements.agreement_context, agreement))


@bp.post("/rounds/<int:round_id>/agreements.zip")
@requires(policies.ORGANIZE)
def agreements_zip(round_id: int):
    """Start the job that puts every agreement of the round into one ZIP (file names =
    agreement numbers) and show its progress; a round without agreements says so."""
    _round_or_404(round_id)
    if not agreements.agreements_of_round(round_id):
        flash(_("本轮还没有协议书"), "warning")
        return _round_page(round_id, 404)
    job_id = jobs.start("agreements_zip", current_user.id, round_id=round_id)
    return redirect(url_for("jobs.show", job_id=job_id))


# ------------------------------------------------------------------------------ agreements


def _agreement_or_404(agreement_id: int):
    """The agreement if the current user may read it; anyone else gets a 404."""
    try:
        return agreements.get_agreement(agreement_id, current_user)
    except Refusal:
        abort(404)


@bp.get("/mine")
@requires(policies.SIGNED_IN)
def mine():
    """The agreements of the current user's (or their organisation's) awarded proposals."""
    return render_template("awards/mine.html", items=agreements.agreements_of_user(current_user))


def _agreement_page(agreement, status: int = 200, sign_form: SignForm | None = None):
    """The agreement as a web page, with the signing step the agreement lifecycle offers the
    current user (the owner signs, the organizer countersigns)."""
    context = agreements.agreement_context(agreement)
    owner = owns_proposal(current_user, context["proposal"])
    actions = AGREEMENT.available(agreement.status, acting_roles(current_user, owner=owner))
    page = render_template(
        "awards/agreement.html",
        sign_form=sign_form or SignForm(formdata=None),
        action_form=ActionForm(),
        can_sign="sign" in actions,
        can_countersign="countersign" in actions,
        **context,
    )
    return page, status


@bp.get("/agreements/<int:agreement_id>")
@requires(policies.SIGNED_IN)
def agreement(agreement_id: int):
    """Read an agreement (applicant side or staff)."""
    return _agreement_page(_agreement_or_404(agreement_id))


@bp.get("/agreements/<int:agreement_id>.pdf")
@requires(policies.SIGNED_IN)
def agreement_pdf(agreement_id: int):
    """The agreement as a PDF, showing both signatures once made."""
    item = _agreement_or_404(agreement_id)
    return pdf_response(_agreement_pdf(item), f"{item.number}.pdf")


@bp.post("/agreements/<int:agreement_id>/sign")
@requires(policies.SIGNED_IN)
def sign(agreement_id: int):
    """The applicant signs online."""
    item = _agreement_or_404(agreement_id)
    form = SignForm()
    if not form.validate_on_submit():
        flash(_("请先勾选同意协议条款"), "danger")
        return _agreement_page(item, 422, form)
    try:
        agreements.sign_as_applicant(agreement_id, current_user)
    except Refusal as error:
        flash(str(error), "danger")
        return _agreement_page(item, error.status, form)
    make_agreement_pdf(agreement_id)
    flash(_("您已签署协议书，等待主办方签署"), "success")
    return redirect(url_for("awards.agreement", agreement_id=agreement_id))


@bp.post("/agreements/<int:agreement_id>/countersign")
@requires(policies.ORGANIZE)
def countersign(agreement_id: int):
    """The organizer countersigns after the applicant."""
    item = _agreement_or_404(agreement_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        agreements.countersign(agreement_id, current_user)
    except Refusal as error:
        flash(str(error), "danger")
        return _agreement_page(item, error.status)
    make_agreement_pdf(agreement_id)
    flash(_("协议书已签署生效"), "success")
    return redirect(url_for("awards.agreement", agreement_id=agreement_id))


@bp.get("/proposals/<int:proposal_id>/score-sheet.pdf")
@requires(policies.SIGNED_IN)
def score_sheet(proposal_id: int):
    """A proposal's score sheet (judges numbered, never named) for staff and its applicant."""
    proposal = db.session.get(Proposal, proposal_id) or abort(404)
    if not can_view_score_sheet(current_user, proposal)[0]:
        abort(404)
    with document_language():
        pdf = render_pdf("score_sheet", **awards.score_sheet_context(proposal_id))
    return pdf_response(pdf, f"score-sheet-{proposal_id}.pdf")
