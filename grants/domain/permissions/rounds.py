"""Who may create and edit rounds."""

from __future__ import annotations

from grants.domain.i18n import msg
from grants.domain.permissions import ALLOWED, ORGANIZERS, Decision, has_any_role


def can_manage_rounds(user) -> Decision:
    """Organisers and admins create and edit rounds."""
    if has_any_role(user, ORGANIZERS):
        return ALLOWED
    return False, msg("只有主办方可以创建或修改赛事")
