"""Audit action names come from a closed set, so they cannot drift.

Statically: every ``audit.record`` call names a declared event by a literal (a state change is
``lifecycle.apply``'s to record, under the name the table gives), and every
``lifecycle.apply`` call names an action of that lifecycle's table. At run time: after the demo
seed, every stored entry's action is in ``AUDIT_ACTIONS`` and its ``actor_role`` is a known role.
Each check is also fed wrong samples to prove it catches them.
"""

from __future__ import annotations

import textwrap

import pytest
from sqlalchemy import select

from grants.domain.lifecycles import AUDIT_ACTIONS, EVENTS
from grants.domain.roles import ROLE_LABELS
from grants.domain.workflow import Labels, Lifecycle
from grants.extensions import db
from grants.models import AuditEntry
from tests.architecture.checks import (
    Module,
    audit_call_violations,
    audit_entry_violations,
    fail_on,
    package_audit_call_violations,
    report,
)


def test_every_audit_call_names_a_declared_action():
    fail_on(package_audit_call_violations(), "audit names outside the closed set")


def test_the_seeded_demo_writes_only_declared_actions_and_known_roles(demo_app):
    entries = db.session.execute(
        select(AuditEntry.seq, AuditEntry.action, AuditEntry.actor_role).order_by(AuditEntry.seq)
    ).all()
    assert len(entries) > 100, "the demo seed wrote (almost) no audit entries"
    fail_on(audit_entry_violations(entries, AUDIT_ACTIONS, ROLE_LABELS),
            "audit entries of the seeded demo outside the closed set or the known roles")


LAMP = Lifecycle(
    name="lamp",
    table={(None, "install"): ("off", ("organizer",)), ("off", "switch_on"): ("on", ("resident",)),
           ("on", "switch_off"): ("off", ("resident",))},
    labels=Labels({"off": "关", "on": "开"}, {"install": "安装", "switch_on": "开灯",
                                             "switch_off": "关灯"}),
)
FAKE_EVENTS = frozenset({"auth.login", "lamp_room.paint"})
FAKE_TABLES = {"LAMP": LAMP}
HEADER = """\
from grants.services import audit, lifecycle
from grants.services.audit import record as write_entry
from grants.domain.lifecycles import LAMP
"""


def _violations(body: str) -> list:
    source = HEADER + textwrap.dedent(body)
    module = Module("grants.services.lamps", "grants/services/lamps.py", source)
    return audit_call_violations(module, FAKE_EVENTS, FAKE_TABLES)


WRONG = [
    ("audit.record('lamp.switched_on', 'lamp', 1)", "not in the closed set"),
    ("audit.record(action='auth.loggedin', object_type='user')", "'auth.loggedin'"),
    ("write_entry('lamp_room.painted', 'lamp_room', 1)", "'lamp_room.painted'"),
    ("audit.record(f'lamp.{verb}', 'lamp', 1)", "built at run time"),
    ("audit.record('lamp.' + verb, 'lamp', 1)", "built at run time"),
    ("audit.record('lamp.{}'.format(verb), 'lamp', 1)", "built at run time"),
    ("audit.record(name, 'lamp', 1)", "not a literal name"),
    ("audit.record('lamp.switch_on', 'lamp', 1)", "lifecycle transition recorded by hand"),
    ("PAINTED = 'lamp_room.painted'\naudit.record(PAINTED, 'lamp_room', 1)",
     "'lamp_room.painted'"),
    ("lifecycle.apply(LAMP, row, 'switch_over', user)", "lamp has no action 'switch_over'"),
    ("lifecycle.apply(LAMP, row, action='explode', actor=user)", "lamp has no action 'explode'"),
    ("lifecycle.apply(LAMP, row, f'switch_{way}', user)", "built at run time"),
    ("def f(row, user):\n    audit.record('lamp.broke', 'lamp', row.id)", "'lamp.broke'"),
]


@pytest.mark.parametrize(("body", "named"), WRONG, ids=[body for body, _ in WRONG])
def test_the_check_catches_an_undeclared_or_dynamic_action(body, named):
    violations = _violations(body)
    assert violations, f"not caught: {body}"
    line = HEADER.count("\n") + len(body.splitlines())
    assert str(violations[0]).startswith(f"grants/services/lamps.py:{line}:"), report(violations)
    assert named in report(violations)


RIGHT = [
    "audit.record('auth.login', 'user', 1, {}, actor=user, actor_role='resident')",
    "write_entry('lamp_room.paint', 'lamp_room', 1)",
    "LOGIN = 'auth.login'\naudit.record(LOGIN, 'user', 1)",
    "audit.record(lc.audit_action(action), lc.name, row.id)",
    "lifecycle.apply(LAMP, row, 'switch_on', user, owner=True)",
    "lifecycle.apply(LAMP, row, action, user)",
    "recorder.record('anything')",
]


@pytest.mark.parametrize("body", RIGHT)
def test_the_check_accepts_declared_names_and_the_engine(body):
    assert _violations(body) == []


def test_the_real_closed_set_is_what_the_check_is_given():
    assert EVENTS <= AUDIT_ACTIONS
    assert "proposal.withdraw" in AUDIT_ACTIONS and "proposal.withdrawn" not in AUDIT_ACTIONS


def test_the_entry_check_catches_an_undeclared_action_and_an_unknown_role():
    entries = [(1, "auth.login", "resident"), (2, "sheet.submitted", "judge"),
               (3, "sheet.submitted", "judge"), (4, "auth.login", "poweruser")]
    violations = audit_entry_violations(entries, AUDIT_ACTIONS, ROLE_LABELS)
    assert [str(v) for v in violations] == [
        "audit_entry seq 2 and 1 more: action 'sheet.submitted' is not in AUDIT_ACTIONS",
        "audit_entry seq 4: actor_role 'poweruser' (on 'auth.login') is not a known role",
    ]
    assert audit_entry_violations(entries[:1], AUDIT_ACTIONS, ROLE_LABELS) == []


def test_flask_audit_verify_passes_on_the_freshly_seeded_demo(demo_app):
    result = demo_app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("OK: ")
