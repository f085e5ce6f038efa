"""Running one job: the task, its progress reports, and a result that appears all at once.

The task writes to ``<id>.part``; only when it returns is the file renamed to ``<id>.result``
and the job marked finished with its download name. Any failure removes the part file and
records a message code, so nothing half-written is ever offered.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Callable

from grants.domain.i18n import N_

log = logging.getLogger(__name__)

INTERNAL_ERROR = N_("任务出错，没有生成文件；请重新开始，或联系管理员")


class JobFailure(Exception):
    """A task's refusal with a message for the person who started it (an ``N_`` text)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class Progress:
    """What a task calls to say how far it is: ``progress(done, total)``."""

    def __init__(self, report: Callable[..., None]) -> None:
        self.report = report

    def __call__(self, done: int, total: int) -> None:
        self.report(done=done, total=total)


def task(kind: str) -> Callable:
    """The registered task function of ``kind`` (ValueError for an unknown kind)."""
    from grants.jobs.tasks import TASKS

    try:
        return TASKS[kind]
    except KeyError:
        raise ValueError(f"unknown job kind: {kind!r}") from None


def execute(kind: str, params: dict, job_id: str, report: Callable[..., None]) -> None:
    """Run the task of ``kind`` for job ``job_id`` inside an app context, reporting through
    ``report(**facts)``; re-raises an unexpected error after recording it."""
    from grants.jobs.queue import FAILED, FINISHED, RUNNING, result_path

    target = result_path(job_id)
    target.parent.mkdir(parents=True, exist_ok=True)
    part = target.with_suffix(".part")
    report(state=RUNNING)
    try:
        filename = task(kind)(Progress(report), part, **params)
        os.replace(part, target)
    except JobFailure as failure:
        _discard(part)
        report(state=FAILED, error=failure.message)
        return
    except Exception:
        _discard(part)
        report(state=FAILED, error=INTERNAL_ERROR)
        log.exception("job %s (%s) failed", job_id, kind)
        raise
    report(state=FINISHED, filename=filename)


def _discard(path) -> None:
    with contextlib.suppress(FileNotFoundError):
        path.unlink()


def run_queued(kind: str, params: dict) -> None:
    """Entry point of an RQ job: run it in the worker's app (``flask jobs worker``), or in a
    new app from the environment when a plain ``rq worker`` runs it."""
    from flask import has_app_context
    from rq import get_current_job

    job = get_current_job()

    def report(**facts) -> None:
        job.meta.update(facts)
        job.save_meta()

    if has_app_context():
        execute(kind, params, job.id, report)
        return
    from grants import create_app

    with create_app().app_context():
        execute(kind, params, job.id, report)
