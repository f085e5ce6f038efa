"""Finance pages (拨付): the officer's dashboard, the award and round ledgers, the payment steps
(request, approve, reject, cancel, mark paid, change payee), vouchers, exports and charts; the
organizer's gate and plan forms; the grantee's own tranches.

Views are thin: a form is read, the payments service decides and writes, the page builders of
:mod:`grants.web.finance.pages` draw the result. Every money-moving POST is ``@idempotent``
(the page drew a key into the form), so a double click or a resent form gets the first answer.
A refusal is shown on the page it came from with its status; nothing changed.
"""

from __future__ import annotations

import os

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    stream_with_context,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from grants.domain.errors import Refusal
from grants.domain.permissions import policies
from grants.extensions import db
from grants.models import FundingRound
from grants.models.awards import Tranche
from grants.models.payments import Payment
from grants.services import is_row_id, payments
from grants.web.access import requires
from grants.web.documents import pdf_response
from grants.web.finance import pages
from grants.web.finance.exports import CSV_MIMETYPE, XLSX_MIMETYPE, csv_chunks, xlsx_temp_file
from grants.web.finance.forms import (
    ApproveForm,
    MarkPaidForm,
    PayeeForm,
    PlanForm,
    ReasonForm,
    RequestForm,
)
from grants.web.finance.voucher import has_voucher, voucher_number, voucher_pdf
from grants.web.guard import checks_own_input
from grants.web.idempotency import idempotent
from grants.web.jobs.starting import read_only_start, start_read_only

bp = Blueprint("finance", __name__, url_prefix="/finance")


def _row_or_404(model, row_id: int):
    """A row by id, or a 404 page (ids a database integer cannot hold name nothing)."""
    if not is_row_id(row_id):
        abort(404)
    return db.session.get(model, row_id) or abort(404)


def _refused(award_id: int, error: Refusal, **forms):
    """The award ledger again with the refusal's reason and status; nothing changed."""
    db.session.rollback()
    flash(str(error), "danger")
    return pages.award_page(award_id, error.status, **forms)


def _form_errors(award_id: int, form, status: int = 422, **forms):
    """The award ledger again with each problem of the form named (422, nothing changed)."""
    for problem in form.form_errors:
        flash(problem, "danger")
    for name, errors in form.errors.items():
        if name not in form:
            continue
        label = form[name].label.text
        for problem in errors:
            flash(_("%(label)s：%(error)s", label=label, error=problem), "danger")
    return pages.award_page(award_id, status, **forms)


def _submit(award_id: int, form, form_key: str, command, message: str):
    """Validate ``form``, run ``command`` and return to the ledger; on a problem show the
    ledger again with ``form`` (as ``form_key``) holding what was typed, and change nothing."""
    if not form.validate_on_submit():
        return _form_errors(award_id, form, **{form_key: form})
    try:
        command()
    except Refusal as error:
        return _refused(award_id, error, **{form_key: form})
    return _done(award_id, message)


def _done(award_id: int, message: str):
    """Flash a success and return to the award ledger (the replay of a key returns this too)."""
    flash(message, "success")
    return redirect(url_for("finance.award", award_id=award_id))


# ---------------------------------------------------------------------------------- reading


@bp.get("/")
@requires(policies.FINANCE_READ)
def dashboard():
    """What needs me now: payments to approve, due and overdue tranches, rejected payments."""
    return pages.dashboard_page()


@bp.get("/rounds/")
@requires(policies.AWARD_READ)
def rounds():
    """Every round's disbursement progress (SVG chart), each linking to its ledger."""
    return pages.rounds_page()


@bp.get("/rounds/<int:round_id>")
@requires(policies.AWARD_READ)
def round_ledger(round_id: int):
    """One row per award of the round with its totals; filters by status and overdue; paged."""
    return pages.round_page(round_id)


@bp.get("/awards/<int:award_id>")
@requires(policies.AWARD_READ)
def award(award_id: int):
    """An award's ledger: totals, tranches, payments and the actions open to me."""
    return pages.award_page(award_id)


