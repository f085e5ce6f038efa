"""Award (立项): proposed → in_notice → confirmed | revoked; confirmed → agreement_signed →
implementing → midterm_passed → final_passed → closed; a failed evaluation or the organizer
suspends it (``suspend``, with a reason, from any state in which money may have been paid).

Closing (from final_passed, or from suspended once the clawback is in) is a table row like any
other; whether the money allows it (accepted + refunded + clawed back = paid) is the settlement
rule of :func:`grants.domain.settlement.check_close`, which the service asks first.

Evaluations decide the mid-term and final rows (and suspend an award whose evaluation failed
when its state has no ``fail_*`` row); the confirmation of their notice and the overdue
command run as ``system``, so those rows name it.

A proposed award is replaced when the organizer runs the solver again or excludes its proposal:
``discard`` writes its entry and the row is then deleted (nothing was published or promised).
"""

from __future__ import annotations

from grants.domain.i18n import N_
from grants.domain.workflow import Labels, Lifecycle

_ORGANIZERS = ("organizer", "admin")
_ORGANIZERS_OR_SYSTEM = ("organizer", "admin", "system")

STATE_LABELS: dict[str, str] = {
    "proposed": N_("拟立项"),
    "in_notice": N_("公示中"),
    "confirmed": N_("已确认立项"),
    "revoked": N_("已撤销"),
    "discarded": N_("已替换"),
    "agreement_signed": N_("已签订协议"),
    "implementing": N_("实施中"),
    "midterm_passed": N_("中期评估通过"),
    "final_passed": N_("结项评估通过"),
    "closed": N_("已结项"),
    "suspended": N_("已暂停"),
}

ACTION_LABELS: dict[str, str] = {
    "propose": N_("拟定立项"),
    "adjust": N_("调整金额"),
    "discard": N_("替换拟立项"),
    "publish_notice": N_("发布公示"),
    "change_amount": N_("按异议调整金额"),
    "confirm": N_("确认立项"),
    "revoke": N_("撤销立项"),
    "sign_agreement": N_("签订协议"),
    "start_implementation": N_("启动实施"),
    "pass_midterm": N_("中期评估通过"),
    "fail_midterm": N_("中期评估未通过"),
    "pass_final": N_("结项评估通过"),
    "fail_final": N_("结项评估未通过"),
    "close": N_("结项归档"),
    "suspend": N_("暂停项目"),
}

AWARD = Lifecycle(
    name="award",
    table={
        (None, "propose"): ("proposed", _ORGANIZERS),
        ("proposed", "adjust"): ("proposed", _ORGANIZERS),
        ("proposed", "discard"): ("discarded", _ORGANIZERS),
        ("proposed", "publish_notice"): ("in_notice", _ORGANIZERS),
        ("in_notice", "change_amount"): ("in_notice", _ORGANIZERS),
        ("in_notice", "confirm"): ("confirmed", _ORGANIZERS_OR_SYSTEM),
        ("in_notice", "revoke"): ("revoked", _ORGANIZERS),
        ("confirmed", "sign_agreement"): ("agreement_signed", _ORGANIZERS),
        ("agreement_signed", "start_implementation"): ("implementing", _ORGANIZERS),
        ("implementing", "pass_midterm"): ("midterm_passed", _ORGANIZERS_OR_SYSTEM),
        ("implementing", "fail_midterm"): ("suspended", _ORGANIZERS_OR_SYSTEM),
        ("midterm_passed", "pass_final"): ("final_passed", _ORGANIZERS_OR_SYSTEM),
        ("midterm_passed", "fail_final"): ("suspended", _ORGANIZERS_OR_SYSTEM),
        ("final_passed", "close"): ("closed", _ORGANIZERS),
        ("agreement_signed", "suspend"): ("suspended", _ORGANIZERS_OR_SYSTEM),
        ("implementing", "suspend"): ("suspended", _ORGANIZERS_OR_SYSTEM),
        ("midterm_passed", "suspend"): ("suspended", _ORGANIZERS_OR_SYSTEM),
        ("final_passed", "suspend"): ("suspended", _ORGANIZERS_OR_SYSTEM),
        ("suspended", "close"): ("closed", _ORGANIZERS),
    },
    labels=Labels(STATE_LABELS, ACTION_LABELS),
    reason_actions=frozenset(
        {"adjust", "change_amount", "revoke", "fail_midterm", "fail_final", "suspend"}
    ),
)
LIVE_STATES: frozenset[str] = frozenset({"proposed", "in_notice", "confirmed", "agreement_signed",
                                        "implementing", "midterm_passed", "final_passed",
                                        "closed", "suspended"})
"""Awards that hold money of the pool (everything but revoked and discarded)."""
REPLACEABLE_STATES: frozenset[str] = AWARD.sources("discard")
"""Awards a solver re-run or an exclusion replaces (discards): those not yet published."""
