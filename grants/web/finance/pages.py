"""Page builders for the finance views: gather what a template needs and render it.

A view decides what happens; a builder here shows the result with the status the view chose.
Which buttons a page draws comes from the lifecycles (``PAYMENT.available``,
``TRANCHE.available``) and the permissions of :mod:`grants.domain.permissions.payments`, so a
page never offers what the service would refuse — and says why when it holds a button back
(the four-eyes rule with a single finance officer, or the officer's own request).
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import render_template, request
from flask_login import current_user
from sqlalchemy import func, select

from grants.domain.i18n import msg
from grants.domain.lifecycles import PAYMENT, TRANCHE
from grants.domain.lifecycles.payment import OPEN_STATES
from grants.domain.lifecycles.tranche import PENDING
from grants.domain.money import fen_to_plain
from grants.domain.payments import LEDGER_AWARD_STATES, PAYABLE_TRANCHE_STATE
from grants.domain.permissions import FINANCE_OFFICERS, acting_roles
from grants.domain.permissions import payments as perms
from grants.domain.tranches import GATE_LABELS, GATES, percent_text
from grants.extensions import db
from grants.models import User
from grants.models.users import UserRole
from grants.services import agreements, payments, rounds
from grants.web.finance.chart import progress_chart
from grants.web.finance.forms import (
    ApproveForm,
    MarkPaidForm,
    PayeeForm,
    PlanForm,
    ReasonForm,
    RequestForm,
)
from grants.web.finance.voucher import has_voucher
from grants.web.paging import Pager

REQUESTABLE_TRANCHES = frozenset({PENDING, PAYABLE_TRANCHE_STATE})
"""Tranches a payment may be requested for: waiting for the gate or due (not paid, not
blocked). The approval waits for the gate; the request may come first."""
HANDLED_ACTIONS = ("approve", "mark_paid", "reject", "cancel")
"""Payment actions the ledger page draws a form for (``void`` happens by changing the payee)."""


def gate_label(gate: str) -> str:
    """The (untranslated) words of a gate: ``协议签订后``."""
    return GATE_LABELS.get(gate, gate)


def finance_officer_count() -> int:
    """How many active accounts hold a finance role: with fewer than two nobody can approve."""
    query = (
        select(func.count(func.distinct(UserRole.user_id)))
        .join(User, User.id == UserRole.user_id)
        .where(UserRole.role.in_(FINANCE_OFFICERS), User.active.is_(True))
    )
    return db.session.scalar(query) or 0


def single_officer_reason() -> str:
    """Why no approve button is drawn when the platform has only one finance officer."""
    return msg("系统中只有一名财务人员。付款须由另一名财务人员审批（四眼原则，不设单人豁免），"
               "请管理员再添加一名财务人员后再审批。")


@dataclass(frozen=True)
class PaymentActions:
    """What the current user may do with one payment, and why approving is held back."""

    actions: tuple[str, ...]
    can_change_payee: bool
    approve_blocked: str = ""
    voucher: bool = False


def payment_actions(payment, roles, officers: int) -> PaymentActions:
    """The payment's lifecycle actions for these roles, narrowed by the permissions: approval
    needs a second officer in the platform and an approver other than the requester."""
    available = [a for a in PAYMENT.available(payment.status, roles) if a in HANDLED_ACTIONS]
    blocked = ""
    if "approve" in available:
        allowed, reason = perms.can_approve_payment(current_user, payment)
        if officers < 2:
            blocked = single_officer_reason()
        elif not allowed:
            blocked = reason
        if blocked:
            available.remove("approve")
    change = payment.status in OPEN_STATES and perms.can_handle_payment(current_user)[0]
    return PaymentActions(tuple(available), change, blocked, has_voucher(payment))


def _tranche_actions(row, roles) -> dict:
    """Whether the current user may request a payment of this tranche or record its gate."""
    tranche = row.tranche
    requestable = (
        perms.can_request_payment(current_user)[0]
        and "request" in PAYMENT.available(None, roles)
        and tranche.status in REQUESTABLE_TRANCHES
        and row.open_payment is None
        and row.paid_fen < tranche.amount_fen
    )
    gate = "meet_gate" in TRANCHE.available(tranche.status, roles) and \
        perms.can_record_gate(current_user)[0]
    return {"request": requestable, "meet_gate": gate}


def award_page(award_id: int, status: int = 200, **forms):
    """The award ledger: totals, tranches with their gate, deadline and overdue badge, every
    payment with requester, approver and payer, and the forms the current user may use."""
    ledger = payments.award_ledger(award_id)
    roles = acting_roles(current_user)
    officers = finance_officer_count()
    handled = {p.id: payment_actions(p, roles, officers) for p in ledger.payments}
    page = render_template(
        "finance/award.html",
        ledger=ledger,
        award=ledger.award,
        totals=ledger.totals,
        tranche_actions={row.tranche.id: _tranche_actions(row, roles) for row in ledger.tranches},
        handled=handled,
        approve_blocked=next((h.approve_blocked for h in handled.values() if h.approve_blocked),
                             ""),
        single_officer=officers < 2,
        single_officer_reason=single_officer_reason(),
        payee=_default_payee(ledger.award),
        request_form=forms.pop("request_form", RequestForm(formdata=None)),
        reason_form=forms.pop("reason_form", ReasonForm(formdata=None)),
        paid_form=forms.pop("paid_form", MarkPaidForm(formdata=None)),
        payee_form=forms.pop("payee_form", PayeeForm(formdata=None)),
        approve_form=ApproveForm(formdata=None),
        percent=percent_text,
        gate_label=gate_label,
        plain=fen_to_plain,
        **forms,
    )
    return page, status


def _default_payee(award) -> dict:
    """The payee a request starts from: the organisation's bank account on file, if any."""
    org = award.proposal.organisation
    if org is None:
        return {"name": "", "account": ""}
    return {"name": org.name, "account": (org.bank_account or "").replace(" ", "")}


