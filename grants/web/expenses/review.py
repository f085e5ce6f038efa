"""The finance officer's side: the queue of expenses awaiting a decision (flagged first, then
the oldest), each expense accepted, rejected or queried, and unflagged ones accepted in bulk.

A decision can be taken from the queue or from the award's expense page; the form says which
(``back``), so a refused decision is shown again where it was made, with its reason beside the
input and its 4xx status. Accepting a flagged expense needs the written reason; bulk acceptance
takes only unflagged expenses and is all or nothing.
"""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from grants.domain.errors import Refusal
from grants.domain.permissions import policies
from grants.services import expenses
from grants.web.access import requires
from grants.web.expenses import pages
from grants.web.expenses.blueprint import bp
from grants.web.expenses.forms import AcceptForm, BulkAcceptForm, QueryForm, RejectForm
from grants.web.guard import checks_own_input
from grants.web.idempotency import idempotent
from grants.web.judging.refusals import or_abort, reasons

FROM_AWARD = "award"


@bp.get("/queue")
@requires(policies.FINANCE_READ)
def queue():
    """Expenses awaiting finance, most serious flags first, then by how long they waited."""
    return pages.queue_page()


def _back(expense, message: str):
    """Flash a success message and return to where the decision was taken."""
    flash(message, "success")
    if request.form.get("back") == FROM_AWARD:
        return redirect(url_for("expenses.award", award_id=expense.award_id) + "#expenses")
    return redirect(url_for("expenses.queue", **request.args))


def _again(expense, action: str, form, status: int):
    """Show a refused decision again where it was taken, with its typed reason."""
    decision = (expense.id, action, form)
    if request.form.get("back") == FROM_AWARD:
        return pages.award_page(expense.award_id, status, decision=decision)
    return pages.queue_page(status, decision=decision)


def _decide(expense_id: int, action: str, form, command, field: str, message: str):
    """Run one decision on an expense the reader may see; its refusal shown where it came."""
    expense = or_abort(pages.visible_expense, expense_id)
    if not form.validate_on_submit():
        return _again(expense, action, form, 422)
    try:
        command(current_user, expense_id, form[field].data)
    except Refusal as error:
        pages.refused_form(form, error)
        return _again(expense, action, form, error.status)
    return _back(expense, message)


@bp.post("/<int:expense_id>/accept")
@requires(policies.FINANCE)
@idempotent
def accept(expense_id: int):
    """Accept an expense as spent on its line (a flagged one with the reason)."""
    return _decide(expense_id, "accept", AcceptForm(), expenses.accept_expense, "reason",
                   _("已认可该笔支出"))


@bp.post("/<int:expense_id>/reject")
@requires(policies.FINANCE)
@idempotent
def reject(expense_id: int):
    """Refuse an expense, with the reason the grantee reads."""
    return _decide(expense_id, "reject", RejectForm(), expenses.reject_expense, "reason",
                   _("已不予认可该笔支出，理由已告知申报方"))


@bp.post("/<int:expense_id>/query")
@requires(policies.FINANCE)
@idempotent
def query(expense_id: int):
    """Send an expense back to the grantee with a question."""
    return _decide(expense_id, "query", QueryForm(), expenses.query_expense, "question",
                   _("已退回申报方补充说明"))


@bp.post("/queue/accept")
@checks_own_input
@requires(policies.FINANCE)
@idempotent
def bulk_accept():
    """Accept every ticked expense at once; one flagged or decided expense refuses all."""
    if not BulkAcceptForm().validate_on_submit():
        flash(_("表单已过期，请刷新页面后重试"), "danger")
        return pages.queue_page(400)
    try:
        done = expenses.bulk_accept(current_user, request.form.getlist("expense_ids"))
    except Refusal as error:
        for reason in reasons(error):
            flash(reason, "danger")
        return pages.queue_page(error.status)
    flash(_("已批量认可 %(n)s 笔支出", n=len(done)), "success")
    return redirect(url_for("expenses.queue", **request.args))
