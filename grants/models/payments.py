"""Disbursement (拨付): payments of tranches, the round's tranche plan, and idempotency keys.

The four-eyes rule, the approval's binding to what it approved and the states are enforced here
by CHECK constraints as well as in :mod:`grants.domain.payments`, so no path around the service
can store an approval by the requester or a paid payment without its bank reference.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from grants.domain.lifecycles.payment import OPEN_STATES, PAYMENT
from grants.domain.tranches import FULL_BP, GATES
from grants.extensions import db
from grants.models.base import sql_in, utcnow

_OPEN = sql_in("status", sorted(OPEN_STATES))


class TranchePlanTerm(db.Model):
    """One line of a round's tranche plan (a gate and its share), copied onto each award's
    ``tranche`` rows when its agreement is signed. A round without terms uses the default."""

    __tablename__ = "tranche_plan_term"
    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("funding_round.id"), index=True)
    sequence: Mapped[int]
    gate: Mapped[str] = mapped_column(String(20))
    share_bp: Mapped[int]
    __table_args__ = (
        UniqueConstraint("round_id", "sequence", name="uq_plan_sequence"),
        UniqueConstraint("round_id", "gate", name="uq_plan_gate"),
        CheckConstraint("sequence >= 1", name="sequence_positive"),
        CheckConstraint(f"share_bp BETWEEN 1 AND {FULL_BP}", name="share_in_range"),
        CheckConstraint(sql_in("gate", GATES), name="known_gate"),
    )


class Payment(db.Model):
    """A payment of (part of) one tranche, requested, approved and marked paid by finance."""

    __tablename__ = "payment"
    id: Mapped[int] = mapped_column(primary_key=True)
    tranche_id: Mapped[int] = mapped_column(ForeignKey("tranche.id"), index=True)
    award_id: Mapped[int] = mapped_column(ForeignKey("award.id"), index=True)
    amount_fen: Mapped[int]
    payee_name: Mapped[str] = mapped_column(String(100))
    payee_account: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(10))
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    approved_at: Mapped[datetime | None]
    approval_digest: Mapped[str | None] = mapped_column(String(64))
    paid_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    paid_at: Mapped[datetime | None]
    bank_reference: Mapped[str | None] = mapped_column(String(64))
    value_date: Mapped[date | None]
    paying_account: Mapped[str | None] = mapped_column(String(40))
    reason: Mapped[str] = mapped_column(Text, default="")
    tranche = relationship("Tranche")
    award = relationship("Award")
    requested_by = relationship("User", foreign_keys=[requested_by_id])
    approved_by = relationship("User", foreign_keys=[approved_by_id])
    paid_by = relationship("User", foreign_keys=[paid_by_id])
    __table_args__ = (
        CheckConstraint("amount_fen > 0", name="amount_positive"),
        CheckConstraint(sql_in("status", PAYMENT.states), name="known_status"),
        CheckConstraint(
            "approved_by_id IS NULL OR approved_by_id <> requested_by_id", name="four_eyes"
        ),
        CheckConstraint(
            "status NOT IN ('approved', 'paid') OR "
            "(approved_by_id IS NOT NULL AND approval_digest IS NOT NULL)",
            name="approved_has_approver",
        ),
        CheckConstraint(
            "status <> 'paid' OR (paid_by_id IS NOT NULL AND bank_reference IS NOT NULL "
            "AND value_date IS NOT NULL AND paying_account IS NOT NULL)",
            name="paid_has_bank_record",
        ),
        Index(
            "uq_payment_open_per_tranche", "tranche_id", unique=True,
            sqlite_where=text(_OPEN), postgresql_where=text(_OPEN),
        ),
        Index("ix_payment_award_status", "award_id", "status"),
    )


class IdempotencyKey(db.Model):
    """A money-moving request's key, its fingerprint and, once finished, its answer.

    The row is written and committed *before* the request's work starts, so a concurrent replay
    finds it (409 while unfinished); the answer is stored when the work commits.
    """

    __tablename__ = "idempotency_key"
    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    fingerprint: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    finished_at: Mapped[datetime | None]
    status_code: Mapped[int | None]
    location: Mapped[str | None] = mapped_column(Text)
    body: Mapped[str | None] = mapped_column(Text)
    __table_args__ = (
        CheckConstraint(
            "finished_at IS NULL OR status_code IS NOT NULL", name="finished_has_answer"
        ),
    )
