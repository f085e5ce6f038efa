"""Grant agreement (协议书): drawn when the award is confirmed, signed by the applicant (the
owner of the proposal: the applicant or a member of its organisation), then countersigned by
the organizer, which signs the award. Admins do not sign contracts: only the organizer is party A.
"""

from __future__ import annotations

from grants.domain.i18n import N_
from grants.domain.workflow import Labels, Lifecycle

AGREEMENT = Lifecycle(
    name="agreement",
    table={
        (None, "draw"): ("awaiting_signature", ("organizer", "admin", "system")),
        ("awaiting_signature", "sign"): ("signed_by_applicant", ("applicant",)),
        ("signed_by_applicant", "countersign"): ("countersigned", ("organizer",)),
    },
    labels=Labels(
        {
            "awaiting_signature": N_("待申报方签署"),
            "signed_by_applicant": N_("待主办方签署"),
            "countersigned": N_("双方已签署"),
        },
        {"draw": N_("生成协议"), "sign": N_("申报方签署"), "countersign": N_("主办方签署")},
    ),
)
