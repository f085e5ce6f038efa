"""A judge's score sheet: draft → submitted (locked); the organizer may reopen it with a reason.

Saving a draft does not change the state and writes no entry; the first save creates the sheet
in :data:`DRAFT` (the column's default), so no row of the table is needed for it.
"""

from __future__ import annotations

from grants.domain.i18n import N_
from grants.domain.workflow import Labels, Lifecycle, actions_from

DRAFT = "draft"
"""The state a sheet is created in and sent back to: the judge may still change it."""
SUBMITTED = "submitted"
"""The locked state whose points count in the ranking."""

SCORE_SHEET = Lifecycle(
    name="score_sheet",
    table={
        (DRAFT, "submit"): (SUBMITTED, ("judge",)),
        (SUBMITTED, "reopen"): (DRAFT, ("organizer", "admin")),
    },
    labels=Labels(
        {DRAFT: N_("草稿"), SUBMITTED: N_("已提交")},
        {"submit": N_("提交评分"), "reopen": N_("退回重评")},
    ),
    reason_actions=frozenset({"reopen"}),
)


def is_locked(state: str | None) -> bool:
    """True when a sheet in ``state`` can no longer be changed by its judge (it was submitted):
    the table offers no ``submit`` from there. No sheet yet (None) is not locked."""
    return state is not None and "submit" not in actions_from(SCORE_SHEET.table, state)
