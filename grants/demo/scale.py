"""A province-sized round for load tests and benchmarks: thousands of proposals in seconds.

:func:`fill_round` adds proposals to a round of the demo (round 7: 104 needs, 7 judges,
judging closed) with bulk SQLAlchemy Core inserts, which skip the ORM and its audit hooks:
this is test data, not a record of anyone's work. Three proposals in four are scored by every
judge on the panel (assignment, submitted sheet, one score per criterion); the fourth waits in
screening. The stored ranking and the look-alike title index are then rebuilt, as closing
judging and submitting would have built them. :func:`add_notice_awards` puts more awards on a
published notice so the public notice can be measured with ninety of them.
"""

from __future__ import annotations

import random
from datetime import timedelta

from sqlalchemy import func, insert, select

from grants.extensions import db
from grants.models import Community, Organisation, Proposal, User
from grants.models.awards import Award
from grants.models.base import utcnow
from grants.models.judging import Assignment, Criterion, PanelMember, Score, ScoreSheet
from grants.models.lookalike import reindex_titles

WORDS = (
    "银龄", "助餐", "四点半", "课堂", "楼道", "微更新", "绿色", "邻里", "守望", "书香", "亲子",
    "康复", "助残", "暖心", "帮扶", "花园", "垃圾分类", "议事", "夜校", "健康", "义诊", "手工",
)
CATEGORIES = ("助老", "助残", "青少年", "社区营造", "环境")
SCREENING_SHARE = 4


def wide_words() -> tuple[str, ...]:
    """300 two-character words: titles as varied as a real round's (``WORDS`` makes titles
    alike by the thousand, the look-alike check's worst case)."""
    rng = random.Random(1)  # noqa: S311 - test data, not secrets
    chars = [chr(0x4E00 + rng.randrange(3000)) for _ in range(600)]
    return tuple("".join(chars[2 * i:2 * i + 2]) for i in range(300))
CHUNK = 5_000


def _insert_chunked(table, rows: list[dict]) -> None:
    """Insert many rows in chunks (SQLite limits the parameters of one statement)."""
    for start in range(0, len(rows), CHUNK):
        db.session.execute(insert(table), rows[start:start + CHUNK])


def _people() -> tuple[list[int], list[int], list[int]]:
    """Ids of residents (applicants), organisations and communities to spread proposals over."""
    residents = list(db.session.scalars(select(User.id).order_by(User.id)))
    orgs = list(db.session.scalars(select(Organisation.id).order_by(Organisation.id)))
    communities = list(db.session.scalars(select(Community.id).order_by(Community.id)))
    return residents, orgs or [None], communities or [None]


def _proposal_rows(round_id: int, start: int, count: int, rng: random.Random,
                   words: tuple[str, ...]) -> list[dict]:
    """``count`` proposal rows numbered from ``start``; every fourth waits in screening."""
    residents, orgs, communities = _people()
    now = utcnow()
    return [
        dict(
            round_id=round_id,
            applicant_id=residents[i % len(residents)],
            organisation_id=orgs[i % len(orgs)] if i % 3 else None,
            community_id=communities[i % len(communities)],
            status="submitted" if i % SCREENING_SHARE == 0 else "scored",
            title="".join(rng.sample(words, 3)) + f"计划{i}",
            category=CATEGORIES[i % len(CATEGORIES)],
            background="社区居民提出的需求。",
            objectives="回应居民需求。",
            outcomes="居民受益。",
            beneficiaries="社区居民",
            beneficiary_count=50 + i % 200,
            activities=[],
            team=[],
            contact_name="负责人",
            contact_phone="13800000000",
            requested_fen=500_000 + (i % 100) * 10_000,
            version=1,
            submitted_at=now - timedelta(seconds=i),
            first_submitted_at=now - timedelta(seconds=i),
        )
        for i in range(start, start + count)
    ]


