"""Every lifecycle table, run by the one engine: the authorising role, reasons, the closed set."""

from __future__ import annotations

import pytest

from grants.domain.lifecycles import (
    AGREEMENT,
    AUDIT_ACTIONS,
    AWARD,
    EVENTS,
    LIFECYCLES,
    OBJECTION,
    PAYMENT,
    PROPOSAL,
    audit_action_label,
)
from grants.domain.permissions import acting_roles
from grants.domain.roles import ROLE_LABELS
from grants.domain.workflow import TransitionError


class Person:
    """A signed-in account as the permission functions read it."""

    is_authenticated = True

    def __init__(self, *roles: str, user_id: int = 7) -> None:
        self.id = user_id
        self.roles = frozenset(roles)
        self.organisation_id = None


@pytest.mark.parametrize("name", sorted(LIFECYCLES))
def test_every_row_names_known_roles_and_labelled_states(name: str) -> None:
    lifecycle = LIFECYCLES[name]
    for (source, action), (target, roles) in lifecycle.table.items():
        assert isinstance(roles, tuple) and roles, (name, source, action)
        assert set(roles) <= set(ROLE_LABELS), (name, action, roles)
        assert target in lifecycle.labels.states, (name, target)
        assert source is None or source in lifecycle.labels.states, (name, source)
        assert action in lifecycle.labels.actions, (name, action)


@pytest.mark.parametrize("name", sorted(LIFECYCLES))
def test_reason_actions_are_actions_of_the_table(name: str) -> None:
    lifecycle = LIFECYCLES[name]
    assert lifecycle.reason_actions <= set(lifecycle.actions)


def test_the_role_recorded_is_the_one_the_row_allows_not_the_most_powerful() -> None:
    officer = Person("finance", "auditor", "admin")
    assert PAYMENT.step("requested", "approve", acting_roles(officer)).role == "finance"
    with pytest.raises(TransitionError):
        PAYMENT.step("requested", "approve", acting_roles(Person("auditor", "admin")))


def test_an_applicant_who_withdraws_acts_as_applicant_even_when_also_staff() -> None:
    owner = Person("resident", "organizer")
    step = PROPOSAL.step("submitted", "withdraw", acting_roles(owner, owner=True))
    assert (step.source, step.target, step.role) == ("submitted", "withdrawn", "applicant")


def test_row_order_decides_between_two_roles_the_actor_holds() -> None:
    both = Person("organizer", "admin")
    assert PROPOSAL.step("submitted", "mark_eligible", acting_roles(both)).role == "organizer"
    assert PROPOSAL.step("submitted", "mark_eligible", acting_roles(Person("admin"))).role == "admin"


def test_scheduled_work_acts_as_system_only() -> None:
    assert acting_roles(None) == frozenset({"system"})
    assert AWARD.step("in_notice", "confirm", acting_roles(None)).role == "system"
    with pytest.raises(TransitionError) as refused:
        AWARD.step("in_notice", "revoke", acting_roles(None), reason="x")
    assert refused.value.kind == "forbidden" and refused.value.status == 403


def test_anyone_may_file_an_objection_as_the_public() -> None:
    assert OBJECTION.step(None, "file", acting_roles(Person("resident"))).role == "public"
    assert OBJECTION.step(None, "file", frozenset({"public"})).target == "filed"


def test_actions_that_need_a_reason_refuse_without_one_after_the_state_check() -> None:
    with pytest.raises(TransitionError) as missing:
        OBJECTION.step("filed", "uphold", acting_roles(Person("organizer")), reason="  ")
    assert missing.value.kind == "missing_reason" and missing.value.status == 422
    with pytest.raises(TransitionError) as wrong:
        OBJECTION.step("upheld", "uphold", acting_roles(Person("organizer")), reason="")
    assert wrong.value.kind == "wrong_state" and wrong.value.status == 409
    assert "异议成立" in str(wrong.value)


def test_only_the_owner_signs_the_agreement() -> None:
    colleague = Person("org_member")
    with pytest.raises(TransitionError):
        AGREEMENT.step("awaiting_signature", "sign", acting_roles(colleague))
    step = AGREEMENT.step("awaiting_signature", "sign", acting_roles(colleague, owner=True))
    assert step.role == "applicant"


def test_available_actions_follow_the_table_and_the_roles() -> None:
    owner = acting_roles(Person("resident"), owner=True)
    assert PROPOSAL.available("draft", owner) == ["save_draft", "submit", "withdraw"]
    assert PROPOSAL.available("submitted", acting_roles(Person("auditor"))) == []


def test_the_closed_set_holds_every_lifecycle_action_and_the_declared_events() -> None:
    for lifecycle in LIFECYCLES.values():
        for action in lifecycle.actions:
            assert f"{lifecycle.name}.{action}" in AUDIT_ACTIONS
    assert EVENTS <= AUDIT_ACTIONS
    assert all(action.count(".") == 1 for action in AUDIT_ACTIONS)
    assert "proposal.marked_eligible" not in AUDIT_ACTIONS


def test_audit_action_names_have_labels() -> None:
    assert audit_action_label("proposal.withdraw") == "撤回申报"
    assert audit_action_label("auth.login") == "登录"
    with pytest.raises(ValueError):
        PROPOSAL.audit_action("explode")


def test_states_feed_the_check_constraints_in_label_order() -> None:
    assert PROPOSAL.states[0] == "draft"
    assert "discarded" in AWARD.states and None not in AWARD.states
