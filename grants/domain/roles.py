"""The people who use the platform and what each role is called on screen."""

from __future__ import annotations

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
    RESIDENT: "居民",
    ORG_MEMBER: "社会组织",
    JUDGE: "评审专家",
    ORGANIZER: "主办方",
    FINANCE: "财务",
    AUDITOR: "监督/审计",
    ADMIN: "系统管理员",
}


def primary_role(roles: set[str] | frozenset[str]) -> str:
    """The role an audit entry records for a user holding several: the most powerful one."""
    for role in reversed(ROLES):
        if role in roles:
            return role
    return "public"
