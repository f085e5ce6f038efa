"""Disbursement (拨付) use cases: :mod:`.commands` writes, :mod:`.queries` reads.

The public API (PAYMENTS.md's names; ``today``/``now`` are optional everywhere, ids are ints,
money is integer fen, every refusal is a :class:`~grants.domain.errors.Refusal` with its HTTP
status):

Commands — each one ``unit_of_work`` that locks the award row first:

- ``request_payment(actor, tranche_id, amount_fen, payee_name, payee_account, now=None)
  -> Payment``
- ``approve_payment(actor, payment_id, now=None) -> Payment``
- ``reject_payment(actor, payment_id, reason) -> Payment``
- ``cancel_payment(actor, payment_id, reason) -> Payment``
- ``mark_paid(actor, payment_id, bank_reference, value_date, paying_account, now=None)
  -> Payment`` (``value_date`` a :class:`datetime.date`)
- ``change_payee(actor, payment_id, payee_name, payee_account) -> Payment``
- ``meet_gate(actor, tranche_id, reason) -> Tranche``
- ``save_plan(actor, round_id, terms: Sequence[Term]) -> tuple[Term, ...]``

Queries — a constant number of statements whatever the number of awards:

- ``plan_of(round_id) -> tuple[Term, ...]`` (``DEFAULT_PLAN`` when the round has none)
- ``dashboard(user, today=None) -> Dashboard`` (``to_approve``, ``due``, ``overdue``,
  ``rejected``)
- ``award_ledger(award_id, today=None) -> AwardLedger`` (``award``, ``agreement``,
  ``tranches: list[TrancheRow]``, ``payments``, ``totals: Totals``)
- ``round_ledger(round_id, filters: LedgerFilters | None = None, page=1, today=None)
  -> RoundLedger`` (``rows: list[LedgerRow]``, ``totals``, ``page``, ``pages``, ``count``)
- ``iter_payment_rows(round_id) -> Iterator[PaymentExportRow]`` (streamed) and
  ``count_payment_rows(round_id) -> int`` (how many it yields)
- ``applicant_tranches(user, award_id, today=None) -> GranteeView`` (404 unless the user owns
  the proposal or reads awards)

The gate interface the evaluations plug into is :func:`grants.services.gates.gate_met`. Who may
do what is :mod:`grants.domain.permissions.payments` (``can_request_payment``,
``can_approve_payment(user, payment)``, ``can_handle_payment``, ``can_mark_paid``,
``can_record_gate``, ``can_edit_plan``, ``can_read_ledger``, ``can_see_tranches``), for the
views as for these commands.
"""

from __future__ import annotations

from grants.services.payments.commands import (
    approve_payment,
    cancel_payment,
    change_payee,
    content_of,
    mark_paid,
    meet_gate,
    reject_payment,
    request_payment,
    save_plan,
)
from grants.services.payments.queries import (
    PAGE_SIZE,
    AwardLedger,
    Dashboard,
    GranteePayment,
    GranteeView,
    LedgerFilters,
    LedgerRow,
    PaymentExportRow,
    RoundLedger,
    TrancheRow,
    applicant_tranches,
    award_ledger,
    count_payment_rows,
    dashboard,
    iter_payment_rows,
    plan_of,
    round_ledger,
)

__all__ = [
    "PAGE_SIZE", "AwardLedger", "Dashboard", "GranteePayment", "GranteeView", "LedgerFilters",
    "LedgerRow", "PaymentExportRow", "RoundLedger", "TrancheRow", "applicant_tranches",
    "approve_payment", "award_ledger", "cancel_payment", "change_payee", "content_of",
    "count_payment_rows", "dashboard", "iter_payment_rows", "mark_paid", "meet_gate", "plan_of", "reject_payment",
    "request_payment", "round_ledger", "save_plan",
]
