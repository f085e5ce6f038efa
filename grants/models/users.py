"""Accounts, roles, organisations, communities and login attempts."""

from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from grants.domain.roles import ROLES
from grants.extensions import db
from grants.models.base import sql_in, utcnow


class Community(db.Model):
    """A residential community (社区) inside a street (街道) of a district (区)."""

    __tablename__ = "community"
    id: Mapped[int] = mapped_column(primary_key=True)
    district: Mapped[str] = mapped_column(String(40))
    street: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(60))
    __table_args__ = (UniqueConstraint("street", "name", name="uq_community_street_name"),)


class Organisation(db.Model):
    """A social organisation (社会组织) identified by its 统一社会信用代码."""

    __tablename__ = "organisation"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    uscc: Mapped[str] = mapped_column(String(18), unique=True)
    contact_name: Mapped[str] = mapped_column(String(60))
    contact_phone: Mapped[str] = mapped_column(String(30))
    address: Mapped[str] = mapped_column(String(200), default="")
    bank_name: Mapped[str] = mapped_column(String(120), default="")
    bank_account: Mapped[str] = mapped_column(String(40), default="")
    banned_until: Mapped[datetime | None] = mapped_column(default=None)
    ban_reason: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    members: Mapped[list[User]] = relationship(back_populates="organisation")


class User(UserMixin, db.Model):
    """A person's account; roles are held in :class:`UserRole` rows, several per account."""

    __tablename__ = "user"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(40), unique=True)
    display_name: Mapped[str] = mapped_column(String(60))
    password_hash: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str] = mapped_column(String(30), default="")
    email: Mapped[str] = mapped_column(String(120), default="", server_default="")
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id"), default=None, index=True
    )
    community_id: Mapped[int | None] = mapped_column(ForeignKey("community.id"), default=None)
    organisation: Mapped[Organisation | None] = relationship(back_populates="members")
    community: Mapped[Community | None] = relationship()
    role_rows: Mapped[list[UserRole]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def roles(self) -> frozenset[str]:
        """The set of role names this account holds."""
        return frozenset(row.role for row in self.role_rows)

    def has_role(self, *roles: str) -> bool:
        """True when the account holds any of the given roles."""
        return bool(self.roles.intersection(roles))

    @property
    def is_active(self) -> bool:  # Flask-Login reads this
        """Disabled accounts cannot log in."""
        return self.active


class UserRole(db.Model):
    """One role held by one account."""

    __tablename__ = "user_role"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(20))
    user: Mapped[User] = relationship(back_populates="role_rows")
    __table_args__ = (
        UniqueConstraint("user_id", "role", name="uq_user_role_user_id_role"),
        CheckConstraint(sql_in("role", ROLES), name="known_role"),
    )


class LoginAttempt(db.Model):
    """A login try, kept in the database so throttling holds across all app workers."""

    __tablename__ = "login_attempt"
    id: Mapped[int] = mapped_column(primary_key=True)
    ts: Mapped[datetime] = mapped_column(default=utcnow)
    username: Mapped[str] = mapped_column(String(40))
    address: Mapped[str] = mapped_column(String(64))
    success: Mapped[bool] = mapped_column(default=False)
    factor: Mapped[str] = mapped_column(String(10), default="password", server_default="password")
    """``password``, or ``code`` for the second factor (each has its own throttle)."""
    __table_args__ = (
        CheckConstraint("factor IN ('password', 'code')", name="known_factor"),
        Index("ix_login_attempt_username_ts", "username", "ts"),
        Index("ix_login_attempt_address_ts", "address", "ts"),
    )
