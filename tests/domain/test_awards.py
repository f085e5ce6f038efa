"""Award solver, adjustment checks, and the award and objection lifecycle tables as the one
engine runs them: pure domain, no app."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from grants.domain.awards import Candidate, check_adjustment, solve_awards
from grants.domain.lifecycles import AWARD, OBJECTION
from grants.domain.lifecycles.award import REPLACEABLE_STATES
from grants.domain.money import yuan
from grants.domain.roles import ROLE_LABELS
from grants.domain.workflow import TransitionError

BAND_MIN = yuan(5000)
BAND_MAX = yuan(15000)
MIN_SCORE = Decimal("60.00")


def cand(rank: int, requested_fen: int, score: str = "80.00") -> Candidate:
    """A candidate whose proposal id is 100 + rank, so ids and ranks never coincide."""
    return Candidate(100 + rank, rank, f"项目{rank}", Decimal(score), requested_fen)


def solve(candidates, pool_fen, **kwargs):
    """The solver with this file's default band and threshold."""
    return solve_awards(candidates, pool_fen, BAND_MIN, BAND_MAX, MIN_SCORE, **kwargs)


def outcomes(result) -> list[str]:
    return [d.outcome for d in result.decisions]


# --- solver -----------------------------------------------------------------------------------


def test_pool_filled_exactly():
    cands = [cand(1, yuan(10000)), cand(2, yuan(15000)), cand(3, yuan(5000)), cand(4, yuan(5000))]
    result = solve(cands, yuan(30000))
    assert outcomes(result) == ["award", "award", "award", "pool_exhausted"]
    assert result.total_fen == yuan(30000)
    assert result.remaining_fen == 0
    assert [d.amount_fen for d in result.awards] == [yuan(10000), yuan(15000), yuan(5000)]
    assert result.decisions[2].sentence == "第3名 申请 ¥5,000.00，立项，剩余资金 ¥0.00"
    assert "资金已用完" in result.decisions[3].sentence


def test_award_sentence_names_remaining():
    result = solve([cand(3, yuan(12000))], yuan(50000))
    assert result.decisions[0].sentence == "第3名 申请 ¥12,000.00，立项，剩余资金 ¥38,000.00"


def test_skip_to_next_that_fits():
    cands = [cand(12, yuan(11500)), cand(13, yuan(12000)), cand(14, yuan(6000))]
    result = solve(cands, yuan(20000))
    assert outcomes(result) == ["award", "skip", "award"]
    assert result.decisions[1].sentence == "第13名 申请 ¥12,000.00，超出剩余资金 ¥8,500.00，跳过"
    assert result.decisions[1].amount_fen == 0
    assert result.total_fen == yuan(17500)
    assert result.remaining_fen == yuan(2500)


def test_partial_award_takes_remainder_then_pool_is_exhausted():
    cands = [cand(12, yuan(11500)), cand(13, yuan(12000)), cand(14, yuan(6000))]
    result = solve(cands, yuan(20000), partial=True)
    assert outcomes(result) == ["award", "partial", "pool_exhausted"]
    second = result.decisions[1]
    assert second.amount_fen == yuan(8500)
    assert second.sentence == ("第13名 申请 ¥12,000.00，超出剩余资金 ¥8,500.00，部分资助 ¥8,500.00")
    assert result.total_fen == yuan(20000)
    assert result.remaining_fen == 0


def test_partial_not_given_when_remainder_below_band_min():
    cands = [cand(1, yuan(15000)), cand(2, yuan(10000))]
    result = solve(cands, yuan(19000), partial=True)
    assert outcomes(result) == ["award", "pool_exhausted"]
    assert result.remaining_fen == yuan(4000)


def test_below_threshold_not_awarded_even_with_money_left():
    cands = [cand(14, yuan(6000), "60.00"), cand(15, yuan(6000), "58.20")]
    result = solve(cands, yuan(100000))
    assert outcomes(result) == ["award", "below_threshold"]
    assert result.decisions[1].sentence == "第15名 得分 58.20，低于立项分数线 60.00，不予立项"


