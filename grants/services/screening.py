"""Eligibility screening (资格审查): the organizer's queue with its checks, and decisions.

The queue is paginated and runs a fixed number of SQL statements whatever the number of
proposals: people are joined into the page query, and the look-alike check compares the
page's titles with every title of their rounds loaded in one query.

A decision moves each chosen proposal through :func:`grants.services.lifecycle.apply`, which
writes one ``proposal.<action>`` entry per proposal recording the role that authorised it
(``organizer`` or ``admin``).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from grants.domain import messages
from grants.domain.band import check_amount
from grants.domain.clock import aware, local_date, now_utc
from grants.domain.errors import Refusal
from grants.domain.i18n import N_, msg, tr
from grants.domain.lifecycles.proposal import ACTION_LABELS, PROPOSAL, SCREEN_ACTIONS
from grants.domain.lookalike import length_range, probe_characters
from grants.domain.orgs import DUPLICATE_THRESHOLD, check_uscc, is_banned, normalise_title
from grants.domain.permissions import owns_proposal
from grants.domain.permissions import proposals as perms
from grants.domain.proposals import DRAFT, check_reason
from grants.domain.workflow import TransitionError
from grants.extensions import db
from grants.models import FundingRound, Organisation, Proposal
from grants.models.lookalike import ProposalTitleChar
from grants.services import locked, unit_of_work
from grants.services.lifecycle import apply
from grants.services.notifications import notify
from grants.services.proposals import link_to
from grants.services.rounds import band_of, check_phase

PER_PAGE = 20
QUEUE_STATES: tuple[str, ...] = tuple(state for state in PROPOSAL.states if state != DRAFT)

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


def _ban_of(org: Organisation, today: date) -> tuple[bool, date | None]:
    """Whether the organisation's recorded ban is in force (a reason with no end = permanent)."""
    if not (org.banned_until or org.ban_reason):
        return False, None
    until = local_date(org.banned_until) if org.banned_until else None
    return is_banned([(org.uscc, until)], org.uscc, today)


def _similar(subject: str, others: dict[int, str], own_id: int) -> tuple[tuple[int, float], ...]:
    """Ids of titles (already normalised) that look like ``subject``, most alike first: the
    same test as :func:`grants.domain.orgs.likely_duplicates`, one title against a shortlist."""
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


def _char_frequency(round_id: int, chars: set[str]) -> dict[str, int]:
    """How many titles of the round hold each of ``chars`` (one grouped index read)."""
    if not chars:
        return {}
    query = (
        select(ProposalTitleChar.ch, func.count())
        .where(ProposalTitleChar.round_id == round_id, ProposalTitleChar.ch.in_(chars))
        .group_by(ProposalTitleChar.ch)
    )
    return dict(db.session.execute(query).all())


def _shortlist(round_id: int, subject: str, frequency: dict[str, int]) -> set[int]:
    """Ids of the round's proposals whose titles could be alike to ``subject``
    (:mod:`grants.domain.lookalike`): the right lengths and one of its rarest characters, read
    from the index alone (drafts are left out when their titles are read)."""
    probe = probe_characters(subject, frequency)
    if not probe:
        return set()
    shortest, longest = length_range(len(subject))
    query = (
        select(ProposalTitleChar.proposal_id).distinct()
        .where(
            ProposalTitleChar.round_id == round_id, ProposalTitleChar.ch.in_(probe),
            ProposalTitleChar.length.between(shortest, longest),
        )
    )
    return set(db.session.scalars(query))


def _candidate_titles(proposals: Sequence[Proposal]) -> dict[int, dict[int, str]]:
    """For each shown proposal, the normalised titles of its shortlist, by id."""
    subjects = {p.id: normalise_title(p.title) for p in proposals}
    by_round: dict[int, list[Proposal]] = {}
    for proposal in proposals:
        by_round.setdefault(proposal.round_id, []).append(proposal)
    shortlists: dict[int, set[int]] = {}
    for round_id, members in by_round.items():
        frequency = _char_frequency(round_id, {c for p in members for c in subjects[p.id]})
        for proposal in members:
            shortlists[proposal.id] = _shortlist(round_id, subjects[proposal.id], frequency)
    wanted = set().union(*shortlists.values()) if shortlists else set()
    titles = dict(db.session.execute(
        select(Proposal.id, Proposal.title).where(Proposal.id.in_(wanted), Proposal.status != DRAFT)
    ).all()) if wanted else {}
    return {pid: {other: titles[other] for other in ids if other in titles}
            for pid, ids in shortlists.items()}


