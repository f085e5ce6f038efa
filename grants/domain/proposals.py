"""The rules a proposal must pass: editing, submission checks and version differences.

The lifecycle itself (draft → submitted → eligible | returned | ineligible → scored → awarded
| not_awarded; draft, submitted, returned → withdrawn) is the table
:data:`grants.domain.lifecycles.proposal.PROPOSAL`; the helpers here only read it, so "which
states may still be edited" or "which action submits from here" is never a second list.
``applicant`` is the proposal's owner: :func:`grants.domain.permissions.acting_roles` adds it.
The requested amount of a proposal is the total of its budget lines.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
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
from grants.domain.i18n import N_, join_list, msg, tr
from grants.domain.lifecycles.proposal import ACTION_LABELS, PROPOSAL
from grants.domain.money import format_fen
from grants.domain.roles import APPLICANT
from grants.domain.workflow import REASON_MAX_CHARS

DRAFT = "draft"
"""The state a proposal is created in: only its owners see it, screening does not."""
SUBMITTED = "submitted"
"""The state every (re)submission leads to: a proposal in it has nothing left to submit."""


def is_editable(state: str | None) -> bool:
    """True while the applicant may still change the proposal: the table lets them save a
    draft from ``state`` (a draft, or a proposal returned for changes)."""
    return PROPOSAL.can(state, "save_draft", {APPLICANT})


def submission_action(state: str | None) -> str:
    """The action that submits a proposal from ``state``: ``resubmit`` once it was returned,
    else ``submit`` (which the table refuses, with its own reason, from any other state).

    It is also the name of the round's phase window that governs editing in ``state``.
    """
    return "resubmit" if PROPOSAL.can(state, "resubmit", {APPLICANT}) else "submit"


def is_submitted(state: str | None) -> bool:
    """True when a submission has already landed, so submitting again changes nothing."""
    return state == SUBMITTED


def awaits_resubmission(state: str | None) -> bool:
    """True while the applicant is asked to change and resubmit (returned for changes)."""
    return PROPOSAL.can(state, "resubmit", {APPLICANT})


def shows_decision_reason(state: str | None) -> bool:
    """True in the states a screening decision with a reason leads to (returned, ineligible):
    there the applicant and reviewers read the organizer's reason."""
    return state in {
        target
        for (_source, action), (target, _roles) in PROPOSAL.table.items()
        if action in PROPOSAL.reason_actions
    }


def requires_reason(action: str) -> bool:
    """True for actions the applicant must be told the reason for (return, mark ineligible)."""
    return action in PROPOSAL.reason_actions


def check_reason(action: str, reason: str | None) -> str | None:
    """Say why the reason given for a screening decision is missing or too long, else ``None``.

    Asked before anything is locked, in words that tell the organizer the applicant reads it.
    """
    text = (reason or "").strip()
    if requires_reason(action) and not text:
        action_name = tr(ACTION_LABELS.get(action, action))
        return msg("“{action}”须填写原因，申报人会看到该原因", action=action_name)
    if len(text) > REASON_MAX_CHARS:
        return msg(
            "原因最多 {max} 个字（当前 {count} 个字）", max=REASON_MAX_CHARS, count=len(text)
        )
    return None


# ---------------------------------------------------------------------------------------------
# Submission checks

FIELD_LABELS: dict[str, str] = {
    "title": N_("项目名称"),
    "community": N_("所在社区"),
    "category": N_("项目类别"),
    "is_org": N_("申报主体"),
    "background": N_("项目背景"),
    "objectives": N_("项目目标"),
    "outcomes": N_("预期成效"),
    "beneficiaries": N_("受益人群"),
    "beneficiary_count": N_("受益人数"),
    "activities": N_("活动安排"),
    "budget": N_("项目预算"),
    "team": N_("团队成员"),
    "contact_name": N_("联系人"),
    "contact_phone": N_("联系电话"),
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
        Problem(name, msg("请填写{field}（必填）", field=tr(FIELD_LABELS[name])))
        for name in order
        if _is_blank(getattr(draft, name, None))
    ]


