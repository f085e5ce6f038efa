"""Every page of issue 15 runs the same number of SQL statements with 100 proposals in the
demo's round 7 as with 10,000 (7 judges, 104 needs; the public notice with 9 awards and with
91). One world is filled once, by the same bulk filler the page benchmark uses."""

from __future__ import annotations

import time

from sqlalchemy import func, select

from grants.demo import DEMO_PASSWORD
from grants.demo.rounds import ROUND7_NAME
from grants.demo.scale import add_notice_awards, fill_round
from grants.extensions import db
from grants.models import FundingRound, Proposal
from grants.models.awards import Notice
from tests.conftest import IsolatedClient
from tests.helpers import count_queries, login_as

PAGES = {
    "home": (None, "/"),
    "public needs list": (None, "/needs/?round={round}"),
    "public notice": (None, "/notices/{notice}"),
    "proposal detail": ("organizer", "/proposals/{proposal}"),
    "organizer screening queue": ("organizer", "/screening/?round_id={round}"),
    "judge dashboard": ("judge1", "/judging/?round_id={round}&page=2"),
    "ranking": ("organizer", "/judging/rounds/{round}/ranking?page=2"),
    "organizer awards round page": ("organizer", "/awards/rounds/{round}"),
}


def _counts(app, ids: dict) -> dict[str, int]:
    """Statements each page runs, each read twice (the second count is kept: caches warm)."""
    clients = {}
    result = {}
    for name, (username, path) in PAGES.items():
        if username not in clients:
            clients[username] = app.test_client()
            if username:
                assert login_as(clients[username], username, DEMO_PASSWORD).status_code == 302
        client = clients[username]
        url = path.format(**ids)
        assert client.get(url).status_code == 200, name
        with count_queries() as counter:
            response = client.get(url)
        assert response.status_code == 200, name
        result[name] = counter[0]
    return result


def test_every_page_runs_as_many_queries_at_10000_proposals_as_at_100(demo_app):
    demo_app.test_client_class = IsolatedClient
    round_id = db.session.scalar(select(FundingRound.id).where(FundingRound.name == ROUND7_NAME))
    notice_id = db.session.scalar(select(Notice.id).where(Notice.round_id == round_id,
                                                          Notice.kind == "awards"))
    proposal_id = db.session.scalar(select(func.min(Proposal.id))
                                    .where(Proposal.round_id == round_id))
    ids = {"round": round_id, "notice": notice_id, "proposal": proposal_id}
    have = db.session.scalar(select(func.count(Proposal.id)).where(Proposal.round_id == round_id))
    assert fill_round(round_id, 100 - have) == 100
    small = _counts(demo_app, ids)
    started = time.perf_counter()
    assert fill_round(round_id, 9_900) == 10_000
    assert add_notice_awards(notice_id, 82) == 91
    print(f"filled 9,900 proposals and 82 awards in {time.perf_counter() - started:.1f}s")
    large = _counts(demo_app, ids)
    print("queries per page at 100 and 10,000 proposals:", small, large)
    assert large == small
