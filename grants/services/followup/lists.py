"""Beneficiary lists: the grantee uploads, everyone allowed reads them with numbers masked.

An upload is checked whole before anything is written: a file-level problem (size, type,
header, too many rows) or any bad row refuses the upload with every row's message and changes
nothing. A good list is stored in canonical order with its hash, as a new list (the latest is
the project's current one), and audited once as ``beneficiary_list.upload`` — with the count
and the hash, never a number.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import false, func, insert, or_, select
from sqlalchemy.orm import joinedload

from grants.domain.beneficiaries import (
    MAX_PROBLEMS,
    canonical_rows,
    list_hash,
    mask_phone,
    parse_table,
    summary_problem,
)
from grants.domain.beneficiaries import Beneficiary as Row
from grants.domain.clock import now_utc, stored
from grants.domain.errors import Refusal
from grants.domain.i18n import msg, tr
from grants.domain.permissions import Decision, owns_proposal
from grants.domain.permissions import followup as perms
from grants.extensions import db
from grants.models.awards import Award
from grants.models.followup import Beneficiary, BeneficiaryList
from grants.models.proposals import Proposal
from grants.services import audit, is_row_id, locked, unit_of_work
from grants.services.followup.files import read_table

PREVIEW_ROWS = 100
"""Rows of the current list shown on its page (all of them are counted)."""


def not_found() -> Refusal:
    """The one answer for a list the reader may not see or that does not exist."""
    return Refusal(tr(perms.NOT_FOUND), status=404)


def visible_award(user, award_id: object) -> Award:
    """The award when ``user`` may see its beneficiary list; a 404 otherwise."""
    if not is_row_id(award_id):
        raise not_found()
    award = db.session.scalar(
        select(Award).where(Award.id == award_id).options(joinedload(Award.proposal)))
    if award is None or not perms.can_view_list(user, award.proposal)[0]:
        raise not_found()
    return award


def current_list(award_id: int) -> BeneficiaryList | None:
    """The award's latest list."""
    return db.session.scalar(select(BeneficiaryList).where(BeneficiaryList.award_id == award_id)
                             .order_by(BeneficiaryList.id.desc()).limit(1))


def checked_rows(data: bytes) -> list[Row]:
    """The file's rows once every one is good; else a refusal listing each bad row (at most
    :data:`MAX_PROBLEMS`, then how many more)."""
    parsed = parse_table(read_table(data))
    if parsed.header_problem:
        raise Refusal(parsed.header_problem)
    if parsed.problems:
        shown = [problem.message for problem in parsed.problems[:MAX_PROBLEMS]]
        if len(parsed.problems) > MAX_PROBLEMS:
            shown.append(msg("……另有 {count} 行有问题，未逐一列出",
                             count=len(parsed.problems) - MAX_PROBLEMS))
        raise Refusal(summary_problem(len(parsed.problems)), problems=shown)
    return list(parsed.rows)


def _check_upload(user, award: Award) -> None:
    """Another grantee's award is not found; the owner may upload once signed (409 before)."""
    if not owns_proposal(user, award.proposal):
        raise not_found()
    allowed, reason = perms.can_upload_list(user, award.proposal, award.status)
    if not allowed:
        raise Refusal(reason, status=409)


def _store(award: Award, user, filename: str, rows: list[Row], moment: datetime) -> BeneficiaryList:
    """The list and its rows in canonical order (position = the draw's row index)."""
    stored_list = BeneficiaryList(
        award_id=award.id, round_id=award.round_id, uploaded_by_id=user.id,
        uploaded_at=stored(moment), filename=(filename or "")[:200], row_count=len(rows),
        list_hash=list_hash(rows))
    db.session.add(stored_list)
    db.session.flush()
    db.session.execute(insert(Beneficiary), [
        dict(list_id=stored_list.id, position=position, **row)
        for position, row in enumerate(canonical_rows(rows))])
    return stored_list


