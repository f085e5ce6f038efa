"""Proposal pages over HTTP: the band edges, tiers and caps, deadlines, escaping, idempotent
submit, adding rows without JavaScript, and who may use each route."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from grants.extensions import db
from grants.models import AuditEntry, Proposal, ProposalVersion
from grants.services import proposals
from tests.factories import make_community, make_org, make_proposal, make_round
from tests.helpers import audit_count, create_user, keyed, login_as


def form_data(lines=(("社区食堂食材", "materials", "5000", "1"),), **overrides) -> dict:
    """A complete resident-team proposal as the browser posts it."""
    data = {
        "title": "银龄助餐·邻里共享食堂",
        "community_id": str(make_community().id),
        "category": "助老",
        "beneficiaries": "70 岁以上独居老人",
        "beneficiary_count": "60",
        "background": "老人用餐不便",
        "objectives": "每周三次助餐",
        "outcomes": "60 位老人受益",
        "activities-0-activity": "助餐日",
        "activities-0-dates": "每周一三五",
        "activities-0-place": "社区食堂",
        "team-0-name": "张桂兰",
        "team-1-name": "刘建国",
        "team-2-name": "陈秀英",
        "contact_name": "张桂兰",
        "contact_phone": "13800138000",
        "matching_funds": "",
    }
    for i, (item, category, price, quantity) in enumerate(lines):
        data.update(
            {
                f"budget-{i}-item": item,
                f"budget-{i}-cost_category": category,
                f"budget-{i}-unit_price": price,
                f"budget-{i}-quantity": quantity,
            }
        )
    data.update(overrides)
    return data


@pytest.fixture
def owner(app):
    return create_user("zhanggl", "resident", display_name="张桂兰")


@pytest.fixture
def draft(owner):
    return proposals.create_draft(owner, make_round("submission").id)


@pytest.fixture
def signed_in(client, owner):
    login_as(client, "zhanggl")
    return client


def _submit(client, proposal_id, data):
    """Post the whole form with 提交申报, confirmed (as the page's script confirms it)."""
    return client.post(f"/proposals/{proposal_id}/submit",
                       data={**data, "submit": "提交申报", "confirmed": "1", "draft_form": "1"})


def _status(proposal_id):
    db.session.expire_all()
    return db.session.get(Proposal, proposal_id).status


@pytest.mark.parametrize(
    "lines, ok, message",
    [
        ((("场地", "venue", "4999.99", "1"),), False, "申请金额 ¥4,999.99 低于本轮下限 ¥5,000.00"),
        ((("场地", "venue", "5000.00", "1"),), True, None),
        ((("场地", "venue", "15000.00", "1"),), True, None),
        (
            (("场地", "venue", "15000", "1"), ("纸杯", "materials", "0.01", "1")),
            False,
            "申请金额 ¥15,000.01 高于本轮上限 ¥15,000.00",
        ),
    ],
)
def test_band_edges_through_the_form(signed_in, draft, lines, ok, message):
    before = audit_count()
    response = _submit(signed_in, draft.id, form_data(lines))
    if ok:
        assert response.status_code == 302
        assert _status(draft.id) == "submitted"
        assert audit_count() == before + 1
    else:
        assert response.status_code == 422
        assert message in response.get_data(as_text=True)
        assert _status(draft.id) == "draft"
        assert audit_count() == before + 1, "the readable inputs are kept as the draft"


def test_tier_violation_is_refused(signed_in, owner):
    funding_round = make_round("submission", tiers=[500000, 1000000, 1500000])
    draft = proposals.create_draft(owner, funding_round.id)
    response = _submit(signed_in, draft.id, form_data((("场地", "venue", "12000", "1"),)))
    assert response.status_code == 422
    assert "申请金额须为本轮档位之一：¥5,000.00 / ¥10,000.00 / ¥15,000.00" in response.get_data(
        as_text=True
    )
    assert _status(draft.id) == "draft"
    assert (
        _submit(signed_in, draft.id, form_data((("场地", "venue", "10000", "1"),))).status_code
        == 302
    )


def test_cap_violation_is_refused(signed_in, owner):
    funding_round = make_round("submission", caps=[{"cost_category": "personnel", "max_pct": 30}])
    draft = proposals.create_draft(owner, funding_round.id)
    lines = (("社工劳务", "personnel", "4000", "1"), ("食材", "materials", "6000", "1"))
    response = _submit(signed_in, draft.id, form_data(lines))
    assert response.status_code == 422
    assert "人员费 ¥4,000.00 占申请金额的 40.0%，超过本轮上限 30%" in response.get_data(
        as_text=True
    )


def test_problems_appear_next_to_their_inputs(signed_in, draft):
    data = form_data(
        (("", "materials", "abc", "1"),), title="", **{"team-1-name": "", "team-2-name": ""}
    )
    response = _submit(signed_in, draft.id, data)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="budget-0-unit_price"' in page and "第 1 行单价" in page
    assert 'class="form-control is-invalid" id="title"' in page and "请填写项目名称（必填）" in page
    assert "居民团队至少需要 3 名成员" in page
    assert _status(draft.id) == "draft"


def test_submission_after_the_deadline_is_refused(signed_in, owner):
    funding_round = make_round("screening")
    late = proposals.create_draft(
        owner, funding_round.id, now=funding_round.submit_close - timedelta(hours=1)
    )
    before = audit_count()
    response = _submit(signed_in, late.id, form_data())
    assert response.status_code == 409
    assert "本轮申报已于" in response.get_data(as_text=True)
    assert audit_count() == before and _status(late.id) == "draft"


def test_double_clicked_submit_lands_once(signed_in, draft):
    data = form_data()
    first = _submit(signed_in, draft.id, data)
    second = _submit(signed_in, draft.id, data)
    assert first.status_code == second.status_code == 302
    actions = select(func.count(AuditEntry.seq)).where(AuditEntry.action == "proposal.submit")
    assert db.session.scalar(actions) == 1
    assert db.session.scalar(select(func.count(ProposalVersion.id))) == 1
    page = signed_in.get(second.headers["Location"]).get_data(as_text=True)
    assert "无需重复提交" in page


def test_save_draft_keeps_partial_work(signed_in, draft):
    data = {
        "title": "四点半课堂",
        "budget-0-item": "教材",
        "budget-0-cost_category": "materials",
        "budget-0-unit_price": "12.5",
        "budget-0-quantity": "4",
        "save": "保存草稿",
    }
    response = signed_in.post(f"/proposals/{draft.id}/edit", data=data)
    assert response.status_code == 302
    db.session.expire_all()
    saved = db.session.get(Proposal, draft.id)
    assert (saved.title, saved.requested_fen, saved.status) == ("四点半课堂", 5000, "draft")
    page = signed_in.get(f"/proposals/{draft.id}/edit").get_data(as_text=True)
    assert 'value="12.50"' in page


def test_add_row_button_works_without_javascript(signed_in, draft):
    data = form_data(add_line="添加一行")
    before = audit_count()
    response = signed_in.post(f"/proposals/{draft.id}/edit", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'name="budget-1-item"' in page and 'value="社区食堂食材"' in page
    assert audit_count() == before
    page = signed_in.post(
        f"/proposals/{draft.id}/edit", data=form_data(add_member="添加一行")
    ).get_data(as_text=True)
    assert 'name="team-3-name"' in page


def test_typed_html_comes_back_escaped(signed_in, draft):
    evil = "<script>alert(1)</script>"
    data = form_data(
        ((evil, "materials", "5000", "1"),),
        title=f"标题{evil}",
        background=evil,
        **{"team-0-name": evil, "activities-0-activity": evil},
    )
    assert _submit(signed_in, draft.id, data).status_code == 302
    page = signed_in.get(f"/proposals/{draft.id}").get_data(as_text=True)
    assert evil not in page
    assert page.count("&lt;script&gt;alert(1)&lt;/script&gt;") >= 5


def test_resubmission_shows_changes_to_the_organizer(client, owner, draft):
    login_as(client, "zhanggl")
    _submit(client, draft.id, form_data())
    organizer = create_user("wangmin", "organizer")
    from grants.services.screening import decide

    decide(organizer, [draft.id], "return", "请补充宣传费用")
    lines = (("社区食堂食材", "materials", "5000", "1"), ("宣传海报", "publicity", "100", "5"))
    assert _submit(client, draft.id, form_data(lines)).status_code == 302
    assert _status(draft.id) == "submitted"
    login_as(client, "wangmin")
    page = client.get(f"/screening/{draft.id}").get_data(as_text=True)
    assert "与上一版相比的修改" in page and "预算第 2 行（新增）" in page


def test_withdraw(signed_in, draft):
    response = signed_in.post(f"/proposals/{draft.id}/withdraw")
    assert response.status_code == 302 and _status(draft.id) == "withdrawn"
    assert signed_in.post(f"/proposals/{draft.id}/withdraw").status_code == 409


def test_new_creates_a_draft_in_an_open_round(signed_in):
    funding_round = make_round("submission")
    make_round("judging")
    page = signed_in.get("/proposals/new").get_data(as_text=True)
    assert page.count("<option") == 1
    response = signed_in.post("/proposals/new", data=keyed({"round_id": funding_round.id}))
    assert response.status_code == 302 and "/edit" in response.headers["Location"]


def test_a_resent_new_proposal_form_creates_one_draft(signed_in):
    funding_round = make_round("submission")
    form = keyed({"round_id": funding_round.id})
    first, again = (signed_in.post("/proposals/new", data=form) for _ in range(2))
    assert again.headers["Location"] == first.headers["Location"]
    assert db.session.scalar(select(func.count(Proposal.id))) == 1


def test_org_member_applies_as_the_organisation(client, app):
    org = make_org(1)
    create_user("org1", "org_member", organisation_id=org.id)
    funding_round = make_round("submission")
    login_as(client, "org1")
    client.post("/proposals/new", data=keyed({"round_id": funding_round.id}))
    proposal = db.session.scalars(select(Proposal)).one()
    assert proposal.organisation_id == org.id
    data = form_data(**{"team-0-name": "", "team-1-name": "", "team-2-name": ""})
    assert _submit(client, proposal.id, data).status_code == 302


def test_mine_lists_only_my_proposals_with_status(signed_in, owner, draft):
    other = create_user("liujg", "resident")
    make_proposal(draft.round, other, title="别人的项目")
    page = signed_in.get("/proposals/").get_data(as_text=True)
    assert "草稿" in page and "别人的项目" not in page


# --------------------------------------------------------------------------------------------
# Who may use each route


ROUTES = [
    ("get", "/proposals/{id}"),
    ("get", "/proposals/{id}/edit"),
    ("post", "/proposals/{id}/edit"),
    ("post", "/proposals/{id}/submit"),
    ("post", "/proposals/{id}/withdraw"),
    ("post", "/proposals/{id}/recall"),
    ("post", "/proposals/{id}/autosave"),
    ("post", "/proposals/{id}/attachments"),
]


@pytest.mark.parametrize("method, path", ROUTES)
def test_anonymous_is_sent_to_login(client, draft, method, path):
    response = getattr(client, method)(path.format(id=draft.id))
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


@pytest.mark.parametrize("method, path", ROUTES)
@pytest.mark.parametrize("username, role", [("liujg", "resident"), ("judge1", "judge")])
def test_other_people_get_404(client, draft, method, path, username, role):
    create_user(username, role)
    login_as(client, username)
    before = audit_count()
    response = getattr(client, method)(path.format(id=draft.id), data=form_data())
    assert response.status_code == 404
    assert audit_count() == before and _status(draft.id) == "draft"


@pytest.mark.parametrize(
    "username, role", [("wangmin", "organizer"), ("root", "admin"), ("sunhua", "auditor")]
)
def test_staff_read_but_do_not_edit(client, draft, username, role):
    create_user(username, role)
    login_as(client, username)
    assert client.get(f"/proposals/{draft.id}").status_code == 200
    assert client.get(f"/proposals/{draft.id}/edit").status_code == 404
    assert client.post(f"/proposals/{draft.id}/submit", data=form_data()).status_code == 404


@pytest.mark.parametrize(
    "role, status", [("judge", 403), ("organizer", 403), ("resident", 200), ("org_member", 200)]
)
def test_new_is_for_applicants(client, app, role, status):
    create_user("someone", role)
    login_as(client, "someone")
    assert client.get("/proposals/new").status_code == status


def test_mine_requires_login(client):
    assert client.get("/proposals/").status_code == 302


@pytest.mark.parametrize(("field", "value", "message", "linked"), [
    ("budget-0-unit_price", "30000000", "不能超过 ¥15,000.00", "budget-0-unit_price"),
    ("budget-0-quantity", "10000", "超过单个项目上限 ¥15,000.00", "budget-0-unit_price"),
    ("matching_funds", "99999999", "不能超过 ¥10,000,000.00", "matching_funds"),
    ("beneficiary_count", "99999999999", "不超过 1,000,000", "beneficiary_count"),
])
def test_a_huge_number_in_a_draft_is_not_saved_but_every_other_input_is(
        signed_in, draft, field, value, message, linked):
    data = {"title": "四点半课堂", "budget-0-item": "教材", "budget-0-cost_category": "materials",
            "budget-0-unit_price": "5000", "budget-0-quantity": "2", "save": "保存草稿",
            "beneficiary_count": "40", "matching_funds": "100", field: value}
    response = signed_in.post(f"/proposals/{draft.id}/edit", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in page and f'value="{value}"' in page, "what was typed is shown again"
    assert f'href="#{linked}"' in page, "the summary links to the input"
    db.session.expire_all()
    saved = db.session.get(Proposal, draft.id)
    assert saved.title == "四点半课堂" and saved.lines[0].item == "教材"
    kept = {"beneficiary_count": saved.beneficiary_count, "matching_funds": saved.matching_funds_fen,
            "budget-0-unit_price": saved.lines[0].unit_price_fen,
            "budget-0-quantity": saved.lines[0].quantity}
    expected = {"beneficiary_count": 40, "matching_funds": 10000,
                "budget-0-unit_price": 500000, "budget-0-quantity": 2}
    for name, stored in kept.items():
        assert stored != expected[name] if name == field else stored == expected[name], name


def test_a_failed_submission_keeps_what_was_corrected(signed_in, draft):
    data = form_data(title="改好的标题", **{"budget-0-unit_price": "12.3.4"})
    response = _submit(signed_in, draft.id, data)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'href="#budget-0-unit_price"' in page and 'value="12.3.4"' in page
    db.session.expire_all()
    saved = db.session.get(Proposal, draft.id)
    assert (saved.title, saved.status, saved.contact_phone) == ("改好的标题", "draft", "13800138000")


def test_submitting_asks_for_confirmation_first_and_works_without_javascript(signed_in, draft):
    data = {**form_data(), "submit": "提交申报", "draft_form": "1"}
    response = signed_in.post(f"/proposals/{draft.id}/submit", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "确认提交" in page and "¥5,000.00" in page
    assert _status(draft.id) == "draft"
    assert db.session.get(Proposal, draft.id).title == "银龄助餐·邻里共享食堂", "saved first"
    confirmed = signed_in.post(f"/proposals/{draft.id}/submit",
                               data={"confirmed": "1", "submit": "1"})
    assert confirmed.status_code == 302 and _status(draft.id) == "submitted"


def test_required_inputs_are_marked(signed_in, draft):
    page = signed_in.get(f"/proposals/{draft.id}/edit").get_data(as_text=True)
    assert page.count('<span class="text-danger" aria-hidden="true">*</span>') >= 12
    assert 'id="title" maxlength="50" name="title" required' in page


def test_upload_from_the_form_keeps_the_unsaved_inputs(signed_in, draft):
    from io import BytesIO
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    data = {**form_data(title="上传前输入的标题"), "draft_form": "1", "upload": "上传附件",
            "file": (BytesIO(pdf), "方案.pdf")}
    response = signed_in.post(f"/proposals/{draft.id}/attachments", data=data,
                              content_type="multipart/form-data")
    assert response.status_code == 302 and response.headers["Location"].endswith("#attachments")
    page = signed_in.get(response.headers["Location"]).get_data(as_text=True)
    assert 'value="上传前输入的标题"' in page and "方案.pdf" in page


def test_autosave_keeps_the_draft_and_answers_in_json(signed_in, draft):
    data = {"title": "自动保存的标题", "budget-0-unit_price": "abc", "draft_form": "1"}
    answer = signed_in.post(f"/proposals/{draft.id}/autosave", data=data).get_json()
    assert answer["saved"] is True
    assert [p["href"] for p in answer["problems"]] == ["#budget-0-unit_price"]
    assert db.session.get(Proposal, draft.id).title == "自动保存的标题"


def test_a_submitted_proposal_is_recalled_changed_and_resubmitted(signed_in, draft):
    assert _submit(signed_in, draft.id, form_data()).status_code == 302
    page = signed_in.get(f"/proposals/{draft.id}").get_data(as_text=True)
    assert f'action="/proposals/{draft.id}/recall"' in page
    response = signed_in.post(f"/proposals/{draft.id}/recall")
    assert response.status_code == 302 and _status(draft.id) == "draft"
    lines = (("社区食堂食材", "materials", "6000", "1"),)
    assert _submit(signed_in, draft.id, form_data(lines)).status_code == 302
    assert _status(draft.id) == "submitted"
    versions = db.session.scalars(select(ProposalVersion.snapshot).where(
        ProposalVersion.proposal_id == draft.id).order_by(ProposalVersion.version)).all()
    assert [v["requested_fen"] for v in versions] == [500000, 600000]
    recalls = select(func.count(AuditEntry.seq)).where(AuditEntry.action == "proposal.recall")
    assert db.session.scalar(recalls) == 1


def test_recall_is_refused_once_the_deadline_passed(signed_in, owner):
    funding_round = make_round("screening")
    late = make_proposal(funding_round, owner)
    assert signed_in.post(f"/proposals/{late.id}/recall").status_code == 409
    assert _status(late.id) == "submitted"
    assert 'action="/proposals/{late.id}/recall"' not in signed_in.get(
        f"/proposals/{late.id}").get_data(as_text=True)


# --------------------------------------------------------------------------------------------
# An organisation's proposal belongs to every member of the organisation


@pytest.fixture
def org_draft(app):
    """A draft of organisation 1 by ``org1``; ``org1b`` is a colleague, ``org2`` is not."""
    org = make_org(1)
    applicant = create_user("org1", "org_member", organisation_id=org.id)
    create_user("org1b", "org_member", organisation_id=org.id)
    create_user("org2", "org_member", organisation_id=make_org(2).id)
    return proposals.create_draft(applicant, make_round("submission").id)


def _org_form() -> dict:
    return form_data(**{"team-0-name": "", "team-1-name": "", "team-2-name": ""})


def test_an_organisation_colleague_views_edits_submits_and_withdraws(client, org_draft):
    login_as(client, "org1b")
    assert f"/proposals/{org_draft.id}/edit" in client.get("/proposals/").get_data(as_text=True)
    page = client.get(f"/proposals/{org_draft.id}").get_data(as_text=True)
    assert "修改并提交" in page and "撤回申报" in page
    assert client.get(f"/proposals/{org_draft.id}/edit").status_code == 200
    saved = client.post(f"/proposals/{org_draft.id}/edit", data={"title": "四点半课堂",
                                                                 "save": "保存草稿"})
    assert saved.status_code == 302
    assert _submit(client, org_draft.id, _org_form()).status_code == 302
    assert _status(org_draft.id) == "submitted"
    assert client.post(f"/proposals/{org_draft.id}/withdraw").status_code == 302
    assert _status(org_draft.id) == "withdrawn"
    entry = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "proposal.withdraw")).one()
    assert entry.actor_role == "applicant"


@pytest.mark.parametrize("method, path", ROUTES)
def test_a_member_of_another_organisation_gets_404(client, org_draft, method, path):
    login_as(client, "org2")
    before = audit_count()
    response = getattr(client, method)(path.format(id=org_draft.id), data=_org_form())
    assert response.status_code == 404
    assert audit_count() == before and _status(org_draft.id) == "draft"
    assert f'href="/proposals/{org_draft.id}"' not in client.get("/proposals/").get_data(
        as_text=True)


def test_withdraw_over_http_is_audited_as_the_applicant(signed_in, owner, draft):
    signed_in.post(f"/proposals/{draft.id}/withdraw")
    entry = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "proposal.withdraw")).one()
    assert (entry.actor_id, entry.actor_role, entry.object_id) == (owner.id, "applicant", draft.id)


def test_buttons_follow_the_lifecycle(signed_in, draft):
    withdraw = f'action="/proposals/{draft.id}/withdraw"'
    page = signed_in.get(f"/proposals/{draft.id}").get_data(as_text=True)
    assert "修改并提交" in page and withdraw in page
    assert _submit(signed_in, draft.id, form_data()).status_code == 302
    page = signed_in.get(f"/proposals/{draft.id}").get_data(as_text=True)
    assert "修改并提交" not in page and withdraw in page
    signed_in.post(f"/proposals/{draft.id}/withdraw")
    page = signed_in.get(f"/proposals/{draft.id}").get_data(as_text=True)
    assert "修改并提交" not in page and withdraw not in page and "已撤回" in page
