"""Settlement (结项结算): refunds of unspent money, suspension with a clawback, closure, and
barring an organisation.

Each command is one transaction that locks the award row first and reads its money
(:func:`grants.services.expenses.figures.ledgers`: paid straight from the payment table)
under that lock; the rules are :mod:`grants.domain.settlement`'s. State changes go through
``lifecycle.apply`` (``award.suspend``, ``award.close``, ``tranche.block``, ``clawback.record``,
``clawback.receive``); the refund and the bar are declared events (``refund.record``,
``organisation.bar``) recorded with the role the permission allowed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time

from sqlalchemy import select

from grants.domain.clock import BEIJING, local_date, now_utc, stored
from grants.domain.errors import Refusal
from grants.domain.expenses import read_date
from grants.domain.i18n import msg
from grants.domain.inputs import is_digits
from grants.domain.lifecycles import AWARD, CLAWBACK, TRANCHE
from grants.domain.permissions import ORGANIZERS, acting_roles, role_used
from grants.domain.permissions import expenses as perms
from grants.domain.settlement import (
    DEFAULT_BAR_YEARS,
    SETTLING_STATES,
    Ledger,
    bar_until,
    check_bank_record,
    check_bar,
    check_clawback,
    check_close,
    check_refund,
    max_clawback,
    read_fen,
)
from grants.extensions import db
from grants.models import Organisation
from grants.models.awards import Award
from grants.models.expenses import Clawback, Refund
from grants.services import audit, is_row_id, locked, unit_of_work
from grants.services.expenses.commands import locked_award
from grants.services.expenses.figures import ledgers
from grants.services.expenses.queries import not_found
from grants.services.lifecycle import apply

BLOCKABLE_TRANCHES = TRANCHE.sources("block")
"""Tranches a suspension blocks: every one not yet paid."""


def _allow(decision: tuple[bool, str], status: int = 403) -> None:
    """Refuse with the decision's reason unless it allows the request."""
    allowed, reason = decision
    if not allowed:
        raise Refusal(reason, status=status)


def ledger_of(award_id: int) -> Ledger:
    """One award's money now (call it under the award lock to act on it)."""
    return ledgers([award_id])[award_id]


@dataclass(frozen=True)
class Settlement:
    """What the organizer's settlement forms show for one award."""

    award: Award
    ledger: Ledger
    refunds: list[Refund]
    clawback: Clawback | None
    max_clawback_fen: int
    close_problem: str | None
    actions: tuple[str, ...]


def settlement_of(user, award_id: int) -> Settlement:
    """One award's money, refunds, clawback and whether (and why not) it can close now;
    ``actions`` are the award lifecycle's actions ``user`` may take (suspend, close)."""
    if not is_row_id(award_id) or (award := db.session.get(Award, award_id)) is None:
        raise not_found()
    ledger = ledger_of(award.id)
    problem = _close_problem(ledger)
    refunds = list(db.session.scalars(
        select(Refund).where(Refund.award_id == award.id).order_by(Refund.id)))
    clawback = db.session.scalar(select(Clawback).where(Clawback.award_id == award.id))
    wanted = ("suspend", "close")
    actions = tuple(a for a in AWARD.available(award.status, acting_roles(user)) if a in wanted)
    return Settlement(award, ledger, refunds, clawback,
                      max_clawback(ledger), problem, actions)


def record_refund(actor, award_id: int, amount_fen: object, bank_reference: str,
                  value_date: object, now: datetime | None = None) -> Refund:
    """Record the unspent money the grantee returned (exactly the unspent amount, once every
    expense is decided), with its bank reference and value date; event ``refund.record``."""
    _allow(perms.can_record_returned_money(actor))
    moment = now_utc(now)
    amount = read_fen(amount_fen)
    day = read_date(value_date)
    check_bank_record(bank_reference, day, local_date(moment))
    with unit_of_work():
        award = locked_award(award_id)
        if award.status not in SETTLING_STATES:
            raise Refusal(msg("结项评估通过或项目暂停后才能登记结余退回"), status=409)
        ledger = ledger_of(award.id)
        check_refund(ledger, amount)
        refund = Refund(award_id=award.id, amount_fen=amount,
                        bank_reference=bank_reference.strip(), value_date=day,
                        recorded_by_id=actor.id, recorded_at=stored(moment))
        db.session.add(refund)
        db.session.flush()
        audit.record("refund.record", "refund", refund.id, {
            "award_id": award.id, "amount_fen": amount, "bank_reference": refund.bank_reference,
            "value_date": day.isoformat(), "paid_fen": ledger.paid_fen,
            "accepted_fen": ledger.accepted_fen,
        }, actor=actor, actor_role=role_used(actor, perms.MONEY_RECORDERS))
    return refund


def suspend_award(actor, award_id: int, reason: str, clawback_fen: object = 0,
                  now: datetime | None = None) -> Award:
    """Suspend an award (``award.suspend``, with a reason): its unpaid tranches are blocked
    (``tranche.block`` each) and a clawback of at most paid − accepted − refunded is recorded
    (``clawback.record``), tracked until received."""
    _allow(perms.can_settle(actor))
    amount = read_fen(clawback_fen)
    with unit_of_work():
        award = locked_award(award_id)
        AWARD.step(award.status, "suspend", acting_roles(actor), reason)
        suspend_locked(award, "suspend", actor, reason, amount, now)
    return award


