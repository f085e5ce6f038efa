"""Generic state tables: which action moves a record from one state to the next, and who may.

A table maps ``(state, action)`` to ``(next_state, roles allowed)``. Nothing is implied: an
action missing from the table is refused, and no role (not even ``admin``) is allowed an action
unless the row names it. Refusals raise :class:`TransitionError` with a Chinese message that
names the limit, so the web layer can show it as is.

Roles used in the platform are listed in :data:`ROLE_LABELS`. ``applicant`` is not stored on a
user: the caller adds it to ``roles`` when the user owns the record being acted on.
"""

from __future__ import annotations

from collections.abc import Mapping, Set
from dataclasses import dataclass

from grants.domain.i18n import N_, join_list, msg, tr

Transitions = dict[tuple[str, str], tuple[str, frozenset[str]]]

ROLE_LABELS: dict[str, str] = {
    "resident": N_("居民"),
    "org_member": N_("社会组织"),
    "applicant": N_("申报人"),
    "judge": N_("评审专家"),
    "organizer": N_("主办方"),
    "finance": N_("财务"),
    "auditor": N_("监督/审计"),
    "admin": N_("系统管理员"),
    "public": N_("公众"),
    "system": N_("系统"),
}


@dataclass(frozen=True)
class Labels:
    """Chinese display names for the states and actions of one table."""

    states: Mapping[str, str]
    actions: Mapping[str, str]

    def state(self, key: str) -> str:
        """The label of a state, or the key itself when the table forgot to name it."""
        return self.states.get(key, key)

    def action(self, key: str) -> str:
        """The label of an action, or the key itself when the table forgot to name it."""
        return self.actions.get(key, key)


class TransitionError(Exception):
    """An action was refused; ``str(err)`` is the Chinese reason.

    ``kind`` tells the caller why, so it can pick a response: ``"unknown_action"`` (no such
    action anywhere in the table), ``"wrong_state"`` (not possible from this state) or
    ``"forbidden"`` (possible, but not for these roles).
    """

    def __init__(self, message: str, *, kind: str, state: str, action: str) -> None:
        """Keep the reason as the message and the refused ``state``/``action`` for logging."""
        super().__init__(message)
        self.kind = kind
        self.state = state
        self.action = action


def role_names(roles: Set[str] | frozenset[str]) -> str:
    """Join role labels with 、 in a stable order, for messages that name who may act."""
    ordered = [key for key in ROLE_LABELS if key in roles]
    ordered += sorted(set(roles) - set(ROLE_LABELS))
    return join_list(tr(ROLE_LABELS.get(key, key)) for key in ordered)


def actions_from(table: Transitions, state: str) -> list[str]:
    """Every action the table defines from ``state``, whoever performs it, in table order."""
    return [action for (source, action) in table if source == state]


def allowed_actions(table: Transitions, state: str, roles: Set[str]) -> list[str]:
    """The actions these roles may perform from ``state``, in table order (for buttons)."""
    return [
        action
        for (source, action), (_, allowed) in table.items()
        if source == state and allowed & roles
    ]


def _wrong_state_message(table: Transitions, labels: Labels, state: str, action: str) -> str:
    """Explain that ``action`` is impossible from ``state`` and list what is possible there."""
    message = msg(
        "当前状态“{state}”不能执行“{action}”",
        state=tr(labels.state(state)),
        action=tr(labels.action(action)),
    )
    possible = actions_from(table, state)
    if not possible:
        return message + msg("（该状态下不能再进行任何操作）")
    names = join_list(msg("“{action}”", action=tr(labels.action(key))) for key in possible)
    return message + msg("（该状态下只能执行：{actions}）", actions=names)


def next_state(table: Transitions, labels: Labels, state: str, action: str, roles: Set[str]) -> str:
    """Return the state after ``action``, or raise :class:`TransitionError` saying why not.

    The state check comes before the role check, so a person is told an action is impossible
    now rather than that they lack a role for something nobody could do.
    """
    if all(known != action for (_, known) in table):
        raise TransitionError(
            msg("未知操作“{action}”", action=action),
            kind="unknown_action",
            state=state,
            action=action,
        )
    row = table.get((state, action))
    if row is None:
        message = _wrong_state_message(table, labels, state, action)
        raise TransitionError(message, kind="wrong_state", state=state, action=action)
    target, allowed = row
    if not allowed & roles:
        message = msg(
            "您的角色无权执行“{action}”（仅限{roles}）",
            action=tr(labels.action(action)),
            roles=role_names(allowed),
        )
        raise TransitionError(message, kind="forbidden", state=state, action=action)
    return target


def states_of(table: Transitions) -> frozenset[str]:
    """Every state the table mentions, as a source or as a target."""
    sources = {state for (state, _) in table}
    targets = {target for (target, _) in table.values()}
    return frozenset(sources | targets)
