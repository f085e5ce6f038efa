"""Budget adjustment (预算调整): moving money from one budget line of an award to another.

A move that keeps every line within the round's tolerance (default 10 % of its approved amount)
is ``record``\\ ed by the grantee and applies at once; a larger one is ``request``\\ ed and
waits for the organizer: requested → approved | refused (reason). Which of the two a move is,
is decided by :func:`grants.domain.expenses.needs_approval`, not by this table.
"""

from __future__ import annotations

from grants.domain.i18n import N_
from grants.domain.workflow import Labels, Lifecycle

_APPLICANT = ("applicant",)
_ORGANIZERS = ("organizer", "admin")

REQUESTED = "requested"
APPROVED = "approved"
REFUSED = "refused"

BUDGET_ADJUSTMENT = Lifecycle(
    name="budget_adjustment",
    table={
        (None, "request"): (REQUESTED, _APPLICANT),
        (None, "record"): (APPROVED, _APPLICANT),
        (REQUESTED, "approve"): (APPROVED, _ORGANIZERS),
        (REQUESTED, "refuse"): (REFUSED, _ORGANIZERS),
    },
    labels=Labels(
        {REQUESTED: N_("待主办方审批"), APPROVED: N_("已生效"), REFUSED: N_("未批准")},
        {
            "request": N_("申请预算调整"),
            "record": N_("登记预算调整（未超过容差）"),
            "approve": N_("批准预算调整"),
            "refuse": N_("不批准预算调整"),
        },
    ),
    reason_actions=frozenset({"request", "record", "refuse"}),
)
