"""What the applicant typed into the proposal form, and reading it into typed values.

Money arrives as text and is read into integer fen by :mod:`grants.domain.budget` (the one
reader of budget rows); the requested amount is always the lines' total, never a posted sum.
Reading checks types and sizes only — what even a draft must respect; whether a proposal may be
submitted is :func:`grants.domain.proposals.check_submission`'s question.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from sqlalchemy import select

from grants.domain.budget import BudgetLine, Problem, parse_quantity, read_amount, read_line
from grants.domain.errors import Refusal
from grants.domain.i18n import N_, msg, tr
from grants.domain.inputs import control_character, control_character_message
from grants.domain.proposals import BENEFICIARY_MAX, FIELD_LABELS, TEXT_LIMITS, ProposalDraft
from grants.extensions import db
from grants.models import Community, Need

TEAM_MAX = 30
NAME_MAX_CHARS = 30
PHONE_MAX_CHARS = 30
ACTIVITY_FIELD_MAX = 100
MATCHING_MAX_FEN = 1_000_000_000  # ¥10,000,000: far above any micro-project, inside INTEGER
SNAPSHOT_LABELS = {"matching_funds_fen": N_("配套资金"), "needs": N_("关联需求")}


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
    return problems + _control_problems(data)


def _control_problems(data: ProposalInput) -> list[Problem]:
    """Team and activity rows holding a control character (NUL cannot be stored in a JSON
    column, and nobody types one): refused here too, not only at the web edge."""
    rows = {"team": data.team,
            "activities": [v for row in data.activities for v in (row.activity, row.dates,
                                                                   row.place)]}
    return [Problem(section, control_character_message(code))
            for section, values in rows.items()
            if (code := next(filter(None, map(control_character, values)), None))]


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


def _lines(rows: tuple[LineInput, ...], problems: list[Problem]) -> tuple[BudgetLine, ...]:
    """Each typed budget row read by the domain's one reader, its problems noted."""
    lines = []
    for index, row in enumerate(rows):
        line, found = read_line(row.item, row.cost_category, row.unit_price, row.quantity,
                                index=index)
        lines.append(line)
        problems += found
    return tuple(lines)


def read(data: ProposalInput, round_id: int) -> tuple[Parsed, list[Problem]]:
    """Typed values (unreadable ones left at 0) and the type and size problems found."""
    data = data.compacted()
    problems = _length_problems(data)
    lines = _lines(data.budget, problems)
    count = _count(data.beneficiary_count, problems)
    label = tr(SNAPSHOT_LABELS["matching_funds_fen"])
    matching, problem = read_amount(data.matching_funds, "matching_funds", label,
                                    MATCHING_MAX_FEN)
    problems += [problem] if problem else []
    community = db.session.get(Community, data.community_id) if data.community_id else None
    if data.community_id and community is None:
        problems.append(Problem("community", msg("请选择列表中的社区")))
    needs = _needs(round_id, data.need_ids, problems)
    return Parsed(data, lines, count, matching, community, needs), problems


def parse_input(data: ProposalInput, round_id: int) -> Parsed:
    """Check types and sizes only (what a draft needs); refuse with every problem if any fail."""
    parsed, problems = read(data, round_id)
    if problems:
        message = msg("有 {count} 处填写有误，请按提示修改", count=len(problems))
        raise Refusal(message, problems, status=422)
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
