"""Announcement (公告) by the organizer on the public portal: draft → published → withdrawn,
and a withdrawn one may be published again. Editing the text is not a state change: it is the
declared event ``announcement.edit``."""

from __future__ import annotations

from grants.domain.i18n import N_
from grants.domain.workflow import Labels, Lifecycle

_ORGANIZERS = ("organizer", "admin")

ANNOUNCEMENT = Lifecycle(
    name="announcement",
    table={
        (None, "create"): ("draft", _ORGANIZERS),
        ("draft", "publish"): ("published", _ORGANIZERS),
        ("published", "withdraw"): ("withdrawn", _ORGANIZERS),
        ("withdrawn", "publish"): ("published", _ORGANIZERS),
    },
    labels=Labels(
        {"draft": N_("草稿"), "published": N_("已发布"), "withdrawn": N_("已撤回")},
        {"create": N_("新建公告"), "publish": N_("发布公告"), "withdraw": N_("撤回公告")},
    ),
)
PUBLIC_STATES: frozenset[str] = frozenset({"published"})
"""Announcements the public portal shows."""
EDITABLE_STATES: frozenset[str] = frozenset({"draft", "published", "withdrawn"})
"""Announcements whose text the organizer may still change (every state: a correction of a
published text is audited as ``announcement.edit``)."""
