"""Benchmark: fund supervision at 1,000 awards × 20 expenses (run by hand).

    .venv/bin/python bench/expenses.py [--awards 1000] [--per-award 20] [--repeat 15]

Builds a migrated SQLite database under a temporary folder with direct inserts (one round,
``--awards`` signed awards with four budget lines, a paid first tranche, ``--per-award``
expenses each with one receipt file of its own — a few reuse another project's file or invoice,
so flags are raised — and every state mixed: accepted, submitted, queried, resubmitted,
rejected), then measures, through the app's own services and writers:

- the finance queue (:func:`grants.services.expenses.finance_queue`, page 1 of everything
  awaiting finance), and the queue page as a finance officer gets it (``GET /expenses/queue``,
  rendered): statement counts at 10, 100 and all awards (constant in N), and their p50;
- the duplicate-receipt check of one upload at that many stored receipts: the sha256 look-up
  behind the ``duplicate_receipt`` flag, every flag of the expense as an acceptance computes
  them under the award lock, and the whole upload (:func:`submit_expense` with a 100 KB PDF);
- the XLSX export of every expense (:func:`grants.web.expenses.exports.write_xlsx` over
  :func:`iter_expense_rows`, openpyxl write-only): its time, and its peak Python memory
  (tracemalloc, in a separate run so tracing does not inflate the time).
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import event, insert, select  # noqa: E402

from grants import create_app  # noqa: E402
from grants.config import TestConfig  # noqa: E402
from grants.extensions import db  # noqa: E402
from grants.models import AttachmentBlob, FundingRound, Proposal, User, UserRole  # noqa: E402
from grants.models.awards import Award, AwardBudgetLine, Tranche  # noqa: E402
from grants.models.expenses import Expense, ExpenseReceipt  # noqa: E402
from grants.models.payments import Payment  # noqa: E402

LINES = (("活动物资", "materials", 400_000), ("宣传印制", "publicity", 150_000),
         ("专家劳务", "personnel", 300_000), ("场地租用", "venue", 150_000))
AWARD_FEN = sum(fen for _item, _category, fen in LINES)
STATES = ("accepted",) * 11 + ("submitted",) * 5 + ("resubmitted", "queried", "rejected",
                                                    "submitted")
START = date(2026, 3, 1)
MOMENT = datetime(2026, 6, 1, 2, 0)


def _receipt(award: int, number: int) -> bytes:
    """A small PDF of its own for every expense (about 200 bytes)."""
    return b"%PDF-1.4\n" + f"bench receipt {award}-{number} ".encode() * 6 + b"\n%%EOF\n"


class Builder:
    """Inserts the benchmark's rows directly, in batches, awards added as asked."""

    def __init__(self) -> None:
        self.awards = 0
        rows = [{"id": i, "username": name, "display_name": name, "password_hash": "x"}
                for i, name in enumerate(("organizer", "finance1", "finance2", "grantee"), 1)]
        db.session.execute(insert(User), rows)
        db.session.execute(insert(UserRole), [{"user_id": 1, "role": "organizer"},
                                              {"user_id": 2, "role": "finance"},
                                              {"user_id": 3, "role": "finance"},
                                              {"user_id": 4, "role": "resident"}])
        at = datetime(2026, 1, 5, 1)
        db.session.execute(insert(FundingRound), [{
            "id": 1, "name": "基准测试赛事", "district": "江宁区", "pool_fen": 10**12,
            "needs_open": at, "needs_close": at, "submit_open": at, "submit_close": at,
            "screening_close": at, "return_deadline": at, "judging_open": at,
            "judging_close": at, "implementation_start": START,
            "implementation_end": date(2026, 12, 31)}])
        db.session.commit()

    def add(self, count: int, per_award: int) -> None:
        """Add ``count`` awards with ``per_award`` expenses each."""
        if count <= 0:
            return
        first = self.awards + 1
        ids = range(first, first + count)
        db.session.execute(insert(Proposal), [
            {"id": a, "round_id": 1, "applicant_id": 4, "status": "awarded",
             "title": f"社区微项目 {a}", "requested_fen": AWARD_FEN} for a in ids])
        db.session.execute(insert(Award), [
            {"id": a, "round_id": 1, "proposal_id": a, "rank": a, "amount_fen": AWARD_FEN,
             "requested_fen": AWARD_FEN, "status": "implementing", "score": 80} for a in ids])
        db.session.execute(insert(AwardBudgetLine), [
            {"id": a * 10 + p, "award_id": a, "position": p, "item": item, "cost_category": cat,
             "unit_price_fen": fen, "quantity": 1, "subtotal_fen": fen}
            for a in ids for p, (item, cat, fen) in enumerate(LINES)])
        db.session.execute(insert(Tranche), [
            {"id": a, "award_id": a, "sequence": 1, "share_bp": 10000, "amount_fen": AWARD_FEN,
             "gate": "agreement_signed", "status": "paid"} for a in ids])
        db.session.execute(insert(Payment), [
            {"id": a, "tranche_id": a, "award_id": a, "amount_fen": AWARD_FEN * 6 // 10,
             "payee_name": "执行方", "payee_account": "62220200000000", "status": "paid",
             "requested_by_id": 2, "approved_by_id": 3, "approved_at": MOMENT,
             "approval_digest": "0" * 64, "paid_by_id": 2, "paid_at": MOMENT,
             "bank_reference": f"B{a}", "value_date": START, "paying_account": "3201"}
            for a in ids])
        for a in ids:
            self._expenses(a, per_award)
        db.session.commit()
        self.awards += count

    def _expenses(self, award: int, per_award: int) -> None:
        """One award's expenses, receipts and blobs; every 50th award reuses the first
        award's first receipt and invoice (flags across projects)."""
        expenses, receipts, blobs = [], [], []
        for n in range(per_award):
            expense_id = award * 100 + n
            state = STATES[n % len(STATES)]
            data = _receipt(1, 0) if award % 50 == 0 and n == 0 else _receipt(award, n)
            digest = hashlib.sha256(data).hexdigest()
            invoice = "00000001" if award % 50 == 0 and n == 1 else f"{expense_id:08d}"[-8:]
            expenses.append({
                "id": expense_id, "award_id": award, "round_id": 1,
                "budget_line_id": award * 10 + n % len(LINES),
                "spent_on": START + timedelta(days=n * 7), "amount_fen": 10_000 + n * 500,
                "payee": "东山农贸市场", "description": f"第 {n + 1} 笔支出",
                "invoice_code": "032002500111", "invoice_number": invoice, "status": state,
                "submitted_by_id": 4, "submitted_at": MOMENT + timedelta(minutes=n),
                "waiting_since": MOMENT + timedelta(minutes=award + n),
                "question": "请补充清单" if state == "queried" else "",
                "decided_by_id": 2 if state in ("accepted", "rejected") else None,
                "decided_at": MOMENT if state in ("accepted", "rejected") else None,
                "decision_reason": "票据不符" if state == "rejected" else ""})
            receipts.append({"id": expense_id, "expense_id": expense_id, "sha256": digest,
                             "filename": f"发票{n}.pdf", "content_type": "application/pdf",
                             "size": len(data), "uploaded_by_id": 4})
            if not (award % 50 == 0 and n == 0):
                blobs.append({"sha256": digest, "size": len(data), "data": data})
        db.session.execute(insert(AttachmentBlob), blobs)
        db.session.execute(insert(Expense), expenses)
        db.session.execute(insert(ExpenseReceipt), receipts)


