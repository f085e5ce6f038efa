"""Disbursement reads: the round's tranche plan, the finance dashboard, the award and round
ledgers, the payment export rows and what a grantee sees.

Every query runs a constant number of SQL statements whatever the number of awards (related
rows are joined or fetched in one statement per kind, sums are grouped in the database), so a
round of 1,000 awards costs what a round of 10 does. Deadlines: the first tranche is due within
15 working days of the countersignature, counted on the notice calendar (configuration
``NOTICE_HOLIDAYS`` / ``NOTICE_WORKDAYS``, read as the notices do); a tranche past its deadline
and unpaid is overdue. ``today`` (a local date) can be passed in; it defaults to today in
Beijing.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import NamedTuple

from sqlalchemy import and_, exists, func, select
from sqlalchemy.orm import aliased, joinedload

from grants.domain import payments as rules
from grants.domain.clock import local_date
from grants.domain.i18n import msg
from grants.domain.lifecycles.payment import OPEN_STATES, PAID, REJECTED, REQUESTED
from grants.domain.permissions.payments import can_see_tranches
from grants.domain.tranches import DEFAULT_PLAN, Term
from grants.extensions import db
from grants.models import FundingRound, Proposal, User
from grants.models.awards import Agreement, Award, Tranche
from grants.models.payments import Payment, TranchePlanTerm
from grants.services import Refusal, is_row_id

PAGE_SIZE = 20
"""Awards per page of the round ledger."""
EXPORT_BATCH = 500
"""Rows fetched per round trip while streaming an export."""


# ------------------------------------------------------------------------------- results


@dataclass(frozen=True)
class TrancheRow:
    """One tranche as a ledger shows it: the row, what was paid on it, its deadline (first
    tranche only), whether it is overdue, and its payment in progress (if any)."""

    tranche: Tranche
    paid_fen: int
    deadline: date | None
    overdue: bool
    open_payment: Payment | None = None


@dataclass(frozen=True)
class AwardLedger:
    """An award's disbursement: its tranches, every payment (oldest first), its totals."""

    award: Award
    agreement: Agreement | None
    tranches: list[TrancheRow]
    payments: list[Payment]
    totals: rules.Totals


@dataclass(frozen=True)
class Dashboard:
    """What needs a finance officer now.

    ``to_approve``: requested payments this officer did not request (oldest first);
    ``due``: tranches whose gate is met and that are not paid yet (overdue first, then by
    deadline); ``rejected``: payments rejected last on a tranche still unpaid (newest first).
    """

    to_approve: list[Payment]
    due: list[TrancheRow]
    rejected: list[Payment]

    @property
    def overdue(self) -> list[TrancheRow]:
        """The due tranches past their deadline."""
        return [row for row in self.due if row.overdue]


@dataclass(frozen=True)
class LedgerFilters:
    """Round ledger filters: an award status (one of ``LEDGER_AWARD_STATES``) and overdue only."""

    status: str | None = None
    overdue: bool = False


@dataclass(frozen=True)
class LedgerRow:
    """One award of the round ledger (plain values: link with ``award_id``)."""

    award_id: int
    rank: int
    title: str
    agreement_number: str | None
    award_status: str
    totals: rules.Totals
    deadline: date | None
    overdue: bool


@dataclass(frozen=True)
class RoundLedger:
    """One page of a round's ledger, and the totals of every award the filters keep."""

    round: FundingRound
    rows: list[LedgerRow]
    totals: rules.Totals
    page: int
    pages: int
    count: int
    filters: LedgerFilters = field(default_factory=LedgerFilters)


class PaymentExportRow(NamedTuple):
    """One payment as the XLSX/CSV export writes it: money in fen, times naive UTC."""

    payment_id: int
    agreement_number: str | None
    project_title: str
    award_id: int
    tranche_sequence: int
    gate: str
    amount_fen: int
    status: str
    payee_name: str
    payee_account: str
    requested_by: str
    requested_at: datetime
    approved_by: str | None
    approved_at: datetime | None
    approval_digest: str | None
    paid_by: str | None
    paid_at: datetime | None
    bank_reference: str | None
    value_date: date | None
    paying_account: str | None
    reason: str


@dataclass(frozen=True)
class GranteePayment:
    """A payment as the grantee sees it: how much, for which tranche, where it stands."""

    tranche_sequence: int
    amount_fen: int
    status: str
    requested_at: datetime
    value_date: date | None


@dataclass(frozen=True)
class GranteeView:
    """What the grantee sees of its award: tranches, payments, totals."""

    award: Award
    tranches: list[TrancheRow]
    payments: list[GranteePayment]
    totals: rules.Totals


