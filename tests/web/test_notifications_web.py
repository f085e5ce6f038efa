"""The notification inbox: only one's own messages, newest first, paginated; the unread badge."""

from __future__ import annotations

from datetime import timedelta

from flask import render_template_string
from flask_login import login_user
from sqlalchemy import func, select

from grants.extensions import db
from grants.models import Notification
from grants.models.base import utcnow
from grants.services.notifications import notify
from tests.helpers import audit_count, create_user, login_as


def inbox(user, count: int, text: str = "消息") -> None:
    start = utcnow() - timedelta(hours=count)
    for i in range(count):
        note = notify(user.id, f"{text}{i:02d}", "/rounds/")
        note.created_at = start + timedelta(hours=i)
    db.session.commit()


def test_anonymous_is_sent_to_login(client):
    for response in (client.get("/notifications/"), client.post("/notifications/read")):
        assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_only_own_notifications_are_shown(client, login):
    mine, theirs = create_user("mine", "resident"), create_user("theirs", "judge")
    inbox(mine, 2, "我的")
    inbox(theirs, 2, "别人的")
    login("mine")
    page = client.get("/notifications/").get_data(as_text=True)
    assert "我的00" in page and "我的01" in page and "别人的" not in page
    assert page.index("我的01") < page.index("我的00")  # newest first
    assert "notification-unread" in page


def test_every_role_has_an_inbox(client, login):
    for role in ("resident", "org_member", "judge", "organizer", "finance", "auditor", "admin"):
        create_user(role, role)
        login(role)
        assert client.get("/notifications/").status_code == 200


def test_pagination(client, login):
    user = create_user("mine", "resident")
    inbox(user, 25)
    login("mine")
    first = client.get("/notifications/").get_data(as_text=True)
    assert "消息24" in first and "消息04" not in first and "第 1 / 2 页" in first
    second = client.get("/notifications/?page=2").get_data(as_text=True)
    assert "消息04" in second and "消息24" not in second


def test_mark_all_read_touches_only_own_and_is_not_audited(client, login):
    mine, theirs = create_user("mine", "resident"), create_user("theirs", "resident")
    inbox(mine, 3)
    inbox(theirs, 2)
    login("mine")
    before = audit_count()
    assert "3 条未读" in client.get("/notifications/").get_data(as_text=True)
    response = client.post("/notifications/read")
    assert response.status_code == 303
    unread = select(func.count(Notification.id)).where(Notification.read_at.is_(None))
    assert db.session.scalar(unread.where(Notification.user_id == mine.id)) == 0
    assert db.session.scalar(unread.where(Notification.user_id == theirs.id)) == 2
    assert audit_count() == before
    assert "notification-unread" not in client.get("/notifications/").get_data(as_text=True)


def test_unread_count_is_in_every_template(app):
    user = create_user("mine", "resident")
    inbox(user, 4)
    inbox(create_user("theirs", "resident"), 2)
    with app.test_request_context():
        assert render_template_string("{{ unread_count }}") == "0"
        login_user(user)
        assert render_template_string("{{ unread_count }}") == "4"


def test_a_person_sets_and_clears_their_notification_e_mail(client, app):
    from grants.models import User

    create_user("zhanggl", "resident")
    login_as(client, "zhanggl")
    page = client.get("/notifications/").get_data(as_text=True)
    assert 'action="/notifications/email"' in page and "邮件提醒" in page
    response = client.post("/notifications/email", data={"email": "zhang＠example.cn"})
    assert response.status_code == 303
    assert db.session.scalar(select(User.email).where(User.username == "zhanggl")) == (
        "zhang@example.cn")
    assert client.post("/notifications/email", data={"email": "zhang@"}).status_code == 303
    assert "邮箱格式不正确" in client.get("/notifications/").get_data(as_text=True)
    client.post("/notifications/email", data={"email": ""})
    assert db.session.scalar(select(User.email).where(User.username == "zhanggl")) == ""
