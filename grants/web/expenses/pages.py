"""Page builders for the expense views: gather what a template needs and render it.

Kept apart from the route modules so each view stays a few lines: a view decides what happens,
a builder here shows the page (with the status the view chose), the forms filled either blank,
from the stored expense, or with what was typed when a request was refused.
"""

from __future__ import annotations

from flask import abort, current_app, flash, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from grants.domain.budget import category_label
from grants.domain.clock import local_date
from grants.domain.errors import Refusal
from grants.domain.expenses import FLAG_LABELS, REPORTING_AWARD_STATES
from grants.domain.i18n import tr
from grants.domain.inputs import is_digits
from grants.domain.lifecycles import CLAWBACK, EXPENSE
from grants.domain.lifecycles.budget_adjustment import APPROVED
from grants.domain.money import fen_to_plain
from grants.domain.permissions import acting_roles, policies
from grants.domain.permissions import expenses as perms
from grants.domain.settlement import SETTLING_STATES
from grants.extensions import db
from grants.models import FundingRound
from grants.models.expenses import Expense
from grants.services import DB_INT_MAX, expenses, settlement
from grants.services import awards as award_service
from grants.services.attachments import MAX_FILE_BYTES
from grants.web.expenses import charts
from grants.web.expenses.forms import (
    AcceptForm,
    ActionForm,
    AdjustmentForm,
    BarForm,
    BulkAcceptForm,
    ClawbackReceivedForm,
    DecideAdjustmentForm,
    ExpenseForm,
    QueryForm,
    RefundForm,
    RejectForm,
    ResubmitForm,
    SuspendForm,
    ThresholdForm,
    TypedForm,
    line_choices,
)
from grants.web.judging.refusals import or_abort, reasons
from grants.web.paging import Pager

UPLOAD_MARGIN = 256 * 1024
"""Room the form's text fields take in a request besides its files."""
SPENDING_STATES = REPORTING_AWARD_STATES | {"closed"}
"""Awards that have (or had) money to spend: signed, running, suspended or closed."""


def refused_form(form: TypedForm, error: Refusal) -> None:
    """Flash a refusal's message and put each of its problems beside its input."""
    flash(str(error), "danger")
    for message in form.show_problems(error.problems):
        if message != str(error):
            flash(message, "danger")


def percent(part_fen: int, whole_fen: int) -> str:
    """``part`` as a share of ``whole`` with one decimal (``87.5%``), by integer arithmetic;
    a dash when there is no whole."""
    if whole_fen <= 0:
        return "—"
    tenths = part_fen * 1000 // whole_fen
    return f"{tenths // 10}.{tenths % 10}%"


def line_chart(lines) -> charts.Chart:
    """Spending by budget line against the adjusted budget."""
    return charts.chart(charts.Amounts(line.item, line.adjusted_fen, line.accepted_fen,
                                       line.pending_fen) for line in lines)


# ------------------------------------------------------------------------ links from elsewhere


def expense_page_url(award) -> str | None:
    """The award's expense page, for a reader who may see it once there is money to spend."""
    if award is None or award.status not in SPENDING_STATES:
        return None
    if not perms.can_view_expenses(current_user, award.proposal)[0]:
        return None
    return url_for("expenses.award", award_id=award.id)


def award_spending_of(award):
    """The award's spending by line for another area's page, or None when the reader's route
    policy does not cover the spending page or the award has no frozen budget yet."""
    if award is None or not policies.AWARD_READ.allows(current_user):
        return None
    spending = expenses.award_spending(award.id)
    return spending if spending.lines else None


# ------------------------------------------------------------------------ one award's expenses


def _resubmit_data(expense) -> dict:
    """A queried expense as the form shows it for correcting."""
    return {
        "budget_line_id": str(expense.budget_line_id), "spent_on": expense.spent_on.isoformat(),
        "amount": fen_to_plain(expense.amount_fen), "payee": expense.payee,
        "description": expense.description, "invoice_code": expense.invoice_code,
        "invoice_number": expense.invoice_number,
    }


def resubmit_form(expense_id: int, **kwargs) -> ResubmitForm:
    """The correcting form of one expense; its inputs are prefixed by the expense, so the
    page can hold one per queried expense beside the report form."""
    return ResubmitForm(prefix=f"e{expense_id}", **kwargs)


def _resubmit_forms(page, typed: tuple[int, ResubmitForm] | None) -> dict[int, ResubmitForm]:
    """One correcting form per expense the reader may resubmit (the typed one kept)."""
    forms = {}
    for row in page.expenses:
        if "resubmit" in row.actions:
            form = resubmit_form(row.expense.id, formdata=None, data=_resubmit_data(row.expense))
            forms[row.expense.id] = line_choices(form, page.lines, "budget_line_id")
    if typed is not None:
        forms[typed[0]] = typed[1]
    return forms


