"""Online judging (专家评审): rubric, settings, panel, assignments, conflicts, sheets, votes.

Points are stored as whole *half points* (``half_points`` = points × 2) so every score is an
exact integer in the database and an exact ``Decimal`` in Python.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from grants.domain.lifecycles import SCORE_SHEET
from grants.domain.scoring import DEFAULT_MIN_TURNOUT, MIN_TURNOUT_LIMIT
from grants.extensions import db
from grants.models.base import sql_in, utcnow

MODES = ("all", "k")
METHODS = ("trimmed_mean", "mean", "median")
CONFLICT_SOURCES = ("declared", "detected")


class JudgingSettings(db.Model):
    """How one round is judged: assignment mode, blind review, aggregation, resident vote.

    ``vote_min_turnout`` is how many residents must vote before the vote carries its full
    weight (below it the weight is scaled by turnout ÷ minimum). The vote window closes no
    later than the round's judging: a database trigger (migration 0015) refuses a window that
    outlasts it, and a round edit that would move judging before the window's close.
    """

    __tablename__ = "judging_settings"
    round_id: Mapped[int] = mapped_column(ForeignKey("funding_round.id"), primary_key=True)
    mode: Mapped[str] = mapped_column(String(5), default="all")
    judges_per_proposal: Mapped[int] = mapped_column(default=3)
    seed: Mapped[int] = mapped_column(default=7)
    blind: Mapped[bool] = mapped_column(default=True)
    method: Mapped[str] = mapped_column(String(20), default="trimmed_mean")
    normalise: Mapped[bool] = mapped_column(default=False)
    vote_weight_pct: Mapped[int] = mapped_column(default=0)
    vote_max_per_resident: Mapped[int] = mapped_column(default=3)
    vote_open: Mapped[datetime | None]
    vote_close: Mapped[datetime | None]
    vote_min_turnout: Mapped[int] = mapped_column(
        default=DEFAULT_MIN_TURNOUT, server_default=str(DEFAULT_MIN_TURNOUT)
    )
    results_published: Mapped[bool] = mapped_column(default=False)
    closed_at: Mapped[datetime | None]
    __table_args__ = (
        CheckConstraint(sql_in("mode", MODES), name="known_mode"),
        CheckConstraint(sql_in("method", METHODS), name="known_method"),
        CheckConstraint("judges_per_proposal BETWEEN 1 AND 50", name="judges_per_proposal_range"),
        CheckConstraint("vote_weight_pct BETWEEN 0 AND 50", name="vote_weight_range"),
        CheckConstraint("vote_max_per_resident BETWEEN 1 AND 50", name="vote_max_range"),
        CheckConstraint(
            "vote_open IS NULL OR vote_close IS NULL OR vote_open < vote_close",
            name="vote_window_order",
        ),
        CheckConstraint(
            f"vote_min_turnout BETWEEN 1 AND {MIN_TURNOUT_LIMIT}", name="vote_min_turnout_range"
        ),
    )


class Criterion(db.Model):
    """One line of a round's rubric; the maxima of a round add up to 100."""

    __tablename__ = "criterion"
    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("funding_round.id"), index=True)
    key: Mapped[str] = mapped_column(String(30))
    name: Mapped[str] = mapped_column(String(40))
    max_points: Mapped[int]
    guidance: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(default=0)
    __table_args__ = (
        UniqueConstraint("round_id", "key", name="uq_criterion_round_id_key"),
        CheckConstraint("max_points BETWEEN 1 AND 100", name="max_points_range"),
    )


class PanelMember(db.Model):
    """A judge sitting on a round's panel."""

    __tablename__ = "panel_member"
    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("funding_round.id"), index=True)
    judge_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    added_at: Mapped[datetime] = mapped_column(default=utcnow)
    judge = relationship("User")
    __table_args__ = (
        UniqueConstraint("round_id", "judge_id", name="uq_panel_member_round_id_judge_id"),
    )


class Assignment(db.Model):
    """One judge must score one proposal."""

    __tablename__ = "assignment"
    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("funding_round.id"), index=True)
    judge_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposal.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    __table_args__ = (
        UniqueConstraint("judge_id", "proposal_id", name="uq_assignment_judge_id_proposal_id"),
        db.Index("ix_assignment_judge_round_proposal", "judge_id", "round_id", "proposal_id"),
    )


class Conflict(db.Model):
    """A judge's conflict of interest with one proposal or with a whole organisation."""

    __tablename__ = "conflict"
    id: Mapped[int] = mapped_column(primary_key=True)
    judge_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    proposal_id: Mapped[int | None] = mapped_column(ForeignKey("proposal.id"), index=True)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    reason: Mapped[str] = mapped_column(String(300))
    source: Mapped[str] = mapped_column(String(10), default="declared")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    organisation = relationship("Organisation")
    __table_args__ = (
        CheckConstraint(sql_in("source", CONFLICT_SOURCES), name="known_source"),
        CheckConstraint(
            "proposal_id IS NOT NULL OR organisation_id IS NOT NULL", name="names_a_target"
        ),
    )


class ScoreSheet(db.Model):
    """One judge's sheet for one proposal: a draft until submitted, then locked."""

    __tablename__ = "score_sheet"
    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("funding_round.id"), index=True)
    judge_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposal.id"), index=True)
    status: Mapped[str] = mapped_column(String(10), default="draft")
    comment: Mapped[str] = mapped_column(Text, default="")
    submitted_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    scores: Mapped[list[Score]] = relationship(back_populates="sheet", cascade="all, delete-orphan")
    __table_args__ = (
        UniqueConstraint("judge_id", "proposal_id", name="uq_score_sheet_judge_id_proposal_id"),
        CheckConstraint(sql_in("status", SCORE_SHEET.states), name="known_status"),
        CheckConstraint("status = 'draft' OR submitted_at IS NOT NULL", name="submitted_has_time"),
    )


class Score(db.Model):
    """Points given on one criterion, stored as half points (7.5 points → 15)."""

    __tablename__ = "score"
    id: Mapped[int] = mapped_column(primary_key=True)
    sheet_id: Mapped[int] = mapped_column(
        ForeignKey("score_sheet.id", ondelete="CASCADE"), index=True
    )
    judge_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposal.id"))
    criterion_id: Mapped[int] = mapped_column(ForeignKey("criterion.id"))
    half_points: Mapped[int]
    sheet: Mapped[ScoreSheet] = relationship(back_populates="scores")
    __table_args__ = (
        UniqueConstraint("sheet_id", "criterion_id", name="uq_score_sheet_id_criterion_id"),
        CheckConstraint("half_points >= 0 AND half_points <= 200", name="points_range"),
    )


class Vote(db.Model):
    """One resident's support for one proposal in the resident vote (居民评)."""

    __tablename__ = "vote"
    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("funding_round.id"), index=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposal.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    __table_args__ = (
        UniqueConstraint("proposal_id", "user_id", name="uq_vote_proposal_id_user_id"),
    )
