"""Rubric: the default criteria, rubric validation and per-criterion points validation."""

from __future__ import annotations

from decimal import Decimal

import pytest

from grants.domain.rubric import (
    DEFAULT_RUBRIC,
    Criterion,
    sheet_total,
    validate_points,
    validate_rubric,
)

INNOVATION = next(c for c in DEFAULT_RUBRIC if c.key == "innovation")
LIMIT_MESSAGE = "“创新性”得分须在 0–15 之间，以 0.5 分为单位"


def test_default_rubric_is_valid_and_sums_to_100() -> None:
    assert validate_rubric(DEFAULT_RUBRIC) == []
    assert sum(c.max_points for c in DEFAULT_RUBRIC) == 100
    assert [(c.key, c.name, c.max_points) for c in DEFAULT_RUBRIC] == [
        ("need_fit", "需求契合度", 20),
        ("feasibility", "方案可行性", 25),
        ("innovation", "创新性", 15),
        ("budget", "预算合理性", 20),
        ("sustainability", "可持续性与居民参与", 20),
    ]
    assert all(c.guidance for c in DEFAULT_RUBRIC)


def test_maxima_must_sum_to_100() -> None:
    rubric = (Criterion("a", "甲", 50, ""), Criterion("b", "乙", 45, ""))
    assert validate_rubric(rubric) == ["各评分项满分之和须为 100 分，当前为 95 分"]


def test_each_maximum_at_least_one() -> None:
    rubric = (Criterion("a", "甲", 100, ""), Criterion("b", "乙", 0, ""))
    assert validate_rubric(rubric) == ["“乙”的满分须为不小于 1 的整数"]


def test_duplicate_names_and_keys_are_reported() -> None:
    rubric = (
        Criterion("a", "甲", 40, ""),
        Criterion("a", "乙", 30, ""),
        Criterion("c", "甲", 30, ""),
    )
    assert validate_rubric(rubric) == ["评分项代码“a”重复", "评分项名称“甲”重复"]


def test_empty_rubric() -> None:
    assert validate_rubric(()) == ["评分表至少需要一个评分项"]


@pytest.mark.parametrize(
    ("points", "ok"),
    [
        (Decimal("-0.5"), False),
        (Decimal("0"), True),
        (Decimal("0.5"), True),
        (Decimal("14.5"), True),
        (Decimal("15"), True),
        (Decimal("15.0"), True),
        (Decimal("15.5"), False),
        (Decimal("0.3"), False),
        (Decimal("7.25"), False),
        (Decimal("NaN"), False),
        (Decimal("Infinity"), False),
        (15, True),
    ],
)
def test_points_edges(points: Decimal, ok: bool) -> None:
    assert validate_points(INNOVATION, points) == (None if ok else LIMIT_MESSAGE)


def test_float_points_are_a_programming_error() -> None:
    with pytest.raises(TypeError):
        validate_points(INNOVATION, 7.5)  # type: ignore[arg-type]


def test_sheet_total_is_exact() -> None:
    points = {
        "need_fit": Decimal("18.5"),
        "feasibility": Decimal("20"),
        "innovation": Decimal("12.5"),
    }
    assert sheet_total(points) == Decimal("51.0")
    assert sheet_total({}) == 0
