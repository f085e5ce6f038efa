"""The proposal lifecycle and the checks a proposal must pass before it is submitted.

Lifecycle (a :mod:`grants.domain.workflow` table)::

    draft ──submit──▶ submitted ──mark_eligible──▶ eligible ──close_judging──▶ scored
                        │  ▲  ├──mark_ineligible─▶ ineligible      scored ──award──▶ awarded
                     return│  resubmit                             scored ──not_award─▶ not_awarded
                        ▼  │
                      returned
    draft | submitted | returned ──withdraw──▶ withdrawn

``applicant`` is the proposal's owner: the caller adds it to the roles when the user owns it.
The requested amount of a proposal is the total of its budget lines.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence, Set
from dataclasses import dataclass, field
from typing import Any

from grants.domain.band import SITE_BAND, Band, check_amount, check_tier
from grants.domain.budget import (
    BudgetLine,
    CategoryCap,
    Problem,
    category_label,
    check_caps,
    check_lines,
    subtotal,
    total,
)
from grants.domain.money import format_fen
from grants.domain.workflow import Labels, Transitions, allowed_actions, next_state

STATE_LABELS: dict[str, str] = {
    "draft": "草稿",
    "submitted": "已提交",
    "eligible": "资格审查通过",
    "returned": "退回修改",
    "ineligible": "不符合条件",
    "scored": "已评审",
    "awarded": "已立项",
    "not_awarded": "未立项",
    "withdrawn": "已撤回",
}
STATES: tuple[str, ...] = tuple(STATE_LABELS)

ACTION_LABELS: dict[str, str] = {
    "submit": "提交申报",
    "mark_eligible": "资格审查通过",
    "return": "退回修改",
    "mark_ineligible": "认定不符合条件",
    "resubmit": "重新提交",
    "close_judging": "结束评审",
    "award": "立项",
    "not_award": "不予立项",
    "withdraw": "撤回",
}
LABELS = Labels(STATE_LABELS, ACTION_LABELS)

_APPLICANT = frozenset({"applicant"})
_ORGANIZER = frozenset({"organizer"})
_ORGANIZER_OR_SYSTEM = frozenset({"organizer", "system"})

TRANSITIONS: Transitions = {
    ("draft", "submit"): ("submitted", _APPLICANT),
    ("submitted", "mark_eligible"): ("eligible", _ORGANIZER),
    ("submitted", "return"): ("returned", _ORGANIZER),
    ("submitted", "mark_ineligible"): ("ineligible", _ORGANIZER),
    ("returned", "resubmit"): ("submitted", _APPLICANT),
    ("eligible", "close_judging"): ("scored", _ORGANIZER_OR_SYSTEM),
    ("scored", "award"): ("awarded", _ORGANIZER_OR_SYSTEM),
    ("scored", "not_award"): ("not_awarded", _ORGANIZER_OR_SYSTEM),
    ("draft", "withdraw"): ("withdrawn", _APPLICANT),
    ("submitted", "withdraw"): ("withdrawn", _APPLICANT),
    ("returned", "withdraw"): ("withdrawn", _APPLICANT),
}

SCREEN_ACTIONS: tuple[str, ...] = ("mark_eligible", "return", "mark_ineligible")
REASON_ACTIONS = frozenset({"return", "mark_ineligible"})
EDITABLE_STATES = frozenset({"draft", "returned"})
REASON_MAX_CHARS = 500


def transition(state: str, action: str, roles: Set[str]) -> str:
    """The proposal's state after ``action``; raises ``TransitionError`` (Chinese) if refused."""
    return next_state(TRANSITIONS, LABELS, state, action, roles)


def available_actions(state: str, roles: Set[str]) -> list[str]:
    """The actions these roles may take on a proposal in ``state`` (to draw its buttons)."""
    return allowed_actions(TRANSITIONS, state, roles)


def requires_reason(action: str) -> bool:
    """True for actions the applicant must be told the reason for (return, mark ineligible)."""
    return action in REASON_ACTIONS


def check_reason(action: str, reason: str | None) -> str | None:
    """Say why the reason given for a screening decision is missing or too long, else ``None``."""
    text = (reason or "").strip()
    if requires_reason(action) and not text:
        return f"“{ACTION_LABELS.get(action, action)}”须填写原因，申报人会看到该原因"
    if len(text) > REASON_MAX_CHARS:
        return f"原因最多 {REASON_MAX_CHARS} 个字（当前 {len(text)} 个字）"
    return None


