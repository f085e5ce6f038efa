"""Who may post, support and merge community needs (点单)."""

from __future__ import annotations

from grants.domain.i18n import msg
from grants.domain.lifecycles.need import is_open
from grants.domain.permissions import (
    ALLOWED,
    ORGANIZERS,
    RESIDENTS,
    Decision,
    allowed_to,
    has_any_role,
)


def can_post_need(user) -> Decision:
    """Residents post needs (点单) for their community."""
    return allowed_to(user, RESIDENTS, msg("只有居民可以提交社区需求"))


def can_support_need(user, need) -> Decision:
    """A resident supports an open need once; nobody supports their own need."""
    if not has_any_role(user, RESIDENTS):
        return False, msg("只有居民可以支持社区需求")
    if need.author_id == getattr(user, "id", None):
        return False, msg("不能支持自己提交的需求")
    if not is_open(need.status):
        return False, msg("该需求已合并或已立项，不再接受支持")
    return ALLOWED


def can_merge_needs(user) -> Decision:
    """Organisers and admins merge duplicate needs."""
    return allowed_to(user, ORGANIZERS, msg("只有主办方可以合并重复需求"))
