"""Benchmark: every page of issue 15 at 10,000 proposals against a bare 50-row list (by hand).

    python bench/pages.py [--proposals 10000] [--runs 3] [--seconds 3] [--db PATH]
                          [--database-url URL]

Builds (or reuses, with ``--db``) a SQLite database: migrations, ``flask seed-demo``, then
:func:`grants.demo.scale.fill_round` up to ``--proposals`` in round 7 (7 judges, 104 needs) and
91 awards on its notice; titles are three of 300 words (``--alike``: of 22, the look-alike
check's worst case). ``--database-url`` runs on another database (PostgreSQL: an empty
database the script migrates and fills the same way).

Each run starts one fresh worker process per app, the platform and then a bare Flask +
Flask-SQLAlchemy app that lists 50 proposals of the same database; a worker serves requests
through Werkzeug's test client in its own process (not gunicorn: the staff pages need the
second factor at sign-in, which the test helpers answer in-process), for ``--seconds`` per
page after two warm-up requests, and reports per page the median latency, requests per second
(one request at a time), the SQL statements of one request and its resident memory (RSS)
after all pages. Runs are interleaved (platform, bare, platform, bare, …) and the medians of
the runs printed, with ratio = page req/s ÷ bare req/s. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PAGES = {
    "home": (None, "/"),
    "public needs list": (None, "/needs/?round={round}"),
    "public notice": (None, "/notices/{notice}"),
    "proposal detail": ("organizer", "/proposals/{proposal}"),
    "organizer screening queue": ("organizer", "/screening/?round_id={round}&page=2"),
    "judge dashboard": ("judge1", "/judging/?round_id={round}&page=2"),
    "ranking": ("organizer", "/judging/rounds/{round}/ranking?page=2"),
    "organizer awards round page": ("organizer", "/awards/rounds/{round}"),
}
GOAL_RATIO = 0.5


def _rss_mb() -> float:
    """This process's resident memory in MB (from /proc)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _app(url: str, instance: str):
    """The platform on ``url`` (test configuration: no CSRF, memory rate limits)."""
    from grants import create_app
    from grants.config import TestConfig

    app = create_app(TestConfig(url, INSTANCE_PATH=instance))
    app.config["WTF_CSRF_ENABLED"] = False
    return app


def build(url: str, proposals: int, instance: str, alike: bool) -> None:
    """Migrate, seed the demo and fill round 7 up to ``proposals`` with 91 notice awards."""
    from flask_migrate import upgrade
    from sqlalchemy import func, select

    from grants.demo.rounds import ROUND7_NAME
    from grants.demo.scale import add_notice_awards, fill_round
    from grants.extensions import db
    from grants.models import FundingRound, Proposal
    from grants.models.awards import Notice

    app = _app(url, instance)
    with app.app_context():
        upgrade(revision="heads")
        result = app.test_cli_runner().invoke(args=["seed-demo"])
        if result.exception is not None:
            raise result.exception
        round_id = db.session.scalar(
            select(FundingRound.id).where(FundingRound.name == ROUND7_NAME))
        have = db.session.scalar(
            select(func.count(Proposal.id)).where(Proposal.round_id == round_id))
        started = time.perf_counter()
        fill_round(round_id, proposals - have, alike=alike)
        notice_id = db.session.scalar(select(Notice.id).where(Notice.round_id == round_id))
        add_notice_awards(notice_id, 82)
        print(f"filled {proposals - have} proposals in {time.perf_counter() - started:.1f}s",
              file=sys.stderr)


def _ids() -> dict:
    """The round, notice and proposal the page addresses name."""
    from sqlalchemy import func, select

    from grants.demo.rounds import ROUND7_NAME
    from grants.extensions import db
    from grants.models import FundingRound, Proposal
    from grants.models.awards import Notice

    round_id = db.session.scalar(select(FundingRound.id).where(FundingRound.name == ROUND7_NAME))
    return {
        "round": round_id,
        "notice": db.session.scalar(select(Notice.id).where(Notice.round_id == round_id)),
        "proposal": db.session.scalar(
            select(func.min(Proposal.id)).where(Proposal.round_id == round_id)),
    }


def _time(client, url: str, seconds: float) -> tuple[list[float], int]:
    """Latencies of requests for ``url`` during ``seconds`` (after 2 warm-ups), and the SQL
    statements of one request."""
    from tests.helpers import count_queries

    for _ in range(2):
        assert client.get(url).status_code == 200, url
    with count_queries() as counter:
        client.get(url)
    latencies = []
    until = time.perf_counter() + seconds
    while time.perf_counter() < until or len(latencies) < 3:
        started = time.perf_counter()
        client.get(url)
        latencies.append(time.perf_counter() - started)
    return latencies, counter[0]


def _result(latencies: list[float], queries: int) -> dict:
    """One page's figures."""
    return {"p50": statistics.median(latencies), "rps": len(latencies) / sum(latencies),
            "queries": queries}