def _new_ids(round_id: int, after: int, status: str) -> list[int]:
    """Ids above ``after`` of the round's proposals in ``status``."""
    query = select(Proposal.id).where(
        Proposal.round_id == round_id, Proposal.id > after, Proposal.status == status)
    return list(db.session.scalars(query.order_by(Proposal.id)))


def _score(round_id: int, proposal_ids: list[int], rng: random.Random) -> None:
    """Every panel judge is assigned each proposal and submits a sheet scoring each criterion."""
    judges = list(db.session.scalars(
        select(PanelMember.judge_id).where(PanelMember.round_id == round_id)))
    criteria = list(db.session.execute(
        select(Criterion.id, Criterion.max_points).where(Criterion.round_id == round_id)))
    now = utcnow()
    pairs = [(j, p) for p in proposal_ids for j in judges]
    _insert_chunked(Assignment.__table__, [
        dict(round_id=round_id, judge_id=j, proposal_id=p, created_at=now) for j, p in pairs])
    _insert_chunked(ScoreSheet.__table__, [
        dict(round_id=round_id, judge_id=j, proposal_id=p, status="submitted",
             comment=f"评语{p}", submitted_at=now, updated_at=now) for j, p in pairs])
    first = proposal_ids[0] if proposal_ids else 0
    sheets = db.session.execute(select(ScoreSheet.id, ScoreSheet.judge_id, ScoreSheet.proposal_id)
                                .where(ScoreSheet.round_id == round_id,
                                       ScoreSheet.proposal_id >= first))
    _insert_chunked(Score.__table__, [
        dict(sheet_id=sheet_id, judge_id=j, proposal_id=p, criterion_id=cid,
             half_points=rng.randint(top, 2 * top) if top else 0)
        for sheet_id, j, p in sheets for cid, top in criteria])


def fill_round(round_id: int, count: int, seed: int = 2024, alike: bool = False) -> int:
    """Add ``count`` proposals to a round (3 in 4 scored by the whole panel), rebuild its
    title index and stored ranking, commit; returns how many proposals the round now has.

    Titles are three of 300 words and a number, or with ``alike`` three of the 22 ``WORDS``."""
    from grants.services import ranking_store

    rng = random.Random(seed + count)  # noqa: S311 - test data, not secrets
    after = db.session.scalar(select(func.max(Proposal.id))) or 0
    start = db.session.scalar(
        select(func.count(Proposal.id)).where(Proposal.round_id == round_id)) or 0
    words = WORDS if alike else wide_words()
    _insert_chunked(Proposal.__table__, _proposal_rows(round_id, start, count, rng, words))
    _score(round_id, _new_ids(round_id, after, "scored"), rng)
    reindex_titles(round_id)
    ranking_store.store_ranking(round_id)
    db.session.commit()
    return start + count


def add_notice_awards(notice_id: int, count: int) -> int:
    """Put ``count`` more awards on a notice, copies of its first award for scored proposals
    that hold none yet; commit and return how many awards the notice holds."""
    model = db.session.scalar(select(Award).where(Award.notice_id == notice_id)
                              .order_by(Award.rank))
    held = select(Award.proposal_id)
    free = list(db.session.scalars(
        select(Proposal.id).where(Proposal.round_id == model.round_id, Proposal.status == "scored",
                                  Proposal.id.not_in(held)).order_by(Proposal.id).limit(count)))
    top = db.session.scalar(select(func.max(Award.rank)).where(Award.round_id == model.round_id))
    now = utcnow()
    _insert_chunked(Award.__table__, [
        dict(round_id=model.round_id, proposal_id=pid, rank=top + i + 1, amount_fen=model.amount_fen,
             requested_fen=model.requested_fen, status=model.status, score=model.score,
             sentence=model.sentence, reason="", notice_id=notice_id, created_at=now,
             updated_at=now)
        for i, pid in enumerate(free)])
    db.session.commit()
    return db.session.scalar(select(func.count(Award.id)).where(Award.notice_id == notice_id))
