"""Demo awards of round 7: the ranking shared out within the pool, published in a public notice,
with one objection already ruled on and one still waiting for the organizer.

Everything goes through the services, so the audit chain covers it. Runs after the judging
seed; without a ranking it says so and stops. Running it again changes nothing once round 7
has awards.
"""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import func, select

from grants.extensions import db
from grants.models import FundingRound, User
from grants.models.awards import Award
from grants.services import awards, notices

ROUND_NO = 7
MIN_SCORE = "60"
RESOLVED_TEXT = "该项目的服务对象与社区现有的助餐点重复，建议核实是否重复资助。"
DISMISS_REASON = "经核实，该项目服务时段和对象与现有助餐点不重叠，属于补充服务，异议不成立。"
OPEN_TEXT = "项目预算中的宣传物料费用偏高，希望主办方核实。"


def _round() -> FundingRound | None:
    """Round 7, created by the rounds seed."""
    query = select(FundingRound).where(FundingRound.round_no == ROUND_NO)
    return db.session.scalar(query.order_by(FundingRound.id))


def _user(username: str) -> User | None:
    """A demo account by username."""
    return db.session.scalar(select(User).where(User.username == username))


def seed() -> Iterator[str]:
    """Propose, publish and object to round 7's awards (skipped when not possible or done)."""
    funding_round = _round()
    organizer = _user("organizer")
    if funding_round is None or organizer is None:
        yield "awards: round 7 or the organizer account not found, skipped"
        return
    if db.session.scalar(select(func.count(Award.id)).where(Award.round_id == funding_round.id)):
        yield "awards: round 7 already has awards"
        return
    try:
        candidates = awards.ranking_candidates(funding_round.id)
    except ValueError as error:
        candidates, reason = [], str(error)
    else:
        reason = "no scored proposals"
    if not candidates:
        yield f"awards: round 7 has no ranking yet ({reason}), skipped"
        return
    yield from _award_and_publish(funding_round, organizer, candidates)


def _award_and_publish(funding_round: FundingRound, organizer: User, candidates) -> Iterator[str]:
    """Run the solver, publish the notice, then file one objection and rule on another."""
    awards.save_settings(funding_round.id, MIN_SCORE, False, organizer)
    made = awards.propose_awards(funding_round.id, candidates, organizer)
    yield f"awards: {len(made)} proposed from {len(candidates)} ranked proposals"
    notice = notices.publish_notice(funding_round.id, organizer)
    yield f"notice: published {notices.period_text(notice)}"
    if len(made) < 2:
        return
    objector = _user("resident5")
    resolved = notices.file_objection(
        made[0].id, RESOLVED_TEXT, user=objector, name="居民", phone="13800000005"
    )
    notices.dismiss_objection(resolved.id, organizer, DISMISS_REASON)
    notices.file_objection(made[-1].id, OPEN_TEXT, name="王先生", phone="13951234567")
    yield "objections: 1 dismissed, 1 waiting for the organizer"
