"""Judge assignment: conflicts respected, loads within ±1, reproducible from the seed."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from grants.domain.assignment import (
    AssignmentError,
    assign,
    judge_loads,
    replacement_candidates,
)


def spread(assignment: dict, judges: list) -> int:
    """Max load minus min load over all judges (judges with nothing count as 0)."""
    loads = judge_loads(assignment, judges)
    return max(loads.values()) - min(loads.values())


def check_valid(assignment: dict, proposals: list, k: int, conflicts: set) -> None:
    """Every proposal has k distinct judges, none conflicted."""
    assert sorted(assignment) == sorted(proposals)
    for proposal_id, judges in assignment.items():
        assert len(judges) == len(set(judges)) == k
        assert not any((j, proposal_id) in conflicts for j in judges)


sizes = st.tuples(st.integers(0, 40), st.integers(1, 12)).flatmap(
    lambda pj: st.tuples(st.just(pj[0]), st.just(pj[1]), st.integers(1, pj[1]))
)


@settings(max_examples=200, deadline=None)
@given(sizes=sizes, seed=st.integers(0, 2**32))
def test_no_conflicts_balanced_and_deterministic(sizes: tuple[int, int, int], seed: int) -> None:
    n, j, k = sizes
    proposals, judges = list(range(100, 100 + n)), [f"J{i:02d}" for i in range(j)]
    result = assign(proposals, judges, k, set(), seed)
    check_valid(result, proposals, k, set())
    assert spread(result, judges) <= 1
    assert assign(proposals, judges, k, set(), seed) == result
    shuffled_p, shuffled_j = proposals[::-1], random.Random(seed).sample(judges, j)
    assert assign(shuffled_p, shuffled_j, k, set(), seed) == result


@st.composite
def feasible_with_conflicts(draw: st.DrawFn) -> tuple[list[int], list[int], int, set, int]:
    """Sparse random conflicts that avoid a known balanced witness, so ±1 stays feasible.

    The witness gives proposal i the judges i·k, i·k+1, … (mod j): consecutive cyclic blocks,
    hence loads within ±1. Conflicts are drawn only among pairs the witness does not use.
    """
    n, j, k = draw(sizes)
    witness = {(t % j, i) for i in range(n) for t in range(i * k, i * k + k)}
    free = sorted({(jj, i) for i in range(n) for jj in range(j)} - witness)
    density = draw(st.floats(0.0, 0.4))
    rng = random.Random(draw(st.integers(0, 2**16)))
    conflicts = {pair for pair in free if rng.random() < density}
    return list(range(n)), list(range(j)), k, conflicts, draw(st.integers(0, 2**32))


@settings(max_examples=300, deadline=None)
@given(case=feasible_with_conflicts())
def test_sparse_conflicts_never_conflicted_and_balanced(case: tuple) -> None:
    proposals, judges, k, conflicts, seed = case
    result = assign(proposals, judges, k, conflicts, seed)
    check_valid(result, proposals, k, conflicts)
    assert spread(result, judges) <= 1
    assert assign(proposals, judges, k, conflicts, seed) == result


def test_different_seeds_give_different_assignments() -> None:
    proposals, judges = list(range(30)), list(range(9))
    results = {tuple(map(tuple, assign(proposals, judges, 3, set(), s).values())) for s in range(5)}
    assert len(results) > 1


def test_repair_reaches_balance_the_greedy_would_miss() -> None:
    # Judge 0 is the only one allowed on proposals 0–2; judges 1 and 2 can take 3–8.
    conflicts = {(j, p) for p in range(3) for j in (1, 2)}
    for seed in range(20):
        result = assign(list(range(9)), [0, 1, 2], 1, conflicts, seed)
        check_valid(result, list(range(9)), 1, conflicts)
        assert judge_loads(result, [0, 1, 2]) == {0: 3, 1: 3, 2: 3}


def test_conflicts_can_make_balance_impossible() -> None:
    conflicts = {("B", 1), ("B", 2), ("B", 3)}
    result = assign([1, 2, 3, 4], ["A", "B"], 1, conflicts, seed=7)
    assert result == {1: ["A"], 2: ["A"], 3: ["A"], 4: ["B"]}


def test_too_few_eligible_judges_is_an_error() -> None:
    with pytest.raises(
        AssignmentError, match="项目 2 只有 1 位无需回避的评委，不足每项目 2 位的要求"
    ):
        assign([1, 2], ["A", "B"], 2, {("A", 2)}, seed=1)
    with pytest.raises(AssignmentError):
        assign([1], ["A"], 2, set(), seed=1)
    with pytest.raises(AssignmentError, match="正整数"):
        assign([1], ["A"], 0, set(), seed=1)


def test_duplicate_ids_are_refused() -> None:
    with pytest.raises(AssignmentError, match="评委编号有重复"):
        assign([1], ["A", "A"], 1, set(), seed=1)


def test_roadshow_every_non_conflicted_judge() -> None:
    result = assign([2, 1], ["C", "A", "B"], None, {("B", 1)}, seed=3)
    assert result == {1: ["A", "C"], 2: ["A", "B", "C"]}
    with pytest.raises(AssignmentError, match="项目 1 没有可以评审的评委"):
        assign([1], ["A"], None, {("A", 1)}, seed=3)


def test_empty_inputs() -> None:
    assert assign([], [], 1, set(), seed=0) == {}
    assert assign([], ["A"], 1, set(), seed=0) == {}


def test_replacement_candidates_least_loaded_first() -> None:
    loads = {"A": 3, "B": 1, "C": 2, "D": 1, "E": 0}
    candidates = replacement_candidates(
        7,
        current=["A", "C"],
        judge_ids=["A", "B", "C", "D", "E"],
        conflicts={("E", 7)},
        loads=loads,
    )
    assert candidates == ["B", "D"]
    assert replacement_candidates(7, ["A"], ["A", "F"], set(), {}) == ["F"]
