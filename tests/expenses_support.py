"""Builders for the fund-supervision tests: a signed award in implementation with three budget
lines, money paid on it (payment rows written directly, as the payments service would leave
them), receipt bytes and expense forms."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from grants.domain.awards import Candidate
from grants.domain.clock import local_date
from grants.domain.lifecycles import AWARD
from grants.extensions import db
from grants.models import BudgetLine, User
from grants.models.awards import Award
from grants.models.base import utcnow
from grants.models.payments import Payment
from grants.services import agreements, awards, notices, unit_of_work
from grants.services.lifecycle import apply
from tests.factories import make_proposal, make_round
from tests.helpers import create_user

LINES = (("食材", "materials", 600_000), ("宣传海报", "publicity", 200_000),
         ("场地租用", "venue", 200_000))
"""The three approved lines of every test award: ¥6,000 + ¥2,000 + ¥2,000 = ¥10,000."""
_ROUND_NO = itertools.count(21)
_BANK_REF = itertools.count(1)


def pdf(text: str = "receipt") -> bytes:
    """A small file that really is a PDF (its content decides, not its name)."""
    return b"%PDF-1.4\n" + text.encode() + b"\n%%EOF\n"


def png(text: str = "photo") -> bytes:
    """A small file that starts like a PNG."""
    return b"\x89PNG\r\n\x1a\n" + text.encode()


@dataclass
class People:
    """The accounts of the fund-supervision tests."""

    organizer: User
    finance: User
    finance2: User
    grantee: User
    other: User


def people() -> People:
    """An organizer, two finance officers, a grantee and another resident."""
    return People(create_user("wangmin", "organizer"), create_user("caiwu1", "finance"),
                  create_user("caiwu2", "finance"), create_user("zhangguilan", "resident"),
                  create_user("lisi", "resident"))


def signed_award(who: People, grantee: User | None = None, title: str = "银龄互助食堂",
                 implementing: bool = True) -> Award:
    """A confirmed award with an agreement signed by both sides, in implementation, whose
    round's implementation period covers the last 60 and the next 120 days."""
    grantee = grantee or who.grantee
    today = local_date()
    funding_round = make_round("notice", pool_fen=5_000_000, round_no=next(_ROUND_NO),
                               implementation_start=today - timedelta(days=60),
                               implementation_end=today + timedelta(days=120))
    proposal = make_proposal(funding_round, grantee, status="scored", amount_fen=1_000_000,
                             title=title)
    proposal.lines = [BudgetLine(position=i, item=item, cost_category=category,
                                 unit_price_fen=fen, quantity=1, subtotal_fen=fen)
                      for i, (item, category, fen) in enumerate(LINES)]
    db.session.commit()
    cand = Candidate(proposal.id, 1, proposal.title, Decimal("90"), 1_000_000)
    awards.propose_awards(funding_round.id, [cand], who.organizer)
    notice = notices.publish_notice(funding_round.id, who.organizer, today=date(2026, 7, 6))
    notices.confirm_notice(notice.id, who.organizer, today=date(2026, 7, 13))
    agreement = agreements.agreements_of_round(funding_round.id)[0]
    agreements.sign_as_applicant(agreement.id, grantee)
    agreements.countersign(agreement.id, who.organizer)
    award = agreement.award
    if implementing:
        with unit_of_work():
            apply(AWARD, award, "start_implementation", who.organizer)
    return award


def move(award: Award, action: str, actor) -> None:
    """Move an award along its lifecycle as the evaluation issue will (pass_midterm…)."""
    with unit_of_work():
        apply(AWARD, db.session.get(Award, award.id), action, actor)


def pay(award: Award, amount_fen: int, who: People) -> Payment:
    """A paid payment of ``amount_fen`` on the award's first tranche (requested by one finance
    officer, approved by the other), as the payments service stores it."""
    tranche = award.tranches[0]
    payment = Payment(
        tranche_id=tranche.id, award_id=award.id, amount_fen=amount_fen,
        payee_name="张桂兰", payee_account="6222020200001234567", status="paid",
        requested_by_id=who.finance.id, approved_by_id=who.finance2.id, approved_at=utcnow(),
        approval_digest="0" * 64, paid_by_id=who.finance.id, paid_at=utcnow(),
        bank_reference=f"PAY{next(_BANK_REF):06d}", value_date=local_date(),
        paying_account="3201000000000001")
    db.session.add(payment)
    db.session.commit()
    return payment


def line_ids(award: Award) -> list[int]:
    """The award's budget line ids in position order."""
    return [line.id for line in db.session.get(Award, award.id).budget_lines]


def form(award: Award, line: int = 0, amount: str = "1000", **fields) -> dict[str, object]:
    """An expense form on the award's ``line``-th budget line, dated today."""
    data: dict[str, object] = {
        "budget_line_id": str(line_ids(award)[line]), "spent_on": local_date().isoformat(),
        "amount": amount, "payee": "东山农贸市场", "description": "助餐食材采购",
    }
    data.update(fields)
    return data