def suspend_locked(award: Award, action: str, actor, reason: str, clawback_fen: int,
                   now: datetime | None = None, facts: dict | None = None) -> None:
    """Inside the caller's transaction, with the award locked: move it by ``action``
    (``suspend``, or a failed evaluation's ``fail_midterm``/``fail_final``), block its unpaid
    tranches and record the clawback (none when 0). ``actor`` None is scheduled work
    (``system``). Refused (nothing done) when the clawback exceeds what may be clawed back."""
    ledger = ledger_of(award.id)
    check_clawback(ledger, clawback_fen)
    text = reason.strip()
    apply(AWARD, award, action, actor, reason=text, payload={
        "clawback_fen": clawback_fen, "paid_fen": ledger.paid_fen,
        "accepted_fen": ledger.accepted_fen, **(facts or {})})
    for tranche in award.tranches:
        if tranche.status in BLOCKABLE_TRANCHES:
            apply(TRANCHE, tranche, "block", actor, reason=text,
                  payload={"award_id": award.id, "cause": AWARD.audit_action(action)})
    if clawback_fen:
        clawback = Clawback(award_id=award.id, amount_fen=clawback_fen, reason=text,
                            recorded_by_id=getattr(actor, "id", None),
                            recorded_at=stored(now_utc(now)))
        apply(CLAWBACK, clawback, "record", actor, reason=text,
              payload={"award_id": award.id, "amount_fen": clawback_fen})


def record_clawback_received(actor, award_id: int, bank_reference: str, value_date: object,
                             now: datetime | None = None) -> Clawback:
    """Record that the clawback of a suspended award came in (``clawback.receive``)."""
    _allow(perms.can_record_returned_money(actor))
    moment = now_utc(now)
    day = read_date(value_date)
    check_bank_record(bank_reference, day, local_date(moment))
    with unit_of_work():
        award = locked_award(award_id)
        clawback_id = db.session.scalar(select(Clawback.id).where(Clawback.award_id == award.id))
        if clawback_id is None:
            raise Refusal(msg("该项目没有登记追回金额"), status=404)
        clawback = locked(Clawback, clawback_id)
        CLAWBACK.step(clawback.status, "receive", acting_roles(actor))
        clawback.received_by_id, clawback.received_at = actor.id, stored(moment)
        clawback.bank_reference, clawback.value_date = bank_reference.strip(), day
        apply(CLAWBACK, clawback, "receive", actor, payload={
            "award_id": award.id, "amount_fen": clawback.amount_fen,
            "bank_reference": clawback.bank_reference, "value_date": day.isoformat()})
    return clawback


def close_award(actor, award_id: int) -> Award:
    """Close an award (``award.close``) once accepted + refunded + clawed back = paid, every
    expense is decided and no payment is in progress; else a 409 saying what is missing."""
    _allow(perms.can_settle(actor))
    with unit_of_work():
        award = locked_award(award_id)
        AWARD.step(award.status, "close", acting_roles(actor))
        ledger = ledger_of(award.id)
        check_close(ledger)
        apply(AWARD, award, "close", actor, payload={
            "paid_fen": ledger.paid_fen, "accepted_fen": ledger.accepted_fen,
            "refunded_fen": ledger.refunded_fen, "clawed_back_fen": ledger.clawback_received_fen})
    return award


def _stored_end(day) -> datetime:
    """The last day of a bar as the organisation row stores it (noon in Beijing, naive UTC),
    so :func:`grants.domain.clock.local_date` of it is that day."""
    return stored(datetime.combine(day, time(12), tzinfo=BEIJING))


def bar_organisation(actor, org_id: int, years: object = DEFAULT_BAR_YEARS, reason: str = "",
                     now: datetime | None = None) -> Organisation:
    """Bar an organisation from applying for ``years`` (default 3) with a reason; screening
    shows the bar and refuses to pass its proposals. A longer (or permanent) bar already in
    force is kept.
    Event ``organisation.bar`` with the organizer's role."""
    _allow(perms.can_settle(actor))
    text_years = str(years).strip()
    count = int(text_years) if is_digits(text_years) and len(text_years) <= 3 else years
    text = check_bar(count, reason)
    with unit_of_work():
        org = locked(Organisation, org_id, msg("找不到这个社会组织"))
        bar_locked(org, count, text, actor, role_used(actor, ORGANIZERS), now)
    return org


def bar_locked(org: Organisation, years: int, reason: str, actor, role: str,
               now: datetime | None = None) -> None:
    """Inside the caller's transaction, with the organisation locked: bar it for ``years``
    from today (a longer or permanent bar in force is kept) and record ``organisation.bar``
    with ``role`` (``system`` for scheduled work)."""
    until = bar_until(local_date(now), years)
    permanent = org.banned_until is None and bool(org.ban_reason)
    current = local_date(org.banned_until) if org.banned_until else None
    if not permanent and (current is None or current < until):
        org.banned_until = _stored_end(until)
    org.ban_reason = reason
    end = local_date(org.banned_until).isoformat() if org.banned_until else None
    audit.record("organisation.bar", "organisation", org.id,
                 {"years": years, "until": end, "reason": reason},
                 actor=actor, actor_role=role)


def _close_problem(ledger: Ledger) -> str | None:
    """Why an award with this money cannot close now, or None."""
    try:
        check_close(ledger)
    except Refusal as refusal:
        return str(refusal)
    return None


def close_problem(award_id: int) -> str | None:
    """Why the award cannot close now, or None (for a button's tooltip)."""
    return _close_problem(ledger_of(award_id))


__all__ = [
    "Settlement", "bar_locked", "bar_organisation", "close_award", "close_problem", "ledger_of",
    "record_clawback_received", "record_refund", "settlement_of", "suspend_award",
    "suspend_locked",
]
