"""A judge's score sheet: draft → submitted (locked); the organizer may reopen it with a reason.

Saving a draft does not change the state and writes no entry; the first save creates the draft.
"""

from __future__ import annotations

from grants.domain.i18n import N_
from grants.domain.workflow import Labels, Lifecycle

SCORE_SHEET = Lifecycle(
    name="score_sheet",
    table={
        ("draft", "submit"): ("submitted", ("judge",)),
        ("submitted", "reopen"): ("draft", ("organizer", "admin")),
    },
    labels=Labels(
        {"draft": N_("草稿"), "submitted": N_("已提交")},
        {"submit": N_("提交评分"), "reopen": N_("退回重评")},
    ),
    reason_actions=frozenset({"reopen"}),
)
