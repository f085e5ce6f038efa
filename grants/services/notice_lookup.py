"""What anyone may look up from a public notice: the summary of a project on it (title,
community, category, budget by line, the needs it answers — nothing private), and their own
objection receipt by its number and the phone they left."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from grants.domain.permissions.awards import public_applicant
from grants.domain.proposals import normalise_phone
from grants.domain.receipts import parse_receipt
from grants.extensions import db
from grants.models import Proposal
from grants.models.awards import Award, Objection


@dataclass(frozen=True)
class PublicLine:
    """One budget line as the public reads it."""

    item: str
    cost_category: str
    unit_price_fen: int
    quantity: int
    subtotal_fen: int


@dataclass(frozen=True)
class PublicSummary:
    """A project on a notice, as the public may read it: no phones, no member names, no
    accounts, no attachments."""

    award: Award
    title: str
    applicant: str
    community: str
    category: str
    requested_fen: int
    amount_fen: int
    lines: tuple[PublicLine, ...]
    needs: tuple[str, ...]


def public_summary(notice_id: int, award_id: int) -> PublicSummary | None:
    """The summary of an award on this notice, or ``None`` when the notice has no such award."""
    award = db.session.scalar(
        select(Award)
        .where(Award.id == award_id, Award.notice_id == notice_id)
        .options(selectinload(Award.proposal).selectinload(Proposal.lines),
                 selectinload(Award.proposal).selectinload(Proposal.needs))
    )
    if award is None:
        return None
    p = award.proposal
    leader = p.contact_name or (p.team[0] if p.team else "")
    return PublicSummary(
        award=award,
        title=p.title,
        applicant=public_applicant(p.organisation.name if p.organisation else None, leader),
        community=p.community.name if p.community else "",
        category=p.category,
        requested_fen=p.requested_fen,
        amount_fen=award.amount_fen,
        lines=tuple(PublicLine(line.item, line.cost_category, line.unit_price_fen,
                               line.quantity, line.subtotal_fen) for line in p.lines),
        needs=tuple(need.title for need in p.needs),
    )


def find_receipt(number: str, phone: str) -> Objection | None:
    """The objection whose receipt number and left phone both match what was typed, else
    ``None`` (one answer for a wrong number and a wrong phone, so neither can be probed).

    Objections filed from an account left no phone: their objector finds them under 我的异议.
    """
    objection_id = parse_receipt(number)
    typed = normalise_phone(phone)
    if objection_id is None or typed is None:
        return None
    objection = db.session.get(Objection, objection_id)
    if objection is None or not objection.phone:
        return None
    return objection if normalise_phone(objection.phone) == typed else None
