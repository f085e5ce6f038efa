"""Public notice pages: every notice, its awards and PDF, objections and their receipts."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from grants.domain.budget import COST_CATEGORIES
from grants.domain.documents import NOTICE_DOCUMENT
from grants.domain.errors import Refusal
from grants.domain.evaluations import KIND_LABELS
from grants.domain.notice import AWARDS_NOTICE
from grants.domain.permissions import policies
from grants.extensions import db
from grants.models.awards import Award, Notice
from grants.services import notice_lookup, notices
from grants.web.access import requires
from grants.web.documents import pdf_response
from grants.web.idempotency import idempotent
from grants.web.notices.forms import ObjectionForm, ReceiptLookupForm
from grants.web.public_documents import public_pdf
from grants.web.ratelimit import anonymous_objection_limits

bp = Blueprint("notices", __name__, url_prefix="/notices")


def _notice_or_404(notice_id: int) -> Notice:
    """The notice of awards, or a 404 page."""
    notice = db.session.get(Notice, notice_id) or abort(404)
    return notice if notice.kind == AWARDS_NOTICE else abort(404)


def _detail_url(notice: Notice) -> str:
    """The public address of a notice, printed on its PDF as the place to object."""
    return url_for("notices.detail", notice_id=notice.id, _external=True)


@bp.get("/")
@requires(policies.PUBLIC)
def index():
    """Every notice, newest first, running ones and those waiting for confirmation marked."""
    return render_template("notices/index.html", items=notices.notice_listings(),
                           awards_kind=AWARDS_NOTICE, kind_labels=KIND_LABELS)


@bp.get("/<int:notice_id>")
@requires(policies.PUBLIC)
def detail(notice_id: int):
    """A notice's awards as the public may see them, with a link to object to each (a notice
    of evaluation results has its own page)."""
    found = db.session.get(Notice, notice_id) or abort(404)
    if found.kind != AWARDS_NOTICE:
        return redirect(url_for("evaluations.notice", notice_id=notice_id))
    notice = _notice_or_404(notice_id)
    context = notices.notice_context(notice, _detail_url(notice))
    return render_template("notices/detail.html", open=notices.is_open(notice), **context)


@bp.get("/<int:notice_id>.pdf")
@requires(policies.PUBLIC)
def pdf(notice_id: int):
    """The notice as published (made when it was published or last changed, printing the
    audit head of that moment), from the document cache."""
    notice = _notice_or_404(notice_id)
    return pdf_response(public_pdf(NOTICE_DOCUMENT, notice.id), f"notice-{notice.id}.pdf")


def _objection_page(award: Award, form: ObjectionForm, status: int = 200):
    """The objection form for one award (re-shown with a 4xx after a refusal)."""
    page = render_template(
        "notices/object.html",
        award=award,
        notice=award.notice,
        form=form,
        open=notices.accepts_objections(award),
        period=notices.period_text(award.notice),
    )
    return page, status


@bp.route("/awards/<int:award_id>/object", methods=["GET", "POST"])
@requires(policies.PUBLIC)
@anonymous_objection_limits
@idempotent
def object_to(award_id: int):
    """File an objection during the notice period (logged in, or with a name and phone).

    Anonymous objections are rate-limited per address and per notice (429 past the limit).
    """
    award = db.session.get(Award, award_id)
    if award is None or award.notice is None:
        abort(404)
    form = ObjectionForm()
    if not form.validate_on_submit():
        return _objection_page(award, form, 400 if form.errors else 200)
    user = current_user if current_user.is_authenticated else None
    try:
        objection = notices.file_objection(
            award_id, form.text.data or "", user, form.name.data or "", form.phone.data or ""
        )
    except Refusal as error:
        flash(str(error), "danger")
        return _objection_page(award, form, error.status)
    flash(_("异议已提交，请保存回执编号和查询链接"), "success")
    return redirect(url_for("notices.receipt", token=objection.token))


@bp.get("/objections/<token>")
@requires(policies.PUBLIC)
def receipt(token: str):
    """An objection's status and outcome, for whoever holds its receipt link."""
    objection = notices.objection_by_token(token) or abort(404)
    return render_template(
        "notices/receipt.html", objection=objection, number=notices.receipt_number(objection)
    )


@bp.get("/mine")
@requires(policies.SIGNED_IN)
def mine():
    """The logged-in visitor's objections and their outcomes."""
    items = notices.objections_of_user(current_user)
    return render_template("notices/mine.html", items=items, number=notices.receipt_number)


@bp.get("/<int:notice_id>/awards/<int:award_id>")
@requires(policies.PUBLIC)
def project(notice_id: int, award_id: int):
    """One project on a notice as the public may read it, so an objector sees what they
    object to: title, community, category, budget line by line, the needs it answers."""
    summary = notice_lookup.public_summary(notice_id, award_id) or abort(404)
    return render_template(
        "notices/project.html", summary=summary, notice=summary.award.notice,
        categories=COST_CATEGORIES,
        open=notices.accepts_objections(summary.award),
        period=notices.period_text(summary.award.notice),
    )


@bp.route("/receipt", methods=["GET", "POST"])
@requires(policies.PUBLIC)
def find_receipt():
    """Find an objection receipt again by its number and the phone left with it."""
    form = ReceiptLookupForm()
    if not form.validate_on_submit():
        return render_template("notices/find_receipt.html", form=form), 200
    objection = notice_lookup.find_receipt(form.number.data or "", form.phone.data or "")
    if objection is None:
        flash(_("没有找到回执编号和联系电话都相符的异议，请核对后再试"), "warning")
        return render_template("notices/find_receipt.html", form=form), 404
    return redirect(url_for("notices.receipt", token=objection.token), 303)
