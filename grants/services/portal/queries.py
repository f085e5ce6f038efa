"""Reads of the public portal: rounds and pools, funded projects, spending, needs, notices.

Each function runs a fixed number of SQL statements whatever the number of rows (sums are
grouped in the database, related rows fetched once per kind for a whole page), so the portal
costs the same for ten projects as for ten thousand. Every result is a plain dataclass holding
only what the public may see: applicants as the public notice names them (organisations by
name, resident teams by their masked leader), never a phone number, bank account, full name of
a person, objector, ID number or beneficiary.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import Select, func, or_, select

from grants.domain.budget import category_label
from grants.domain.lifecycles.expense import ACCEPTED
from grants.domain.lifecycles.need import LISTED_STATES
from grants.domain.lifecycles.payment import PAID
from grants.domain.permissions.awards import public_applicant
from grants.extensions import db
from grants.models import Community, FundingRound, Need, Organisation, Proposal, proposal_need
from grants.models.awards import Award, AwardBudgetLine, Notice, Objection, Tranche
from grants.models.expenses import Expense
from grants.models.payments import Payment
from grants.services import is_row_id
from grants.services.expenses.figures import line_totals
from grants.services.portal.outcomes import Outcome, outcomes_of

PAGE_SIZE = 20
QUERY_MAX_CHARS = 50
FUNDED_STATES: frozenset[str] = frozenset({
    "confirmed", "agreement_signed", "implementing", "midterm_passed", "final_passed", "closed",
    "suspended",
})
"""Awards confirmed after their notice: the funded projects the portal lists."""
NOTICED_STATES: frozenset[str] = frozenset({"in_notice"})
"""Awards standing in a public notice, not yet confirmed."""


# ------------------------------------------------------------------------------- results


@dataclass(frozen=True)
class RoundSummary:
    """One round as the portal shows it: its pool and where the money stands."""

    id: int
    name: str
    round_no: int
    district: str
    street: str
    description: str
    pool_fen: int
    funded_fen: int
    noticed_fen: int
    funded_count: int
    paid_fen: int
    accepted_fen: int
    implementation_start: date
    implementation_end: date

    @property
    def unallocated_fen(self) -> int:
        """The pool not yet committed to a funded or noticed award."""
        return max(self.pool_fen - self.funded_fen - self.noticed_fen, 0)


@dataclass(frozen=True)
class ProjectRow:
    """One funded project in a list."""

    award_id: int
    round_id: int
    round_name: str
    title: str
    category: str
    applicant: str
    community: str
    status: str
    requested_fen: int
    amount_fen: int
    paid_fen: int
    accepted_fen: int
    is_team: bool


def _clean(text: str | None) -> str:
    """Typed filter text without surrounding space or NUL characters (PostgreSQL refuses
    NUL in text)."""
    return (text or "").replace("\x00", "").strip()


@dataclass(frozen=True)
class ProjectFilters:
    """What a visitor searched for: words of the title or applicant, a round, a category."""

    q: str = ""
    round_id: int | None = None
    category: str = ""

    @classmethod
    def of(cls, q: str | None, round_id, category: str | None) -> ProjectFilters:
        """Filters from request values: text trimmed and bounded, a round id only if valid."""
        number = round_id if is_row_id(round_id) else None
        return cls(_clean(q)[:QUERY_MAX_CHARS], number, _clean(category)[:20])


@dataclass(frozen=True)
class Page:
    """One page of rows and the page count (the shape :class:`grants.web.paging.Pager` reads)."""

    rows: list
    page: int
    pages: int
    count: int


@dataclass(frozen=True)
class TranchePaid:
    """One tranche of a project: its share, amount, gate and what was paid on it."""

    sequence: int
    share_bp: int
    amount_fen: int
    gate: str
    status: str
    paid_fen: int


@dataclass(frozen=True)
class Disbursement:
    """One payment made to a project: the date the bank paid it and the amount."""

    payment_id: int
    value_date: date
    amount_fen: int


@dataclass(frozen=True)
class LineSpending:
    """One approved budget line and the spending finance accepted on it."""

    item: str
    cost_category: str
    approved_fen: int
    adjusted_fen: int
    accepted_fen: int

    @property
    def category_label(self) -> str:
        """The cost category's (untranslated) name."""
        return category_label(self.cost_category)


