"""Agreement number, supervision clauses and tranche schedule."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from grants.domain.agreement import (
    SUPERVISION_CLAUSES,
    Tranche,
    agreement_number,
    tranche_schedule,
)
from grants.domain.money import yuan


def test_agreement_number():
    assert agreement_number("JN", 2026, 7, 3) == "JN-2026-07-003"
    assert agreement_number(" jn ", 2026, 12, 150) == "JN-2026-12-150"


@pytest.mark.parametrize(
    "args",
    [
        ("J", 2026, 1, 1),
        ("济南", 2026, 1, 1),
        ("JN", 26, 1, 1),
        ("JN", 2026, 0, 1),
        ("JN", 2026, 1, 0),
    ],
)
def test_agreement_number_refuses_bad_parts(args):
    with pytest.raises(ValueError):
        agreement_number(*args)


def test_supervision_clauses_cover_the_essentials():
    assert 6 <= len(SUPERVISION_CLAUSES) <= 8
    text = "".join(SUPERVISION_CLAUSES)
    for topic in ("专款专用", "分期拨付", "凭证", "中期", "结项", "监督", "退回", "公开", "审计"):
        assert topic in text


def test_default_schedule():
    assert tranche_schedule(yuan(12000)) == [
        Tranche(1, 50, yuan(6000), "协议签订后"),
        Tranche(2, 40, yuan(4800), "中期评估通过后"),
        Tranche(3, 10, yuan(1200), "结项评估通过后"),
    ]


def test_remainder_goes_on_the_first_tranche():
    tranches = tranche_schedule(1_000_001)
    assert [t.amount_fen for t in tranches] == [500_001, 400_000, 100_000]
    assert [t.amount_fen for t in tranche_schedule(7, (34, 33, 33))] == [3, 2, 2]


def test_two_and_one_tranches():
    assert [t.gate for t in tranche_schedule(yuan(5000), (70, 30))] == [
        "协议签订后",
        "结项评估通过后",
    ]
    assert tranche_schedule(yuan(5000), (100,)) == [Tranche(1, 100, yuan(5000), "协议签订后")]


@pytest.mark.parametrize("shares", [(50, 40), (50, 50, 0), (60, 50, -10), (25, 25, 25, 25), ()])
def test_bad_shares_are_refused(shares):
    with pytest.raises(ValueError):
        tranche_schedule(yuan(5000), shares)


def test_bad_amounts_are_refused():
    with pytest.raises(ValueError):
        tranche_schedule(-1)
    with pytest.raises(TypeError):
        tranche_schedule(5000.0)


@st.composite
def share_splits(draw):
    """One to three positive whole percentages adding up to 100."""
    n = draw(st.integers(min_value=1, max_value=3))
    cuts = sorted(draw(st.lists(st.integers(1, 99), min_size=n - 1, max_size=n - 1, unique=True)))
    bounds = [0, *cuts, 100]
    return tuple(b - a for a, b in zip(bounds, bounds[1:], strict=False))


@given(st.integers(min_value=0, max_value=10**12), share_splits())
def test_split_sums_exactly(amount, shares):
    tranches = tranche_schedule(amount, shares)
    assert sum(t.amount_fen for t in tranches) == amount
    assert [t.no for t in tranches] == list(range(1, len(shares) + 1))
    assert all(t.amount_fen >= 0 for t in tranches)
    for t, share in zip(tranches[1:], shares[1:], strict=True):
        assert t.amount_fen == amount * share // 100
