"""The two job backends behind one interface: :func:`start`, :func:`status`, :func:`result_path`.

Both keep the same facts about a job (its kind, owner, progress, download name and failure
message), so the page and the CLI never ask which backend ran it.
"""

from __future__ import annotations

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from flask import current_app

from grants.jobs import runner

QUEUED = "queued"
RUNNING = "running"
FINISHED = "finished"
FAILED = "failed"
ABANDONED = "abandoned"
"""Meta error code of a job whose worker stopped without finishing it."""


@dataclass
class JobStatus:
    """What a person may know about one job."""

    id: str
    kind: str
    owner_id: int | None
    state: str
    done: int = 0
    total: int = 0
    filename: str | None = None
    error: str | None = None
    params: dict = field(default_factory=dict)

    @property
    def percent(self) -> int:
        """Progress in whole percent (0 until the task has said how much there is)."""
        return min(100, self.done * 100 // self.total) if self.total else 0

    @property
    def in_progress(self) -> bool:
        """True while the job waits or runs (its page keeps refreshing)."""
        return self.state in (QUEUED, RUNNING)

    @property
    def failed(self) -> bool:
        """True when the job ended without a file."""
        return self.state == FAILED

    @property
    def downloadable(self) -> bool:
        """True once the job has finished and its file is in place."""
        return self.state == FINISHED and bool(self.filename)


def results_dir() -> Path:
    """Where finished files live: ``JOB_RESULTS_DIR``, or ``<instance>/jobs``; shared storage
    when workers run on other hosts."""
    configured = current_app.config.get("JOB_RESULTS_DIR")
    return Path(configured) if configured else Path(current_app.instance_path) / "jobs"


def result_path(job_id: str) -> Path:
    """The finished file of a job (it exists only once the job has finished)."""
    return results_dir() / f"{job_id}.result"


class ThreadBackend:
    """Jobs in a background thread of this process, for ``make run`` without Redis."""

    def __init__(self, app) -> None:
        self.app = app
        self.jobs: dict[str, JobStatus] = {}
        self.lock = threading.Lock()
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="grants-job")

    def start(self, kind: str, owner_id: int | None, params: dict) -> str:
        """Queue the task on the background thread."""
        job_id = uuid.uuid4().hex
        with self.lock:
            self.jobs[job_id] = JobStatus(job_id, kind, owner_id, QUEUED, params=dict(params))
        self.pool.submit(self._run, job_id)
        return job_id

    def _run(self, job_id: str) -> None:
        with self.app.app_context():
            job = self.jobs[job_id]
            runner.execute(job.kind, job.params, job_id, _ThreadReporter(self, job_id))

    def update(self, job_id: str, **facts) -> None:
        """Record progress or the outcome of a job."""
        with self.lock:
            job = self.jobs[job_id]
            for name, value in facts.items():
                setattr(job, name, value)

    def status(self, job_id: str) -> JobStatus | None:
        """A copy of what is known about the job, or None."""
        with self.lock:
            job = self.jobs.get(job_id)
            return None if job is None else JobStatus(**vars(job))


class _ThreadReporter:
    """How a task run by the thread backend reports progress and outcome."""

    def __init__(self, owner: ThreadBackend, job_id: str) -> None:
        self.owner, self.job_id = owner, job_id

    def __call__(self, **facts) -> None:
        self.owner.update(self.job_id, **facts)


class RQBackend:
    """Jobs on an RQ queue in Redis, run by ``flask jobs worker`` processes on any host."""

    def __init__(self, url: str, queue_name: str, timeout: int) -> None:
        from redis import Redis
        from rq import Queue

        self.connection = Redis.from_url(url)
        self.queue = Queue(queue_name, connection=self.connection)
        self.timeout = timeout

    def start(self, kind: str, owner_id: int | None, params: dict) -> str:
        """Put the task on the queue with its owner and an empty progress in the job's meta."""
        job_id = uuid.uuid4().hex
        meta = {"kind": kind, "owner_id": owner_id, "params": dict(params), "done": 0, "total": 0}
        self.queue.enqueue(
            runner.run_queued, kind, dict(params), job_id=job_id, meta=meta,
            job_timeout=self.timeout, result_ttl=86400, failure_ttl=86400,
        )
        return job_id

    def reap_abandoned(self, at: float | None = None) -> None:
        """Fail the jobs whose worker stopped sending heartbeats before ``at`` (now)."""
        from rq.registry import StartedJobRegistry

        StartedJobRegistry(queue=self.queue).cleanup(timestamp=at)

    def status(self, job_id: str) -> JobStatus | None:
        """What Redis holds about the job, or None when it is unknown or expired."""
        from rq.exceptions import NoSuchJobError
        from rq.job import Job

        self.reap_abandoned()
        try:
            job = Job.fetch(job_id, connection=self.connection)
        except NoSuchJobError:
            return None
        meta = job.get_meta(refresh=True)
        return JobStatus(
            job_id, meta.get("kind", ""), meta.get("owner_id"), _rq_state(job, meta),
            done=meta.get("done", 0), total=meta.get("total", 0),
            filename=meta.get("filename"), error=_rq_error(job, meta),
            params=meta.get("params", {}),
        )


def _rq_state(job, meta: dict) -> str:
    """RQ's status in the four words the pages use."""
    from rq.job import JobStatus as RQStatus

    state = job.get_status(refresh=False)
    if state == RQStatus.FINISHED and meta.get("filename"):
        return FINISHED
    if state in (RQStatus.FAILED, RQStatus.STOPPED, RQStatus.CANCELED, RQStatus.FINISHED):
        return FAILED
    return RUNNING if state == RQStatus.STARTED else QUEUED


def _rq_error(job, meta: dict) -> str | None:
    """The failure's message code: the task's own, or ``abandoned`` when the worker died."""
    if meta.get("error"):
        return meta["error"]
    return ABANDONED if _rq_state(job, meta) == FAILED else None


def backend():
    """This app's job backend: RQ when ``REDIS_URL`` is set, else the in-process thread."""
    app = current_app._get_current_object()
    existing = app.extensions.get("grants_jobs")
    if existing is None:
        url = app.config.get("REDIS_URL")
        if url:
            existing = RQBackend(url, app.config.get("JOB_QUEUE", "grants"),
                                 app.config.get("JOB_TIMEOUT_SECONDS", 3600))
        else:
            existing = ThreadBackend(app)
        app.extensions["grants_jobs"] = existing
    return existing


def start(kind: str, owner_id: int | None, **params) -> str:
    """Start a registered task for ``owner_id`` and return the job id to follow it by."""
    runner.task(kind)
    return backend().start(kind, owner_id, params)


def status(job_id: str) -> JobStatus | None:
    """What is known about a job (None for an unknown id)."""
    if not isinstance(job_id, str) or len(job_id) != 32 or not job_id.isalnum():
        return None
    return backend().status(job_id)
