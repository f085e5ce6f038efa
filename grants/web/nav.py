"""Navigation: each area's entry is shown exactly when its endpoint's route policy allows the
visitor, so the menu is built from the same rules the routes enforce."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app

from grants.domain.i18n import N_
from grants.web.access import policy_of


@dataclass(frozen=True)
class NavItem:
    """One navigation link; who sees it is the policy of its endpoint."""

    endpoint: str
    label: str


NAV_ITEMS: tuple[NavItem, ...] = (
    NavItem("home.me", N_("我的工作台")),
    NavItem("rounds.index", N_("赛事")),
    NavItem("needs.index", N_("社区需求")),
    NavItem("proposals.mine", N_("我的申报")),
    NavItem("screening.queue", N_("资格审查")),
    NavItem("judging.dashboard", N_("我的评审")),
    NavItem("judging.rounds", N_("专家评审")),
    NavItem("awards.index", N_("立项与公示")),
    NavItem("notices.index", N_("公示")),
    NavItem("awards.mine", N_("我的协议")),
    NavItem("finance.dashboard", N_("拨付")),
    NavItem("expenses.queue", N_("支出审核")),
    NavItem("evaluations.mine", N_("项目评估")),
    NavItem("evaluations.queue", N_("评估任务")),
    NavItem("evaluations.rounds", N_("中期/结项评估")),
    NavItem("followup.index", N_("满意度回访")),
    NavItem("followup.calls", N_("我的回访")),
    NavItem("followup.league_index", N_("服务评价")),
    NavItem("audit.entries", N_("审计日志")),
    NavItem("admin.users", N_("账号管理")),
    NavItem("portal.index", N_("信息公开")),
    NavItem("portal.manage_announcements", N_("公告管理")),
)


def nav_items(user) -> list[NavItem]:
    """The links this visitor's route policies allow, skipping areas not installed."""
    items = []
    for item in NAV_ITEMS:
        policy = policy_of(current_app, item.endpoint)
        if policy is not None and policy.allows(user):
            items.append(item)
    return items