@dataclass(frozen=True)
class NeedRef:
    """A need a project answered."""

    id: int
    title: str
    category: str


@dataclass(frozen=True)
class ProjectDetail:
    """A funded project's public page."""

    row: ProjectRow
    objectives: str
    outcomes_text: str
    beneficiary_count: int
    implementation_start: date
    implementation_end: date
    tranches: list[TranchePaid]
    disbursements: list[Disbursement]
    lines: list[LineSpending]
    needs: list[NeedRef]
    outcome: Outcome | None = None


@dataclass(frozen=True)
class NeedRow:
    """A resident need and the funded projects that answered it."""

    id: int
    round_id: int
    round_name: str
    title: str
    category: str
    community: str
    support_count: int
    status: str
    answered_by: list[tuple[int, str]] = field(default_factory=list)


@dataclass(frozen=True)
class NoticeOutcome:
    """A public notice and how it ended: awards confirmed, revoked, still in notice, and the
    objections filed, upheld, dismissed and waiting."""

    id: int
    round_id: int
    round_name: str
    starts_on: date
    ends_on: date
    status: str
    awards: dict[str, int]
    objections: dict[str, int]

    @property
    def award_count(self) -> int:
        """How many awards the notice published."""
        return sum(self.awards.values())


@dataclass(frozen=True)
class CategorySpending:
    """Approved budget and accepted spending of one cost category, over the funded awards."""

    cost_category: str
    approved_fen: int
    accepted_fen: int

    @property
    def label(self) -> str:
        """The cost category's (untranslated) name."""
        return category_label(self.cost_category)


# -------------------------------------------------------------------------------- rounds


def _funded_awards(round_id: int | None = None) -> Select:
    """``select`` of the funded awards' ids (of one round, or of all)."""
    query = select(Award.id).where(Award.status.in_(sorted(FUNDED_STATES)))
    return query.where(Award.round_id == round_id) if round_id is not None else query


def round_summaries(round_ids: Iterable[int] | None = None) -> list[RoundSummary]:
    """Every round (or the given ones), newest first, with pool, awards, payments and accepted
    spending (four statements)."""
    query = select(FundingRound).order_by(FundingRound.round_no.desc(), FundingRound.id.desc())
    if round_ids is not None:
        query = query.where(FundingRound.id.in_(list(round_ids)))
    rounds = list(db.session.scalars(query))
    ids = [r.id for r in rounds]
    committed: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for round_id, status, total, count in db.session.execute(
        select(Award.round_id, Award.status, func.sum(Award.amount_fen), func.count())
        .where(Award.round_id.in_(ids)).group_by(Award.round_id, Award.status)
    ):
        if status in FUNDED_STATES:
            committed[round_id]["funded"] += int(total)
            committed[round_id]["count"] += count
        elif status in NOTICED_STATES:
            committed[round_id]["noticed"] += int(total)
    paid = dict(db.session.execute(
        select(Award.round_id, func.sum(Payment.amount_fen)).join(Award, Award.id == Payment.award_id)
        .where(Award.round_id.in_(ids), Payment.status == PAID,
               Award.status.in_(sorted(FUNDED_STATES)))
        .group_by(Award.round_id)).all())
    accepted = dict(db.session.execute(
        select(Expense.round_id, func.sum(Expense.amount_fen))
        .join(Award, Award.id == Expense.award_id)
        .where(Expense.round_id.in_(ids), Expense.status == ACCEPTED,
               Award.status.in_(sorted(FUNDED_STATES)))
        .group_by(Expense.round_id)).all())
    return [RoundSummary(
        r.id, r.name, r.round_no, r.district, r.street, r.description, r.pool_fen,
        committed[r.id]["funded"], committed[r.id]["noticed"], committed[r.id]["count"],
        int(paid.get(r.id) or 0), int(accepted.get(r.id) or 0),
        r.implementation_start, r.implementation_end) for r in rounds]