def is_editable(state: str) -> bool:
    """True while the applicant may still edit the proposal (draft, or returned for changes)."""
    return state in EDITABLE_STATES


# ---------------------------------------------------------------------------------------------
# Submission checks

FIELD_LABELS: dict[str, str] = {
    "title": "项目名称",
    "community": "所在社区",
    "category": "项目类别",
    "is_org": "申报主体",
    "background": "项目背景",
    "objectives": "项目目标",
    "outcomes": "预期成效",
    "beneficiaries": "受益人群",
    "beneficiary_count": "受益人数",
    "activities": "活动安排",
    "budget": "项目预算",
    "team": "团队成员",
    "contact_name": "联系人",
    "contact_phone": "联系电话",
}

TEXT_LIMITS: dict[str, int] = {
    "title": 50,
    "community": 50,
    "category": 30,
    "background": 2000,
    "objectives": 2000,
    "outcomes": 2000,
    "beneficiaries": 1000,
    "contact_name": 30,
}
REQUIRED_FIELDS = frozenset(
    {
        "title",
        "community",
        "category",
        "background",
        "objectives",
        "outcomes",
        "beneficiaries",
        "beneficiary_count",
        "activities",
        "contact_name",
        "contact_phone",
    }
)
MIN_RESIDENT_TEAM = 3
MAX_ACTIVITIES = 30
ACTIVITY_MAX_CHARS = 200
BENEFICIARY_MAX = 1_000_000


@dataclass(frozen=True)
class ProposalDraft:
    """What an applicant filled in. ``team`` lists member names (resident teams need ≥ 3)."""

    title: str = ""
    community: str = ""
    category: str = ""
    background: str = ""
    objectives: str = ""
    outcomes: str = ""
    beneficiaries: str = ""
    beneficiary_count: int | None = None
    activities: tuple[str, ...] = ()
    budget: tuple[BudgetLine, ...] = ()
    team: tuple[str, ...] = ()
    is_org: bool = False
    contact_name: str = ""
    contact_phone: str = ""

    @property
    def amount_fen(self) -> int:
        """The requested amount: the total of the budget lines, in fen."""
        return total(self.budget)


@dataclass(frozen=True)
class RoundRules:
    """What a round demands of a proposal. Empty ``tiers``/``categories`` mean no restriction."""

    band: Band = SITE_BAND
    tiers: tuple[int, ...] = ()
    caps: tuple[CategoryCap, ...] = ()
    categories: tuple[str, ...] = ()
    required: frozenset[str] = field(default=REQUIRED_FIELDS)


def _is_blank(value: object) -> bool:
    """True for ``None``, blank text and sequences without a single non-blank entry."""
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, (tuple, list)):
        return all(_is_blank(entry) for entry in value)
    return False


def _required_problems(draft: ProposalDraft, required: Iterable[str]) -> list[Problem]:
    """One problem per required field left empty, in form order."""
    order = [name for name in FIELD_LABELS if name in required]
    return [
        Problem(name, f"请填写{FIELD_LABELS[name]}（必填）")
        for name in order
        if _is_blank(getattr(draft, name, None))
    ]


def _length_problems(draft: ProposalDraft) -> list[Problem]:
    """Text fields longer than their limits, and an activity list that is too long."""
    problems = [
        Problem(name, f"{FIELD_LABELS[name]}最多 {limit} 个字（当前 {len(text)} 个字）")
        for name, limit in TEXT_LIMITS.items()
        if len(text := getattr(draft, name).strip()) > limit
    ]
    activities = [entry for entry in draft.activities if entry.strip()]
    if len(activities) > MAX_ACTIVITIES:
        problems.append(Problem("activities", f"活动安排最多 {MAX_ACTIVITIES} 项"))
    if any(len(entry.strip()) > ACTIVITY_MAX_CHARS for entry in activities):
        problems.append(Problem("activities", f"每项活动最多 {ACTIVITY_MAX_CHARS} 个字"))
    return problems


def _count_problem(count: int | None) -> Problem | None:
    """A beneficiary count, when given, must be a whole number from 1 to 1,000,000."""
    if count is None:
        return None
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= BENEFICIARY_MAX:
        return Problem("beneficiary_count", f"受益人数须为 1 至 {BENEFICIARY_MAX:,} 之间的整数")
    return None


