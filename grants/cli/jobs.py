"""``flask jobs``: run the queue's worker, or run a job's task here with a progress bar.

``flask jobs worker`` serves the RQ queue named by ``JOB_QUEUE`` on ``REDIS_URL``, inside this
app (same configuration, database and results folder); run as many as needed, on any host.
``flask jobs run KIND -p name=value`` runs the same task the web page would queue, in this
process, and writes the file where asked: the CLI and the browser share one implementation.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

jobs_cli = AppGroup("jobs", help="后台任务 / background jobs")


@jobs_cli.command("worker")
@click.option("--burst", is_flag=True, help="stop when the queue is empty")
def worker(burst: bool) -> None:
    """Run an RQ worker for this app's queue (needs REDIS_URL)."""
    from redis import Redis
    from rq import Queue, Worker

    url = current_app.config.get("REDIS_URL")
    if not url:
        raise click.ClickException("REDIS_URL is not set: without Redis, jobs run in the web process")
    connection = Redis.from_url(url)
    queue = Queue(current_app.config.get("JOB_QUEUE", "grants"), connection=connection)
    Worker([queue], connection=connection).work(burst=burst)


def _params(pairs: tuple[str, ...]) -> dict:
    """``name=value`` options as keyword arguments (digits become integers)."""
    params = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.isidentifier():
            raise click.BadParameter(f"expected name=value, got {pair!r}")
        params[name] = int(value) if value.isdigit() else value
    return params


@jobs_cli.command("run")
@click.argument("kind")
@click.option("-p", "--param", "pairs", multiple=True, help="task parameter name=value")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="where to write the file (default: its download name here)")
def run(kind: str, pairs: tuple[str, ...], out: Path | None) -> None:
    """Run one task in this process, with a progress bar, as the queue would."""
    import uuid

    from grants.jobs import FINISHED, result_path
    from grants.jobs.runner import execute, task

    try:
        task(kind)
    except ValueError as error:
        raise click.ClickException(str(error)) from None
    facts: dict = {}
    job_id = uuid.uuid4().hex
    with click.progressbar(length=100, label=kind) as bar:

        def report(**update) -> None:
            facts.update(update)
            if update.get("total"):
                bar.update(update["done"] * 100 // update["total"] - bar.pos)

        execute(kind, _params(pairs), job_id, report)
    if facts.get("state") != FINISHED:
        raise click.ClickException(str(facts.get("error")))
    target = out or Path(facts["filename"])
    shutil.move(result_path(job_id), target)
    click.echo(f"{target}")


@jobs_cli.command("ping")
@click.option("--steps", type=click.IntRange(1, 600), default=3, show_default=True)
@click.option("--timeout", type=click.FloatRange(1, 3600), default=60, show_default=True)
def ping(steps: int, timeout: float) -> None:
    """Queue a self-test job and wait for a worker to finish it: proves the queue, a worker
    and the shared results folder work together (deployment smoke test)."""
    import time

    from grants import jobs

    job_id = jobs.start("ping", None, steps=steps)
    deadline = time.monotonic() + timeout
    job = jobs.status(job_id)
    while job is not None and job.in_progress and time.monotonic() < deadline:
        time.sleep(0.1)
        job = jobs.status(job_id)
    if job is None or not job.downloadable:
        state = "unknown" if job is None else job.state
        raise click.ClickException(f"job {job_id} is {state} after {timeout:g}s")
    click.echo(f"ok {job_id} {jobs.result_path(job_id)}")
