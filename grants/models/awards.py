"""Awards (立项), their round settings and exclusions, public notices (公示), objections, grant
agreements (协议书), and the frozen record of what was approved: the award's budget lines
(copied at confirmation) and its payment tranches (stored at countersignature)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from grants.domain.band import SITE_BAND
from grants.domain.lifecycles import AGREEMENT, AWARD, NOTICE, OBJECTION
from grants.domain.lifecycles.tranche import PENDING, TRANCHE
from grants.domain.messages import from_json
from grants.domain.notice import AWARDS_NOTICE, NOTICE_KINDS
from grants.domain.tranches import FULL_BP, GATES
from grants.extensions import db
from grants.models.base import sql_in, utcnow


class AwardSettings(db.Model):
    """How a round's pool is shared out: the minimum score and whether partial awards exist.

    ``decisions`` keeps the solver's last verdicts (rank, outcome, amount, sentence) so the
    reasoning stays visible after the awards have been published.
    """

    __tablename__ = "award_settings"
    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("funding_round.id"), unique=True)
    min_score: Mapped[Decimal] = mapped_column(Numeric(6, 2), default=Decimal("60"))
    partial: Mapped[bool] = mapped_column(default=False)
    decisions: Mapped[list] = mapped_column(JSON, default=list)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    __table_args__ = (CheckConstraint("min_score BETWEEN 0 AND 100", name="min_score_range"),)


class AwardExclusion(db.Model):
    """A proposal the organizer took out of the award list, with the reason (never re-proposed)."""

    __tablename__ = "award_exclusion"
    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("funding_round.id"), index=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposal.id"), unique=True)
    reason: Mapped[str] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Notice(db.Model):
    """One public notice period of a round's awards (``kind`` ``awards``) or of its mid-term or
    final evaluation results (``midterm``, ``final``); dates are local (Asia/Shanghai) dates."""

    __tablename__ = "notice"
    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("funding_round.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10), default=AWARDS_NOTICE,
                                      server_default=AWARDS_NOTICE)
    published_at: Mapped[datetime] = mapped_column(default=utcnow)
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    status: Mapped[str] = mapped_column(String(10), default="open")
    closed_at: Mapped[datetime | None]
    round = relationship("FundingRound")
    awards: Mapped[list[Award]] = relationship(back_populates="notice", order_by="Award.rank")
    __table_args__ = (
        CheckConstraint(sql_in("status", NOTICE.states), name="known_status"),
        CheckConstraint("starts_on <= ends_on", name="period_ordered"),
        CheckConstraint(sql_in("kind", NOTICE_KINDS), name="known_kind"),
        db.Index("ix_notice_status_ends_on", "status", "ends_on"),
    )


class Award(db.Model):
    """A funding decision for one proposal, inside the site band; one award per proposal.

    ``sentence`` is the solver's reason as written (Chinese, the record); ``sentence_message``
    the same as a message key and parameters, shown in the reader's language.
    """

    __tablename__ = "award"
    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("funding_round.id"), index=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposal.id"), unique=True)
    rank: Mapped[int]
    amount_fen: Mapped[int]
    requested_fen: Mapped[int]
    status: Mapped[str] = mapped_column(String(20), default="proposed")
    score: Mapped[Decimal] = mapped_column(Numeric(6, 2))
    sentence: Mapped[str] = mapped_column(Text, default="")
    sentence_message: Mapped[dict | None] = mapped_column(JSON)
    reason: Mapped[str] = mapped_column(Text, default="")
    notice_id: Mapped[int | None] = mapped_column(ForeignKey("notice.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    proposal = relationship("Proposal")
    notice: Mapped[Notice | None] = relationship(back_populates="awards")

    @property
    def sentence_text(self) -> str:
        """The solver's reason in the reader's language (as written for older rows)."""
        stored = from_json(self.sentence_message)
        return stored.render() if stored else self.sentence

    objections: Mapped[list[Objection]] = relationship(
        back_populates="award", order_by="Objection.id"
    )
    agreement: Mapped[Agreement | None] = relationship(back_populates="award")
    budget_lines: Mapped[list[AwardBudgetLine]] = relationship(
        back_populates="award", order_by="AwardBudgetLine.position"
    )
    tranches: Mapped[list[Tranche]] = relationship(
        back_populates="award", order_by="Tranche.sequence"
    )
    __table_args__ = (
        CheckConstraint(
            f"amount_fen BETWEEN {SITE_BAND.min_fen} AND {SITE_BAND.max_fen}",
            name="amount_in_site_band",
        ),
        CheckConstraint(sql_in("status", AWARD.states), name="known_status"),
        CheckConstraint("rank >= 1", name="rank_positive"),
        db.Index("ix_award_round_status", "round_id", "status"),
    )


class Objection(db.Model):
    """An objection (异议) to one award, filed during its notice period, or to the result of one
    of its evaluations (``evaluation_id`` set) during the results notice.

    ``user_id`` is set for logged-in objectors; anonymous ones leave a name and phone, which are
    never shown publicly. ``token`` is the secret receipt with which anyone can see the outcome.
    """

    __tablename__ = "objection"
    id: Mapped[int] = mapped_column(primary_key=True)
    award_id: Mapped[int] = mapped_column(ForeignKey("award.id"), index=True)
    evaluation_id: Mapped[int | None] = mapped_column(ForeignKey("evaluation.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    name: Mapped[str] = mapped_column(String(60), default="")
    phone: Mapped[str] = mapped_column(String(30), default="")
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default="filed")
    outcome_reason: Mapped[str] = mapped_column(Text, default="")
    token: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    award: Mapped[Award] = relationship(back_populates="objections")
    user = relationship("User", foreign_keys=[user_id])
    __table_args__ = (
        CheckConstraint(sql_in("status", OBJECTION.states), name="known_status"),
        CheckConstraint("user_id IS NOT NULL OR (name <> '' AND phone <> '')", name="identified"),
    )


class Agreement(db.Model):
    """The grant agreement of a confirmed award, signed by the applicant then the organizer.

    ``status`` follows :data:`~grants.domain.lifecycles.AGREEMENT`; the signature columns keep
    who signed and when.
    """

    __tablename__ = "agreement"
    id: Mapped[int] = mapped_column(primary_key=True)
    award_id: Mapped[int] = mapped_column(ForeignKey("award.id"), unique=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    status: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    applicant_signed_at: Mapped[datetime | None]
    applicant_signer_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    organizer_signed_at: Mapped[datetime | None]
    organizer_signer_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    award: Mapped[Award] = relationship(back_populates="agreement")
    applicant_signer = relationship("User", foreign_keys=[applicant_signer_id])
    organizer_signer = relationship("User", foreign_keys=[organizer_signer_id])
    __table_args__ = (
        CheckConstraint(
            "organizer_signed_at IS NULL OR applicant_signed_at IS NOT NULL",
            name="applicant_signs_first",
        ),
        CheckConstraint(sql_in("status", AGREEMENT.states), name="known_status"),
    )


class AwardBudgetLine(db.Model):
    """One approved budget line, copied from the proposal when the award is confirmed.

    The frozen record expenses are checked against: editing the proposal afterwards changes
    nothing here, and the ids stay stable (the confirmation's audit entry carries their digest).
    """

    __tablename__ = "award_budget_line"
    id: Mapped[int] = mapped_column(primary_key=True)
    award_id: Mapped[int] = mapped_column(ForeignKey("award.id"), index=True)
    position: Mapped[int]
    item: Mapped[str] = mapped_column(String(100))
    cost_category: Mapped[str] = mapped_column(String(20))
    unit_price_fen: Mapped[int]
    quantity: Mapped[int]
    subtotal_fen: Mapped[int]
    award: Mapped[Award] = relationship(back_populates="budget_lines")
    __table_args__ = (
        CheckConstraint("unit_price_fen >= 0", name="price_non_negative"),
        CheckConstraint("quantity >= 1", name="quantity_positive"),
        CheckConstraint("subtotal_fen = unit_price_fen * quantity", name="subtotal_is_product"),
        UniqueConstraint("award_id", "position", name="uq_award_budget_line_position"),
    )


class Tranche(db.Model):
    """One payment instalment of a signed agreement: its share, amount and gate, as stored at
    countersignature from the schedule of :mod:`grants.domain.tranches`.

    ``status`` follows :data:`~grants.domain.lifecycles.tranche.TRANCHE`, starting ``pending``;
    payments hang on these rows. The award's ``amount_fen`` stays the truth for the total.
    """

    __tablename__ = "tranche"
    id: Mapped[int] = mapped_column(primary_key=True)
    award_id: Mapped[int] = mapped_column(ForeignKey("award.id"), index=True)
    sequence: Mapped[int]
    share_bp: Mapped[int]
    amount_fen: Mapped[int]
    gate: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(10), default=PENDING)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    award: Mapped[Award] = relationship(back_populates="tranches")
    __table_args__ = (
        UniqueConstraint("award_id", "sequence", name="uq_tranche_sequence"),
        CheckConstraint("sequence >= 1", name="sequence_positive"),
        CheckConstraint(f"share_bp BETWEEN 1 AND {FULL_BP}", name="share_in_range"),
        CheckConstraint("amount_fen >= 0", name="amount_non_negative"),
        CheckConstraint(sql_in("gate", GATES), name="known_gate"),
        CheckConstraint(sql_in("status", TRANCHE.states), name="known_status"),
    )