def checks_for(proposals: Sequence[Proposal], now: datetime | None = None) -> dict[int, Checks]:
    """The checks of each proposal (organisation, round and people already loaded); the
    look-alike check reads a shortlist per proposal, so it does not grow with the round."""
    today = local_date(now)
    candidates = _candidate_titles(proposals)
    result = {}
    for proposal in proposals:
        org = proposal.organisation
        banned, until = _ban_of(org, today) if org else (False, None)
        raw = candidates.get(proposal.id, {})
        folded = {pid: normalise_title(title) for pid, title in raw.items()}
        similar = _similar(normalise_title(proposal.title), folded, proposal.id)
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
    query = select(Proposal).where(Proposal.status != DRAFT)
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
    if proposal is None or proposal.status == DRAFT:
        raise Refusal(tr(perms.NOT_FOUND), status=404)
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
        raise Refusal(message, status=403)
    if action not in SCREEN_ACTIONS:
        message = msg("请选择审查决定：资格审查通过、退回修改或认定不符合条件")
        raise Refusal(message, status=400)
    if problem := check_reason(action, reason):
        raise Refusal(problem, status=422)
    if not ids:
        raise Refusal(msg("请至少勾选一个申报项目"), status=400)


def _locked_all(ids: Sequence[int]) -> list[Proposal]:
    """Lock the chosen proposals in id order (one order for all, so no deadlocks)."""
    missing = msg("所选申报中有不存在的项目，本次未做任何更改")
    return [locked(Proposal, proposal_id, missing) for proposal_id in sorted(ids)]


def _check_decision(user, proposal: Proposal, action: str, reason: str, now: datetime) -> None:
    """Refuse, naming the proposal, when the table or the screening window stops ``action``."""
    title = proposal.title or msg("（未命名）")
    try:
        PROPOSAL.step(proposal.status, action, perms.roles_on(user, proposal), reason)
    except TransitionError as error:
        raise Refusal(_refusal(title, proposal.id, str(error)), status=error.status) from error
    if message := check_phase(proposal.round, "screen", now):
        raise Refusal(_refusal(title, proposal.id, message), status=409)
    if action == "mark_eligible" and (message := _ban_problem(proposal.organisation, now)):
        raise Refusal(_refusal(title, proposal.id, message), status=409)


def _ban_problem(org: Organisation | None, now: datetime) -> str | None:
    """Why a barred organisation's proposal cannot pass screening, naming the end and reason."""
    if org is None:
        return None
    banned, until = _ban_of(org, local_date(now))
    if not banned:
        return None
    end = until.isoformat() if until else msg("永久")
    return msg("申报单位“{name}”被禁止申报至 {until}（{reason}），不能通过资格审查",
               name=org.name, until=end, reason=org.ban_reason or msg("未注明理由"))


def _refusal(title: str, proposal_id: int, problem: str) -> str:
    """A refusal naming the proposal that stopped the whole batch."""
    return msg(
        "“{title}”（#{id}）：{problem}。本次未做任何更改",
        title=title,
        id=proposal_id,
        problem=problem,
    )


def _message(proposal: Proposal, action: str, reason: str) -> messages.Message:
    """The in-app message telling the applicant the decision and, if any, the reason.

    Stored as a message key with its parameters, read in the applicant's language.
    """
    if action == "mark_eligible":
        return messages.message(N_("您的申报“{title}”已通过资格审查，将进入专家评审"),
                                title=proposal.title)
    if action == "return":
        return messages.message(
            N_("您的申报“{title}”被退回修改：{reason}。请于 {deadline} 前修改后重新提交"),
            title=proposal.title,
            reason=reason,
            deadline=messages.moment(aware(proposal.round.return_deadline)),
        )
    return messages.message(N_("您的申报“{title}”未通过资格审查：{reason}"),
                            title=proposal.title, reason=reason)


def decide(
    user, proposal_ids: Iterable[int], action: str, reason: str = "", now: datetime | None = None
) -> list[Proposal]:
    """Apply one decision to one or many submitted proposals, all or nothing.

    Every chosen proposal is checked before any changes; then each gets its own transition,
    audit entry and notification, in one transaction. If any cannot take the decision, the
    refusal names it and nothing changes.
    """
    ids = sorted({int(pid) for pid in proposal_ids})
    reason = (reason or "").strip()
    _check_request(user, ids, action, reason)
    moment = now_utc(now)
    with unit_of_work():
        proposals = _locked_all(ids)
        for proposal in proposals:
            _check_decision(user, proposal, action, reason, moment)
        for proposal in proposals:
            proposal.decision_reason = reason
            apply(PROPOSAL, proposal, action, user, owner=owns_proposal(user, proposal),
                  reason=reason, payload={"reason": reason, "batch_size": len(proposals)})
            notify(proposal.applicant_id, _message(proposal, action, reason), link_to(proposal.id))
    return proposals


def action_choices() -> list[tuple[str, str]]:
    """(action, label) pairs for the decision pickers."""
    return [(action, tr(ACTION_LABELS[action])) for action in SCREEN_ACTIONS]
