"""Staff accounts' second factor: set up an authenticator, check codes, recovery codes.

Setting up takes two steps so nobody is locked out by a secret they never saved: the secret is
kept unconfirmed until the person types one code from their app; then ten recovery codes are
made, shown once and kept as argon2 hashes. At sign-in a six-digit code is accepted once (its
time step is remembered) and a recovery code once (it is marked used). Wrong codes are counted
per account, like wrong passwords, and after ``LOGIN_MAX_CODE_FAILURES`` in the window the code
step answers 429: only someone who already knows the password reaches it, so the count is kept
per account, not per address.

Audit roles: setting up, new recovery codes and a failed code are the account's own (actor the
account, role ``public`` as for a login); a reset by ``flask users reset-second-factor`` has no
actor (``system``).
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, func, select

from grants.domain import second_factor as codes
from grants.domain.clock import now_utc, stored
from grants.domain.i18n import msg
from grants.domain.roles import PUBLIC
from grants.extensions import db
from grants.models import LoginAttempt, User
from grants.models.security import RecoveryCode, TotpCredential
from grants.services import Refusal, audit, unit_of_work
from grants.services.accounts import hash_password, password_verifies

CODE = "code"


class Throttled(Exception):
    """Too many wrong codes for this account lately; retry after ``retry_after`` seconds."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(retry_after)
        self.retry_after = retry_after


def credential(user: User) -> TotpCredential | None:
    """The account's authenticator secret, confirmed or still being set up."""
    return db.session.get(TotpCredential, user.id)


def is_enrolled(user: User) -> bool:
    """True once the account has confirmed an authenticator."""
    found = credential(user)
    return found is not None and found.confirmed_at is not None


def begin(user: User) -> TotpCredential:
    """The unconfirmed secret to show on the set-up page (made on first visit, then kept).

    Refused with 409 once an authenticator is confirmed: a new one needs a reset first.
    """
    found = credential(user)
    if found is not None and found.confirmed_at is not None:
        raise Refusal(msg("已启用两步验证"), status=409)
    if found is None:
        with unit_of_work():
            found = TotpCredential(user_id=user.id, secret=codes.new_secret())
            db.session.add(found)
    return found


def _new_recovery_codes(user: User, now: datetime) -> list[str]:
    """Replace the account's recovery codes by fresh ones (hashed); the plain codes, once."""
    plain = codes.new_recovery_codes()
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    db.session.add_all(RecoveryCode(user_id=user.id, code_hash=hash_password(code),
                                    created_at=now) for code in plain)
    return plain


def confirm(user: User, code: str, now: datetime | None = None) -> list[str]:
    """Confirm the authenticator with one code from it; returns the new recovery codes.

    A wrong code is refused with 400 and changes nothing. Audited as ``second_factor.enrol``.
    """
    moment = now_utc(now)
    with unit_of_work():
        found = credential(user)
        if found is None or found.confirmed_at is not None:
            raise Refusal(msg("请重新打开两步验证设置页面"), status=409)
        step = codes.accepted_step(found.secret, code, found.last_step, moment)
        if step is None:
            raise Refusal(msg("验证码不正确，请输入验证器应用当前显示的 6 位数字"), status=400)
        found.confirmed_at, found.last_step = stored(moment), step
        plain = _new_recovery_codes(user, stored(moment))
        audit.record("second_factor.enrol", "user", user.id,
                     {"method": "totp", "recovery_codes": len(plain)},
                     actor=user, actor_role=PUBLIC)
    return plain


def enrol_with_secret(user: User, secret: str, now: datetime | None = None) -> list[str]:
    """Set up an authenticator whose secret is already known (the demo's documented one),
    through the same two steps as a person: the secret, then a code computed from it."""
    found = credential(user)
    if found is None:
        with unit_of_work():
            db.session.add(TotpCredential(user_id=user.id, secret=secret))
    return confirm(user, codes.code_at(secret, codes.time_step(now)), now)


