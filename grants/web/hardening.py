"""Deployment hardening wired into the app: the trusted proxy, rate limits, private files.

* **Proxy**: the client address (login throttling, objection limits, audit payloads) comes from
  ``X-Forwarded-For`` only when ``TRUSTED_PROXIES`` says how many proxies stand in front
  (default 0: the connection's own address, so nobody can claim another address by sending
  the header). Behind one reverse proxy set ``TRUSTED_PROXIES=1``.
* **Rate limits**: :mod:`grants.web.ratelimit`, stored where ``RATELIMIT_STORAGE_URI`` says.
* **Private files**: the instance folder is 0700 and the SQLite database (with its WAL files)
  and the secret key are 0600, so other accounts on the machine cannot read them.
"""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask
from sqlalchemy.engine import make_url
from werkzeug.middleware.proxy_fix import ProxyFix

from grants.web.ratelimit import limiter

PRIVATE_FILE = 0o600
PRIVATE_FOLDER = 0o700


def trust_proxies(app: Flask) -> None:
    """Believe ``TRUSTED_PROXIES`` hops of X-Forwarded-For/-Proto/-Host, and no more."""
    hops = int(app.config.get("TRUSTED_PROXIES") or 0)
    if hops > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)


def sqlite_path(uri: str) -> Path | None:
    """The file of a SQLite database URL, or None (memory, or another database)."""
    url = make_url(uri)
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    return Path(url.database)


def tighten(path: Path, mode: int) -> None:
    """Give ``path`` exactly ``mode`` when it exists and belongs to this process's user (a
    folder set up by an administrator for the app is left as they made it)."""
    try:
        info = path.stat()
    except FileNotFoundError:
        return
    if info.st_uid == os.getuid() and (info.st_mode & 0o777) != mode:
        os.chmod(path, mode)


def create_private(path: Path) -> None:
    """Create ``path`` empty with mode 0600 if missing (SQLite then uses it as a new
    database, and makes its journal files with the same mode); tighten an existing one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY | os.O_EXCL, PRIVATE_FILE))
    except FileExistsError:
        tighten(path, PRIVATE_FILE)


def private_files(app: Flask) -> None:
    """Keep the instance folder, its secret key and the SQLite database private."""
    instance = Path(app.instance_path)
    tighten(instance, PRIVATE_FOLDER)
    tighten(instance / "secret_key", PRIVATE_FILE)
    if database := sqlite_path(app.config["SQLALCHEMY_DATABASE_URI"]):
        create_private(database)
        for suffix in ("-wal", "-shm"):
            tighten(database.with_name(database.name + suffix), PRIVATE_FILE)


def register_hardening(app: Flask) -> None:
    """Wire the proxy rule, the rate limiter and the file modes into the app."""
    trust_proxies(app)
    limiter.init_app(app)
    private_files(app)
