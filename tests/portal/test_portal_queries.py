"""The portal's reads run a fixed number of statements whatever the number of funded projects,
and their pages render on the demo."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import insert, select

from grants.extensions import db
from grants.models import FundingRound, Organisation, Proposal, User
from grants.models.awards import Award
from grants.models.base import utcnow
from grants.services.portal import queries
from tests.helpers import count_queries


def _add_funded(count: int, start: int) -> None:
    """``count`` more confirmed awards in the demo's round 7, straight into the tables."""
    funding_round = db.session.scalar(select(FundingRound).where(FundingRound.round_no == 7))
    org = db.session.scalar(select(Organisation).order_by(Organisation.id))
    applicant = db.session.scalar(select(User).where(User.username == "org1"))
    now = utcnow()
    for i in range(start, start + count):
        proposal_id = db.session.execute(insert(Proposal).values(
            round_id=funding_round.id, applicant_id=applicant.id, organisation_id=org.id,
            status="awarded", title=f"批量项目{i}", category="助老", requested_fen=600000,
            version=1, submitted_at=now, activities=[], team=[])).inserted_primary_key[0]
        db.session.execute(insert(Award).values(
            round_id=funding_round.id, proposal_id=proposal_id, rank=100 + i, amount_fen=600000,
            requested_fen=600000, status="confirmed", score=Decimal("70")))
    db.session.commit()


def _statements(read) -> int:
    with count_queries() as counter:
        read()
    return counter[0]


READS = {
    "rounds": lambda: queries.round_summaries(),
    "projects": lambda: queries.project_page(queries.ProjectFilters(), 2),
    "needs": lambda: queries.need_page(queries.NeedFilters(), 2),
    "notices": lambda: queries.notice_outcomes(),
    "categories": lambda: queries.spending_by_category(),
}


def test_reads_do_not_grow_with_the_projects(demo_app):
    before = {name: _statements(read) for name, read in READS.items()}
    _add_funded(60, 0)
    after = {name: _statements(read) for name, read in READS.items()}
    assert after == before
    assert queries.project_page(queries.ProjectFilters(), 1).count == 13 + 60


def test_search_filters_and_pages(demo_app):
    found = queries.project_page(queries.ProjectFilters.of("助老", None, ""))
    assert found.count >= 1
    assert all("助老" in (r.title + r.applicant) for r in found.rows)
    assert queries.project_page(queries.ProjectFilters.of("100%_\x00", None, "")).count == 0
    teams = [r for r in queries.project_page(queries.ProjectFilters(), 1, 100).rows if r.is_team]
    assert teams and all(r.applicant.startswith("居民团队") and "**" in r.applicant for r in teams)


def test_every_portal_page_renders(demo_app):
    client = demo_app.test_client()
    award = queries.project_page(queries.ProjectFilters()).rows[0].award_id
    for path in ("/open/", "/open/rounds/1", "/open/projects?q=社区&category=助老",
                 f"/open/projects/{award}", "/open/needs?answered=no", "/open/notices",
                 "/open/announcements", "/open/data"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert "<svg" in response.get_data(as_text=True) or path != "/open/"
    assert client.get("/open/projects/2147483648").status_code == 404
