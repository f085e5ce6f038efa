"""Editions of public documents: the audit head a document prints, fixed when it is published.

A service that publishes or changes a public document calls :func:`stamp` inside its unit of
work, after its audit entries: the new edition prints the chain's head of that moment. The web
layer lays the edition out once (:func:`keep` stores its HTML and PDF cache key) and serves it
from the document cache afterwards, whatever is audited later.
"""

from __future__ import annotations

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.exc import IntegrityError

from grants.domain.documents import PUBLISHED_KINDS
from grants.extensions import db
from grants.models import AuditEntry
from grants.models.base import utcnow
from grants.models.documents import PublishedDocument
from grants.services import audit, unit_of_work


def current(kind: str, object_id: int) -> PublishedDocument | None:
    """The document's current edition, or None when it was never stamped."""
    query = select(PublishedDocument).where(
        PublishedDocument.kind == kind, PublishedDocument.object_id == object_id
    )
    return db.session.scalar(query)


def stamp(kind: str, object_id: int) -> PublishedDocument:
    """Start a new edition printing the audit head as it stands now (in the caller's
    transaction, so after the entries of the change that made it); its HTML and PDF are made
    afresh."""
    if kind not in PUBLISHED_KINDS:
        raise ValueError(f"unknown public document kind {kind!r}")
    seq, head_hash = audit.head()
    edition = current(kind, object_id)
    if edition is None:
        edition = PublishedDocument(kind=kind, object_id=object_id)
        db.session.add(edition)
    edition.audit_seq, edition.audit_hash = seq, head_hash
    edition.html = edition.cache_key = None
    edition.stamped_at = utcnow()
    db.session.flush()
    return edition


def first_edition(kind: str, object_id: int) -> PublishedDocument:
    """The current edition, stamped now when there is none (a document published before
    editions were kept)."""
    try:
        with unit_of_work():
            edition = current(kind, object_id) or stamp(kind, object_id)
    except IntegrityError:
        edition = current(kind, object_id)
        if edition is None:
            raise
    return edition


def keep(edition: PublishedDocument, html: str, cache_key: str) -> None:
    """Store the edition's HTML and PDF cache key, unless a newer edition was stamped
    meanwhile (the HTML of an edition, once kept, is never replaced).

    A reading request laid the edition out inside its read transaction; that transaction ends
    first, so the update starts a transaction of its own and waits for the write lock (on
    SQLite a read snapshot older than another writer's commit cannot take it: it would fail
    at once with "database is locked")."""
    row_id, seq, head_hash = edition.id, edition.audit_seq, edition.audit_hash
    if not (db.session.new or db.session.dirty or db.session.deleted):
        db.session.commit()
    with unit_of_work():
        db.session.execute(
            update(PublishedDocument)
            .where(
                PublishedDocument.id == row_id,
                PublishedDocument.audit_seq == seq,
                PublishedDocument.audit_hash == head_hash,
            )
            .values(html=func.coalesce(PublishedDocument.html, html), cache_key=cache_key)
        )


def stamp_of(*objects: tuple[str, int]) -> tuple[int, str]:
    """The audit entry (``seq``, ``hash``) of the latest change to any of ``objects``
    (``(object_type, id)`` pairs), or the chain's head when none was ever audited.

    A document made of those objects prints it: the document then stays the same, and is
    answered from the document cache, until one of its objects changes again.
    """
    match = or_(*(and_(AuditEntry.object_type == kind, AuditEntry.object_id == object_id)
                  for kind, object_id in objects))
    row = db.session.execute(
        select(AuditEntry.seq, AuditEntry.hash).where(match)
        .order_by(AuditEntry.seq.desc()).limit(1)
    ).first()
    return (row.seq, row.hash) if row else audit.head()


def pending() -> list[PublishedDocument]:
    """Editions stamped but not laid out yet, oldest first."""
    query = select(PublishedDocument).where(PublishedDocument.html.is_(None))
    return list(db.session.scalars(query.order_by(PublishedDocument.stamped_at)))