def statements(call: Callable[[], object]) -> int:
    """How many SQL statements one call runs."""
    count = [0]

    def _count(*_args, **_kwargs):
        count[0] += 1

    event.listen(db.engine, "before_cursor_execute", _count)
    try:
        call()
    finally:
        event.remove(db.engine, "before_cursor_execute", _count)
    return count[0]


def timed(call: Callable[[], object], repeat: int) -> list[float]:
    """Wall-clock seconds of ``repeat`` calls (the session emptied before each)."""
    times = []
    for _ in range(repeat):
        db.session.expire_all()
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return times


def ms(times: list[float]) -> str:
    """p50 and max in milliseconds."""
    return f"p50 {statistics.median(times) * 1000:.1f} ms, max {max(times) * 1000:.1f} ms"


def finance_client(app):
    """A test client signed in as the finance officer (user 2)."""
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"], session["_fresh"] = "2", True
    return client


def queue_figures(app, builder: Builder, awards: int, per_award: int, repeat: int) -> None:
    """Statement counts of the finance queue (the service, and the whole page as a finance
    officer gets it) as the awards grow, then both p50s at full size."""
    from grants.services import expenses

    client = finance_client(app)

    def queue():
        return expenses.finance_queue(None, 1)

    def page():
        response = client.get("/expenses/queue")
        assert response.status_code == 200, response.status_code
        return response

    for size in sorted({min(10, awards), min(100, awards), awards}):
        builder.add(size - builder.awards, per_award)
        waiting = queue().total
        print(f"finance queue, {size:>5} awards ({waiting:>6} awaiting): "
              f"{statements(queue)} statements; the page: {statements(page)} statements")
    print(f"finance queue p50 over {repeat} runs: service {ms(timed(queue, repeat))}; "
          f"page {ms(timed(page, repeat))}")