def round_summary(round_id) -> RoundSummary | None:
    """One round's summary, None for no such round."""
    if not is_row_id(round_id):
        return None
    found = round_summaries([round_id])
    return found[0] if found else None


def categories_of_rounds() -> list[str]:
    """The project categories used by funded projects, for the filter list."""
    query = (select(Proposal.category).join(Award, Award.proposal_id == Proposal.id)
             .where(Award.status.in_(sorted(FUNDED_STATES))).distinct()
             .order_by(Proposal.category))
    return [c for c in db.session.scalars(query) if c]


def spending_by_category(round_id: int | None = None) -> list[CategorySpending]:
    """Approved budget and accepted spending per cost category over the funded awards (of one
    round, or all): two grouped statements."""
    awards = _funded_awards(round_id)
    approved = dict(db.session.execute(
        select(AwardBudgetLine.cost_category, func.sum(AwardBudgetLine.subtotal_fen))
        .where(AwardBudgetLine.award_id.in_(awards)).group_by(AwardBudgetLine.cost_category)
    ).all())
    accepted = dict(db.session.execute(
        select(AwardBudgetLine.cost_category, func.sum(Expense.amount_fen))
        .join(AwardBudgetLine, AwardBudgetLine.id == Expense.budget_line_id)
        .where(Expense.award_id.in_(awards), Expense.status == ACCEPTED)
        .group_by(AwardBudgetLine.cost_category)).all())
    keys = sorted(set(approved) | set(accepted))
    return [CategorySpending(key, int(approved.get(key) or 0), int(accepted.get(key) or 0))
            for key in keys]


# ------------------------------------------------------------------------------ projects


_PROJECT_COLUMNS = (
    Award.id, Award.round_id, FundingRound.name, Proposal.title, Proposal.category,
    Organisation.name.label("org_name"), Proposal.contact_name, Proposal.team,
    Community.name.label("community"), Award.status, Award.requested_fen, Award.amount_fen,
)


def _project_query(filters: ProjectFilters) -> Select:
    """The funded projects the filters keep, joined to what their rows show."""
    query = (
        select(*_PROJECT_COLUMNS)
        .join(Proposal, Proposal.id == Award.proposal_id)
        .join(FundingRound, FundingRound.id == Award.round_id)
        .outerjoin(Organisation, Organisation.id == Proposal.organisation_id)
        .outerjoin(Community, Community.id == Proposal.community_id)
        .where(Award.status.in_(sorted(FUNDED_STATES)))
    )
    if filters.round_id is not None:
        query = query.where(Award.round_id == filters.round_id)
    if filters.category:
        query = query.where(Proposal.category == filters.category)
    if filters.q:
        words = f"%{_escape_like(filters.q)}%"
        query = query.where(or_(Proposal.title.like(words, escape="\\"),
                                Organisation.name.like(words, escape="\\")))
    return query


