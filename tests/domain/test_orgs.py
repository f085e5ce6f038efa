"""Organisation checks: USCC, masked accounts, bans and look-alike titles."""

from __future__ import annotations

from datetime import date

import pytest
from stdnum.cn import uscc

from grants.domain.orgs import (
    USCC_CHECKSUM_MESSAGE,
    check_uscc,
    is_banned,
    likely_duplicates,
    mask_account,
    normalise_title,
    normalise_uscc,
    similarity,
)


def _valid(body: str) -> str:
    return body + uscc.calc_check_digit(body)


VALID_CODES = [
    "91110000600037341L",
    _valid("91310000MA1FL1234"),
    _valid("52440300MJL000001"),
    _valid("12100000400000002"),
]


@pytest.mark.parametrize("code", VALID_CODES)
def test_valid_uscc(code: str) -> None:
    assert check_uscc(code) is None
    assert check_uscc(code.lower()) is None
    assert check_uscc(" ".join(code[i : i + 6] for i in range(0, 18, 6))) is None


def test_uscc_full_width_and_hyphens_are_folded() -> None:
    assert normalise_uscc("９１１１-0000 600037341l") == "91110000600037341L"


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("91110000600037341M", USCC_CHECKSUM_MESSAGE),
        ("91110000600037341", "统一社会信用代码应为 18 位（当前 17 位）"),
        ("", "请填写 18 位统一社会信用代码"),
        (None, "请填写 18 位统一社会信用代码"),
        ("9111000060003734IL", "统一社会信用代码只能由数字和大写字母组成（不含 I、O、S、V、Z）"),
    ],
)
def test_invalid_uscc(code: str | None, message: str) -> None:
    assert check_uscc(code) == message


def test_checksum_message_names_the_length() -> None:
    assert USCC_CHECKSUM_MESSAGE == "统一社会信用代码校验失败，请核对 18 位代码"


@pytest.mark.parametrize(
    ("account", "shown"),
    [
        ("6222021234567891234", "**** **** **** 1234"),
        ("6222 0212 3456 7890 123", "**** **** **** 0123"),
        ("６２２２-0000-1111", "**** **** **** 1111"),
        ("12345", "**** **** **** 2345"),
        ("1234", "****"),
        ("", ""),
        (None, ""),
    ],
)
def test_mask_account(account: str | None, shown: str) -> None:
    assert mask_account(account) == shown


def test_mask_account_never_shows_more_than_four_digits() -> None:
    shown = mask_account("6222021234567891234")
    assert sum(char.isdigit() for char in shown) == 4


BANS = [
    ("91110000600037341L", date(2026, 12, 31)),
    ("91110000600037341l", date(2027, 6, 30)),
    ("52440300MJL0000010", date(2025, 1, 1)),
]


def test_is_banned_until_date_inclusive() -> None:
    assert is_banned(BANS, "91110000600037341L", date(2026, 1, 1)) == (True, date(2027, 6, 30))
    assert is_banned(BANS, "9111 0000 6000 3734 1L", date(2027, 6, 30)) == (
        True,
        date(2027, 6, 30),
    )
    assert is_banned(BANS, "91110000600037341L", date(2027, 7, 1)) == (False, None)


def test_expired_and_unknown_not_banned() -> None:
    assert is_banned(BANS, "52440300MJL0000010", date(2025, 1, 2)) == (False, None)
    assert is_banned(BANS, "12100000400000002X", date(2025, 1, 1)) == (False, None)
    assert is_banned(BANS, "", date(2025, 1, 1)) == (False, None)


def test_permanent_ban() -> None:
    bans = [("91110000600037341L", date(2026, 1, 1)), ("91110000600037341L", None)]
    assert is_banned(bans, "91110000600037341L", date(2030, 1, 1)) == (True, None)


def test_normalise_title() -> None:
    assert normalise_title("“楼道 微花园”项目！(2026)") == "楼道微花园项目2026"
    assert similarity("楼道微花园", "楼道·微花园！") == 1.0


def test_likely_duplicates() -> None:
    titles = {
        1: "幸福里楼道微花园",
        2: "幸福里 楼道微花园！",
        3: "长者助餐小食堂",
        4: "幸福里楼道微花园二期",
        5: "   ",
        6: "儿童周末读书会",
    }
    found = likely_duplicates(titles)
    assert found[0] == (1, 2, 1.0)
    assert {(a, b) for a, b, _ in found} == {(1, 2), (1, 4), (2, 4)}
    assert all(score >= 0.8 for _, _, score in found)
    assert [score for _, _, score in found] == sorted((s for _, _, s in found), reverse=True)


def test_likely_duplicates_threshold() -> None:
    titles = {"a": "社区花园", "b": "社区菜园"}
    assert likely_duplicates(titles) == []
    assert likely_duplicates(titles, threshold=0.7) == [("a", "b", 0.75)]
