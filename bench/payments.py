"""Benchmark: the round payment ledger and its XLSX export at 10 and 1,000 awards (run by hand).

    python bench/payments.py [--awards 1000] [--small 10] [--repeat 20] [--database URL]

Builds two rounds in a fresh migrated database (SQLite in a temporary folder unless
``--database`` names an empty PostgreSQL database), each award with a countersigned agreement
and three tranches (50/40/10), written with direct bulk inserts (a benchmark needs volume, not
an audit trail): every first tranche is paid, every second one has a payment awaiting
approval. Then, signed in as a finance officer through the real login form:

- the number of SQL statements one GET of ``/finance/rounds/<id>`` runs, at both sizes (it
  should not grow with the number of awards);
- that page's p50 (and best) wall time over ``--repeat`` requests;
- the XLSX export of the large round (``write_xlsx(iter_payment_rows(...))``): wall time and
  peak Python memory (tracemalloc), and the same for CSV.

Nothing is asserted; the table is for the issue note.
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import tempfile
import time
import tracemalloc
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import event, insert, select  # noqa: E402

from grants import create_app  # noqa: E402
from grants.config import TestConfig  # noqa: E402
from grants.domain.tranches import schedule  # noqa: E402
from grants.extensions import db  # noqa: E402
from grants.models import FundingRound, Proposal, User  # noqa: E402
from grants.models.awards import Agreement, Award, Tranche  # noqa: E402
from grants.models.base import utcnow  # noqa: E402
from grants.models.payments import Payment  # noqa: E402

PASSWORD = "Bench-Payments-9"


def _app(database: str | None, folder: Path):
    """A migrated app on ``database`` or on a new SQLite file in ``folder``."""
    from flask_migrate import upgrade

    url = database or f"sqlite:///{folder / 'bench.db'}"
    app = create_app(TestConfig(url, INSTANCE_PATH=str(folder)))
    app.config["WTF_CSRF_ENABLED"] = False
    with app.app_context():
        upgrade(revision="heads")
    return app


def _officers() -> tuple[int, int, int]:
    """Two finance officers and one applicant, made through the accounts service."""
    from grants.services import accounts

    ids = []
    for username, roles in (("fin1", ("finance",)), ("fin2", ("finance",)),
                            ("applicant", ("resident",))):
        ids.append(accounts.create_staff_user(username, username, PASSWORD, roles).id)
    return ids[0], ids[1], ids[2]


def _round(name: str) -> int:
    """A round whose implementation has begun (only its dates and pool matter here)."""
    now, day = utcnow(), timedelta(days=1)
    start = now - 120 * day
    funding_round = FundingRound(
        name=name, round_no=9, district="江宁区", street="东山街道", pool_fen=2_000_000_000,
        needs_open=start, needs_close=start + 10 * day, submit_open=start + 10 * day,
        submit_close=start + 30 * day, return_deadline=start + 35 * day,
        screening_close=start + 40 * day, judging_open=start + 40 * day,
        judging_close=start + 50 * day, implementation_start=(start + 60 * day).date(),
        implementation_end=(start + 300 * day).date())
    db.session.add(funding_round)
    db.session.commit()
    return funding_round.id


def _insert(model, rows: list[dict]) -> list[int]:
    """Bulk-insert rows and return their ids in order."""
    result = db.session.execute(insert(model).returning(model.id, sort_by_parameter_order=True),
                                rows)
    return [row[0] for row in result]


def build_round(name: str, awards: int, people: tuple[int, int, int]) -> int:
    """A round of ``awards`` signed awards × 3 tranches, first tranche paid, second requested."""
    finance1, finance2, applicant = people
    round_id = _round(name)
    now = utcnow()
    signed = now - timedelta(days=30)
    amounts = [500_000 + (i * 7_919) % 1_000_001 for i in range(awards)]
    proposal_ids = _insert(Proposal, [
        {"round_id": round_id, "applicant_id": applicant, "status": "awarded",
         "title": f"社区微项目 {i + 1}", "requested_fen": amount, "version": 1,
         "submitted_at": now, "first_submitted_at": now}
        for i, amount in enumerate(amounts)])
    award_ids = _insert(Award, [
        {"round_id": round_id, "proposal_id": pid, "rank": i + 1, "amount_fen": amount,
         "requested_fen": amount, "status": "agreement_signed", "score": 80}
        for i, (pid, amount) in enumerate(zip(proposal_ids, amounts, strict=True))])
    _insert(Agreement, [
        {"award_id": aid, "number": f"B-{round_id}-{i + 1:05d}", "status": "countersigned",
         "applicant_signed_at": signed, "applicant_signer_id": applicant,
         "organizer_signed_at": signed, "organizer_signer_id": applicant}
        for i, aid in enumerate(award_ids)])
    tranche_rows = [
        {"award_id": aid, "sequence": t.sequence, "share_bp": t.share_bp,
         "amount_fen": t.amount_fen, "gate": t.gate,
         "status": {1: "paid", 2: "due"}.get(t.sequence, "pending")}
        for aid, amount in zip(award_ids, amounts, strict=True) for t in schedule(amount)]
    tranche_ids = _insert(Tranche, tranche_rows)
    payments = []
    for tid, row in zip(tranche_ids, tranche_rows, strict=True):
        base = {"tranche_id": tid, "award_id": row["award_id"], "amount_fen": row["amount_fen"],
                "payee_name": "江宁区某社会组织", "payee_account": "6222021000000001234",
                "requested_by_id": finance1, "requested_at": now, "reason": ""}
        if row["sequence"] == 1:
            payments.append({**base, "status": "paid", "approved_by_id": finance2,
                             "approved_at": now, "approval_digest": "0" * 64,
                             "paid_by_id": finance1, "paid_at": now,
                             "bank_reference": f"JSB{tid:010d}", "value_date": date.today(),
                             "paying_account": "32010188000006123456"})
        elif row["sequence"] == 2:
            payments.append({**base, "status": "requested"})
    _insert(Payment, payments)
    db.session.commit()
    return round_id


def count_statements(client, url: str) -> int:
    """SQL statements one GET of ``url`` runs."""
    counter = [0]

    def _count(*_args, **_kwargs):
        counter[0] += 1

    event.listen(db.engine, "before_cursor_execute", _count)
    try:
        response = client.get(url)
    finally:
        event.remove(db.engine, "before_cursor_execute", _count)
    assert response.status_code == 200, response.status_code
    return counter[0]


def page_times(client, url: str, repeat: int) -> list[float]:
    """Wall seconds of ``repeat`` GETs of ``url``."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(url)
        times.append(time.perf_counter() - started)
        assert response.status_code == 200
    return times


