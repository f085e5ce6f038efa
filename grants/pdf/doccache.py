"""Content-addressed cache of rendered PDFs: same content in, same bytes out, no rendering."""

import hashlib
import os
import pathlib
import tempfile

#: Most documents kept; the least recently used ones are removed beyond that.
MAX_DOCUMENTS = 2000


def doc_key(*parts: str) -> str:
    """Return the sha256 hex digest of `parts`, each length-prefixed so they cannot run together."""
    digest = hashlib.sha256()
    for part in parts:
        data = part.encode()
        digest.update(len(data).to_bytes(8, "big"))
        digest.update(data)
    return digest.hexdigest()


def read_cached(docs_dir: pathlib.Path, key: str) -> bytes | None:
    """Return the cached PDF for `key`, or None; a hit is marked as recently used."""
    path = docs_dir / f"{key}.pdf"
    try:
        data = path.read_bytes()
        os.utime(path)
    except FileNotFoundError:
        return None
    return data


def write_cached(docs_dir: pathlib.Path, key: str, pdf: bytes) -> None:
    """Store `pdf` under `key` atomically (temp file, then rename), then trim the cache."""
    docs_dir.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=docs_dir, prefix=key, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(pdf)
        os.chmod(tmp, 0o644)
        os.replace(tmp, docs_dir / f"{key}.pdf")
    except BaseException:
        pathlib.Path(tmp).unlink(missing_ok=True)
        raise
    _trim(docs_dir, MAX_DOCUMENTS)


def _trim(docs_dir: pathlib.Path, keep: int) -> None:
    """Remove the least recently used PDFs beyond the newest `keep`."""
    entries = [e for e in os.scandir(docs_dir) if e.name.endswith(".pdf")]
    if len(entries) <= keep:
        return
    entries.sort(key=_mtime, reverse=True)
    for entry in entries[keep:]:
        pathlib.Path(entry.path).unlink(missing_ok=True)


def _mtime(entry: os.DirEntry) -> int:
    """Return the entry's mtime, or 0 if another process removed it meanwhile."""
    try:
        return entry.stat().st_mtime_ns
    except FileNotFoundError:
        return 0
