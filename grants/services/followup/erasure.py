"""Erasing beneficiaries' numbers a set time after the round closes (a command, for cron).

A round closes at the end of its implementation period; its lists' numbers are erased
``erase_after_days`` (a round setting, default 90) days later. Each list is erased in its own
transaction — every number emptied, numbers typed into its callers' notes masked as pages
show them, the list stamped — and audited once as ``beneficiary_list.erase_numbers`` (role
``system``) with how many numbers and notes and the due date. Names, communities, services
and outcomes stay: the statistics do not need the numbers.
Running it again erases nothing more.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select, update

from grants.domain.beneficiaries import mask_numbers_in
from grants.domain.clock import local_date, now_utc, stored
from grants.extensions import db
from grants.models import FundingRound
from grants.models.followup import Beneficiary, BeneficiaryList, FollowUpAttempt, FollowUpCall
from grants.services import audit, locked, unit_of_work
from grants.services.followup.samples import rules_of


@dataclass(frozen=True)
class DueList:
    """A list whose numbers are due for erasure, and since when."""

    list_id: int
    award_id: int
    round_id: int
    due_on: date


def due_lists(now: datetime | None = None) -> list[DueList]:
    """Lists not yet erased whose round closed at least its erasure period ago."""
    today = local_date(now)
    rows = db.session.execute(
        select(BeneficiaryList.id, BeneficiaryList.award_id, BeneficiaryList.round_id,
               FundingRound.implementation_end)
        .join(FundingRound, BeneficiaryList.round_id == FundingRound.id)
        .where(BeneficiaryList.numbers_erased_at.is_(None)).order_by(BeneficiaryList.id)).all()
    due, rules = [], {}
    for list_id, award_id, round_id, implementation_end in rows:
        rules.setdefault(round_id, rules_of(round_id))
        due_on = rules[round_id].erase_on(implementation_end)
        if today >= due_on:
            due.append(DueList(list_id, award_id, round_id, due_on))
    return due


def _mask_notes(list_id: int) -> int:
    """Mask the numbers typed into the notes of calls on one list's beneficiaries; returns how
    many notes changed."""
    attempts = db.session.scalars(
        select(FollowUpAttempt)
        .join(FollowUpCall, FollowUpAttempt.call_id == FollowUpCall.id)
        .join(Beneficiary, FollowUpCall.beneficiary_id == Beneficiary.id)
        .where(Beneficiary.list_id == list_id, FollowUpAttempt.notes != ""))
    changed = 0
    for attempt in attempts:
        masked = mask_numbers_in(attempt.notes)
        if masked != attempt.notes:
            attempt.notes = masked
            changed += 1
    return changed


def erase_list(item: DueList, now: datetime | None = None) -> int:
    """Erase one list's numbers and audit it; returns how many numbers were erased (0 when
    another run got there first)."""
    with unit_of_work():
        target = locked(BeneficiaryList, item.list_id)
        if target.numbers_erased_at is not None:
            return 0
        count = db.session.scalar(select(func.count(Beneficiary.id)).where(
            Beneficiary.list_id == target.id, Beneficiary.phone != ""))
        db.session.execute(update(Beneficiary).where(Beneficiary.list_id == target.id)
                           .values(phone=""))
        notes = _mask_notes(target.id)
        target.numbers_erased_at = stored(now_utc(now))
        audit.record("beneficiary_list.erase_numbers", "beneficiary_list", target.id,
                     {"award_id": item.award_id, "round_id": item.round_id, "numbers": count,
                      "notes_masked": notes, "due_on": item.due_on.isoformat()})
    return count


def erase_due_numbers(now: datetime | None = None) -> list[tuple[DueList, int]]:
    """Erase every list that is due; each with the count erased."""
    return [(item, erase_list(item, now)) for item in due_lists(now)]