def serve_platform(url: str, instance: str, seconds: float) -> dict:
    """Time every page of the platform in this process."""
    from grants.demo import DEMO_PASSWORD
    from tests.conftest import IsolatedClient
    from tests.helpers import login_as

    app = _app(url, instance)
    app.test_client_class = IsolatedClient
    out = {}
    with app.app_context():
        ids = _ids()
        clients = {}
        for name, (username, path) in PAGES.items():
            if username not in clients:
                clients[username] = app.test_client()
                if username:
                    login_as(clients[username], username, DEMO_PASSWORD)
            out[name] = _result(*_time(clients[username], path.format(**ids), seconds))
    out["rss_mb"] = _rss_mb()
    return out


def serve_bare(url: str, seconds: float) -> dict:
    """Time a bare Flask + Flask-SQLAlchemy 50-row list of the same proposals."""
    from flask import Flask, render_template_string
    from flask_sqlalchemy import SQLAlchemy
    from sqlalchemy import text

    app = Flask("bare")
    app.config["SQLALCHEMY_DATABASE_URI"] = url
    bare_db = SQLAlchemy(app)
    page = ("<!doctype html><title>list</title><table>{% for r in rows %}<tr><td>{{ r.id }}"
            "</td><td>{{ r.title }}</td><td>{{ r.status }}</td></tr>{% endfor %}</table>")

    @app.get("/")
    def listing():
        rows = bare_db.session.execute(
            text("SELECT id, title, status FROM proposal ORDER BY id LIMIT 50")).all()
        return render_template_string(page, rows=rows)

    client = app.test_client()
    with app.app_context():
        for _ in range(2):
            client.get("/")
        latencies = []
        until = time.perf_counter() + seconds
        while time.perf_counter() < until:
            started = time.perf_counter()
            client.get("/")
            latencies.append(time.perf_counter() - started)
        queries = 1
    return {"bare list": _result(latencies, queries), "rss_mb": _rss_mb()}


def _worker(kind: str, url: str, instance: str, seconds: float) -> dict:
    """Run one worker process and read its JSON."""
    command = [sys.executable, __file__, "--worker", kind, "--database-url", url,
               "--instance", instance, "--seconds", str(seconds)]
    done = subprocess.run(command, check=True, capture_output=True, text=True, cwd=ROOT)  # noqa: S603 - this script, these arguments
    return json.loads(done.stdout.strip().splitlines()[-1])


def _median(runs: list[dict], page: str, key: str) -> float:
    """The median of one figure over the runs."""
    return statistics.median(run[page][key] for run in runs)


def report(platform: list[dict], bare: list[dict]) -> None:
    """Print the table of medians."""
    bare_rps = _median(bare, "bare list", "rps")
    print(f"{'page':30} {'p50 ms':>8} {'req/s':>8} {'ratio':>6} {'queries':>7}")
    print(f"{'bare list (50 rows)':30} {_median(bare, 'bare list', 'p50') * 1000:8.1f}"
          f" {bare_rps:8.1f} {1:6.2f} {1:7d}")
    for page in PAGES:
        rps = _median(platform, page, "rps")
        ratio = rps / bare_rps
        flag = "" if ratio >= GOAL_RATIO else "  < goal"
        print(f"{page:30} {_median(platform, page, 'p50') * 1000:8.1f} {rps:8.1f}"
              f" {ratio:6.2f} {int(_median(platform, page, 'queries')):7d}{flag}")
    rss = statistics.median(run["rss_mb"] for run in platform)
    bare_rss = statistics.median(run["rss_mb"] for run in bare)
    print(f"worker RSS after all pages: platform {rss:.0f} MB, bare {bare_rss:.0f} MB")


def main() -> int:
    """Build or reuse the database, run the interleaved workers, print the medians."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--proposals", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--alike", action="store_true",
                        help="titles from 22 words (alike by the thousand) instead of 300")
    parser.add_argument("--db", help="SQLite file to build once and reuse")
    parser.add_argument("--database-url")
    parser.add_argument("--instance")
    parser.add_argument("--no-build", action="store_true",
                        help="the database at --database-url is filled already")
    parser.add_argument("--worker", choices=("platform", "bare"))
    args = parser.parse_args()
    if args.worker:
        out = (serve_platform(args.database_url, args.instance, args.seconds)
               if args.worker == "platform" else serve_bare(args.database_url, args.seconds))
        print(json.dumps(out))
        return 0
    instance = args.instance or tempfile.mkdtemp(prefix="bench-pages-")
    url = args.database_url or f"sqlite:///{args.db or os.path.join(instance, 'pages.db')}"
    if not args.no_build and (args.database_url or not (args.db and Path(args.db).exists())):
        build(url, args.proposals, instance, args.alike)
    platform, bare = [], []
    for _ in range(args.runs):
        platform.append(_worker("platform", url, instance, args.seconds))
        bare.append(_worker("bare", url, instance, args.seconds))
    print(f"{args.proposals} proposals, 7 judges, 104 needs; {url.split(':')[0]};"
          f" medians of {args.runs} interleaved runs, test client, one request at a time;"
          f" load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    report(platform, bare)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
