"""No state literal in a template: the view passes lifecycle actions or ``can_*`` results.

A template that writes ``status == 'submitted'`` decides a business rule the lifecycle table
already holds, and drifts from it when the table changes. The first test scans every template;
the others prove the check catches each way of writing a state literal and leaves alone what
only draws a state (``status_badge``, ``state_label``) or asks what the view decided.
"""

from __future__ import annotations

import pytest

from tests.architecture.checks import (
    REPO_ROOT,
    fail_on,
    report,
    template_state_literals,
    templates_state_literals,
)


def test_no_template_decides_by_a_state_literal():
    fail_on(templates_state_literals(),
            "state literals in templates (pass booleans/actions from the view instead)")


def test_every_template_is_scanned():
    templates = sorted((REPO_ROOT / "templates").rglob("*.html"))
    assert any(path.match("proposals/detail.html") for path in templates)
    assert any(path.match("_macros/status.html") for path in templates)


WRONG = [
    "{% if proposal.status == 'submitted' %}x{% endif %}",
    '{% if proposal.status != "draft" %}x{% endif %}',
    "{% if p.status in ('draft', 'returned') %}x{% endif %}",
    "{% if p.status not in ['draft'] %}x{% endif %}",
    "{% if status=='open' %}x{% endif %}",
    "{{ 'a' if row.status == 'submitted' else 'b' }}",
    "{% if step.state == 'current' %}x{% endif %}",
    "{% if sheet_status == 'draft' %}x{% endif %}",
    "{% if 'submitted' == sheet.status %}x{% endif %}",
    "{% if row['status'] == 'open' %}x{% endif %}",
    "{% if awards|selectattr('status', 'equalto', 'proposed')|list %}x{% endif %}",
    "{% for a in awards|rejectattr('status', '==', 'revoked') %}{% endfor %}",
    "{% if award.status is equalto 'confirmed' %}x{% endif %}",
    "{% if proposal.status\n     in ('draft',) %}x{% endif %}",
    "{% if proposal.STATUS == 'draft' %}x{% endif %}",
]


@pytest.mark.parametrize("text", WRONG)
def test_the_check_catches_a_state_literal(text):
    sample = "<p>title</p>\n" + text + "\n"
    violations = template_state_literals(sample, "templates/fake/page.html")
    assert violations, f"not caught: {text!r}"
    assert str(violations[0]).startswith("templates/fake/page.html:2: state literal"), \
        report(violations)


RIGHT = [
    "{{ status_badge('proposal', proposal.status) }}",
    "{{ _(state_label('award', a.status)) }}",
    "{% if 'withdraw' in actions %}x{% endif %}",
    "{% if can_edit %}x{% endif %}",
    '<span class="badge status-{{ p.status }}">{{ _(labels[p.status]) }}</span>',
    "{% for key in states %}{{ key }}{% endfor %}",
    "{% if key == queue.status %} selected{% endif %}",
    "{# a comment may say status == 'draft' without deciding anything #}",
    "{% if status_label %}x{% endif %}",
]


@pytest.mark.parametrize("text", RIGHT)
def test_the_check_accepts_templates_that_only_draw_a_state(text):
    assert template_state_literals(text, "templates/fake/page.html") == []


def test_a_comment_does_not_shift_the_reported_line():
    sample = "{# one\ntwo #}\n{% if n.status == 'open' %}x{% endif %}\n"
    (violation,) = template_state_literals(sample, "t.html")
    assert violation.where == "t.html:3"