def _category_problem(category: str, allowed: Sequence[str]) -> Problem | None:
    """The proposal's category must be one the round accepts (when the round restricts them)."""
    chosen = category.strip()
    if not chosen or not allowed or chosen in allowed:
        return None
    names = "、".join(allowed)
    return Problem("category", f"项目类别“{chosen}”不在本轮允许的类别内（允许：{names}）")


def _team_problems(team: Sequence[str], is_org: bool) -> list[Problem]:
    """Resident teams need at least three distinct named members; organisations need none."""
    names = [name.strip() for name in team if name.strip()]
    problems = [
        Problem("team", f"团队成员“{name}”重复填写")
        for name in sorted({n for n in names if names.count(n) > 1})
    ]
    distinct = len(set(names))
    if not is_org and distinct < MIN_RESIDENT_TEAM:
        problems.append(
            Problem(
                "team",
                f"居民团队至少需要 {MIN_RESIDENT_TEAM} 名成员（当前 {distinct} 名），请填写成员姓名",
            )
        )
    return problems


_MOBILE = re.compile(r"1[3-9]\d{9}")
_AREA = r"0(?:10|2\d|[3-9]\d{2})"  # 010 and 02x are the only three-digit area codes
_LANDLINE = re.compile(
    rf"(?:\((?P<a1>{_AREA})\)|(?P<a2>{_AREA})-?)(?P<local>[1-9]\d{{6,7}})(?:[-转](?P<ext>\d{{1,6}}))?"
)
PHONE_MESSAGE = "联系电话格式不正确：请填写 11 位手机号码（如 13800138000）或带区号的固定电话（如 010-12345678）"


def normalise_phone(text: str | None) -> str | None:
    """Canonical phone (``13800138000`` or ``010-12345678``), or ``None`` if it is not one.

    Accepts mainland mobiles (``1[3-9]`` + 9 digits, optionally ``+86``) and landlines with an
    area code, full-width digits and spaces included.
    """
    cleaned = re.sub(r"\s", "", unicodedata.normalize("NFKC", text or ""))
    mobile = re.sub(r"^(?:\+86|0086|86)(?=1\d{10}$)", "", cleaned.replace("-", ""))
    if _MOBILE.fullmatch(mobile):
        return mobile
    match = _LANDLINE.fullmatch(cleaned)
    if not match:
        return None
    number = f"{match['a1'] or match['a2']}-{match['local']}"
    return f"{number}-{match['ext']}" if match["ext"] else number


def check_phone(text: str | None) -> str | None:
    """Say why a contact phone is not a valid mainland mobile or landline, else ``None``."""
    return None if normalise_phone(text) else PHONE_MESSAGE


def _budget_problems(draft: ProposalDraft, rules: RoundRules) -> list[Problem]:
    """Line checks, then (once the lines are sound) the band, tier and category caps."""
    problems = check_lines(draft.budget, rules.band.max_fen)
    if problems:
        return problems
    amount = draft.amount_fen
    messages = [check_amount(amount, rules.band), check_tier(amount, rules.tiers)]
    messages += check_caps(draft.budget, rules.caps)
    return [Problem("budget", message) for message in messages if message]


def check_submission(draft: ProposalDraft, rules: RoundRules) -> list[Problem]:
    """Everything that stops ``draft`` from being submitted to a round with ``rules``.

    An empty list means it may be submitted. Problems come in form order so the first one
    shown is the first input the applicant has to fix.
    """
    problems = _required_problems(draft, rules.required)
    problems += _length_problems(draft)
    extra = [
        _category_problem(draft.category, rules.categories),
        _count_problem(draft.beneficiary_count),
    ]
    problems += [problem for problem in extra if problem]
    problems += _team_problems(draft.team, draft.is_org)
    problems += _budget_problems(draft, rules)
    if draft.contact_phone.strip() and check_phone(draft.contact_phone):
        problems.append(Problem("contact_phone", PHONE_MESSAGE))
    order = list(FIELD_LABELS)
    return sorted(problems, key=lambda p: order.index(_base_field(p.field)))


def _base_field(name: str) -> str:
    """Map ``budget-3-quantity`` to ``budget`` so problems can be sorted in form order."""
    base = name.split("-", 1)[0]
    return base if base in FIELD_LABELS else "budget"


# ---------------------------------------------------------------------------------------------
# Differences between versions


