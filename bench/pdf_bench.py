"""Benchmark the documents: notices of one page and of 1,000 rows, the published notice's cache
hit, and a round's ZIP of 100 agreements.

Run by hand from the repository root:

    python bench/pdf_bench.py                 # every case, medians of 5 runs (3 for long ones)
    python bench/pdf_bench.py --quick         # 3 runs (1 for long ones)
    python bench/pdf_bench.py --only notice-1000 --only agreements

Every case is named by what it renders, with the page count it measured. Notices are the real
``templates/pdf/notice.html`` rendered with Jinja (rows of synthetic projects); the variants of
the 1,000-row notice swap only its table for other markup, to measure what WeasyPrint's time
depends on. Times are medians of wall-clock and of process CPU (children included for the cases
that use worker processes): on a shared, loaded machine CPU is the steadier figure, and the load
average is printed before each case. Goals (issue 15, not asserted): a one-page notice ≤ 0.12 s
CPU warm, a 1,000-row notice ≤ 2 s, 100 agreements in a ZIP ≤ 10 s.
"""

from __future__ import annotations

import argparse
import html as markup
import io
import os
import pathlib
import statistics
import sys
import tempfile
import time
import unicodedata
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from datetime import timedelta
from decimal import Decimal
from types import SimpleNamespace

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))

from grants.pdf import (  # noqa: E402
    font_face_css,
    naive_html_to_pdf,
    typeset,  # noqa: E402
)
from grants.pdf import render as weasy  # noqa: E402

PROJECTS = [
    ("“邻里守望”独居老人关爱行动", "阳光社会工作服务中心", "和平里社区"),
    ("社区儿童“四点半课堂”", "启航青少年发展协会", "安贞西里社区"),
    ("楼道微花园共建共享计划", "绿色家园志愿者协会", "花园路社区"),
    ("残障人士就业技能培训", "同心助残服务社", "望京西园社区"),
    ("垃圾分类积分兑换站", "环保先锋公益服务中心", "团结湖社区"),
    ("外来务工人员子女暑期托管", "蒲公英教育发展中心", "十八里店社区"),
    ("老旧小区适老化改造调研", "宜居城市研究会", "东四街道"),
    ("社区健康义诊进万家", "仁心医疗志愿服务队", "劲松北社区"),
    ("青年议事厅能力建设", "新青年社区发展中心", "呼家楼社区"),
    ("非遗剪纸进社区", "传承文化艺术工作室", "酒仙桥社区"),
    ("失独家庭心理陪伴计划", "暖心心理咨询服务中心", "小关社区"),
    ("社区图书漂流角", "书香社区阅读推广会", "亚运村社区"),
]
GOALS = {"notice-1": 0.12, "notice-1000": 2.0, "agreements": 10.0}
COLUMNS = (6, 25, 26, 11, 9, 14, 9)
ONE_PAGE_ROWS = 6
"""Rows of the one-page notice: with its text and table footer, the most one A4 page holds."""


def _load() -> str:
    """The 1-minute load average and the core count, for the report."""
    return f"load {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"


def _pages(pdf: bytes) -> int:
    """How many pages a PDF has."""
    import pypdf

    return len(pypdf.PdfReader(io.BytesIO(pdf)).pages)


def _cpu() -> float:
    """CPU seconds of this process and of its finished children (typst's, the workers')."""
    times = os.times()
    return time.process_time() + times.children_user + times.children_system


def measure(render: Callable[[int], bytes], repeats: int) -> tuple[float, float, int]:
    """Median wall and CPU seconds of ``repeats`` renders after one untimed warm-up, and the
    page count. ``render`` gets the run number, so each run can lay out different data."""
    pages = _pages(render(0))
    walls, cpus = [], []
    for run in range(1, repeats + 1):
        wall, cpu = time.perf_counter(), _cpu()
        render(run)
        walls.append(time.perf_counter() - wall)
        cpus.append(_cpu() - cpu)
    return statistics.median(walls), statistics.median(cpus), pages


