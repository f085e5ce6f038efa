"""Benchmark: rank a large round from flat score rows (run by hand).

    python bench/ranking.py [--proposals 10000] [--judges 7] [--repeat 5] [--seed 2024]

Builds seeded synthetic rows (every judge scores every proposal on the default rubric, half
points, each judge with a personal severity), then times :func:`compute_ranking` — the call the
app makes after one query of all score rows — against a baseline that only sums the points in
a plain Python loop. Goal: ranking_p50 ≤ 1 s for 10,000 proposals × 7 judges × 5 criteria.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from grants.domain.rubric import DEFAULT_RUBRIC  # noqa: E402
from grants.domain.scoring import ProposalFacts, ScoreRow, compute_ranking  # noqa: E402

GOAL_SECONDS = 1.0


def build_rows(proposals: int, judges: int, seed: int) -> list[ScoreRow]:
    """Seeded score rows: quality per proposal plus severity per judge plus noise, half points."""
    rng = random.Random(seed)
    halves = {c.key: [Decimal(h) / 2 for h in range(2 * c.max_points + 1)] for c in DEFAULT_RUBRIC}
    severity = [rng.uniform(-0.15, 0.15) for _ in range(judges)]
    rows: list[ScoreRow] = []
    for pid in range(1, proposals + 1):
        quality = rng.uniform(0.35, 0.95)
        for jid in range(1, judges + 1):
            for criterion in DEFAULT_RUBRIC:
                share = min(max(quality + severity[jid - 1] + rng.gauss(0, 0.08), 0.0), 1.0)
                steps = round(share * 2 * criterion.max_points)
                rows.append((jid, pid, criterion.key, halves[criterion.key][steps]))
    return rows


def build_facts(proposals: int, seed: int) -> list[ProposalFacts]:
    """Seeded proposal facts: requested amounts ¥5,000–¥50,000 in whole yuan, spread-out times."""
    rng = random.Random(seed + 1)
    start = datetime(2026, 3, 1, 9, 0)
    return [
        ProposalFacts(
            proposal_id=pid,
            title=f"社区微项目 {pid}",
            requested_fen=rng.randint(5_000, 50_000) * 100,
            submitted_at=start + timedelta(seconds=rng.randint(0, 30 * 24 * 3600)),
        )
        for pid in range(1, proposals + 1)
    ]


def sum_rows(rows: list[ScoreRow]) -> Decimal:
    """Baseline: the least any pass over the rows costs — add every point in a Python loop."""
    total = Decimal(0)
    for _, _, _, points in rows:
        total += points
    return total


def timings(func: Callable[[], object], repeat: int) -> tuple[list[float], list[float]]:
    """Wall-clock and process-CPU seconds of ``repeat`` calls.

    CPU time is reported too because on a shared machine other processes inflate wall time.
    """
    wall, cpu = [], []
    for _ in range(repeat):
        started, started_cpu = time.perf_counter(), time.process_time()
        func()
        wall.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    return wall, cpu


def main() -> int:
    """Build the data, time baseline and ranking, print one line each and the ratio."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--proposals", type=int, default=10_000)
    parser.add_argument("--judges", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seed", type=int, default=2024)
    args = parser.parse_args()
    rows = build_rows(args.proposals, args.judges, args.seed)
    facts = build_facts(args.proposals, args.seed)
    vote_rng = random.Random(args.seed + 2)
    votes = {f.proposal_id: vote_rng.randint(0, 500) for f in facts}

    base, base_cpu = timings(lambda: sum_rows(rows), args.repeat)
    rank, rank_cpu = timings(
        lambda: compute_ranking(rows, facts, votes=votes, public_weight=Decimal("0.2"),
                                turnout=len(votes)),
        args.repeat,
    )
    p50 = statistics.median
    print(
        f"rows={len(rows)} baseline_sum_p50={p50(base):.3f}s best={min(base):.3f}s"
        f" cpu_p50={p50(base_cpu):.3f}s"
    )
    print(
        f"rows={len(rows)} ranking_p50={p50(rank):.3f}s best={min(rank):.3f}s"
        f" cpu_p50={p50(rank_cpu):.3f}s"
    )
    verdict = "OK" if p50(rank) <= GOAL_SECONDS else "SLOW"
    print(f"ratio_p50={p50(rank) / p50(base):.1f}x goal<={GOAL_SECONDS:.1f}s {verdict}")
    return 0 if verdict == "OK" else 1


if __name__ == "__main__":
    raise SystemExit(main())