def _window() -> timedelta:
    return timedelta(seconds=current_app.config["LOGIN_WINDOW_SECONDS"])


def retry_after(user: User, now: datetime | None = None) -> int:
    """Seconds until a code may be tried again for this account, or 0."""
    moment = stored(now_utc(now))
    limit = current_app.config.get("LOGIN_MAX_CODE_FAILURES", 10)
    times = db.session.scalars(
        select(LoginAttempt.ts).where(
            func.lower(LoginAttempt.username) == user.username.lower(),
            LoginAttempt.factor == CODE, LoginAttempt.success.is_(False),
            LoginAttempt.ts > moment - _window())
        .order_by(LoginAttempt.ts.desc()).limit(limit)).all()
    if len(times) < limit:
        return 0
    return max(1, math.ceil((times[-1] + _window() - moment).total_seconds()))


def _use_recovery_code(user: User, typed: str, now: datetime) -> bool:
    """Mark the matching unused recovery code used; False when none matches."""
    wanted = codes.normalise_recovery_code(typed)
    unused = db.session.scalars(select(RecoveryCode).where(
        RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None)).order_by(RecoveryCode.id))
    for row in unused:
        if password_verifies(row.code_hash, wanted):
            row.used_at = now
            return True
    return False


def _accept(user: User, typed: str, now: datetime) -> str | None:
    """``totp`` or ``recovery`` when the typed code is right and unused (and mark it), else None."""
    found = credential(user)
    if found is None or found.confirmed_at is None:
        return None
    if codes.looks_like_recovery_code(typed):
        return "recovery" if _use_recovery_code(user, typed, stored(now)) else None
    step = codes.accepted_step(found.secret, typed, found.last_step, now)
    if step is None:
        return None
    found.last_step = step
    return "totp"


def verify(user: User, typed: str, address: str, now: datetime | None = None) -> str | None:
    """Check a code at sign-in: ``totp`` or ``recovery`` when accepted, None when refused.

    Raises :class:`Throttled` before checking when the account has too many recent wrong
    codes. A refusal is recorded (attempt row and ``auth.second_factor_fail``) and committed;
    an acceptance is left to the caller's unit of work, which opens the signed-in session.
    """
    if wait := retry_after(user, now):
        raise Throttled(wait)
    moment = now_utc(now)
    method = _accept(user, typed, moment)
    if method is None:
        with unit_of_work():
            db.session.add(LoginAttempt(username=user.username, address=address[:64],
                                        success=False, factor=CODE, ts=stored(moment)))
            audit.record("auth.second_factor_fail", "user", user.id, {"address": address},
                         actor=user, actor_role=PUBLIC)
        return None
    db.session.add(LoginAttempt(username=user.username, address=address[:64], success=True,
                                factor=CODE, ts=stored(moment)))
    return method


def regenerate_recovery_codes(user: User, now: datetime | None = None) -> list[str]:
    """Ten new recovery codes in place of the old ones; audited as ``recovery_codes.renew``."""
    if not is_enrolled(user):
        raise Refusal(msg("请先启用两步验证"), status=409)
    with unit_of_work():
        plain = _new_recovery_codes(user, stored(now_utc(now)))
        audit.record("recovery_codes.renew", "user", user.id, {"count": len(plain)},
                     actor=user, actor_role=PUBLIC)
    return plain


def unused_recovery_codes(user: User) -> int:
    """How many recovery codes the account has left."""
    return db.session.scalar(select(func.count(RecoveryCode.id)).where(
        RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None)))


def reset(user: User) -> bool:
    """Remove an account's authenticator and recovery codes (a lost phone), so the next sign-in
    sets up a new one; audited as ``second_factor.reset``. False when there was none."""
    found = credential(user)
    if found is None:
        return False
    with unit_of_work():
        db.session.delete(found)
        db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
        audit.record("second_factor.reset", "user", user.id, {"username": user.username})
    return True
