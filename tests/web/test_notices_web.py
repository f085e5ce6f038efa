"""Public notice pages and objections: open to everyone, validated, escaped, only in the period;
objectors follow the outcome by receipt link or in their account."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from grants.domain.awards import Candidate
from grants.extensions import db
from grants.models import Notification, User
from grants.models.awards import Objection
from grants.services import awards as award_svc
from grants.services import notices as svc
from tests.factories import make_proposal, make_round
from tests.helpers import audit_count, create_user, keyed, login_as

SCRIPT = "<script>alert('x')</script>"


@pytest.fixture
def notice(app):
    """A notice published today with two awards."""
    organizer = create_user("wangmin", "organizer")
    applicant = create_user("zhangguilan", "resident")
    r = make_round("notice", pool_fen=3_000_000)
    cands = []
    for rank in (1, 2):
        p = make_proposal(r, applicant, status="scored", title=f"项目{rank}")
        cands.append(Candidate(p.id, rank, p.title, Decimal("85"), 1_000_000))
    award_svc.propose_awards(r.id, cands, organizer)
    return svc.publish_notice(r.id, organizer)


def _object_url(notice, index=0):
    return f"/notices/awards/{notice.awards[index].id}/object"


def test_public_pages_are_public(notice, client):
    assert client.get("/notices/").status_code == 200
    page = client.get(f"/notices/{notice.id}").get_data(as_text=True)
    assert "项目1" in page and "¥10,000.00" in page and "提出异议" in page
    form = client.get(_object_url(notice)).get_data(as_text=True)
    assert 'name="phone"' in form and 'name="name"' in form
    for url in (
        "/notices/999",
        "/notices/999.pdf",
        "/notices/awards/999/object",
        "/notices/objections/nope",
    ):
        assert client.get(url).status_code == 404, url


def test_anonymous_objection_gets_a_receipt_with_escaped_text(notice, client):
    before = audit_count()
    response = client.post(
        _object_url(notice), data=keyed({"text": SCRIPT, "name": "李四", "phone": "13912345678"})
    )
    assert response.status_code == 302
    assert audit_count() == before + 1
    objection = db.session.scalar(select(Objection))
    assert response.headers["Location"].endswith(f"/notices/objections/{objection.token}")
    receipt = client.get(response.headers["Location"]).get_data(as_text=True)
    assert SCRIPT not in receipt and "&lt;script&gt;" in receipt
    assert f"YY-{objection.id:06d}" in receipt and "待处理" in receipt
    assert "13912345678" not in receipt and "李四" not in receipt
    public = client.get(f"/notices/{notice.id}").get_data(as_text=True)
    assert "异议 1 件" in public and "李四" not in public and SCRIPT not in public


@pytest.mark.parametrize(
    "data, message",
    [
        ({"text": "", "name": "李四", "phone": "13912345678"}, "请填写异议内容"),
        ({"text": "有异议", "name": "李四", "phone": "1391234"}, "有效的联系电话"),
        ({"text": "有异议", "name": "", "phone": "13912345678"}, "请填写姓名"),
        ({"text": "有异议", "name": "李四", "phone": "<b>13912345678</b>"}, "有效的联系电话"),
    ],
)
def test_bad_objections_are_422_and_change_nothing(notice, client, data, message):
    before = audit_count()
    response = client.post(_object_url(notice), data=keyed(data))
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert audit_count() == before and db.session.scalar(select(Objection)) is None


def test_objections_outside_the_period_are_refused(notice, client):
    notice.starts_on -= timedelta(days=30)
    notice.ends_on -= timedelta(days=30)
    db.session.commit()
    before = audit_count()
    response = client.post(
        _object_url(notice), data=keyed({"text": "有异议", "name": "李四", "phone": "13912345678"})
    )
    assert response.status_code == 409 and "只能在公示期内" in response.get_data(as_text=True)
    assert audit_count() == before
    assert "提出异议</a>" not in client.get(f"/notices/{notice.id}").get_data(as_text=True)


def test_logged_in_objector_follows_the_outcome(notice, client):
    create_user("liujianguo", "resident")
    login_as(client, "liujianguo")
    form = client.get(_object_url(notice)).get_data(as_text=True)
    assert 'name="phone"' not in form
    assert client.post(_object_url(notice, 1), data=keyed({"text": "重复申报"})).status_code == 302
    objection = db.session.scalar(select(Objection))
    assert objection.user_id is not None and objection.phone == ""
    svc.uphold_objection(objection.id, _user("wangmin"), "经核实重复申报")
    mine = client.get("/notices/mine").get_data(as_text=True)
    assert "异议成立" in mine and "经核实重复申报" in mine
    note = db.session.scalar(select(Notification).where(Notification.user_id == objection.user_id))
    assert note.link == f"/notices/objections/{objection.token}"
    assert client.get(note.link).status_code == 200


def _user(username):
    return db.session.scalar(select(User).where(User.username == username))


def test_my_objections_needs_a_login(notice, client):
    response = client.get("/notices/mine")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
