"""A person's own contact settings: the e-mail address their notifications are also sent to."""

from __future__ import annotations

from grants.domain.contact import check_email, normalise_email
from grants.domain.errors import Refusal
from grants.domain.permissions import role_used
from grants.domain.roles import ROLES, SYSTEM
from grants.extensions import db
from grants.models import User
from grants.services import audit, locked, unit_of_work


def set_email(user, text: str) -> str:
    """Store (or clear, when blank) the account's notification e-mail; audited without the
    address itself, which is personal data the chain need not carry."""
    if problem := check_email(text):
        raise Refusal(problem, status=422)
    address = normalise_email(text) or ""
    with unit_of_work():
        account = locked(User, user.id)
        account.email = address
        db.session.flush()
        audit.record("account.set_email", "user", account.id, {"email_set": bool(address)},
                     actor=account, actor_role=_own_role(account))
    return address


def _own_role(account) -> str:
    """The role a person acts in on their own account: the first they hold in the order of
    :data:`~grants.domain.roles.ROLES` (any role may change its own contact settings)."""
    return role_used(account, ROLES) or SYSTEM