def dashboard_page():
    """What needs this finance officer now."""
    board = payments.dashboard(current_user)
    officers = finance_officer_count()
    return render_template(
        "finance/dashboard.html",
        board=board,
        single_officer=officers < 2,
        single_officer_reason=single_officer_reason(),
    )


def ledger_filters() -> tuple[payments.LedgerFilters, int]:
    """The round ledger's filters and page from the query string; an unknown status is left
    to the service to refuse (400), a page that is not a number is the first."""
    status = request.args.get("status") or None
    overdue = request.args.get("overdue") in ("1", "on", "true")
    page_text = request.args.get("page", "1")
    page = int(page_text) if page_text.isascii() and page_text.isdigit() and \
        len(page_text) < 10 else 1
    return payments.LedgerFilters(status=status, overdue=overdue), page


def round_page(round_id: int):
    """The round ledger: one row per award with its totals, filtered and paged, the round's
    progress chart and the export links."""
    filters, page = ledger_filters()
    ledger = payments.round_ledger(round_id, filters, page)
    chart = progress_chart(
        [(msg("本轮合计"), ledger.totals)]
        + [(f"{row.rank}. {row.title}", row.totals) for row in ledger.rows]
    )
    return render_template(
        "finance/round.html",
        ledger=ledger,
        r=ledger.round,
        chart=chart,
        paging=Pager(ledger.page, ledger.pages),
        states=sorted(LEDGER_AWARD_STATES),
        can_edit_plan=perms.can_edit_plan(current_user)[0],
    )


def rounds_page():
    """Every round's disbursement progress on one chart, each linking to its ledger."""
    ledgers = [payments.round_ledger(r.id) for r in rounds.list_rounds()]
    ledgers = [ledger for ledger in ledgers if ledger.count]
    chart = progress_chart([(ledger.round.name, ledger.totals) for ledger in ledgers])
    return render_template("finance/rounds.html", ledgers=ledgers, chart=chart)


def plan_page(round_id: int, status: int = 200, form: PlanForm | None = None):
    """The round's tranche plan form, or why it can no longer change."""
    funding_round = rounds.get_round(round_id)
    plan = payments.plan_of(round_id)
    frozen = any(a.organizer_signed_at is not None
                 for a in agreements.agreements_of_round(round_id))
    page = render_template(
        "finance/plan.html",
        r=funding_round,
        plan=plan,
        frozen=frozen,
        form=form or PlanForm.of_plan(plan),
        gates=GATES,
        gate_labels=GATE_LABELS,
        percent=percent_text,
    )
    return page, status


def grantee_page(view):
    """The grantee's own view of its award's tranches and payments."""
    return render_template("finance/grantee.html", view=view)
