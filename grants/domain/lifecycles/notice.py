"""Public notice (公示) of a round's awards: open → closed when the organizer (or the scheduled
``flask notices close-due``) confirms it after its period."""

from __future__ import annotations

from grants.domain.i18n import N_
from grants.domain.workflow import Labels, Lifecycle

NOTICE = Lifecycle(
    name="notice",
    table={
        (None, "publish"): ("open", ("organizer", "admin")),
        ("open", "confirm"): ("closed", ("organizer", "admin", "system")),
    },
    labels=Labels(
        {"open": N_("公示中"), "closed": N_("已结束")},
        {"publish": N_("发布公示"), "confirm": N_("确认公示结果")},
    ),
)
