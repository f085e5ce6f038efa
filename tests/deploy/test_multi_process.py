"""Smoke test of the deployment past one machine (docs/deploy.md), on this machine's real
PostgreSQL and Redis: two app processes (gunicorn, each with its own instance folder, as on two
hosts), one job worker, and a command from a third process.

It proves what the hosts must share and what they must not: a session made on one app host
is honoured by the other (same secret, one database), and a job queued by a third process (this
test, configured as a host would be) is run by the worker and its file is found through the
shared results folder. The database is copied from the suite's migrated template.
"""

from __future__ import annotations

import http.cookiejar
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

import pytest

from tests.conftest import _pg_admin, _pg_url
from tests.helpers import PASSWORD

REPO = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_until_up(port: int, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert process.poll() is None, f"app on port {port} exited"
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2).read()
            return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"app on port {port} did not answer")


def _add_resident(url: str, instance: Path) -> None:
    """The one account the smoke test signs in with, made through the app's own code."""
    from grants import create_app
    from grants.config import TestConfig
    from grants.extensions import db
    from tests.helpers import create_user

    app = create_app(TestConfig(url, INSTANCE_PATH=str(instance)))
    with app.app_context():
        create_user("smoke", "resident")
        db.session.commit()
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def deployment(tmp_path, pg_template):
    """PostgreSQL database, two gunicorn app hosts and one worker; torn down afterwards."""
    from redis import Redis
    from redis.exceptions import ConnectionError as RedisDown

    try:
        Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except RedisDown:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true requires Redis at {REDIS_URL}")
        pytest.skip(f"Redis not reachable at {REDIS_URL}")
    admin = _pg_admin()
    name = f"grants_smoke_{uuid.uuid4().hex[:8]}"
    admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{pg_template}"')
    shared = tmp_path / "shared"
    base = dict(os.environ, FLASK_APP="grants", DATABASE_URL=_pg_url(name), REDIS_URL=REDIS_URL,
                JOB_QUEUE=f"smoke-{uuid.uuid4().hex[:8]}", SECRET_KEY=uuid.uuid4().hex,
                JOB_RESULTS_DIR=str(shared / "jobs"), PDF_CACHE_DIR=str(shared / "pdf-cache"),
                GRANTS_INSTANCE=str(tmp_path / "cli-host"), GUNICORN_WORKERS="1",
                GUNICORN_ACCESS_LOG="/dev/null", SESSION_COOKIE_SECURE="0")
    base.pop("TEST_DATABASE_URL", None)
    processes: list[subprocess.Popen] = []
    try:
        _add_resident(_pg_url(name), tmp_path / "setup")
        ports = []
        for host in ("app-a", "app-b"):
            port = _free_port()
            env = dict(base, GRANTS_INSTANCE=str(tmp_path / host),
                       GUNICORN_BIND=f"127.0.0.1:{port}")
            processes.append(subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py", "wsgi:app"],
                env=env, cwd=REPO, start_new_session=True,
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
            ports.append(port)
        worker_env = dict(base, GRANTS_INSTANCE=str(tmp_path / "worker-host"))
        processes.append(subprocess.Popen(
            [sys.executable, "-m", "flask", "jobs", "worker"], env=worker_env, cwd=REPO,
            start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        for port, process in zip(ports, processes, strict=False):
            _wait_until_up(port, process)
        yield base, ports, shared
    finally:
        for process in processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def _login(opener, port: int) -> None:
    """Sign in through the real form (CSRF token included) on the app at ``port``."""
    page = opener.open(f"http://127.0.0.1:{port}/auth/login").read().decode()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    form = urllib.parse.urlencode({"csrf_token": token, "username": "smoke",
                                   "password": PASSWORD}).encode()
    opener.open(f"http://127.0.0.1:{port}/auth/login", data=form).read()


@pytest.mark.postgres
def test_two_app_hosts_a_worker_and_a_command_work_as_one_platform(deployment, tmp_path):
    env, (port_a, port_b), shared = deployment
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    _login(opener, port_a)
    page = opener.open(f"http://127.0.0.1:{port_b}/notifications/")
    assert page.status == 200 and "/auth/login" not in page.url, "host B ignored host A's session"
    from grants import create_app, jobs
    from grants.config import TestConfig
    from tests.helpers import wait_for_job

    third = create_app(TestConfig(env["DATABASE_URL"], INSTANCE_PATH=str(tmp_path / "third"),
                                  REDIS_URL=REDIS_URL, JOB_QUEUE=env["JOB_QUEUE"],
                                  JOB_RESULTS_DIR=env["JOB_RESULTS_DIR"]))
    with third.app_context():
        job = wait_for_job(jobs.start("ping", None, steps=3), timeout=60)
        assert job.downloadable, job
        assert jobs.result_path(job.id).read_text().endswith("step 3\nok\n")
        assert jobs.result_path(job.id).parent == shared / "jobs"