def upload_figures(repeat: int) -> None:
    """The duplicate-receipt check of one new upload, alone and as the services run it."""
    from grants.services import expenses
    from grants.services.expenses.figures import flags_of_expense, reused_receipts

    grantee = db.session.get(User, 4)
    grantee.organisation_id = None
    stored = db.session.scalar(select(db.func.count(ExpenseReceipt.id)))
    big = b"%PDF-1.4\n" + b"0" * 100_000 + b"\n%%EOF\n"
    data = {"budget_line_id": "10", "spent_on": "2026-05-01", "amount": "120", "payee": "五金店",
            "description": "基准测试上传"}
    numbers = iter(range(10**6))

    def upload():
        made = expenses.submit_expense(grantee, 1, data, [(f"新发票{next(numbers)}.pdf",
                                                           big + str(next(numbers)).encode())])
        return made.id

    upload()
    upload_times = timed(upload, repeat)
    last = db.session.scalar(select(db.func.max(Expense.id)))
    lookup_times = timed(lambda: reused_receipts([last]), repeat)
    expense = db.session.get(Expense, last)
    flag_times = timed(lambda: flags_of_expense(expense), repeat)
    print(f"duplicate-receipt look-up (sha256 index) at {stored} stored receipts: "
          f"{ms(lookup_times)}")
    print(f"every flag of one expense (as an acceptance computes them): {ms(flag_times)}")
    print(f"one upload (submit_expense, 100 KB PDF, stored and audited): {ms(upload_times)}")


def export_figures(target: Path) -> None:
    """The XLSX export of every expense: time, then peak memory in a traced run."""
    from grants.services import expenses
    from grants.web.expenses.exports import chinese_rows, write_xlsx

    def export() -> int:
        return write_xlsx(chinese_rows(expenses.iter_expense_rows(1)), target)

    started = time.perf_counter()
    rows = export()
    seconds = time.perf_counter() - started
    size = target.stat().st_size
    db.session.expire_all()
    tracemalloc.start()
    export()
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"XLSX export of {rows} expenses: {seconds:.2f} s, {size / 1e6:.1f} MB file, "
          f"peak Python memory {peak / 1e6:.1f} MB (tracemalloc)")


def main() -> None:
    """Build the data as the queue figures need it, then print every figure."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--awards", type=int, default=1000)
    parser.add_argument("--per-award", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-expenses-"))
    app = create_app(TestConfig(f"sqlite:///{folder / 'bench.db'}", INSTANCE_PATH=str(folder)))
    with app.app_context(), app.test_request_context():
        from flask_migrate import upgrade

        upgrade(revision="heads")
        builder = Builder()
        queue_figures(app, builder, args.awards, args.per_award, args.repeat)
        upload_figures(args.repeat)
        export_figures(folder / "expenses.xlsx")
        db.session.remove()
        db.engine.dispose()
    if args.keep:
        print(f"(data kept in {folder})")
    else:
        shutil.rmtree(folder)


if __name__ == "__main__":
    main()
