"""Proposal (申报): draft → submitted → eligible | returned | ineligible → scored → awarded |
not_awarded; draft, submitted and returned → withdrawn; submitted → draft again (``recall``:
the applicant takes it back before screening and the deadline, changes it and submits a new
version).

Saving a draft is a row from a state to itself, so the table (not a list of "editable states")
decides when a proposal may still change.
"""

from __future__ import annotations

from grants.domain.i18n import N_
from grants.domain.workflow import Labels, Lifecycle

_APPLICANT = ("applicant",)
_SCREENERS = ("organizer", "admin")
_CLOSERS = ("organizer", "admin", "system")

STATE_LABELS: dict[str, str] = {
    "draft": N_("草稿"),
    "submitted": N_("已提交"),
    "eligible": N_("资格审查通过"),
    "returned": N_("退回修改"),
    "ineligible": N_("不符合条件"),
    "scored": N_("已评审"),
    "awarded": N_("已立项"),
    "not_awarded": N_("未立项"),
    "withdrawn": N_("已撤回"),
}

ACTION_LABELS: dict[str, str] = {
    "create": N_("创建草稿"),
    "save_draft": N_("保存草稿"),
    "submit": N_("提交申报"),
    "mark_eligible": N_("资格审查通过"),
    "return": N_("退回修改"),
    "mark_ineligible": N_("认定不符合条件"),
    "resubmit": N_("重新提交"),
    "close_judging": N_("结束评审"),
    "award": N_("立项"),
    "not_award": N_("不予立项"),
    "withdraw": N_("撤回申报"),
    "recall": N_("取回修改"),
}

PROPOSAL = Lifecycle(
    name="proposal",
    table={
        (None, "create"): ("draft", _APPLICANT),
        ("draft", "save_draft"): ("draft", _APPLICANT),
        ("returned", "save_draft"): ("returned", _APPLICANT),
        ("draft", "submit"): ("submitted", _APPLICANT),
        ("submitted", "mark_eligible"): ("eligible", _SCREENERS),
        ("submitted", "return"): ("returned", _SCREENERS),
        ("submitted", "mark_ineligible"): ("ineligible", _SCREENERS),
        ("returned", "resubmit"): ("submitted", _APPLICANT),
        ("eligible", "close_judging"): ("scored", _CLOSERS),
        ("scored", "award"): ("awarded", _CLOSERS),
        ("scored", "not_award"): ("not_awarded", _CLOSERS),
        ("draft", "withdraw"): ("withdrawn", _APPLICANT),
        ("submitted", "withdraw"): ("withdrawn", _APPLICANT),
        ("returned", "withdraw"): ("withdrawn", _APPLICANT),
        ("submitted", "recall"): ("draft", _APPLICANT),
    },
    labels=Labels(STATE_LABELS, ACTION_LABELS),
    reason_actions=frozenset({"return", "mark_ineligible"}),
)
SCREEN_ACTIONS: tuple[str, ...] = ("mark_eligible", "return", "mark_ineligible")
