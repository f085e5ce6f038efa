"""Eligibility screening (资格审查): the organizer's queue with its checks, and decisions.

The queue is paginated and runs a fixed number of SQL statements whatever the number of
proposals: people are joined into the page query, and the look-alike check compares the
page's titles with every title of their rounds loaded in one query.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from grants.domain.band import check_amount
from grants.domain.i18n import msg, source_language, tr
from grants.domain.lifecycles.proposal import ACTION_LABELS, PROPOSAL, SCREEN_ACTIONS
from grants.domain.orgs import DUPLICATE_THRESHOLD, check_uscc, is_banned, normalise_title
from grants.domain.permissions import proposals as perms
from grants.domain.phases import SHANGHAI, format_local
from grants.domain.proposals import check_reason, transition
from grants.domain.workflow import TransitionError
from grants.extensions import db
from grants.models import FundingRound, Organisation, Proposal
from grants.services import audit, unit_of_work
from grants.services.notifications import notify
from grants.services.proposals import ProposalError, link_to
from grants.services.rounds import band_of, check_phase

PER_PAGE = 20
QUEUE_STATES: tuple[str, ...] = tuple(state for state in PROPOSAL.states if state != "draft")
VERBS = {
    "mark_eligible": "marked_eligible",
    "return": "returned",
    "mark_ineligible": "marked_ineligible",
}


class ScreeningError(ProposalError):
    """A refused screening decision; nothing was changed. ``status`` is the HTTP answer."""


@dataclass(frozen=True)
class Duplicate:
    """Another proposal of the same round whose title looks alike."""

    proposal_id: int
    title: str
    ratio: float


@dataclass(frozen=True)
class Checks:
    """What the organizer is shown beside a proposal before deciding on it."""

    is_team: bool
    uscc_problem: str | None
    banned: bool
    banned_until: date | None
    ban_reason: str
    duplicates: tuple[Duplicate, ...]
    band_problem: str | None

    @property
    def clean(self) -> bool:
        """True when no check raised a concern."""
        return not (self.uscc_problem or self.banned or self.duplicates or self.band_problem)


@dataclass(frozen=True)
class QueueRow:
    """One proposal in the queue with its checks."""

    proposal: Proposal
    checks: Checks


@dataclass(frozen=True)
class Queue:
    """One page of the queue: rows, the pagination object, and the filter in force."""

    rows: list[QueueRow]
    page: object
    round_id: int | None
    status: str


def _today(now: datetime | None) -> date:
    """The calendar date in Asia/Shanghai, the date bans are written in."""
    moment = now or datetime.now(UTC)
    moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment
    return moment.astimezone(SHANGHAI).date()


def _ban_of(org: Organisation, today: date) -> tuple[bool, date | None]:
    """Whether the organisation's recorded ban is in force (a reason with no end = permanent)."""
    if not (org.banned_until or org.ban_reason):
        return False, None
    until = None
    if org.banned_until:
        until = org.banned_until.replace(tzinfo=UTC).astimezone(SHANGHAI).date()
    return is_banned([(org.uscc, until)], org.uscc, today)


def _similar(subject: str, others: dict[int, str], own_id: int) -> tuple[tuple[int, float], ...]:
    """Ids of titles (already normalised) that look like ``subject``, most alike first.

    The same test as :func:`grants.domain.orgs.likely_duplicates`, but one title against
    many, so a page of 20 costs 20 × n comparisons rather than n².
    """
    if not subject:
        return ()
    matcher = difflib.SequenceMatcher(None, autojunk=False)
    matcher.set_seq2(subject)
    found = []
    for other_id, text in others.items():
        if other_id == own_id or not text:
            continue
        matcher.set_seq1(text)
        if (
            matcher.real_quick_ratio() >= DUPLICATE_THRESHOLD
            and matcher.quick_ratio() >= DUPLICATE_THRESHOLD
            and (ratio := matcher.ratio()) >= DUPLICATE_THRESHOLD
        ):
            found.append((other_id, round(ratio, 4)))
    return tuple(sorted(found, key=lambda pair: -pair[1]))


def _round_titles(round_ids: Iterable[int]) -> tuple[dict[int, dict[int, str]], dict[int, str]]:
    """Normalised titles of every non-draft proposal in the rounds, by round; raw titles by id."""
    rows = db.session.execute(
        select(Proposal.id, Proposal.round_id, Proposal.title).where(
            Proposal.round_id.in_(set(round_ids)), Proposal.status != "draft"
        )
    )
    by_round: dict[int, dict[int, str]] = {}
    raw: dict[int, str] = {}
    for pid, rid, title in rows:
        by_round.setdefault(rid, {})[pid] = normalise_title(title)
        raw[pid] = title
    return by_round, raw


def checks_for(proposals: Sequence[Proposal], now: datetime | None = None) -> dict[int, Checks]:
    """The checks of each proposal (organisation, round and people already loaded)."""
    today = _today(now)
    titles, raw = _round_titles(p.round_id for p in proposals)
    result = {}
    for proposal in proposals:
        org = proposal.organisation
        banned, until = _ban_of(org, today) if org else (False, None)
        similar = _similar(
            normalise_title(proposal.title), titles.get(proposal.round_id, {}), proposal.id
        )
        result[proposal.id] = Checks(
            is_team=org is None,
            uscc_problem=check_uscc(org.uscc) if org else None,
            banned=banned,
            banned_until=until,
            ban_reason=org.ban_reason if banned else "",
            duplicates=tuple(Duplicate(pid, raw[pid], ratio) for pid, ratio in similar),
            band_problem=check_amount(proposal.requested_fen, band_of(proposal.round)),
        )
    return result


