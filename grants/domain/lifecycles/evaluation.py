"""Mid-term and final evaluation (中期/结项评估) of an award, and each evaluator's score sheet.

**Evaluation**: the organizer opens it for an award with a deadline (``assigned``); the grantee
(the award's proposal owner, acting as ``applicant``) writes the report and submits it
(``submitted``); the organizer may return an incomplete report (``returned``, with a reason)
before anyone has scored it. When every evaluator assigned has submitted a sheet the
evaluation is ``scored``; the organizer publishes the round's scored evaluations in a public
notice (``in_notice``), and once the objection window is over the notice's confirmation
decides each one: ``passed`` (the tranche gate is met) or ``failed`` (the award is
suspended). An objection upheld during the notice sends the evaluation back for scoring again
(``rescore`` → ``submitted``, the sheets reopened).

A report still missing after its deadline is reminded (``reminded``, by the scheduled
``flask evaluations remind-overdue`` as ``system``); once the grace period after the reminder
has passed it ``expire``\\ s: it counts as failed, with the same consequences. The organizer
may ``cancel`` an evaluation that no longer applies (with a reason).

**Sheet** (one per evaluator and evaluation): ``assign``\\ ed by the organizer, ``submit``\\ ted
by its evaluator, ``withdraw``\\ n by the organizer before it is submitted (and assigned again
later if need be), ``reopen``\\ ed when an upheld objection asks for scoring again.
"""

from __future__ import annotations

from grants.domain.i18n import N_
from grants.domain.workflow import Labels, Lifecycle

_ORGANIZERS = ("organizer", "admin")
_ORGANIZERS_OR_SYSTEM = ("organizer", "admin", "system")
_APPLICANT = ("applicant",)
_EVALUATORS = ("evaluator",)
_SCORERS = ("evaluator", "organizer", "admin")
"""The last evaluator's sheet scores an evaluation; withdrawing the one missing sheet does too."""

ASSIGNED = "assigned"
REMINDED = "reminded"
RETURNED = "returned"
SUBMITTED = "submitted"
SCORED = "scored"
IN_NOTICE = "in_notice"
PASSED = "passed"
FAILED = "failed"
CANCELLED = "cancelled"

EVALUATION = Lifecycle(
    name="evaluation",
    table={
        (None, "open"): (ASSIGNED, _ORGANIZERS),
        (ASSIGNED, "submit"): (SUBMITTED, _APPLICANT),
        (REMINDED, "submit"): (SUBMITTED, _APPLICANT),
        (RETURNED, "submit"): (SUBMITTED, _APPLICANT),
        (ASSIGNED, "remind"): (REMINDED, _ORGANIZERS_OR_SYSTEM),
        (RETURNED, "remind"): (REMINDED, _ORGANIZERS_OR_SYSTEM),
        (REMINDED, "expire"): (FAILED, _ORGANIZERS_OR_SYSTEM),
        (SUBMITTED, "return"): (RETURNED, _ORGANIZERS),
        (SUBMITTED, "score"): (SCORED, _SCORERS),
        (SCORED, "publish"): (IN_NOTICE, _ORGANIZERS),
        (IN_NOTICE, "rescore"): (SUBMITTED, _ORGANIZERS),
        (IN_NOTICE, "pass"): (PASSED, _ORGANIZERS_OR_SYSTEM),
        (IN_NOTICE, "fail"): (FAILED, _ORGANIZERS_OR_SYSTEM),
        (ASSIGNED, "cancel"): (CANCELLED, _ORGANIZERS),
        (REMINDED, "cancel"): (CANCELLED, _ORGANIZERS),
        (RETURNED, "cancel"): (CANCELLED, _ORGANIZERS),
        (SUBMITTED, "cancel"): (CANCELLED, _ORGANIZERS),
        (SCORED, "cancel"): (CANCELLED, _ORGANIZERS),
    },
    labels=Labels(
        {
            ASSIGNED: N_("待提交报告"),
            REMINDED: N_("已逾期（已提醒）"),
            RETURNED: N_("退回修改"),
            SUBMITTED: N_("报告已提交，评分中"),
            SCORED: N_("已评分，待公示"),
            IN_NOTICE: N_("结果公示中"),
            PASSED: N_("评估通过"),
            FAILED: N_("评估未通过"),
            CANCELLED: N_("已取消"),
        },
        {
            "open": N_("启动评估"),
            "submit": N_("提交评估报告"),
            "remind": N_("逾期提醒"),
            "expire": N_("逾期未提交，判定不通过"),
            "return": N_("退回报告"),
            "score": N_("完成评分"),
            "publish": N_("公示评估结果"),
            "rescore": N_("按异议重新评分"),
            "pass": N_("评估通过"),
            "fail": N_("评估未通过"),
            "cancel": N_("取消评估"),
        },
    ),
    reason_actions=frozenset({"expire", "return", "rescore", "cancel"}),
)

SHEET_ASSIGNED = "assigned"
SHEET_SUBMITTED = "submitted"
SHEET_WITHDRAWN = "withdrawn"

EVALUATION_SHEET = Lifecycle(
    name="evaluation_sheet",
    table={
        (None, "assign"): (SHEET_ASSIGNED, _ORGANIZERS),
        (SHEET_WITHDRAWN, "assign"): (SHEET_ASSIGNED, _ORGANIZERS),
        (SHEET_ASSIGNED, "submit"): (SHEET_SUBMITTED, _EVALUATORS),
        (SHEET_ASSIGNED, "withdraw"): (SHEET_WITHDRAWN, _ORGANIZERS),
        (SHEET_SUBMITTED, "reopen"): (SHEET_ASSIGNED, _ORGANIZERS_OR_SYSTEM),
    },
    labels=Labels(
        {SHEET_ASSIGNED: N_("待评分"), SHEET_SUBMITTED: N_("已提交评分"),
         SHEET_WITHDRAWN: N_("已撤回分配")},
        {"assign": N_("分配评估人员"), "submit": N_("提交评分"), "withdraw": N_("撤回分配"),
         "reopen": N_("重新评分")},
    ),
    reason_actions=frozenset({"reopen"}),
)

EDITABLE = EVALUATION.sources("submit")
"""Reports the grantee may still write and submit: assigned, reminded or returned."""
STAFFABLE = EDITABLE | {SUBMITTED}
"""Evaluations evaluators may be assigned to or withdrawn from: not yet scored."""
OVERDUE_CANDIDATES = EVALUATION.sources("remind")
"""Evaluations a missed deadline moves to ``reminded``."""
EXPIRING = EVALUATION.sources("expire")
"""Reminded evaluations that fail once their grace period has passed."""
DECIDED = frozenset({PASSED, FAILED})
"""Evaluations whose outcome took effect on the award."""
LIVE = frozenset(EVALUATION.states) - {CANCELLED}
"""Evaluations that count: an award has at most one of each kind."""
ACTIVE_SHEETS = frozenset({SHEET_ASSIGNED, SHEET_SUBMITTED})
"""Sheets whose evaluator takes part (a withdrawn one does not)."""