def test_score_with_more_decimals_is_not_rounded_up_to_the_threshold():
    result = solve([cand(1, yuan(6000), "59.995")], yuan(100000))
    assert result.decisions[0].sentence == "第1名 得分 59.995，低于立项分数线 60.00，不予立项"


def test_ties_already_ranked_are_taken_in_rank_order():
    cands = [cand(1, yuan(10000), "85.00"), cand(2, yuan(10000), "85.00")]
    result = solve(cands, yuan(14000))
    assert outcomes(result) == ["award", "pool_exhausted"]
    assert result.awards[0].proposal_id == 101


def test_ranks_must_be_strictly_increasing():
    with pytest.raises(ValueError):
        solve([cand(2, yuan(6000)), cand(1, yuan(6000))], yuan(100000))
    with pytest.raises(ValueError):
        solve([cand(1, yuan(6000)), cand(1, yuan(6000))], yuan(100000))


def test_out_of_band_is_excluded_with_the_limit_named():
    cands = [cand(1, yuan(20000)), cand(2, 499999), cand(3, yuan(15000)), cand(4, yuan(5000))]
    result = solve(cands, yuan(100000))
    assert outcomes(result) == ["out_of_band", "out_of_band", "award", "award"]
    assert "高于本轮资助上限 ¥15,000.00" in result.decisions[0].sentence
    assert "低于本轮资助下限 ¥5,000.00" in result.decisions[1].sentence


def test_exhausted_rows_all_say_money_ran_out():
    cands = [cand(1, yuan(15000)), cand(2, yuan(5000)), cand(3, yuan(6000))]
    result = solve(cands, yuan(19999))
    assert outcomes(result) == ["award", "pool_exhausted", "pool_exhausted"]
    assert all("资金已用完" in d.sentence for d in result.decisions[1:])


def test_already_committed_reduces_the_pool():
    result = solve(
        [cand(1, yuan(10000)), cand(2, yuan(10000))], yuan(30000), already_committed_fen=yuan(16000)
    )
    assert outcomes(result) == ["award", "pool_exhausted"]
    assert result.total_fen == yuan(10000)
    assert result.remaining_fen == yuan(4000)


def test_float_amounts_are_refused():
    with pytest.raises(TypeError):
        solve([Candidate(1, 1, "x", Decimal(80), 600000.0)], yuan(100000))
    with pytest.raises(TypeError):
        solve_awards([], 1.5, BAND_MIN, BAND_MAX, MIN_SCORE)


def test_invalid_band_is_refused():
    with pytest.raises(ValueError):
        solve_awards([], yuan(1000), yuan(2000), yuan(1000), MIN_SCORE)
    with pytest.raises(ValueError):
        solve_awards([], yuan(1000), 0, yuan(1000), MIN_SCORE)


_requests = st.integers(min_value=yuan(3000), max_value=yuan(18000))
_scores = st.decimals(min_value=50, max_value=100, places=2)


@st.composite
def rounds(draw):
    """A ranked candidate list and round settings, including requests outside the band."""
    n = draw(st.integers(min_value=0, max_value=25))
    cands = [Candidate(i, i, f"项目{i}", draw(_scores), draw(_requests)) for i in range(1, n + 1)]
    band_min = draw(st.integers(min_value=1, max_value=yuan(8000)))
    band_max = draw(st.integers(min_value=band_min, max_value=yuan(16000)))
    pool = draw(st.integers(min_value=0, max_value=yuan(200000)))
    committed = draw(st.integers(min_value=0, max_value=pool))
    return cands, pool, band_min, band_max, committed, draw(st.booleans())


