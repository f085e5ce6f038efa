"""Tranche (拨付批次) of a signed agreement: pending → due once its gate is met → paid; blocked
while the award is suspended, pending again when it resumes.

Tranche rows are stored in ``pending`` when the agreement is countersigned (their schedule and
digest are in that entry), so no creation row is needed. Recording a gate as met, blocking and
unblocking need a reason (a gate is met through :func:`grants.services.gates.gate_met`).
A tranche is ``paid`` when the payments marked paid on it reach its amount: the finance
officer who records that last payment (four-eyes payment lifecycle) moves it.
"""

from __future__ import annotations

from grants.domain.i18n import N_
from grants.domain.workflow import Labels, Lifecycle

PENDING = "pending"
"""The state a tranche is stored in: its gate is not met yet."""

_ORGANIZERS_OR_SYSTEM = ("organizer", "admin", "system")

TRANCHE = Lifecycle(
    name="tranche",
    table={
        (PENDING, "meet_gate"): ("due", _ORGANIZERS_OR_SYSTEM),
        ("due", "pay"): ("paid", ("finance",)),
        (PENDING, "block"): ("blocked", _ORGANIZERS_OR_SYSTEM),
        ("due", "block"): ("blocked", _ORGANIZERS_OR_SYSTEM),
        ("blocked", "unblock"): (PENDING, _ORGANIZERS_OR_SYSTEM),
    },
    labels=Labels(
        {
            PENDING: N_("未到拨付条件"),
            "due": N_("待拨付"),
            "paid": N_("已拨付"),
            "blocked": N_("暂停拨付"),
        },
        {
            "meet_gate": N_("确认拨付条件达成"),
            "pay": N_("拨付"),
            "block": N_("暂停拨付"),
            "unblock": N_("恢复拨付"),
        },
    ),
    reason_actions=frozenset({"meet_gate", "block", "unblock"}),
)
