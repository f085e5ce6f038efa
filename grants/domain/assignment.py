"""Assigning judges to proposals: balanced, reproducible from a seed, never a conflicted judge.

Determinism
    Proposal and judge ids are sorted before any random choice and all randomness comes from
    ``random.Random(seed)``, so the same ids, conflicts, ``k`` and seed give the same assignment
    whatever order the database returned the ids in. Recording the seed lets anyone re-run it.

Balance
    Without conflicts, greedily giving each proposal its ``k`` least-loaded judges keeps every
    load within ±1 (the least-loaded judges are always the ones topped up). Conflicts can push
    the greedy result out of balance, so a repair step then moves proposals along chains of
    judges (A hands a proposal to B, B hands another to C, …) from a most-loaded judge to one at
    least 2 below it, each move respecting conflicts. When no such chain exists, no assignment
    with loads within ±1 exists at all (a flow argument: the difference between the current and
    a balanced assignment would contain such a chain), so the result is then as balanced as the
    conflicts allow. Example where ±1 is impossible: 4 proposals, judges A and B, k = 1, and B
    conflicted with 3 of them — A must take at least 3.
"""

from __future__ import annotations

import random
from collections import deque
from collections.abc import Collection, Mapping, Sequence
from typing import TypeAlias

from grants.domain.errors import Refusal
from grants.domain.i18n import N_, msg, tr

JudgeId: TypeAlias = int | str
ProposalId: TypeAlias = int | str
Conflicts: TypeAlias = Collection[tuple[JudgeId, ProposalId]]
Assignment: TypeAlias = dict[ProposalId, list[JudgeId]]


class AssignmentError(Refusal):
    """The assignment cannot be made as asked; ``str(err)`` is the reason in the reader's language.

    A :class:`Refusal` with status 409: the panel, the conflicts or ``k`` must change first.
    """

    def __init__(self, message: str) -> None:
        """Refuse with ``message`` and the status of a record that does not allow it yet."""
        super().__init__(message, status=409)


def assign(
    proposal_ids: Sequence[ProposalId],
    judge_ids: Sequence[JudgeId],
    k: int | None,
    conflicts: Conflicts = frozenset(),
    seed: int = 0,
) -> Assignment:
    """Map each proposal to the judges who will score it (never one declared conflicted).

    ``k=None`` is a roadshow: every non-conflicted judge scores every proposal. Otherwise each
    proposal gets ``k`` distinct judges, loads are balanced within ±1 wherever the conflicts
    allow (see the module docstring), and the result depends only on the inputs and ``seed``.
    Raises :class:`AssignmentError` when a proposal has fewer than ``k`` eligible judges.
    """
    proposals = _sorted_unique(proposal_ids, N_("项目编号有重复"))
    judges = _sorted_unique(judge_ids, N_("评委编号有重复"))
    blocked = set(conflicts)
    eligible = {p: [j for j in judges if (j, p) not in blocked] for p in proposals}
    if k is None:
        return _roadshow(eligible)
    _check_k(k, eligible)
    rng = random.Random(seed)  # noqa: S311 — a seeded, audited shuffle anyone can replay
    order = list(proposals)
    rng.shuffle(order)
    loads = {j: 0 for j in judges}
    result: Assignment = {}
    for proposal_id in order:
        result[proposal_id] = _least_loaded(eligible[proposal_id], loads, k, rng)
    _rebalance(result, eligible, loads)
    return {p: sorted(result[p]) for p in proposals}


def _sorted_unique(ids: Sequence[ProposalId], duplicate_message: str) -> list[ProposalId]:
    """Ids in sorted order (so input order cannot change the result); duplicates are refused."""
    ordered = sorted(ids)
    if len(set(ordered)) != len(ordered):
        raise AssignmentError(tr(duplicate_message))
    return ordered


def _roadshow(eligible: Mapping[ProposalId, list[JudgeId]]) -> Assignment:
    """Every eligible judge on every proposal; a proposal nobody may judge is an error."""
    for proposal_id, judges in eligible.items():
        if not judges:
            raise AssignmentError(msg("项目 {id} 没有可以评审的评委（均需回避）", id=proposal_id))
    return {p: list(judges) for p, judges in eligible.items()}


