"""Many documents at once: HTML made by the caller, PDFs laid out on worker processes.

The caller renders each document's HTML (it alone reads the database) and hands the strings
over; each worker only turns HTML into PDF with :func:`grants.pdf.html_to_pdf`, keeping its
fonts and parsed stylesheet between documents. PDFs come back in the order given, so a caller
can write them into a ZIP and report progress as each arrives.

Workers start by ``fork`` when this process runs one thread (a job worker, a command), which
costs nothing; in a threaded process (a web server running jobs in a background thread) by
``forkserver``, as a lock another thread holds at fork time (fontconfig's, logging's) would
stay locked in the child for ever.
"""

from __future__ import annotations

import multiprocessing
import os
import pathlib
import threading
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor

from . import typeset
from .render import html_to_pdf

DEFAULT_WORKERS = 2
"""Worker processes when the caller does not say: the cores of this project's machines."""


def _lay_out(args: tuple[str, str]) -> bytes:
    """Worker: one document's PDF (from the document cache when identical HTML was made); a
    worker lives for one batch only, so a long table is laid out by typst right here."""
    html, cache_dir = args
    if multiprocessing.parent_process() is not None:
        typeset.ISOLATE = False
    return html_to_pdf(html, pathlib.Path(cache_dir))


def _context():
    """``fork`` in a single-threaded process, else ``forkserver`` with the renderer preloaded."""
    if threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["grants.pdf.render"])
    return context


def workers_for(count: int, workers: int | None = None) -> int:
    """How many worker processes to start for ``count`` documents: none for one document or
    when ``workers`` is 0 (lay out here), else at most ``workers`` (default: the core count, at
    most :data:`DEFAULT_WORKERS`)."""
    wanted = DEFAULT_WORKERS if workers is None else workers
    wanted = min(wanted, os.cpu_count() or 1) if workers is None else wanted
    return 0 if count < 2 else max(0, min(wanted, count))


def pdfs(
    htmls: Iterable[str], count: int, cache_dir: pathlib.Path, workers: int | None = None
) -> Iterator[bytes]:
    """Yield the PDF of each HTML document, in order, laid out on worker processes.

    ``count`` is how many documents ``htmls`` yields (it may be a generator, so that HTML is
    made while workers lay out the documents before it).
    """
    jobs = ((html, str(cache_dir)) for html in htmls)
    processes = workers_for(count, workers)
    if processes == 0:
        yield from map(_lay_out, jobs)
        return
    with ProcessPoolExecutor(max_workers=processes, mp_context=_context()) as pool:
        pending: deque[Future] = deque()
        for job in jobs:
            pending.append(pool.submit(_lay_out, job))
            while pending[0].done():
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
