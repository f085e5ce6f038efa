"""Announcements: sanitised on the way in, each state change audited once, shown on the
portal only while published, and written only by organizers."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from grants.domain.announcements import ALLOWED_TAGS, sanitize
from grants.domain.errors import Refusal
from grants.extensions import db
from grants.models import AuditEntry
from grants.services.portal import announcements
from tests.helpers import create_user, login_as

HOSTILE = ('<p onclick="x()">通知<script>alert(1)</script><a href="javascript:alert(1)">坏链接</a>'
           '<a href="https://example.cn" target="_blank">好链接</a><img src=x onerror=y>'
           '<iframe src="//evil"></iframe><style>p{}</style></p>')


def _actions(object_id: int) -> list[str]:
    return list(db.session.scalars(select(AuditEntry.action).where(
        AuditEntry.object_type == "announcement", AuditEntry.object_id == object_id)
        .order_by(AuditEntry.seq)))


@pytest.mark.parametrize(("typed", "kept"), [
    ("<p>ok</p>", "<p>ok</p>"),
    ("<script>alert(1)</script><p>x</p>", "<p>x</p>"),
    ('<a href="javascript:alert(1)">x</a>', '<a rel="noopener noreferrer nofollow">x</a>'),
    ('<p style="color:red" onclick="x">y</p>', "<p>y</p>"),
    ("<img src=x onerror=alert(1)>z", "z"),
])
def test_the_body_is_sanitised(typed, kept):
    assert sanitize(typed) == kept


def test_the_allowed_tags_are_only_formatting():
    assert not ALLOWED_TAGS & {"script", "style", "img", "iframe", "object", "form", "input"}


def test_each_state_change_is_audited_once(app):
    organizer = create_user("wangmin", "organizer")
    row = announcements.create("立项结果", HOSTILE, organizer)
    assert "script" not in row.body_html and "onclick" not in row.body_html
    assert "javascript" not in row.body_html and 'href="https://example.cn"' in row.body_html
    assert announcements.edit(row.id, "立项结果", HOSTILE, organizer) is False
    assert announcements.edit(row.id, "立项结果公告", HOSTILE, organizer) is True
    announcements.publish(row.id, organizer)
    announcements.withdraw(row.id, organizer)
    announcements.publish(row.id, organizer)
    assert _actions(row.id) == ["announcement.create", "announcement.edit",
                                "announcement.publish", "announcement.withdraw",
                                "announcement.publish"]


def test_only_organizers_write_and_a_withdrawn_one_cannot_be_withdrawn(app):
    resident = create_user("zhang", "resident")
    with pytest.raises(Refusal) as refused:
        announcements.create("x", "<p>y</p>", resident)
    assert refused.value.status == 403
    organizer = create_user("wangmin", "organizer")
    row = announcements.create("x", "<p>y</p>", organizer)
    with pytest.raises(Refusal):
        announcements.withdraw(row.id, organizer)
    with pytest.raises(Refusal) as empty:
        announcements.create("x", "<script>only</script>", organizer)
    assert empty.value.status == 422


def test_the_portal_shows_only_published_announcements(app, client):
    organizer = create_user("wangmin", "organizer")
    draft = announcements.create("草稿公告", "<p>未发布</p>", organizer)
    shown = announcements.create("已发布公告", HOSTILE, organizer)
    announcements.publish(shown.id, organizer)
    page = client.get("/open/").get_data(as_text=True)
    assert "已发布公告" in page and "草稿公告" not in page
    assert client.get(f"/open/announcements/{draft.id}").status_code == 404
    body = client.get(f"/open/announcements/{shown.id}").get_data(as_text=True)
    assert "好链接" in body and "<script>alert" not in body and "onerror" not in body
    announcements.withdraw(shown.id, organizer)
    assert client.get(f"/open/announcements/{shown.id}").status_code == 404


def test_the_organizer_pages_create_and_publish(app, client):
    create_user("wangmin", "organizer")
    login_as(client, "wangmin")
    response = client.post("/open/manage/announcements",
                           data={"title": "新公告", "body": "<p>正文</p><script>x</script>"})
    assert response.status_code == 302
    row = announcements.all_for_staff()[0]
    assert row.body_html == "<p>正文</p>"
    assert client.post(f"/open/manage/announcements/{row.id}/publish").status_code == 302
    assert "新公告" in client.get("/open/announcements").get_data(as_text=True)
    assert client.get(f"/open/manage/announcements/{row.id}").status_code == 200
