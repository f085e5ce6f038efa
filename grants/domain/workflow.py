"""The one lifecycle engine: which action moves a record from one state to the next, and who may.

A table maps ``(state, action)`` to ``(next_state, roles allowed)``. Nothing is implied: an
action missing from the table is refused, and no role (not even ``admin``) is allowed an action
unless the row names it. Refusals raise :class:`TransitionError` with a message that names the
limit and what *is* possible, so the web layer can show it as is.

The source state ``None`` stands for "not yet created": a row ``(None, "file")`` makes filing an
objection a transition like any other, audited the same way.

A :class:`Lifecycle` bundles a table with its object type, labels and the actions that need a
reason. :meth:`Lifecycle.step` returns the next state *and the role that authorised it*: the
first role of the row's roles (in the order the row lists them) that the actor holds. That role
is what the audit entry records, so a finance officer who is also an auditor approving a payment
is recorded as ``finance``.

Roles used in the platform are listed in :data:`ROLE_LABELS`. ``applicant`` is not stored on a
user: :func:`grants.domain.permissions.acting_roles` adds it when the user owns the record.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Set
from dataclasses import dataclass, field

from grants.domain.errors import Refusal
from grants.domain.i18n import join_list, msg, tr
from grants.domain.roles import ROLE_LABELS

Transitions = dict[tuple[str | None, str], tuple[str, tuple[str, ...] | frozenset[str]]]
REASON_MAX_CHARS = 500



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


STATUS_OF_KIND = {"unknown_action": 400, "wrong_state": 409, "forbidden": 403,
                  "missing_reason": 422}


class TransitionError(Refusal):
    """An action was refused; ``str(err)`` is the reason in the reader's language.

    ``kind`` tells the caller why, so it can pick a response: ``"unknown_action"`` (no such
    action anywhere in the table), ``"wrong_state"`` (not possible from this state),
    ``"forbidden"`` (possible, but not for these roles) or ``"missing_reason"``. The HTTP
    status follows from the kind.
    """

    def __init__(self, message: str, *, kind: str, state: str | None, action: str) -> None:
        """Keep the reason as the message and the refused ``state``/``action`` for logging."""
        super().__init__(message, status=STATUS_OF_KIND.get(kind, 422))
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
        if source == state and set(allowed) & set(roles)
    ]


def _wrong_state_message(
    table: Transitions, labels: Labels, state: str | None, action: str
) -> str:
    """Explain that ``action`` is impossible from ``state`` and list what is possible there."""
    message = msg(
        "当前状态“{state}”不能执行“{action}”",
        state=tr(labels.state(state)) if state is not None else msg("尚未创建"),
        action=tr(labels.action(action)),
    )
    possible = actions_from(table, state)
    if not possible:
        return message + msg("（该状态下不能再进行任何操作）")
    names = join_list(msg("“{action}”", action=tr(labels.action(key))) for key in possible)
    return message + msg("（该状态下只能执行：{actions}）", actions=names)


def next_state(
    table: Transitions, labels: Labels, state: str | None, action: str, roles: Set[str]
) -> str:
    """Return the state after ``action``, or raise :class:`TransitionError` saying why not.

    The state check comes before the role check, so a person is told an action is impossible
    now rather than that they lack a role for something nobody could do.
    """
    return _checked_row(table, labels, state, action, roles)[0]


def _checked_row(
    table: Transitions, labels: Labels, state: str | None, action: str, roles: Set[str]
) -> tuple[str, tuple[str, ...] | frozenset[str]]:
    """The table row of ``(state, action)`` once it exists and these roles may use it."""
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
    _, allowed = row
    if not set(allowed) & set(roles):
        message = msg(
            "您的角色无权执行“{action}”（仅限{roles}）",
            action=tr(labels.action(action)),
            roles=role_names(frozenset(allowed)),
        )
        raise TransitionError(message, kind="forbidden", state=state, action=action)
    return row


def states_of(table: Transitions) -> frozenset[str]:
    """Every state the table mentions, as a source or as a target (``None`` is not a state)."""
    sources = {state for (state, _) in table if state is not None}
    targets = {target for (target, _) in table.values()}
    return frozenset(sources | targets)


def check_reason(action_label: str, reason: str | None) -> str | None:
    """The problem with a reason given for an action that needs one, or None when it will do."""
    text = (reason or "").strip()
    if not text:
        return msg("请填写“{action}”的理由", action=action_label)
    if len(text) > REASON_MAX_CHARS:
        return msg("理由不能超过 {limit} 个字", limit=REASON_MAX_CHARS)
    return None


@dataclass(frozen=True)
class Step:
    """One allowed transition: where it starts and ends, and the role that authorised it."""

    action: str
    source: str | None
    target: str
    role: str

    @property
    def changed(self) -> bool:
        """True when the record's state differs afterwards (every step is audited either way)."""
        return self.source != self.target


