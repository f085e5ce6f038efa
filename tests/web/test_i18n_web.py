"""The interface in English: once a visitor chooses English, pages show no Chinese at all.

The data here is English-neutral on purpose (a round called "Round 7", ASCII names, titles and
communities), so any Chinese character left on a page is interface text that missed translation.
The only Chinese allowed is "中文" on the language switch: each language is offered in its own
name.
"""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlparse

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from grants.domain.awards import Candidate
from grants.extensions import db
from grants.models import BudgetLine, Community, Proposal
from grants.models.base import utcnow
from grants.services import awards, judging, needs, notices
from tests.factories import make_round
from tests.helpers import audit_count, create_user, keyed, login_as

CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uf900-\ufaff\uff00-\uffef]")
LANGUAGE_SWITCH = re.compile(
    r'(<button class="btn btn-sm btn-outline-light" type="submit">)中文(</button>)'
)
# Option values are data keys (a round's category names), never shown as text.
VALUE_ATTRIBUTE = re.compile(r'\svalue="[^"]*"')
CATALOGUE = Path(__file__).resolve().parents[2] / "grants" / "translations" / "en" / "LC_MESSAGES"


@pytest.fixture(scope="module", autouse=True)
def compiled_catalogue():
    """Compile the English catalogue when the .mo is missing or older than the .po."""
    po, mo = CATALOGUE / "messages.po", CATALOGUE / "messages.mo"
    if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
        with po.open("rb") as source:
            catalog = read_po(source)
        with mo.open("wb") as target:
            write_mo(target, catalog)


def _chinese_left(page: str) -> list[str]:
    """Chinese characters on a page, with some context, leaving out the language switch."""
    page = VALUE_ATTRIBUTE.sub("", LANGUAGE_SWITCH.sub(r"\1\2", page))
    return [page[max(m.start() - 40, 0) : m.end() + 40] for m in CJK.finditer(page)]


def _community() -> Community:
    community = Community(district="Jiangning", street="Dongshan", name="Dongshan Garden")
    db.session.add(community)
    db.session.commit()
    return community


def _english_proposal(
    funding_round, applicant, community, title: str, status: str = "eligible"
) -> Proposal:
    """An eligible resident-team proposal whose every shown field is ASCII (default category)."""
    now = utcnow()
    proposal = Proposal(
        round_id=funding_round.id,
        applicant_id=applicant.id,
        status=status,
        title=title,
        community_id=community.id,
        category="助老",
        background="Meals are hard to get",
        objectives="Lunch three times a week",
        outcomes="Sixty people eat well",
        beneficiaries="Older people living alone",
        beneficiary_count=60,
        contact_name="Ann Lee",
        contact_phone="13800138000",
        requested_fen=1_000_000,
        version=1,
        team=["Ann Lee", "Bo Chen", "Cai Wu"],
        activities=[{"activity": "Lunch", "dates": "Mondays", "place": "Hall"}],
        submitted_at=now,
        first_submitted_at=now,
    )
    proposal.lines = [
        BudgetLine(
            position=0,
            item="Food",
            cost_category="materials",
            unit_price_fen=1_000_000,
            quantity=1,
            subtotal_fen=1_000_000,
        )
    ]
    db.session.add(proposal)
    db.session.commit()
    return proposal


@pytest.fixture
def world(app):
    """Round 7 in judging (default categories) with two eligible proposals and a judge; Round 8
    collecting needs in categories of its own."""
    community = _community()
    round7 = make_round("judging", name="Round 7", district="Jiangning", street="Dongshan")
    round8 = make_round(
        "needs",
        name="Round 8",
        round_no=8,
        district="Jiangning",
        street="Dongshan",
        categories=["Seniors", "Children"],
    )
    organizer = create_user("organizer", "organizer", display_name="Olivia Organizer")
    judge = create_user("judge", "judge", display_name="Jane Judge")
    create_user("auditor", "auditor", display_name="Adam Auditor")
    resident = create_user(
        "resident", "resident", display_name="Ann Lee", community_id=community.id
    )
    _english_proposal(round7, resident, community, "Lunch club")
    _english_proposal(round7, resident, community, "Homework corner")
    judging.add_judge(round7.id, judge.id, organizer)
    judging.generate_assignments(round7.id, organizer)
    needs.post_need(
        round8,
        resident,
        needs.NeedData("Benches by the lake", community.id, "Seniors", "Somewhere to rest", 40),
    )
    return {"round": round7, "needs_round": round8}


def _in_english(client):
    response = client.post("/lang/en", data={"next": "/"})
    assert response.status_code == 302