def _with_people():
    """Eager loads for a queue page: organisation, applicant, community and round in one query."""
    return (
        joinedload(Proposal.organisation),
        joinedload(Proposal.applicant),
        joinedload(Proposal.community),
        joinedload(Proposal.round),
    )


def queue(
    round_id: int | None = None,
    status: str = "submitted",
    page: int = 1,
    per_page: int = PER_PAGE,
    now: datetime | None = None,
) -> Queue:
    """One page of non-draft proposals (of a round, in a state) with their checks."""
    status = status if status in QUEUE_STATES or status == "all" else "submitted"
    query = select(Proposal).where(Proposal.status != "draft")
    if round_id:
        query = query.where(Proposal.round_id == round_id)
    if status != "all":
        query = query.where(Proposal.status == status)
    query = query.options(*_with_people()).order_by(Proposal.submitted_at, Proposal.id)
    pagination = db.paginate(query, page=page, per_page=per_page, error_out=False)
    checks = checks_for(pagination.items, now)
    rows = [QueueRow(item, checks[item.id]) for item in pagination.items]
    return Queue(rows, pagination, round_id, status)


def review(proposal_id: int, now: datetime | None = None) -> QueueRow:
    """One non-draft proposal with its checks, for the screening detail page; else 404."""
    query = select(Proposal).where(Proposal.id == proposal_id).options(*_with_people())
    proposal = db.session.scalar(query)
    if proposal is None or proposal.status == "draft":
        raise ScreeningError(tr(perms.NOT_FOUND), status=404)
    return QueueRow(proposal, checks_for([proposal], now)[proposal.id])


def rounds() -> list[FundingRound]:
    """Every round, newest first, for the queue's filter."""
    return list(db.session.scalars(select(FundingRound).order_by(FundingRound.id.desc())))


# ---------------------------------------------------------------------------------------------
# Decisions


def _check_request(user, ids: Sequence[int], action: str, reason: str) -> None:
    """Refuse before touching anything: role, known action, reason given, something chosen."""
    allowed, message = perms.can_screen(user)
    if not allowed:
        raise ScreeningError(message, status=403)
    if action not in SCREEN_ACTIONS:
        message = msg("请选择审查决定：资格审查通过、退回修改或认定不符合条件")
        raise ScreeningError(message, status=400)
    if problem := check_reason(action, reason):
        raise ScreeningError(problem, status=422)
    if not ids:
        raise ScreeningError(msg("请至少勾选一个申报项目"), status=400)


def _locked_many(ids: Sequence[int]) -> list[Proposal]:
    """Lock the chosen proposals in id order (one order for all, so no deadlocks)."""
    query = (
        select(Proposal)
        .where(Proposal.id.in_(ids))
        .order_by(Proposal.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    found = list(db.session.scalars(query))
    if len(found) != len(ids):
        raise ScreeningError(msg("所选申报中有不存在的项目，本次未做任何更改"), status=404)
    return found


def _target(proposal: Proposal, action: str, now: datetime) -> str:
    """The state after ``action``, or a refusal that names the proposal."""
    title = proposal.title or msg("（未命名）")
    try:
        target = transition(proposal.status, action, frozenset({"organizer"}))
    except TransitionError as error:
        raise ScreeningError(_refusal(title, proposal.id, str(error)), status=409) from error
    if message := check_phase(proposal.round, "screen", now):
        raise ScreeningError(_refusal(title, proposal.id, message), status=409)
    return target


def _refusal(title: str, proposal_id: int, problem: str) -> str:
    """A refusal naming the proposal that stopped the whole batch."""
    return msg(
        "“{title}”（#{id}）：{problem}。本次未做任何更改",
        title=title,
        id=proposal_id,
        problem=problem,
    )


def _message(proposal: Proposal, action: str, reason: str) -> str:
    """The in-app message telling the applicant the decision and, if any, the reason.

    Stored in Chinese (the platform's language), whatever language the organizer reads.
    """
    with source_language():
        if action == "mark_eligible":
            return msg("您的申报“{title}”已通过资格审查，将进入专家评审", title=proposal.title)
        if action == "return":
            deadline = format_local(proposal.round.return_deadline.replace(tzinfo=UTC))
            return msg(
                "您的申报“{title}”被退回修改：{reason}。请于 {deadline} 前修改后重新提交",
                title=proposal.title,
                reason=reason,
                deadline=deadline,
            )
        return msg("您的申报“{title}”未通过资格审查：{reason}", title=proposal.title, reason=reason)


def decide(
    user, proposal_ids: Iterable[int], action: str, reason: str = "", now: datetime | None = None
) -> list[Proposal]:
    """Apply one decision to one or many submitted proposals, all or nothing.

    Each proposal gets its own audit entry and notification, in one transaction: if any
    chosen proposal cannot take the decision, the refusal names it and nothing changes.
    """
    ids = sorted({int(pid) for pid in proposal_ids})
    reason = (reason or "").strip()
    _check_request(user, ids, action, reason)
    moment = now or datetime.now(UTC)
    with unit_of_work():
        proposals = _locked_many(ids)
        targets = {p.id: _target(p, action, moment) for p in proposals}
        for proposal in proposals:
            before, proposal.status = proposal.status, targets[proposal.id]
            proposal.decision_reason = reason
            audit.record(
                f"proposal.{VERBS[action]}",
                "proposal",
                proposal.id,
                {
                    "from": before,
                    "to": proposal.status,
                    "reason": reason,
                    "batch_size": len(proposals),
                },
                actor=user,
            )
            notify(proposal.applicant_id, _message(proposal, action, reason), link_to(proposal.id))
    return proposals


def action_choices() -> list[tuple[str, str]]:
    """(action, label) pairs for the decision pickers."""
    return [(action, tr(ACTION_LABELS[action])) for action in SCREEN_ACTIONS]