@given(rounds())
def test_solver_invariants(args):
    cands, pool, band_min, band_max, committed, partial = args
    result = solve_awards(cands, pool, band_min, band_max, MIN_SCORE, partial, committed)
    assert result.total_fen + committed <= pool
    assert result.total_fen == sum(d.amount_fen for d in result.decisions)
    assert result.remaining_fen == pool - committed - result.total_fen
    assert [d.rank for d in result.decisions] == [c.rank for c in cands]
    for decision, candidate in zip(result.decisions, cands, strict=True):
        if decision.outcome == "award":
            assert decision.amount_fen == candidate.requested_fen
            assert band_min <= decision.amount_fen <= band_max
        elif decision.outcome == "partial":
            assert partial
            assert band_min <= decision.amount_fen < candidate.requested_fen
        else:
            assert decision.amount_fen == 0
        if decision.funded:
            assert candidate.final_score >= MIN_SCORE
    assert sum(d.outcome == "partial" for d in result.decisions) <= 1


# --- organizer adjustments ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "errors"),
    [
        (499999, ["金额 ¥4,999.99 低于本轮下限 ¥5,000.00"]),
        (500000, []),
        (1500000, []),
        (1500001, ["金额 ¥15,000.01 高于本轮上限 ¥15,000.00"]),
    ],
)
def test_adjustment_band_edges(amount, errors):
    assert check_adjustment(amount, BAND_MIN, BAND_MAX, yuan(100000), yuan(50000)) == errors


def test_adjustment_pool_overflow():
    errors = check_adjustment(yuan(12000), BAND_MIN, BAND_MAX, yuan(100000), yuan(90000))
    assert errors == ["调整后立项总额 ¥102,000.00 超过资金池 ¥100,000.00（超出 ¥2,000.00）"]


def test_adjustment_exactly_filling_pool_is_fine():
    assert check_adjustment(yuan(10000), BAND_MIN, BAND_MAX, yuan(100000), yuan(90000)) == []


def test_adjustment_reports_band_and_pool_together():
    errors = check_adjustment(1500001, BAND_MIN, BAND_MAX, yuan(20000), yuan(10000))
    assert len(errors) == 2


# --- lifecycle tables -------------------------------------------------------------------------


def transition(lifecycle, state, action, roles, reason=None):
    """The state ``action`` leads to, through the one engine."""
    return lifecycle.step(state, action, set(roles), reason).target


def test_every_state_and_action_has_a_label():
    for (state, action), (next_state, roles) in AWARD.table.items():
        assert state is None or state in AWARD.labels.states
        assert next_state in AWARD.labels.states
        assert action in AWARD.labels.actions
        assert roles and set(roles) <= set(ROLE_LABELS)


@pytest.mark.parametrize(
    ("state", "action", "roles", "expected"),
    [
        (None, "propose", {"organizer"}, "proposed"),
        ("proposed", "discard", {"admin"}, "discarded"),
        ("proposed", "publish_notice", {"organizer"}, "in_notice"),
        ("in_notice", "confirm", {"system"}, "confirmed"),
        ("in_notice", "confirm", {"admin"}, "confirmed"),
        ("confirmed", "sign_agreement", {"organizer"}, "agreement_signed"),
        ("agreement_signed", "start_implementation", {"organizer"}, "implementing"),
        ("implementing", "pass_midterm", {"organizer"}, "midterm_passed"),
        ("midterm_passed", "pass_final", {"admin"}, "final_passed"),
        ("final_passed", "close", {"organizer"}, "closed"),
    ],
)
def test_award_allowed_transitions(state, action, roles, expected):
    assert transition(AWARD, state, action, roles) == expected


@pytest.mark.parametrize(
    ("state", "action"),
    [
        ("implementing", "fail_midterm"),
        ("midterm_passed", "fail_final"),
        ("in_notice", "revoke"),
        ("proposed", "adjust"),
        ("in_notice", "change_amount"),
    ],
)
def test_failing_revoking_and_changing_amounts_need_a_reason(state, action):
    with pytest.raises(TransitionError) as err:
        transition(AWARD, state, action, {"organizer"})
    assert err.value.kind == "missing_reason" and err.value.status == 422
    next_state = transition(AWARD, state, action, {"organizer"}, reason="中期评估未达标")
    assert next_state in {"suspended", "revoked", "proposed", "in_notice"}


