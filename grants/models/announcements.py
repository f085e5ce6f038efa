"""Announcements (公告) the organizer publishes on the public portal."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from grants.domain.announcements import TITLE_MAX_CHARS
from grants.domain.lifecycles.announcement import ANNOUNCEMENT
from grants.extensions import db
from grants.models.base import sql_in, utcnow


class Announcement(db.Model):
    """One announcement: its title, its body as sanitised HTML (cleaned before it is stored,
    see :func:`grants.domain.announcements.sanitize`) and its state in
    :data:`~grants.domain.lifecycles.announcement.ANNOUNCEMENT`.

    ``published_at`` is when it was last published (the portal's order); ``withdrawn_at`` when
    it was last withdrawn.
    """

    __tablename__ = "announcement"
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(TITLE_MAX_CHARS))
    body_html: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(12))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    published_at: Mapped[datetime | None]
    withdrawn_at: Mapped[datetime | None]
    __table_args__ = (
        CheckConstraint(sql_in("status", ANNOUNCEMENT.states), name="known_status"),
        CheckConstraint("title <> ''", name="has_title"),
        CheckConstraint("status <> 'published' OR published_at IS NOT NULL",
                        name="published_has_time"),
        Index("ix_announcement_status_published", "status", "published_at"),
    )
