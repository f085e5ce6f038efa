"""Benchmark: verify an audit chain of 1,000,000 entries stored in SQLite.

Builds the chain once (cached under bench/out/), then times `verify_chain` over the rows read
through the app's own streaming reader, and a baseline in the same run: reading the rows alone
(no hashing), and the browser's job walk (``audit_verify``'s progress reports on one core and
on all). Run by hand: ``.venv/bin/python bench/audit_verify.py [--entries N]``.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import statistics
import time
from pathlib import Path

from grants import create_app
from grants.config import TestConfig
from grants.domain.audit import GENESIS_HASH, EntryFields, canonical_json, entry_hash, verify_chain
from grants.extensions import db
from grants.services import audit

OUT = Path(__file__).resolve().parent / "out"


def build(path: Path, entries: int) -> None:
    """Create a migrated database and append ``entries`` chained rows in bulk."""
    from flask_migrate import upgrade

    app = create_app(TestConfig(f"sqlite:///{path}", INSTANCE_PATH=str(OUT)))
    with app.app_context():
        upgrade(revision="heads")
    connection = sqlite3.connect(path)
    prev, rows = GENESIS_HASH, []
    for seq in range(1, entries + 1):
        fields = EntryFields(seq, f"2026-11-23T08:{seq // 60 % 60:02d}:{seq % 60:02d}.000000Z",
                             seq % 50 + 1, "organizer", "proposal.screened", "proposal", seq,
                             canonical_json({"decision": "eligible", "amount_fen": seq}), prev)
        prev = entry_hash(fields)
        rows.append((*[getattr(fields, f) for f in EntryFields.__slots__[:-1]], prev))
    connection.executemany("INSERT INTO audit_entry VALUES (?,?,?,?,?,?,?,?,?,?)", rows)
    connection.execute("UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1", (entries, prev))
    connection.commit()
    connection.close()


def timed(function, repeat: int) -> list[float]:
    """Wall-clock seconds of each run."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return times


def main() -> None:
    """Build if needed, then print baseline and verification times."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    OUT.mkdir(exist_ok=True)
    path = OUT / f"audit_{args.entries}.db"
    if not path.exists():
        print(f"building {args.entries:,} entries in {path} …")
        build(path, args.entries)
    app = create_app(TestConfig(f"sqlite:///{path}", INSTANCE_PATH=str(OUT)))
    with app.app_context():
        read = timed(lambda: sum(1 for _ in audit.iter_rows()), args.repeat)
        results = []
        single = timed(lambda: results.append(verify_chain(audit.iter_rows(), audit.head())),
                       args.repeat)
        both = timed(lambda: results.append(audit.verify_database()), args.repeat)
        one, all_ = [], []
        job_single = timed(lambda: results.append(audit.verify_database(
            workers=1, progress=lambda d, t: one.append(d))), args.repeat)
        job_both = timed(lambda: results.append(audit.verify_database(
            progress=lambda d, t: all_.append(d))), args.repeat)
        db.session.remove()
    assert all(r.ok and r.count == args.entries for r in results), results
    read_p50, single_p50, both_p50 = (statistics.median(t) for t in (read, single, both))
    print(f"entries={args.entries} read_only_p50={read_p50:.2f}s "
          f"verify_one_core_p50={single_p50:.2f}s verify_p50={both_p50:.2f}s "
          f"(flask audit verify, {os.cpu_count()} cores) speedup={single_p50 / both_p50:.2f}x "
          f"goal=5s {'OK' if both_p50 <= 5 else 'OVER'}")
    print(f"job walk with progress: one_core_p50={statistics.median(job_single):.2f}s "
          f"all_cores_p50={statistics.median(job_both):.2f}s "
          f"reports_per_run one_core={len(one) // args.repeat} all_cores={len(all_) // args.repeat}")


if __name__ == "__main__":
    main()
