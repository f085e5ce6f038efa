"""Wiring the extensions, the SQLite locking mode, locale selection and security headers."""

from __future__ import annotations

from flask import Flask, has_request_context, request, session
from flask_babel import gettext
from flask_login import current_user
from sqlalchemy import event

from grants import models  # noqa: F401 — importing the package registers every model
from grants.config import REPO_ROOT
from grants.domain.i18n import set_translator
from grants.extensions import babel, bootstrap, csrf, db, login_manager, migrate
from grants.web import hardening
from grants.web import sessions as web_sessions
from grants.web.filters import register_filters

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'none'"
)


def _translate_domain(template: str) -> str:
    """Translate a domain message template for the current request's reader."""
    return gettext(template) if has_request_context() else template


def select_locale() -> str:
    """The visitor's chosen language (remembered in the session), else Simplified Chinese."""
    from flask import current_app

    languages = current_app.config["LANGUAGES"]
    chosen = session.get("lang") if has_request_context() else None
    if chosen in languages:
        return chosen
    return current_app.config["BABEL_DEFAULT_LOCALE"]


READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _begin_statement() -> str:
    """How a SQLite transaction begins: a plain (deferred) BEGIN for a request that only reads,
    so a long page never holds the write lock against other workers; BEGIN IMMEDIATE for
    everything else (forms, commands, jobs), so writers queue instead of failing half-way."""
    if has_request_context() and request.method in READ_METHODS:
        return "BEGIN"
    return "BEGIN IMMEDIATE"


def _sqlite_immediate(engine) -> None:
    """Set SQLite up for several workers: WAL, foreign keys, a busy timeout, and writers'
    transactions taking the write lock up front (:func:`_begin_statement`)."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        connection.exec_driver_sql(_begin_statement())


def register_extensions(app: Flask) -> None:
    """Bind every extension to the app and configure the database engine."""
    db.init_app(app)
    migrate.init_app(app, db, directory=str(REPO_ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    set_translator(_translate_domain)
    bootstrap.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = None
    login_manager.user_loader(web_sessions.load_user)
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            _sqlite_immediate(db.engine)
    register_filters(app)


def _security_headers(response):
    """Headers every response carries: CSP without inline script, nosniff, no framing."""
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    if not request.path.startswith("/static/") and current_user.is_authenticated:
        response.headers.setdefault("Cache-Control", "no-store")
    return response


def register_security(app: Flask) -> None:
    """Attach the security headers to every response; check the server-kept session on every
    request; proxy, rate limits and file modes (:mod:`grants.web.hardening`)."""
    app.after_request(_security_headers)
    web_sessions.register_sessions(app)
    hardening.register_hardening(app)
