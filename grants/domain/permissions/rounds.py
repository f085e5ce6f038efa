"""Who may create and edit rounds."""

from __future__ import annotations

from grants.domain.i18n import msg
from grants.domain.permissions import ORGANIZERS, Decision, allowed_to


def can_manage_rounds(user) -> Decision:
    """Organisers and admins create and edit rounds."""
    return allowed_to(user, ORGANIZERS, msg("只有主办方可以创建或修改赛事"))