def report(case: str, wall: float, cpu: float, goal: float | None = None) -> None:
    """One line of the result table."""
    target = f"  goal ≤ {goal:g} s" if goal else ""
    print(f"| {case} | {wall:.3f} s | {cpu:.3f} s |{target} ({_load()})", flush=True)


# ----------------------------------------------------------------------------- notices


def notice_rows(count: int, run: int = 0) -> list[SimpleNamespace]:
    """``count`` public rows of synthetic projects; ``run`` changes every score, so a renderer
    that memoises layouts (typst) cannot reuse the previous run's."""
    rows = []
    for rank in range(1, count + 1):
        project, applicant, community = PROJECTS[(rank - 1) % len(PROJECTS)]
        rows.append(SimpleNamespace(
            rank=rank, title=project, applicant=applicant, community=community,
            score=Decimal("96.40") - Decimal("0.01") * ((rank + run) % 4000),
            amount_fen=1_200_000 - ((rank - 1) % 7) * 85_000, status_label="公示中"))
    return rows


def notice_html(app, count: int, run: int = 0) -> str:
    """The real notice template with ``count`` rows, printing an audit head that differs per
    run."""
    from grants.web.documents import render_html

    rows = notice_rows(count, run)
    round_ = SimpleNamespace(name="第七届公益创投微项目", district="江宁区", street="东山街道",
                             notice_days=5)
    context = dict(
        notice=SimpleNamespace(id=7), round=round_, rows=rows, live=rows,
        live_total=sum(row.amount_fen for row in rows), period="2026年7月6日至2026年7月10日",
        published_on="2026年7月6日", url="https://gongyi.example.org/notices/7",
        audit_seq=1234 + run, audit_hash=f"{run:02x}" * 32)
    with app.app_context():
        return render_html("notice", **context)


def _cells(row) -> list[str]:
    """A row's cells as the notice prints them."""
    return [str(row.rank), row.title, row.applicant, row.community, f"{row.score:.2f}",
            f"¥{row.amount_fen // 100:,}.{row.amount_fen % 100:02d}", row.status_label]


def _swap_table(page: str, table: str, css: str) -> str:
    """The notice with its table replaced by ``table`` and ``css`` added to its style."""
    page = page.replace("</style>", css + "</style>", 1)
    start = page.index('<table class="notice-table">')
    end = page.index("</table>", start) + len("</table>")
    return page[:start] + table + page[end:]


def table_without_cell_borders(page: str, rows) -> str:
    """The same table with a rule under each row instead of a border round every cell."""
    css = (".notice-table td, .notice-table th { border: none; }"
           ".notice-table tr { border-bottom: 0.5pt solid #888; }")
    return page.replace("</style>", css + "</style>", 1)


def block_rows(page: str, rows) -> str:
    """Rows as blocks with inline-block cells of fixed widths (no table layout)."""
    css = (".r { break-inside: avoid; border-bottom: 0.5pt solid #888; }"
           ".r span { display: inline-block; vertical-align: top; }"
           + "".join(f".k{i} {{ width: {w}%; }}" for i, w in enumerate(COLUMNS)))
    body = "".join(
        '<div class="r">' + "".join(f'<span class="k{i}">{markup.escape(c)}</span>'
                                    for i, c in enumerate(_cells(row))) + "</div>"
        for row in rows)
    return _swap_table(page, f"<div>{body}</div>", css)


def _pad(text: str, width: int) -> str:
    """``text`` padded with spaces to ``width`` half-width columns (hanzi count two)."""
    used = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
    return text + " " * max(1, width - used)


def one_run_rows(page: str, rows) -> str:
    """One text run per row: fixed-width columns in a monospaced CJK font, no cell boxes."""
    css = ".r { white-space: pre; font-family: 'Noto Sans Mono CJK SC'; font-size: 8pt; margin: 0; }"
    widths = (5, 30, 30, 14, 7, 12, 8)
    body = "".join(
        '<p class="r">' + markup.escape("".join(_pad(c, w) for c, w in zip(_cells(row), widths,
                                                                            strict=True))) + "</p>"
        for row in rows)
    return _swap_table(page, f"<div>{body}</div>", css)


