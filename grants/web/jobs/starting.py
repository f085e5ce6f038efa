"""Starting a job that only reads, from a page a reader may use.

A job is started by a POST (a browser never starts one by following or prefetching a link).
Most POST routes change records, and readers such as the auditor are refused them; a route
whose POST only starts a task of :data:`grants.jobs.tasks.READS_ONLY` is marked with
:func:`read_only_start`, so the access tests can tell it from a write and check it changes
nothing.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import redirect, url_for
from flask_login import current_user

from grants import jobs
from grants.jobs.tasks import READS_ONLY


def read_only_start(view: Callable) -> Callable:
    """Mark ``view`` as one whose POST only starts a read-only job (the mark survives the
    route's other decorators, which copy the function's attributes)."""
    view.starts_read_only_job = True
    return view


def start_read_only(kind: str, **params):
    """Start ``kind`` for the signed-in person and send them to its progress page; refuses
    (ValueError) a task that would change records."""
    if kind not in READS_ONLY:
        raise ValueError(f"{kind} is not a read-only task")
    job_id = jobs.start(kind, current_user.id, **params)
    return redirect(url_for("jobs.show", job_id=job_id))
