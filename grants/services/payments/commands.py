"""Disbursement changes: request, approve, reject, cancel, mark paid, correct the payee, record a
gate, set a round's tranche plan.

Every command is one ``unit_of_work`` that locks the **award row first** (``locked(Award,
id)``), then the rows it changes, so two officers acting on one award queue one after the
other and every money check (what is committed, what is left of a tranche, the gate, the
suspension) reads what the previous one committed. The rules are the domain's
(:mod:`grants.domain.payments`, :mod:`grants.domain.tranches`, the permissions in
:mod:`grants.domain.permissions.payments`); a state changes only through
:func:`grants.services.lifecycle.apply`, which writes exactly one entry per object whose state
changed, with the role that authorised it. A refusal raises :class:`Refusal` (with the HTTP
status) and changes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import delete, exists, select

from grants.domain import payments as rules
from grants.domain.clock import local_date, now_utc, stored, utc_text
from grants.domain.i18n import N_, msg
from grants.domain.lifecycles.payment import PAID, PAYMENT
from grants.domain.lifecycles.tranche import TRANCHE
from grants.domain.permissions import (
    FINANCE_OFFICERS,
    ORGANIZERS,
    Decision,
    acting_roles,
    role_used,
)
from grants.domain.permissions import payments as perms
from grants.domain.tranches import Term, check_plan
from grants.extensions import db
from grants.models.awards import Agreement, Award, Tranche
from grants.models.payments import Payment, TranchePlanTerm
from grants.services import Refusal, audit, is_row_id, locked, unit_of_work
from grants.services.awards import lock_round
from grants.services.gates import AWARD_NOT_FOUND, record_gate
from grants.services.lifecycle import apply
from grants.services.payments.queries import plan_of

PAYMENT_NOT_FOUND = N_("找不到这笔付款")
TRANCHE_NOT_FOUND = N_("找不到这个拨付批次")
PAYEE_CHANGED = N_("收款信息已变更")
"""The reason an approval lapses when the payee changes (stored untranslated)."""


# ------------------------------------------------------------------------------ plumbing


def _allow(decision: Decision) -> None:
    """Refuse with the permission's own reason (403) unless it allows."""
    allowed, reason = decision
    if not allowed:
        raise Refusal(reason, status=403)


def _award_id_of(model, row_id: int, missing: str) -> int:
    """The award a tranche or payment belongs to (read before any lock), or a 404 refusal."""
    if not is_row_id(row_id):
        raise Refusal(missing, status=404)
    award_id = db.session.scalar(select(model.award_id).where(model.id == row_id))
    if award_id is None:
        raise Refusal(missing, status=404)
    return award_id


def _locked_payment(payment_id: int) -> tuple[Award, Tranche, Payment]:
    """Lock the payment's award, then the payment and its tranche, each read afresh."""
    missing = msg(PAYMENT_NOT_FOUND)
    award = locked(Award, _award_id_of(Payment, payment_id, missing), msg(AWARD_NOT_FOUND))
    payment = locked(Payment, payment_id, missing)
    tranche = locked(Tranche, payment.tranche_id, msg(TRANCHE_NOT_FOUND))
    return award, tranche, payment


def _locked_tranche(tranche_id: int) -> tuple[Award, Tranche]:
    """Lock the tranche's award, then the tranche, each read afresh."""
    missing = msg(TRANCHE_NOT_FOUND)
    award = locked(Award, _award_id_of(Tranche, tranche_id, missing), msg(AWARD_NOT_FOUND))
    return award, locked(Tranche, tranche_id, missing)


def _expect(payment: Payment, action: str, actor) -> None:
    """Refuse now, with the lifecycle's own message, an action the payment's state or the
    actor's roles do not allow: a person hears that first, before any money rule."""
    PAYMENT.step(payment.status, action, acting_roles(actor), reason=None)


def content_of(payment: Payment) -> rules.PaymentContent:
    """What an approval of ``payment`` approves, read from the row as it is now."""
    return rules.PaymentContent(
        tranche_id=payment.tranche_id, amount_fen=payment.amount_fen,
        payee_name=payment.payee_name, payee_account=payment.payee_account,
        requested_at=utc_text(payment.requested_at),
    )


def _payments_of(column, value, *, except_id: int | None = None) -> list[tuple[str, int]]:
    """``(status, amount_fen)`` of the payments whose ``column`` is ``value``."""
    query = select(Payment.status, Payment.amount_fen).where(column == value)
    if except_id is not None:
        query = query.where(Payment.id != except_id)
    return [(status, amount) for status, amount in db.session.execute(query)]


def _paid_on(tranche_id: int) -> int:
    """What the bank has paid on one tranche so far."""
    return sum(amount for status, amount in _payments_of(Payment.tranche_id, tranche_id)
               if status == PAID)


def _payee(name: str | None, account: str | None) -> tuple[str, str]:
    """The payee as stored: the name trimmed, the account without spaces (checked)."""
    name, account = (name or "").strip(), (account or "").replace(" ", "")
    rules.check_payee(name, account)
    return name, account