def _weasy(page: str, cache_dir: pathlib.Path) -> bytes:
    """WeasyPrint with GrantsCore, whatever the document's length, no document cache."""
    return weasy._render(page, font_face_css(cache_dir / "fonts"), "")


def _chunk_worker(args: tuple[str, str]) -> tuple[bytes, float]:
    """Worker process: lay one chunk out with WeasyPrint; the PDF and the CPU it took."""
    page, cache_dir = args
    started = time.process_time()
    pdf = _weasy(page, pathlib.Path(cache_dir))
    return pdf, time.process_time() - started


WORKER_CPU: list[float] = []
"""CPU seconds the chunk workers spent on the last chunked notice."""


def chunked(page: str, cache_dir: pathlib.Path, pool, chunks: int) -> bytes:
    """The notice's rows cut into ``chunks`` documents, laid out on worker processes and
    merged with pypdf (page numbers restart in each chunk: this only measures the time)."""
    import pypdf

    start = page.index("<tbody>") + len("<tbody>")
    end = page.index("</tbody>")
    rows = page[start:end].split("</tr>")[:-1]
    size = -(-len(rows) // chunks)
    parts = [page[:start] + "</tr>".join(rows[i * size:(i + 1) * size]) + "</tr>" + page[end:]
             for i in range(chunks)]
    writer = pypdf.PdfWriter()
    WORKER_CPU.clear()
    for pdf, cpu in pool.map(_chunk_worker, [(part, str(cache_dir)) for part in parts]):
        writer.append(io.BytesIO(pdf))
        WORKER_CPU.append(cpu)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def bench_chunks(pages_in: list[str], cache_dir: pathlib.Path, repeats: int) -> None:
    """The 1,000-row notice in two chunks on two worker processes, merged with pypdf; CPU is
    this process's plus what the workers report."""
    import multiprocessing

    totals: list[float] = []

    def render(run: int) -> bytes:
        pdf = chunked(pages_in[run], cache_dir, pool, 2)
        totals.append(sum(WORKER_CPU))
        return pdf

    with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("fork")) as pool:
        pool.submit(_chunk_worker, (pages_in[0], str(cache_dir))).result()
        wall, cpu, pages = measure(render, repeats)
    workers = statistics.median(totals[1:])
    report(f"notice, 1,000 rows, {pages} pages: WeasyPrint, 2 chunks on 2 processes + pypdf",
           wall, cpu + workers, GOALS["notice-1000"])


def _inputs(app, count: int, repeats: int) -> list[str]:
    """The notice's HTML for the warm-up and each timed run, made before any timing."""
    return [notice_html(app, count, run) for run in range(repeats + 1)]


