"""Screening pages over HTTP: the queue and its checks, single and batch decisions, access."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from grants.extensions import db
from grants.models import AuditEntry, Proposal
from tests.factories import make_org, make_proposal, make_round
from tests.helpers import audit_count, create_user, login_as


@pytest.fixture
def funding_round(app):
    return make_round("screening")


@pytest.fixture
def applicant(app):
    return create_user("zhanggl", "resident", display_name="张桂兰")


@pytest.fixture
def organizer_client(client, app):
    create_user("wangmin", "organizer")
    login_as(client, "wangmin")
    return client


def _status(proposal_id: int) -> str:
    db.session.expire_all()
    return db.session.get(Proposal, proposal_id).status


def _entries(action: str) -> int:
    return db.session.scalar(select(func.count(AuditEntry.seq)).where(AuditEntry.action == action))


def test_queue_shows_checks_and_hides_drafts(organizer_client, funding_round, applicant):
    org = make_org(1, name="江宁区阳光助老服务中心")
    make_proposal(funding_round, applicant, title="银龄助餐·邻里共享食堂", organisation=org)
    make_proposal(funding_round, applicant, title="银龄助餐 邻里共享食堂")
    make_proposal(funding_round, applicant, title="草稿不应出现", status="draft")
    page = organizer_client.get(f"/screening/?round_id={funding_round.id}").get_data(as_text=True)
    assert "江宁区阳光助老服务中心" in page and "信用代码有效" in page
    assert "居民团队" in page and "疑似重复" in page and "金额在本轮区间内" in page
    assert "草稿不应出现" not in page


def test_single_decision_is_audited_once(organizer_client, funding_round, applicant):
    proposal = make_proposal(funding_round, applicant)
    before = audit_count()
    response = organizer_client.post(
        f"/screening/{proposal.id}/decide", data={"action": "mark_eligible", "reason": ""}
    )
    assert response.status_code == 302
    assert _status(proposal.id) == "eligible"
    assert audit_count() == before + 1 and _entries("proposal.mark_eligible") == 1


@pytest.mark.parametrize("action", ["return", "mark_ineligible"])
def test_reason_is_required(organizer_client, funding_round, applicant, action):
    proposal = make_proposal(funding_round, applicant)
    before = audit_count()
    response = organizer_client.post(
        f"/screening/{proposal.id}/decide", data={"action": action, "reason": " "}
    )
    assert response.status_code == 422
    assert "须填写原因" in response.get_data(as_text=True)
    assert _status(proposal.id) == "submitted" and audit_count() == before


def test_return_tells_the_applicant_the_reason(client, organizer_client, funding_round, applicant):
    proposal = make_proposal(funding_round, applicant)
    organizer_client.post(
        f"/screening/{proposal.id}/decide",
        data={"action": "return", "reason": "请补充<b>活动</b>安排"},
    )
    assert _status(proposal.id) == "returned"
    login_as(client, "zhanggl")
    page = client.get(f"/proposals/{proposal.id}").get_data(as_text=True)
    assert "请补充&lt;b&gt;活动&lt;/b&gt;安排" in page and "退回修改" in page


def test_batch_decision_one_entry_each(organizer_client, funding_round, applicant):
    ids = [make_proposal(funding_round, applicant, title=f"项目{i}").id for i in range(3)]
    before = audit_count()
    response = organizer_client.post(
        "/screening/decide",
        data={
            "ids": ids,
            "action": "mark_eligible",
            "reason": "",
            "round_id": funding_round.id,
            "status": "submitted",
            "page": 1,
        },
    )
    assert response.status_code == 302
    assert {_status(pid) for pid in ids} == {"eligible"}
    assert audit_count() == before + 3


def test_batch_is_all_or_nothing(organizer_client, funding_round, applicant):
    ids = [make_proposal(funding_round, applicant, title=f"项目{i}").id for i in range(2)]
    done = make_proposal(funding_round, applicant, title="早已通过的项目", status="eligible")
    before = audit_count()
    response = organizer_client.post(
        "/screening/decide", data={"ids": ids + [done.id], "action": "return", "reason": "材料不全"}
    )
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "早已通过的项目" in page and "本次未做任何更改" in page
    assert {_status(pid) for pid in ids} == {"submitted"} and audit_count() == before


def test_batch_without_selection_is_400(organizer_client, funding_round):
    response = organizer_client.post("/screening/decide", data={"action": "mark_eligible"})
    assert response.status_code == 400
    assert "至少勾选" in response.get_data(as_text=True)


def test_queue_filters_by_status_and_paginates(organizer_client, funding_round, applicant):
    for i in range(25):
        make_proposal(funding_round, applicant, title=f"社区项目{i:02d}")
    make_proposal(funding_round, applicant, title="已通过项目", status="eligible")
    page = organizer_client.get("/screening/").get_data(as_text=True)
    assert "第 1 / 2 页" in page and "已通过项目" not in page
    page = organizer_client.get("/screening/?status=eligible").get_data(as_text=True)
    assert "已通过项目" in page and "社区项目00" not in page


def test_draft_is_not_reviewable(organizer_client, funding_round, applicant):
    draft = make_proposal(funding_round, applicant, status="draft")
    assert organizer_client.get(f"/screening/{draft.id}").status_code == 404
    assert organizer_client.get("/screening/99999").status_code == 404


ROUTES = [
    ("get", "/screening/"),
    ("get", "/screening/{id}"),
    ("post", "/screening/{id}/decide"),
    ("post", "/screening/decide"),
]


@pytest.mark.parametrize("method, path", ROUTES)
def test_anonymous_is_sent_to_login(client, funding_round, applicant, method, path):
    proposal = make_proposal(funding_round, applicant)
    response = getattr(client, method)(path.format(id=proposal.id))
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


@pytest.mark.parametrize("method, path", ROUTES)
@pytest.mark.parametrize("role", ["resident", "judge", "auditor", "org_member", "finance"])
def test_non_screeners_are_forbidden(client, funding_round, applicant, method, path, role):
    proposal = make_proposal(funding_round, applicant)
    create_user("someone", role)
    login_as(client, "someone")
    before = audit_count()
    response = getattr(client, method)(
        path.format(id=proposal.id), data={"ids": [proposal.id], "action": "mark_eligible"}
    )
    reads = role == "auditor" and method == "get"  # auditors read the queue, decide nothing
    assert response.status_code == (200 if reads else 403)
    assert audit_count() == before and _status(proposal.id) == "submitted"


@pytest.mark.parametrize("role", ["organizer", "admin"])
def test_screeners_may_use_every_page(client, funding_round, applicant, role):
    proposal = make_proposal(funding_round, applicant)
    create_user("staff", role)
    login_as(client, "staff")
    assert client.get("/screening/").status_code == 200
    assert client.get(f"/screening/{proposal.id}").status_code == 200


@pytest.mark.parametrize("role", ["organizer", "admin"])
def test_a_decision_is_audited_as_the_screeners_role(client, funding_round, applicant, role):
    proposal = make_proposal(funding_round, applicant)
    create_user("staff", role)
    login_as(client, "staff")
    page = client.get(f"/screening/{proposal.id}").get_data(as_text=True)
    assert "审查决定" in page
    client.post(f"/screening/{proposal.id}/decide", data={"action": "mark_eligible", "reason": ""})
    entry = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "proposal.mark_eligible")).one()
    assert (entry.object_id, entry.actor_role) == (proposal.id, role)
    page = client.get(f"/screening/{proposal.id}").get_data(as_text=True)
    assert f'action="/screening/{proposal.id}/decide"' not in page
