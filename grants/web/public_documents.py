"""Public documents made when they are published, then served from the document cache.

A service stamps a new edition of a public document when it publishes or changes it
(:mod:`grants.services.published`); :func:`make_pending` lays the edition out right after, in the
organizer's request or the command that made the change, and keeps its HTML and PDF key. A
reader's request (:func:`public_pdf`) then costs one row read and one file read, and prints the
audit head of the edition, so a failed login or any other later audited action changes nothing.
A host whose document cache lacks the PDF lays the kept HTML out again: the same document.
A signed agreement is laid out into the cache as it is signed (:func:`make_agreement_pdf`).
"""

from __future__ import annotations

from collections.abc import Callable

from flask import current_app, has_request_context, url_for

from grants.domain.documents import NOTICE_DOCUMENT
from grants.extensions import db
from grants.models.documents import PublishedDocument
from grants.services import published
from grants.web.documents import cached_pdf, document_html, keyed_pdf


class DocumentGone(LookupError):
    """The object a public document was made of no longer exists."""


def _notice(object_id: int) -> tuple[str, Callable[[], dict]]:
    """The notice's template and data, with its public address as the place to object."""
    from grants.models.awards import Notice
    from grants.services import notices

    notice = db.session.get(Notice, object_id)
    if notice is None:
        raise DocumentGone(f"notice {object_id}")
    url = url_for("notices.detail", notice_id=notice.id, _external=True)
    return "notice", lambda: notices.notice_context(notice, url)


BUILDERS: dict[str, Callable[[int], tuple[str, Callable[[], dict]]]] = {
    NOTICE_DOCUMENT: _notice,
}
"""For each kind of public document: object id → (template name, data builder)."""


def public_pdf(kind: str, object_id: int) -> bytes:
    """The PDF of the document's current edition: from the document cache when this host has
    it (no layout, no data queries), else laid out once and kept."""
    edition = published.current(kind, object_id) or published.first_edition(kind, object_id)
    if edition.cache_key and (pdf := cached_pdf(edition.cache_key)) is not None:
        return pdf
    return _make(edition)


def _make(edition: PublishedDocument) -> bytes:
    """Lay the edition out (from its kept HTML when there is one) and keep HTML and key."""
    html = edition.html or _edition_html(edition)
    pdf, key = keyed_pdf(html)
    published.keep(edition, html, key)
    return pdf


def _edition_html(edition: PublishedDocument) -> str:
    """The edition's HTML from the current data, printing the edition's audit head."""
    template, build = BUILDERS[edition.kind](edition.object_id)
    return document_html(
        template, build, audit_seq=edition.audit_seq, audit_hash=edition.audit_hash
    )


def make_pending() -> int:
    """Lay out every edition stamped but not made yet and return how many were made; call it
    right after publishing or changing a public document. A failure is logged, not raised: the
    change is already committed, and the first reader's request will report the error.
    With ``PDF_ON_PUBLISH`` off (the tests), nothing is made here: the first reader makes it."""
    if not current_app.config.get("PDF_ON_PUBLISH", True):
        return 0
    if not has_request_context():
        with current_app.test_request_context():
            return make_pending()
    made = 0
    for edition in published.pending():
        try:
            _make(edition)
        except Exception:  # noqa: BLE001 - the change stands; a reader's request retries
            db.session.rollback()
            current_app.logger.exception("making %s %s failed", edition.kind, edition.object_id)
            continue
        made += 1
    return made


def make_agreement_pdf(agreement_id: int) -> None:
    """Lay a just signed agreement out into the document cache, so the round's ZIP and its
    readers find it there (it prints its own latest audit entry, so it stays valid until the
    agreement or its award changes). Off with ``PDF_ON_PUBLISH``; a failure is only logged."""
    if not current_app.config.get("PDF_ON_PUBLISH", True):
        return
    from functools import partial

    from grants.models.awards import Agreement
    from grants.services import agreements
    from grants.web.documents import html_pdf

    try:
        agreement = db.session.get(Agreement, agreement_id)
        html_pdf(document_html("agreement", partial(agreements.agreement_context, agreement)))
    except Exception:  # noqa: BLE001 - the signature stands; the ZIP or a reader retries
        current_app.logger.exception("making agreement %s failed", agreement_id)