def _escape_like(text: str) -> str:
    """The text with LIKE's wildcards taken literally."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _money_of(award_ids: list[int]) -> tuple[dict[int, int], dict[int, int]]:
    """Paid and accepted fen per award of the list (two grouped statements)."""
    if not award_ids:
        return {}, {}
    paid = dict(db.session.execute(
        select(Payment.award_id, func.sum(Payment.amount_fen))
        .where(Payment.award_id.in_(award_ids), Payment.status == PAID)
        .group_by(Payment.award_id)).all())
    accepted = dict(db.session.execute(
        select(Expense.award_id, func.sum(Expense.amount_fen))
        .where(Expense.award_id.in_(award_ids), Expense.status == ACCEPTED)
        .group_by(Expense.award_id)).all())
    return paid, accepted


def _row(values, paid: dict[int, int], accepted: dict[int, int]) -> ProjectRow:
    """A project row from the selected columns; the applicant as the public notice names it."""
    (award_id, round_id, round_name, title, category, org_name, contact, team, community,
     status, requested, amount) = values
    leader = contact or (team[0] if team else "")
    return ProjectRow(
        award_id, round_id, round_name, title, category, public_applicant(org_name, leader),
        community or "", status, requested, amount, int(paid.get(award_id) or 0),
        int(accepted.get(award_id) or 0), org_name is None)


def project_page(filters: ProjectFilters, page: int = 1, per_page: int = PAGE_SIZE) -> Page:
    """One page of the funded projects the filters keep, newest round and best rank first
    (four statements: count, page, paid, accepted)."""
    query = _project_query(filters)
    count = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    pages = max((count + per_page - 1) // per_page, 1)
    page = min(max(page, 1), pages)
    values = db.session.execute(
        query.order_by(Award.round_id.desc(), Award.rank, Award.id)
        .limit(per_page).offset((page - 1) * per_page)).all()
    paid, accepted = _money_of([v[0] for v in values])
    return Page([_row(v, paid, accepted) for v in values], page, pages, count)


def project_detail(award_id) -> ProjectDetail | None:
    """A funded project's page: award, tranches and what was paid on each, payments by date,
    spending by budget line, the needs it answered, its evaluation outcome if any."""
    if not is_row_id(award_id):
        return None
    values = db.session.execute(
        _project_query(ProjectFilters()).add_columns(
            Proposal.objectives, Proposal.outcomes, Proposal.beneficiary_count,
            FundingRound.implementation_start, FundingRound.implementation_end,
            Proposal.id.label("proposal_id"))
        .where(Award.id == award_id)).first()
    if values is None:
        return None
    paid, accepted = _money_of([award_id])
    row = _row(values[:len(_PROJECT_COLUMNS)], paid, accepted)
    objectives, outcomes_text, beneficiaries, start, end, proposal_id = values[len(_PROJECT_COLUMNS):]
    return ProjectDetail(
        row, objectives, outcomes_text, beneficiaries, start, end, _tranches(award_id),
        _disbursements(award_id), _lines(award_id), _needs_of(proposal_id),
        outcomes_of([award_id]).get(award_id))


def _tranches(award_id: int) -> list[TranchePaid]:
    """The award's tranches with the money paid on each (two statements)."""
    paid = dict(db.session.execute(
        select(Payment.tranche_id, func.sum(Payment.amount_fen))
        .where(Payment.award_id == award_id, Payment.status == PAID)
        .group_by(Payment.tranche_id)).all())
    rows = db.session.scalars(select(Tranche).where(Tranche.award_id == award_id)
                              .order_by(Tranche.sequence))
    return [TranchePaid(t.sequence, t.share_bp, t.amount_fen, t.gate, t.status,
                        int(paid.get(t.id) or 0)) for t in rows]


def _disbursements(award_id: int) -> list[Disbursement]:
    """The payments the bank made to the project, oldest first (no account, no reference)."""
    rows = db.session.execute(
        select(Payment.id, Payment.value_date, Payment.amount_fen)
        .where(Payment.award_id == award_id, Payment.status == PAID)
        .order_by(Payment.value_date, Payment.id))
    return [Disbursement(*row) for row in rows]


def _lines(award_id: int) -> list[LineSpending]:
    """The award's frozen budget lines with adjusted amounts and accepted spending."""
    return [LineSpending(t.item, t.cost_category, t.approved_fen, t.adjusted_fen, t.accepted_fen)
            for t in line_totals([award_id]).values()]


def _needs_of(proposal_id: int) -> list[NeedRef]:
    """The needs the proposal said it answers."""
    rows = db.session.execute(
        select(Need.id, Need.title, Need.category)
        .join(proposal_need, proposal_need.c.need_id == Need.id)
        .where(proposal_need.c.proposal_id == proposal_id).order_by(Need.id))
    return [NeedRef(*row) for row in rows]


# --------------------------------------------------------------------------------- needs


@dataclass(frozen=True)
class NeedFilters:
    """Needs of a round, of a category, answered by a funded project or not yet."""

    round_id: int | None = None
    category: str = ""
    answered: str = ""

    @classmethod
    def of(cls, round_id, category: str | None, answered: str | None) -> NeedFilters:
        """Filters from request values; ``answered`` is ``yes``, ``no`` or empty."""
        number = round_id if is_row_id(round_id) else None
        flag = answered if answered in ("yes", "no") else ""
        return cls(number, _clean(category)[:20], flag)


