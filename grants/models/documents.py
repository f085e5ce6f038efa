"""Public documents as they were published: the audit head they print, their HTML, their PDF.

A public document (the award notice) is made when it is published and whenever its content
changes (an upheld objection, the confirmation), never on a reader's request. Its row keeps the
audit head of that moment, which the document prints, so a later audited action — a failed
login, an objection filed — neither changes the document nor forces it to be laid out again.
The HTML is kept so any host can lay out the very same document again when its PDF is not in
that host's document cache; ``cache_key`` names the PDF in the cache.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, DateTime, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from grants.domain.documents import PUBLISHED_KINDS
from grants.extensions import db
from grants.models.base import sql_in, utcnow


class PublishedDocument(db.Model):
    """The current edition of one public document (one row per kind and object)."""

    __tablename__ = "published_document"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    object_id: Mapped[int] = mapped_column(Integer)
    audit_seq: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"))
    audit_hash: Mapped[str] = mapped_column(String(64))
    html: Mapped[str | None] = mapped_column(Text)
    cache_key: Mapped[str | None] = mapped_column(String(64))
    stamped_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    __table_args__ = (
        db.UniqueConstraint("kind", "object_id", name="uq_published_document_kind_object"),
        CheckConstraint(sql_in("kind", PUBLISHED_KINDS), name="kind_valid"),
        CheckConstraint("audit_seq >= 0", name="audit_seq_not_negative"),
    )
