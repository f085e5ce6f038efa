"""Who may read the audit chain and manage accounts."""

from __future__ import annotations

from grants.domain.i18n import msg
from grants.domain.permissions import ADMINS, ALLOWED, AUDIT_READERS, Decision, has_any_role


def can_read_audit(user) -> Decision:
    """Auditors and admins read the whole audit chain."""
    if has_any_role(user, AUDIT_READERS):
        return ALLOWED
    return False, msg("只有监督/审计人员可以查看审计日志")


def can_manage_users(user) -> Decision:
    """Only admins create staff accounts and change roles."""
    if has_any_role(user, ADMINS):
        return ALLOWED
    return False, msg("只有系统管理员可以管理账号")
