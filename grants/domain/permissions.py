"""Who may do what: ``can_<verb>(user, obj) -> (allowed, reason)``, plain functions.

``user`` is anything with ``id`` and ``roles`` (a set of role names) or None for an anonymous
visitor; objects are read by attribute. Views and templates ask these functions; no route
decides access on its own.
"""

from __future__ import annotations

from collections.abc import Iterable

from grants.domain.i18n import msg

Decision = tuple[bool, str]
ALLOWED: Decision = (True, "")


def _roles(user) -> frozenset[str]:
    """The roles of a user, empty for anonymous visitors."""
    if user is None or not getattr(user, "is_authenticated", True):
        return frozenset()
    return frozenset(getattr(user, "roles", ()))


def has_any_role(user, roles: Iterable[str]) -> bool:
    """True when the user holds at least one of ``roles``."""
    return bool(_roles(user).intersection(roles))


def can_read_audit(user) -> Decision:
    """Auditors and admins read the whole audit chain."""
    if has_any_role(user, ("auditor", "admin")):
        return ALLOWED
    return False, msg("只有监督/审计人员可以查看审计日志")


def can_manage_users(user) -> Decision:
    """Only admins create staff accounts and change roles."""
    if has_any_role(user, ("admin",)):
        return ALLOWED
    return False, msg("只有系统管理员可以管理账号")


def can_manage_rounds(user) -> Decision:
    """Organisers and admins create and edit rounds."""
    if has_any_role(user, ("organizer", "admin")):
        return ALLOWED
    return False, msg("只有主办方可以创建或修改赛事")


def can_post_need(user) -> Decision:
    """Residents post needs (点单) for their community."""
    if has_any_role(user, ("resident",)):
        return ALLOWED
    return False, msg("只有居民可以提交社区需求")


def can_support_need(user, need) -> Decision:
    """A resident supports an open need once; nobody supports their own need."""
    if not has_any_role(user, ("resident",)):
        return False, msg("只有居民可以支持社区需求")
    if need.author_id == getattr(user, "id", None):
        return False, msg("不能支持自己提交的需求")
    if need.status != "open":
        return False, msg("该需求已合并或已立项，不再接受支持")
    return ALLOWED


def can_merge_needs(user) -> Decision:
    """Organisers and admins merge duplicate needs."""
    if has_any_role(user, ("organizer", "admin")):
        return ALLOWED
    return False, msg("只有主办方可以合并重复需求")
