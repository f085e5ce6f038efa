"""Server-kept sessions and the second factor, with a pinned clock: timeouts end a session
(audited), roles changing rotate its id, a password change ends the others, a code is
accepted once, a recovery code once, and wrong codes are throttled per account."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from grants.domain import second_factor as codes
from grants.domain.errors import Refusal
from grants.extensions import db
from grants.models import AuditEntry
from grants.services import accounts, auth, passwords, second_factor, sessions
from tests.helpers import PASSWORD, audit_count, create_user

T0 = datetime(2026, 12, 4, 1, 0, 0, tzinfo=UTC)


def _actions(since: int) -> list[str]:
    query = select(AuditEntry.action).where(AuditEntry.seq > since).order_by(AuditEntry.seq)
    return list(db.session.scalars(query))


@pytest.fixture
def resident(app):
    return create_user("zhang", "resident")


def _open(user, now=T0) -> str:
    token, _row = auth.begin(user, "10.0.0.1", now=now)
    return token


def test_a_session_lives_while_used_and_ends_idle_after_thirty_minutes(resident):
    token = _open(resident)
    for minutes in (10, 35, 60):
        assert sessions.check(token, now=T0 + timedelta(minutes=minutes)) is not None, minutes
    before = audit_count()
    assert sessions.check(token, now=T0 + timedelta(minutes=91)) is None
    assert _actions(before) == ["session.expire"]
    assert sessions.find(token).end_reason == "idle"
    assert sessions.check(token, now=T0 + timedelta(minutes=92)) is None
    assert audit_count() == before + 1


def test_a_session_ends_twelve_hours_after_sign_in_however_busy(resident):
    token = _open(resident)
    for minutes in range(20, 12 * 60, 20):
        moment = T0 + timedelta(minutes=minutes)
        assert sessions.check(token, now=moment) is not None, moment
    assert sessions.check(token, now=T0 + timedelta(hours=12)) is None
    assert sessions.find(token).end_reason == "expired"


def test_last_seen_is_written_at_most_once_a_minute(resident):
    token = _open(resident)
    sessions.check(token, now=T0 + timedelta(seconds=30))
    assert sessions.find(token).last_seen_at == T0.replace(tzinfo=None)
    sessions.check(token, now=T0 + timedelta(seconds=61))
    assert sessions.find(token).last_seen_at == (T0 + timedelta(seconds=61)).replace(tzinfo=None)


def test_a_role_change_rotates_the_session_id(app, resident):
    token = _open(resident)
    admin = create_user("boss", "admin")
    accounts.set_roles(resident, ["resident", "judge"], actor=admin)
    before = audit_count()
    live = sessions.check(token, now=T0 + timedelta(minutes=1))
    assert live is not None and live.token and live.token != token
    assert sessions.find(token).end_reason == "rotated"
    assert _actions(before) == ["session.rotate"]
    assert sessions.check(live.token, now=T0 + timedelta(minutes=2)).token is None
    assert sessions.check(token, now=T0 + timedelta(minutes=2)) is None


def test_a_password_change_ends_every_other_session(resident):
    here, elsewhere, third = (_open(resident) for _ in range(3))
    keep = sessions.find(here)
    before = audit_count()
    ended = passwords.change_password(resident, PASSWORD, "Quiet-Meadow-47", keep, now=T0)
    assert ended == 2 and _actions(before) == ["account.change_password"]
    assert sessions.check(here, now=T0) is not None
    assert sessions.check(elsewhere, now=T0) is None and sessions.check(third, now=T0) is None
    assert sessions.find(elsewhere).end_reason == "password_change"


@pytest.mark.parametrize(("current", "new", "words"), [
    ("wrong-current", "Quiet-Meadow-47", "当前密码不正确"),
    (PASSWORD, "aaaaaaaaaa", "重复或连续"),
    (PASSWORD, PASSWORD, "不能与当前密码相同"),
])
def test_a_refused_password_change_changes_nothing(resident, current, new, words):
    other = _open(resident)
    before = audit_count()
    with pytest.raises(Refusal, match=words):
        passwords.change_password(resident, current, new, None, now=T0)
    assert audit_count() == before and sessions.check(other, now=T0) is not None


@pytest.fixture
def organizer(app):
    return create_user("wangmin", "organizer")


def _enrol(user, now=T0) -> tuple[str, list[str]]:
    secret = second_factor.begin(user).secret
    recovery = second_factor.confirm(user, codes.code_at(secret, codes.time_step(now)), now)
    return secret, recovery


def test_a_staff_session_waits_for_its_second_factor(organizer):
    token, row = auth.begin(organizer, "10.0.0.1", now=T0)
    live = sessions.check(token, now=T0)
    assert live is not None and not live.complete and row.second_factor_at is None
    secret, _recovery = _enrol(organizer)
    later = T0 + timedelta(minutes=1)
    method = second_factor.verify(organizer, codes.code_at(secret, codes.time_step(later)),
                                  "10.0.0.1", now=later)
    new_token, _new = auth.finish(row, organizer, method, now=later)
    assert new_token != token and sessions.check(token, now=later) is None
    assert sessions.check(new_token, now=later).complete


def test_enrolment_needs_a_right_code_and_makes_ten_hashed_recovery_codes(organizer):
    secret = second_factor.begin(organizer).secret
    assert second_factor.begin(organizer).secret == secret
    before = audit_count()
    with pytest.raises(Refusal, match="验证码不正确"):
        second_factor.confirm(organizer, "000000" if codes.code_at(
            secret, codes.time_step(T0)) != "000000" else "111111", T0)
    assert audit_count() == before and not second_factor.is_enrolled(organizer)
    recovery = second_factor.confirm(organizer, codes.code_at(secret, codes.time_step(T0)), T0)
    assert len(recovery) == 10 and _actions(before) == ["second_factor.enrol"]
    from grants.models.security import RecoveryCode

    stored = db.session.scalars(select(RecoveryCode.code_hash)).all()
    assert len(stored) == 10 and not set(stored) & set(recovery)
    with pytest.raises(Refusal):
        second_factor.begin(organizer)


def test_a_code_is_accepted_once_and_a_wrong_one_is_recorded(organizer):
    secret, _recovery = _enrol(organizer)
    later = T0 + timedelta(seconds=30)
    code = codes.code_at(secret, codes.time_step(later))
    assert second_factor.verify(organizer, code, "10.0.0.1", now=later) == "totp"
    db.session.commit()
    before = audit_count()
    assert second_factor.verify(organizer, code, "10.0.0.1", now=later) is None
    assert _actions(before) == ["auth.second_factor_fail"]


def test_a_recovery_code_works_once(organizer):
    _secret, recovery = _enrol(organizer)
    assert second_factor.verify(organizer, recovery[3].upper(), "10.0.0.1", now=T0) == "recovery"
    db.session.commit()
    assert second_factor.unused_recovery_codes(organizer) == 9
    assert second_factor.verify(organizer, recovery[3], "10.0.0.1", now=T0) is None
    assert second_factor.verify(organizer, recovery[4], "10.0.0.1", now=T0) == "recovery"


def test_wrong_codes_are_throttled_per_account_whatever_the_address(app, organizer):
    _enrol(organizer)
    app.config["LOGIN_MAX_CODE_FAILURES"] = 3
    for i in range(3):
        assert second_factor.verify(organizer, "xx", f"10.0.0.{i}", now=T0) is None
    with pytest.raises(second_factor.Throttled) as throttled:
        second_factor.verify(organizer, "xx", "10.9.9.9", now=T0 + timedelta(minutes=1))
    assert 0 < throttled.value.retry_after <= 15 * 60
    assert second_factor.retry_after(organizer, now=T0 + timedelta(minutes=16)) == 0


def test_a_reset_removes_the_authenticator_so_the_next_sign_in_sets_one_up(organizer):
    _enrol(organizer)
    assert second_factor.reset(organizer) and not second_factor.is_enrolled(organizer)
    assert not second_factor.reset(organizer)