def export_cost(write, round_id: int, target: Path) -> tuple[float, float, int]:
    """Wall seconds (untraced), peak traced MiB (a second, traced run) and rows of an export
    of the round to ``target``: tracemalloc slows Python down, so time is taken without it."""
    from grants.services import payments

    started = time.perf_counter()
    rows = write(payments.iter_payment_rows(round_id), target)
    elapsed = time.perf_counter() - started
    tracemalloc.start()
    write(payments.iter_payment_rows(round_id), target)
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return elapsed, peak / 2**20, rows


def main() -> int:
    """Build both rounds, measure, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--awards", type=int, default=1000)
    parser.add_argument("--small", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--database", default=None, help="an empty database URL (default: "
                        "SQLite in a temporary folder)")
    args = parser.parse_args()
    logging.getLogger("alembic").setLevel(logging.WARNING)
    import openpyxl  # noqa: F401 - imported before timing, so the export is measured warm

    from grants.web.finance.exports import write_csv, write_xlsx

    with tempfile.TemporaryDirectory() as folder:
        app = _app(args.database, Path(folder))
        with app.app_context():
            people = _officers()
            started = time.perf_counter()
            small = build_round("基准小轮", args.small, people)
            large = build_round("基准大轮", args.awards, people)
            built = time.perf_counter() - started
            client = app.test_client()
            login = client.post("/auth/login", data={"username": "fin1", "password": PASSWORD})
            assert login.status_code == 302, "could not sign in"
            rows = []
            for size, round_id in ((args.small, small), (args.awards, large)):
                url = f"/finance/rounds/{round_id}"
                statements = count_statements(client, url)
                times = page_times(client, url, args.repeat)
                rows.append((size, statements, statistics.median(times), min(times)))
            xlsx = export_cost(write_xlsx, large, Path(folder) / "ledger.xlsx")
            csv_cost = export_cost(write_csv, large, Path(folder) / "ledger.csv")
            dialect = db.engine.dialect.name
            payments = db.session.scalar(select(db.func.count(Payment.id)))
            users = db.session.scalar(select(db.func.count(User.id)))
    print(f"database={dialect} built {args.small}+{args.awards} awards x 3 tranches, "
          f"{payments} payments, {users} users in {built:.2f}s; repeat={args.repeat}")
    print(f"{'awards':>7} {'statements':>10} {'p50 ms':>8} {'best ms':>8}")
    for size, statements, p50, best in rows:
        print(f"{size:>7} {statements:>10} {p50 * 1000:>8.1f} {best * 1000:>8.1f}")
    print("(statements: the whole GET of the round ledger page, the signed-in user included)")
    for name, (elapsed, peak, count) in (("xlsx", xlsx), ("csv", csv_cost)):
        print(f"export {name}: {count} payment rows of {args.awards} awards in "
              f"{elapsed:.2f}s, peak traced memory {peak:.1f} MiB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
