"""Long work on a job queue: batch documents, exports, imports and chain checks, with progress.

A job is a registered task (:mod:`grants.jobs.tasks`) run with parameters for one person. The
page that starts it sends that person to ``/jobs/<id>``, which shows a progress bar while the
job runs and the file to download once it is done. Two backends share one interface:

- **RQ on Redis** (the production setting, ``REDIS_URL``): ``flask jobs worker`` runs the
  tasks, on this host or on others that share the database and the results folder;
- **in-process** (``make run`` with no Redis): a background thread of the web process.

A task writes its file to a temporary name that is renamed into place only when the task has
finished, and a job is offered for download only when it has finished, so a worker killed
mid-job leaves a failed job with a clear message, never a half-written file.
"""

from __future__ import annotations

from grants.jobs.queue import (
    FAILED,
    FINISHED,
    QUEUED,
    RUNNING,
    JobStatus,
    backend,
    result_path,
    start,
    status,
)

__all__ = [
    "FAILED", "FINISHED", "QUEUED", "RUNNING", "JobStatus", "backend", "result_path", "start",
    "status",
]
