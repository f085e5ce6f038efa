"""The payment voucher (付款凭证) of a paid payment: who asked, who approved, who paid, to whom,
how much (in figures and in capital numerals), the bank's record, the approval hash and the
audit chain's head (added by :func:`grants.web.documents.render_html`).

Only a paid payment has a voucher; anything else is "not found", so a voucher never shows a
payment that has not left the account.
"""

from __future__ import annotations

from functools import partial

from grants.domain.lifecycles import PAYMENT
from grants.domain.money import format_fen
from grants.domain.numerals import capital_numerals
from grants.domain.tranches import PlannedTranche
from grants.web.documents import document_pdf

PAID = PAYMENT.table[("approved", "mark_paid")][0]
"""The state a payment has once the bank's record is in: the only one with a voucher."""


def voucher_number(payment) -> str:
    """The voucher's printed number: ``FK-000042`` (the payment's id)."""
    return f"FK-{payment.id:06d}"


def has_voucher(payment) -> bool:
    """True once the payment is paid."""
    return payment.status == PAID


def voucher_context(payment) -> dict:
    """Everything the voucher prints, from the payment row and what it hangs on."""
    award = payment.award
    tranche = payment.tranche
    agreement = award.agreement
    return {
        "number": voucher_number(payment),
        "round": award.proposal.round,
        "agreement_number": agreement.number if agreement else "",
        "title": award.proposal.title,
        "tranche": PlannedTranche(tranche.sequence, tranche.share_bp, tranche.amount_fen,
                                  tranche.gate),
        "payee_name": payment.payee_name,
        "payee_account": payment.payee_account,
        "amount_text": format_fen(payment.amount_fen),
        "amount_capitals": capital_numerals(payment.amount_fen),
        "paying_account": payment.paying_account,
        "bank_reference": payment.bank_reference,
        "value_date": payment.value_date.isoformat() if payment.value_date else "",
        "requester": payment.requested_by.display_name,
        "requested_at": payment.requested_at,
        "approver": payment.approved_by.display_name if payment.approved_by else "",
        "approved_at": payment.approved_at,
        "payer": payment.paid_by.display_name if payment.paid_by else "",
        "paid_at": payment.paid_at,
        "approval_hash": payment.approval_digest or "",
    }


def voucher_pdf(payment) -> bytes:
    """The voucher as PDF bytes, rendered in the document language (cached by content)."""
    return document_pdf("voucher", partial(voucher_context, payment))
