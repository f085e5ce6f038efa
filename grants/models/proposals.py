"""Proposals (申报), their budget lines, versions, attachments, and in-app notifications."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Column,
    ForeignKey,
    LargeBinary,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from grants.domain.band import SITE_BAND
from grants.domain.lifecycles import PROPOSAL
from grants.domain.messages import render_stored
from grants.extensions import db
from grants.models.base import sql_in, utcnow

proposal_need = Table(
    "proposal_need", db.metadata,
    Column("proposal_id", ForeignKey("proposal.id", ondelete="CASCADE"), primary_key=True),
    Column("need_id", ForeignKey("need.id"), primary_key=True),
)


class Proposal(db.Model):
    """A micro-project proposal by a resident team (``organisation_id`` empty) or organisation.

    ``requested_fen`` is always the sum of the budget lines; outside drafts the database itself
    holds it inside the site band.
    """

    __tablename__ = "proposal"
    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("funding_round.id"), index=True)
    applicant_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"), index=True)
    community_id: Mapped[int | None] = mapped_column(ForeignKey("community.id"))
    status: Mapped[str] = mapped_column(String(20), default="draft")
    title: Mapped[str] = mapped_column(String(100), default="")
    category: Mapped[str] = mapped_column(String(20), default="")
    background: Mapped[str] = mapped_column(Text, default="")
    objectives: Mapped[str] = mapped_column(Text, default="")
    outcomes: Mapped[str] = mapped_column(Text, default="")
    beneficiaries: Mapped[str] = mapped_column(Text, default="")
    beneficiary_count: Mapped[int] = mapped_column(default=0)
    activities: Mapped[list] = mapped_column(JSON, default=list)
    team: Mapped[list] = mapped_column(JSON, default=list)
    matching_funds_fen: Mapped[int] = mapped_column(default=0)
    contact_name: Mapped[str] = mapped_column(String(60), default="")
    contact_phone: Mapped[str] = mapped_column(String(30), default="")
    requested_fen: Mapped[int] = mapped_column(default=0)
    version: Mapped[int] = mapped_column(default=0)
    decision_reason: Mapped[str] = mapped_column(Text, default="")
    submitted_at: Mapped[datetime | None]
    first_submitted_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    round = relationship("FundingRound")
    applicant = relationship("User")
    organisation = relationship("Organisation")
    community = relationship("Community")
    lines: Mapped[list[BudgetLine]] = relationship(
        back_populates="proposal", cascade="all, delete-orphan", order_by="BudgetLine.position")
    needs = relationship("Need", secondary=proposal_need)
    __table_args__ = (
        CheckConstraint(sql_in("status", PROPOSAL.states), name="known_status"),
        CheckConstraint("requested_fen >= 0 AND matching_funds_fen >= 0", name="amounts_non_negative"),
        CheckConstraint(f"status IN ('draft', 'withdrawn') OR requested_fen BETWEEN "
                        f"{SITE_BAND.min_fen} AND {SITE_BAND.max_fen}", name="requested_in_site_band"),
        CheckConstraint("beneficiary_count >= 0", name="beneficiaries_non_negative"),
        db.Index("ix_proposal_round_status", "round_id", "status"),
        db.Index("ix_proposal_round_status_submitted", "round_id", "status", "submitted_at", "id"),
    )


class BudgetLine(db.Model):
    """One itemised budget row: unit price × quantity = subtotal, in fen."""

    __tablename__ = "budget_line"
    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposal.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    item: Mapped[str] = mapped_column(String(100))
    cost_category: Mapped[str] = mapped_column(String(20))
    unit_price_fen: Mapped[int]
    quantity: Mapped[int]
    subtotal_fen: Mapped[int]
    proposal: Mapped[Proposal] = relationship(back_populates="lines")
    __table_args__ = (
        CheckConstraint("unit_price_fen >= 0", name="price_non_negative"),
        CheckConstraint("quantity >= 1", name="quantity_positive"),
        CheckConstraint("subtotal_fen = unit_price_fen * quantity", name="subtotal_is_product"),
    )


class ProposalVersion(db.Model):
    """A frozen copy of a proposal as submitted, so every resubmission can be compared."""

    __tablename__ = "proposal_version"
    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposal.id", ondelete="CASCADE"), index=True)
    version: Mapped[int]
    snapshot: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    __table_args__ = (UniqueConstraint("proposal_id", "version", name="one_per_version"),)


class AttachmentBlob(db.Model):
    """File content stored once by its sha256, in the database so every app server sees it."""

    __tablename__ = "attachment_blob"
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int]
    data: Mapped[bytes] = mapped_column(LargeBinary)
    __table_args__ = (CheckConstraint("size >= 0 AND size <= 10485760", name="size_limit"),)


class Attachment(db.Model):
    """A file attached to a proposal: PDF, JPEG or PNG, recognised by content."""

    __tablename__ = "attachment"
    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposal.id", ondelete="CASCADE"), index=True)
    sha256: Mapped[str] = mapped_column(ForeignKey("attachment_blob.sha256"))
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(40))
    size: Mapped[int]
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    __table_args__ = (
        CheckConstraint(sql_in("content_type", ("application/pdf", "image/jpeg", "image/png")),
                        name="allowed_type"),
    )


class Notification(db.Model):
    """An in-app message to one account (a decision on their proposal, an objection outcome).

    ``message_key`` and ``message_params`` keep the message as a translatable key with its
    parameters (see :mod:`grants.domain.messages`), so each reader reads it in their language;
    ``message`` keeps the Chinese text as written (and is all older rows have).
    """

    __tablename__ = "notification"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    message: Mapped[str] = mapped_column(String(300))
    message_key: Mapped[str | None] = mapped_column(Text)
    message_params: Mapped[dict | None] = mapped_column(JSON)
    link: Mapped[str] = mapped_column(String(200), default="")
    read_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def text(self) -> str:
        """The message in the reader's language (the stored Chinese text for older rows)."""
        if not self.message_key:
            return self.message
        return render_stored(self.message_key, self.message_params)
