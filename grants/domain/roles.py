"""The people who use the platform and what each role is called on screen."""

from __future__ import annotations

from grants.domain.i18n import N_

RESIDENT = "resident"
ORG_MEMBER = "org_member"
JUDGE = "judge"
ORGANIZER = "organizer"
FINANCE = "finance"
AUDITOR = "auditor"
ADMIN = "admin"

ROLES: tuple[str, ...] = (RESIDENT, ORG_MEMBER, JUDGE, ORGANIZER, FINANCE, AUDITOR, ADMIN)
STAFF_ROLES: tuple[str, ...] = (JUDGE, ORGANIZER, FINANCE, AUDITOR, ADMIN)
SELF_SERVICE_ROLES: tuple[str, ...] = (RESIDENT, ORG_MEMBER)

ROLE_LABELS: dict[str, str] = {
    RESIDENT: N_("居民"),
    ORG_MEMBER: N_("社会组织"),
    JUDGE: N_("评审专家"),
    ORGANIZER: N_("主办方"),
    FINANCE: N_("财务"),
    AUDITOR: N_("监督/审计"),
    ADMIN: N_("系统管理员"),
}


def primary_role(roles: set[str] | frozenset[str]) -> str:
    """The role an audit entry records for a user holding several: the most powerful one."""
    for role in reversed(ROLES):
        if role in roles:
            return role
    return "public"
