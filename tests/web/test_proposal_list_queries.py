"""The organizer's queue stays paginated and runs the same number of SQL statements for
100 proposals as for 10,000 (people are eager-loaded; the look-alike check reads a shortlist per
shown proposal from the title-character index)."""

from __future__ import annotations

import random

from sqlalchemy import insert

from grants.extensions import db
from grants.models import Proposal
from grants.models.base import utcnow
from grants.models.lookalike import reindex_titles
from tests.factories import make_community, make_org, make_round
from tests.helpers import count_queries, create_user, login_as

WORDS = (
    "银龄",
    "助餐",
    "四点半",
    "课堂",
    "楼道",
    "微更新",
    "绿色",
    "邻里",
    "守望",
    "书香",
    "亲子",
    "康复",
    "助残",
    "暖心",
    "帮扶",
    "花园",
    "垃圾分类",
    "议事",
    "夜校",
    "健康",
    "义诊",
    "手工",
)


def _title(rng: random.Random, i: int) -> str:
    return "".join(rng.sample(WORDS, 3)) + f"计划{i}"


def _insert(funding_round, applicants, orgs, community, start: int, count: int) -> None:
    rng = random.Random(start)
    now = utcnow()
    rows = [
        dict(
            round_id=funding_round.id,
            applicant_id=applicants[i % len(applicants)].id,
            organisation_id=orgs[i % len(orgs)].id if i % 3 else None,
            community_id=community.id,
            status="submitted",
            title=_title(rng, i),
            category="助老",
            requested_fen=500000 + (i % 100) * 10000,
            version=1,
            submitted_at=now,
            first_submitted_at=now,
            activities=[],
            team=[],
        )
        for i in range(start, start + count)
    ]
    db.session.execute(insert(Proposal), rows)
    reindex_titles(funding_round.id)
    db.session.commit()


def _queue_queries(client, round_id: int) -> tuple[int, str]:
    with count_queries() as counter:
        response = client.get(f"/screening/?round_id={round_id}&page=2")
    assert response.status_code == 200
    return counter[0], response.get_data(as_text=True)


def test_queue_query_count_does_not_grow(client, app):
    create_user("wangmin", "organizer")
    applicants = [create_user(f"resident{i}", "resident") for i in range(5)]
    orgs = [make_org(i) for i in range(1, 13)]
    community = make_community()
    funding_round = make_round("screening")
    login_as(client, "wangmin")
    _insert(funding_round, applicants, orgs, community, 0, 100)
    client.get(f"/screening/?round_id={funding_round.id}")
    small, page = _queue_queries(client, funding_round.id)
    assert "第 2 / 5 页" in page
    _insert(funding_round, applicants, orgs, community, 100, 9_900)
    large, page = _queue_queries(client, funding_round.id)
    assert "第 2 / 500 页" in page
    assert page.count('name="ids"') == 20
    assert large == small


def test_look_alikes_are_found_among_ten_thousand_through_the_index(app):
    from grants.services import screening
    from tests.factories import make_proposal

    applicants = [create_user(f"resident{i}", "resident") for i in range(2)]
    funding_round = make_round("screening")
    _insert(funding_round, applicants, [make_org(1)], make_community(), 0, 10_000)
    first = make_proposal(funding_round, applicants[0], title="银龄助餐·邻里共享食堂")
    second = make_proposal(funding_round, applicants[1], title="银龄助餐 邻里共享食堂！")
    third = make_proposal(funding_round, applicants[1], title="四点半课堂")
    checks = screening.checks_for([first, third])
    assert [d.proposal_id for d in checks[first.id].duplicates] == [second.id]
    third.title = "银龄助餐邻里共享食堂"
    db.session.commit()
    again = screening.checks_for([first])[first.id].duplicates
    assert {d.proposal_id for d in again} == {second.id, third.id}
