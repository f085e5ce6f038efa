"""The append-only audit table, the single-row chain head that hands out ``seq``, and the
signed checkpoints of the log."""

from __future__ import annotations

from sqlalchemy import BigInteger, CheckConstraint, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from grants.extensions import db


class AuditEntry(db.Model):
    """One audited state change; UPDATE and DELETE are refused by database triggers."""

    __tablename__ = "audit_entry"
    seq: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True,
                                     autoincrement=False)
    ts_utc: Mapped[str] = mapped_column(String(32), index=True)
    actor_id: Mapped[int | None] = mapped_column(Integer, index=True)
    actor_role: Mapped[str] = mapped_column(String(20))
    action: Mapped[str] = mapped_column(String(60), index=True)
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[int | None] = mapped_column(Integer)
    payload: Mapped[str] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)
    __table_args__ = (
        CheckConstraint("seq >= 1", name="seq_positive"),
        db.Index("ix_audit_entry_object", "object_type", "object_id"),
    )


class AuditHead(db.Model):
    """The chain head (always id 1): locked by every writer to take the next ``seq``."""

    __tablename__ = "audit_head"
    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), default=0)
    hash: Mapped[str] = mapped_column(String(64))
    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)


class AuditCheckpoint(db.Model):
    """One signed tree head of the audit log, kept so proofs between any two can be served.

    ``note`` is the C2SP signed note exactly as served; ``tree_size``, ``root_hash`` (hex),
    ``origin`` and ``key_id`` repeat what it says so checkpoints can be looked up by size and
    key, and ``verifier_key`` is the public key that checks it (so the web never needs the
    private key). Entries ``seq`` 1 to ``tree_size`` are the tree's leaves.
    """

    __tablename__ = "audit_checkpoint"
    id: Mapped[int] = mapped_column(primary_key=True)
    tree_size: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"),
                                           index=True)
    root_hash: Mapped[str] = mapped_column(String(64))
    origin: Mapped[str] = mapped_column(String(200))
    key_id: Mapped[str] = mapped_column(String(8))
    verifier_key: Mapped[str] = mapped_column(String(300))
    note: Mapped[str] = mapped_column(Text)
    signed_at: Mapped[str] = mapped_column(String(32))
    __table_args__ = (
        CheckConstraint("tree_size >= 0", name="size_not_negative"),
        CheckConstraint("length(root_hash) = 64", name="root_is_sha256_hex"),
        UniqueConstraint("tree_size", "key_id", name="uq_audit_checkpoint_one_per_size_and_key"),
    )
