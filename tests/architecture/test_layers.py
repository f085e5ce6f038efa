"""Imports go inwards only: domain ← models ← services ← web (DESIGN.md §6).

The first test runs the rule over ``grants/``, one layer at a time so each fails on its own and
names the file and line. The others feed the same check deliberately wrong modules to prove it
catches each kind of wrong-way import, and right ones to prove it does not cry wolf.
"""

from __future__ import annotations

import textwrap

import pytest

from tests.architecture.checks import (
    Module,
    fail_on,
    import_violations,
    layer_of,
    package_modules,
    report,
)


@pytest.mark.parametrize("layer", ["domain", "models", "services"])
def test_no_import_goes_the_wrong_way(layer):
    modules = [module for module in package_modules() if layer_of(module.name) == layer]
    assert modules, f"no modules found for the {layer} layer"
    fail_on([violation for module in modules for violation in import_violations(module)],
            f"{layer} imports that go the wrong way")


def _module(name: str, source: str) -> Module:
    path = name.replace(".", "/") + ".py"
    return Module(name, path, textwrap.dedent(source))


WRONG = [
    ("grants.domain.money", "from flask import current_app\n", "flask"),
    ("grants.domain.money", "import sqlalchemy as sa\n", "sqlalchemy"),
    ("grants.domain.money", "from flask_babel import gettext\n", "flask_babel"),
    ("grants.domain.money", "from grants.models import Proposal\n", "grants.models"),
    ("grants.domain.money", "from grants import services\n", "grants.services"),
    ("grants.domain.money", "from grants.web.access import requires\n", "grants.web.access"),
    ("grants.domain.money", "from grants.extensions import db\n", "grants.extensions"),
    ("grants.domain.permissions.proposals", "from ...services import audit\n",
     "grants.services"),
    ("grants.domain.money", "def f():\n    from grants.models import Award\n", "grants.models"),
    ("grants.models.awards", "from grants.services.audit import record\n", "grants.services"),
    ("grants.models.awards", "from grants.web import nav\n", "grants.web"),
    ("grants.models.awards", "from ..services import locked\n", "grants.services"),
    ("grants.services.agreements", "from grants.web.documents import render_pdf\n",
     "grants.web"),
    ("grants.services.agreements", "from flask import Response\n", "flask.Response"),
    ("grants.services.agreements", "from flask import request\n", "flask.request"),
    ("grants.services.agreements", "from flask import render_template\n",
     "flask.render_template"),
    ("grants.services.agreements", "from flask import make_response\n", "flask.make_response"),
    ("grants.services.agreements", "from flask import send_file\n", "flask.send_file"),
    ("grants.services.agreements", "import flask\nflask.request.args\n", "flask.request"),
    ("grants.services.agreements",
     "from flask import current_app\ncurrent_app.jinja_env.get_template('x')\n",
     "current_app.jinja_env"),
    ("grants.services.agreements", "from flask_login import current_user\n", "flask_login"),
    ("grants.services.agreements", "from werkzeug.exceptions import NotFound\n",
     "werkzeug.exceptions"),
    ("grants.services.proposals.commands", "from ...web.proposals import forms\n",
     "grants.web"),
]


@pytest.mark.parametrize(("name", "source", "named"), WRONG,
                         ids=[f"{n}:{s.strip().splitlines()[-1]}" for n, s, _ in WRONG])
def test_the_check_catches_a_wrong_way_import(name, source, named):
    violations = import_violations(_module(name, source))
    assert violations, f"not caught: {source!r} in {name}"
    where = name.replace(".", "/") + ".py:"
    assert all(str(v).startswith(where) for v in violations), report(violations)
    assert named in report(violations)


RIGHT = [
    ("grants.domain.money", "from decimal import Decimal\nfrom grants.domain.i18n import msg\n"),
    ("grants.domain.money", "from grants.domain import permissions\nfrom grants import domain\n"),
    ("grants.domain.permissions.policies", "from .. import roles\nfrom . import proposals\n"),
    ("grants.domain.money", "from stdnum.cn import uscc\n"),
    ("grants.models.awards", "from sqlalchemy import String\nfrom grants.extensions import db\n"
                             "from grants.domain.lifecycles import AWARD\n"),
    ("grants.services.auth", "from flask import current_app\n"
                             "limit = current_app.config['LOGIN_MAX_FAILURES']\n"
                             "current_app.logger.info('x')\n"),
    ("grants.services.awards", "from grants.models import Award\nfrom grants.services import "
                               "locked\nfrom grants.domain.lifecycles import AWARD\n"),
    ("grants.web.awards.views", "from flask import Response, request, render_template\n"
                                "from grants.services import awards\n"),
    ("grants.cli.audit", "from grants.services import audit\n"),
]


@pytest.mark.parametrize(("name", "source"), RIGHT, ids=[n for n, _ in RIGHT])
def test_the_check_accepts_imports_that_go_inwards(name, source):
    assert import_violations(_module(name, source)) == []


def test_every_module_of_the_package_is_inspected():
    names = {module.name for module in package_modules()}
    assert {"grants", "grants.domain.workflow", "grants.services.lifecycle",
            "grants.web.access"} <= names