# ------------------------------------------------------------------------------- helpers




def notice_calendar() -> tuple[frozenset[date], frozenset[date]]:
    """Public holidays and make-up workdays, as the notices count working days.

    Imported when called: :mod:`grants.services.notices` imports the agreements, which import
    this package for the round's plan.
    """
    from grants.services.notices import _calendar

    return _calendar()


def _deadline(tranche: Tranche, agreement: Agreement | None, calendar) -> date | None:
    """The tranche's deadline on the notice calendar (first tranche of a signed agreement)."""
    signed_at = agreement.organizer_signed_at if agreement is not None else None
    signed_on = local_date(signed_at) if signed_at is not None else None
    return rules.tranche_deadline(tranche.gate, signed_on, *calendar)


def _tranche_rows(tranches: Iterable[Tranche], payments: Iterable[Payment],
                  agreement_of, today: date, calendar) -> list[TrancheRow]:
    """Ledger rows of ``tranches`` from their ``payments``; ``agreement_of(tranche)`` gives the
    agreement whose signature starts the first tranche's deadline."""
    paid: dict[int, int] = {}
    open_payment: dict[int, Payment] = {}
    for payment in payments:
        if payment.status == PAID:
            paid[payment.tranche_id] = paid.get(payment.tranche_id, 0) + payment.amount_fen
        elif payment.status in OPEN_STATES:
            open_payment[payment.tranche_id] = payment
    rows = []
    for tranche in tranches:
        deadline = _deadline(tranche, agreement_of(tranche), calendar)
        settled = tranche.status == rules.PAID_TRANCHE_STATE
        rows.append(TrancheRow(tranche, paid.get(tranche.id, 0), deadline,
                               rules.is_overdue(deadline, today, settled),
                               open_payment.get(tranche.id)))
    return rows


def _totals(award: Award, rows: list[TrancheRow], payments: list[Payment]) -> rules.Totals:
    """An award's totals from its loaded tranche rows and payments."""
    return rules.ledger_totals(
        award.amount_fen,
        ((row.tranche.status, row.tranche.amount_fen, row.paid_fen) for row in rows),
        ((p.status, p.amount_fen) for p in payments),
    )


def _award_parts(award: Award, today: date) -> tuple[list[TrancheRow], list[Payment]]:
    """An award's tranche rows and payments (people loaded): two statements."""
    tranches = db.session.scalars(
        select(Tranche).where(Tranche.award_id == award.id).order_by(Tranche.sequence)).all()
    payments = db.session.scalars(
        select(Payment).where(Payment.award_id == award.id).order_by(Payment.id).options(
            joinedload(Payment.requested_by), joinedload(Payment.approved_by),
            joinedload(Payment.paid_by))).all()
    rows = _tranche_rows(tranches, payments, lambda _t: award.agreement, today,
                         notice_calendar())
    return rows, list(payments)


def _award(award_id: int) -> Award | None:
    """The award with its proposal and agreement, or None."""
    if not is_row_id(award_id):
        return None
    return db.session.scalar(
        select(Award).where(Award.id == award_id)
        .options(joinedload(Award.proposal), joinedload(Award.agreement))
    )


def _round(round_id: int) -> FundingRound:
    """The round, or a 404 refusal."""
    funding_round = db.session.get(FundingRound, round_id) if is_row_id(round_id) else None
    if funding_round is None:
        raise Refusal(msg("找不到这个赛事"), status=404)
    return funding_round


# ------------------------------------------------------------------------------- queries


def plan_of(round_id: int) -> tuple[Term, ...]:
    """The round's tranche plan in order, or the default plan when it has none."""
    rows = db.session.execute(
        select(TranchePlanTerm.gate, TranchePlanTerm.share_bp)
        .where(TranchePlanTerm.round_id == round_id).order_by(TranchePlanTerm.sequence)
    ).all()
    return tuple(Term(gate, share) for gate, share in rows) or DEFAULT_PLAN


def award_ledger(award_id: int, today: date | None = None) -> AwardLedger:
    """An award's tranches (amount, status, paid, deadline, overdue), payments and totals
    (awarded, due, requested, approved, paid, remaining); 404 for an unknown award."""
    award = _award(award_id)
    if award is None:
        raise Refusal(msg("找不到这个立项项目"), status=404)
    rows, payments = _award_parts(award, today or local_date())
    return AwardLedger(award, award.agreement, rows, payments, _totals(award, rows, payments))