def upload_list(user, award_id: int, filename: str, data: bytes,
                now: datetime | None = None) -> BeneficiaryList:
    """Store the grantee's list for an award it owns; audited once as
    ``beneficiary_list.upload`` (role ``applicant``). A bad file or row changes nothing."""
    _check_upload(user, visible_award(user, award_id))
    rows = checked_rows(data)
    moment = now_utc(now)
    with unit_of_work():
        award = locked(Award, award_id, tr(perms.NOT_FOUND))
        _check_upload(user, award)
        previous = current_list(award.id)
        stored_list = _store(award, user, filename, rows, moment)
        audit.record("beneficiary_list.upload", "beneficiary_list", stored_list.id, {
            "award_id": award.id, "round_id": award.round_id, "rows": len(rows),
            "list_hash": stored_list.list_hash,
            "replaces": previous.id if previous else None,
        }, actor=user, actor_role="applicant")
    return stored_list


# --- reading -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ListRow:
    """One beneficiary as pages show it: the number masked."""

    position: int
    name: str
    masked_phone: str
    community: str
    service: str
    erased: bool


@dataclass(frozen=True)
class ListPage:
    """A project's list page: the current list (first rows, numbers masked), earlier uploads
    and whether the reader may upload."""

    award: Award
    proposal: Proposal
    current: BeneficiaryList | None
    rows: list[ListRow]
    history: list[BeneficiaryList]
    can_upload: Decision
    owner: bool


def masked_rows(list_id: int, limit: int = PREVIEW_ROWS) -> list[ListRow]:
    """The first ``limit`` rows of a list in canonical order, each number masked."""
    found = db.session.scalars(select(Beneficiary).where(Beneficiary.list_id == list_id)
                               .order_by(Beneficiary.position).limit(limit))
    return [ListRow(row.position, row.name, mask_phone(row.phone), row.community, row.service,
                    not row.phone) for row in found]


def list_page(user, award_id: int) -> ListPage:
    """What the list page of an award shows ``user`` (404 for anyone who may not see it)."""
    award = visible_award(user, award_id)
    history = list(db.session.scalars(select(BeneficiaryList)
                                      .where(BeneficiaryList.award_id == award.id)
                                      .order_by(BeneficiaryList.id.desc())))
    current = history[0] if history else None
    return ListPage(award, award.proposal, current,
                    masked_rows(current.id) if current else [], history,
                    perms.can_upload_list(user, award.proposal, award.status),
                    owns_proposal(user, award.proposal))


@dataclass(frozen=True)
class OwnedAward:
    """One award of the grantee's with its current list's size (0 before any upload)."""

    award: Award
    rows: int
    uploaded_at: datetime | None


def my_awards(user) -> list[OwnedAward]:
    """The awards ``user`` owns whose projects keep a beneficiary list, newest first."""
    org_id = getattr(user, "organisation_id", None)
    mine = or_(Proposal.applicant_id == user.id,
               Proposal.organisation_id == org_id if org_id is not None else false())
    awards = db.session.scalars(
        select(Award).join(Proposal, Award.proposal_id == Proposal.id)
        .where(Award.status.in_(perms.LIST_AWARD_STATES), mine)
        .options(joinedload(Award.proposal)).order_by(Award.id.desc())).all()
    owned = [award for award in awards if owns_proposal(user, award.proposal)]
    latest = _latest_lists([award.id for award in owned])
    return [OwnedAward(award, latest[award.id].row_count if award.id in latest else 0,
                       latest[award.id].uploaded_at if award.id in latest else None)
            for award in owned]


def _latest_lists(award_ids: list[int]) -> dict[int, BeneficiaryList]:
    """Each award's current list, in one statement."""
    if not award_ids:
        return {}
    newest = (select(func.max(BeneficiaryList.id)).where(BeneficiaryList.award_id.in_(award_ids))
              .group_by(BeneficiaryList.award_id))
    return {row.award_id: row for row in db.session.scalars(
        select(BeneficiaryList).where(BeneficiaryList.id.in_(newest)))}


def current_lists(award_ids: list[int]) -> dict[int, BeneficiaryList]:
    """The current list of each of these awards (those with one)."""
    return _latest_lists(award_ids)
