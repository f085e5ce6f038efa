"""Builders the judging tests share: a round in judging with a panel and eligible proposals."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from grants.domain.judging_rules import SettingsInput
from grants.extensions import db
from grants.models import FundingRound, Proposal, User
from grants.models.base import utcnow
from grants.models.judging import Assignment, PanelMember, Score, ScoreSheet
from grants.services import judging
from tests.factories import make_proposal, make_round
from tests.helpers import create_user

MAXIMA = {"need_fit": 20, "feasibility": 25, "innovation": 15, "budget": 20, "sustainability": 20}


@dataclass
class Setup:
    """A round in its judging window, its organizer, panel judges and eligible proposals."""

    round: FundingRound
    organizer: User
    judges: list[User]
    proposals: list[Proposal]


def build(
    judges: int = 3, proposals: int = 2, assign: bool = True, prefix: str = "", **settings
) -> Setup:
    """Create the round, an organizer, ``judges`` judges on the panel and eligible proposals."""
    funding_round = make_round("judging")
    organizer = create_user(f"{prefix}organizer", "organizer", display_name="主办方王敏")
    applicant = create_user(f"{prefix}applicant", "resident", display_name="申报人张桂兰")
    panel = [
        create_user(f"{prefix}judge{i}", "judge", display_name=f"评审专家{i}号")
        for i in range(1, judges + 1)
    ]
    items = [
        make_proposal(
            funding_round,
            applicant,
            status="eligible",
            title=f"微项目{i}",
            amount_fen=500_000 + i * 10_000,
        )
        for i in range(1, proposals + 1)
    ]
    for judge in panel:
        judging.add_judge(funding_round.id, judge.id, organizer)
    if settings:
        values = {
            name: getattr(judging.settings_for(funding_round.id), name)
            for name in judging.SETTINGS_FIELDS
        }
        values.update(settings)
        judging.update_settings(funding_round.id, SettingsInput(**values), organizer)
    if assign:
        judging.generate_assignments(funding_round.id, organizer)
    return Setup(funding_round, organizer, panel, items)


def split_total(total: float | int | Decimal) -> dict[str, Decimal]:
    """Points per criterion adding up to ``total`` (filled in rubric order, half points)."""
    remaining = Decimal(str(total))
    points = {}
    for key, maximum in MAXIMA.items():
        give = min(Decimal(maximum), remaining)
        points[key] = give
        remaining -= give
    assert remaining == 0
    return points


def write_sheet(
    funding_round: FundingRound,
    judge_id: int,
    proposal_id: int,
    points: dict[str, Decimal],
    comment: str = "",
    submitted: bool = True,
) -> ScoreSheet:
    """Store a sheet directly (fast, no audit): for ranking tests with many sheets."""
    criteria = {c.key: c.id for c in judging.criteria_rows(funding_round.id)}
    if (
        not db.session.query(PanelMember)
        .filter_by(round_id=funding_round.id, judge_id=judge_id)
        .first()
    ):
        db.session.add(PanelMember(round_id=funding_round.id, judge_id=judge_id))
    db.session.add(
        Assignment(round_id=funding_round.id, judge_id=judge_id, proposal_id=proposal_id)
    )
    sheet = ScoreSheet(
        round_id=funding_round.id,
        judge_id=judge_id,
        proposal_id=proposal_id,
        status="submitted" if submitted else "draft",
        comment=comment,
        submitted_at=utcnow() if submitted else None,
    )
    sheet.scores = [
        Score(
            judge_id=judge_id,
            proposal_id=proposal_id,
            criterion_id=criteria[key],
            half_points=int(value * 2),
        )
        for key, value in points.items()
    ]
    db.session.add(sheet)
    db.session.commit()
    return sheet


def form_points(funding_round: FundingRound, points: dict[str, object]) -> dict[int, str]:
    """Service-ready entries (criterion id → typed text) from points by criterion key."""
    criteria = {c.key: c.id for c in judging.criteria_rows(funding_round.id)}
    return {criteria[key]: str(value) for key, value in points.items()}