def _length_problems(draft: ProposalDraft) -> list[Problem]:
    """Text fields longer than their limits, and an activity list that is too long."""
    problems = [
        Problem(
            name,
            msg(
                "{field}最多 {max} 个字（当前 {count} 个字）",
                field=tr(FIELD_LABELS[name]),
                max=limit,
                count=len(text),
            ),
        )
        for name, limit in TEXT_LIMITS.items()
        if len(text := getattr(draft, name).strip()) > limit
    ]
    activities = [entry for entry in draft.activities if entry.strip()]
    if len(activities) > MAX_ACTIVITIES:
        problems.append(Problem("activities", msg("活动安排最多 {max} 项", max=MAX_ACTIVITIES)))
    if any(len(entry.strip()) > ACTIVITY_MAX_CHARS for entry in activities):
        text = msg("每项活动最多 {max} 个字", max=ACTIVITY_MAX_CHARS)
        problems.append(Problem("activities", text))
    return problems


def _count_problem(count: int | None) -> Problem | None:
    """A beneficiary count, when given, must be a whole number from 1 to 1,000,000."""
    if count is None:
        return None
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= BENEFICIARY_MAX:
        text = msg("受益人数须为 1 至 {max} 之间的整数", max=f"{BENEFICIARY_MAX:,}")
        return Problem("beneficiary_count", text)
    return None


def _category_problem(category: str, allowed: Sequence[str]) -> Problem | None:
    """The proposal's category must be one the round accepts (when the round restricts them)."""
    chosen = category.strip()
    if not chosen or not allowed or chosen in allowed:
        return None
    text = msg(
        "项目类别“{category}”不在本轮允许的类别内（允许：{allowed}）",
        category=chosen,
        allowed=join_list(allowed),
    )
    return Problem("category", text)


def _team_problems(team: Sequence[str], is_org: bool) -> list[Problem]:
    """Resident teams need at least three distinct named members; organisations need none."""
    names = [name.strip() for name in team if name.strip()]
    problems = [
        Problem("team", msg("团队成员“{name}”重复填写", name=name))
        for name in sorted({n for n in names if names.count(n) > 1})
    ]
    distinct = len(set(names))
    if not is_org and distinct < MIN_RESIDENT_TEAM:
        problems.append(
            Problem(
                "team",
                msg(
                    "居民团队至少需要 {min} 名成员（当前 {count} 名），请填写成员姓名",
                    min=MIN_RESIDENT_TEAM,
                    count=distinct,
                ),
            )
        )
    return problems


_MOBILE = re.compile(r"1[3-9]\d{9}")
_AREA = r"0(?:10|2\d|[3-9]\d{2})"  # 010 and 02x are the only three-digit area codes
_LANDLINE = re.compile(
    rf"(?:\((?P<a1>{_AREA})\)|(?P<a2>{_AREA})-?)(?P<local>[1-9]\d{{6,7}})(?:[-转](?P<ext>\d{{1,6}}))?"
)
PHONE_MESSAGE = N_(
    "联系电话格式不正确：请填写 11 位手机号码（如 13800138000）"
    "或带区号的固定电话（如 010-12345678）"
)


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
    return None if normalise_phone(text) else tr(PHONE_MESSAGE)


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
        problems.append(Problem("contact_phone", tr(PHONE_MESSAGE)))
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
        return msg("社会组织") if value else msg("居民团队")
    if isinstance(value, bool):
        return msg("是") if value else msg("否")
    if isinstance(value, int) and name.endswith("_fen"):
        return format_fen(value)
    if isinstance(value, (tuple, list)):
        separator = tr(N_("；"))
        return separator.join(str(entry).strip() for entry in value if not _is_blank(entry))
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
    return msg(
        "{item}（{category}）{price} × {quantity} = {subtotal}",
        item=line.item,
        category=tr(category_label(line.cost_category)),
        price=format_fen(line.unit_price_fen),
        quantity=line.quantity,
        subtotal=format_fen(subtotal(line)),
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
        Change("budget", msg("预算原第 {row} 行（删除）", row=i1 + i + 1), _line_text(line), None)
        for i, line in enumerate(old)
        if i not in used
    ]
    for j, line in enumerate(new):
        if j in pairs:
            before = _line_text(old[pairs[j]])
            label = msg("预算第 {row} 行", row=j1 + j + 1)
            changes.append(Change("budget", label, before, _line_text(line)))
        else:
            label = msg("预算第 {row} 行（新增）", row=j1 + j + 1)
            changes.append(Change("budget", label, None, _line_text(line)))
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
        label = msg("预算合计")
        changes.append(Change("budget_total", label, format_fen(before), format_fen(after)))
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
            changes.append(Change(name, tr(FIELD_LABELS.get(name, name)), before, after))
    return changes
