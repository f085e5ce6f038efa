"""Every lifecycle of the platform as a state table, run by :mod:`grants.domain.workflow`.

Each module holds one table; :data:`LIFECYCLES` lists them by object type, and
:data:`AUDIT_ACTIONS` is the closed set of audit action names: every lifecycle action as
``<object>.<action>`` plus the declared non-lifecycle :data:`~.events.EVENTS`.
"""

from __future__ import annotations

from grants.domain.lifecycles.agreement import AGREEMENT
from grants.domain.lifecycles.announcement import ANNOUNCEMENT
from grants.domain.lifecycles.award import AWARD
from grants.domain.lifecycles.budget_adjustment import BUDGET_ADJUSTMENT
from grants.domain.lifecycles.clawback import CLAWBACK
from grants.domain.lifecycles.evaluation import EVALUATION, EVALUATION_SHEET
from grants.domain.lifecycles.events import EVENT_LABELS, EVENTS
from grants.domain.lifecycles.expense import EXPENSE
from grants.domain.lifecycles.follow_up import FOLLOW_UP_CALL, FOLLOW_UP_SAMPLE
from grants.domain.lifecycles.need import NEED
from grants.domain.lifecycles.notice import NOTICE
from grants.domain.lifecycles.objection import OBJECTION
from grants.domain.lifecycles.payment import PAYMENT
from grants.domain.lifecycles.proposal import PROPOSAL
from grants.domain.lifecycles.score_sheet import SCORE_SHEET
from grants.domain.lifecycles.tranche import TRANCHE
from grants.domain.workflow import Lifecycle

LIFECYCLES: dict[str, Lifecycle] = {
    lifecycle.name: lifecycle
    for lifecycle in (
        PROPOSAL, AWARD, OBJECTION, NEED, NOTICE, SCORE_SHEET, AGREEMENT, TRANCHE, PAYMENT,
        EXPENSE, BUDGET_ADJUSTMENT, CLAWBACK, ANNOUNCEMENT, FOLLOW_UP_SAMPLE, FOLLOW_UP_CALL,
        EVALUATION, EVALUATION_SHEET,
    )
}
AUDIT_ACTIONS: frozenset[str] = frozenset().union(
    EVENTS, *(lifecycle.audit_actions() for lifecycle in LIFECYCLES.values())
)


def audit_action_label(action: str) -> str:
    """The (untranslated) label of an audit action name, for the audit pages."""
    if action in EVENT_LABELS:
        return EVENT_LABELS[action]
    object_type, _, verb = action.partition(".")
    lifecycle = LIFECYCLES.get(object_type)
    return lifecycle.action_label(verb) if lifecycle else action


__all__ = [
    "AGREEMENT", "ANNOUNCEMENT", "AUDIT_ACTIONS", "AWARD", "BUDGET_ADJUSTMENT", "CLAWBACK",
    "EVALUATION", "EVALUATION_SHEET", "EVENTS", "EXPENSE", "FOLLOW_UP_CALL", "FOLLOW_UP_SAMPLE",
    "LIFECYCLES", "NEED", "NOTICE", "OBJECTION", "PAYMENT", "PROPOSAL", "SCORE_SHEET", "TRANCHE",
    "audit_action_label",
]