def applicant_tranches(user, award_id: int, today: date | None = None) -> GranteeView:
    """What the grantee sees of its award: tranches, payments, totals.

    The proposal's owner (and the award readers) only; anyone else is told the award does not
    exist (404), as for another grantee's agreement.
    """
    award = _award(award_id)
    if award is None or not can_see_tranches(user, award)[0]:
        raise Refusal(msg("找不到这个立项项目"), status=404)
    rows, payments = _award_parts(award, today or local_date())
    sequence = {row.tranche.id: row.tranche.sequence for row in rows}
    shown = [GranteePayment(sequence[p.tranche_id], p.amount_fen, p.status, p.requested_at,
                            p.value_date) for p in payments]
    return GranteeView(award, rows, shown, _totals(award, rows, payments))


def dashboard(user, today: date | None = None) -> Dashboard:
    """What needs this finance officer now: payments to approve that they did not request, due
    and overdue tranches, and rejections still unanswered. Four statements."""
    today = today or local_date()
    to_approve = db.session.scalars(
        select(Payment).where(Payment.status == REQUESTED, Payment.requested_by_id != user.id)
        .order_by(Payment.requested_at, Payment.id)
        .options(joinedload(Payment.tranche), joinedload(Payment.requested_by),
                 joinedload(Payment.award).joinedload(Award.proposal))
    ).all()
    due_ids = select(Tranche.id).where(Tranche.status == rules.PAYABLE_TRANCHE_STATE)
    due = db.session.scalars(
        select(Tranche).where(Tranche.id.in_(due_ids))
        .options(joinedload(Tranche.award).joinedload(Award.proposal),
                 joinedload(Tranche.award).joinedload(Award.agreement))
    ).all()
    on_due = db.session.scalars(select(Payment).where(Payment.tranche_id.in_(due_ids))).all()
    rows = _tranche_rows(due, on_due, lambda t: t.award.agreement, today, notice_calendar())
    rows.sort(key=lambda r: (not r.overdue, r.deadline or date.max, r.tranche.award_id,
                             r.tranche.sequence))
    return Dashboard(list(to_approve), rows, _unanswered_rejections())


def _unanswered_rejections() -> list[Payment]:
    """Payments rejected last on their tranche, the tranche still unpaid: someone must
    request again (or decide not to)."""
    later = aliased(Payment)
    newer = exists().where(later.tranche_id == Payment.tranche_id, later.id > Payment.id)
    query = (
        select(Payment).join(Tranche, Tranche.id == Payment.tranche_id)
        .where(Payment.status == REJECTED, Tranche.status != rules.PAID_TRANCHE_STATE, ~newer)
        .order_by(Payment.id.desc())
        .options(joinedload(Payment.tranche), joinedload(Payment.requested_by),
                 joinedload(Payment.award).joinedload(Award.proposal))
    )
    return list(db.session.scalars(query).all())


