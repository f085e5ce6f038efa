"""Test data builders for rounds, organisations and proposals (written directly, no audit)."""

from __future__ import annotations

from datetime import timedelta

from grants.demo import demo_uscc
from grants.extensions import db
from grants.models import BudgetLine, Community, FundingRound, Organisation, Proposal
from grants.models.base import utcnow


def make_community(name: str = "东山社区") -> Community:
    """A community in 东山街道 (reused when it exists)."""
    found = db.session.query(Community).filter_by(name=name).first()
    if found:
        return found
    community = Community(district="江宁区", street="东山街道", name=name)
    db.session.add(community)
    db.session.commit()
    return community


def make_round(phase: str = "submission", **overrides) -> FundingRound:
    """A round whose dates put ``now`` in the given phase (needs, submission, screening, judging)."""
    now = utcnow()
    day = timedelta(days=1)
    offsets = {"needs": 0, "submission": 1, "screening": 2, "judging": 3, "notice": 4}[phase]
    start = now - day * (3 * offsets + 1)
    fields = dict(
        name="第七届公益创投微项目", round_no=7, district="江宁区", street="东山街道",
        pool_fen=10_000_000, needs_open=start, needs_close=start + 3 * day,
        submit_open=start + 3 * day, submit_close=start + 6 * day,
        screening_close=start + 9 * day, return_deadline=start + 8 * day,
        judging_open=start + 9 * day, judging_close=start + 12 * day, notice_days=5,
        implementation_start=(start + 20 * day).date(), implementation_end=(start + 200 * day).date(),
    )
    fields.update(overrides)
    funding_round = FundingRound(**fields)
    db.session.add(funding_round)
    db.session.commit()
    return funding_round


def make_org(index: int = 1, name: str | None = None) -> Organisation:
    """An organisation with a valid 统一社会信用代码."""
    org = Organisation(name=name or f"测试社会组织{index}", uscc=demo_uscc(900 + index),
                       contact_name="联系人", contact_phone="13900000000",
                       bank_name="江苏银行", bank_account="6222021000000001234")
    db.session.add(org)
    db.session.commit()
    return org


def make_proposal(funding_round, applicant, status: str = "submitted", amount_fen: int = 1_000_000,
                  organisation=None, title: str = "银龄互助食堂", **fields) -> Proposal:
    """A proposal with one budget line summing to ``amount_fen``."""
    community = make_community()
    proposal = Proposal(
        round_id=funding_round.id, applicant_id=applicant.id, status=status, title=title,
        organisation_id=getattr(organisation, "id", None), community_id=community.id,
        category="助老", background="背景", objectives="目标", outcomes="成效",
        beneficiaries="社区独居老人", beneficiary_count=60, contact_name="张桂兰",
        contact_phone="13800000001", requested_fen=amount_fen, version=1,
        team=[] if organisation else ["张桂兰", "刘建国", "陈秀英"],
        activities=[{"activity": "助餐", "dates": "2026-12", "place": "社区食堂"}],
        submitted_at=None if status == "draft" else utcnow(),
        first_submitted_at=None if status == "draft" else utcnow(), **fields)
    proposal.lines = [BudgetLine(position=0, item="食材", cost_category="materials",
                                 unit_price_fen=amount_fen, quantity=1, subtotal_fen=amount_fen)]
    db.session.add(proposal)
    db.session.commit()
    return proposal