@bp.get("/grants/<int:award_id>")
@requires(policies.SIGNED_IN)
def grantee(award_id: int):
    """The grantee's tranches and payments (anyone but the owner and award readers: 404)."""
    return pages.grantee_page(payments.applicant_tranches(current_user, award_id))


@bp.get("/payments/<int:payment_id>/voucher.pdf")
@requires(policies.AWARD_READ)
def voucher(payment_id: int):
    """The voucher (付款凭证) of a paid payment; any other payment has none (404)."""
    payment = _row_or_404(Payment, payment_id)
    if not has_voucher(payment):
        abort(404)
    return pdf_response(voucher_pdf(payment), f"{voucher_number(payment)}.pdf")


@bp.get("/rounds/<int:round_id>/payments.xlsx")
@requires(policies.AWARD_READ)
def export_xlsx(round_id: int):
    """The round's payment ledger as XLSX, written to a temporary file and streamed from it."""
    path = xlsx_temp_file(payments.iter_payment_rows(round_id))
    handle = open(path, "rb")  # noqa: SIM115 - closed by the response once sent
    os.unlink(path)
    return send_file(handle, mimetype=XLSX_MIMETYPE, as_attachment=True,
                     download_name=f"payments-round-{round_id}.xlsx")


@bp.route("/rounds/<int:round_id>/payments-export", methods=["GET", "POST"])
@requires(policies.AWARD_READ)
@read_only_start
def payments_export(round_id: int):
    """The round's payment ledger as XLSX made by a job, started by the page's button (it
    changes nothing, so auditors may start it too); the job page shows the progress, then the
    file."""
    funding_round = _row_or_404(FundingRound, round_id)
    if request.method == "POST":
        return start_read_only("payments_xlsx", round_id=round_id)
    return render_template("finance/export.html", r=funding_round)


@bp.get("/rounds/<int:round_id>/payments.csv")
@requires(policies.AWARD_READ)
def export_csv(round_id: int):
    """The round's payment ledger as CSV, streamed row by row."""
    rows = payments.iter_payment_rows(round_id)
    disposition = f'attachment; filename="payments-round-{round_id}.csv"'
    return Response(stream_with_context(csv_chunks(rows)),
                    mimetype=CSV_MIMETYPE, content_type=f"{CSV_MIMETYPE}; charset=utf-8",
                    headers={"Content-Disposition": disposition})


# ----------------------------------------------------------------------------- payments


@bp.post("/tranches/<int:tranche_id>/request")
@checks_own_input
@requires(policies.FINANCE)
@idempotent
def request_payment(tranche_id: int):
    """Ask for (part of) a tranche to be paid to a payee."""
    tranche = _row_or_404(Tranche, tranche_id)
    form = RequestForm()
    return _submit(
        tranche.award_id, form, "request_form",
        lambda: payments.request_payment(current_user, tranche_id, form.amount.fen,
                                         form.payee_name.data, form.payee_account.data),
        _("付款申请已提交，等待另一名财务人员审批"),
    )


@bp.post("/payments/<int:payment_id>/approve")
@requires(policies.FINANCE)
@idempotent
def approve(payment_id: int):
    """Approve a payment someone else requested (the form refuses the requester)."""
    payment = _row_or_404(Payment, payment_id)
    form = ApproveForm(requester_id=payment.requested_by_id, approver_id=current_user.id)
    if not form.validate_on_submit():
        return _form_errors(payment.award_id, form, status=403)
    try:
        payments.approve_payment(current_user, payment_id)
    except Refusal as error:
        return _refused(payment.award_id, error)
    return _done(payment.award_id, _("付款已审批，可登记银行付款"))


def _reasoned(payment_id: int, command, message: str):
    """Reject or cancel a payment with the reason typed in the form."""
    payment = _row_or_404(Payment, payment_id)
    form = ReasonForm()
    return _submit(payment.award_id, form, "reason_form",
                   lambda: command(current_user, payment_id, form.reason.data), message)