def round_ledger(round_id: int, filters: LedgerFilters | None = None, page: int = 1,
                 today: date | None = None) -> RoundLedger:
    """One row per award of the round (confirmed and later) with its totals, filtered by award
    status and/or overdue, ``PAGE_SIZE`` a page, and the totals of every award kept. Four
    statements whatever the number of awards; 404 for an unknown round, 400 for an unknown
    status."""
    funding_round = _round(round_id)
    filters = filters or LedgerFilters()
    states = rules.LEDGER_AWARD_STATES
    if filters.status is not None:
        if filters.status not in states:
            raise Refusal(msg("未知的项目状态“{status}”", status=filters.status), status=400)
        states = frozenset({filters.status})
    today, calendar = today or local_date(), notice_calendar()
    awards = db.session.execute(
        select(Award.id, Award.rank, Award.amount_fen, Award.status, Proposal.title,
               Agreement.number, Agreement.organizer_signed_at)
        .join(Proposal, Proposal.id == Award.proposal_id)
        .outerjoin(Agreement, Agreement.award_id == Award.id)
        .where(Award.round_id == round_id, Award.status.in_(sorted(states)))
        .order_by(Award.rank, Award.id)
    ).all()
    tranches, payments = _round_tranches(round_id), _round_payment_sums(round_id)
    rows = []
    for award_id, rank, amount, status, title, number, signed_at in awards:
        own = tranches.get(award_id, [])
        totals = rules.ledger_totals(amount, ((s, a, p) for _g, s, a, p in own),
                                     payments.get(award_id, []))
        signed_on = local_date(signed_at) if signed_at is not None else None
        deadline, overdue = None, False
        for gate, tranche_status, _amount, _paid in own:
            if (found := rules.tranche_deadline(gate, signed_on, *calendar)) is not None:
                deadline = found
                overdue = rules.is_overdue(found, today,
                                           tranche_status == rules.PAID_TRANCHE_STATE)
        rows.append(LedgerRow(award_id, rank, title, number, status, totals, deadline, overdue))
    if filters.overdue:
        rows = [row for row in rows if row.overdue]
    pages = max(1, -(-len(rows) // PAGE_SIZE))
    page = min(max(page if isinstance(page, int) else 1, 1), pages)
    total = sum((row.totals for row in rows), rules.Totals())
    shown = rows[(page - 1) * PAGE_SIZE: page * PAGE_SIZE]
    return RoundLedger(funding_round, shown, total, page, pages, len(rows), filters)


def _round_tranches(round_id: int) -> dict[int, list[tuple[str, str, int, int]]]:
    """Per award of the round: ``(gate, status, amount_fen, paid_fen)`` of each tranche."""
    paid = func.coalesce(func.sum(Payment.amount_fen), 0)
    query = (
        select(Tranche.award_id, Tranche.gate, Tranche.status, Tranche.amount_fen, paid)
        .join(Award, Award.id == Tranche.award_id)
        .outerjoin(Payment, and_(Payment.tranche_id == Tranche.id, Payment.status == PAID))
        .where(Award.round_id == round_id)
        .group_by(Tranche.id, Tranche.award_id, Tranche.gate, Tranche.status,
                  Tranche.amount_fen, Tranche.sequence)
        .order_by(Tranche.award_id, Tranche.sequence)
    )
    found: dict[int, list[tuple[str, str, int, int]]] = {}
    for award_id, gate, status, amount, paid_fen in db.session.execute(query):
        found.setdefault(award_id, []).append((gate, status, amount, int(paid_fen)))
    return found


def _round_payment_sums(round_id: int) -> dict[int, list[tuple[str, int]]]:
    """Per award of the round: ``(status, amount_fen)`` sums of its payments by status."""
    query = (
        select(Payment.award_id, Payment.status, func.sum(Payment.amount_fen))
        .join(Award, Award.id == Payment.award_id)
        .where(Award.round_id == round_id)
        .group_by(Payment.award_id, Payment.status)
    )
    found: dict[int, list[tuple[str, int]]] = {}
    for award_id, status, amount in db.session.execute(query):
        found.setdefault(award_id, []).append((status, int(amount)))
    return found


def count_payment_rows(round_id: int) -> int:
    """How many rows :func:`iter_payment_rows` yields for the round (for an export's progress)."""
    query = (select(func.count(Payment.id)).join(Award, Award.id == Payment.award_id)
             .where(Award.round_id == round_id))
    return db.session.scalar(query) or 0


def iter_payment_rows(round_id: int) -> Iterator[PaymentExportRow]:
    """Every payment of the round as plain rows, streamed ``EXPORT_BATCH`` at a time (a server
    cursor on PostgreSQL), in award rank, tranche and payment order. The round is checked
    now (404); the rows are read while the caller iterates, inside its app context."""
    _round(round_id)
    requester, approver, payer = aliased(User), aliased(User), aliased(User)
    query = (
        select(Payment.id, Agreement.number, Proposal.title, Payment.award_id, Tranche.sequence,
               Tranche.gate, Payment.amount_fen, Payment.status, Payment.payee_name,
               Payment.payee_account, requester.display_name, Payment.requested_at,
               approver.display_name, Payment.approved_at, Payment.approval_digest,
               payer.display_name, Payment.paid_at, Payment.bank_reference, Payment.value_date,
               Payment.paying_account, Payment.reason)
        .join(Tranche, Tranche.id == Payment.tranche_id)
        .join(Award, Award.id == Payment.award_id)
        .join(Proposal, Proposal.id == Award.proposal_id)
        .outerjoin(Agreement, Agreement.award_id == Award.id)
        .join(requester, requester.id == Payment.requested_by_id)
        .outerjoin(approver, approver.id == Payment.approved_by_id)
        .outerjoin(payer, payer.id == Payment.paid_by_id)
        .where(Award.round_id == round_id)
        .order_by(Award.rank, Award.id, Tranche.sequence, Payment.id)
        .execution_options(yield_per=EXPORT_BATCH)
    )
    return _stream_payment_rows(query)


def _stream_payment_rows(query) -> Iterator[PaymentExportRow]:
    """Run ``query`` when the first row is asked for, not before: a streamed answer asks after
    the request's own commits (the session touch), which would close a server cursor opened
    earlier."""
    for row in db.session.execute(query):
        yield PaymentExportRow(*row)
