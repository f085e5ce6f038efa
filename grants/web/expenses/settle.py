"""The organizer's and finance's settlement forms: budget adjustments decided, an award
suspended with a clawback, the clawback received, the unspent money's refund recorded, the
organisation barred, the award closed; and the round's overrun threshold.

Each form lives on the award's spending page (adjustments also on the expense and round
pages); a refused one is shown again there with the reason and its 4xx status, nothing changed.
"""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from grants.domain.errors import Refusal
from grants.domain.permissions import policies
from grants.extensions import db
from grants.models.expenses import BudgetAdjustment
from grants.services import DB_INT_MAX, expenses, settlement
from grants.web.access import requires
from grants.web.expenses import pages
from grants.web.expenses.blueprint import bp
from grants.web.expenses.forms import (
    ActionForm,
    BarForm,
    ClawbackReceivedForm,
    DecideAdjustmentForm,
    RefundForm,
    SuspendForm,
    ThresholdForm,
)
from grants.web.idempotency import idempotent
from grants.web.judging.refusals import or_abort

FROM_ROUND = "round"


def _to_spending(award_id: int, message: str):
    """Flash a success message and return to the award's spending page."""
    flash(message, "success")
    return redirect(url_for("expenses.spending", award_id=award_id) + "#settlement")


def _settle(award_id: int, name: str, form, message: str, command, *args):
    """Run one settlement command on an award staff may read, from its form; a refusal
    re-shows the form on the spending page with its status, nothing changed."""
    or_abort(expenses.award_spending, award_id)
    if not form.validate_on_submit():
        return pages.spending_page(award_id, 422, **{name: form})
    try:
        command(current_user, award_id, *args)
    except Refusal as error:
        return pages.settle_refused(award_id, error, name, form)
    return _to_spending(award_id, message)


@bp.post("/awards/<int:award_id>/suspend")
@requires(policies.ORGANIZE)
@idempotent
def suspend(award_id: int):
    """Suspend an award: unpaid tranches blocked, the clawback recorded until received."""
    form = SuspendForm()
    return _settle(award_id, "suspend_form", form, _("项目已暂停，未拨付的批次已冻结"),
                   settlement.suspend_award, form.reason.data, form.clawback.data or "0")


@bp.post("/awards/<int:award_id>/refund")
@requires(policies.RECORD_MONEY)
@idempotent
def refund(award_id: int):
    """Record the unspent money the grantee returned, with the bank record."""
    form = RefundForm()
    return _settle(award_id, "refund_form", form, _("已登记结余退回"), settlement.record_refund,
                   form.amount.data, form.bank_reference.data, form.value_date.data)


@bp.post("/awards/<int:award_id>/clawback")
@requires(policies.RECORD_MONEY)
@idempotent
def clawback_received(award_id: int):
    """Record that a suspended award's clawback came in."""
    form = ClawbackReceivedForm()
    return _settle(award_id, "clawback_form", form, _("已登记追回资金到账"),
                   settlement.record_clawback_received, form.bank_reference.data,
                   form.value_date.data)


@bp.post("/awards/<int:award_id>/bar")
@requires(policies.ORGANIZE)
@idempotent
def bar(award_id: int):
    """Bar the award's organisation from applying for some years, with the reason."""
    form = BarForm()
    return _settle(award_id, "bar_form", form, _("已禁止该社会组织在限制期内申报"),
                   pages.bar_organisation_of, form.years.data, form.reason.data)


@bp.post("/awards/<int:award_id>/close")
@requires(policies.ORGANIZE)
@idempotent
def close(award_id: int):
    """Close the award once accepted + refunded + clawed back = paid."""
    return _settle(award_id, "close_form", ActionForm(), _("项目已结项"), settlement.close_award)


@bp.post("/adjustments/<int:adjustment_id>/decide")
@requires(policies.ORGANIZE)
@idempotent
def decide_adjustment(adjustment_id: int):
    """Approve or refuse a budget adjustment beyond the tolerance."""
    found = db.session.get(BudgetAdjustment, adjustment_id) if 0 < adjustment_id <= DB_INT_MAX \
        else None
    if found is None:
        abort(404)
    form = DecideAdjustmentForm()
    if form.validate_on_submit():
        try:
            expenses.decide_adjustment(current_user, adjustment_id,
                                       form.decision.data == "approve", form.reason.data)
        except Refusal as error:
            pages.refused_form(form, error)
            return _adjustment_again(found, form, error.status)
        flash(_("已处理预算调整申请"), "success")
        return _after_adjustment(found)
    return _adjustment_again(found, form, 422)


def _adjustment_again(adjustment, form, status: int):
    """Show a refused ruling again on the page it came from."""
    ruling = (adjustment.id, form)
    if request.form.get("back") == FROM_ROUND:
        return pages.round_page(adjustment.from_line.award.round_id, status, decision=ruling)
    return pages.award_page(adjustment.award_id, status, ruling=ruling)


def _after_adjustment(adjustment):
    """Return to the page the ruling came from."""
    if request.form.get("back") == FROM_ROUND:
        round_id = adjustment.from_line.award.round_id
        return redirect(url_for("expenses.round_overview", round_id=round_id) + "#adjustments")
    return redirect(url_for("expenses.award", award_id=adjustment.award_id) + "#adjustments")


@bp.post("/rounds/<int:round_id>/threshold")
@requires(policies.ORGANIZE)
@idempotent
def threshold(round_id: int):
    """Set how far (in %) a line may be passed before ``overrun`` is flagged."""
    pages.round_or_404(round_id)
    form = ThresholdForm()
    if not form.validate_on_submit():
        return pages.round_page(round_id, 422, threshold_form=form)
    try:
        expenses.save_overrun_threshold(current_user, round_id, form.pct.data)
    except Refusal as error:
        pages.refused_form(form, error)
        return pages.round_page(round_id, error.status, threshold_form=form)
    flash(_("超支提示比例已保存"), "success")
    return redirect(url_for("expenses.round_overview", round_id=round_id))
