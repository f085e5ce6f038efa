"""Accounts, login throttling, CSRF, security headers and language choice over HTTP."""

from __future__ import annotations

import pytest

from grants.demo import demo_uscc
from grants.extensions import db
from grants.models import LoginAttempt, Organisation, User
from tests.helpers import PASSWORD, audit_count, create_user


def test_login_and_logout_are_audited(client, app):
    create_user("wangmin", "resident")
    before = audit_count()
    response = client.post("/auth/login", data={"username": "wangmin", "password": PASSWORD})
    assert response.status_code == 302
    assert client.post("/auth/logout").status_code == 302
    assert audit_count() == before + 2


def _last_entry():
    from sqlalchemy import select

    from grants.models import AuditEntry

    return db.session.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc())).first()


def test_a_session_is_recorded_as_the_account_with_all_its_roles(client, auth):
    account = create_user("lijing", "auditor", "finance")
    auth.login("lijing")
    entry = _last_entry()
    assert (entry.action, entry.actor_id, entry.actor_role) == ("auth.login", account.id, "public")
    assert '"roles":["auditor","finance"]' in entry.payload
    client.post("/auth/logout")
    assert (_last_entry().action, _last_entry().actor_id) == ("auth.logout", account.id)
    client.post("/auth/login", data={"username": "lijing", "password": "wrong-pass"})
    entry = _last_entry()
    assert (entry.action, entry.actor_id, entry.actor_role) == ("auth.login_fail", None, "public")


def test_failed_login_is_audited_and_answers_401(client):
    create_user("wangmin", "organizer")
    before = audit_count()
    response = client.post("/auth/login", data={"username": "wangmin", "password": "wrong-pass"})
    assert response.status_code == 401
    assert "用户名或密码不正确".encode() in response.data
    assert audit_count() == before + 1


def test_eleventh_failure_is_throttled_with_retry_after(client):
    create_user("wangmin", "organizer")
    for _ in range(10):
        client.post("/auth/login", data={"username": "wangmin", "password": "wrong-pass"})
    response = client.post("/auth/login", data={"username": "wangmin", "password": PASSWORD})
    assert response.status_code == 429
    assert 0 < int(response.headers["Retry-After"]) <= 15 * 60
    assert db.session.query(LoginAttempt).count() == 10


def test_throttling_by_address_covers_other_accounts(client, app):
    app.config["LOGIN_MAX_ADDRESS_FAILURES"] = 10
    for i in range(10):
        client.post("/auth/login", data={"username": f"nobody{i}", "password": "wrong-pass"})
    response = client.post("/auth/login", data={"username": "someone", "password": "x" * 9})
    assert response.status_code == 429


def test_resident_registration_refuses_common_and_short_passwords(client):
    base = {"username": "zhanggl", "display_name": "张桂兰", "community_id": 0}
    for password, message in (("short", "至少需要 8 个字符"), ("password123", "太常见")):
        response = client.post("/auth/register", data={**base, "password": password,
                                                       "confirm": password})
        assert response.status_code == 400
        assert message.encode() in response.data
    assert db.session.query(User).count() == 0
    long_password = "床前明月光疑是地上霜举头望明月低头思故乡白日依山尽黄河入海流欲穷千里目更上一层楼春眠不觉晓处处闻啼鸟"
    response = client.post("/auth/register", data={**base, "password": long_password,
                                                    "confirm": long_password})
    assert response.status_code == 302


def _org_form(**overrides):
    form = {"org_name": "阳光助老服务中心", "uscc": demo_uscc(1), "contact_name": "李静",
            "contact_phone": "13912345678", "bank_account": "6222 0210 0000 1234",
            "username": "yangguang", "display_name": "李静", "password": "Sunny-Days-2026",
            "confirm": "Sunny-Days-2026"}
    form.update(overrides)
    return form


def test_organisation_registration_validates_the_credit_code(client):
    response = client.post("/auth/register/organisation", data=_org_form(uscc="91320115MA1W8XQK9"))
    assert response.status_code == 400
    assert "统一社会信用代码".encode() in response.data
    assert db.session.query(Organisation).count() == 0
    assert client.post("/auth/register/organisation", data=_org_form()).status_code == 302
    org = db.session.query(Organisation).one()
    assert org.bank_account == "6222021000001234"


