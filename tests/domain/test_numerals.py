"""Capital numerals: the PBOC examples and a round trip through an independent parser."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from grants.domain.numerals import capital_numerals

_DIGIT = {c: i for i, c in enumerate("零壹贰叁肆伍陆柒捌玖")}
_UNIT = {"拾": 10, "佰": 100, "仟": 1000}


def _parse_section(text: str) -> int:
    """Parse up to 仟佰拾 plus a units digit; 零 carries no value."""
    total, digit = 0, 0
    for ch in text:
        if ch in _UNIT:
            total += digit * _UNIT[ch]
            digit = 0
        else:
            digit = _DIGIT[ch]
    return total + digit


def _parse_integer(text: str) -> int:
    """Parse a whole number with 亿 and 万 sections by splitting on the last unit."""
    for unit, base in (("亿", 10**8), ("万", 10**4)):
        if unit in text:
            high, _, low = text.rpartition(unit)
            return _parse_integer(high) * base + _parse_integer(low)
    return _parse_section(text)


def parse_capital(text: str) -> int:
    """Test-only parser from capital numerals back to fen."""
    assert text.count("整") <= 1 and (not text.endswith("整") or "分" not in text)
    text = text.removesuffix("整")
    yuan_text, _, rest = text.rpartition("元") if "元" in text else ("", "", text)
    fen = _parse_integer(yuan_text) * 100 if yuan_text else 0
    rest = rest.lstrip("零")
    if "角" in rest:
        jiao_text, _, rest = rest.partition("角")
        fen += _DIGIT[jiao_text] * 10
    if "分" in rest:
        fen += _DIGIT[rest.removesuffix("分")]
    return fen


@pytest.mark.parametrize(
    ("yuan_text", "expected"),
    [
        ("0", "零元整"),
        ("10", "壹拾元整"),
        ("15", "壹拾伍元整"),
        ("100", "壹佰元整"),
        ("1001", "壹仟零壹元整"),
        ("10010", "壹万零壹拾元整"),
        ("12000", "壹万贰仟元整"),
        ("15000", "壹万伍仟元整"),
        ("12345.67", "壹万贰仟叁佰肆拾伍元陆角柒分"),
        ("100000000", "壹亿元整"),
        ("1.05", "壹元零伍分"),
        ("0.50", "伍角整"),
        ("0.05", "伍分"),
        ("1409.50", "壹仟肆佰零玖元伍角整"),
        ("6007.14", "陆仟零柒元壹角肆分"),
        ("16409.02", "壹万陆仟肆佰零玖元零贰分"),
        ("1680.32", "壹仟陆佰捌拾元叁角贰分"),
        ("107000.53", "壹拾万柒仟元伍角叁分"),
        ("100010000", "壹亿零壹万元整"),
        ("101000000", "壹亿零壹佰万元整"),
        ("1000000001", "壹拾亿零壹元整"),
        ("1000100010001", "壹万零壹亿零壹万零壹元整"),
    ],
)
def test_known_amounts(yuan_text, expected):
    whole, _, cents = yuan_text.partition(".")
    fen = int(whole) * 100 + int(cents.ljust(2, "0"))
    assert capital_numerals(fen) == expected
    assert parse_capital(expected) == fen


def test_negative_is_refused():
    with pytest.raises(ValueError):
        capital_numerals(-1)


def test_non_integer_is_refused():
    with pytest.raises(TypeError):
        capital_numerals(12.5)
    with pytest.raises(TypeError):
        capital_numerals(True)


def test_too_large_is_refused():
    with pytest.raises(ValueError):
        capital_numerals(10**18)
    assert capital_numerals(10**18 - 1).startswith("玖仟玖佰玖拾玖万")


@given(st.integers(min_value=0, max_value=10**12 - 1))
def test_round_trip(fen):
    text = capital_numerals(fen)
    assert parse_capital(text) == fen
    assert "零零" not in text
    assert not text.startswith("零") or fen == 0
