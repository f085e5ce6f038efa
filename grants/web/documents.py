"""Documents in the web layer: render ``templates/pdf/<name>.html`` with Jinja, turn it into a
PDF with :mod:`grants.pdf` (cached under ``<instance>/pdf-cache``), and serve it or a ZIP of them.

Services hand over a document's data (its context); this module builds that data and renders it
in the document language, so a PDF reads the same whoever asks. Every document is given the
audit chain's head (``audit_seq``, ``audit_hash``) and the latest signed checkpoint of the audit
log (``audit_checkpoint``: origin, size, root, or None before the first), so public PDFs print
the checkpoint they were made under and anyone can check the document against the signed log;
a public document made when it is published (:mod:`grants.web.public_documents`) is given the
head of that moment instead of the live one, so its PDF stays the same, and stays in the cache,
whatever is audited later.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from flask import Response, current_app, has_request_context
from flask_babel import force_locale

from grants.domain.i18n import source_language
from grants.services import audit, checkpoints


@contextmanager
def document_language() -> Iterator[None]:
    """Documents are official texts in Chinese: build their data and render them in Chinese
    whatever language the visitor's pages use (so a cached PDF is the same for everyone)."""
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]), source_language():
        yield


def pdf_cache_dir() -> Path:
    """Where rendered PDFs and the derived core font are cached: ``<instance>/pdf-cache``,
    unless ``PDF_CACHE_DIR`` is configured (shared by several instances, e.g. the test suite)."""
    configured = current_app.config.get("PDF_CACHE_DIR")
    return Path(configured) if configured else Path(current_app.instance_path) / "pdf-cache"


def audit_context() -> dict:
    """What every document prints to be checked against the log: the chain head and the
    latest signed checkpoint (which changes only when a new one is signed, so cached PDFs
    stay valid between checkpoints)."""
    seq, head_hash = audit.head()
    row = checkpoints.latest()
    return {"audit_seq": seq, "audit_hash": head_hash,
            "audit_checkpoint": checkpoints.head_of(row) if row else None}


def render_html(template_name: str, **context) -> str:
    """Render ``templates/pdf/<template_name>.html`` with :func:`audit_context` added; a
    published document's edition brings its own ``audit_seq`` and ``audit_hash`` (the head at
    its publication), which win over the live head.

    Rendered straight from the Jinja environment, without the page context processors, so a
    document is the same in a request, in a CLI command or in a batch job. Outside a request
    (CLI, cron) a blank request context lets the locale fall back to the default language.
    """
    audited = {**audit_context(), **context}
    template = current_app.jinja_env.get_template(f"pdf/{template_name}.html")
    if has_request_context():
        with document_language():
            return template.render(**audited)
    with current_app.test_request_context(), document_language():
        return template.render(**audited)


def html_pdf(html: str) -> bytes:
    """Turn rendered document HTML into PDF bytes (identical HTML comes from the cache)."""
    return keyed_pdf(html)[0]


def keyed_pdf(html: str) -> tuple[bytes, str]:
    """:func:`html_pdf` and the PDF's key in the document cache, for :func:`cached_pdf`."""
    from grants.pdf import render_document

    return render_document(html, pdf_cache_dir())


def cached_pdf(key: str) -> bytes | None:
    """The PDF kept in the document cache under ``key``, or None; nothing is laid out."""
    from grants.pdf import cached_pdf as read

    return read(pdf_cache_dir(), key)


def render_pdf(template_name: str, **context) -> bytes:
    """Render a PDF template with Jinja and return the PDF bytes."""
    return html_pdf(render_html(template_name, **context))


def document_html(template_name: str, build: Callable[[], dict], **fixed) -> str:
    """Build a document's data with ``build`` and render it, both in the document language
    (the data holds sentences such as party names that must be Chinese too); ``fixed`` adds
    to the data (a published edition's ``audit_seq`` and ``audit_hash``)."""
    with document_language():
        return render_html(template_name, **build(), **fixed)


def document_pdf(template_name: str, build: Callable[[], dict]) -> bytes:
    """The PDF of :func:`document_html` (identical HTML comes from the cache)."""
    return html_pdf(document_html(template_name, build))


def zip_of(files: Iterable[tuple[str, bytes]]) -> tuple[bytes, int]:
    """A ZIP holding each ``(name, data)`` pair, and how many files it holds."""
    buffer = io.BytesIO()
    count = 0
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files:
            archive.writestr(name, data)
            count += 1
    return buffer.getvalue(), count


def zip_response(data: bytes, filename: str) -> Response:
    """Serve ZIP bytes as a download under an ASCII file name."""
    disposition = {"Content-Disposition": f'attachment; filename="{filename}"'}
    return Response(data, mimetype="application/zip", headers=disposition)


def pdf_response(pdf: bytes, filename: str, download: bool = False) -> Response:
    """Serve PDF bytes inline (or as an attachment) under an ASCII file name."""
    disposition = "attachment" if download else "inline"
    response = Response(pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    return response
