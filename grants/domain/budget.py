"""Budget lines of a proposal: subtotals, totals, per-line checks and cost-category caps.

A line is *unit price × quantity*. The quantity is a whole number from 1 to 10,000: fractional
quantities (2.5 hours) are written by choosing a smaller unit (5 half-hours), which keeps every
subtotal an exact integer number of fen. Floats never appear; percentages are compared by
cross-multiplying integers.

Problems carry a ``field`` named like WTForms ``FieldList`` inputs (``budget-0-unit_price``) so
the web layer can attach each message to its input.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from grants.domain.band import SITE_BAND
from grants.domain.i18n import N_, join_list, msg, tr
from grants.domain.money import MoneyError, format_fen, parse_money

COST_CATEGORIES: dict[str, str] = {
    "personnel": N_("人员费"),
    "activity": N_("活动费"),
    "materials": N_("物资费"),
    "publicity": N_("宣传费"),
    "venue": N_("场地费"),
    "transport": N_("交通费"),
    "other": N_("其他"),
}

ITEM_MAX_CHARS = 100
QUANTITY_MIN = 1
QUANTITY_MAX = 10_000
LINES_MIN = 1
LINES_MAX = 50


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a form: the input it belongs to and a Chinese message."""

    field: str
    message: str


@dataclass(frozen=True)
class BudgetLine:
    """One row of a budget: what, which cost category (a key of ``COST_CATEGORIES``), price."""

    item: str
    cost_category: str
    unit_price_fen: int
    quantity: int


@dataclass(frozen=True)
class CategoryCap:
    """A round's limit on one cost category, as a whole percentage of the requested total."""

    cost_category: str
    max_pct: int


def subtotal(line: BudgetLine) -> int:
    """Unit price × quantity, in fen."""
    return line.unit_price_fen * line.quantity


def total(lines: Iterable[BudgetLine]) -> int:
    """Sum of the subtotals, in fen: this is the amount the proposal requests."""
    return sum((subtotal(line) for line in lines), 0)


def category_totals(lines: Iterable[BudgetLine]) -> dict[str, int]:
    """Fen per cost category, in ``COST_CATEGORIES`` order, only categories that are used."""
    sums: dict[str, int] = {}
    for line in lines:
        sums[line.cost_category] = sums.get(line.cost_category, 0) + subtotal(line)
    ordered = {key: sums[key] for key in COST_CATEGORIES if key in sums}
    ordered.update(sums)
    return ordered


def category_label(key: str) -> str:
    """The Chinese name of a cost category, or the key itself when it is unknown."""
    return COST_CATEGORIES.get(key, key)


def _is_int(value: object) -> bool:
    """True for real ``int`` values (``bool`` is not a quantity or a price)."""
    return isinstance(value, int) and not isinstance(value, bool)


def _line_problems(line: BudgetLine, index: int, max_unit_fen: int) -> list[Problem]:
    """Check one line's item, category, unit price and quantity against the fixed limits."""
    row, prefix = index + 1, f"budget-{index}-"
    problems: list[Problem] = []
    item = line.item.strip()
    if not item:
        problems.append(Problem(prefix + "item", msg("第 {row} 行：请填写预算项目名称", row=row)))
    elif len(item) > ITEM_MAX_CHARS:
        problems.append(_item_too_long(row, prefix))
    if line.cost_category not in COST_CATEGORIES:
        allowed = join_list(tr(label) for label in COST_CATEGORIES.values())
        text = msg("第 {row} 行：费用类别须为{allowed}之一", row=row, allowed=allowed)
        problems.append(Problem(prefix + "cost_category", text))
    price = line.unit_price_fen
    if not _is_int(price) or not 1 <= price <= max_unit_fen:
        problems.append(
            Problem(
                prefix + "unit_price",
                msg(
                    "第 {row} 行：单价须在 {low} 至 {high} 之间",
                    row=row,
                    low=format_fen(1),
                    high=format_fen(max_unit_fen),
                ),
            )
        )
    if not _is_int(line.quantity) or not QUANTITY_MIN <= line.quantity <= QUANTITY_MAX:
        problems.append(Problem(prefix + "quantity", _quantity_message(row)))
    return problems


