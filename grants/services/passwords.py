"""Changing one's own password: the old one is checked, the new one must pass the strength
rules, and every other signed-in session of the account ends (a stolen cookie stops working).

Audit role: the account's own change, recorded as the account with the role ``public`` (no
role authorises it; any account may change its own password), like a login.
"""

from __future__ import annotations

from datetime import datetime

from grants.domain import sessions as session_rules
from grants.domain.i18n import msg
from grants.domain.passwords import password_problem
from grants.domain.roles import PUBLIC
from grants.models import User
from grants.models.security import UserSession
from grants.services import Refusal, audit, sessions, unit_of_work
from grants.services.accounts import hash_password, password_verifies


def change_password(user: User, current: str, new: str, keep: UserSession | None,
                    now: datetime | None = None) -> int:
    """Set a new password after checking the current one; end every other session of the
    account. Returns how many sessions were ended. Audited as ``account.change_password``."""
    if not password_verifies(user.password_hash, current):
        raise Refusal(msg("当前密码不正确"), status=400)
    if problem := password_problem(new, user.username):
        raise Refusal(problem, status=400)
    if password_verifies(user.password_hash, new):
        raise Refusal(msg("新密码不能与当前密码相同"), status=400)
    with unit_of_work():
        user.password_hash = hash_password(new)
        ended = sessions.end_others(user, keep, session_rules.PASSWORD_CHANGE, now)
        audit.record("account.change_password", "user", user.id, {"sessions_ended": ended},
                     actor=user, actor_role=PUBLIC)
    return ended
