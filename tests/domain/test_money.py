"""Money parsing and formatting: integer fen, strict input, exact round-trips."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from grants.domain.money import MoneyError, fen_to_plain, format_fen, parse_money, yuan


@given(st.integers(min_value=0, max_value=10**15 - 1))
def test_every_fen_value_round_trips_through_display_and_plain_text(fen):
    assert parse_money(format_fen(fen)) == fen
    assert parse_money(fen_to_plain(fen)) == fen


@pytest.mark.parametrize(("text", "fen"), [
    ("5000", 500000), ("5,000.00", 500000), ("4999.99", 499999), ("15000.01", 1500001),
    ("￥５，０００", 500000), ("¥ 12,345.6", 1234560), ("0.01", 1), ("12000元", 1200000),
])
def test_accepted_forms(text, fen):
    assert parse_money(text) == fen


@pytest.mark.parametrize(("text", "fragment"), [
    ("", "请输入金额"), ("   ", "请输入金额"), (None, "请输入金额"), ("-1", "负数"),
    ("1e5", "科学计数法"), ("1.234", "两位小数"), ("abc", "不是有效的金额"),
    ("1,00", "不是有效的金额"), ("9" * 20, "金额过大"), ("5000<script>", "不是有效的金额"),
    ("NaN", "不是有效的金额"), ("inf", "不是有效的金额"),
])
def test_refused_forms_say_why(text, fragment):
    with pytest.raises(MoneyError, match=fragment):
        parse_money(text)


def test_format_examples_and_no_floats():
    assert format_fen(yuan(12345)) == "¥12,345.00"
    assert format_fen(-1230) == "-¥12.30"
    with pytest.raises(TypeError):
        format_fen(12.5)
    with pytest.raises(TypeError):
        format_fen(True)


@pytest.mark.parametrize("text", ["1" * 100_000, "1" * 4_301 + ".00", "9" * 30])
def test_numbers_past_any_limit_are_refused_before_conversion(text):
    with pytest.raises(MoneyError, match="金额过大"):
        parse_money(text)


def test_a_long_bad_amount_is_not_echoed_whole():
    with pytest.raises(MoneyError) as refused:
        parse_money("x" * 10_000)
    assert len(str(refused.value)) < 100