@bp.post("/payments/<int:payment_id>/reject")
@requires(policies.FINANCE)
@idempotent
def reject(payment_id: int):
    """Refuse a payment in progress, with the reason."""
    return _reasoned(payment_id, payments.reject_payment, _("付款申请已驳回"))


@bp.post("/payments/<int:payment_id>/cancel")
@requires(policies.FINANCE)
@idempotent
def cancel(payment_id: int):
    """Withdraw a payment in progress, with the reason."""
    return _reasoned(payment_id, payments.cancel_payment, _("付款申请已取消"))


@bp.post("/payments/<int:payment_id>/mark-paid")
@requires(policies.FINANCE)
@idempotent
def mark_paid(payment_id: int):
    """Record the bank's payment: reference, value date and paying account."""
    payment = _row_or_404(Payment, payment_id)
    form = MarkPaidForm()
    return _submit(
        payment.award_id, form, "paid_form",
        lambda: payments.mark_paid(current_user, payment_id, form.bank_reference.data,
                                   form.value_date.data, form.paying_account.data),
        _("已登记付款，可下载付款凭证"),
    )


@bp.post("/payments/<int:payment_id>/payee")
@checks_own_input
@requires(policies.FINANCE)
@idempotent
def change_payee(payment_id: int):
    """Correct the payee; an approved payment goes back to awaiting approval."""
    payment = _row_or_404(Payment, payment_id)
    form = PayeeForm()
    return _submit(
        payment.award_id, form, "payee_form",
        lambda: payments.change_payee(current_user, payment_id, form.payee_name.data,
                                      form.payee_account.data),
        _("收款信息已修改；如已审批，审批已失效，须重新审批"),
    )


# ------------------------------------------------------------------------ gates and plans


@bp.post("/tranches/<int:tranche_id>/meet-gate")
@requires(policies.ORGANIZE)
def meet_gate(tranche_id: int):
    """The organizer records a tranche's gate as met, with the reason (evidence)."""
    tranche = _row_or_404(Tranche, tranche_id)
    form = ReasonForm()
    return _submit(tranche.award_id, form, "reason_form",
                   lambda: payments.meet_gate(current_user, tranche_id, form.reason.data),
                   _("已确认拨付条件达成，该批次可以拨付"))


@bp.get("/rounds/<int:round_id>/plan")
@requires(policies.STAFF_READ)
def plan(round_id: int):
    """The round's tranche plan: a share per gate, summing to 100 %."""
    _row_or_404(FundingRound, round_id)
    return pages.plan_page(round_id)


@bp.post("/rounds/<int:round_id>/plan")
@requires(policies.ORGANIZE)
def save_plan(round_id: int):
    """Save the plan (refused once an agreement of the round is signed)."""
    _row_or_404(FundingRound, round_id)
    form = PlanForm()
    if not form.validate_on_submit():
        flash(_("请检查填写的拨付比例"), "danger")
        return pages.plan_page(round_id, 422, form)
    try:
        payments.save_plan(current_user, round_id, form.terms)
    except Refusal as error:
        db.session.rollback()
        flash(str(error), "danger")
        return pages.plan_page(round_id, error.status, form)
    flash(_("拨付计划已保存，之后签署的协议按此计划拨付"), "success")
    return redirect(url_for("finance.plan", round_id=round_id))


# ------------------------------------------------------------------- shared with other pages


@bp.app_context_processor
def finance_helpers() -> dict:
    """What other areas' templates include from finance: the grantee's tranche table on the
    agreement page."""
    return {"grantee_tranches": _grantee_tranches}


def _grantee_tranches(award):
    """The award's tranches and payments for the agreement page, or None when the reader may
    not see them or nothing is stored yet."""
    if award is None or not award.tranches:
        return None
    try:
        return payments.applicant_tranches(current_user, award.id)
    except Refusal:
        return None

