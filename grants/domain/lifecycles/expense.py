"""Expense (支出报销): submitted → accepted | rejected (reason) | queried (the question) →
resubmitted → accepted | rejected | queried …

The grantee (the award's proposal owner, acting as ``applicant``) reports each expense against
a frozen budget line; a finance officer decides. Flags (see :mod:`grants.domain.expenses`) never
block reporting: they make an acceptance need a written reason, which the service checks, so the
table only says *who* may act from *which* state.
"""

from __future__ import annotations

from grants.domain.i18n import N_
from grants.domain.workflow import Labels, Lifecycle

_APPLICANT = ("applicant",)
_FINANCE = ("finance",)

SUBMITTED = "submitted"
ACCEPTED = "accepted"
REJECTED = "rejected"
QUERIED = "queried"
RESUBMITTED = "resubmitted"

EXPENSE = Lifecycle(
    name="expense",
    table={
        (None, "submit"): (SUBMITTED, _APPLICANT),
        (SUBMITTED, "accept"): (ACCEPTED, _FINANCE),
        (SUBMITTED, "reject"): (REJECTED, _FINANCE),
        (SUBMITTED, "query"): (QUERIED, _FINANCE),
        (QUERIED, "resubmit"): (RESUBMITTED, _APPLICANT),
        (RESUBMITTED, "accept"): (ACCEPTED, _FINANCE),
        (RESUBMITTED, "reject"): (REJECTED, _FINANCE),
        (RESUBMITTED, "query"): (QUERIED, _FINANCE),
    },
    labels=Labels(
        {
            SUBMITTED: N_("待审核"),
            QUERIED: N_("待补充说明"),
            RESUBMITTED: N_("已补充待审核"),
            ACCEPTED: N_("已认可"),
            REJECTED: N_("未认可"),
        },
        {
            "submit": N_("报送支出"),
            "accept": N_("认可支出"),
            "reject": N_("不予认可"),
            "query": N_("要求补充说明"),
            "resubmit": N_("补充后重新报送"),
        },
    ),
    reason_actions=frozenset({"reject", "query"}),
)

PENDING_STATES: frozenset[str] = frozenset({SUBMITTED, QUERIED, RESUBMITTED})
"""Reported but not yet decided: counted as *pending* on their line."""
AWAITING_FINANCE: frozenset[str] = EXPENSE.sources("accept")
"""Expenses a finance officer can decide now (the finance queue)."""
