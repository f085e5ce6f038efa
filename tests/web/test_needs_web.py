"""Needs pages: who may post, support and merge; window messages; lists, filters and queries."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from grants.extensions import db
from grants.models import Need, NeedSupport, User, proposal_need
from grants.services import needs
from tests.factories import make_community, make_proposal, make_round
from tests.helpers import audit_count, count_queries, create_user, keyed


def posted(funding_round, author, title="楼道灯坏了", community=None, **fields) -> Need:
    data = needs.NeedData(
        title=title,
        community_id=(community or make_community()).id,
        category=fields.pop("category", "邻里文化"),
        description=fields.pop("description", "三号楼楼道灯坏了"),
        people_affected=fields.pop("people_affected", 20),
    )
    return needs.post_need(funding_round, author, data)


def form(community, **overrides) -> dict:
    data = {
        "title": "小区缺少晾晒场地",
        "community_id": str(community.id),
        "category": "环保",
        "description": "希望在空地设置公共晾晒架",
        "people_affected": "120",
    }
    data.update(overrides)
    return data


def test_resident_posts_a_need(app, client, make_user, login):
    funding_round, community = make_round("needs"), make_community()
    make_user("zhang", "resident", display_name="张桂兰")
    login("zhang")
    assert client.get(f"/needs/new/{funding_round.id}").status_code == 200
    response = client.post(f"/needs/new/{funding_round.id}", data=keyed(form(community)))
    assert response.status_code == 302
    need = db.session.scalars(select(Need)).one()
    page = app.test_client().get(f"/needs/{need.id}").get_data(as_text=True)
    assert "小区缺少晾晒场地" in page and "张**" in page and "张桂兰" not in page


def test_posting_outside_the_window_is_refused_without_audit(client, make_user, login):
    funding_round, community = make_round("judging"), make_community()
    make_user("zhang", "resident")
    login("zhang")
    before = audit_count()
    response = client.post(f"/needs/new/{funding_round.id}", data=keyed(form(community)))
    assert response.status_code == 409
    assert "本轮需求征集已于" in response.get_data(as_text=True)
    assert audit_count() == before and db.session.scalar(select(func.count(Need.id))) == 0


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"title": ""}, "请填写需求标题"),
        ({"people_affected": "很多"}, "请输入整数"),
        ({"category": "体育"}, "请从列表中选择"),
        ({"description": "x" * 2001}, "最多 2000 个字"),
    ],
)
def test_bad_need_form_is_400(client, make_user, login, overrides, message):
    funding_round, community = make_round("needs"), make_community()
    make_user("zhang", "resident")
    login("zhang")
    before = audit_count()
    response = client.post(f"/needs/new/{funding_round.id}", data=keyed(form(community, **overrides)))
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert audit_count() == before


def test_user_text_is_escaped(client, make_user, login):
    funding_round, community = make_round("needs"), make_community()
    make_user("zhang", "resident")
    login("zhang")
    client.post(
        f"/needs/new/{funding_round.id}",
        data=keyed(form(community, title="<img src=x onerror=alert(1)>")),
    )
    need_id = db.session.scalar(select(Need.id))
    for url in (f"/needs/{need_id}", f"/needs/?round={funding_round.id}"):
        page = client.get(url).get_data(as_text=True)
        assert "<img src=x" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page


def test_support_once_then_409(client, make_user, login):
    funding_round = make_round("needs")
    need = posted(funding_round, create_user("author", "resident"))
    make_user("fan", "resident")
    login("fan")
    before = audit_count()
    first = client.post(f"/needs/{need.id}/support", data=keyed())
    assert first.status_code == 303
    second = client.post(f"/needs/{need.id}/support", data=keyed())
    assert second.status_code == 409 and "您已经支持过这条需求" in second.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Need, need.id).support_count == 1
    assert audit_count() == before + 1


def test_cannot_support_own_need(client, login):
    funding_round = make_round("needs")
    need = posted(funding_round, create_user("author", "resident"))
    login("author")
    response = client.post(f"/needs/{need.id}/support", data=keyed())
    assert response.status_code == 403 and "不能支持自己" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(NeedSupport.id))) == 0


def test_support_redirects_back_to_a_local_list_only(client, make_user, login):
    funding_round = make_round("needs")
    first = posted(funding_round, create_user("author", "resident"))
    second = posted(funding_round, create_user("author2", "resident"), title="二")
    make_user("fan", "resident")
    login("fan")
    back = client.post(f"/needs/{first.id}/support", data=keyed({"next": "/needs/?sort=newest"}))
    assert back.headers["Location"].endswith("/needs/?sort=newest")
    away = client.post(f"/needs/{second.id}/support", data=keyed({"next": "//evil.example/"}))
    assert away.headers["Location"].endswith(f"/needs/{second.id}")


@pytest.mark.parametrize(
    "role, status",
    [
        ("judge", 403),
        ("organizer", 403),
        ("finance", 403),
        ("org_member", 403),
        ("resident", 200),
    ],
)
def test_who_may_post_and_support(client, make_user, login, role, status):
    funding_round = make_round("needs")
    need = posted(funding_round, create_user("author", "resident"))
    make_user("someone", role)
    login("someone")
    assert client.get(f"/needs/new/{funding_round.id}").status_code == status
    supported = client.post(f"/needs/{need.id}/support", data=keyed())
    assert supported.status_code == (303 if status == 200 else 403)


@pytest.mark.parametrize(
    "url, method",
    [
        ("/needs/new/{round}", "get"),
        ("/needs/new/{round}", "post"),
        ("/needs/{need}/support", "post"),
        ("/needs/{need}/merge", "post"),
    ],
)
def test_anonymous_is_sent_to_login(client, url, method):
    funding_round = make_round("needs")
    need = posted(funding_round, create_user("author", "resident"))
    response = getattr(client, method)(url.format(round=funding_round.id, need=need.id))
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_public_pages_need_no_login(client):
    funding_round = make_round("needs")
    need = posted(funding_round, create_user("author", "resident"))
    assert client.get("/needs/").status_code == 200
    assert client.get(f"/needs/{need.id}").status_code == 200
    assert client.get("/needs/999").status_code == 404


def test_no_round_yet(client):
    assert "还没有赛事" in client.get("/needs/").get_data(as_text=True)


@pytest.mark.parametrize(
    "role, status",
    [
        ("resident", 403),
        ("judge", 403),
        ("finance", 403),
        ("auditor", 403),
        ("organizer", 303),
        ("admin", 303),
    ],
)
def test_who_may_merge(client, make_user, login, role, status):
    funding_round = make_round("needs")
    author = create_user("author", "resident")
    source, target = posted(funding_round, author), posted(funding_round, author, title="二")
    make_user("someone", role)
    login("someone")
    response = client.post(f"/needs/{source.id}/merge", data={"target_id": target.id})
    assert response.status_code == status
    db.session.expire_all()
    assert db.session.get(Need, source.id).status == ("merged" if status == 303 else "open")


def test_merge_form_and_bad_target(client, make_user, login):
    funding_round = make_round("needs")
    author = create_user("author", "resident")
    source = posted(funding_round, author)
    posted(funding_round, author, title="另一条需求")
    make_user("boss", "organizer")
    login("boss")
    page = client.get(f"/needs/{source.id}").get_data(as_text=True)
    assert "合并重复需求" in page and "另一条需求" in page
    before = audit_count()
    response = client.post(f"/needs/{source.id}/merge", data={"target_id": source.id})
    assert response.status_code == 400 and audit_count() == before


def test_need_page_shows_answering_proposals_and_funded(client):
    funding_round = make_round("needs")
    need = posted(funding_round, create_user("author", "resident"))
    applicant = create_user("team", "resident")
    draft = make_proposal(funding_round, applicant, status="draft", title="草稿项目")
    awarded = make_proposal(funding_round, applicant, status="awarded", title="银龄助餐")
    db.session.execute(
        proposal_need.insert(),
        [
            {"proposal_id": draft.id, "need_id": need.id},
            {"proposal_id": awarded.id, "need_id": need.id},
        ],
    )
    db.session.commit()
    page = client.get(f"/needs/{need.id}").get_data(as_text=True)
    assert "银龄助餐" in page and "已立项" in page and "已立项资助" in page
    assert "草稿项目" not in page


def test_list_sorts_filters_and_paginates(client):
    funding_round = make_round("needs")
    east, west = make_community("东山社区"), make_community("上坊社区")
    author = create_user("author", "resident")
    fans = [create_user(f"fan{i}", "resident") for i in range(3)]
    old = posted(funding_round, author, title="最早的需求", community=east)
    popular = posted(funding_round, author, title="最受支持", community=west, category="助老")
    for fan in fans:
        needs.support_need(popular, fan)
    for i in range(22):
        posted(funding_round, author, title=f"需求{i:02d}", community=east)
    first = client.get(f"/needs/?round={funding_round.id}").get_data(as_text=True)
    assert first.index("最受支持") < first.index("需求21")
    assert "第 1 / 2 页" in first and "最早的需求" not in first
    newest = client.get(f"/needs/?round={funding_round.id}&sort=newest").get_data(as_text=True)
    assert newest.index("需求21") < newest.index("需求20")
    by_place = client.get(f"/needs/?round={funding_round.id}&community={west.id}").get_data(
        as_text=True
    )
    assert "最受支持" in by_place and "需求01" not in by_place
    by_kind = client.get(f"/needs/?round={funding_round.id}&category=助老").get_data(as_text=True)
    assert "最受支持" in by_kind and "需求01" not in by_kind
    second = client.get(f"/needs/?round={funding_round.id}&page=2").get_data(as_text=True)
    assert old.title in second
    assert client.get(f"/needs/?round={funding_round.id}&page=99").status_code == 200


def _list_queries(client, funding_round, count: int) -> int:
    author = db.session.scalar(select(User).where(User.username == "author"))
    for i in range(count):
        posted(funding_round, author, title=f"需求{i}", community=make_community(f"社区{i % 7}"))
    with count_queries() as queries:
        assert client.get(f"/needs/?round={funding_round.id}").status_code == 200
    return queries[0]


def test_list_query_count_does_not_grow(client, make_user, login):
    create_user("author", "resident")
    make_user("fan", "resident")
    login("fan")
    few = _list_queries(client, make_round("needs"), 5)
    many = _list_queries(client, make_round("needs", name="另一轮"), 50)
    assert few == many
