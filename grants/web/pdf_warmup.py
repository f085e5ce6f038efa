"""Warm the PDF renderer as a serving process starts (``flask run``, gunicorn's ``wsgi:app``).

The fonts are built during set-up (``flask pdf warm``); what is left is loading WeasyPrint,
Pango and fontconfig, about a second, and making the public documents still waiting to be made
(a notice published by a command or the demo), which a background thread does at start-up so
no visitor waits for them. Other ``flask`` commands and the tests skip
it, and ``PDF_WARM_ON_START=0`` turns it off.
"""

from __future__ import annotations

import click
from flask import Flask
from sqlalchemy import select

from grants.pdf.warm import warm_once_in_background
from grants.web.documents import pdf_cache_dir

SERVING_COMMANDS = frozenset({"run"})


def _serving() -> bool:
    """True outside the ``flask`` command line (a WSGI server imported the app) or in
    ``flask run``; false for every other command."""
    context = click.get_current_context(silent=True)
    return context is None or context.info_name in SERVING_COMMANDS


def warm_latest_notice(app: Flask) -> None:
    """Make the public documents still waiting to be made (a notice published by a command or
    the demo), then the latest notice's PDF if it is not in the document cache yet, so no
    reader waits for one; errors are left for a real request to report."""
    from grants.domain.documents import NOTICE_DOCUMENT
    from grants.extensions import db
    from grants.models.awards import Notice
    from grants.web.public_documents import make_pending, public_pdf

    with app.test_request_context():
        try:
            make_pending()
            notice_id = db.session.scalar(select(Notice.id).order_by(Notice.id.desc()).limit(1))
            if notice_id is not None:
                public_pdf(NOTICE_DOCUMENT, notice_id)
        except Exception:  # the warm-up is an optimisation, never a failure
            app.logger.warning("PDF warm-up skipped", exc_info=True)
        finally:
            db.session.remove()


def register_pdf_warmup(app: Flask) -> None:
    """Start the background warm-up for a serving, non-testing app configured to warm."""
    if app.testing or not app.config.get("PDF_WARM_ON_START", True) or not _serving():
        return
    with app.app_context():
        cache = pdf_cache_dir()
    warm_once_in_background(cache, then=lambda: warm_latest_notice(app))
