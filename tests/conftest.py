"""Shared fixtures: an app per test on a fresh migrated database (SQLite, or PostgreSQL).

The schema is built once per session by running the real migrations (so every test also
proves them), then copied per test: a file copy for SQLite, ``CREATE DATABASE … TEMPLATE`` for
PostgreSQL. PostgreSQL tests are skipped with a printed reason when the server is unreachable,
except under ``CI=true`` where that is a failure.
"""

from __future__ import annotations

import contextvars
import itertools
import os
import shutil
import uuid
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from grants import create_app
from grants.config import TestConfig
from grants.extensions import db

PG_URL = os.environ.get("TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
_counter = itertools.count()


def _migrated_app(url: str, instance: Path):
    """An app on ``url`` with the migrations applied."""
    from flask_migrate import upgrade

    app = create_app(TestConfig(url, INSTANCE_PATH=str(instance)))
    with app.app_context():
        upgrade(revision="heads")
        db.engine.dispose()
    return app


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    """A migrated, empty SQLite database file to copy for each test."""
    folder = tmp_path_factory.mktemp("template")
    path = folder / "template.db"
    _migrated_app(f"sqlite:///{path}", folder)
    return path


def _make_app(url: str, instance: Path):
    app = create_app(TestConfig(url, INSTANCE_PATH=str(instance)))
    app.config["WTF_CSRF_ENABLED"] = False
    return app


def _app_on_copy(template: Path, folder: Path, **settings):
    """An app (inside its context) on a private copy of the SQLite database ``template``."""
    path = folder / "grants.db"
    shutil.copyfile(template, path)
    application = _make_app(f"sqlite:///{path}", folder)
    application.config.update(settings)
    with application.app_context():
        yield application
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def app(sqlite_template, tmp_path):
    """The application on a private copy of the migrated SQLite database."""
    yield from _app_on_copy(sqlite_template, tmp_path)


@pytest.fixture(scope="session")
def demo_template(sqlite_template, tmp_path_factory) -> Path:
    """A SQLite database holding the demo data, seeded once by ``flask seed-demo``."""
    folder = tmp_path_factory.mktemp("demo")
    path = folder / "demo.db"
    shutil.copyfile(sqlite_template, path)
    _seed_demo(f"sqlite:///{path}", folder)
    return path


@pytest.fixture
def demo_app(demo_template, tmp_path, tmp_path_factory):
    """The application on a private copy of the seeded demo database.

    Its PDF cache is the session's (as ``tests/web/test_pdf_documents.py`` shares it), so the
    core font is derived once rather than once per test: the cache is content-addressed.
    """
    cache = os.environ.get("PDF_CACHE_DIR") or str(tmp_path_factory.getbasetemp() / "pdf-cache")
    yield from _app_on_copy(demo_template, tmp_path, PDF_CACHE_DIR=cache)


def _pg_admin():
    """A psycopg connection to the test server in autocommit mode, or a skip/fail reason."""
    import psycopg

    try:
        return psycopg.connect(PG_URL, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as error:
        reason = f"PostgreSQL not reachable at {PG_URL}: {error}".strip()
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true requires PostgreSQL tests to run. {reason}")
        pytest.skip(reason)


def _pg_url(name: str) -> str:
    base, _sep, _db = PG_URL.rpartition("/")
    return f"{base}/{name}".replace("postgresql://", "postgresql+psycopg://", 1)


@pytest.fixture(scope="session")
def pg_template(tmp_path_factory):
    """A migrated, empty PostgreSQL database used as the template for each test's database."""
    admin = _pg_admin()
    name = f"grants_tpl_{uuid.uuid4().hex[:8]}"
    admin.execute(f'CREATE DATABASE "{name}"')
    _migrated_app(_pg_url(name), tmp_path_factory.mktemp("pg"))
    yield name
    admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.close()


@pytest.fixture
def pg_app(pg_template, tmp_path):
    """The application on a fresh PostgreSQL database copied from the template."""
    admin = _pg_admin()
    name = f"grants_t_{os.getpid()}_{next(_counter)}"
    admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{pg_template}"')
    application = _make_app(_pg_url(name), tmp_path)
    with application.app_context():
        yield application
        db.session.remove()
        db.engine.dispose()
    admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.close()


def _seed_demo(url: str, instance: Path) -> None:
    """Run ``flask seed-demo`` against the database at ``url``."""
    application = _make_app(url, instance)
    with application.app_context():
        result = application.test_cli_runner().invoke(args=["seed-demo"])
        db.session.remove()
        db.engine.dispose()
    if result.exception is not None:
        raise RuntimeError(f"flask seed-demo failed:\n{result.output}") from result.exception


@pytest.fixture(scope="session")
def pg_demo_template(pg_template, tmp_path_factory):
    """A PostgreSQL database holding the demo data, seeded once, to copy per test or user."""
    admin = _pg_admin()
    name = f"grants_demo_{uuid.uuid4().hex[:8]}"
    admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{pg_template}"')
    _seed_demo(_pg_url(name), tmp_path_factory.mktemp("pg-demo"))
    yield name
    admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.close()


def pg_copy(template: str) -> tuple[str, str]:
    """Copy the PostgreSQL database ``template``; returns the copy's name and SQLAlchemy URL
    (drop it with :func:`pg_drop`)."""
    name = f"grants_t_{os.getpid()}_{next(_counter)}"
    with _pg_admin() as admin:
        admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    return name, _pg_url(name)


def pg_drop(name: str) -> None:
    """Drop a database made by :func:`pg_copy`."""
    with _pg_admin() as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def make_test_app(url: str, instance: Path, **settings):
    """An application on ``url`` configured as the suite's (CSRF off), not yet in a context."""
    application = _make_app(url, instance)
    application.config.update(settings)
    return application


@pytest.fixture(params=["sqlite", "postgresql"])
def any_app(request):
    """Run a test on both databases."""
    fixture = "app" if request.param == "sqlite" else "pg_app"
    return request.getfixturevalue(fixture)


class IsolatedClient(FlaskClient):
    """A test client whose requests run like real ones: each in its own app context.

    The test body keeps an app context (and its database session) open; a request must not
    share ``g`` (the logged-in user, the locale) or the session with it. Before each request the
    test's session commits, so the request sees what the test wrote and no SQLite write lock is
    held; afterwards the test's objects reload what the request changed.
    """

    def open(self, *args, **kwargs):
        db.session.commit()
        response = contextvars.Context().run(super().open, *args, **kwargs)
        db.session.expire_all()
        return response


@pytest.fixture
def client(app):
    """A test client for the SQLite app."""
    app.test_client_class = IsolatedClient
    return app.test_client()


@pytest.fixture
def make_user(app):
    """Create an account with roles: ``make_user("alice", "judge")``."""
    from tests.helpers import create_user

    return create_user


@pytest.fixture
def auth(client):
    """Log the test client in and out: ``auth.login("alice")``, ``auth.logout()``."""
    from tests.helpers import AuthActions

    return AuthActions(client)


@pytest.fixture
def login(auth):
    """Log the client in as a username (the ``auth`` fixture's ``login``, kept for callers)."""
    return auth.login