@dataclass(frozen=True)
class Change:
    """One difference between two versions, as display text (``None`` = empty / absent)."""

    field: str
    label: str
    old: str | None
    new: str | None


def _render(name: str, value: object) -> str | None:
    """Display text for one stored field value, as a reviewer should see it."""
    if _is_blank(value):
        return None
    if name == "is_org":
        return "社会组织" if value else "居民团队"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, int) and name.endswith("_fen"):
        return format_fen(value)
    if isinstance(value, (tuple, list)):
        return "；".join(str(entry).strip() for entry in value if not _is_blank(entry))
    return str(value).strip()


BudgetRows = Iterable[BudgetLine | Mapping[str, Any]] | None


def _as_line(row: BudgetLine | Mapping[str, Any]) -> BudgetLine:
    """Accept a budget row as a ``BudgetLine`` or as the mapping stored in a version snapshot."""
    if isinstance(row, BudgetLine):
        return row
    return BudgetLine(
        str(row.get("item", "")),
        str(row.get("cost_category", "")),
        int(row.get("unit_price_fen", 0)),
        int(row.get("quantity", 0)),
    )


def _line_text(line: BudgetLine) -> str:
    """One budget row as reviewers read it: item (category) price × quantity = subtotal."""
    return (
        f"{line.item}（{category_label(line.cost_category)}）"
        f"{format_fen(line.unit_price_fen)} × {line.quantity} = {format_fen(subtotal(line))}"
    )


def _pair_rows(old: list[BudgetLine], new: list[BudgetLine]) -> dict[int, int]:
    """Pair new rows with old rows of one differing block: same item name first, then in order."""
    free = list(range(len(old)))
    pairs: dict[int, int] = {}
    for j, line in enumerate(new):
        match = next((i for i in free if old[i].item.strip() == line.item.strip()), None)
        if match is not None:
            pairs[j] = match
            free.remove(match)
    unpaired = [j for j in range(len(new)) if j not in pairs]
    pairs.update(zip(unpaired, free, strict=False))
    return dict(sorted(pairs.items()))


def _block_changes(old: list[BudgetLine], new: list[BudgetLine], i1: int, j1: int) -> list[Change]:
    """Row changes for one differing block: removed rows, then modified and added rows."""
    pairs = _pair_rows(old, new)
    used = set(pairs.values())
    changes = [
        Change("budget", f"预算原第 {i1 + i + 1} 行（删除）", _line_text(line), None)
        for i, line in enumerate(old)
        if i not in used
    ]
    for j, line in enumerate(new):
        if j in pairs:
            before = _line_text(old[pairs[j]])
            changes.append(Change("budget", f"预算第 {j1 + j + 1} 行", before, _line_text(line)))
        else:
            changes.append(
                Change("budget", f"预算第 {j1 + j + 1} 行（新增）", None, _line_text(line))
            )
    return changes


def _budget_changes(old_rows: BudgetRows, new_rows: BudgetRows) -> list[Change]:
    """Compare two budgets row by row (aligned with difflib), plus the total if it moved."""
    old_lines = [_as_line(row) for row in old_rows or ()]
    new_lines = [_as_line(row) for row in new_rows or ()]
    old_text = [_line_text(line) for line in old_lines]
    new_text = [_line_text(line) for line in new_lines]
    matcher = difflib.SequenceMatcher(None, old_text, new_text, autojunk=False)
    changes: list[Change] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag != "equal":
            changes += _block_changes(old_lines[i1:i2], new_lines[j1:j2], i1, j1)
    before, after = total(old_lines), total(new_lines)
    if before != after:
        changes.append(Change("budget_total", "预算合计", format_fen(before), format_fen(after)))
    return changes


def diff_versions(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[Change]:
    """What changed between two versions of a proposal, in form order, for a resubmission.

    Budget rows (``BudgetLine`` or mappings with the same keys) are compared as rows, so
    inserting one row shows one added row rather than every later row as changed.
    """
    names = [name for name in FIELD_LABELS if name in old or name in new]
    names += sorted((set(old) | set(new)) - set(FIELD_LABELS))
    changes: list[Change] = []
    for name in names:
        if name == "budget":
            changes += _budget_changes(old.get(name), new.get(name))
            continue
        before, after = _render(name, old.get(name)), _render(name, new.get(name))
        if before != after:
            changes.append(Change(name, FIELD_LABELS.get(name, name), before, after))
    return changes
