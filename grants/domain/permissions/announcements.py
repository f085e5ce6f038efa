"""Who may write announcements (公告) for the public portal: the organizers."""

from __future__ import annotations

from grants.domain.i18n import msg
from grants.domain.permissions import ORGANIZERS, Decision, allowed_to


def can_manage_announcements(user) -> Decision:
    """Organizers (and admins) write, publish and withdraw announcements."""
    return allowed_to(user, ORGANIZERS, msg("只有主办方可以发布和管理公告"))