PUBLIC_PAGES = ["/", "/auth/login", "/auth/register", "/rounds/", "/needs/", "/notices/"]


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_public_pages_in_english_have_no_chinese(client, world, path):
    _in_english(client)
    response = client.get(path)
    assert response.status_code == 200
    assert _chinese_left(response.get_data(as_text=True)) == []


def test_round_pages_in_english_have_no_chinese(client, world):
    _in_english(client)
    for funding_round in (world["round"], world["needs_round"]):
        page = client.get(f"/rounds/{funding_round.id}").get_data(as_text=True)
        assert funding_round.name in page
        assert _chinese_left(page) == []


@pytest.mark.parametrize(
    "username, path",
    [
        ("organizer", "/screening/?status=all"),
        ("judge", "/judging/"),
        ("auditor", "/audit/"),
        ("resident", "/proposals/"),
    ],
)
def test_staff_and_resident_pages_in_english_have_no_chinese(client, world, username, path):
    _in_english(client)
    login_as(client, username)
    response = client.get(path)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Log out" in page
    assert _chinese_left(page) == []


def test_judge_dashboard_lists_the_assigned_proposals_in_english(client, world):
    _in_english(client)
    login_as(client, "judge")
    page = client.get("/judging/").get_data(as_text=True)
    assert "Lunch club" in page and "Older people" in page and "Not scored" in page


def test_error_page_in_english(client, world):
    _in_english(client)
    response = client.get("/no-such-page")
    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert "Page not found" in page
    assert _chinese_left(page) == []


def test_chinese_stays_the_default(client, world):
    page = client.get("/").get_data(as_text=True)
    assert "公益创投" in page and "English" in page


def _budget_form(community_id: int, unit_price: str) -> dict:
    """A complete resident-team proposal with one budget line, all in ASCII."""
    return {
        "title": "Lunch club",
        "community_id": str(community_id),
        "category": "助老",
        "beneficiaries": "Older people living alone",
        "beneficiary_count": "60",
        "background": "Meals are hard to get",
        "objectives": "Lunch three times a week",
        "outcomes": "Sixty people eat well",
        "activities-0-activity": "Lunch",
        "activities-0-dates": "Mondays",
        "activities-0-place": "Hall",
        "team-0-name": "Ann Lee",
        "team-1-name": "Bo Chen",
        "team-2-name": "Cai Wu",
        "contact_name": "Ann Lee",
        "contact_phone": "13800138000",
        "matching_funds": "",
        "budget-0-item": "Hall rent",
        "budget-0-cost_category": "venue",
        "budget-0-unit_price": unit_price,
        "budget-0-quantity": "1",
        "submit": "1",
    }


def test_a_refused_budget_is_explained_in_english(client, app):
    community = _community()
    create_user("applicant", "resident", display_name="Ann Lee")
    _in_english(client)
    login_as(client, "applicant")
    funding_round = make_round("submission", name="Round 7")
    created = client.post("/proposals/new", data=keyed({"round_id": str(funding_round.id)}))
    proposal_path = urlparse(created.headers["Location"]).path.removesuffix("/edit")
    before = audit_count()
    response = client.post(f"{proposal_path}/submit", data=_budget_form(community.id, "4999.99"))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "The requested amount ¥4,999.99 is below this round&#39;s minimum of ¥5,000.00" in page
    assert _chinese_left(page) == []
    assert audit_count() == before + 1, "only the draft is kept (proposal.save_draft)"


def test_public_notice_in_english_while_its_pdf_stays_chinese(client, app, monkeypatch):
    community = _community()
    organizer = create_user("organizer", "organizer", display_name="Olivia Organizer")
    resident = create_user("resident", "resident", display_name="Ann Lee")
    funding_round = make_round("notice", name="Round 7", district="Jiangning", street="Dongshan")
    proposal = _english_proposal(funding_round, resident, community, "Lunch club", "scored")
    candidate = Candidate(proposal.id, 1, proposal.title, Decimal("91.50"), 1_000_000)
    awards.propose_awards(funding_round.id, [candidate], organizer)
    notice = notices.publish_notice(funding_round.id, organizer)
    monkeypatch.setattr("grants.web.public_documents.keyed_pdf",
                        lambda html: (html.encode(), ""))
    _in_english(client)
    page = client.get(f"/notices/{notice.id}").get_data(as_text=True)
    assert "Lunch club" in page and "Resident team (led by A******)" in page
    assert _chinese_left(page) == []
    document = client.get(f"/notices/{notice.id}.pdf").get_data(as_text=True)
    assert "立项结果公示" in document and "居民团队（负责人 A******）" in document
    assert "Public notice" not in document and "Resident team" not in document