def _quantity_message(row: int) -> str:
    """The one wording for a quantity outside 1–10,000 or not a whole number."""
    return msg(
        "第 {row} 行：数量须为 {low} 至 {high} 之间的整数",
        row=row,
        low=QUANTITY_MIN,
        high=f"{QUANTITY_MAX:,}",
    )


def check_lines(
    lines: Sequence[BudgetLine], max_unit_fen: int = SITE_BAND.max_fen
) -> list[Problem]:
    """Check a whole budget: 1–50 lines, each line valid; ``max_unit_fen`` is the band maximum.

    A unit price above the round's upper limit can never fit in an acceptable request, so it
    is reported on the line rather than only as an over-band total.
    """
    if len(lines) < LINES_MIN:
        return [Problem("budget", msg("预算至少需要填写 {min} 行", min=LINES_MIN))]
    problems: list[Problem] = []
    if len(lines) > LINES_MAX:
        text = msg("预算最多 {max} 行（当前 {count} 行）", max=LINES_MAX, count=len(lines))
        problems.append(Problem("budget", text))
    for index, line in enumerate(lines):
        problems.extend(_line_problems(line, index, max_unit_fen))
    return problems


def format_share(part_fen: int, whole_fen: int) -> str:
    """Render ``part / whole`` as a percentage with one decimal, rounded up, from integers.

    Rounding up means a share just above a cap never prints as equal to the cap (30.0%).
    """
    tenths = -((-part_fen * 1000) // whole_fen)
    return f"{tenths // 10}.{tenths % 10}%"


def check_caps(lines: Sequence[BudgetLine], caps: Iterable[CategoryCap]) -> list[str]:
    """Say which cost categories exceed the round's percentage caps of the requested total.

    Exactly at the cap passes: the test is ``category_sum × 100 > max_pct × total``.
    """
    whole = total(lines)
    if whole <= 0:
        return []
    sums = category_totals(lines)
    messages: list[str] = []
    for cap in caps:
        part = sums.get(cap.cost_category, 0)
        if part * 100 > cap.max_pct * whole:
            messages.append(
                msg(
                    "{category} {amount} 占申请金额的 {share}，超过本轮上限 {cap}%",
                    category=tr(category_label(cap.cost_category)),
                    amount=format_fen(part),
                    share=format_share(part, whole),
                    cap=cap.max_pct,
                )
            )
    return messages


def validate_caps(caps: Sequence[CategoryCap]) -> list[str]:
    """Check an organiser's caps: known category, 1–100 %, at most one cap per category."""
    problems: list[str] = []
    seen: set[str] = set()
    for cap in caps:
        name = tr(category_label(cap.cost_category))
        if cap.cost_category not in COST_CATEGORIES:
            problems.append(msg("未知费用类别“{key}”", key=cap.cost_category))
        elif cap.cost_category in seen:
            problems.append(msg("{name}的上限重复设置", name=name))
        if not _is_int(cap.max_pct) or not 1 <= cap.max_pct <= 100:
            problems.append(msg("{name}的上限须为 1% 至 100% 之间的整数", name=name))
        seen.add(cap.cost_category)
    return problems


def category_key(text: str) -> str | None:
    """Accept a cost category as key (``personnel``) or label (``人员费``); ``None`` if neither."""
    cleaned = unicodedata.normalize("NFKC", text or "").strip()
    if cleaned in COST_CATEGORIES:
        return cleaned
    for key, label in COST_CATEGORIES.items():
        if cleaned == label:
            return key
    return None


def parse_quantity(text: str | None) -> int | None:
    """Read a whole-number quantity (full-width digits and thousands commas allowed)."""
    cleaned = unicodedata.normalize("NFKC", text or "").strip().replace(",", "")
    if not cleaned.isascii() or not cleaned.isdigit():
        return None
    return int(cleaned)


def _item_too_long(row: int, prefix: str) -> Problem:
    """The one wording for an item name longer than ``ITEM_MAX_CHARS``."""
    text = msg("第 {row} 行：项目名称最多 {max} 个字", row=row, max=ITEM_MAX_CHARS)
    return Problem(prefix + "item", text)


def _fen_or_problem(text: str | None, field: str, label: str) -> tuple[int, Problem | None]:
    """Parse money text into fen, or read it as 0 with a problem naming ``label``."""
    try:
        return parse_money(text), None
    except MoneyError as err:
        return 0, Problem(field, msg("{label}：{error}", label=label, error=err))


def read_amount(
    text: str | None, field: str, label: str, upper_fen: int
) -> tuple[int, Problem | None]:
    """Read an optional amount (blank is 0 fen) and the problem with it, if any.

    Unreadable text, or more than ``upper_fen``, is a problem and reads as 0: even a draft
    never stores an amount no submission could carry.
    """
    if not (text or "").strip():
        return 0, None
    fen, problem = _fen_or_problem(text, field, label)
    if problem or fen <= upper_fen:
        return fen, problem
    return 0, Problem(field, msg("{label}不能超过 {limit}", label=label,
                                 limit=format_fen(upper_fen)))


def read_line(
    item: str,
    category: str,
    unit_price_text: str,
    quantity_text: str,
    *,
    index: int = 0,
    max_fen: int = SITE_BAND.max_fen,
) -> tuple[BudgetLine, list[Problem]]:
    """Read one typed row as far as a draft needs it: the line, and what cannot be stored.

    A blank price reads as 0 fen and a blank quantity as 1; an unknown category reads as
    blank. Problems are only those no draft may keep: unreadable numbers, a price or subtotal
    above ``max_fen`` (the most any proposal may request), an item name too long. Whether the
    row is complete is :func:`check_lines`' question, asked at submission.
    """
    row, prefix = index + 1, f"budget-{index}-"
    price, problem = read_amount(unit_price_text, prefix + "unit_price",
                                 msg("第 {row} 行单价", row=row), max_fen)
    problems = [problem] if problem else []
    quantity = QUANTITY_MIN
    if (quantity_text or "").strip():
        typed = parse_quantity(quantity_text)
        if typed is None or not QUANTITY_MIN <= typed <= QUANTITY_MAX:
            problems.append(Problem(prefix + "quantity", _quantity_message(row)))
        else:
            quantity = typed
    name = (item or "").strip()
    if len(name) > ITEM_MAX_CHARS:
        problems.append(_item_too_long(row, prefix))
    if price * quantity > max_fen:
        problems.append(Problem(prefix + "unit_price", msg(
            "第 {row} 行小计 {amount} 超过单个项目上限 {limit}", row=row,
            amount=format_fen(price * quantity), limit=format_fen(max_fen))))
        quantity = QUANTITY_MIN
    return BudgetLine(name, category_key(category) or "", price, quantity), problems


def parse_line(
    item: str,
    category: str,
    unit_price_text: str,
    quantity_text: str,
    *,
    index: int = 0,
    max_unit_fen: int = SITE_BAND.max_fen,
) -> tuple[BudgetLine | None, list[Problem]]:
    """Turn one submitted form row into a complete ``BudgetLine``, or ``None`` with the problems.

    ``index`` is the row's position (0-based) so problems name ``budget-<index>-<input>``.
    """
    row, prefix = index + 1, f"budget-{index}-"
    price, problem = _fen_or_problem(unit_price_text, prefix + "unit_price",
                                     msg("第 {row} 行单价", row=row))
    problems = [problem] if problem else []
    quantity = parse_quantity(quantity_text)
    if quantity is None:
        problems.append(Problem(prefix + "quantity", _quantity_message(row)))
    key = category_key(category) or (category or "").strip()
    line = BudgetLine((item or "").strip(), key, price, quantity or QUANTITY_MIN)
    reported = {problem.field for problem in problems}
    problems += [p for p in _line_problems(line, index, max_unit_fen) if p.field not in reported]
    return (None, problems) if problems else (line, [])
