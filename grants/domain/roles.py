"""The people who use the platform and what each role is called on screen: the one role table.

``ROLES`` are the roles an account can hold (stored in ``user_role``). An audit entry may also
name an *acting* role that is not stored: ``applicant`` (the owner of the record acted on),
``public`` (anyone, logged in or not) and ``system`` (scheduled work). ``ROLE_LABELS`` names all
of them, in the order messages list them.
"""

from __future__ import annotations

from grants.domain.i18n import N_

RESIDENT = "resident"
ORG_MEMBER = "org_member"
JUDGE = "judge"
ORGANIZER = "organizer"
FINANCE = "finance"
AUDITOR = "auditor"
EVALUATOR = "evaluator"
ADMIN = "admin"
APPLICANT = "applicant"
PUBLIC = "public"
SYSTEM = "system"

ROLES: tuple[str, ...] = (
    RESIDENT, ORG_MEMBER, JUDGE, ORGANIZER, FINANCE, AUDITOR, EVALUATOR, ADMIN,
)
STAFF_ROLES: tuple[str, ...] = (JUDGE, ORGANIZER, FINANCE, AUDITOR, EVALUATOR, ADMIN)
SELF_SERVICE_ROLES: tuple[str, ...] = (RESIDENT, ORG_MEMBER)
ACTING_ONLY_ROLES: tuple[str, ...] = (APPLICANT, PUBLIC, SYSTEM)

ROLE_LABELS: dict[str, str] = {
    RESIDENT: N_("居民"),
    ORG_MEMBER: N_("社会组织"),
    APPLICANT: N_("申报人"),
    JUDGE: N_("评审专家"),
    ORGANIZER: N_("主办方"),
    FINANCE: N_("财务"),
    AUDITOR: N_("监督/审计"),
    EVALUATOR: N_("第三方评估"),
    ADMIN: N_("系统管理员"),
    PUBLIC: N_("公众"),
    SYSTEM: N_("系统"),
}
