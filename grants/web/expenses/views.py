"""The expense page of an award: the grantee reports expenses with receipts, answers queries
and moves money between budget lines; staff who read awards see the same page, and finance
officers decide each expense on it. Receipts download one by one or as a ZIP per award.

Anyone who may not see the award meets a 404 (another grantee learns nothing). A refused form
is shown again with every reason beside its input, everything typed kept, and the refusal's
4xx status; nothing was changed. The finance queue, the spending and round pages and the
organizer's settlement forms are in :mod:`.review`, :mod:`.reports` and :mod:`.settle`.
"""

from __future__ import annotations

from io import BytesIO

from flask import flash, redirect, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from grants.domain.errors import Refusal
from grants.domain.permissions import policies
from grants.services import expenses
from grants.web.access import requires
from grants.web.expenses import pages
from grants.web.expenses.blueprint import bp
from grants.web.expenses.files import ZIP_MIMETYPE, send_temp, uploaded, zip_file
from grants.web.expenses.forms import AdjustmentForm, ExpenseForm
from grants.web.guard import checks_own_input
from grants.web.idempotency import idempotent
from grants.web.judging.refusals import or_abort

__all__ = ["bp"]


@bp.app_context_processor
def expense_helpers() -> dict:
    """What other areas' templates include from here: the link from an agreement to its
    award's expenses and an award's spending by line for the finance ledger."""
    return {"expense_page_url": pages.expense_page_url,
            "award_spending_of": pages.award_spending_of}


def to_award(award_id: int, message: str, anchor: str = "expenses"):
    """Flash a success message and return to the award's expense page."""
    flash(message, "success")
    return redirect(url_for("expenses.award", award_id=award_id) + f"#{anchor}")


@bp.get("/awards/<int:award_id>")
@requires(policies.SIGNED_IN)
def award(award_id: int):
    """Totals per budget line, the chart, the report form and every expense of one award."""
    return pages.award_page(award_id)


@bp.post("/awards/<int:award_id>")
@checks_own_input
@requires(policies.SIGNED_IN)
@idempotent
def submit(award_id: int):
    """Report one expense with one or more receipt files."""
    form = pages.line_form(ExpenseForm(), award_id, "budget_line_id")
    if not form.validate_on_submit():
        return pages.award_page(award_id, 422, expense_form=form)
    try:
        expenses.submit_expense(current_user, award_id, form.typed(),
                                uploaded(form.receipts.data))
    except Refusal as error:
        pages.refused_form(form, error)
        return pages.award_page(award_id, error.status, expense_form=form)
    return to_award(award_id, _("支出已报送，等待财务审核"))


@bp.post("/<int:expense_id>/resubmit")
@checks_own_input
@requires(policies.SIGNED_IN)
@idempotent
def resubmit(expense_id: int):
    """Answer a finance officer's question: the corrected expense and any further files."""
    expense = or_abort(pages.visible_expense, expense_id)
    form = pages.line_form(pages.resubmit_form(expense_id), expense.award_id, "budget_line_id")
    if not form.validate_on_submit():
        return pages.award_page(expense.award_id, 422, resubmit=(expense_id, form))
    try:
        expenses.resubmit_expense(current_user, expense_id, form.typed(),
                                  uploaded(form.receipts.data))
    except Refusal as error:
        pages.refused_form(form, error)
        return pages.award_page(expense.award_id, error.status, resubmit=(expense_id, form))
    return to_award(expense.award_id, _("已补充说明并重新报送，等待财务审核"))


@bp.post("/awards/<int:award_id>/adjustments")
@requires(policies.SIGNED_IN)
@idempotent
def request_adjustment(award_id: int):
    """Move money between two budget lines (within the tolerance it applies at once)."""
    form = pages.line_form(AdjustmentForm(), award_id, "from_line_id", "to_line_id")
    if not form.validate_on_submit():
        return pages.award_page(award_id, 422, adjustment_form=form)
    try:
        adjustment = expenses.request_adjustment(current_user, award_id, form.typed())
    except Refusal as error:
        pages.refused_form(form, error)
        return pages.award_page(award_id, error.status, adjustment_form=form)
    return to_award(award_id, pages.adjustment_message(adjustment), "adjustments")


@bp.get("/receipts/<int:receipt_id>")
@requires(policies.SIGNED_IN)
def receipt(receipt_id: int):
    """One receipt file, for its grantee and the staff who read awards; anyone else 404."""
    item, data = or_abort(expenses.receipt_file, current_user, receipt_id)
    return send_file(BytesIO(data), mimetype=item.content_type, as_attachment=True,
                     download_name=item.filename, max_age=0)


@bp.get("/awards/<int:award_id>/receipts.zip")
@requires(policies.SIGNED_IN)
def award_receipts(award_id: int):
    """Every receipt of one award as a ZIP, one folder per award, files named by expense."""
    files = or_abort(expenses.receipts_of, current_user, award_id=award_id)
    path, _count = zip_file((item.arcname, item.data) for item in files)
    return send_temp(path, ZIP_MIMETYPE, f"receipts-award-{award_id}.zip")


from grants.web.expenses import reports, review, settle  # noqa: E402,F401  (their routes)