def bench_notices(app, cache_dir: pathlib.Path, repeats: int, long_repeats: int,
                  only: set[str]) -> None:
    """The one-page notice and the 1,000-row notice, every renderer and variant."""
    if "notice-1" in only:
        short = _inputs(app, ONE_PAGE_ROWS, repeats)
        wall, cpu, pages = measure(lambda run: naive_html_to_pdf(short[run]), repeats)
        report(f"notice, {ONE_PAGE_ROWS} rows, {pages} page: plain WeasyPrint (system font)",
               wall, cpu)
        wall, cpu, pages = measure(lambda run: _weasy(short[run], cache_dir), repeats)
        report(f"notice, {ONE_PAGE_ROWS} rows, {pages} page: WeasyPrint + GrantsCore (the app)",
               wall, cpu, GOALS["notice-1"])
        wall, cpu, pages = measure(
            lambda run: typeset.render(typeset.parse(short[run]), cache_dir / "fonts"), repeats)
        report(f"notice, {ONE_PAGE_ROWS} rows, {pages} page: typst (own process)", wall, cpu)
    if "chunks" in only and "notice-1000" not in only:
        bench_chunks(_inputs(app, 1000, long_repeats), cache_dir, long_repeats)
    if "notice-1000" not in only:
        return
    pages_in = _inputs(app, 1000, long_repeats)
    rows_in = [notice_rows(1000, run) for run in range(long_repeats + 1)]
    variants = {
        "WeasyPrint, table (today's markup)": lambda page, rows: page,
        "WeasyPrint, table without cell borders": table_without_cell_borders,
        "WeasyPrint, block rows with inline-block cells": block_rows,
        "WeasyPrint, one text run per row (monospaced columns)": one_run_rows,
    }
    for name, variant in variants.items():
        docs = [variant(page, rows) for page, rows in zip(pages_in, rows_in, strict=True)]
        wall, cpu, pages = measure(lambda run, docs=docs: _weasy(docs[run], cache_dir),
                                   long_repeats)
        report(f"notice, 1,000 rows, {pages} pages: {name}", wall, cpu, GOALS["notice-1000"])
    bench_chunks(pages_in, cache_dir, long_repeats)
    wall, cpu, pages = measure(
        lambda run: typeset.render(typeset.parse(pages_in[run]), cache_dir / "fonts"),
        long_repeats)
    report(f"notice, 1,000 rows, {pages} pages: typst, own process (the app)", wall, cpu,
           GOALS["notice-1000"])
    typeset.ISOLATE = False
    wall, cpu, pages = measure(
        lambda run: typeset.render(typeset.parse(pages_in[run]), cache_dir / "fonts"),
        long_repeats)
    typeset.ISOLATE = True
    report(f"notice, 1,000 rows, {pages} pages: typst in this process (a batch worker)",
           wall, cpu, GOALS["notice-1000"])


# ---------------------------------------------------------------------- app and database


def make_app(folder: pathlib.Path, cache_dir: pathlib.Path):
    """A migrated app on a new SQLite file in ``folder``, sharing the bench's PDF cache."""
    from flask_migrate import upgrade

    from grants import create_app
    from grants.config import TestConfig

    app = create_app(TestConfig(f"sqlite:///{folder / 'bench.db'}", INSTANCE_PATH=str(folder),
                                PDF_CACHE_DIR=str(cache_dir), PDF_WARM_ON_START=False))
    with app.app_context():
        upgrade(revision="heads")
    return app


def _insert(model, rows: list[dict]) -> list[int]:
    """Bulk-insert rows and return their ids in order."""
    from sqlalchemy import insert

    from grants.extensions import db

    result = db.session.execute(insert(model).returning(model.id, sort_by_parameter_order=True),
                                rows)
    return [row[0] for row in result]


