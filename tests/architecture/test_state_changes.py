"""Services change a state only through ``grants.services.lifecycle.apply``.

``apply`` checks the table, moves the state and writes the one audit entry; a service that
assigns ``row.status = …`` (or bulk-updates it, or builds a lifecycle row with a state) skips
all three. The real services are scanned; wrong samples prove the check catches each form.
"""

from __future__ import annotations

import textwrap

import pytest

from tests.architecture.checks import (
    Module,
    fail_on,
    package_modules,
    report,
    status_assignment_violations,
)


def test_no_service_assigns_a_state_outside_the_lifecycle_engine():
    fail_on([violation for module in package_modules()
             for violation in status_assignment_violations(module)],
            "state changes outside grants/services/lifecycle.py")


def _module(source: str, name: str = "grants.services.lamps") -> Module:
    return Module(name, name.replace(".", "/") + ".py", "x = 1\n" + textwrap.dedent(source))


WRONG = [
    ("proposal.status = 'withdrawn'", "assigns proposal.status"),
    ("row.proposal.status = target", "assigns row.proposal.status"),
    ("award.status: str = 'revoked'", "assigns award.status"),
    ("award.amount, award.status = 0, 'revoked'", "assigns award.status"),
    ("for a in awards:\n    a.status = 'revoked'", "assigns a.status"),
    ("setattr(sheet, 'status', 'draft')", "setattr"),
    ("db.session.execute(update(Award).where(Award.id == 1).values(status='revoked'))",
     "bulk .values"),
    ("db.session.query(Award).filter_by(round_id=1).update({'status': 'revoked'})",
     "bulk .update"),
    ("Award.query.filter(Award.id > 0).update({Award.status: 'revoked'})", "bulk .update"),
    ("db.session.execute(text('UPDATE award SET status = :s WHERE id = 1'))", "SQL UPDATE"),
    ("award = Award(round_id=1, status='proposed')", "Award(status=…)"),
    ("from grants import models\nn = models.Notice(status='open')", "Notice(status=…)"),
]


@pytest.mark.parametrize(("source", "named"), WRONG, ids=[s for s, _ in WRONG])
def test_the_check_catches_a_state_change_outside_apply(source, named):
    violations = status_assignment_violations(_module(source))
    assert violations, f"not caught: {source}"
    line = 1 + len(source.splitlines())
    assert str(violations[0]).startswith(f"grants/services/lamps.py:{line}:"), report(violations)
    assert named in report(violations)


RIGHT = [
    "lifecycle.apply(AWARD, award, 'revoke', actor)",
    "self.status = status",
    "rows = select(Award).filter_by(status='proposed')",
    "payload.update({'status': award.status})",
    "facts = dict(status=award.status)",
    "status = award.status",
    "sheet = ScoreSheet(judge_id=1, proposal_id=2)",
]


@pytest.mark.parametrize("source", RIGHT)
def test_the_check_accepts_reads_and_the_engine(source):
    assert status_assignment_violations(_module(source)) == []


def test_the_engine_itself_and_other_layers_are_not_scanned():
    source = "row.status = step.target"
    assert status_assignment_violations(_module(source, "grants.services.lifecycle")) == []
    assert status_assignment_violations(_module(source, "grants.demo.awards")) == []
