"""``flask agreements render --round ID``: every agreement of a round as PDF files.

Rendering uses a pool of worker processes (both cores by default). The parent renders each
agreement's HTML from the database and sends the strings; workers only turn HTML into PDF, so
they never open the database.
"""

from __future__ import annotations

import multiprocessing
import os
import tempfile
from concurrent.futures import ProcessPoolExecutor, as_completed
from functools import partial
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

agreements_cli = AppGroup("agreements", help="资助协议 / grant agreements")


def render_file(html: str, cache_dir: str, path: str) -> str:
    """Worker: turn one agreement's HTML into a PDF file, written atomically; returns the path."""
    from grants.pdf import html_to_pdf

    pdf = html_to_pdf(html, Path(cache_dir))
    target = Path(path)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=target.name, suffix=".tmp")
    with os.fdopen(fd, "wb") as out:
        out.write(pdf)
    os.replace(tmp, target)
    return path


def _jobs(round_id: int, out: Path) -> list[tuple[str, str]]:
    """(HTML, output path) for every agreement of the round, rendered in this process."""
    from grants.services.agreements import agreement_context, agreements_of_round
    from grants.web.documents import document_html

    return [
        (document_html("agreement", partial(agreement_context, a)), str(out / f"{a.number}.pdf"))
        for a in agreements_of_round(round_id)
    ]


@agreements_cli.command("render")
@click.option("--round", "round_id", type=int, required=True, help="round id")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="output folder (default: <instance>/agreements/round-<ID>)",
)
@click.option("--workers", type=click.IntRange(1, 16), default=2, show_default=True)
def render(round_id: int, out: Path | None, workers: int) -> None:
    """Render every agreement of a round to <number>.pdf, with a progress bar."""
    from grants.web.documents import pdf_cache_dir

    out = out or Path(current_app.instance_path) / "agreements" / f"round-{round_id}"
    out.mkdir(parents=True, exist_ok=True)
    jobs = _jobs(round_id, out)
    if not jobs:
        raise click.ClickException(f"赛事 #{round_id} 没有协议书（确认立项后才会生成）")
    cache = str(pdf_cache_dir())
    context = multiprocessing.get_context("fork")
    with (
        ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool,
        click.progressbar(length=len(jobs), label="协议书 PDF") as bar,
    ):
        futures = [pool.submit(render_file, html, cache, path) for html, path in jobs]
        for future in as_completed(futures):
            future.result()
            bar.update(1)
    click.echo(f"{len(jobs)} 份协议书已写入 {out}")
