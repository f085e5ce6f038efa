"""Fixtures of the follow-up tests: a round of three projects, with or without their lists.

Building the crew (seven accounts, three signed awards, three uploads) for every test would
cost more than the tests themselves, so each variant is built once per session in its own
SQLite file, and a test asking for ``team`` or ``listed`` gets its app on a private copy of
that file (this ``app`` overrides the shared one for the tests of this folder only; a test that
asks for neither gets the shared empty database).
"""

from __future__ import annotations

import shutil

import pytest

from grants.extensions import db
from tests.conftest import _app_on_copy, _make_app
from tests.followup.support import crew, crew_of, upload_lists

VARIANTS = ("listed", "team")


@pytest.fixture(scope="session")
def followup_templates(sqlite_template, tmp_path_factory) -> dict:
    """The two databases: ``team`` (crew only) and ``listed`` (crew with lists), with ids."""
    folder = tmp_path_factory.mktemp("followup")
    made = {}
    for name in VARIANTS:
        path = folder / f"{name}.db"
        shutil.copyfile(sqlite_template, path)
        application = _make_app(f"sqlite:///{path}", folder)
        with application.app_context():
            built = crew(3)
            if name == "listed":
                upload_lists(built)
            made[name] = (path, built.ids())
            db.session.remove()
            db.engine.dispose()
    return made


def _variant(request) -> str | None:
    """Which prepared database the test asks for."""
    return next((name for name in VARIANTS if name in request.fixturenames), None)


@pytest.fixture
def app(request, sqlite_template, tmp_path):
    """The application on a private copy of the prepared database the test asks for."""
    name = _variant(request)
    template = request.getfixturevalue("followup_templates")[name][0] if name else sqlite_template
    yield from _app_on_copy(template, tmp_path)


@pytest.fixture
def team(app, followup_templates):
    """Three projects, three grantees, an organizer, two callers and an auditor."""
    return crew_of(followup_templates["team"][1])


@pytest.fixture
def listed(app, followup_templates):
    """The team's projects with lists of 30, 20 and 10 beneficiaries."""
    return crew_of(followup_templates["listed"][1])
