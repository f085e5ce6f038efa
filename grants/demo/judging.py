"""Demo judging of round 7: seven judges score the eligible proposals through the services.

judge1 … judge7 form the panel (roadshow: everyone scores everything, blind review, trimmed
mean). judge3 declares a conflict with one proposal before assignment and is therefore not
assigned to it; judge5 is noticeably severe (about 12 points lower than the others). Scores
and comments come from ``random.Random(7)``, and every moment is an explicit ``now`` inside
the round's judging window, so seeding gives the same result whenever it runs. Judging is
then closed, so the scored proposals can go on to the award stage. Running it again changes
nothing once sheets exist.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, select

from grants.domain.judging_rules import SettingsInput
from grants.extensions import db
from grants.models import FundingRound, Proposal, User
from grants.models.judging import ScoreSheet
from grants.services import judging

ROUND_NO = 7
JUDGES = tuple(f"judge{i}" for i in range(1, 8))
CONFLICTED_JUDGE = "judge3"
CONFLICT_REASON = "本人曾在该项目申报团队所在社区担任兼职督导，与项目负责人共事多年，申请回避"
SEVERE_JUDGE = "judge5"
SEVERITY = 12
OPENINGS = {
    "high": (
        "项目紧扣社区居民的真实需求，",
        "方案设计扎实，目标清晰，",
        "整体思路清楚，居民参与度高，",
    ),
    "mid": ("项目回应了社区的部分需求，", "方案基本可行，", "选题有一定价值，"),
    "low": ("项目与社区需求的对应关系不够清楚，", "方案较为笼统，", "目标表述偏大，"),
}
POINTS = (
    "活动安排具体到月份和场地，执行团队有类似项目经验。",
    "受益人群界定准确，服务人数测算有依据。",
    "能够调动居民志愿者共同参与，有助于形成社区自治力量。",
    "预算与活动基本匹配，物资单价在合理范围内。",
    "创新点在于把居民需求征集与服务设计结合起来。",
    "对项目结束后的持续运营有初步考虑。",
)
ADVICE = (
    "建议细化物资采购明细，补充询价依据。",
    "建议明确每次活动的服务人次和成效评估方法。",
    "建议压缩人员劳务费比例，更多用于直接服务。",
    "建议与社区居委会、物业建立固定的协作机制。",
    "建议补充安全预案，特别是涉及老人和儿童的活动。",
    "建议在项目结束后形成可复制的操作手册。",
)


def _round() -> FundingRound | None:
    """Round 7, created by the rounds seed."""
    query = select(FundingRound).where(FundingRound.round_no == ROUND_NO)
    return db.session.scalar(query.order_by(FundingRound.id))


def _users(usernames) -> dict[str, User]:
    """Accounts by username (those that exist)."""
    query = select(User).where(User.username.in_(list(usernames)))
    return {user.username: user for user in db.session.scalars(query)}


def _eligible(round_id: int) -> list[Proposal]:
    """Round 7's proposals that passed screening."""
    query = select(Proposal).where(Proposal.round_id == round_id, Proposal.status == "eligible")
    return list(db.session.scalars(query.order_by(Proposal.id)))


def seed() -> Iterator[str]:
    """Score round 7 with the seven demo judges (skipped when missing data or already done)."""
    funding_round = _round()
    if funding_round is None:
        yield "judging: round 7 not found, skipped (run the rounds seed first)"
        return
    if db.session.scalar(
        select(func.count(ScoreSheet.id)).where(ScoreSheet.round_id == funding_round.id)
    ):
        yield "judging: round 7 already scored"
        return
    proposals = _eligible(funding_round.id)
    people = _users((*JUDGES, "organizer"))
    if not proposals or len(people) < len(JUDGES) + 1:
        yield "judging: no eligible proposals or demo judges in round 7, skipped"
        return
    yield from _judge_round(funding_round, proposals, people)


def _judge_round(
    funding_round: FundingRound, proposals: list[Proposal], people: dict[str, User]
) -> Iterator[str]:
    """Panel, settings, the assignment, a conflict the judge declares on seeing it (the
    organizer then assigns again without them), every sheet, then closing."""
    organizer = people["organizer"]
    judges = [people[name] for name in JUDGES]
    start = funding_round.judging_open + timedelta(hours=2)
    _set_up_panel(funding_round.id, judges, organizer)
    conflicted = proposals[len(proposals) // 3]
    judging.generate_assignments(funding_round.id, organizer)
    judging.declare_conflict(
        people[CONFLICTED_JUDGE], proposal_id=conflicted.id, reason=CONFLICT_REASON
    )
    assignment = judging.generate_assignments(funding_round.id, organizer)
    yield f"judging: panel of {len(judges)}, {sum(map(len, assignment.values()))} assignments"
    sheets = _score_all(funding_round.id, proposals, judges, assignment, start)
    yield f"judging: +{sheets} submitted score sheets"
    moved = judging.close_judging(
        funding_round.id, organizer, now=start + timedelta(hours=sheets + 1)
    )
    yield f"judging: closed, {len(moved)} proposals scored"


def _set_up_panel(round_id: int, judges: list[User], organizer: User) -> None:
    """Seat the judges and choose roadshow, blind review and the trimmed mean."""
    for judge in judges:
        if not judging.on_panel(round_id, judge.id):
            judging.add_judge(round_id, judge.id, organizer)
    judging.update_settings(
        round_id,
        SettingsInput(
            mode="all",
            judges_per_proposal=3,
            seed=7,
            blind=True,
            method="trimmed_mean",
            normalise=True,
            vote_weight_pct=0,
            vote_max_per_resident=3,
            vote_open=None,
            vote_close=None,
        ),
        organizer,
    )


def _score_all(
    round_id: int,
    proposals: list[Proposal],
    judges: list[User],
    assignment: dict[int, list[int]],
    start: datetime,
) -> int:
    """Every assigned judge submits a sheet, one every few minutes; returns how many."""
    rng = random.Random(7)  # noqa: S311 — reproducible demo scores, not a secret
    criteria = judging.criteria_rows(round_id)
    quality = {p.id: rng.uniform(0.62, 0.9) for p in proposals}
    count = 0
    for judge in judges:
        bias = -SEVERITY / 100 if judge.username == SEVERE_JUDGE else rng.uniform(-0.03, 0.03)
        for proposal in proposals:
            if judge.id not in assignment.get(proposal.id, []):
                continue
            share = quality[proposal.id] + bias
            entries = {c.id: str(_points(c.max_points, share, rng)) for c in criteria}
            judging.save_sheet(
                judge,
                proposal.id,
                entries,
                _comment(share, rng),
                submit=True,
                now=start + timedelta(minutes=7 * count),
            )
            count += 1
    return count


def _points(maximum: int, share: float, rng: random.Random) -> Decimal:
    """Points for one criterion near ``share`` of its maximum, in half points."""
    wanted = maximum * min(max(share + rng.uniform(-0.07, 0.07), 0.0), 1.0)
    return Decimal(round(wanted * 2)) / 2


def _comment(share: float, rng: random.Random) -> str:
    """A realistic comment: an opening matching the score, one strength, one suggestion."""
    band = "high" if share >= 0.8 else "mid" if share >= 0.66 else "low"
    return rng.choice(OPENINGS[band]) + rng.choice(POINTS) + rng.choice(ADVICE)