def _facts(payment: Payment, **more) -> dict:
    """The facts every payment entry carries, plus ``more``."""
    return {"award_id": payment.award_id, "tranche_id": payment.tranche_id,
            "amount_fen": payment.amount_fen, **more}


# ------------------------------------------------------------------------------ payments


def request_payment(actor, tranche_id: int, amount_fen: int, payee_name: str,
                    payee_account: str, now: datetime | None = None) -> Payment:
    """A finance officer asks to pay ``amount_fen`` of a tranche to a payee.

    Refused when the tranche already has a payment in progress (409), or the amount is not
    positive or exceeds what is left of the tranche, or the payee is malformed (422). A request
    may precede the gate; its approval may not. One ``payment.request`` entry.
    """
    _allow(perms.can_request_payment(actor))
    rules.check_amount_type(amount_fen)
    with unit_of_work():
        _award, tranche = _locked_tranche(tranche_id)
        name, account = _payee(payee_name, payee_account)
        on_tranche = _payments_of(Payment.tranche_id, tranche.id)
        rules.check_no_open_payment(status for status, _ in on_tranche)
        paid = sum(amount for status, amount in on_tranche if status == PAID)
        rules.check_request_amount(amount_fen, tranche.amount_fen, paid)
        payment = Payment(
            tranche_id=tranche.id, award_id=tranche.award_id, amount_fen=amount_fen,
            payee_name=name, payee_account=account, requested_by_id=actor.id,
            requested_at=stored(now_utc(now)), reason="",
        )
        apply(PAYMENT, payment, "request", actor, payload=_facts(
            payment, payee_name=name, payee_account=account,
            content_sha256=content_of(payment).digest(),
        ))
    return payment


def approve_payment(actor, payment_id: int, now: datetime | None = None) -> Payment:
    """Another finance officer approves a requested payment, binding the approval to its
    content (the digest is stored and audited).

    Refused, under the award lock: the requester (403, four eyes — also a database CHECK), a
    tranche whose gate is not met or an award that is suspended (409), an amount that would take
    approved and paid money past the award (409, naming the room left), a payment that is not
    awaiting approval (409). One ``payment.approve`` entry.
    """
    with unit_of_work():
        award, tranche, payment = _locked_payment(payment_id)
        _allow(perms.can_approve_payment(actor, payment))
        _expect(payment, "approve", actor)
        rules.check_approval(
            requester_id=payment.requested_by_id, approver_id=actor.id,
            tranche_status=tranche.status, award_status=award.status,
            award_fen=award.amount_fen,
            committed=rules.committed_fen(
                _payments_of(Payment.award_id, award.id, except_id=payment.id)),
            amount_fen=payment.amount_fen,
        )
        digest = content_of(payment).digest()
        payment.approved_by_id = actor.id
        payment.approved_at = stored(now_utc(now))
        payment.approval_digest = digest
        apply(PAYMENT, payment, "approve", actor, payload=_facts(payment, approval_digest=digest))
    return payment


def mark_paid(actor, payment_id: int, bank_reference: str, value_date: date,
              paying_account: str, now: datetime | None = None) -> Payment:
    """A finance officer records that the bank paid an approved payment (reference, value date,
    paying account). When the tranche's paid sum reaches its amount the tranche is paid too.

    Refused when the approval no longer holds — the payment's content differs from what was
    approved (409) —, when the award is suspended or the tranche is not due (409), or when the
    bank record is incomplete (422). One ``payment.mark_paid`` entry, and one ``tranche.pay``
    entry when the tranche is settled.
    """
    _allow(perms.can_mark_paid(actor))
    with unit_of_work():
        award, tranche, payment = _locked_payment(payment_id)
        _expect(payment, "mark_paid", actor)
        if not rules.approval_holds(payment.approval_digest, content_of(payment)):
            raise Refusal(msg("付款内容与审批时不一致，审批已失效，请重新审批后再登记付款"),
                          status=409)
        rules.check_releasable(tranche.status, award.status)
        rules.check_bank_record(bank_reference, value_date, paying_account, local_date(now))
        payment.paid_by_id = actor.id
        payment.paid_at = stored(now_utc(now))
        payment.bank_reference = bank_reference.strip()
        payment.value_date = value_date
        payment.paying_account = paying_account.replace(" ", "")
        apply(PAYMENT, payment, "mark_paid", actor, payload=_facts(
            payment, approval_digest=payment.approval_digest,
            bank_reference=payment.bank_reference, value_date=value_date.isoformat(),
            paying_account=payment.paying_account,
        ))
        paid = _paid_on(tranche.id)
        if paid >= tranche.amount_fen:
            apply(TRANCHE, tranche, "pay", actor, payload={
                "award_id": tranche.award_id, "sequence": tranche.sequence,
                "amount_fen": tranche.amount_fen, "paid_fen": paid, "payment_id": payment.id,
            })
    return payment