@pytest.mark.parametrize("field,value", [
    ("org_name", ""), ("contact_phone", "12345"), ("bank_account", "abc-123"),
    ("username", "<script>"), ("uscc", "x" * 30),
])
def test_organisation_registration_bad_input_is_400_and_changes_nothing(client, field, value):
    before = audit_count()
    response = client.post("/auth/register/organisation", data=_org_form(**{field: value}))
    assert response.status_code == 400
    assert audit_count() == before


def test_html_in_names_comes_back_escaped(client, login):
    create_user("admin", "admin")
    create_user("evil", "judge", display_name="<script>alert(1)</script>")
    login("admin")
    page = client.get("/admin/users").data
    assert b"<script>alert(1)</script>" not in page
    assert b"&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_post_without_csrf_token_is_400(app):
    app.config["WTF_CSRF_ENABLED"] = True
    client = app.test_client()
    response = client.post("/auth/login", data={"username": "a", "password": "b"})
    assert response.status_code == 400
    assert "安全令牌".encode() in response.data


@pytest.mark.parametrize("path", ["/", "/auth/login", "/no-such-page"])
def test_every_html_response_carries_security_headers(client, path):
    response = client.get(path)
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"]


def test_session_cookie_is_httponly_and_lax(client):
    create_user("wangmin", "organizer")
    response = client.post("/auth/login", data={"username": "wangmin", "password": PASSWORD})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_language_choice_is_remembered(client):
    assert "登录".encode() in client.get("/auth/login").data
    client.post("/lang/en", data={"next": "/auth/login"})
    page = client.get("/auth/login").data
    assert b"Log in" in page
    assert client.post("/lang/xx").status_code == 404


def test_language_switch_never_redirects_off_site(client):
    response = client.post("/lang/en", data={"next": "//evil.example/"})
    assert response.headers["Location"] == "/"


def test_admin_creates_staff_and_changes_roles(client, login):
    admin = create_user("admin", "admin")
    login("admin")
    response = client.post("/admin/users/new", data={
        "username": "judge9", "display_name": "评审九", "password": "Judge-Nine-2026",
        "roles": ["judge", "finance"]})
    assert response.status_code == 302
    judge = db.session.query(User).filter_by(username="judge9").one()
    assert judge.roles == {"judge", "finance"}
    before = audit_count()
    client.post(f"/admin/users/{judge.id}/roles", data={"roles": ["judge"]})
    db.session.refresh(judge)
    assert judge.roles == {"judge"} and audit_count() == before + 1
    response = client.post(f"/admin/users/{admin.id}/roles", data={"roles": ["judge"]})
    assert response.status_code == 400
    assert client.post("/admin/users/new", data={"username": "x", "roles": ["pope"]}).status_code == 400


def test_auditor_page_filters_and_shows_head(client, login):
    create_user("auditor", "auditor")
    login("auditor")
    page = client.get("/audit/?action=auth.login").data.decode()
    assert "auth.login" in page and "account.create" not in page
    assert client.get("/audit/?since=not-a-date&object=user:abc&page=99").status_code == 200
    huge = "9" * 25
    assert client.get(f"/audit/?actor={huge}&object=user:{huge}").status_code == 200


def test_home_lists_rounds_with_their_phase(client):
    from tests.factories import make_round

    make_round("submission", name="第九届<b>测试</b>赛事")
    page = client.get("/").data.decode()
    assert "第九届&lt;b&gt;测试&lt;/b&gt;赛事" in page
    assert "项目申报" in page


def test_a_refusal_a_view_lets_through_answers_with_its_status_and_reasons(app, client):
    from grants.domain.budget import Problem
    from grants.domain.errors import Refusal

    def refused():
        problems = [Problem("pool", "资金池不足"), Problem("tiers", "档位有误")]
        raise Refusal("资金池不足", problems=problems, status=409)

    app.add_url_rule("/refused-for-test", "refused_for_test", refused)
    page = client.get("/refused-for-test")
    assert page.status_code == 409
    text = page.get_data(as_text=True)
    assert "资金池不足" in text and "档位有误" in text
    answer = client.get("/refused-for-test", headers={"Accept": "application/json"})
    assert answer.status_code == 409
    assert answer.json["detail"] == "资金池不足"
    assert answer.json["problems"] == [{"field": "pool", "message": "资金池不足"},
                                       {"field": "tiers", "message": "档位有误"}]
