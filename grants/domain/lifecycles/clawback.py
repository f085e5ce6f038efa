"""Clawback (追回资金) of a suspended award: recorded at suspension → received.

The organizer records how much of the paid money is to come back when suspending an award
(at most what was paid and not accepted as spent); it stays ``outstanding`` until finance (or
the organizer) records the bank receipt. An award closes only once its clawback is received.
A report still missing after its reminder fails the evaluation as ``system``, which suspends
the award and records its clawback.
"""

from __future__ import annotations

from grants.domain.i18n import N_
from grants.domain.workflow import Labels, Lifecycle

OUTSTANDING = "outstanding"
RECEIVED = "received"

CLAWBACK = Lifecycle(
    name="clawback",
    table={
        (None, "record"): (OUTSTANDING, ("organizer", "admin", "system")),
        (OUTSTANDING, "receive"): (RECEIVED, ("finance", "organizer", "admin")),
    },
    labels=Labels(
        {OUTSTANDING: N_("待追回"), RECEIVED: N_("已追回")},
        {"record": N_("登记追回金额"), "receive": N_("登记追回到账")},
    ),
    reason_actions=frozenset({"record"}),
)
