"""Budget lines: exact integer totals, per-line limits, category caps and parsing."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from grants.domain.budget import (
    COST_CATEGORIES,
    BudgetLine,
    CategoryCap,
    Problem,
    category_totals,
    check_caps,
    check_lines,
    format_share,
    parse_line,
    read_amount,
    read_line,
    subtotal,
    total,
    validate_caps,
)
from grants.domain.money import yuan

lines_strategy = st.lists(
    st.builds(
        BudgetLine,
        item=st.text(min_size=1, max_size=20),
        cost_category=st.sampled_from(list(COST_CATEGORIES)),
        unit_price_fen=st.integers(min_value=1, max_value=1500000),
        quantity=st.integers(min_value=1, max_value=10000),
    ),
    max_size=50,
)


@given(lines_strategy)
def test_total_is_exact_sum_of_subtotals(lines: list[BudgetLine]) -> None:
    result = total(lines)
    assert type(result) is int
    assert result == sum(line.unit_price_fen * line.quantity for line in lines)
    assert result == sum(subtotal(line) for line in lines)
    assert sum(category_totals(lines).values()) == result


def test_category_keys_and_labels() -> None:
    assert list(COST_CATEGORIES) == [
        "personnel",
        "activity",
        "materials",
        "publicity",
        "venue",
        "transport",
        "other",
    ]
    assert list(COST_CATEGORIES.values()) == [
        "人员费",
        "活动费",
        "物资费",
        "宣传费",
        "场地费",
        "交通费",
        "其他",
    ]


def test_subtotal() -> None:
    assert subtotal(BudgetLine("横幅", "publicity", 12050, 3)) == 36150
    assert total([]) == 0


def test_check_lines_empty_and_too_many() -> None:
    assert check_lines([]) == [Problem("budget", "预算至少需要填写 1 行")]
    lines = [BudgetLine("物料", "materials", 100, 1)] * 51
    assert check_lines(lines) == [Problem("budget", "预算最多 50 行（当前 51 行）")]
    assert check_lines(lines[:50]) == []


def test_check_lines_each_limit() -> None:
    lines = [
        BudgetLine("  ", "materials", 100, 1),
        BudgetLine("长" * 101, "food", 0, 0),
        BudgetLine("场地", "venue", 1500001, 10001),
        BudgetLine("长" * 100, "venue", 1500000, 10000),
        BudgetLine("x", "other", 1, 1),
    ]
    assert check_lines(lines) == [
        Problem("budget-0-item", "第 1 行：请填写预算项目名称"),
        Problem("budget-1-item", "第 2 行：项目名称最多 100 个字"),
        Problem(
            "budget-1-cost_category",
            "第 2 行：费用类别须为人员费、活动费、物资费、宣传费、场地费、交通费、其他之一",
        ),
        Problem("budget-1-unit_price", "第 2 行：单价须在 ¥0.01 至 ¥15,000.00 之间"),
        Problem("budget-1-quantity", "第 2 行：数量须为 1 至 10,000 之间的整数"),
        Problem("budget-2-unit_price", "第 3 行：单价须在 ¥0.01 至 ¥15,000.00 之间"),
        Problem("budget-2-quantity", "第 3 行：数量须为 1 至 10,000 之间的整数"),
    ]


def test_check_lines_uses_round_maximum_for_unit_price() -> None:
    problems = check_lines([BudgetLine("场地", "venue", yuan(9000), 1)], max_unit_fen=yuan(8000))
    assert problems == [Problem("budget-0-unit_price", "第 1 行：单价须在 ¥0.01 至 ¥8,000.00 之间")]


def test_check_lines_refuses_float_price_and_quantity() -> None:
    problems = check_lines([BudgetLine("茶歇", "activity", 10.5, 2.5)])  # type: ignore[arg-type]
    assert [p.field for p in problems] == ["budget-0-unit_price", "budget-0-quantity"]


def _personnel_share(personnel_fen: int, rest_fen: int) -> list[BudgetLine]:
    return [
        BudgetLine("社工补贴", "personnel", personnel_fen, 1),
        BudgetLine("活动物资", "materials", rest_fen, 1),
    ]


def test_cap_exactly_at_limit_passes() -> None:
    lines = _personnel_share(yuan(3000), yuan(7000))
    assert check_caps(lines, [CategoryCap("personnel", 30)]) == []


def test_cap_one_fen_over_limit_fails() -> None:
    lines = _personnel_share(yuan(3000) + 1, yuan(7000) - 1)
    assert total(lines) == yuan(10000)
    assert check_caps(lines, [CategoryCap("personnel", 30)]) == [
        "人员费 ¥3,000.01 占申请金额的 30.1%，超过本轮上限 30%"
    ]


def test_cap_message_example() -> None:
    lines = _personnel_share(yuan(5000), yuan(7000))
    assert check_caps(lines, [CategoryCap("personnel", 30), CategoryCap("venue", 10)]) == [
        "人员费 ¥5,000.00 占申请金额的 41.7%，超过本轮上限 30%"
    ]


def test_caps_on_empty_budget() -> None:
    assert check_caps([], [CategoryCap("personnel", 30)]) == []


def test_format_share_rounds_up_from_integers() -> None:
    assert format_share(5000, 12000) == "41.7%"
    assert format_share(1, 3) == "33.4%"
    assert format_share(300, 1000) == "30.0%"
    assert format_share(1000, 1000) == "100.0%"


def test_validate_caps() -> None:
    assert validate_caps([CategoryCap("personnel", 30)]) == []
    assert validate_caps(
        [
            CategoryCap("personnel", 30),
            CategoryCap("personnel", 40),
            CategoryCap("food", 10),
            CategoryCap("venue", 0),
        ]
    ) == [
        "人员费的上限重复设置",
        "未知费用类别“food”",
        "场地费的上限须为 1% 至 100% 之间的整数",
    ]


def test_parse_line_accepts_typed_values() -> None:
    line, problems = parse_line(" 横幅 ", "宣传费", "￥1,200.50", "３")
    assert problems == []
    assert line == BudgetLine("横幅", "publicity", 120050, 3)
    line, _ = parse_line("场地", "venue", "800", "1")
    assert line == BudgetLine("场地", "venue", 80000, 1)


def test_parse_line_reports_every_problem_once() -> None:
    line, problems = parse_line("", "食品", "12.345", "2.5", index=4)
    assert line is None
    assert problems == [
        Problem("budget-4-unit_price", "第 5 行单价：金额最多保留两位小数（精确到分）"),
        Problem("budget-4-quantity", "第 5 行：数量须为 1 至 10,000 之间的整数"),
        Problem("budget-4-item", "第 5 行：请填写预算项目名称"),
        Problem(
            "budget-4-cost_category",
            "第 5 行：费用类别须为人员费、活动费、物资费、宣传费、场地费、交通费、其他之一",
        ),
    ]


def test_parse_line_range_checks() -> None:
    line, problems = parse_line("场地", "venue", "0", "10001")
    assert line is None
    assert [p.field for p in problems] == ["budget-0-unit_price", "budget-0-quantity"]
    _, problems = parse_line("场地", "venue", "9000", "1", max_unit_fen=yuan(8000))
    assert problems == [Problem("budget-0-unit_price", "第 1 行：单价须在 ¥0.01 至 ¥8,000.00 之间")]


def test_read_line_keeps_what_a_draft_may_hold() -> None:
    assert read_line("", "", "", "") == (BudgetLine("", "", 0, 1), [])
    assert read_line(" 教材 ", "物资费", "12.5", "４") == (BudgetLine("教材", "materials", 1250, 4), [])
    assert read_line("教材", "食品", "", "2")[0].cost_category == ""


def test_read_line_refuses_what_no_submission_could_carry() -> None:
    line, problems = read_line("x" * 101, "venue", "30000000", "2.5", index=2)
    assert line == BudgetLine("x" * 101, "venue", 0, 1)
    assert problems == [
        Problem("budget-2-unit_price", "第 3 行单价不能超过 ¥15,000.00"),
        Problem("budget-2-quantity", "第 3 行：数量须为 1 至 10,000 之间的整数"),
        Problem("budget-2-item", "第 3 行：项目名称最多 100 个字"),
    ]
    line, problems = read_line("场地", "venue", "5000", "10")
    assert line.quantity == 1
    assert problems == [
        Problem("budget-0-unit_price", "第 1 行小计 ¥50,000.00 超过单个项目上限 ¥15,000.00")
    ]


def test_read_amount() -> None:
    assert read_amount("  ", "matching_funds", "配套资金", 100) == (0, None)
    assert read_amount("1", "matching_funds", "配套资金", 100) == (100, None)
    assert read_amount("1.01", "m", "配套资金", 100) == (0, Problem("m", "配套资金不能超过 ¥1.00"))
    assert read_amount("abc", "m", "配套资金", 100)[1].message.startswith("配套资金：")
