"""Builders the payment tests share: signed awards with their tranches, and the people.

:func:`signed_awards` writes the rows directly (no audit), the way ``tests/factories`` builds
rounds and proposals, so a test can have 30 or 200 awards in a blink; :func:`countersigned`
walks the real path (award, notice, confirmation, both signatures), for the tests about what
the countersignature does.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import insert, select

from grants.domain.awards import Candidate
from grants.domain.tranches import DEFAULT_PLAN, schedule
from grants.extensions import db
from grants.models import BudgetLine, Proposal
from grants.models.awards import Agreement, Award, Tranche
from grants.models.base import utcnow
from tests.factories import make_community, make_proposal, make_round
from tests.helpers import create_user

PAYEE = "东山街道阳光社工服务中心"
ACCOUNT = "6222020200001234567"
SIGNED_AT = datetime(2026, 12, 1, 2, 0)
"""A countersignature time (naive UTC): 10:00 on Tuesday 1 December 2026 in Beijing."""


def finance_team(count: int = 3, *extra_roles: str) -> list:
    """``count`` finance officers ``cashier1``…"""
    return [create_user(f"cashier{i}", "finance", *extra_roles) for i in range(1, count + 1)]


def signed_awards(count: int, *, amount_fen: int = 1_000_000, funding_round=None,
                  applicant=None, signed_at: datetime = SIGNED_AT, first_due: bool = True,
                  tranche_fen: int | None = None) -> list[int]:
    """``count`` awards of one round with countersigned agreements and default-plan tranches
    (the first one due unless ``first_due`` is false), written directly; returns their ids.

    ``tranche_fen`` gives every tranche that amount instead of its share (a plan typed wrong,
    so that only the award-wide limit stops the money).
    """
    funding_round = funding_round or make_round("notice", pool_fen=2_000_000_000)
    applicant = applicant or create_user("grantee", "resident")
    community = make_community()
    now = utcnow()
    start = db.session.scalar(select(db.func.count(Award.id))) or 0
    proposal_ids = db.session.scalars(insert(Proposal).returning(Proposal.id), [
        dict(round_id=funding_round.id, applicant_id=applicant.id, community_id=community.id,
             status="awarded", title=f"微项目{start + i}", category="助老",
             requested_fen=amount_fen, version=1, submitted_at=now, first_submitted_at=now,
             activities=[], team=[])
        for i in range(1, count + 1)
    ]).all()
    db.session.execute(insert(BudgetLine), [
        dict(proposal_id=pid, position=0, item="食材", cost_category="materials",
             unit_price_fen=amount_fen, quantity=1, subtotal_fen=amount_fen)
        for pid in proposal_ids
    ])
    award_ids = db.session.scalars(insert(Award).returning(Award.id), [
        dict(round_id=funding_round.id, proposal_id=pid, rank=start + i, amount_fen=amount_fen,
             requested_fen=amount_fen, status="agreement_signed", score=Decimal("85"))
        for i, pid in enumerate(proposal_ids, 1)
    ]).all()
    db.session.execute(insert(Agreement), [
        dict(award_id=aid, number=f"JN-2026-07-{start + i:03d}", status="countersigned",
             applicant_signed_at=signed_at, applicant_signer_id=applicant.id,
             organizer_signed_at=signed_at)
        for i, aid in enumerate(award_ids, 1)
    ])
    db.session.execute(insert(Tranche), [
        dict(award_id=aid, sequence=t.sequence, share_bp=t.share_bp,
             amount_fen=tranche_fen if tranche_fen is not None else t.amount_fen, gate=t.gate,
             status="due" if first_due and t.sequence == 1 else "pending", created_at=now)
        for aid in award_ids for t in schedule(amount_fen, DEFAULT_PLAN)
    ])
    db.session.commit()
    return list(award_ids)


def tranche_ids(award_id: int) -> list[int]:
    """The award's tranche ids in sequence order."""
    return db.session.scalars(
        select(Tranche.id).where(Tranche.award_id == award_id).order_by(Tranche.sequence)).all()


def make_due(*ids: int) -> None:
    """Put tranches in ``due`` directly (as if their gates were met)."""
    for tranche_id in ids:
        db.session.get(Tranche, tranche_id).status = "due"
    db.session.commit()


def countersigned(organizer, applicant, amount_fen: int = 1_200_000, funding_round=None):
    """One award taken through the real path to a countersigned agreement; returns it."""
    from grants.services import agreements, awards, notices

    funding_round = funding_round or make_round("notice", pool_fen=3_000_000)
    proposal = make_proposal(funding_round, applicant, status="scored", title="银龄互助食堂",
                             amount_fen=amount_fen)
    awards.propose_awards(funding_round.id, [
        Candidate(proposal.id, 1, proposal.title, Decimal("91"), amount_fen)], organizer)
    notice = notices.publish_notice(funding_round.id, organizer, today=date(2026, 7, 6))
    notices.confirm_notice(notice.id, organizer, today=date(2026, 7, 13))
    (agreement,) = agreements.agreements_of_round(funding_round.id)
    agreements.sign_as_applicant(agreement.id, applicant)
    agreements.countersign(agreement.id, organizer)
    return agreement.award
