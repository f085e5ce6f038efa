"""A competition round (赛事) and the resident needs (点单) collected for it."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from grants.domain.band import SITE_BAND
from grants.domain.expenses import DEFAULT_OVERRUN_PCT
from grants.domain.i18n import N_
from grants.domain.lifecycles import NEED
from grants.extensions import db
from grants.models.base import sql_in, utcnow

# Round data, but the defaults are marked so pages can show them in the reader's language.
DEFAULT_CATEGORIES = (
    N_("助老"),
    N_("助幼"),
    N_("助残"),
    N_("助困"),
    N_("环保"),
    N_("邻里文化"),
    N_("志愿服务"),
    N_("其他"),
)


class FundingRound(db.Model):
    """One round: its pool, its band inside the site band, categories, caps and phase dates.

    Phase datetimes are stored as naive UTC; ``tiers`` is a list of fen amounts, ``caps`` a list
    of ``{"cost_category": key, "max_pct": int}``, ``categories`` a list of names.
    ``overrun_threshold_pct`` is how far (in %) spending on a budget line may pass its adjusted
    amount before the expense is flagged ``overrun``, and how far a line may be adjusted without
    the organizer's approval.
    """

    __tablename__ = "funding_round"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    round_no: Mapped[int] = mapped_column(default=1)
    district: Mapped[str] = mapped_column(String(40))
    street: Mapped[str] = mapped_column(String(40), default="")
    district_code: Mapped[str] = mapped_column(String(8), default="JN")
    description: Mapped[str] = mapped_column(Text, default="")
    pool_fen: Mapped[int]
    band_min_fen: Mapped[int] = mapped_column(default=SITE_BAND.min_fen)
    band_max_fen: Mapped[int] = mapped_column(default=SITE_BAND.max_fen)
    tiers: Mapped[list] = mapped_column(JSON, default=list)
    categories: Mapped[list] = mapped_column(JSON, default=lambda: list(DEFAULT_CATEGORIES))
    caps: Mapped[list] = mapped_column(JSON, default=list)
    needs_open: Mapped[datetime]
    needs_close: Mapped[datetime]
    submit_open: Mapped[datetime]
    submit_close: Mapped[datetime]
    screening_close: Mapped[datetime]
    return_deadline: Mapped[datetime]
    judging_open: Mapped[datetime]
    judging_close: Mapped[datetime]
    notice_days: Mapped[int] = mapped_column(default=5)
    implementation_start: Mapped[date]
    implementation_end: Mapped[date]
    overrun_threshold_pct: Mapped[int] = mapped_column(
        default=DEFAULT_OVERRUN_PCT, server_default=str(DEFAULT_OVERRUN_PCT)
    )
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    __table_args__ = (
        CheckConstraint("pool_fen >= 0", name="pool_non_negative"),
        CheckConstraint(
            f"band_min_fen >= {SITE_BAND.min_fen} AND band_max_fen <= "
            f"{SITE_BAND.max_fen} AND band_min_fen <= band_max_fen",
            name="band_inside_site_band",
        ),
        CheckConstraint("notice_days BETWEEN 1 AND 30", name="notice_days_range"),
        CheckConstraint("overrun_threshold_pct BETWEEN 0 AND 100",
                        name="overrun_threshold_range"),
    )


class Need(db.Model):
    """A resident need (点单): what a community lacks, supported by other residents."""

    __tablename__ = "need"
    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("funding_round.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"))
    category: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(80))
    description: Mapped[str] = mapped_column(Text)
    people_affected: Mapped[int] = mapped_column(default=0)
    support_count: Mapped[int] = mapped_column(default=0)
    status: Mapped[str] = mapped_column(String(10), default="open")
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("need.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    round: Mapped[FundingRound] = relationship()
    community = relationship("Community")
    author = relationship("User")
    __table_args__ = (
        CheckConstraint("people_affected >= 0", name="people_non_negative"),
        CheckConstraint("support_count >= 0", name="support_non_negative"),
        CheckConstraint(sql_in("status", NEED.states), name="known_status"),
        db.Index("ix_need_round_support", "round_id", "support_count"),
    )


class NeedSupport(db.Model):
    """One resident's support (+1) for a need; once per resident per need."""

    __tablename__ = "need_support"
    id: Mapped[int] = mapped_column(primary_key=True)
    need_id: Mapped[int] = mapped_column(ForeignKey("need.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    __table_args__ = (UniqueConstraint("need_id", "user_id", name="once_per_user"),)
