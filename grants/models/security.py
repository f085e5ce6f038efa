"""Signed-in sessions kept on the server, and staff accounts' second factor (TOTP).

The browser's cookie carries only a random token; the row here (found by the token's sha256)
says whose session it is, when it began and was last used, whether the second factor was given
and when it ended. Logging out, changing the password or a timeout ends the row, so a copied
cookie stops working at once instead of living as long as its signature does.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from grants.domain.sessions import END_REASONS
from grants.extensions import db
from grants.models.base import sql_in, utcnow


class UserSession(db.Model):
    """One signed-in browser session; live while ``ended_at`` is empty."""

    __tablename__ = "user_session"
    id: Mapped[int] = mapped_column(primary_key=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    second_factor_at: Mapped[datetime | None] = mapped_column(default=None)
    roles: Mapped[str] = mapped_column(String(200), default="")
    address: Mapped[str] = mapped_column(String(64), default="")
    ended_at: Mapped[datetime | None] = mapped_column(default=None)
    end_reason: Mapped[str | None] = mapped_column(String(20), default=None)
    __table_args__ = (
        Index("ix_user_session_user_id_ended_at", "user_id", "ended_at"),
        CheckConstraint(f"end_reason IS NULL OR {sql_in('end_reason', END_REASONS)}",
                        name="known_end_reason"),
        CheckConstraint("(ended_at IS NULL) = (end_reason IS NULL)", name="ended_with_reason"),
    )


class TotpCredential(db.Model):
    """A staff account's authenticator secret (RFC 6238, 30-second steps, six digits).

    ``confirmed_at`` stays empty until the person has typed one code from their app, so a
    secret shown once but never set up does not lock them out. ``last_step`` is the newest
    time step accepted, so a code cannot be used twice.
    """

    __tablename__ = "totp_credential"
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user.id", ondelete="CASCADE"), primary_key=True)
    secret: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(default=None)
    last_step: Mapped[int] = mapped_column(default=0)
    __table_args__ = (CheckConstraint("last_step >= 0", name="step_not_negative"),)


class RecoveryCode(db.Model):
    """A one-time code for signing in without the authenticator, kept as an argon2 hash."""

    __tablename__ = "recovery_code"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    used_at: Mapped[datetime | None] = mapped_column(default=None)
