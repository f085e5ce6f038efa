"""Round pages: who may use them, the round form's edge cases, escaping and the timeline."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from grants.extensions import db
from grants.models import AuditEntry, FundingRound
from tests.factories import make_round
from tests.helpers import audit_count


def round_form(**overrides) -> dict:
    """A valid round form as posted by a browser (times are Beijing wall-clock)."""
    data = {
        "name": "第九届公益创投微项目",
        "round_no": "9",
        "district": "江宁区",
        "street": "东山街道",
        "district_code": "JN",
        "description": "社区微项目",
        "pool": "150,000",
        "band_min": "5000",
        "band_max": "15000",
        "tiers": "",
        "categories": "助老、助幼、环保",
        "needs_open": "2027-03-01T09:00",
        "needs_close": "2027-03-20T18:00",
        "submit_open": "2027-03-21T09:00",
        "submit_close": "2027-04-10T18:00",
        "return_deadline": "2027-04-15T18:00",
        "screening_close": "2027-04-20T18:00",
        "judging_open": "2027-04-21T09:00",
        "judging_close": "2027-04-30T18:00",
        "notice_days": "5",
        "implementation_start": "2027-05-10",
        "implementation_end": "2027-11-30",
    }
    data.update(overrides)
    return data


def round_count() -> int:
    return db.session.scalar(select(func.count(FundingRound.id)))


@pytest.fixture
def organizer(make_user, login):
    make_user("wangmin", "organizer")
    login("wangmin")


def test_organizer_creates_a_round_stored_in_utc_and_audited(client, organizer):
    response = client.post(
        "/rounds/new", data=round_form(tiers="5000 / 10,000 / 15000", cap_personnel="30%")
    )
    assert response.status_code == 302
    saved = db.session.scalars(select(FundingRound)).one()
    assert saved.pool_fen == 15_000_000
    assert saved.needs_open == datetime(2027, 3, 1, 1, 0)  # 09:00 Beijing = 01:00 UTC
    assert saved.implementation_start.isoformat() == "2027-05-10"
    assert saved.tiers == [500_000, 1_000_000, 1_500_000]
    assert saved.caps == [{"cost_category": "personnel", "max_pct": 30}]
    assert saved.categories == ["助老", "助幼", "环保"]
    entry = db.session.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc())).first()
    assert entry.action == "round.create" and entry.object_id == saved.id


def test_new_round_form_offers_site_defaults(client, organizer):
    page = client.get("/rounds/new").get_data(as_text=True)
    assert 'value="5000"' in page and 'value="15000"' in page
    assert "助老、助幼、助残、助困、环保、邻里文化、志愿服务、其他" in page


@pytest.mark.parametrize(
    "pool, message",
    [
        ("", "请输入金额"),
        ("-100", "金额不能为负数"),
        ("十万", "不是有效的金额"),
        ("abc", "不是有效的金额"),
        ("99999999999999", "金额过大"),
        ("20000000", "资金池 ¥20,000,000.00 过大"),
        ("1e6", "科学计数法"),
        ("4000", "不足以资助一个项目"),
    ],
)
def test_bad_pool_is_refused_with_a_message_and_nothing_saved(client, organizer, pool, message):
    before = audit_count()
    response = client.post("/rounds/new", data=round_form(pool=pool))
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert round_count() == 0 and audit_count() == before


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("band_max", "20000", "本轮上限 ¥20,000.00 不能高于平台上限 ¥15,000.00"),
        ("band_min", "4999.99", "本轮下限 ¥4,999.99 不能低于平台下限 ¥5,000.00"),
        ("tiers", "5000 / 16000", "档位 ¥16,000.00 高于本轮上限 ¥15,000.00"),
        ("tiers", "5000, 五千", "档位金额有误"),
        ("cap_personnel", "0", "1 至 100 之间的整数"),
        ("cap_publicity", "150", "1 至 100 之间的整数"),
        ("categories", "", "请至少设置一个项目类别"),
        ("categories", "助老、助老", "项目类别有重复"),
        (
            "needs_close",
            "2027-02-01T09:00",
            "需求征集截止时间（2027年2月1日 09:00）须晚于需求征集开始时间",
        ),
        ("judging_open", "2027-04-19T09:00", "评审开始时间"),
        ("notice_days", "0", "公示期须为 1 至 30 天"),
        ("implementation_start", "2027-05-01", "实施开始日期"),
        ("submit_open", "不是日期", "请输入有效的日期和时间"),
        ("name", "", "请填写赛事名称"),
    ],
)
def test_round_rules_are_enforced(client, organizer, field, value, message):
    response = client.post("/rounds/new", data=round_form(**{field: value}))
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert round_count() == 0


def test_tiers_must_fit_a_narrowed_band(client, organizer):
    response = client.post("/rounds/new", data=round_form(band_min="12000", tiers="10000 15000"))
    assert response.status_code == 400
    assert "档位 ¥10,000.00 低于本轮下限 ¥12,000.00" in response.get_data(as_text=True)
    assert round_count() == 0


def test_user_text_comes_back_escaped(client, organizer):
    evil = "<script>alert(1)</script>"
    response = client.post("/rounds/new", data=round_form(name=evil, description=f"<b>{evil}</b>"))
    assert response.status_code == 302
    round_id = db.session.scalar(select(FundingRound.id))
    for url in (f"/rounds/{round_id}", "/rounds/", f"/rounds/{round_id}/edit"):
        page = client.get(url).get_data(as_text=True)
        assert "<script>alert(1)" not in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_edit_audits_only_the_changed_fields(client, organizer):
    client.post("/rounds/new", data=round_form())
    saved = db.session.scalars(select(FundingRound)).one()
    before = audit_count()
    response = client.post(
        f"/rounds/{saved.id}/edit", data=round_form(pool="120000", submit_close="2027-04-11T18:00")
    )
    assert response.status_code == 302
    entry = db.session.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc())).first()
    assert entry.action == "round.update" and audit_count() == before + 1
    assert '"pool_fen":[15000000,12000000]' in entry.payload
    assert "submit_close" in entry.payload and "needs_open" not in entry.payload
    client.post(
        f"/rounds/{saved.id}/edit", data=round_form(pool="120000", submit_close="2027-04-11T18:00")
    )
    assert audit_count() == before + 1  # nothing changed: nothing written


def test_edit_form_shows_beijing_times_and_plain_amounts(client, organizer):
    funding_round = make_round(
        "submission", pool_fen=15_000_000, caps=[{"cost_category": "personnel", "max_pct": 30}]
    )
    page = client.get(f"/rounds/{funding_round.id}/edit").get_data(as_text=True)
    assert 'value="150000.00"' in page and 'value="30"' in page
    beijing = funding_round.needs_open + timedelta(hours=8)
    assert f'value="{beijing:%Y-%m-%dT%H:%M}"' in page


def test_bad_edit_changes_nothing(client, organizer):
    funding_round = make_round("submission")
    before = audit_count()
    response = client.post(f"/rounds/{funding_round.id}/edit", data=round_form(band_max="15000.01"))
    assert response.status_code == 400
    assert "不能高于平台上限" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(FundingRound, funding_round.id).band_max_fen == 1_500_000
    assert audit_count() == before


def test_round_page_shows_money_rules_and_current_phase(client):
    funding_round = make_round(
        "judging", caps=[{"cost_category": "personnel", "max_pct": 30}], tiers=[500_000, 1_500_000]
    )
    page = client.get(f"/rounds/{funding_round.id}").get_data(as_text=True)
    assert "¥100,000.00" in page and "¥5,000.00" in page and "¥15,000.00" in page
    assert "人员费 ≤ 30%" in page
    assert '<li class="current" aria-current="step">' in page
    assert page.count('<li class="done"') == 3  # needs, submission, screening
    assert "专家评审" in page
    listing = client.get("/rounds/").get_data(as_text=True)
    assert funding_round.name in listing and "专家评审" in listing


def test_unknown_round_is_404(client):
    assert client.get("/rounds/999").status_code == 404
    assert client.get("/needs/?round=999").status_code == 404


PROTECTED = ("/rounds/new", "/rounds/{id}/edit")


@pytest.mark.parametrize("url", PROTECTED)
def test_anonymous_is_sent_to_login(client, url):
    funding_round = make_round()
    response = client.get(url.format(id=funding_round.id))
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
    response = client.post(url.format(id=funding_round.id), data=round_form())
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


@pytest.mark.parametrize(
    "role, status",
    [
        ("resident", 403),
        ("org_member", 403),
        ("judge", 403),
        ("finance", 403),
        ("auditor", 403),
        ("organizer", 200),
        ("admin", 200),
    ],
)
@pytest.mark.parametrize("url", PROTECTED)
def test_who_may_create_and_edit_rounds(client, make_user, login, role, status, url):
    funding_round = make_round()
    make_user("someone", role)
    login("someone")
    assert client.get(url.format(id=funding_round.id)).status_code == status
    before = audit_count()
    posted = client.post(url.format(id=funding_round.id), data=round_form(pool="120000"))
    assert posted.status_code == (302 if status == 200 else 403)
    if status == 403:
        assert audit_count() == before


@pytest.mark.parametrize("url", ("/rounds/", "/rounds/{id}"))
def test_round_pages_are_public(client, url):
    funding_round = make_round()
    assert client.get(url.format(id=funding_round.id)).status_code == 200


def test_apply_link_only_while_submission_is_open(client, make_user, login):
    open_round, closed_round = make_round("submission"), make_round("judging", name="评审中")
    assert "申报项目</a>" in client.get(f"/rounds/{open_round.id}").get_data(as_text=True)
    assert "申报项目</a>" not in client.get(f"/rounds/{closed_round.id}").get_data(as_text=True)
    make_user("judge", "judge")
    login("judge")
    assert "申报项目</a>" not in client.get(f"/rounds/{open_round.id}").get_data(as_text=True)


def test_needs_link_and_post_button_follow_the_window(client):
    collecting, later = make_round("needs"), make_round("submission", name="申报中")
    assert "我要点单" in client.get(f"/rounds/{collecting.id}").get_data(as_text=True)
    assert "我要点单" not in client.get(f"/rounds/{later.id}").get_data(as_text=True)
