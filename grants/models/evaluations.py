"""Mid-term and final evaluations (中期/结项评估): a round's settings, one evaluation per award
and kind with the grantee's report, the evaluators' score sheets, and the report's photos.

States and kinds are CHECKed against :mod:`grants.domain.lifecycles.evaluation` and
:mod:`grants.domain.evaluations`; scores are stored exactly (sheets in half points, the
evaluation's mean with two decimals). Photo bytes live once by sha256 in ``attachment_blob``,
shared with proposal attachments and expense receipts.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Index,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from grants.domain.evaluations import (
    DEFAULT_GRACE_DAYS,
    DEFAULT_NOTICE_DAYS,
    DEFAULT_PASS_MARK,
    KINDS,
    MAX_BENEFICIARIES,
    MAX_GRACE_DAYS,
    MAX_NOTICE_DAYS,
    PHOTO_TYPES,
    RUBRICS,
    STANDARD,
)
from grants.domain.lifecycles.evaluation import EVALUATION, EVALUATION_SHEET
from grants.domain.settlement import MAX_BAR_YEARS
from grants.extensions import db
from grants.models.base import sql_in, utcnow


class EvaluationSettings(db.Model):
    """How a round evaluates: the rubric, the pass mark, the results notice's days, the grace
    after a reminder, and how long a failed project's organisation is barred (0: not)."""

    __tablename__ = "evaluation_settings"
    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("funding_round.id"), unique=True)
    rubric: Mapped[str] = mapped_column(String(12), default=STANDARD)
    pass_mark: Mapped[int] = mapped_column(default=DEFAULT_PASS_MARK)
    notice_days: Mapped[int] = mapped_column(default=DEFAULT_NOTICE_DAYS)
    grace_days: Mapped[int] = mapped_column(default=DEFAULT_GRACE_DAYS)
    bar_years: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    __table_args__ = (
        CheckConstraint(sql_in("rubric", RUBRICS), name="known_rubric"),
        CheckConstraint("pass_mark BETWEEN 1 AND 100", name="pass_mark_range"),
        CheckConstraint(f"notice_days BETWEEN 1 AND {MAX_NOTICE_DAYS}", name="notice_days_range"),
        CheckConstraint(f"grace_days BETWEEN 0 AND {MAX_GRACE_DAYS}", name="grace_days_range"),
        CheckConstraint(f"bar_years BETWEEN 0 AND {MAX_BAR_YEARS}", name="bar_years_range"),
    )


class Evaluation(db.Model):
    """One mid-term or final evaluation of an award: the report the grantee writes (planned
    activities with what became of them, beneficiaries reached, the summary, photos, and the
    spending summary taken from accepted expenses when it is submitted), its score and outcome.

    ``status`` follows :data:`~grants.domain.lifecycles.EVALUATION`. ``notice_id`` is the
    results notice that published it. An award has one evaluation of each kind (cancelling it
    is final for that kind).
    """

    __tablename__ = "evaluation"
    id: Mapped[int] = mapped_column(primary_key=True)
    award_id: Mapped[int] = mapped_column(ForeignKey("award.id"))
    round_id: Mapped[int] = mapped_column(ForeignKey("funding_round.id"))
    kind: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(12))
    due_on: Mapped[date]
    opened_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    report: Mapped[dict] = mapped_column(JSON, default=dict)
    beneficiaries: Mapped[int | None]
    summary: Mapped[str] = mapped_column(Text, default="")
    spending: Mapped[dict] = mapped_column(JSON, default=dict)
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    submitted_at: Mapped[datetime | None]
    reminded_at: Mapped[datetime | None]
    score: Mapped[Decimal | None] = mapped_column(Numeric(6, 2))
    reason: Mapped[str] = mapped_column(Text, default="")
    notice_id: Mapped[int | None] = mapped_column(ForeignKey("notice.id"), index=True)
    decided_at: Mapped[datetime | None]
    award = relationship("Award")
    notice = relationship("Notice")
    sheets: Mapped[list[EvaluationSheet]] = relationship(
        back_populates="evaluation", order_by="EvaluationSheet.id")
    photos: Mapped[list[EvaluationPhoto]] = relationship(
        back_populates="evaluation", order_by="EvaluationPhoto.id", cascade="all, delete-orphan")
    __table_args__ = (
        CheckConstraint(sql_in("status", EVALUATION.states), name="known_status"),
        CheckConstraint(sql_in("kind", KINDS), name="known_kind"),
        CheckConstraint(f"beneficiaries BETWEEN 0 AND {MAX_BENEFICIARIES}",
                        name="beneficiaries_range"),
        CheckConstraint("score BETWEEN 0 AND 100", name="score_range"),
        Index("ix_evaluation_round_kind_status", "round_id", "kind", "status"),
        Index("ix_evaluation_status_due_on", "status", "due_on"),
        UniqueConstraint("award_id", "kind", name="uq_evaluation_award_kind"),
    )


class EvaluationSheet(db.Model):
    """One evaluator's score sheet for one evaluation: points per criterion key in half points,
    the total in half points and the comment. ``status`` follows
    :data:`~grants.domain.lifecycles.EVALUATION_SHEET`."""

    __tablename__ = "evaluation_sheet"
    id: Mapped[int] = mapped_column(primary_key=True)
    evaluation_id: Mapped[int] = mapped_column(ForeignKey("evaluation.id"))
    evaluator_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    status: Mapped[str] = mapped_column(String(10))
    points: Mapped[dict] = mapped_column(JSON, default=dict)
    total_half: Mapped[int | None]
    comment: Mapped[str] = mapped_column(Text, default="")
    assigned_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    assigned_at: Mapped[datetime] = mapped_column(default=utcnow)
    submitted_at: Mapped[datetime | None]
    evaluation: Mapped[Evaluation] = relationship(back_populates="sheets")
    evaluator = relationship("User", foreign_keys=[evaluator_id])
    __table_args__ = (
        UniqueConstraint("evaluation_id", "evaluator_id", name="uq_evaluation_sheet_evaluator"),
        CheckConstraint(sql_in("status", EVALUATION_SHEET.states), name="known_status"),
        CheckConstraint("total_half BETWEEN 0 AND 200", name="total_range"),
        CheckConstraint("status <> 'submitted' OR total_half IS NOT NULL",
                        name="submitted_has_total"),
    )


class EvaluationPhoto(db.Model):
    """One photo of an evaluation report (JPEG or PNG, recognised by content)."""

    __tablename__ = "evaluation_photo"
    id: Mapped[int] = mapped_column(primary_key=True)
    evaluation_id: Mapped[int] = mapped_column(
        ForeignKey("evaluation.id", ondelete="CASCADE"), index=True)
    sha256: Mapped[str] = mapped_column(ForeignKey("attachment_blob.sha256"), index=True)
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(40))
    size: Mapped[int]
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    evaluation: Mapped[Evaluation] = relationship(back_populates="photos")
    __table_args__ = (
        CheckConstraint(sql_in("content_type", PHOTO_TYPES), name="allowed_type"),
        CheckConstraint("size BETWEEN 1 AND 10485760", name="size_limit"),
    )
