"""Accounts: self-registration, staff creation and role changes, each audited once.

Audit roles: a self-registration is recorded with the role the sign-up grants the new account
(``resident`` or ``org_member``), with the new account as the actor; staff accounts and role
changes made on the admin pages with ``admin`` (the role that authorises them), and staff
accounts made by ``flask users create`` (no signed-in actor) with ``system``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from grants.domain.i18n import msg, tr
from grants.domain.orgs import check_uscc
from grants.domain.passwords import password_problem
from grants.domain.permissions import ADMINS, APPLICANTS, RESIDENTS, role_used
from grants.domain.permissions.accounts import can_manage_users
from grants.domain.roles import ROLE_LABELS, ROLES, SYSTEM
from grants.extensions import db
from grants.models import Organisation, User, UserRole
from grants.services import Refusal, audit, unit_of_work


def _hasher() -> PasswordHasher:
    """argon2id; the test suite uses cheap parameters so it stays fast."""
    if current_app.config.get("ARGON2_FAST"):
        return PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    return PasswordHasher()


def hash_password(password: str) -> str:
    """Hash a password with argon2id."""
    return _hasher().hash(password)


def password_verifies(stored_hash: str, secret: str) -> bool:
    """True when ``secret`` matches an argon2 hash made by :func:`hash_password`."""
    try:
        return _hasher().verify(stored_hash, secret)
    except (VerificationError, InvalidHashError):
        return False


def _password_matches(user: User | None, password: str) -> bool:
    """Check a password in constant work whether or not the account exists."""
    stored = user.password_hash if user else _dummy_hash()
    return password_verifies(stored, password) and user is not None


def _dummy_hash() -> str:
    """A fixed hash to verify against for unknown usernames (same timing as a real one)."""
    cache = current_app.extensions.setdefault("grants_dummy_hash", {})
    if "hash" not in cache:
        cache["hash"] = hash_password("not-a-real-account-password")
    return cache["hash"]


def _check_new_account(username: str, password: str) -> None:
    """Refuse taken usernames and weak passwords before anything is written."""
    if problem := password_problem(password, username):
        raise Refusal(problem)
    if db.session.scalar(select(User.id).where(func.lower(User.username) == username.lower())):
        raise Refusal(msg("用户名“{username}”已被使用", username=username))


@contextmanager
def _creating_account() -> Iterator[None]:
    """A unit of work that turns a lost race for a username or code into a clear refusal.

    The checks before it catch the usual case; two sign-ups at the same moment are settled by
    the unique constraints, and the loser gets the same message instead of a server error.
    """
    try:
        with unit_of_work():
            yield
    except IntegrityError as error:
        raise Refusal(msg("用户名或统一社会信用代码已被使用，请换一个")) from error


def _new_user(username: str, display_name: str, password: str, roles, **fields) -> User:
    """Build (not commit) a user holding the given roles."""
    user = User(
        username=username,
        display_name=display_name,
        password_hash=hash_password(password),
        **fields,
    )
    user.role_rows = [UserRole(role=role) for role in sorted(set(roles))]
    db.session.add(user)
    db.session.flush()
    return user


def register_resident(
    username: str,
    display_name: str,
    password: str,
    phone: str = "",
    community_id: int | None = None,
) -> User:
    """Self-registration of a resident account (居民), audited as the new ``resident``."""
    _check_new_account(username, password)
    with _creating_account():
        user = _new_user(
            username, display_name, password, ["resident"], phone=phone, community_id=community_id
        )
        audit.record(
            "account.register",
            "user",
            user.id,
            {"username": username, "roles": ["resident"]},
            actor=user,
            actor_role=role_used(user, RESIDENTS),
        )
    return user


@dataclass(frozen=True)
class OrgDetails:
    """What an organisation gives when it registers."""

    name: str
    uscc: str
    contact_name: str
    contact_phone: str
    address: str = ""
    bank_name: str = ""
    bank_account: str = ""


def register_organisation(
    username: str, display_name: str, password: str, details: OrgDetails
) -> User:
    """Self-registration of an organisation and its first member account (社会组织).

    Audited as the new member, in the ``org_member`` role the sign-up grants.
    """
    code = details.uscc.strip().upper().replace(" ", "")
    if problem := check_uscc(code):
        raise Refusal(problem)
    if db.session.scalar(select(Organisation.id).where(Organisation.uscc == code)):
        raise Refusal(msg("该统一社会信用代码已注册，请联系本组织的现有账号"))
    _check_new_account(username, password)
    with _creating_account():
        org = Organisation(**{**details.__dict__, "uscc": code})
        db.session.add(org)
        db.session.flush()
        user = _new_user(
            username,
            display_name,
            password,
            ["org_member"],
            phone=details.contact_phone,
            organisation_id=org.id,
        )
        audit.record(
            "organisation.register",
            "organisation",
            org.id,
            {"name": org.name, "uscc": code, "username": username},
            actor=user,
            actor_role=role_used(user, APPLICANTS),
        )
    return user


def _admin_role(actor) -> str:
    """The role an account change is recorded with: ``admin`` for a signed-in actor (refused
    with 403 unless they hold it), ``system`` for the command line (no actor)."""
    if actor is None:
        return SYSTEM
    allowed, reason = can_manage_users(actor)
    if not allowed:
        raise Refusal(reason, status=403)
    return role_used(actor, ADMINS)


def create_staff_user(username: str, display_name: str, password: str, roles, actor=None) -> User:
    """Create an account with staff roles (CLI ``flask users create`` and the admin page)."""
    actor_role = _admin_role(actor)
    unknown = set(roles) - set(ROLES)
    if unknown or not roles:
        listed = ", ".join(sorted(unknown)) or msg("（空）")
        raise Refusal(msg("未知角色：{roles}", roles=listed))
    _check_new_account(username, password)
    with _creating_account():
        user = _new_user(username, display_name, password, roles)
        audit.record(
            "account.create",
            "user",
            user.id,
            {"username": username, "roles": sorted(set(roles))},
            actor=actor,
            actor_role=actor_role,
        )
    return user


def set_roles(user: User, roles, actor) -> None:
    """Replace an account's roles; audited with before and after, as the ``admin`` who did it."""
    actor_role = _admin_role(actor)
    wanted = set(roles)
    if wanted - set(ROLES):
        raise Refusal(msg("未知角色"))
    if user.id == getattr(actor, "id", None) and "admin" in user.roles and "admin" not in wanted:
        raise Refusal(msg("不能移除自己的管理员角色，请让另一位管理员操作"))
    before = sorted(user.roles)
    if before == sorted(wanted):
        return
    with unit_of_work():
        user.role_rows = [row for row in user.role_rows if row.role in wanted]
        user.role_rows += [UserRole(role=r) for r in sorted(wanted - set(before))]
        audit.record(
            "account.change_roles",
            "user",
            user.id,
            {"before": before, "after": sorted(wanted)},
            actor=actor,
            actor_role=actor_role,
        )


def role_choices() -> list[tuple[str, str]]:
    """(value, label) pairs for role pickers."""
    return [(role, tr(ROLE_LABELS[role])) for role in ROLES]
