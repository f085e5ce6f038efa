"""Community need (点单): open → merged (into a duplicate) | funded (a project answering it was
awarded).

Only an open need takes support, can be merged or funded; a merged need leaves the lists (its
supports live on in the need it was merged into). The helpers below answer those questions
from the table's states, so services, queries and templates do not spell the states out.
"""

from __future__ import annotations

from grants.domain.i18n import N_
from grants.domain.workflow import Labels, Lifecycle

OPEN, MERGED, FUNDED = "open", "merged", "funded"

NEED = Lifecycle(
    name="need",
    table={
        (None, "post"): (OPEN, ("resident",)),
        (OPEN, "merge"): (MERGED, ("organizer", "admin")),
        (OPEN, "fund"): (FUNDED, ("organizer", "admin", "system")),
    },
    labels=Labels(
        {OPEN: N_("征集中"), MERGED: N_("已合并"), FUNDED: N_("已立项资助")},
        {"post": N_("提交需求"), "merge": N_("合并重复需求"), "fund": N_("标记已资助")},
    ),
)

LISTED_STATES: tuple[str, ...] = tuple(state for state in NEED.states if state != MERGED)
"""The states of needs shown in lists and counted: every state but merged."""


def is_open(state: str | None) -> bool:
    """True while a need takes support and can still be merged or funded."""
    return state == OPEN


def is_merged(state: str | None) -> bool:
    """True for a duplicate merged into another need."""
    return state == MERGED


def is_funded(state: str | None) -> bool:
    """True once a project answering the need has been awarded."""
    return state == FUNDED