def reject_payment(actor, payment_id: int, reason: str) -> Payment:
    """A finance officer refuses a payment in progress, with the reason (one entry); its
    tranche may be requested again."""
    return _close(actor, payment_id, "reject", reason)


def cancel_payment(actor, payment_id: int, reason: str) -> Payment:
    """A finance officer withdraws a payment in progress, with the reason (one entry)."""
    return _close(actor, payment_id, "cancel", reason)


def _close(actor, payment_id: int, action: str, reason: str) -> Payment:
    """Reject or cancel: the lifecycle checks the state and the reason, the reason is kept."""
    _allow(perms.can_handle_payment(actor))
    with unit_of_work():
        _award, _tranche, payment = _locked_payment(payment_id)
        apply(PAYMENT, payment, action, actor, reason=reason, payload=_facts(payment))
        payment.reason = reason.strip()
    return payment


def change_payee(actor, payment_id: int, payee_name: str, payee_account: str) -> Payment:
    """A finance officer corrects the payee of a payment in progress.

    An approved payment's approval covered the old payee, so it lapses in the same
    transaction: the payment returns to ``requested`` (one ``payment.void`` entry, reason
    “收款信息已变更”, with the old and new payee). A requested one is simply corrected (one
    ``payment.change_payee`` entry). Either way the officer who set the new content becomes
    its requester, so they cannot approve it themselves. Nothing changes (and nothing is
    written) when the payee is the same. Refused for a payment no longer in progress (409).
    """
    _allow(perms.can_handle_payment(actor))
    with unit_of_work():
        _award, _tranche, payment = _locked_payment(payment_id)
        if payment.status not in rules.OPEN_STATES:
            raise Refusal(msg("只有处理中的付款可以修改收款信息"), status=409)
        name, account = _payee(payee_name, payee_account)
        if (name, account) == (payment.payee_name, payment.payee_account):
            return payment
        facts = _facts(
            payment, payee_name=name, payee_account=account,
            previous={"payee_name": payment.payee_name, "payee_account": payment.payee_account,
                      "requested_by_id": payment.requested_by_id},
        )
        approved = payment.status in rules.COMMITTING_STATES
        payment.payee_name, payment.payee_account = name, account
        payment.requested_by_id = actor.id
        facts["content_sha256"] = content_of(payment).digest()
        if approved:
            facts["voided_approval_digest"] = payment.approval_digest
            payment.approved_by_id = payment.approved_at = payment.approval_digest = None
            apply(PAYMENT, payment, "void", actor, reason=PAYEE_CHANGED, payload=facts)
        else:
            audit.record("payment.change_payee", "payment", payment.id, facts,
                         actor=actor, actor_role=role_used(actor, FINANCE_OFFICERS))
    return payment


# ------------------------------------------------------------------------ gates and plans


def meet_gate(actor, tranche_id: int, reason: str) -> Tranche:
    """An organizer records that a tranche's gate is met (until evaluations record it): the
    tranche becomes due, with the reason as evidence (one ``tranche.meet_gate`` entry)."""
    _allow(perms.can_record_gate(actor))
    with unit_of_work():
        _award, tranche = _locked_tranche(tranche_id)
        record_gate(tranche, reason, actor)
    return tranche


def save_plan(actor, round_id: int, terms: Sequence[Term]) -> tuple[Term, ...]:
    """An organizer sets a round's tranche plan (gates and shares, checked by the domain);
    agreements signed afterwards store their tranches from it.

    Frozen once any agreement of the round is countersigned (409): tranches already stored
    follow the plan they were signed with. The round is locked, as the countersignature locks
    it, so a plan never changes under a signature. One ``round.save_tranche_plan`` entry.
    """
    _allow(perms.can_edit_plan(actor))
    plan = tuple(terms)
    with unit_of_work():
        lock_round(round_id)
        check_plan(plan)
        signed = select(Agreement.id).join(Award, Award.id == Agreement.award_id).where(
            Award.round_id == round_id, Agreement.organizer_signed_at.is_not(None))
        if db.session.scalar(select(exists(signed))):
            raise Refusal(msg("本轮已有协议签署生效，拨付方案不能再修改"), status=409)
        previous = plan_of(round_id)
        db.session.execute(delete(TranchePlanTerm).where(TranchePlanTerm.round_id == round_id))
        db.session.add_all(
            TranchePlanTerm(round_id=round_id, sequence=sequence, gate=term.gate,
                            share_bp=term.share_bp)
            for sequence, term in enumerate(plan, 1)
        )
        audit.record("round.save_tranche_plan", "funding_round", round_id, {
            "terms": [{"gate": t.gate, "share_bp": t.share_bp} for t in plan],
            "previous": [{"gate": t.gate, "share_bp": t.share_bp} for t in previous],
        }, actor=actor, actor_role=role_used(actor, ORGANIZERS))
    return plan
