"""What needs me: each role's own page after login, from a handful of counting queries.

Residents see their needs, their proposals with the next step and the days left, and the votes
open to them; applicants (residents and organisations) their results, agreements to sign,
tranches and queried expenses; organizers, finance officers and auditors the counts of their
queues, grouped by round so each count can link to the list it counts. Counts are SQL
``count``/``GROUP BY``; nothing here loads a whole queue to count it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, exists, func, or_, select

from grants.domain.clock import aware, local_date, now_utc, stored
from grants.domain.landing import NextStep, next_step
from grants.domain.lifecycles.agreement import AGREEMENT
from grants.domain.lifecycles.expense import AWAITING_FINANCE, QUERIED
from grants.domain.lifecycles.payment import APPROVED, OPEN_STATES, REQUESTED
from grants.domain.notice import AWAITING_RULING, OPEN_NOTICES
from grants.domain.payments import PAID_TRANCHE_STATE, PAYABLE_TRANCHE_STATE
from grants.extensions import db
from grants.models import FundingRound, Need, Proposal, User
from grants.models.audit import AuditEntry
from grants.models.awards import Agreement, Award, Notice, Objection, Tranche
from grants.models.expenses import Expense
from grants.models.judging import Assignment, Conflict, JudgingSettings, ScoreSheet, Vote
from grants.models.payments import Payment
from grants.services import audit_reading

NOTICE_ENDING_DAYS = 3
"""A running notice ending within this many days (or already ended) needs the organizer."""
RECENT_ENTRIES = 10
TO_SIGN = AGREEMENT.sources("sign")
TO_COUNTERSIGN = AGREEMENT.sources("countersign")
SUBMITTED_SHEET = "submitted"


@dataclass(frozen=True)
class QueueCount:
    """How many items wait in one queue (``key``), for one round or for all (round None)."""

    key: str
    count: int
    round_id: int | None = None
    round_name: str = ""


@dataclass(frozen=True)
class ProposalItem:
    """One of my proposals with what happens next."""

    proposal: Proposal
    step: NextStep


@dataclass(frozen=True)
class OpenVote:
    """A round whose resident vote is open now, and how many of my votes I used."""

    round: FundingRound
    used: int
    limit: int
    closes: datetime


@dataclass(frozen=True)
class AwardMoney:
    """One of my awards: tranches due and paid, and expenses finance asked me about."""

    award: Award
    due: int
    paid: int
    queried: int


def owned_by(user):
    """The SQL condition for the proposals ``user`` owns: theirs, or their organisation's
    (the same rule as :func:`grants.domain.permissions.owns_proposal`)."""
    clauses = [Proposal.applicant_id == user.id]
    if getattr(user, "organisation_id", None):
        clauses.append(Proposal.organisation_id == user.organisation_id)
    return or_(*clauses)


# --------------------------------------------------------------------------- residents


def my_needs(user: User, limit: int = 10) -> list[Need]:
    """The needs this resident posted, newest first."""
    query = select(Need).where(Need.author_id == user.id).order_by(Need.id.desc()).limit(limit)
    return list(db.session.scalars(query))


def my_proposals(user: User, now: datetime | None = None) -> list[ProposalItem]:
    """My proposals (mine or my organisation's), newest first, each with its next step and,
    while a deadline limits it, the days left."""
    moment = now_utc(now)
    query = (select(Proposal).where(owned_by(user))
             .order_by(Proposal.id.desc()))
    items = []
    for proposal in db.session.scalars(query):
        funding_round = proposal.round
        deadlines = {name: aware(getattr(funding_round, name))
                     for name in ("submit_close", "return_deadline")}
        items.append(ProposalItem(proposal, next_step(proposal.status, deadlines, moment)))
    return items


def open_votes(user: User, now: datetime | None = None) -> list[OpenVote]:
    """Rounds whose resident vote is open now (and judging not over), with my votes used."""
    moment = stored(now_utc(now))
    settings = db.session.scalars(select(JudgingSettings).where(
        JudgingSettings.vote_weight_pct > 0, JudgingSettings.vote_open <= moment,
        JudgingSettings.vote_close > moment, JudgingSettings.closed_at.is_(None))).all()
    if not settings:
        return []
    used = dict(db.session.execute(
        select(Vote.round_id, func.count(Vote.id)).where(
            Vote.user_id == user.id, Vote.round_id.in_([s.round_id for s in settings]))
        .group_by(Vote.round_id)).all())
    votes = []
    for item in settings:
        funding_round = db.session.get(FundingRound, item.round_id)
        if funding_round.judging_close > moment:
            votes.append(OpenVote(funding_round, used.get(item.round_id, 0),
                                  item.vote_max_per_resident, aware(item.vote_close)))
    return votes


# --------------------------------------------------------------------------- applicants


def my_results(user: User) -> list[Proposal]:
    """My proposals whose judging results are published (totals and judges' comments)."""
    query = (select(Proposal).join(JudgingSettings, JudgingSettings.round_id == Proposal.round_id)
             .where(owned_by(user), JudgingSettings.results_published.is_(True))
             .order_by(Proposal.id.desc()))
    return [p for p in db.session.scalars(query) if p.status != "withdrawn"]


def agreements_to_sign(user: User) -> list[Agreement]:
    """Agreements of my awards waiting for my signature."""
    query = (select(Agreement).join(Award, Award.id == Agreement.award_id)
             .join(Proposal, Proposal.id == Award.proposal_id)
             .where(owned_by(user), Agreement.status.in_(TO_SIGN)).order_by(Agreement.id))
    return list(db.session.scalars(query))


def my_awards(user: User) -> list[AwardMoney]:
    """My awards with tranches signed into them: how many are due and paid, and how many of
    my expenses finance has queried (three grouped queries)."""
    awards = db.session.scalars(
        select(Award).join(Proposal, Proposal.id == Award.proposal_id)
        .where(owned_by(user), exists().where(Tranche.award_id == Award.id))
        .order_by(Award.id)).all()
    ids = [a.id for a in awards]
    if not ids:
        return []
    tranches = _grouped(select(Tranche.award_id, Tranche.status, func.count(Tranche.id))
                        .where(Tranche.award_id.in_(ids)).group_by(Tranche.award_id,
                                                                   Tranche.status))
    queried = dict(db.session.execute(
        select(Expense.award_id, func.count(Expense.id))
        .where(Expense.award_id.in_(ids), Expense.status == QUERIED)
        .group_by(Expense.award_id)).all())
    return [AwardMoney(a, tranches.get((a.id, PAYABLE_TRANCHE_STATE), 0),
                       tranches.get((a.id, PAID_TRANCHE_STATE), 0), queried.get(a.id, 0))
            for a in awards]


def _grouped(query) -> dict[tuple, int]:
    """``{(key, key…): count}`` from a GROUP BY query whose last column is the count."""
    return {tuple(row[:-1]): row[-1] for row in db.session.execute(query)}


# --------------------------------------------------------------------------- organizers


def _by_round(key: str, query) -> list[QueueCount]:
    """Counts per round from ``(round_id, count)`` rows, named by round, newest round first;
    one zero count for all rounds when the queue is empty (the page still shows it)."""
    rows = [(round_id, count) for round_id, count in db.session.execute(query) if count]
    if not rows:
        return [QueueCount(key, 0)]
    names = dict(db.session.execute(select(FundingRound.id, FundingRound.name).where(
        FundingRound.id.in_([r for r, _ in rows]))).all())
    return [QueueCount(key, count, round_id, names.get(round_id, ""))
            for round_id, count in sorted(rows, reverse=True)]


def organizer_counts(today=None) -> list[QueueCount]:
    """The organizer's queues by round: proposals to screen, declared conflicts whose judge is
    still assigned, objections to rule on, notices ending (or ended) waiting for confirmation,
    agreements to countersign."""
    today = today or local_date()
    counts = _by_round("to_screen", select(Proposal.round_id, func.count(Proposal.id))
                       .where(Proposal.status == "submitted").group_by(Proposal.round_id))
    counts += _by_round("conflicts", _conflicts_assigned())
    counts += _by_round("objections", select(Award.round_id, func.count(Objection.id))
                        .join(Award, Award.id == Objection.award_id)
                        .where(Objection.status.in_(AWAITING_RULING)).group_by(Award.round_id))
    counts += _by_round("notices_ending", select(Notice.round_id, func.count(Notice.id)).where(
        Notice.status.in_(OPEN_NOTICES),
        Notice.ends_on <= today + timedelta(days=NOTICE_ENDING_DAYS)).group_by(Notice.round_id))
    counts += _by_round("to_countersign", select(Award.round_id, func.count(Agreement.id))
                        .join(Award, Award.id == Agreement.award_id)
                        .where(Agreement.status.in_(TO_COUNTERSIGN)).group_by(Award.round_id))
    return counts


def _conflicts_assigned():
    """(round, count) of assignments whose judge declared a conflict with the proposal or its
    organisation: the organizer must replace that judge."""
    declared = or_(
        Conflict.proposal_id == Assignment.proposal_id,
        and_(Conflict.organisation_id.is_not(None),
             Conflict.organisation_id == Proposal.organisation_id),
    )
    return (select(Assignment.round_id, func.count(func.distinct(Assignment.id)))
            .join(Proposal, Proposal.id == Assignment.proposal_id)
            .join(Conflict, and_(Conflict.judge_id == Assignment.judge_id, declared))
            .join(JudgingSettings, JudgingSettings.round_id == Assignment.round_id, isouter=True)
            .where(Conflict.source == "declared", JudgingSettings.closed_at.is_(None))
            .group_by(Assignment.round_id))


# --------------------------------------------------------------------------- finance


def finance_counts(user: User) -> list[QueueCount]:
    """The finance officer's queues: tranches due with no open payment, payments someone else
    requested waiting for approval, approved payments to record as paid, expenses to review."""
    open_payment = exists().where(Payment.tranche_id == Tranche.id,
                                  Payment.status.in_(OPEN_STATES))
    queries = {
        "to_request": select(func.count(Tranche.id)).where(
            Tranche.status == PAYABLE_TRANCHE_STATE, ~open_payment),
        "to_approve": select(func.count(Payment.id)).where(
            Payment.status == REQUESTED, Payment.requested_by_id != user.id),
        "to_mark_paid": select(func.count(Payment.id)).where(Payment.status == APPROVED),
        "expenses": select(func.count(Expense.id)).where(Expense.status.in_(AWAITING_FINANCE)),
    }
    return [QueueCount(key, db.session.scalar(query) or 0) for key, query in queries.items()]


# --------------------------------------------------------------------------- judges, auditors


def judge_open_sheets(user: User) -> int:
    """Assignments of this judge not yet submitted, in rounds whose judging is not closed."""
    submitted = exists().where(ScoreSheet.judge_id == Assignment.judge_id,
                               ScoreSheet.proposal_id == Assignment.proposal_id,
                               ScoreSheet.status == SUBMITTED_SHEET)
    query = (select(func.count(Assignment.id))
             .join(JudgingSettings, JudgingSettings.round_id == Assignment.round_id, isouter=True)
             .where(Assignment.judge_id == user.id, ~submitted,
                    JudgingSettings.closed_at.is_(None)))
    return db.session.scalar(query) or 0


def recent_entries(limit: int = RECENT_ENTRIES) -> list[audit_reading.ReadableEntry]:
    """The newest audit entries, readable, for the auditor's page."""
    query = select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(limit)
    return audit_reading.readable(db.session.scalars(query))
