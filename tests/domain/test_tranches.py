"""The payment schedule: default plan, the rounding remainder on the first tranche, plans that
are refused, and amounts that always add up to the award."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from grants.domain.errors import Refusal
from grants.domain.money import yuan
from grants.domain.tranches import (
    DEFAULT_PLAN,
    FULL_BP,
    GATES,
    PlannedTranche,
    Term,
    percent_text,
    schedule,
)


def test_default_schedule():
    assert schedule(yuan(12000)) == [
        PlannedTranche(1, 5000, yuan(6000), "agreement_signed"),
        PlannedTranche(2, 4000, yuan(4800), "midterm_passed"),
        PlannedTranche(3, 1000, yuan(1200), "final_passed"),
    ]
    assert [t.gate_label for t in schedule(yuan(12000))] == [
        "协议签订后", "中期评估通过后", "结项评估通过后",
    ]
    assert [t.percent for t in schedule(yuan(12000))] == ["50", "40", "10"]


def test_remainder_goes_on_the_first_tranche():
    assert [t.amount_fen for t in schedule(1_000_001)] == [500_001, 400_000, 100_000]
    thirds = (Term("agreement_signed", 3400), Term("midterm_passed", 3300),
              Term("final_passed", 3300))
    assert [t.amount_fen for t in schedule(7, thirds)] == [3, 2, 2]


def test_two_and_one_tranches():
    two = (Term("agreement_signed", 7000), Term("final_passed", 3000))
    assert [t.gate for t in schedule(yuan(5000), two)] == ["agreement_signed", "final_passed"]
    assert schedule(yuan(5000), (Term("agreement_signed", FULL_BP),)) == [
        PlannedTranche(1, FULL_BP, yuan(5000), "agreement_signed")
    ]


@pytest.mark.parametrize("share_bp, text", [(5000, "50"), (3333, "33.33"), (1050, "10.5"),
                                            (10000, "100"), (1, "0.01")])
def test_percent_text(share_bp, text):
    assert percent_text(share_bp) == text


@pytest.mark.parametrize(
    "plan, message",
    [
        ((), "1 至 3 批"),
        ((Term("agreement_signed", 5000), Term("midterm_passed", 4000)), "之和应为 100%"),
        ((Term("agreement_signed", 5000), Term("midterm_passed", 5000),
          Term("final_passed", 0)), "正数"),
        ((Term("agreement_signed", 6000), Term("midterm_passed", 5000),
          Term("final_passed", -1000)), "正数"),
        ((Term("final_passed", 5000), Term("agreement_signed", 5000)), "顺序"),
        ((Term("agreement_signed", 5000), Term("agreement_signed", 5000)), "不重复"),
        ((Term("paid_in_advance", FULL_BP),), "拨付条件只能是"),
        ((*DEFAULT_PLAN, Term("final_passed", 1)), "1 至 3 批"),
        ((Term("agreement_signed", 50.0 * 100),), "正数"),
    ],
)
def test_bad_plans_are_refused(plan, message):
    with pytest.raises(Refusal, match=message):
        schedule(yuan(5000), plan)


def test_bad_amounts_are_refused():
    with pytest.raises(Refusal):
        schedule(-1)
    with pytest.raises(TypeError):
        schedule(5000.0)
    with pytest.raises(TypeError):
        schedule(True)


@st.composite
def plans(draw):
    """One tranche per chosen gate, in gate order, with positive shares adding up to 100 %."""
    gates = [gate for gate in GATES if draw(st.booleans())] or [GATES[0]]
    cuts = sorted(draw(st.lists(st.integers(1, FULL_BP - 1), min_size=len(gates) - 1,
                                max_size=len(gates) - 1, unique=True)))
    bounds = [0, *cuts, FULL_BP]
    shares = [b - a for a, b in zip(bounds, bounds[1:], strict=False)]
    return tuple(Term(gate, share) for gate, share in zip(gates, shares, strict=True))


@given(st.integers(min_value=0, max_value=10**12), plans())
def test_split_sums_exactly(amount, plan):
    tranches = schedule(amount, plan)
    assert sum(t.amount_fen for t in tranches) == amount
    assert [t.sequence for t in tranches] == list(range(1, len(plan) + 1))
    assert all(t.amount_fen >= 0 for t in tranches)
    for t, term in zip(tranches[1:], plan[1:], strict=True):
        assert t.amount_fen == amount * term.share_bp // FULL_BP
