"""The one way a record changes state: the table decides, the row moves, one entry is written.

Every service that changes a state calls :func:`apply` on a row it has locked (see
:func:`grants.services.locked`). The lifecycle engine checks the action against the table and
names the role that authorised it; the row's ``status`` is set; exactly one audit entry
``<object>.<action>`` is appended in the same transaction, recording that role, the state before
and after, the reason when the action needs one, and the caller's facts.
"""

from __future__ import annotations

from collections.abc import Mapping, Set
from typing import Any

from grants.domain.permissions import acting_roles
from grants.domain.workflow import Lifecycle, Step
from grants.extensions import db
from grants.services import audit


def apply(
    lifecycle: Lifecycle,
    row,
    action: str,
    actor,
    *,
    owner: bool = False,
    roles: Set[str] | None = None,
    reason: str | None = None,
    payload: Mapping[str, Any] | None = None,
) -> Step:
    """Move ``row`` by ``action`` and audit it once; raises ``TransitionError`` if refused.

    ``actor`` is the user (None for scheduled work); the roles they act with are their stored
    roles plus ``applicant`` when ``owner`` is true (see
    :func:`grants.domain.permissions.acting_roles`), unless ``roles`` overrides them (the
    objection form passes the anonymous public's). A new row (``status`` None) gets its id
    flushed before the entry names it. Returns the :class:`Step`, whose ``role`` is recorded.
    """
    held = roles if roles is not None else acting_roles(actor, owner=owner)
    step = lifecycle.step(getattr(row, "status", None), action, held, reason)
    row.status = step.target
    if row.id is None:
        db.session.add(row)
        db.session.flush()
    facts: dict[str, Any] = {"from": step.source, "to": step.target}
    if reason is not None and action in lifecycle.reason_actions:
        facts["reason"] = reason.strip()
    facts.update(payload or {})
    audit.record(
        lifecycle.audit_action(action), lifecycle.name, row.id, facts,
        actor=actor, actor_role=step.role,
    )
    return step
