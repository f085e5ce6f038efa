"""Flask glue for PDF documents: render ``templates/pdf/<name>.html`` with Jinja, turn it into
a PDF with :mod:`grants.pdf` (cached under ``<instance>/pdf-cache``), and serve it.

Every document is given the audit chain's head (``audit_seq``, ``audit_hash``) so public PDFs
can print it and anyone can check the document against the published chain.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from flask import Response, current_app, has_request_context
from flask_babel import force_locale

from grants.domain.i18n import source_language
from grants.services import audit


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


def render_html(template_name: str, **context) -> str:
    """Render ``templates/pdf/<template_name>.html`` with the audit head added to the context.

    Rendered straight from the Jinja environment, without the page context processors, so a
    document is the same in a request, in a CLI command or in a batch job. Outside a request
    (CLI, cron) a blank request context lets the locale fall back to the default language.
    """
    seq, head_hash = audit.head()
    template = current_app.jinja_env.get_template(f"pdf/{template_name}.html")
    if has_request_context():
        with document_language():
            return template.render(audit_seq=seq, audit_hash=head_hash, **context)
    with current_app.test_request_context(), document_language():
        return template.render(audit_seq=seq, audit_hash=head_hash, **context)


def html_pdf(html: str) -> bytes:
    """Turn rendered document HTML into PDF bytes (identical HTML comes from the cache)."""
    from grants.pdf import html_to_pdf

    return html_to_pdf(html, pdf_cache_dir())


def render_pdf(template_name: str, **context) -> bytes:
    """Render a PDF template with Jinja and return the PDF bytes."""
    return html_pdf(render_html(template_name, **context))


def pdf_response(pdf: bytes, filename: str, download: bool = False) -> Response:
    """Serve PDF bytes inline (or as an attachment) under an ASCII file name."""
    disposition = "attachment" if download else "inline"
    response = Response(pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    return response
