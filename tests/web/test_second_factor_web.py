"""Staff sign-in with a second factor, and sessions the server can end, over HTTP.

These tests type the codes themselves (not through ``AuthActions``, which completes the code
step for the rest of the suite): enrolment with the QR code, a code accepted once, a recovery
code once, staff pages sending a half-signed-in account to the code step, and cookies that stop
working after logout, a password change, a timeout or a role change.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from grants.domain import second_factor as codes
from grants.extensions import db
from grants.models import AuditEntry
from grants.models.security import TotpCredential, UserSession
from grants.services import accounts, second_factor
from tests.helpers import PASSWORD, AuthActions, create_user

STAFF_PAGE = "/awards/"


def _password(client, username: str, next_path: str | None = None):
    url = "/auth/login" + (f"?next={next_path}" if next_path else "")
    return client.post(url, data={"username": username, "password": PASSWORD})


def _code(user, offset: int = 0) -> str:
    secret = db.session.get(TotpCredential, user.id).secret
    return codes.code_at(secret, codes.time_step() + offset)


def _last_action() -> tuple[str, str]:
    entry = db.session.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc())).first()
    return entry.action, entry.payload


@pytest.fixture
def organizer(app):
    return create_user("wangmin", "organizer")


@pytest.fixture
def enrolled(organizer):
    """The organizer with an authenticator set up (a step in the past, so any code is new)."""
    second_factor.enrol_with_secret(organizer, codes.new_secret())
    db.session.get(TotpCredential, organizer.id).last_step = 0
    db.session.commit()
    return organizer


def test_first_sign_in_sets_up_the_authenticator_from_a_server_drawn_qr_code(client, organizer):
    response = _password(client, "wangmin", STAFF_PAGE)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/account/two-factor/setup")
    page = client.get(response.headers["Location"])
    html = page.get_data(as_text=True)
    main = html.split("<main")[1].split("</main>")[0]
    assert page.status_code == 200 and "<svg" in main and "<script" not in main
    secret = db.session.get(TotpCredential, organizer.id).secret
    assert codes.grouped_secret(secret) in html
    assert client.get(STAFF_PAGE).status_code == 302
    wrong = client.post("/account/two-factor/setup", data={"code": "12"})
    assert wrong.status_code == 400 and not second_factor.is_enrolled(organizer)
    done = client.post(f"/account/two-factor/setup?next={STAFF_PAGE}",
                       data={"code": _code(organizer)})
    text = done.get_data(as_text=True)
    assert done.status_code == 200 and text.count("<li>") >= 10 and "恢复码" in text
    assert second_factor.is_enrolled(organizer)
    assert client.get(STAFF_PAGE).status_code == 200
    assert _last_action()[0] == "auth.login" and '"second_factor":"totp"' in _last_action()[1]


def test_a_staff_page_without_the_second_factor_sends_to_the_code_step(client, enrolled):
    assert _password(client, "wangmin").headers["Location"].startswith("/account/two-factor")
    for path in (STAFF_PAGE, "/notifications/", "/account/security"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response.headers["Location"].startswith("/account/two-factor?next="), path
    assert "登录" in client.get("/").get_data(as_text=True)


def test_sign_in_with_a_code_then_the_same_code_again_is_refused(client, enrolled):
    _password(client, "wangmin", STAFF_PAGE)
    code = _code(enrolled)
    response = client.post(f"/account/two-factor?next={STAFF_PAGE}", data={"code": code})
    assert response.status_code == 302 and response.headers["Location"] == STAFF_PAGE
    assert client.get(STAFF_PAGE).status_code == 200
    client.post("/auth/logout")
    _password(client, "wangmin")
    again = client.post("/account/two-factor", data={"code": code})
    assert again.status_code == 401 and "不正确或已经用过" in again.get_data(as_text=True)
    assert client.get(STAFF_PAGE).status_code == 302
    assert _last_action()[0] == "auth.second_factor_fail"


def test_a_wrong_code_is_refused(client, enrolled):
    _password(client, "wangmin")
    wrong = "000000" if _code(enrolled) != "000000" else "111111"
    assert client.post("/account/two-factor", data={"code": wrong}).status_code == 401
    assert client.get(STAFF_PAGE).status_code == 302


def test_a_recovery_code_works_once(client, organizer):
    recovery = second_factor.enrol_with_secret(organizer, codes.new_secret())
    _password(client, "wangmin")
    response = client.post("/account/two-factor", data={"code": recovery[0]})
    assert response.status_code == 302 and client.get(STAFF_PAGE).status_code == 200
    assert '"second_factor":"recovery"' in _last_action()[1]
    client.post("/auth/logout")
    _password(client, "wangmin")
    assert client.post("/account/two-factor", data={"code": recovery[0]}).status_code == 401
    assert client.get(STAFF_PAGE).status_code == 302


def test_wrong_codes_are_throttled(app, client, enrolled):
    app.config["LOGIN_MAX_CODE_FAILURES"] = 2
    _password(client, "wangmin")
    for _ in range(2):
        client.post("/account/two-factor", data={"code": "99999x"})
    response = client.post("/account/two-factor", data={"code": _code(enrolled)})
    assert response.status_code == 429 and int(response.headers["Retry-After"]) > 0


def _signed_in_cookie(client, auth, username: str) -> str:
    assert auth.login(username).status_code == 302
    return client.get_cookie("session").value


def _with_cookie(app, value: str):
    other = app.test_client()
    other.set_cookie("session", value)
    return other


@pytest.mark.parametrize("username,role,page", [
    ("zhang", "resident", "/notifications/"), ("wangmin", "organizer", STAFF_PAGE)])
def test_a_cookie_captured_before_logout_is_refused_afterwards(app, client, auth, username, role,
                                                               page):
    create_user(username, role)
    captured = _signed_in_cookie(client, auth, username)
    assert _with_cookie(app, captured).get(page).status_code == 200
    client.post("/auth/logout")
    replay = _with_cookie(app, captured).get(page)
    assert replay.status_code == 302 and "/auth/login" in replay.headers["Location"]


def test_a_password_change_signs_out_every_other_browser(app, client, auth):
    create_user("zhang", "resident")
    other = app.test_client()
    AuthActions(other).login("zhang")
    auth.login("zhang")
    response = client.post("/account/password", data={
        "current": PASSWORD, "new": "Quiet-Meadow-47", "confirm": "Quiet-Meadow-47"})
    assert response.status_code == 302
    assert client.get("/notifications/").status_code == 200
    refused = other.get("/notifications/")
    assert refused.status_code == 302 and "/auth/login" in refused.headers["Location"]
    assert _last_action()[0] == "account.change_password"


def test_a_weak_new_password_is_refused_on_the_page(client, auth):
    create_user("zhang", "resident")
    auth.login("zhang")
    response = client.post("/account/password", data={
        "current": PASSWORD, "new": "abcabcabc", "confirm": "abcabcabc"})
    assert response.status_code == 400 and "重复或连续" in response.get_data(as_text=True)


def test_an_idle_session_is_refused_and_recorded(client, auth):
    create_user("zhang", "resident")
    auth.login("zhang")
    assert client.get("/notifications/").status_code == 200
    stale = db.session.scalars(select(UserSession.last_seen_at)).first() - timedelta(minutes=31)
    db.session.execute(update(UserSession).values(last_seen_at=stale))
    db.session.commit()
    response = client.get("/notifications/")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
    assert _last_action()[0] == "session.expire" and '"reason":"idle"' in _last_action()[1]


def test_the_session_id_changes_at_sign_in_and_when_roles_change(app, client, auth, enrolled):
    _password(client, "wangmin")
    waiting = client.get_cookie("session").value
    client.post("/account/two-factor", data={"code": _code(enrolled)})
    signed_in = client.get_cookie("session").value
    assert signed_in != waiting
    assert _with_cookie(app, waiting).get(STAFF_PAGE).status_code == 302
    admin = create_user("boss", "admin")
    accounts.set_roles(enrolled, ["organizer", "auditor"], actor=admin)
    assert client.get(STAFF_PAGE).status_code == 200
    rotated = client.get_cookie("session").value
    assert rotated != signed_in and _last_action()[0] == "session.rotate"
    assert _with_cookie(app, signed_in).get(STAFF_PAGE).status_code == 302
    assert client.get(STAFF_PAGE).status_code == 200


def test_cancelling_the_code_step_ends_the_waiting_session(client, enrolled):
    _password(client, "wangmin")
    assert client.post("/auth/logout").status_code == 302
    response = client.get("/account/two-factor")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
    assert db.session.scalars(select(UserSession.end_reason)).all() == ["logout"]


def test_the_security_page_renews_recovery_codes(client, auth, organizer):
    auth.login("wangmin")
    page = client.get("/account/security").get_data(as_text=True)
    assert "已启用" in page and "10" in page
    renewed = client.post("/account/recovery-codes")
    assert renewed.status_code == 200 and "之前的恢复码已全部作废" in renewed.get_data(as_text=True)
    assert _last_action()[0] == "recovery_codes.renew"


def test_the_reset_command_makes_the_next_sign_in_set_up_again(app, client, enrolled):
    result = app.test_cli_runner().invoke(args=["users", "reset-second-factor", "wangmin"])
    assert result.exit_code == 0 and "removed" in result.output
    assert _last_action()[0] == "second_factor.reset"
    assert "/two-factor/setup" in _password(client, "wangmin").headers["Location"]
    again = app.test_cli_runner().invoke(args=["users", "reset-second-factor", "nobody"])
    assert again.exit_code != 0
