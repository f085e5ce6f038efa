"""Navigation by role: each area adds its entries here, shown only to the roles that use them."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app

from grants.domain.i18n import N_


@dataclass(frozen=True)
class NavItem:
    """One navigation link; ``roles`` empty means everyone sees it."""

    endpoint: str
    label: str
    roles: frozenset[str] = frozenset()


NAV_ITEMS: tuple[NavItem, ...] = (
    NavItem("rounds.index", N_("赛事")),
    NavItem("needs.index", N_("社区需求")),
    NavItem("proposals.mine", N_("我的申报"), frozenset({"resident", "org_member"})),
    NavItem("screening.queue", N_("资格审查"), frozenset({"organizer", "admin"})),
    NavItem("judging.dashboard", N_("我的评审"), frozenset({"judge"})),
    NavItem("judging.rounds", N_("专家评审"), frozenset({"organizer", "admin", "auditor"})),
    NavItem("awards.index", N_("立项与公示"), frozenset({"organizer", "admin"})),
    NavItem("notices.index", N_("公示"), frozenset()),
    NavItem("awards.mine", N_("我的协议"), frozenset({"resident", "org_member"})),
    NavItem("audit.entries", N_("审计日志"), frozenset({"auditor", "admin"})),
    NavItem("admin.users", N_("账号管理"), frozenset({"admin"})),
)


def nav_items(roles) -> list[NavItem]:
    """The links this visitor's roles may use, skipping areas not installed in this app."""
    held = set(roles)
    return [
        item
        for item in NAV_ITEMS
        if item.endpoint in current_app.view_functions and (not item.roles or held & item.roles)
    ]
