"""Proposals (申报): drafting, saving, submitting, resubmitting and withdrawing.

Money arrives as the text the applicant typed and is parsed into integer fen here; the
requested amount is always recomputed from the budget lines (a posted total is never read).
Every service function takes an explicit ``now`` (aware, or naive UTC) so demo data can be
seeded inside a round's windows without bypassing any check.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from grants.domain.band import SITE_BAND
from grants.domain.budget import (
    COST_CATEGORIES,
    ITEM_MAX_CHARS,
    QUANTITY_MAX,
    BudgetLine,
    Problem,
    parse_quantity,
    subtotal,
)
from grants.domain.i18n import N_, msg, source_language, tr
from grants.domain.money import MoneyError, format_fen, parse_money
from grants.domain.permissions import owns_proposal
from grants.domain.permissions import proposals as perms
from grants.domain.proposals import (
    BENEFICIARY_MAX,
    FIELD_LABELS,
    STATE_LABELS,
    TEXT_LIMITS,
    Change,
    ProposalDraft,
    check_submission,
    diff_versions,
    normalise_phone,
    transition,
)
from grants.domain.workflow import TransitionError
from grants.extensions import db
from grants.models import (
    AuditEntry,
    Community,
    FundingRound,
    Need,
    Proposal,
    ProposalVersion,
)
from grants.models import (
    BudgetLine as LineRow,
)
from grants.services import audit, unit_of_work
from grants.services.notifications import notify
from grants.services.rounds import check_phase, rules_of

TEAM_MAX = 30
NAME_MAX_CHARS = 30
PHONE_MAX_CHARS = 30
ACTIVITY_FIELD_MAX = 100
SNAPSHOT_LABELS = {"matching_funds_fen": N_("配套资金"), "needs": N_("关联需求")}
TIMELINE_LABELS = {
    "proposal.created": N_("创建草稿"),
    "proposal.submitted": N_("提交申报"),
    "proposal.resubmitted": N_("修改后重新提交"),
    "proposal.marked_eligible": N_("资格审查通过"),
    "proposal.returned": N_("退回修改"),
    "proposal.marked_ineligible": N_("认定不符合条件"),
    "proposal.withdrawn": N_("撤回申报"),
}


class ProposalError(ValueError):
    """A refused request; ``str(err)`` is the Chinese reason, ``problems`` name form inputs.

    ``status`` is the HTTP status a view should answer with (404 hides other people's work).
    """

    def __init__(self, message: str, problems: list[Problem] | None = None, status: int = 422):
        super().__init__(message)
        self.problems = problems or []
        self.status = status


@dataclass(frozen=True)
class LineInput:
    """One budget row as typed: money and quantity are still text."""

    item: str = ""
    cost_category: str = ""
    unit_price: str = ""
    quantity: str = ""

    def is_blank(self) -> bool:
        """A row with no item, price or quantity is ignored (an unused spare row)."""
        return not (self.item.strip() or self.unit_price.strip() or self.quantity.strip())


@dataclass(frozen=True)
class ActivityInput:
    """One row of the activity plan: what, when, where."""

    activity: str = ""
    dates: str = ""
    place: str = ""

    def is_blank(self) -> bool:
        """A row with nothing typed in it is ignored."""
        return not (self.activity.strip() or self.dates.strip() or self.place.strip())

    def text(self) -> str:
        """The row as one line for checks and version comparisons."""
        extra = "，".join(part.strip() for part in (self.dates, self.place) if part.strip())
        return f"{self.activity.strip()}（{extra}）" if extra else self.activity.strip()


@dataclass(frozen=True)
class ProposalInput:
    """Everything the applicant typed into the proposal form, unparsed."""

    title: str = ""
    community_id: int | None = None
    category: str = ""
    need_ids: tuple[int, ...] = ()
    beneficiaries: str = ""
    beneficiary_count: str = ""
    background: str = ""
    objectives: str = ""
    outcomes: str = ""
    activities: tuple[ActivityInput, ...] = ()
    budget: tuple[LineInput, ...] = ()
    matching_funds: str = ""
    team: tuple[str, ...] = ()
    contact_name: str = ""
    contact_phone: str = ""

    def compacted(self) -> ProposalInput:
        """The same input without blank rows, so row numbers in messages match the form."""
        return dataclasses.replace(
            self,
            activities=tuple(row for row in self.activities if not row.is_blank()),
            budget=tuple(row for row in self.budget if not row.is_blank()),
            team=tuple(name.strip() for name in self.team if name.strip()),
        )


@dataclass(frozen=True)
class Parsed:
    """Typed values ready to store and to check; blank price = 0 fen, blank quantity = 1."""

    data: ProposalInput
    lines: tuple[BudgetLine, ...]
    beneficiary_count: int | None
    matching_funds_fen: int
    community: Community | None
    needs: tuple[Need, ...]


# ---------------------------------------------------------------------------------------------
# Helpers


def _now(now: datetime | None) -> datetime:
    """An aware moment: ``now`` as given (naive means UTC) or the current time."""
    if now is None:
        return datetime.now(UTC)
    return now.replace(tzinfo=UTC) if now.tzinfo is None else now


def _naive(now: datetime) -> datetime:
    """The naive-UTC form the database stores."""
    return now.astimezone(UTC).replace(tzinfo=None)


def link_to(proposal_id: int) -> str:
    """The path of a proposal's page, for notifications (works outside a request too)."""
    return f"/proposals/{proposal_id}"


def lock_proposal(proposal_id: int) -> Proposal:
    """Load and lock the proposal row for this transaction (FOR UPDATE on PostgreSQL).

    ``populate_existing`` makes a second, waiting request read the state the first one
    committed, which is what makes a double-clicked submit land once.
    """
    query = select(Proposal).where(Proposal.id == proposal_id).with_for_update()
    proposal = db.session.execute(query.execution_options(populate_existing=True)).scalar()
    if proposal is None:
        raise ProposalError(tr(perms.NOT_FOUND), status=404)
    return proposal


def _allow(decision: tuple[bool, str], status: int = 404) -> None:
    """Raise the decision's reason unless it allows the request."""
    allowed, reason = decision
    if not allowed:
        raise ProposalError(reason, status=status)


def _require_owner(user, proposal: Proposal) -> None:
    """Someone else's proposal is answered as not found, never as forbidden."""
    if not owns_proposal(user, proposal):
        raise ProposalError(tr(perms.NOT_FOUND), status=404)


def require_editable(user, proposal: Proposal) -> None:
    """Only the applicant changes a proposal, and only while it is a draft or returned."""
    _require_owner(user, proposal)
    _allow(perms.can_edit_proposal(user, proposal), status=409)


def window_action(status: str) -> str:
    """The phase window that governs editing or submitting a proposal in ``status``."""
    return "resubmit" if status == "returned" else "submit"


def _check_window(proposal: Proposal, action: str, now: datetime) -> None:
    """Refuse with the round's own wording when the window for ``action`` is closed."""
    if message := check_phase(proposal.round, action, now):
        raise ProposalError(message, status=409)


def _transition(proposal: Proposal, user, action: str) -> str:
    """The next state from the domain table, or a 409 with the table's Chinese reason."""
    try:
        return transition(proposal.status, action, perms.roles_on(user, proposal))
    except TransitionError as error:
        raise ProposalError(str(error), status=409) from error


# ---------------------------------------------------------------------------------------------
# Parsing typed input


MATCHING_MAX_FEN = 1_000_000_000  # ¥10,000,000: far above any micro-project, inside INTEGER


def _money(text: str, field: str, label: str, problems: list[Problem], upper: int) -> int:
    """Parse optional money text into fen (blank = 0), noting a problem when unreadable or
    above ``upper`` — even a draft never stores an amount no submission could carry."""
    if not text.strip():
        return 0
    try:
        fen = parse_money(text)
    except MoneyError as error:
        problems.append(Problem(field, msg("{label}：{error}", label=label, error=error)))
        return 0
    if fen > upper:
        problems.append(Problem(field, msg("{label}不能超过 {limit}", label=label,
                                           limit=format_fen(upper))))
        return 0
    return fen


def _parse_line(row: LineInput, index: int, problems: list[Problem]) -> BudgetLine:
    """Type-check one budget row; range checks are left to submission."""
    prefix, number = f"budget-{index}-", index + 1
    label = msg("第 {row} 行单价", row=number)
    price = _money(row.unit_price, prefix + "unit_price", label, problems, SITE_BAND.max_fen)
    quantity = 1
    if row.quantity.strip():
        parsed = parse_quantity(row.quantity)
        if parsed is None or not 1 <= parsed <= QUANTITY_MAX:
            problems.append(
                Problem(
                    prefix + "quantity",
                    msg(
                        "第 {row} 行：数量须为 {low} 至 {high} 之间的整数",
                        row=number,
                        low=1,
                        high=f"{QUANTITY_MAX:,}",
                    ),
                )
            )
        else:
            quantity = parsed
    if len(row.item.strip()) > ITEM_MAX_CHARS:
        problems.append(
            Problem(
                prefix + "item",
                msg("第 {row} 行：项目名称最多 {max} 个字", row=number, max=ITEM_MAX_CHARS),
            )
        )
    if price * quantity > SITE_BAND.max_fen:
        problems.append(Problem(prefix + "unit_price", msg(
            "第 {row} 行小计 {amount} 超过单个项目上限 {limit}", row=number,
            amount=format_fen(price * quantity), limit=format_fen(SITE_BAND.max_fen))))
        quantity = 1
    category = row.cost_category.strip()
    category = category if category in COST_CATEGORIES else ""
    return BudgetLine(row.item.strip(), category, price, quantity)


def _count(text: str, problems: list[Problem]) -> int | None:
    """Parse the beneficiary count (blank = not given)."""
    if not text.strip():
        return None
    number = parse_quantity(text)
    if number is None or number > BENEFICIARY_MAX:
        problems.append(Problem("beneficiary_count", msg(
            "受益人数须为不超过 {max} 的整数", max=f"{BENEFICIARY_MAX:,}")))
        return None
    return number


def _length_problems(data: ProposalInput) -> list[Problem]:
    """Text too long to store: the domain's limits, plus names, phone and activity fields."""
    limits = {**TEXT_LIMITS, "contact_phone": PHONE_MAX_CHARS}
    limits.pop("community", None)
    problems = [
        Problem(name, msg("{field}最多 {max} 个字", field=tr(FIELD_LABELS[name]), max=limit))
        for name, limit in limits.items()
        if len(getattr(data, name).strip()) > limit
    ]
    if len(data.team) > TEAM_MAX or any(len(name) > NAME_MAX_CHARS for name in data.team):
        problems.append(
            Problem(
                "team",
                msg(
                    "团队成员最多 {max} 名，每个姓名最多 {chars} 个字",
                    max=TEAM_MAX,
                    chars=NAME_MAX_CHARS,
                ),
            )
        )
    if any(
        len(value) > ACTIVITY_FIELD_MAX
        for row in data.activities
        for value in (row.activity, row.dates, row.place)
    ):
        text = msg("活动安排每一栏最多 {max} 个字", max=ACTIVITY_FIELD_MAX)
        problems.append(Problem("activities", text))
    return problems


def _needs(round_id: int, need_ids: tuple[int, ...], problems: list[Problem]) -> tuple[Need, ...]:
    """The linked needs, which must belong to the proposal's round."""
    if not need_ids:
        return ()
    found = db.session.scalars(select(Need).where(Need.id.in_(set(need_ids)))).all()
    if len(found) != len(set(need_ids)) or any(need.round_id != round_id for need in found):
        problems.append(Problem("needs", msg("只能关联本轮征集的社区需求")))
    return tuple(
        sorted((need for need in found if need.round_id == round_id), key=lambda need: need.id)
    )


def _parse(data: ProposalInput, round_id: int) -> tuple[Parsed, list[Problem]]:
    """Typed values (unreadable ones left at 0) and the type and size problems found."""
    data = data.compacted()
    problems = _length_problems(data)
    lines = tuple(_parse_line(row, i, problems) for i, row in enumerate(data.budget))
    count = _count(data.beneficiary_count, problems)
    label = tr(SNAPSHOT_LABELS["matching_funds_fen"])
    matching = _money(data.matching_funds, "matching_funds", label, problems, MATCHING_MAX_FEN)
    community = db.session.get(Community, data.community_id) if data.community_id else None
    if data.community_id and community is None:
        problems.append(Problem("community", msg("请选择列表中的社区")))
    needs = _needs(round_id, data.need_ids, problems)
    return Parsed(data, lines, count, matching, community, needs), problems


def parse_input(data: ProposalInput, round_id: int) -> Parsed:
    """Check types and sizes only (what a draft needs); raise ``ProposalError`` if any fail."""
    parsed, problems = _parse(data, round_id)
    if problems:
        message = msg("有 {count} 处填写有误，请按提示修改", count=len(problems))
        raise ProposalError(message, problems, status=422)
    return parsed


def draft_of(parsed: Parsed, is_org: bool) -> ProposalDraft:
    """The domain's view of the typed proposal, for :func:`check_submission`."""
    data = parsed.data
    return ProposalDraft(
        title=data.title,
        community=parsed.community.name if parsed.community else "",
        category=data.category,
        background=data.background,
        objectives=data.objectives,
        outcomes=data.outcomes,
        beneficiaries=data.beneficiaries,
        beneficiary_count=parsed.beneficiary_count,
        activities=tuple(row.text() for row in data.activities),
        budget=parsed.lines,
        team=data.team,
        is_org=is_org,
        contact_name=data.contact_name,
        contact_phone=data.contact_phone,
    )


def _apply(proposal: Proposal, parsed: Parsed) -> None:
    """Write the typed values onto the proposal; the requested amount is the lines' total."""
    data = parsed.data
    for name in (
        "title",
        "category",
        "background",
        "objectives",
        "outcomes",
        "beneficiaries",
        "contact_name",
    ):
        setattr(proposal, name, getattr(data, name).strip())
    proposal.contact_phone = normalise_phone(data.contact_phone) or data.contact_phone.strip()
    proposal.community_id = parsed.community.id if parsed.community else None
    proposal.beneficiary_count = parsed.beneficiary_count or 0
    proposal.matching_funds_fen = parsed.matching_funds_fen
    proposal.activities = [dataclasses.asdict(row) for row in data.activities]
    proposal.team = list(data.team)
    proposal.needs = list(parsed.needs)
    proposal.lines = [
        LineRow(
            position=i,
            item=line.item,
            cost_category=line.cost_category,
            unit_price_fen=line.unit_price_fen,
            quantity=line.quantity,
            subtotal_fen=subtotal(line),
        )
        for i, line in enumerate(parsed.lines)
    ]
    proposal.requested_fen = sum(subtotal(line) for line in parsed.lines)


# ---------------------------------------------------------------------------------------------
# Use cases


def open_rounds(now: datetime | None = None) -> list[FundingRound]:
    """Rounds whose submission window is open at ``now``, newest first."""
    rounds = db.session.scalars(select(FundingRound).order_by(FundingRound.id.desc()))
    return [item for item in rounds if check_phase(item, "submit", _now(now)) is None]


def create_draft(user, round_id: int, now: datetime | None = None) -> Proposal:
    """Start an empty draft in a round whose submission window is open."""
    _allow(perms.can_apply(user), status=403)
    funding_round = db.session.get(FundingRound, round_id)
    if funding_round is None:
        raise ProposalError(msg("找不到这个赛事"), status=404)
    if message := check_phase(funding_round, "submit", _now(now)):
        raise ProposalError(message, status=409)
    org_id = user.organisation_id if perms.applies_as_org(user) else None
    with unit_of_work():
        proposal = Proposal(
            round_id=round_id,
            applicant_id=user.id,
            organisation_id=org_id,
            community_id=getattr(user, "community_id", None),
            contact_name=user.display_name,
            contact_phone=getattr(user, "phone", "") or "",
            team=[] if org_id else [user.display_name],
        )
        db.session.add(proposal)
        db.session.flush()
        audit.record(
            "proposal.created",
            "proposal",
            proposal.id,
            {"round_id": round_id, "organisation_id": org_id},
            actor=user,
        )
    return proposal


def save_draft(
    user, proposal_id: int, data: ProposalInput, now: datetime | None = None
) -> Proposal:
    """Save what the applicant typed, checking only types, while the proposal is editable."""
    now = _now(now)
    with unit_of_work():
        proposal = lock_proposal(proposal_id)
        require_editable(user, proposal)
        _check_window(proposal, window_action(proposal.status), now)
        _apply(proposal, parse_input(data, proposal.round_id))
        audit.record(
            "proposal.draft_saved",
            "proposal",
            proposal.id,
            {"requested_fen": proposal.requested_fen, "lines": len(proposal.lines)},
            actor=user,
        )
    return proposal


def snapshot(proposal: Proposal) -> dict:
    """Every field and budget line of the proposal as JSON-able data (money in fen)."""
    return {
        "title": proposal.title,
        "community": proposal.community.name if proposal.community else "",
        "category": proposal.category,
        "is_org": proposal.organisation_id is not None,
        "background": proposal.background,
        "objectives": proposal.objectives,
        "outcomes": proposal.outcomes,
        "beneficiaries": proposal.beneficiaries,
        "beneficiary_count": proposal.beneficiary_count,
        "activities": list(proposal.activities),
        "budget": [
            {
                "item": line.item,
                "cost_category": line.cost_category,
                "unit_price_fen": line.unit_price_fen,
                "quantity": line.quantity,
                "subtotal_fen": line.subtotal_fen,
            }
            for line in proposal.lines
        ],
        "team": list(proposal.team),
        "contact_name": proposal.contact_name,
        "contact_phone": proposal.contact_phone,
        "matching_funds_fen": proposal.matching_funds_fen,
        "needs": [f"#{need.id} {need.title}" for need in proposal.needs],
        "requested_fen": proposal.requested_fen,
        "version": proposal.version,
    }


def _complete(proposal: Proposal, data: ProposalInput) -> Parsed:
    """The parsed input if it may be submitted; else refuse, listing every problem by input.

    Type problems and submission problems are reported together, one message per input.
    """
    parsed, problems = _parse(data, proposal.round_id)
    typed = {problem.field for problem in problems}
    draft = draft_of(parsed, proposal.organisation_id is not None)
    problems += [
        problem
        for problem in check_submission(draft, rules_of(proposal.round))
        if problem.field not in typed
    ]
    if problems:
        message = msg("还有 {count} 处需要修改才能提交", count=len(problems))
        raise ProposalError(message, problems, status=422)
    return parsed


def _record_submission(user, proposal: Proposal, action: str, target: str, now: datetime) -> None:
    """Move to ``target``, freeze a version, audit once and tell the applicant."""
    proposal.status = target
    proposal.version += 1
    proposal.submitted_at = _naive(now)
    proposal.first_submitted_at = proposal.first_submitted_at or proposal.submitted_at
    proposal.decision_reason = ""
    db.session.flush()
    db.session.add(
        ProposalVersion(
            proposal_id=proposal.id, version=proposal.version, snapshot=snapshot(proposal)
        )
    )
    verb = "submitted" if action == "submit" else "resubmitted"
    audit.record(
        f"proposal.{verb}",
        "proposal",
        proposal.id,
        {
            "version": proposal.version,
            "requested_fen": proposal.requested_fen,
            "round_id": proposal.round_id,
        },
        actor=user,
    )
    template = (
        N_("您的申报“{title}”已提交（第 {version} 版，申请金额 {amount}）")
        if action == "submit"
        else N_("您的申报“{title}”已重新提交（第 {version} 版，申请金额 {amount}）")
    )
    with source_language():
        message = msg(
            template,
            title=proposal.title,
            version=proposal.version,
            amount=format_fen(proposal.requested_fen),
        )
    notify(proposal.applicant_id, message, link_to(proposal.id))


def submit(user, proposal_id: int, data: ProposalInput, now: datetime | None = None) -> bool:
    """Save and submit (or resubmit after a return) in one transaction.

    Returns False, changing nothing, when the proposal is already submitted: a double-clicked
    submit lands once because the row is locked and its state read inside the transaction.
    """
    now = _now(now)
    with unit_of_work():
        proposal = lock_proposal(proposal_id)
        _require_owner(user, proposal)
        if proposal.status == "submitted":
            return False
        action = "resubmit" if proposal.status == "returned" else "submit"
        target = _transition(proposal, user, action)
        _check_window(proposal, action, now)
        _apply(proposal, _complete(proposal, data))
        _record_submission(user, proposal, action, target, now)
    return True


def withdraw(user, proposal_id: int, now: datetime | None = None) -> Proposal:
    """The applicant withdraws a draft, submitted or returned proposal; audited and notified."""
    with unit_of_work():
        proposal = lock_proposal(proposal_id)
        _require_owner(user, proposal)
        before = proposal.status
        proposal.status = _transition(proposal, user, "withdraw")
        audit.record("proposal.withdrawn", "proposal", proposal.id, {"from": before}, actor=user)
        with source_language():
            title = proposal.title or msg("（未命名）")
            message = msg("您的申报“{title}”已撤回", title=title)
        notify(proposal.applicant_id, message, link_to(proposal.id))
    return proposal


# ---------------------------------------------------------------------------------------------
# Reading


def get_visible(user, proposal_id: int) -> Proposal:
    """A proposal ``user`` may see, with its lines, needs and people loaded; else 404."""
    query = (
        select(Proposal)
        .where(Proposal.id == proposal_id)
        .options(selectinload(Proposal.lines), selectinload(Proposal.needs))
    )
    proposal = db.session.scalar(query)
    if proposal is None:
        raise ProposalError(tr(perms.NOT_FOUND), status=404)
    _allow(perms.can_view_proposal(user, proposal))
    return proposal


def mine(user) -> list[Proposal]:
    """The applicant's own proposals, newest first, with their rounds."""
    query = (
        select(Proposal)
        .where(Proposal.applicant_id == user.id)
        .options(selectinload(Proposal.round))
        .order_by(Proposal.id.desc())
    )
    return list(db.session.scalars(query))


def round_needs(round_id: int) -> list[Need]:
    """Needs of a round a proposal may link to (not merged), most supported first."""
    query = (
        select(Need)
        .where(Need.round_id == round_id, Need.status != "merged")
        .order_by(Need.support_count.desc(), Need.id)
    )
    return list(db.session.scalars(query))


def timeline(proposal_id: int) -> list[tuple[AuditEntry, str]]:
    """The proposal's status history from the audit chain, oldest first, with labels."""
    query = (
        select(AuditEntry)
        .where(
            AuditEntry.object_type == "proposal",
            AuditEntry.object_id == proposal_id,
            AuditEntry.action.in_(tuple(TIMELINE_LABELS)),
        )
        .order_by(AuditEntry.seq)
    )
    return [(entry, TIMELINE_LABELS[entry.action]) for entry in db.session.scalars(query)]


def _diff_view(snap: dict) -> dict:
    """A stored snapshot as :func:`diff_versions` compares it (activities as text)."""
    view = {key: value for key, value in snap.items() if key not in ("requested_fen", "version")}
    view["activities"] = [
        ActivityInput(**row).text() if isinstance(row, dict) else str(row)
        for row in snap.get("activities", ())
    ]
    return view


def version_changes(proposal_id: int) -> list[Change]:
    """What changed between the last two submitted versions (empty for a first submission)."""
    query = (
        select(ProposalVersion)
        .where(ProposalVersion.proposal_id == proposal_id)
        .order_by(ProposalVersion.version.desc())
        .limit(2)
    )
    versions = list(db.session.scalars(query))
    if len(versions) < 2:
        return []
    newer, older = versions
    changes = diff_versions(_diff_view(older.snapshot), _diff_view(newer.snapshot))
    return [
        dataclasses.replace(change, label=tr(SNAPSHOT_LABELS.get(change.field, change.label)))
        for change in changes
    ]


def status_label(status: str) -> str:
    """The Chinese name of a proposal state."""
    return STATE_LABELS.get(status, status)