def test_refused_transition_names_the_state_and_what_is_possible():
    with pytest.raises(TransitionError) as err:
        transition(AWARD, "in_notice", "sign_agreement", {"admin"})
    assert str(err.value).startswith("当前状态“公示中”不能执行“签订协议”")
    assert "“确认立项”" in str(err.value)
    assert err.value.state == "in_notice"
    assert err.value.kind == "wrong_state" and err.value.status == 409


def test_forbidden_message_lists_allowed_roles():
    with pytest.raises(TransitionError) as err:
        transition(AWARD, "proposed", "publish_notice", {"system"})
    assert str(err.value) == "您的角色无权执行“发布公示”（仅限主办方、系统管理员）"
    assert err.value.kind == "forbidden" and err.value.status == 403


def test_the_authorising_role_is_the_first_of_the_row_the_actor_holds():
    step = AWARD.step("proposed", "adjust", {"admin", "organizer", "auditor"}, "核减")
    assert (step.role, step.target) == ("organizer", "proposed")
    assert AWARD.step("in_notice", "confirm", {"system"}).role == "system"


@pytest.mark.parametrize(
    ("state", "action", "roles"),
    [
        ("proposed", "publish_notice", {"system"}),
        ("in_notice", "revoke", {"system"}),
        ("final_passed", "close", {"system"}),
        ("proposed", "publish_notice", set()),
        ("proposed", "adjust", {"finance", "auditor"}),
        (None, "propose", {"judge"}),
    ],
)
def test_role_refused(state, action, roles):
    with pytest.raises(TransitionError, match="无权执行"):
        transition(AWARD, state, action, roles, reason="理由")


@pytest.mark.parametrize(
    ("state", "action"),
    [
        ("proposed", "confirm"),
        ("revoked", "confirm"),
        ("closed", "close"),
        ("suspended", "pass_final"),
        ("confirmed", "start_implementation"),
        ("in_notice", "adjust"),
        ("in_notice", "discard"),
        ("discarded", "propose"),
    ],
)
def test_award_refused_transitions(state, action):
    with pytest.raises(TransitionError, match="不能执行"):
        transition(AWARD, state, action, {"organizer", "admin"}, reason="理由")


def test_objection_ruling_by_organizer_with_reason():
    ok = transition(OBJECTION, "filed", "uphold", {"organizer"}, reason="预算重复")
    assert ok == "upheld"
    assert transition(OBJECTION, "filed", "dismiss", {"organizer"}, "不实") == "dismissed"
    assert transition(OBJECTION, None, "file", {"public"}) == "filed"


def test_objection_ruling_refusals():
    with pytest.raises(TransitionError, match="理由"):
        transition(OBJECTION, "filed", "dismiss", {"organizer"}, reason=" ")
    with pytest.raises(TransitionError, match="无权执行"):
        transition(OBJECTION, "filed", "dismiss", {"system"}, reason="不实")
    with pytest.raises(TransitionError, match="不能执行"):
        transition(OBJECTION, "upheld", "dismiss", {"organizer"}, reason="不实")
    assert {"uphold", "dismiss"} <= OBJECTION.reason_actions


def test_available_actions_per_role():
    assert AWARD.available("in_notice", {"system"}) == ["confirm"]
    assert AWARD.available("in_notice", {"organizer"}) == ["change_amount", "confirm", "revoke"]
    assert AWARD.available("proposed", {"organizer"}) == ["adjust", "discard", "publish_notice"]
    assert AWARD.available("proposed", {"auditor", "finance"}) == []
    assert AWARD.available("closed", {"admin"}) == []


def test_only_unpublished_awards_are_replaceable():
    assert sorted(REPLACEABLE_STATES) == ["proposed"]