@dataclass(frozen=True)
class Lifecycle:
    """A state table with its object type, labels and the actions that need a written reason.

    ``name`` is the object type the audit trail uses (``proposal``, ``award``…); audit actions
    are ``<name>.<action>`` for every action of the table, and no others.
    """

    name: str
    table: Transitions
    labels: Labels
    reason_actions: frozenset[str] = field(default_factory=frozenset)

    @property
    def states(self) -> tuple[str, ...]:
        """Every state in label order (then any the labels forgot), for CHECK constraints."""
        known = states_of(self.table)
        ordered = [state for state in self.labels.states if state in known]
        return tuple(ordered + sorted(known - set(ordered)))

    @property
    def actions(self) -> tuple[str, ...]:
        """Every action of the table, once each, in table order."""
        return tuple(dict.fromkeys(action for (_, action) in self.table))

    def audit_action(self, action: str) -> str:
        """The audit action name of ``action``: ``<object>.<action>``."""
        if action not in self.actions:
            raise ValueError(f"{self.name} has no action {action!r}")
        return f"{self.name}.{action}"

    def audit_actions(self) -> frozenset[str]:
        """Every audit action name this lifecycle can write."""
        return frozenset(f"{self.name}.{action}" for action in self.actions)

    def step(
        self, state: str | None, action: str, roles: Set[str], reason: str | None = None
    ) -> Step:
        """The transition ``action`` from ``state`` for these roles, or a ``TransitionError``.

        The authorising role is the first role of the row, in its order, that ``roles`` holds.
        An action listed in ``reason_actions`` also needs a reason (checked last, so a person
        is first told whether the action is possible at all).
        """
        target, allowed = _checked_row(self.table, self.labels, state, action, roles)
        role = next(r for r in _ordered(allowed) if r in roles)
        if action in self.reason_actions:
            problem = check_reason(tr(self.labels.action(action)), reason)
            if problem:
                raise TransitionError(problem, kind="missing_reason", state=state, action=action)
        return Step(action, state, target, role)

    def available(self, state: str | None, roles: Set[str]) -> list[str]:
        """The actions these roles may take from ``state``, in table order (to draw buttons)."""
        return allowed_actions(self.table, state, roles)

    def sources(self, *actions: str) -> frozenset[str]:
        """Every state from which the table offers one of ``actions`` (to whomever), so
        services select rows by what may still happen to them, not by lists of state names."""
        return frozenset(
            state for (state, action) in self.table if action in actions and state is not None
        )

    def can(self, state: str | None, action: str, roles: Set[str]) -> bool:
        """True when these roles may take ``action`` from ``state``."""
        return action in self.available(state, roles)

    def state_label(self, state: str) -> str:
        """The (untranslated) label of a state."""
        return self.labels.state(state)

    def action_label(self, action: str) -> str:
        """The (untranslated) label of an action."""
        return self.labels.action(action)


def _ordered(roles: Iterable[str]) -> list[str]:
    """Roles in the row's own order; a frozenset (no order) falls back to ``ROLE_LABELS``'s."""
    if isinstance(roles, (tuple, list)):
        return list(roles)
    return [key for key in ROLE_LABELS if key in roles] + sorted(set(roles) - set(ROLE_LABELS))
