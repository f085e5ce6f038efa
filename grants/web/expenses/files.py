"""Receipt files in and out of the web layer: reading uploads, ZIPs of receipts, temp files.

Uploads are read up to one byte past the size limit, so an oversize file is recognised (and
refused by the service with the limit named) without reading all of it. ZIPs and exports are
written to a temporary file and served from disk; the file is unlinked as soon as it is open,
so nothing is left behind whatever happens to the download.
"""

from __future__ import annotations

import os
import tempfile
import zipfile
from collections.abc import Iterable
from pathlib import Path

from flask import send_file
from werkzeug.datastructures import FileStorage

from grants.services.attachments import MAX_FILE_BYTES

ZIP_MIMETYPE = "application/zip"


def uploaded(files: Iterable[FileStorage] | None) -> list[tuple[str | None, bytes]]:
    """The chosen files as ``(name, bytes)``; an empty file input sends none."""
    chosen = []
    for item in files or ():
        if item is None or not (item.filename or "").strip():
            continue
        chosen.append((item.filename, item.read(MAX_FILE_BYTES + 1)))
    return chosen


def _unique(name: str, taken: set[str]) -> str:
    """``name``, or ``name`` with ``(2)``, ``(3)``… before the extension when already used."""
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = name, ""
    candidate, number = name, 1
    while candidate in taken:
        number += 1
        candidate = f"{stem}({number}).{ext}" if dot else f"{stem}({number})"
    taken.add(candidate)
    return candidate


def zip_file(entries: Iterable[tuple[str, bytes]]) -> tuple[Path, int]:
    """Write ``(path inside the ZIP, bytes)`` pairs to a new temporary ZIP; returns it and how
    many files it holds. Receipts are PDF, JPEG and PNG, already compressed: stored as is."""
    fd, name = tempfile.mkstemp(prefix="receipts-", suffix=".zip")
    os.close(fd)
    count, taken = 0, set()
    try:
        with zipfile.ZipFile(name, "w", zipfile.ZIP_STORED) as archive:
            for path, data in entries:
                archive.writestr(_unique(path, taken), data)
                count += 1
    except BaseException:
        os.unlink(name)
        raise
    return Path(name), count


def send_temp(path: Path, mimetype: str, download_name: str):
    """Serve a temporary file as a download and remove it (unlinked once open)."""
    handle = open(path, "rb")  # noqa: SIM115 - closed by the response when sent
    os.unlink(path)
    return send_file(handle, mimetype=mimetype, as_attachment=True,
                     download_name=download_name, max_age=0)
