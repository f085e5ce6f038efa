"""Band edges, narrowing and tiers: exact messages, integer fen only."""

from __future__ import annotations

import pytest

from grants.domain.band import (
    SITE_BAND,
    STANDARD_TIERS,
    Band,
    check_amount,
    check_tier,
    narrow_band,
    validate_tiers,
)
from grants.domain.money import yuan


def test_site_band_is_five_to_fifteen_thousand_yuan() -> None:
    assert Band(500000, 1500000) == SITE_BAND


@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        (499999, "申请金额 ¥4,999.99 低于本轮下限 ¥5,000.00"),
        (500000, None),
        (1000000, None),
        (1500000, None),
        (1500001, "申请金额 ¥15,000.01 高于本轮上限 ¥15,000.00"),
    ],
)
def test_check_amount_edges(amount: int, expected: str | None) -> None:
    assert check_amount(amount, SITE_BAND) == expected


def test_narrow_band_inside_site_is_accepted() -> None:
    assert narrow_band(SITE_BAND, yuan(8000), yuan(12000)) == Band(800000, 1200000)
    assert narrow_band(SITE_BAND, SITE_BAND.min_fen, SITE_BAND.max_fen) == SITE_BAND


def test_narrow_band_refuses_lower_minimum_naming_site_limit() -> None:
    with pytest.raises(ValueError, match="不能低于平台下限 ¥5,000.00"):
        narrow_band(SITE_BAND, 499999, yuan(10000))


def test_narrow_band_refuses_higher_maximum_naming_site_limit() -> None:
    with pytest.raises(ValueError, match="不能高于平台上限 ¥15,000.00"):
        narrow_band(SITE_BAND, yuan(5000), 1500001)


def test_narrow_band_refuses_inverted() -> None:
    with pytest.raises(ValueError, match="本轮下限 ¥12,000.00 不能高于本轮上限 ¥8,000.00"):
        narrow_band(SITE_BAND, yuan(12000), yuan(8000))


def test_band_refuses_float_and_inverted() -> None:
    with pytest.raises(TypeError):
        Band(5000.0, 1500000)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        Band(10, 5)


def test_check_tier() -> None:
    assert check_tier(yuan(10000), STANDARD_TIERS) is None
    assert check_tier(yuan(12000), ()) is None
    assert check_tier(yuan(12000), None) is None
    assert (
        check_tier(yuan(12000), STANDARD_TIERS)
        == "申请金额须为本轮档位之一：¥5,000.00 / ¥10,000.00 / ¥15,000.00"
    )


def test_validate_tiers() -> None:
    assert validate_tiers(STANDARD_TIERS, SITE_BAND) == []
    narrow = narrow_band(SITE_BAND, yuan(8000), yuan(12000))
    assert validate_tiers(STANDARD_TIERS, narrow) == [
        "档位 ¥5,000.00 低于本轮下限 ¥8,000.00",
        "档位 ¥15,000.00 高于本轮上限 ¥12,000.00",
    ]
    assert validate_tiers((yuan(5000), yuan(5000)), SITE_BAND) == ["档位 ¥5,000.00 重复"]
    too_many = tuple(yuan(5000) + i for i in range(11))
    assert validate_tiers(too_many, SITE_BAND) == ["档位最多 10 个（当前 11 个）"]