def _check_k(k: int, eligible: Mapping[ProposalId, list[JudgeId]]) -> None:
    """``k`` must be at least 1 and every proposal needs ``k`` judges free of conflicts."""
    if isinstance(k, bool) or not isinstance(k, int) or k < 1:
        raise AssignmentError(msg("每个项目的评委人数须为正整数"))
    for proposal_id, judges in eligible.items():
        if len(judges) < k:
            raise AssignmentError(
                msg(
                    "项目 {id} 只有 {count} 位无需回避的评委，不足每项目 {k} 位的要求",
                    id=proposal_id,
                    count=len(judges),
                    k=k,
                )
            )


def _least_loaded(
    candidates: list[JudgeId], loads: dict[JudgeId, int], k: int, rng: random.Random
) -> list[JudgeId]:
    """Pick the ``k`` least-loaded candidates, ties in a fresh seeded order, and count them.

    A fresh tie order per proposal varies which judges sit together, instead of the same pairs
    recurring, which also helps judge normalisation compare judges across the panel.
    """
    tie = {j: rng.random() for j in candidates}
    chosen = sorted(candidates, key=lambda j: (loads[j], tie[j]))[:k]
    for judge_id in chosen:
        loads[judge_id] += 1
    return chosen


def _rebalance(
    result: Assignment,
    eligible: Mapping[ProposalId, list[JudgeId]],
    loads: dict[JudgeId, int],
) -> None:
    """Move proposals along judge chains until loads are within ±1 or no chain helps."""
    while loads and max(loads.values()) - min(loads.values()) > 1:
        path = _find_chain(result, eligible, loads)
        if path is None:
            return
        for proposal_id, giver, taker in path:
            judges = result[proposal_id]
            judges[judges.index(giver)] = taker
        loads[path[0][1]] -= 1
        loads[path[-1][2]] += 1


_Move: TypeAlias = tuple[ProposalId, JudgeId, JudgeId]


def _find_chain(
    result: Assignment,
    eligible: Mapping[ProposalId, list[JudgeId]],
    loads: Mapping[JudgeId, int],
) -> list[_Move] | None:
    """Breadth-first search for moves from a most-loaded judge to one at least 2 lighter.

    An edge giver → taker exists when the giver holds a proposal the taker may judge and does
    not already judge. Returns the moves in order (proposal, giver, taker), or None.
    """
    top = max(loads.values())
    held = _held_by(result)
    parent: dict[JudgeId, _Move | None] = {j: None for j in loads if loads[j] == top}
    queue = deque(parent)
    while queue:
        giver = queue.popleft()
        for proposal_id in held[giver]:
            on_it = result[proposal_id]
            for taker in eligible[proposal_id]:
                if taker in parent or taker in on_it:
                    continue
                parent[taker] = (proposal_id, giver, taker)
                if loads[taker] <= top - 2:
                    return _unwind(parent, taker)
                queue.append(taker)
    return None


def _held_by(result: Assignment) -> dict[JudgeId, list[ProposalId]]:
    """Proposals held by each judge, in sorted proposal order for a deterministic search."""
    held: dict[JudgeId, list[ProposalId]] = {}
    for proposal_id in sorted(result):
        for judge_id in result[proposal_id]:
            held.setdefault(judge_id, []).append(proposal_id)
    return held


def _unwind(parent: Mapping[JudgeId, _Move | None], end: JudgeId) -> list[_Move]:
    """The chain of moves that reached ``end``, from the first giver to ``end``."""
    moves: list[_Move] = []
    step = parent[end]
    while step is not None:
        moves.append(step)
        step = parent[step[1]]
    return moves[::-1]


def judge_loads(
    assignment: Mapping[ProposalId, Sequence[JudgeId]], judge_ids: Sequence[JudgeId]
) -> dict[JudgeId, int]:
    """How many proposals each judge holds (0 for judges with none), for balance checks."""
    loads = {j: 0 for j in judge_ids}
    for judges in assignment.values():
        for judge_id in judges:
            loads[judge_id] = loads.get(judge_id, 0) + 1
    return loads


def replacement_candidates(
    proposal_id: ProposalId,
    current: Collection[JudgeId],
    judge_ids: Sequence[JudgeId],
    conflicts: Conflicts,
    loads: Mapping[JudgeId, int],
) -> list[JudgeId]:
    """Judges who could replace one on ``proposal_id``, least-loaded first.

    Excludes everyone already on the proposal (the judge being replaced included) and everyone
    conflicted with it; equal loads keep the order of ``judge_ids``. Offered to the organiser
    when a judge declares a conflict after assignment, so the panel stays balanced.
    """
    blocked = set(conflicts)
    taken = set(current)
    candidates = [j for j in judge_ids if j not in taken and (j, proposal_id) not in blocked]
    return sorted(candidates, key=lambda j: loads.get(j, 0))
