"""Who may read the audit chain and manage accounts."""

from __future__ import annotations

from grants.domain.i18n import msg
from grants.domain.permissions import (
    ADMINS,
    AUDIT_READERS,
    Decision,
    allowed_to,
)


def can_read_audit(user) -> Decision:
    """Auditors and admins read the whole audit chain."""
    return allowed_to(user, AUDIT_READERS, msg("只有监督/审计人员可以查看审计日志"))


def can_manage_users(user) -> Decision:
    """Only admins create staff accounts and change roles."""
    return allowed_to(user, ADMINS, msg("只有系统管理员可以管理账号"))
