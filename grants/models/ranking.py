"""A round's ranking as stored when judging closes (and again when a sheet is reopened).

The ranking pages and the award stage read these rows a page at a time, ordered by
``(round_id, rank)``, instead of rebuilding the ranking from every score on every request.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import JSON, ForeignKey, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from grants.extensions import db
from grants.models.base import utcnow

SCORE = Numeric(7, 2)


class RankingEntry(db.Model):
    """One ranked proposal: its place, scores, criterion means and outlier flags."""

    __tablename__ = "ranking_entry"
    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("funding_round.id"))
    rank: Mapped[int]
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposal.id"))
    final_score: Mapped[Decimal] = mapped_column(SCORE)
    expert_score: Mapped[Decimal] = mapped_column(SCORE)
    public_score: Mapped[Decimal | None] = mapped_column(SCORE)
    normalised_score: Mapped[Decimal | None] = mapped_column(SCORE)
    need_fit: Mapped[Decimal] = mapped_column(SCORE)
    requested_fen: Mapped[int]
    judges: Mapped[int]
    method: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(Text, default="")
    tie_break: Mapped[str] = mapped_column(Text, default="")
    votes: Mapped[int] = mapped_column(default=0)
    means: Mapped[dict] = mapped_column(JSON, default=dict)
    flags: Mapped[list] = mapped_column(JSON, default=list)
    __table_args__ = (
        UniqueConstraint("round_id", "rank", name="uq_ranking_entry_round_rank"),
        UniqueConstraint("round_id", "proposal_id", name="uq_ranking_entry_round_proposal"),
    )


class RankingSummary(db.Model):
    """What the ranking page shows above and beside the rows, stored with them."""

    __tablename__ = "ranking_summary"
    round_id: Mapped[int] = mapped_column(ForeignKey("funding_round.id"), primary_key=True)
    method: Mapped[str] = mapped_column(String(20))
    normalise: Mapped[bool]
    vote_weight_pct: Mapped[int]
    turnout: Mapped[int]
    min_turnout: Mapped[int]
    applied_weight: Mapped[Decimal] = mapped_column(Numeric(9, 6))
    ranked: Mapped[int]
    unscored: Mapped[int]
    flag_count: Mapped[int]
    profiles: Mapped[list] = mapped_column(JSON, default=list)
    computed_at: Mapped[datetime] = mapped_column(default=utcnow)
