"""Objection (异议) to a noticed award: filed → upheld | dismissed, each ruling with a reason.

Anyone may file during the notice period, logged in or not, so filing is a ``public`` action.
"""

from __future__ import annotations

from grants.domain.i18n import N_
from grants.domain.workflow import Labels, Lifecycle

OBJECTION = Lifecycle(
    name="objection",
    table={
        (None, "file"): ("filed", ("public",)),
        ("filed", "uphold"): ("upheld", ("organizer", "admin")),
        ("filed", "dismiss"): ("dismissed", ("organizer", "admin")),
    },
    labels=Labels(
        {"filed": N_("待处理"), "upheld": N_("异议成立"), "dismissed": N_("异议不成立")},
        {"file": N_("提出异议"), "uphold": N_("认定异议成立"), "dismiss": N_("驳回异议")},
    ),
    reason_actions=frozenset({"uphold", "dismiss"}),
)