def build_agreements(count: int) -> int:
    """A round of ``count`` countersigned agreements (half of organisations, half of resident
    teams), each with four approved budget lines and three tranches; returns the round id."""
    from grants.demo import demo_uscc
    from grants.domain.tranches import schedule
    from grants.extensions import db
    from grants.models import Community, FundingRound, Organisation, Proposal, User
    from grants.models.awards import Agreement, Award, AwardBudgetLine, Tranche
    from grants.models.base import utcnow
    from grants.services import accounts

    now, day = utcnow(), timedelta(days=1)
    start = now - 120 * day
    people = [accounts.create_staff_user(name, shown, "Bench-Pdf-2024-9", (role,)).id
              for name, shown, role in (("organizer", "王敏", "organizer"),
                                        ("resident", "张桂兰", "resident"))]
    funding_round = FundingRound(
        name="第七届公益创投微项目", round_no=7, district="江宁区", street="东山街道",
        pool_fen=2_000_000_000, needs_open=start, needs_close=start + 10 * day,
        submit_open=start + 10 * day, submit_close=start + 30 * day,
        return_deadline=start + 35 * day, screening_close=start + 40 * day,
        judging_open=start + 40 * day, judging_close=start + 50 * day,
        implementation_start=(start + 60 * day).date(), implementation_end=(start + 300 * day).date())
    community = Community(district="江宁区", street="东山街道", name="东山社区")
    db.session.add_all([funding_round, community])
    db.session.flush()
    orgs = _insert(Organisation, [
        {"name": applicant, "uscc": demo_uscc(700 + i), "contact_name": "李主任",
         "contact_phone": "13900000000", "address": "江宁区东山街道金箔路 8 号",
         "bank_name": "江苏银行", "bank_account": "6222021000000001234"}
        for i, (_title, applicant, _c) in enumerate(PROJECTS)])
    amounts = [500_000 + (i * 7_919) % 1_000_001 // 100 * 100 for i in range(count)]
    proposals = _insert(Proposal, [
        {"round_id": funding_round.id, "applicant_id": people[1], "status": "awarded",
         "organisation_id": orgs[i % len(orgs)] if i % 2 == 0 else None,
         "community_id": community.id, "title": f"{PROJECTS[i % len(PROJECTS)][0]}（{i + 1}）",
         "category": "助老", "objectives": "为社区独居老人提供每周两次上门探访、助餐和健康监测服务，"
         "建立邻里互助小组，提升老人生活质量和社会参与。" * 3,
         "beneficiaries": "社区 70 岁以上独居及空巢老人", "beneficiary_count": 120,
         "contact_name": "张桂兰", "contact_phone": "13800000001", "requested_fen": amount,
         "version": 1, "submitted_at": now, "first_submitted_at": now}
        for i, amount in enumerate(amounts)])
    awards = _insert(Award, [
        {"round_id": funding_round.id, "proposal_id": pid, "rank": i + 1, "amount_fen": amount,
         "requested_fen": amount, "status": "agreement_signed", "score": Decimal("88.50")}
        for i, (pid, amount) in enumerate(zip(proposals, amounts, strict=True))])
    lines = []
    for award, amount in zip(awards, amounts, strict=True):
        parts = (("活动物资采购", "materials", 4), ("志愿者交通补贴", "transport", 3),
                 ("宣传折页印制", "publicity", 1), ("专业社工服务", "personnel", 0))
        left = amount
        for position, (item, category, share) in enumerate(parts):
            subtotal = amount * share // 10 if share else left
            left -= subtotal
            lines.append({"award_id": award, "position": position, "item": item,
                          "cost_category": category, "unit_price_fen": subtotal, "quantity": 1,
                          "subtotal_fen": subtotal})
    _insert(AwardBudgetLine, lines)
    _insert(Tranche, [
        {"award_id": award, "sequence": t.sequence, "share_bp": t.share_bp,
         "amount_fen": t.amount_fen, "gate": t.gate, "status": "pending"}
        for award, amount in zip(awards, amounts, strict=True) for t in schedule(amount)])
    _insert(Agreement, [
        {"award_id": award, "number": f"JN-2026-07-{i + 1:03d}", "status": "countersigned",
         "applicant_signed_at": now - 30 * day, "applicant_signer_id": people[1],
         "organizer_signed_at": now - 29 * day, "organizer_signer_id": people[0]}
        for i, award in enumerate(awards)])
    db.session.commit()
    assert db.session.get(User, people[0]) is not None
    return funding_round.id


def bench_agreements(app, folder: pathlib.Path, repeats: int) -> None:
    """The round's agreements ZIP, as the job makes it: one after another in one process (the
    way it was) and HTML here with PDFs on a pool of worker processes (the way it is)."""
    from grants.jobs import tasks

    with app.app_context():
        round_id = build_agreements(100)
    steps: list[tuple[int, int]] = []

    def progress(done: int, total: int) -> None:
        steps.append((done, total))

    cases = (("laid out in the job's own process (PDF_WORKERS=0)", 0, False),
             ("laid out on 2 worker processes", 2, False),
             ("each laid out as it was signed, the job reads the cache (the app)", 2, True))
    for name, workers, signed in cases:
        def run_job(run, workers=workers, signed=signed):
            # A fresh cache per run lays every agreement out; a kept one holds them all once
            # the untimed first run made them, as signing does in the app.
            cache = folder / f"cache-{workers}-{'signed' if signed else run}"
            if not cache.exists():
                cache.mkdir()
                os.symlink(CACHE_FONTS, cache / "fonts")
            app.config["PDF_CACHE_DIR"] = str(cache)
            app.config["PDF_WORKERS"] = workers
            out = folder / f"agreements-{workers}-{run}.zip"
            steps.clear()
            with app.app_context():
                tasks.agreements_zip(progress, out, round_id)
            return _first_pdf(out)

        wall, cpu, pages = measure(run_job, repeats)
        report(f"100 agreements in a ZIP ({pages} pages each, {len(steps) - 1} progress steps): "
               f"{name}", wall, cpu, GOALS["agreements"])


def _first_pdf(path: pathlib.Path) -> bytes:
    """The first PDF in a ZIP."""
    import zipfile

    with zipfile.ZipFile(path) as archive:
        return archive.read(sorted(archive.namelist())[0])


def bench_cache_hit(app, repeats: int) -> None:
    """A published notice of 100 rows read back: the page's request and the document call."""
    from grants.domain.documents import NOTICE_DOCUMENT
    from grants.extensions import db
    from grants.models.awards import Award, Notice
    from grants.services import published
    from grants.web.public_documents import make_pending, public_pdf

    with app.app_context():
        round_id = db.session.scalar(db.select(Award.round_id).limit(1))
        notice = Notice(round_id=round_id, starts_on=time_today(), ends_on=time_today())
        db.session.add(notice)
        db.session.flush()
        db.session.execute(db.update(Award).where(Award.round_id == round_id)
                           .values(notice_id=notice.id))
        published.stamp(NOTICE_DOCUMENT, notice.id)
        db.session.commit()
        make_pending()
        notice_id = notice.id
    client = app.test_client()
    client.get(f"/notices/{notice_id}.pdf")
    wall, cpu, pages = measure(lambda run: client.get(f"/notices/{notice_id}.pdf").data, repeats)
    report(f"published notice, 100 rows, {pages} pages, cache hit: GET /notices/<id>.pdf",
           wall, cpu)
    with app.test_request_context():
        wall, cpu, _pages = measure(lambda run: public_pdf(NOTICE_DOCUMENT, notice_id), repeats)
    report("published notice, cache hit: public_pdf() alone", wall, cpu)


def time_today():
    """Today's local date."""
    from grants.domain.clock import local_date

    return local_date()


CACHE_FONTS = pathlib.Path()


def main() -> None:
    """Parse options, build the fonts, and run the chosen cases."""
    global CACHE_FONTS
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3 runs (1 for long ones), not 5")
    parser.add_argument("--only", action="append",
                        choices=("notice-1", "notice-1000", "chunks", "cache", "agreements"))
    parser.add_argument("--cache-dir", type=pathlib.Path,
                        default=pathlib.Path(tempfile.gettempdir()) / "grants-pdf-bench")
    args = parser.parse_args()
    only = set(args.only or ("notice-1", "notice-1000", "cache", "agreements"))
    repeats, long_repeats = (3, 1) if args.quick else (5, 3)
    font_face_css(args.cache_dir / "fonts")
    CACHE_FONTS = (args.cache_dir / "fonts").resolve()
    print(f"| case | wall p50 | CPU p50 |   ({_load()}, typst-py, WeasyPrint "
          f"{weasy.weasyprint.__version__})", flush=True)
    with tempfile.TemporaryDirectory(prefix="grants-pdf-bench-") as tmp:
        folder = pathlib.Path(tmp)
        app = make_app(folder, args.cache_dir)
        bench_notices(app, args.cache_dir, repeats, long_repeats, only)
        if only & {"cache", "agreements"}:
            if "agreements" in only:
                bench_agreements(app, folder, long_repeats)
            else:
                with app.app_context():
                    build_agreements(100)
            if "cache" in only:
                app.config["PDF_CACHE_DIR"] = str(args.cache_dir)
                bench_cache_hit(app, repeats)


if __name__ == "__main__":
    main()
