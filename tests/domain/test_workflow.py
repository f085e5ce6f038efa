"""The generic state-table engine."""

from __future__ import annotations

import pytest

from grants.domain.workflow import (
    Labels,
    TransitionError,
    Transitions,
    actions_from,
    allowed_actions,
    next_state,
    role_names,
    states_of,
)

TABLE: Transitions = {
    ("open", "close"): ("closed", frozenset({"organizer", "system"})),
    ("open", "comment"): ("open", frozenset({"resident", "org_member"})),
    ("closed", "reopen"): ("open", frozenset({"admin"})),
}
LABELS = Labels(
    {"open": "进行中", "closed": "已关闭", "archived": "已归档"},
    {"close": "关闭", "comment": "评论", "reopen": "重新打开"},
)


def test_next_state_allowed() -> None:
    assert next_state(TABLE, LABELS, "open", "close", {"organizer"}) == "closed"
    assert next_state(TABLE, LABELS, "open", "close", {"judge", "system"}) == "closed"


def test_wrong_state_names_what_is_possible() -> None:
    with pytest.raises(TransitionError) as err:
        next_state(TABLE, LABELS, "closed", "close", {"organizer"})
    assert err.value.kind == "wrong_state"
    assert str(err.value) == "当前状态“已关闭”不能执行“关闭”（该状态下只能执行：“重新打开”）"


def test_terminal_state_message() -> None:
    with pytest.raises(TransitionError) as err:
        next_state(TABLE, LABELS, "archived", "close", {"organizer"})
    assert str(err.value) == "当前状态“已归档”不能执行“关闭”（该状态下不能再进行任何操作）"


def test_forbidden_role_names_allowed_roles() -> None:
    with pytest.raises(TransitionError) as err:
        next_state(TABLE, LABELS, "open", "close", {"resident", "admin"})
    assert err.value.kind == "forbidden"
    assert (err.value.state, err.value.action) == ("open", "close")
    assert str(err.value) == "您的角色无权执行“关闭”（仅限主办方、系统）"


def test_unknown_action() -> None:
    with pytest.raises(TransitionError) as err:
        next_state(TABLE, LABELS, "open", "explode", {"admin"})
    assert err.value.kind == "unknown_action"
    assert str(err.value) == "未知操作“explode”"


def test_no_implicit_admin() -> None:
    assert allowed_actions(TABLE, "open", {"admin"}) == []


def test_allowed_actions_and_actions_from() -> None:
    assert allowed_actions(TABLE, "open", {"resident", "organizer"}) == ["close", "comment"]
    assert allowed_actions(TABLE, "open", set()) == []
    assert actions_from(TABLE, "open") == ["close", "comment"]
    assert states_of(TABLE) == frozenset({"open", "closed"})


def test_labels_fall_back_to_key() -> None:
    assert LABELS.state("nowhere") == "nowhere"
    assert role_names(frozenset({"system", "organizer", "zzz"})) == "主办方、系统、zzz"
