"""The pool: which awards hold its money, their total, and the one check that they fit."""

from __future__ import annotations

import pytest

from grants.domain.lifecycles import AWARD
from grants.domain.money import yuan
from grants.domain.pool import LIVE_STATES, check_pool, committed_total


def test_every_award_state_but_revoked_and_discarded_holds_money():
    assert sorted(set(AWARD.states) - LIVE_STATES) == ["discarded", "revoked"]


def test_committed_total_counts_live_states_only():
    by_state = {"proposed": yuan(10000), "in_notice": yuan(5000), "revoked": yuan(15000),
                "discarded": yuan(12000), "confirmed": 1}
    assert committed_total(by_state) == yuan(15000) + 1
    assert committed_total([("proposed", 700), ("proposed", 300), ("revoked", 5)]) == 1000
    assert committed_total({}) == 0


def test_check_pool_allows_exactly_the_pool():
    assert check_pool(yuan(100000), yuan(100000)) is None
    assert check_pool(0, 0) is None


def test_check_pool_names_both_sums_and_the_excess():
    assert check_pool(yuan(100000) + 1, yuan(100000)) == (
        "立项总额 ¥100,000.01 超过资金池 ¥100,000.00（超出 ¥0.01）"
    )
    assert check_pool(yuan(70500), yuan(5000)) == (
        "立项总额 ¥70,500.00 超过资金池 ¥5,000.00（超出 ¥65,500.00）"
    )


def test_check_pool_label_names_the_total():
    assert check_pool(3, 2, label="调整后立项总额").startswith("调整后立项总额 ¥0.03")


def test_check_pool_refuses_floats():
    with pytest.raises(TypeError):
        check_pool(1.5, 1)
