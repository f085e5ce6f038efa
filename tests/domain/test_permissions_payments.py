"""Who may move money, record gates, set plans and read the disbursement ledgers."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from grants.domain.permissions.payments import (
    can_approve_payment,
    can_edit_plan,
    can_handle_payment,
    can_mark_paid,
    can_read_ledger,
    can_record_gate,
    can_request_payment,
    can_see_tranches,
)

ROLES = ("resident", "org_member", "judge", "organizer", "finance", "auditor", "admin")


def person(*roles, user_id=1, organisation_id=None):
    return SimpleNamespace(id=user_id, roles=frozenset(roles), is_authenticated=True,
                           organisation_id=organisation_id)


def payment(requested_by_id=2):
    return SimpleNamespace(requested_by_id=requested_by_id)


def proposal(applicant_id=7, organisation_id=None):
    return SimpleNamespace(applicant_id=applicant_id, organisation_id=organisation_id)


@pytest.mark.parametrize("role", ROLES)
def test_only_finance_officers_move_money(role):
    finance = role == "finance"
    user = person(role)
    for check in (can_request_payment, can_handle_payment, can_mark_paid):
        allowed, reason = check(user)
        assert allowed is finance and (finance or "财务" in reason), check.__name__
    assert can_approve_payment(user, payment())[0] is finance


def test_the_requester_may_not_approve_their_own_payment():
    officer = person("finance", user_id=2)
    allowed, reason = can_approve_payment(officer, payment(requested_by_id=2))
    assert not allowed and "另一名财务人员" in reason
    assert can_approve_payment(person("finance", user_id=3), payment(requested_by_id=2))[0]


def test_a_sole_officer_approves_nothing_even_as_admin_or_auditor_too():
    sole = person("finance", "admin", "auditor", user_id=2)
    assert not can_approve_payment(sole, payment(requested_by_id=2))[0]


@pytest.mark.parametrize("role", ROLES)
def test_gates_and_plans_are_the_organizers(role):
    organizer = role in ("organizer", "admin")
    assert can_record_gate(person(role))[0] is organizer
    assert can_edit_plan(person(role))[0] is organizer


@pytest.mark.parametrize("role", ROLES)
def test_ledgers_are_for_the_award_readers(role):
    assert can_read_ledger(person(role))[0] is (role in ("organizer", "admin", "auditor",
                                                         "finance"))


def test_a_grantee_sees_its_own_tranches_and_no_one_elses():
    assert can_see_tranches(person("resident", user_id=7), proposal())[0]
    assert not can_see_tranches(person("resident", user_id=8), proposal())[0]
    member = person("org_member", user_id=9, organisation_id=4)
    assert can_see_tranches(member, proposal(organisation_id=4))[0]
    assert not can_see_tranches(member, proposal(organisation_id=5))[0]
    award = SimpleNamespace(proposal=proposal())
    assert can_see_tranches(person("resident", user_id=7), award)[0]
    assert can_see_tranches(person("finance", user_id=1), award)[0]
    assert not can_see_tranches(person("judge", user_id=1), award)[0]


def test_anonymous_visitors_may_do_nothing():
    for check in (can_request_payment, can_handle_payment, can_mark_paid, can_record_gate,
                  can_edit_plan, can_read_ledger):
        assert check(None)[0] is False
    assert can_approve_payment(None, payment())[0] is False
    assert can_see_tranches(None, proposal())[0] is False
