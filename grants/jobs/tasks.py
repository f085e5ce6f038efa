"""The tasks a job can run. Each is ``task(progress, out, **params) -> download name``: it
writes its file to ``out`` (a path it may create), calls ``progress(done, total)`` as it goes,
and raises :class:`~grants.jobs.runner.JobFailure` with a message to refuse."""

from __future__ import annotations

import json
import time
import zipfile
from functools import partial
from pathlib import Path

from grants.domain.i18n import N_
from grants.jobs.runner import JobFailure, Progress

NO_AGREEMENTS = N_("本轮还没有协议书（确认立项后才会生成）")
NO_ROUND = N_("找不到这个赛事")
MAX_PING_STEPS = 600


def ping(progress: Progress, out: Path, steps: int = 3, delay: float = 0.0) -> str:
    """A self-test for deployments: writes one line per step, ``delay`` seconds apart, proving a
    worker runs jobs, reports progress and shares the results folder with the web hosts."""
    steps = max(1, min(int(steps), MAX_PING_STEPS))
    with out.open("w", encoding="utf-8") as file:
        for step in range(1, steps + 1):
            time.sleep(max(0.0, min(float(delay), 5.0)))
            file.write(f"step {step}\n")
            file.flush()
            progress(step, steps)
        file.write("ok\n")
    return "ping.txt"


def agreements_zip(progress: Progress, out: Path, round_id: int) -> str:
    """Every agreement of a round as PDFs in one ZIP, one progress step per agreement.

    The HTML of each agreement is made here (from the database) while worker processes lay
    the ones before it out (``PDF_WORKERS``, default both cores; 0 lays them out here)."""
    from flask import current_app

    from grants.extensions import db
    from grants.models import FundingRound
    from grants.pdf import batch
    from grants.services import agreements
    from grants.web.documents import document_html, pdf_cache_dir

    funding_round = db.session.get(FundingRound, int(round_id))
    items = agreements.agreements_of_round(int(round_id)) if funding_round else []
    if not items:
        raise JobFailure(NO_AGREEMENTS)
    progress(0, len(items))
    htmls = (document_html("agreement", partial(agreements.agreement_context, item))
             for item in items)
    workers = current_app.config.get("PDF_WORKERS")
    pdfs = batch.pdfs(htmls, len(items), pdf_cache_dir(), workers)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for done, (item, pdf) in enumerate(zip(items, pdfs, strict=True), start=1):
            archive.writestr(f"{item.number}.pdf", pdf)
            progress(done, len(items))
    return f"agreements-{funding_round.district_code}-{funding_round.round_no:02d}.zip"


def audit_verify(progress: Progress, out: Path) -> str:
    """Walk the whole audit chain against its recorded head, one progress step per entry, and
    write the verdict as JSON: ``verdict`` is the line ``flask audit verify`` prints, beside
    the facts it names (``ok``, ``count``, ``head_seq``, ``head_hash``, ``first_bad_seq``,
    ``kind``). A broken chain is a finished check, not a failed job."""
    from grants.domain.audit import verdict
    from grants.services import audit

    result = audit.verify_database(progress=progress)
    facts = {
        "ok": result.ok, "verdict": verdict(result), "count": result.count,
        "head_seq": result.head_seq, "head_hash": result.head_hash,
        "first_bad_seq": result.first_bad_seq, "kind": result.kind,
    }
    out.write_text(json.dumps(facts, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return f"audit-verify-{result.head_seq}.json"


def audit_export(progress: Progress, out: Path) -> str:
    """The whole audit chain as JSON Lines (head line first, then one entry per line up to
    it), for anyone to verify offline with ``flask audit verify --file``."""
    from grants.services import audit

    with out.open("w", encoding="utf-8") as handle:
        head_seq, _ = audit.write_export(handle, progress)
    return f"audit-chain-{head_seq}.jsonl"


def payments_xlsx(progress: Progress, out: Path, round_id: int) -> str:
    """The round's payment ledger as XLSX (the file ``flask payments export --format xlsx``
    writes), with its progress about every percent of the payments."""
    from grants.domain.errors import Refusal
    from grants.services import payments
    from grants.services.audit import counted
    from grants.web.finance.exports import write_xlsx

    total = payments.count_payment_rows(int(round_id))
    try:
        rows = payments.iter_payment_rows(int(round_id))
    except Refusal:
        raise JobFailure(NO_ROUND) from None
    write_xlsx(counted(rows, total, progress, steps=100), out)
    return f"payments-round-{int(round_id)}.xlsx"


TASKS = {
    "ping": ping, "agreements_zip": agreements_zip, "audit_verify": audit_verify,
    "audit_export": audit_export, "payments_xlsx": payments_xlsx,
}
READS_ONLY = frozenset({"ping", "audit_verify", "audit_export", "payments_xlsx"})
"""Tasks that only read records and write a file for the person who started them: a reader
(the auditor) may start these, through :func:`grants.web.jobs.starting.start_read_only`."""
