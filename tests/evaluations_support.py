"""Builders for the evaluation tests: signed awards in implementation with planned activities and
two budget lines (rows written directly, no audit, as ``tests/payments_support`` does), the
people, report and score forms, and the steps that take an evaluation to its result.

Tranches follow the default plan (50 % at signing — paid here —, 40 % at the mid-term, 10 % at
the final evaluation), so a failed mid-term has money to claw back and a tranche to block.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import insert, select, update

from grants.domain.clock import local_date
from grants.extensions import db
from grants.models import Proposal, User
from grants.models.awards import Agreement, Award, AwardBudgetLine, Tranche
from grants.models.base import utcnow
from grants.models.evaluations import Evaluation
from grants.models.payments import Payment
from grants.services import evaluations as svc
from tests.factories import make_org, make_round
from tests.helpers import create_user
from tests.payments_support import signed_awards

ACTIVITIES = [{"activity": "助餐服务", "dates": "每周一至周五", "place": "社区食堂"},
              {"activity": "健康讲座", "dates": "每月一次", "place": "活动室"}]
LINES = (("食材", "materials", 700_000), ("宣传海报", "publicity", 300_000))
AWARD_FEN = 1_000_000
PHOTO = b"\x89PNG\r\n\x1a\n" + b"activity photo"
_BANK = itertools.count(1)


@dataclass
class People:
    """The accounts of the evaluation tests."""

    organizer: User
    grantee: User
    other: User
    evaluator: User
    evaluator2: User
    finance: User
    finance2: User


def people() -> People:
    """An organizer, a grantee (organisation member), another grantee, two evaluators and two
    finance officers."""
    org, other_org = make_org(1), make_org(2)
    return People(
        create_user("wangmin", "organizer"),
        create_user("grantee", "org_member", organisation_id=org.id),
        create_user("othergrantee", "org_member", organisation_id=other_org.id),
        create_user("pinggu1", "evaluator"), create_user("pinggu2", "evaluator"),
        create_user("cashier1", "finance"), create_user("cashier2", "finance"))


def implementing_awards(who: People, count: int = 1, grantee: User | None = None,
                        funding_round=None) -> list[int]:
    """``count`` signed awards in implementation owned by ``grantee``'s organisation, with
    planned activities, two frozen budget lines and the first tranche paid."""
    grantee = grantee or who.grantee
    funding_round = funding_round or make_round("notice", pool_fen=2_000_000_000)
    ids = signed_awards(count, amount_fen=AWARD_FEN, applicant=grantee,
                        funding_round=funding_round)
    proposals = select(Award.proposal_id).where(Award.id.in_(ids))
    db.session.execute(update(Proposal).where(Proposal.id.in_(proposals)).values(
        activities=ACTIVITIES, organisation_id=grantee.organisation_id))
    db.session.execute(update(Award).where(Award.id.in_(ids)).values(status="implementing"))
    db.session.execute(update(Agreement).where(Agreement.award_id.in_(ids)).values(
        organizer_signer_id=who.organizer.id))
    db.session.execute(insert(AwardBudgetLine), [
        dict(award_id=aid, position=i, item=item, cost_category=category, unit_price_fen=fen,
             quantity=1, subtotal_fen=fen)
        for aid in ids for i, (item, category, fen) in enumerate(LINES)])
    for award_id in ids:
        _pay_first(award_id, who)
    db.session.commit()
    return ids


def _pay_first(award_id: int, who: People) -> None:
    """The first tranche paid (as the payments service leaves it)."""
    tranche = db.session.scalar(select(Tranche).where(Tranche.award_id == award_id,
                                                      Tranche.sequence == 1))
    db.session.add(Payment(
        tranche_id=tranche.id, award_id=award_id, amount_fen=tranche.amount_fen,
        payee_name="测试社会组织1", payee_account="6222021000000001234", status="paid",
        requested_by_id=who.finance.id, approved_by_id=who.finance2.id, approved_at=utcnow(),
        approval_digest="0" * 64, paid_by_id=who.finance.id, paid_at=utcnow(),
        bank_reference=f"PAY{next(_BANK):06d}", value_date=local_date(),
        paying_account="3201000000000001"))
    tranche.status = "paid"


def due(days: int = 20) -> str:
    """A deadline ``days`` from today."""
    return (local_date() + timedelta(days=days)).isoformat()


def report_form(**fields) -> dict[str, str]:
    """A complete report form for the two planned activities."""
    data = {"activity_0_status": "done", "activity_0_note": "已开展 120 次助餐",
            "activity_1_status": "partly", "activity_1_note": "已办 3 场讲座",
            "other_activities": "", "beneficiaries": "86",
            "summary": "老人用餐更规律，志愿者队伍稳定。"}
    data.update(fields)
    return data


def sheet_form(points=(25, 15, 15, 25), comment: str = "实施规范，成效明显。") -> dict[str, str]:
    """Scores for the default four dimensions (30 / 20 / 20 / 30) and a comment."""
    keys = ("implementation", "funding", "finance", "effect")
    data = {f"points_{key}": str(value) for key, value in zip(keys, points, strict=True)}
    data["comment"] = comment
    return data


def evaluation_of(award_id: int, kind: str = "midterm") -> Evaluation:
    """The award's evaluation of ``kind``."""
    return db.session.scalar(select(Evaluation).where(Evaluation.award_id == award_id,
                                                      Evaluation.kind == kind))


def submitted(who: People, award_ids: list[int], kind: str = "midterm",
              evaluators: tuple[User, ...] | None = None) -> list[Evaluation]:
    """Open the evaluations of the awards' round, assign the evaluators and submit each
    report with a photo."""
    round_id = db.session.get(Award, award_ids[0]).round_id
    svc.open_evaluations(who.organizer, round_id, kind, due())
    found = [evaluation_of(award_id, kind) for award_id in award_ids]
    for evaluation in found:
        for evaluator in evaluators or (who.evaluator, who.evaluator2):
            svc.assign_evaluator(who.organizer, evaluation.id, evaluator.id)
        svc.save_report(who.grantee, evaluation.id, report_form(), [("活动.png", PHOTO)],
                        submit=True)
    return found


def scored(who: People, evaluations: list[Evaluation], points=(25, 15, 15, 25)) -> None:
    """Every assigned evaluator submits the same points."""
    for evaluation in evaluations:
        for sheet in list(db.session.get(Evaluation, evaluation.id).sheets):
            evaluator = db.session.get(User, sheet.evaluator_id)
            svc.submit_sheet(evaluator, sheet.id, sheet_form(points))


def in_notice(who: People, round_id: int, kind: str = "midterm", today: date | None = None):
    """Publish the round's scored evaluations of ``kind``; returns the notice."""
    return svc.publish_results(who.organizer, round_id, kind, today=today or local_date())
