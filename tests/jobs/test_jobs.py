"""Long work on the job queue: progress while it runs, the file once done, for its owner only.

The in-process backend (``make run`` without Redis) runs in the SQLite app; the RQ backend runs
against this machine's real Redis, with a worker in the test thread and, to kill it mid-job, a
real ``flask jobs worker`` process.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid

import pytest

from grants import jobs
from grants.jobs.queue import RQBackend
from tests.helpers import create_user, login_as, wait_for_job

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def _wait(job_id: str, until=("finished", "failed"), timeout: float = 30.0):
    """Poll the job until it reaches one of ``until``."""
    return wait_for_job(job_id, until, timeout)


@pytest.fixture
def redis_app(app):
    """The SQLite app with its jobs on a private RQ queue in the real Redis."""
    from redis import Redis
    from redis.exceptions import ConnectionError as RedisDown

    try:
        Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except RedisDown as error:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true requires Redis at {REDIS_URL}: {error}")
        pytest.skip(f"Redis not reachable at {REDIS_URL}")
    app.config.update(REDIS_URL=REDIS_URL, JOB_QUEUE=f"test-{uuid.uuid4().hex[:12]}")
    app.extensions.pop("grants_jobs", None)
    yield app
    backend = app.extensions.pop("grants_jobs", None)
    if isinstance(backend, RQBackend):
        backend.queue.empty()
        backend.queue.delete(delete_jobs=True)


def _burst_worker():
    """Run every queued job in this thread, as ``flask jobs worker --burst`` would."""
    from rq import SimpleWorker

    backend = jobs.backend()
    SimpleWorker([backend.queue], connection=backend.connection).work(burst=True)


def test_in_process_job_runs_and_its_file_appears_when_done(app):
    job_id = jobs.start("ping", 7, steps=4)
    job = _wait(job_id)
    assert (job.state, job.done, job.total, job.percent) == ("finished", 4, 4, 100)
    assert job.downloadable and job.owner_id == 7
    assert jobs.result_path(job_id).read_text().endswith("step 4\nok\n")


def test_unknown_kind_and_malformed_ids(app):
    with pytest.raises(ValueError, match="unknown job kind"):
        jobs.start("drop_tables", 1)
    for job_id in ("", "x" * 32, "../../etc/passwd", "0" * 31, None):
        assert jobs.status(job_id) is None


def test_a_job_page_is_for_the_person_who_started_it(app, client):
    owner = create_user("wangmin", "organizer")
    create_user("someone", "organizer")
    job_id = jobs.start("ping", owner.id, steps=2)
    _wait(job_id)
    login_as(client, "wangmin")
    page = client.get(f"/jobs/{job_id}")
    assert page.status_code == 200 and "<progress" in page.get_data(as_text=True)
    status = client.get(f"/jobs/{job_id}/status.json").get_json()
    assert status["state"] == "finished" and status["percent"] == 100
    assert client.get(status["download"]).data.endswith(b"ok\n")
    client.post("/auth/logout")
    login_as(client, "someone")
    for url in (f"/jobs/{job_id}", f"/jobs/{job_id}/status.json", f"/jobs/{job_id}/download"):
        assert client.get(url).status_code == 404, url
    for url in ("/jobs/" + "0" * 32, "/jobs/" + "0" * 32 + "/download"):
        assert client.get(url).status_code == 404, url
    assert client.get("/jobs/%00").status_code == 400, "a NUL is refused at the edge"


def test_rq_job_progress_is_visible_while_it_runs(redis_app):
    """The worker runs in this thread (RQ's signal handling needs the main thread) while a
    second thread reads the job's status as the page would."""
    import threading

    job_id = jobs.start("ping", 3, steps=40, delay=0.02)
    assert jobs.status(job_id).state == "queued"
    seen: set[int] = set()
    stop = threading.Event()

    def watch():
        with redis_app.app_context():
            while not stop.is_set():
                job = jobs.status(job_id)
                if job.state == "running" and 0 < job.done < job.total:
                    seen.add(job.done)
                time.sleep(0.01)

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        _burst_worker()
    finally:
        stop.set()
        watcher.join()
    job = jobs.status(job_id)
    assert seen, "no progress was visible while the job ran"
    assert (job.state, job.done, job.total, job.owner_id) == ("finished", 40, 40, 3)
    assert jobs.result_path(job_id).read_text().count("step") == 40


def test_rq_task_refusal_is_a_failed_job_with_its_message(redis_app):
    job_id = jobs.start("agreements_zip", 3, round_id=987654)
    _burst_worker()
    job = jobs.status(job_id)
    assert job.state == "failed" and "还没有协议书" in job.error and not job.downloadable
    assert not jobs.result_path(job_id).exists()


def test_worker_killed_mid_job_leaves_a_failed_job_and_no_file(redis_app, tmp_path):
    """A real worker process is killed while it writes; once its heartbeat has lapsed the job
    is failed with a message, and the half-written file is never offered."""
    env = dict(os.environ, FLASK_APP="grants", REDIS_URL=REDIS_URL,
               JOB_QUEUE=redis_app.config["JOB_QUEUE"],
               DATABASE_URL=redis_app.config["SQLALCHEMY_DATABASE_URI"],
               GRANTS_INSTANCE=str(tmp_path), JOB_RESULTS_DIR=str(jobs.queue.results_dir()))
    job_id = jobs.start("ping", 3, steps=500, delay=0.05)
    worker = subprocess.Popen([sys.executable, "-m", "flask", "jobs", "worker"], env=env,
                              start_new_session=True, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        job = _wait(job_id, until=("running",))
        deadline = time.monotonic() + 30
        while jobs.status(job_id).done < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait()
    part = jobs.result_path(job_id).with_suffix(".part")
    assert part.exists(), "the worker was killed before it wrote anything"
    assert jobs.status(job_id).state == "running"
    jobs.backend().reap_abandoned(at=time.time() + 3600)
    job = jobs.status(job_id)
    assert job.state == "failed" and job.error == "abandoned" and not job.downloadable
    assert not jobs.result_path(job_id).exists()


def test_cli_runs_the_same_task_with_a_progress_bar(app, tmp_path):
    out = tmp_path / "ping.txt"
    result = app.test_cli_runner().invoke(args=["jobs", "run", "ping", "-p", "steps=3",
                                                "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_text().endswith("step 3\nok\n")
    refused = app.test_cli_runner().invoke(args=["jobs", "run", "agreements_zip",
                                                 "-p", "round_id=987654"])
    assert refused.exit_code == 1 and "还没有协议书" in refused.output
    unknown = app.test_cli_runner().invoke(args=["jobs", "run", "nope"])
    assert unknown.exit_code == 1 and "unknown job kind" in unknown.output