def _answering() -> Select:
    """Pairs (need id, award id, title) of needs and the funded projects that answered them."""
    return (select(proposal_need.c.need_id, Award.id, Proposal.title)
            .join(Proposal, Proposal.id == proposal_need.c.proposal_id)
            .join(Award, Award.proposal_id == Proposal.id)
            .where(Award.status.in_(sorted(FUNDED_STATES))))


def need_page(filters: NeedFilters, page: int = 1, per_page: int = PAGE_SIZE) -> Page:
    """One page of the listed needs, most supported first, each with the funded projects that
    answered it (three statements: count, page, answers)."""
    query = (select(Need.id, Need.round_id, FundingRound.name, Need.title, Need.category,
                    Community.name, Need.support_count, Need.status)
             .join(FundingRound, FundingRound.id == Need.round_id)
             .join(Community, Community.id == Need.community_id)
             .where(Need.status.in_(sorted(LISTED_STATES))))
    if filters.round_id is not None:
        query = query.where(Need.round_id == filters.round_id)
    if filters.category:
        query = query.where(Need.category == filters.category)
    answered_ids = select(_answering().subquery().c.need_id)
    if filters.answered == "yes":
        query = query.where(Need.id.in_(answered_ids))
    elif filters.answered == "no":
        query = query.where(Need.id.not_in(answered_ids))
    count = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    pages = max((count + per_page - 1) // per_page, 1)
    page = min(max(page, 1), pages)
    values = db.session.execute(
        query.order_by(Need.support_count.desc(), Need.id)
        .limit(per_page).offset((page - 1) * per_page)).all()
    answers: dict[int, list[tuple[int, str]]] = defaultdict(list)
    if values:
        for need_id, award_id, title in db.session.execute(
            _answering().where(proposal_need.c.need_id.in_([v[0] for v in values]))
            .order_by(Award.id)
        ):
            answers[need_id].append((award_id, title))
    return Page([NeedRow(*v, answered_by=answers.get(v[0], [])) for v in values],
                page, pages, count)


def need_categories() -> list[str]:
    """The categories of listed needs, for the filter list."""
    return [c for c in db.session.scalars(select(Need.category).distinct()
                                          .order_by(Need.category)) if c]


# ------------------------------------------------------------------------------- notices


def notice_group(award_status: str) -> str:
    """How a noticed award ended: ``confirmed`` (funded, whatever happened after), ``revoked``
    or still ``in_notice``."""
    if award_status in FUNDED_STATES:
        return "confirmed"
    return award_status if award_status in ("revoked", "in_notice") else "other"


def notice_outcomes() -> list[NoticeOutcome]:
    """Every notice, newest first, with its awards and objections counted by state (three
    statements). Objections are only counted: no objector, no text."""
    notices = db.session.execute(
        select(Notice.id, Notice.round_id, FundingRound.name, Notice.starts_on, Notice.ends_on,
               Notice.status).join(FundingRound, FundingRound.id == Notice.round_id)
        .order_by(Notice.id.desc())).all()
    awards: dict[int, dict[str, int]] = defaultdict(dict)
    for notice_id, status, count in db.session.execute(
        select(Award.notice_id, Award.status, func.count()).where(Award.notice_id.is_not(None))
        .group_by(Award.notice_id, Award.status)
    ):
        group = notice_group(status)
        awards[notice_id][group] = awards[notice_id].get(group, 0) + count
    objections: dict[int, dict[str, int]] = defaultdict(dict)
    for notice_id, status, count in db.session.execute(
        select(Award.notice_id, Objection.status, func.count())
        .join(Award, Award.id == Objection.award_id).where(Award.notice_id.is_not(None))
        .group_by(Award.notice_id, Objection.status)
    ):
        objections[notice_id][status] = count
    return [NoticeOutcome(*n, awards=dict(awards.get(n[0], {})),
                          objections=dict(objections.get(n[0], {}))) for n in notices]