def file_limits() -> dict[str, str]:
    """What the file input tells the browser, so a too-big choice is named before sending
    (the service refuses it anyway): the types, the size of each file and of one request."""
    total = (current_app.config.get("MAX_CONTENT_LENGTH") or MAX_FILE_BYTES * 2) - UPLOAD_MARGIN
    return {
        "accept": "application/pdf,image/jpeg,image/png",
        "data-max-each": str(MAX_FILE_BYTES), "data-max-total": str(total),
        "data-msg-each": _("“%(name)s”超过 10 MB：每个票据文件不能超过 10 MB", name="%s"),
        "data-msg-total": _("所选文件合计超过 %(mb)s MB，一次提交不下：请压缩照片（如降低拍照"
                            "分辨率）后重新选择", mb=total // (1024 * 1024)),
    }


def award_page(award_id: int, status: int = 200, *, expense_form: ExpenseForm | None = None,
               adjustment_form: AdjustmentForm | None = None,
               resubmit: tuple[int, ResubmitForm] | None = None,
               decision: tuple[int, str, TypedForm] | None = None,
               ruling: tuple[int, TypedForm] | None = None):
    """An award's expense page for its grantee (report, answer, adjust) or staff (decide
    expenses, rule on adjustments); a refused form comes back as typed."""
    page = or_abort(expenses.expense_page, current_user, award_id)
    decided = {(decision[0], decision[1]): decision[2]} if decision else {}
    return render_template(
        "expenses/award.html", page=page, chart=line_chart(page.lines),
        expense_form=expense_form or line_choices(ExpenseForm(formdata=None), page.lines,
                                                  "budget_line_id"),
        adjustment_form=adjustment_form or line_choices(
            AdjustmentForm(formdata=None), page.lines, "from_line_id", "to_line_id"),
        resubmit_forms=_resubmit_forms(page, resubmit), decided=decided,
        accept_form=AcceptForm(formdata=None), reject_form=RejectForm(formdata=None),
        query_form=QueryForm(formdata=None), decide_form=DecideAdjustmentForm(formdata=None),
        ruled=dict([ruling]) if ruling else {}, flag_labels=FLAG_LABELS,
        category_label=category_label, today=local_date().isoformat(),
        can_read_spending=policies.AWARD_READ.allows(current_user), file_limits=file_limits(),
    ), status


def visible_expense(expense_id: int) -> Expense:
    """An expense whose award the reader may see, else a 404 refusal (before any form)."""
    expense = db.session.get(Expense, expense_id) if 0 < expense_id <= DB_INT_MAX else None
    if expense is None:
        raise Refusal(tr(perms.NOT_FOUND), status=404)
    expenses.visible_award(current_user, expense.award_id)
    return expense


def adjustment_message(adjustment) -> str:
    """What the grantee reads after moving money: applied at once, or awaiting approval."""
    if adjustment.status == APPROVED:
        return _("预算调整未超过容差，已直接生效")
    return _("预算调整超过容差，已提交主办方审批")


def line_form(form: TypedForm, award_id: int, *names: str) -> TypedForm:
    """A posted form with the award's budget lines offered again (for showing it back)."""
    page = or_abort(expenses.expense_page, current_user, award_id)
    return line_choices(form, page.lines, *names)


# ------------------------------------------------------------------------------ finance queue


def _page_number() -> int:
    """The ``page`` argument, 1 for anything that is not a small positive number."""
    text = request.args.get("page", "1")
    return int(text) if is_digits(text) and 0 < len(text) < 6 and int(text) > 0 else 1


def _row_actions(rows) -> dict[int, list[str]]:
    """What the reader may do on each queued expense: the lifecycle's actions, none once its
    award no longer takes decisions."""
    roles = acting_roles(current_user)
    return {row.expense.id: EXPENSE.available(row.expense.status, roles)
            if perms.can_decide_expenses(current_user, row.expense.award.status)[0] else []
            for row in rows}


def queue_page(status: int = 200, decision: tuple[int, str, TypedForm] | None = None):
    """The finance queue: flagged expenses first, then the oldest; filters from the URL."""
    queue = expenses.finance_queue(request.args, _page_number())
    today = local_date()
    query = request.query_string.decode("utf-8", "replace")
    return render_template(
        "expenses/queue.html", queue=queue, paging=Pager(queue.page, queue.pages),
        rounds=[r for r, _summary, count in award_service.rounds_overview() if count],
        actions=_row_actions(queue.rows), query_string=f"?{query}" if query else "",
        ages={row.expense.id: (today - local_date(row.expense.waiting_since)).days
              for row in queue.rows},
        decided={(decision[0], decision[1]): decision[2]} if decision else {},
        bulk_form=BulkAcceptForm(formdata=None), flag_labels=FLAG_LABELS,
        can_decide=perms.can_decide_expenses(current_user)[0],
    ), status


# ------------------------------------------------------------------ spending and settlement


def _settlement_forms(state, forms: dict) -> dict:
    """The organizer's and finance's settlement forms, blank unless one was refused."""
    unspent = max(state.ledger.unspent_fen, 0)
    defaults = {
        "suspend_form": SuspendForm(formdata=None),
        "refund_form": RefundForm(formdata=None, data={"amount": fen_to_plain(unspent)}),
        "clawback_form": ClawbackReceivedForm(formdata=None),
        "bar_form": BarForm(formdata=None),
        "close_form": ActionForm(formdata=None),
    }
    defaults.update(forms)
    return defaults


def _can(state) -> dict[str, bool]:
    """Which settlement forms the reader gets, as the permissions and lifecycles allow."""
    award = state.award
    records = perms.can_record_returned_money(current_user)[0]
    clawback = state.clawback
    return {
        "can_suspend": "suspend" in state.actions,
        "can_close": "close" in state.actions,
        "can_refund": records and award.status in SETTLING_STATES and state.ledger.unspent_fen > 0,
        "can_receive": records and clawback is not None
        and "receive" in CLAWBACK.available(clawback.status, acting_roles(current_user)),
        "can_bar": perms.can_settle(current_user)[0]
        and award.proposal.organisation_id is not None,
    }


def spending_page(award_id: int, status: int = 200, **forms):
    """One award's spending by line with the variance, its chart, and its settlement."""
    spending = or_abort(expenses.award_spending, award_id)
    state = or_abort(settlement.settlement_of, current_user, award_id)
    return render_template(
        "expenses/spending.html", spending=spending, state=state,
        chart=line_chart(spending.lines), **_can(state), **_settlement_forms(state, forms),
        percent=percent, category_label=category_label, today=local_date().isoformat(),
    ), status


def bar_organisation_of(actor, award_id: int, years: str, reason: str):
    """Bar the organisation that holds the award (a resident team has none to bar: 409)."""
    spending = expenses.award_spending(award_id)
    org_id = spending.award.proposal.organisation_id
    if org_id is None:
        raise Refusal(_("该项目由居民团队申报，没有可限制申报的社会组织"), status=409)
    return settlement.bar_organisation(actor, org_id, years, reason)


def settle_refused(award_id: int, error: Refusal, name: str, form: TypedForm):
    """Show a refused settlement form again on the spending page with the refusal's status."""
    refused_form(form, error)
    return spending_page(award_id, error.status, **{name: form})


# ------------------------------------------------------------------------------- a round


def round_or_404(round_id: int) -> FundingRound:
    """The round, or a 404 page (an id past the database's integer range names none)."""
    found = db.session.get(FundingRound, round_id) if 0 < round_id <= DB_INT_MAX else None
    return found or abort(404)


def round_page(round_id: int, status: int = 200, decision: tuple[int, TypedForm] | None = None,
               threshold_form: ThresholdForm | None = None):
    """A round's spending by cost category, its awards' money, the adjustments awaiting the
    organizer, its overrun threshold and the exports."""
    funding_round = round_or_404(round_id)
    round_awards = [a for a in award_service.awards_of_round(round_id)
                    if a.status in SPENDING_STATES]
    categories = expenses.spending_by_category(round_id)
    chart = charts.chart(charts.Amounts(tr(c.label), c.adjusted_fen, c.accepted_fen,
                                        c.pending_fen) for c in categories)
    return render_template(
        "expenses/round.html", r=funding_round, categories=categories, chart=chart,
        awards=round_awards, adjustments=expenses.pending_adjustments(round_id),
        ledgers=expenses.ledgers([a.id for a in round_awards]) if round_awards else {},
        can_decide=perms.can_decide_adjustment(current_user)[0],
        ruled=dict([decision]) if decision else {},
        decide_form=DecideAdjustmentForm(formdata=None),
        can_set_threshold=perms.can_settle(current_user)[0],
        threshold_form=threshold_form or ThresholdForm(
            formdata=None, data={"pct": str(funding_round.overrun_threshold_pct)}),
    ), status


__all__ = ["award_page", "line_form", "queue_page", "reasons", "refused_form", "round_or_404",
           "round_page", "settle_refused", "spending_page"]
