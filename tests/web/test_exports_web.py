"""Office exports: Chinese headers, the applicant and community of every project, money as
exact yuan; proposals, objections and the audit log as CSV and XLSX, for the right readers."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from grants.domain.awards import Candidate
from grants.extensions import db
from grants.models import Proposal
from grants.models.awards import Award
from grants.services import awards as award_svc
from grants.services import notices
from tests import judging_support
from tests.factories import make_org, make_proposal, make_round
from tests.helpers import create_user, login_as

MONDAY = date(2026, 7, 6)


def _csv(response) -> list[list[str]]:
    assert response.status_code == 200 and response.mimetype == "text/csv"
    return list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))


def _xlsx(response) -> list[tuple]:
    assert response.status_code == 200 and response.data[:2] == b"PK"
    return list(load_workbook(io.BytesIO(response.data)).active.iter_rows(values_only=True))


@pytest.fixture
def world(app):
    """A round with an organisation's and a resident team's proposal, one draft, a published
    notice with an anonymous objection, and an auditor."""
    organizer = create_user("wangmin", "organizer", display_name="王敏")
    create_user("sunhua", "auditor", display_name="孙华")
    resident = create_user("zhanggl", "resident", display_name="张桂兰")
    org = make_org(1, name="江宁区阳光助老服务中心")
    member = create_user("org1", "org_member", organisation_id=org.id)
    funding_round = make_round("notice")
    team = make_proposal(funding_round, resident, status="scored", title="银龄助餐")
    firm = make_proposal(funding_round, member, status="scored", organisation=org,
                         title="=HYPERLINK(\"x\")", amount_fen=1_234_550)
    make_proposal(funding_round, resident, status="draft", title="还没写完的草稿")
    candidates = [Candidate(team.id, 1, team.title, Decimal("90"), 1_000_000),
                  Candidate(firm.id, 2, firm.title, Decimal("80"), 1_234_550)]
    award_svc.propose_awards(funding_round.id, candidates, organizer)
    notice = notices.publish_notice(funding_round.id, organizer, today=MONDAY)
    award = db.session.scalar(select(Award).where(Award.proposal_id == team.id))
    notices.file_objection(award.id, "预算偏高", name="李四", phone="13912345678", today=MONDAY)
    return {"round": funding_round, "notice": notice, "team": team, "firm": firm}


def test_proposals_export_has_chinese_headers_people_and_no_drafts(client, world):
    login_as(client, "wangmin")
    rows = _csv(client.get(f"/exports/rounds/{world['round'].id}/proposals.csv", buffered=True))
    assert rows[0][:6] == ["项目编号", "项目名称", "申报主体", "所在社区", "项目类别", "状态"]
    by_id = {int(row[0]): row for row in rows[1:]}
    assert set(by_id) == {world["team"].id, world["firm"].id}
    assert by_id[world["team"].id][2:4] == ["居民团队（张桂兰）", "东山社区"]
    assert by_id[world["firm"].id][2] == "江宁区阳光助老服务中心"
    assert by_id[world["firm"].id][1].startswith("'="), "formulas are quoted"
    assert by_id[world["firm"].id][6] == "12345.50" and by_id[world["team"].id][5] == "已评审"


def test_proposals_export_as_xlsx_keeps_money_exact(client, world):
    login_as(client, "sunhua")
    rows = _xlsx(client.get(f"/exports/rounds/{world['round'].id}/proposals.xlsx"))
    assert rows[0][2:4] == ("申报主体", "所在社区")
    amounts = {row[0]: row[6] for row in rows[1:]}
    assert amounts[world["firm"].id] == pytest.approx(12345.5)


def test_objections_export_names_the_objector_for_staff(client, world):
    login_as(client, "wangmin")
    rows = _csv(client.get(f"/exports/rounds/{world['round'].id}/objections.csv", buffered=True))
    assert rows[0][:5] == ["回执编号", "项目名称", "申报主体", "所在社区", "异议人"]
    (line,) = rows[1:]
    assert line[0].startswith("YY-") and line[1] == "银龄助餐" and line[4] == "李四"
    assert "13912345678" in line and "预算偏高" in line and "待处理" in line


def test_ranking_export_carries_applicant_and_community(client, app):
    setup = judging_support.build(judges=3, proposals=2, assign=False)
    for proposal in setup.proposals:
        for judge in setup.judges:
            judging_support.write_sheet(setup.round, judge.id, proposal.id,
                                        judging_support.split_total(80))
    create_user("sunhua", "auditor")
    login_as(client, "sunhua")
    rows = _csv(client.get(f"/judging/rounds/{setup.round.id}/ranking.csv", buffered=True))
    assert rows[0][:6] == ["名次", "项目编号", "项目名称", "申报主体", "所在社区", "最终得分"]
    assert rows[1][3:5] == ["居民团队（申报人张桂兰）", "东山社区"]
    sheet = _xlsx(client.get(f"/exports/rounds/{setup.round.id}/ranking.xlsx"))
    assert sheet[0][0] == "名次" and sheet[1][5] == 80


def test_audit_log_export_is_readable_and_filtered(client, world):
    login_as(client, "sunhua")
    rows = _csv(client.get("/exports/audit.csv?action=award.", buffered=True))
    assert rows[0][:6] == ["序号", "时间（北京时间）", "操作人", "账号", "授权角色", "操作"]
    assert {row[6] for row in rows[1:]} == {"award.propose", "award.publish_notice"}
    first = rows[1]
    assert first[2:6] == ["王敏", "wangmin", "主办方", "拟定立项"]
    assert [int(row[0]) for row in rows[1:]] == sorted(int(row[0]) for row in rows[1:])
    assert len(_xlsx(client.get("/exports/audit.xlsx"))) > len(rows)


WHO_MAY = [  # (who, what, status)
    ("wangmin", "/exports/audit.csv", 403),
    ("zhanggl", "/exports/rounds/{r}/proposals.csv", 403),
    ("zhanggl", "/exports/rounds/{r}/objections.xlsx", 403),
    ("sunhua", "/exports/rounds/{r}/objections.pdf", 404),
    ("sunhua", "/exports/rounds/9999/proposals.csv", 404),
]


def test_who_may_export_what(client, world):
    for username, path, status in WHO_MAY:
        login_as(client, username)
        response = client.get(path.format(r=world["round"].id))
        assert response.status_code == status, (username, path)


def test_the_pages_link_to_their_exports(client, world):
    login_as(client, "wangmin")
    rid = world["round"].id
    page = client.get(f"/awards/rounds/{rid}").get_data(as_text=True)
    assert f"/exports/rounds/{rid}/objections.xlsx" in page
    assert f"/exports/rounds/{rid}/proposals.csv" in client.get(
        f"/screening/?round_id={rid}").get_data(as_text=True)
    login_as(client, "sunhua")
    assert "/exports/audit.xlsx" in client.get("/audit/").get_data(as_text=True)
    assert db.session.scalar(select(Proposal.title).where(Proposal.status == "draft"))
