"""The input rules every edge shares: control characters, invisible text, digits, ids, dates."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from grants.domain import inputs


@pytest.mark.parametrize("text, code", [("a\x00b", "U+0000"), ("\x1b[31m", "U+001B"),
                                        ("x\x7f", "U+007F"), ("\x85", "U+0085"),
                                        ("第一行\r\n第二行\t", None), ("普通文字", None)])
def test_control_characters_are_named_except_tab_and_line_breaks(text, code):
    assert inputs.control_character(text) == code


@pytest.mark.parametrize("text, cleaned", [("\u200b\u200b", ""), ("\ufeff \u2060", ""),
                                           ("\u200d", ""), ("标\u200b题", "标题"),
                                           ("\u202e反转", "反转"), ("plain", "plain"),
                                           ("👨\u200d👩", "👨\u200d👩")])
def test_invisible_characters_are_stripped_and_invisible_only_text_is_empty(text, cleaned):
    assert inputs.strip_invisible(text) == cleaned
    assert inputs.is_blank(text) == (cleaned == "")


@pytest.mark.parametrize("text, refused", [("9" * 100_000, True), ("9" * 41, True),
                                           ("9" * 40, False), ("１" * 50, True),
                                           ("¥" + "1,000" * 20, True), ("电话 " + "1" * 50, False)])
def test_numbers_longer_than_the_limit_are_refused_before_conversion(text, refused):
    assert inputs.too_many_digits(text) is refused
    assert "40" in inputs.too_many_digits_message()


@pytest.mark.parametrize("text, value", [("42", 42), (" 7 ", 7), ("2147483647", 2147483647),
                                         ("2147483648", None), ("0", None), ("²", None),
                                         ("４２", None), ("-1", None), ("9" * 5000, None),
                                         (True, None), (3, 3), (2**31, None), (None, None)])
def test_row_ids_are_ascii_digits_within_the_database_range(text, value):
    assert inputs.parse_row_id(text) == value


def test_choice_coercion_refuses_what_no_database_column_holds():
    assert inputs.db_int("0") == 0 and inputs.db_int(12) == 12
    for bad in ("2147483648", "²", "-1", "x", "9" * 5000, None):
        with pytest.raises(ValueError):
            inputs.db_int(bad)


@pytest.mark.parametrize("value, ok", [(date(2000, 1, 1), True), (date(2100, 12, 31), True),
                                       (date(1, 1, 1), False), (date(9999, 12, 31), False),
                                       (datetime(9999, 12, 31, 23, 59), False), (None, True)])
def test_dates_lie_within_the_platform_range(value, ok):
    assert inputs.date_in_range(value) is ok
    assert "2000-01-01" in inputs.date_range_message()


def test_a_superscript_digit_in_the_follow_up_rules_is_a_problem_not_a_crash():
    from grants.domain.followup_settings import parse_rules

    rules, problems = parse_rules({"quota": "²", "weight_evaluation": "40",
                                   "weight_satisfaction": "40", "weight_timeliness": "20",
                                   "erase_after_days": "90"})
    assert rules is None and [problem.field for problem in problems] == ["quota"]


def test_digits_are_ascii_digits_only():
    assert inputs.is_digits("2026") and not inputs.is_digits("²") and not inputs.is_digits("")
