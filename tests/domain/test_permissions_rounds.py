"""Who may manage rounds, post, support and merge needs."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from grants.domain.permissions.needs import can_merge_needs, can_post_need, can_support_need
from grants.domain.permissions.rounds import can_manage_rounds


def person(*roles, user_id=1):
    return SimpleNamespace(id=user_id, roles=frozenset(roles), is_authenticated=True)


def need(author_id=2, status="open"):
    return SimpleNamespace(author_id=author_id, status=status)


@pytest.mark.parametrize(
    "roles, allowed",
    [
        (("organizer",), True),
        (("admin",), True),
        (("resident",), False),
        (("judge",), False),
        (("finance",), False),
        (("auditor",), False),
        (("org_member",), False),
        ((), False),
    ],
)
def test_manage_rounds_and_merge_needs_are_for_organisers(roles, allowed):
    assert can_manage_rounds(person(*roles))[0] is allowed
    assert can_merge_needs(person(*roles))[0] is allowed


def test_anonymous_may_do_nothing():
    assert can_manage_rounds(None)[0] is False
    assert can_post_need(None)[0] is False
    assert can_support_need(None, need())[0] is False


def test_only_residents_post_needs():
    assert can_post_need(person("resident"))[0]
    allowed, reason = can_post_need(person("org_member", "judge"))
    assert not allowed and "居民" in reason


def test_support_rules():
    resident = person("resident", user_id=1)
    assert can_support_need(resident, need(author_id=2)) == (True, "")
    assert can_support_need(resident, need(author_id=1)) == (False, "不能支持自己提交的需求")
    assert not can_support_need(resident, need(status="merged"))[0]
    assert not can_support_need(person("organizer"), need())[0]
