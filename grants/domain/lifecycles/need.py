"""Community need (点单): open → merged (into a duplicate) | funded (a project answering it was
awarded)."""

from __future__ import annotations

from grants.domain.i18n import N_
from grants.domain.workflow import Labels, Lifecycle

NEED = Lifecycle(
    name="need",
    table={
        (None, "post"): ("open", ("resident",)),
        ("open", "merge"): ("merged", ("organizer", "admin")),
        ("open", "fund"): ("funded", ("organizer", "admin", "system")),
    },
    labels=Labels(
        {"open": N_("征集中"), "merged": N_("已合并"), "funded": N_("已立项资助")},
        {"post": N_("提交需求"), "merge": N_("合并重复需求"), "fund": N_("标记已资助")},
    ),
)
