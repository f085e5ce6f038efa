"""Fund supervision (资金监管): expenses against an award's frozen budget lines, their receipt
files, budget adjustments, refunds of unspent money (结余退回) and clawbacks (追回).

Amounts are integer fen with CHECKs; states are CHECKed against their lifecycles. Receipt bytes
are stored once by sha256 in ``attachment_blob`` (shared with proposal attachments), and the
sha256 and invoice columns are indexed so the duplicate look-ups of every upload stay cheap.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from grants.domain.expenses import MAX_EXPENSE_FEN, MIN_EXPENSE_FEN
from grants.domain.lifecycles import BUDGET_ADJUSTMENT, CLAWBACK, EXPENSE
from grants.extensions import db
from grants.models.base import sql_in, utcnow

RECEIPT_TYPES = ("application/pdf", "image/jpeg", "image/png")


class Expense(db.Model):
    """One expense a grantee reported against a budget line of their award.

    ``status`` follows :data:`~grants.domain.lifecycles.EXPENSE`. ``decision_reason`` is the
    finance officer's reason (required to reject, and to accept a flagged expense, when
    ``accepted_flags`` lists the flags that were answered). ``round_id`` is the award's round,
    kept here so the finance queue filters a round without a join.
    """

    __tablename__ = "expense"
    id: Mapped[int] = mapped_column(primary_key=True)
    award_id: Mapped[int] = mapped_column(ForeignKey("award.id"))
    round_id: Mapped[int] = mapped_column(ForeignKey("funding_round.id"))
    budget_line_id: Mapped[int] = mapped_column(ForeignKey("award_budget_line.id"), index=True)
    spent_on: Mapped[date]
    amount_fen: Mapped[int]
    payee: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text)
    invoice_code: Mapped[str] = mapped_column(String(12), default="")
    invoice_number: Mapped[str] = mapped_column(String(20), default="")
    status: Mapped[str] = mapped_column(String(12))
    submitted_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)
    waiting_since: Mapped[datetime] = mapped_column(default=utcnow)
    question: Mapped[str] = mapped_column(Text, default="")
    answer: Mapped[str] = mapped_column(Text, default="")
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    decided_at: Mapped[datetime | None]
    decision_reason: Mapped[str] = mapped_column(Text, default="")
    accepted_flags: Mapped[list] = mapped_column(JSON, default=list)
    award = relationship("Award")
    budget_line = relationship("AwardBudgetLine")
    submitted_by = relationship("User", foreign_keys=[submitted_by_id])
    decided_by = relationship("User", foreign_keys=[decided_by_id])
    receipts: Mapped[list[ExpenseReceipt]] = relationship(
        back_populates="expense", order_by="ExpenseReceipt.id", cascade="all, delete-orphan"
    )
    __table_args__ = (
        CheckConstraint(sql_in("status", EXPENSE.states), name="known_status"),
        CheckConstraint(f"amount_fen BETWEEN {MIN_EXPENSE_FEN} AND {MAX_EXPENSE_FEN}",
                        name="amount_in_range"),
        CheckConstraint("length(invoice_code) IN (0, 10, 12)", name="invoice_code_length"),
        CheckConstraint("length(invoice_number) IN (0, 8, 20)", name="invoice_number_length"),
        CheckConstraint("status NOT IN ('accepted', 'rejected') OR "
                        "(decided_by_id IS NOT NULL AND decided_at IS NOT NULL)",
                        name="decided_has_decider"),
        CheckConstraint("status <> 'rejected' OR decision_reason <> ''",
                        name="rejected_has_reason"),
        CheckConstraint("status <> 'queried' OR question <> ''", name="queried_has_question"),
        Index("ix_expense_status_waiting", "status", "waiting_since"),
        Index("ix_expense_round_status", "round_id", "status"),
        Index("ix_expense_award_status", "award_id", "status"),
        Index("ix_expense_invoice", "invoice_code", "invoice_number"),
    )


class ExpenseReceipt(db.Model):
    """One receipt file of an expense (PDF, JPEG or PNG, recognised by content).

    The bytes live once in ``attachment_blob`` under their sha256; the index on ``sha256`` finds
    the same file on any other expense of any project or round.
    """

    __tablename__ = "expense_receipt"
    id: Mapped[int] = mapped_column(primary_key=True)
    expense_id: Mapped[int] = mapped_column(ForeignKey("expense.id", ondelete="CASCADE"),
                                            index=True)
    sha256: Mapped[str] = mapped_column(ForeignKey("attachment_blob.sha256"), index=True)
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(40))
    size: Mapped[int]
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expense: Mapped[Expense] = relationship(back_populates="receipts")
    __table_args__ = (
        CheckConstraint(sql_in("content_type", RECEIPT_TYPES), name="allowed_type"),
        CheckConstraint("size BETWEEN 1 AND 10485760", name="size_limit"),
    )


class BudgetAdjustment(db.Model):
    """A move of money from one budget line of an award to another.

    ``status`` follows :data:`~grants.domain.lifecycles.BUDGET_ADJUSTMENT`; only ``approved``
    moves change the lines' adjusted amounts (the frozen ``award_budget_line`` never changes).
    """

    __tablename__ = "budget_adjustment"
    id: Mapped[int] = mapped_column(primary_key=True)
    award_id: Mapped[int] = mapped_column(ForeignKey("award.id"))
    from_line_id: Mapped[int] = mapped_column(ForeignKey("award_budget_line.id"))
    to_line_id: Mapped[int] = mapped_column(ForeignKey("award_budget_line.id"))
    amount_fen: Mapped[int]
    status: Mapped[str] = mapped_column(String(10))
    reason: Mapped[str] = mapped_column(Text)
    decision_reason: Mapped[str] = mapped_column(Text, default="")
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    decided_at: Mapped[datetime | None]
    from_line = relationship("AwardBudgetLine", foreign_keys=[from_line_id])
    to_line = relationship("AwardBudgetLine", foreign_keys=[to_line_id])
    __table_args__ = (
        CheckConstraint(sql_in("status", BUDGET_ADJUSTMENT.states), name="known_status"),
        CheckConstraint(f"amount_fen BETWEEN {MIN_EXPENSE_FEN} AND {MAX_EXPENSE_FEN}",
                        name="amount_in_range"),
        CheckConstraint("from_line_id <> to_line_id", name="distinct_lines"),
        CheckConstraint("reason <> ''", name="has_reason"),
        CheckConstraint("status <> 'refused' OR decision_reason <> ''",
                        name="refused_has_reason"),
        Index("ix_budget_adjustment_award_status", "award_id", "status"),
    )


class Refund(db.Model):
    """Unspent money the grantee returned (结余退回), with its bank record."""

    __tablename__ = "refund"
    id: Mapped[int] = mapped_column(primary_key=True)
    award_id: Mapped[int] = mapped_column(ForeignKey("award.id"), index=True)
    amount_fen: Mapped[int]
    bank_reference: Mapped[str] = mapped_column(String(64))
    value_date: Mapped[date]
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
    __table_args__ = (
        CheckConstraint("amount_fen > 0", name="amount_positive"),
        CheckConstraint("bank_reference <> ''", name="has_bank_reference"),
    )


class Clawback(db.Model):
    """The money a suspension claws back, recorded with the suspension, tracked until received.

    ``status`` follows :data:`~grants.domain.lifecycles.CLAWBACK`; a received clawback has its
    bank record. One per award (an award is suspended once). ``recorded_by_id`` is empty when
    the scheduled overdue check (``system``) failed an evaluation and suspended the award.
    """

    __tablename__ = "clawback"
    id: Mapped[int] = mapped_column(primary_key=True)
    award_id: Mapped[int] = mapped_column(ForeignKey("award.id"), unique=True)
    amount_fen: Mapped[int]
    status: Mapped[str] = mapped_column(String(12))
    reason: Mapped[str] = mapped_column(Text)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
    received_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    received_at: Mapped[datetime | None]
    bank_reference: Mapped[str | None] = mapped_column(String(64))
    value_date: Mapped[date | None]
    __table_args__ = (
        CheckConstraint(sql_in("status", CLAWBACK.states), name="known_status"),
        CheckConstraint("amount_fen > 0", name="amount_positive"),
        CheckConstraint("status <> 'received' OR (received_by_id IS NOT NULL AND "
                        "bank_reference IS NOT NULL AND value_date IS NOT NULL)",
                        name="received_has_bank_record"),
    )
