"""The audit chain's check and export as jobs: started by those who read the audit log, with
progress while they run, their file for the person who started them only, a clear message when
they fail, and the same words as ``flask audit verify`` / the same file as ``flask audit export``.
"""

from __future__ import annotations

import json

import pytest

from grants import jobs
from grants.extensions import db
from grants.services import audit, unit_of_work
from tests.helpers import create_user, login_as, wait_for_job
from tests.jobs.test_jobs import _burst_worker, redis_app  # noqa: F401 - the fixture

ENTRIES = 7
STARTS = {"audit_verify": "/audit/verify", "audit_export": "/audit/export"}


@pytest.fixture
def chain(app):
    """A chain of a few entries, committed so a job's own connection reads them."""
    for i in range(ENTRIES):
        with unit_of_work():
            audit.record("auth.login_fail", "user", i, {"i": i}, actor_role="public")
    db.session.commit()


def _start(client, kind: str) -> str:
    """Start the job from its page's button as the signed-in person; return the job id."""
    response = client.post(STARTS[kind])
    assert response.status_code == 302, response.status_code
    return response.location.rstrip("/").rsplit("/", 1)[1]


@pytest.mark.parametrize("kind", sorted(STARTS))
@pytest.mark.parametrize("role", ["auditor", "admin"])
def test_audit_readers_start_the_jobs(chain, client, kind, role):
    create_user("reader", role)
    login_as(client, "reader")
    head = audit.head()[0]
    job = wait_for_job(_start(client, kind))
    assert job.state == "finished" and job.kind == kind
    assert (job.done, job.total) == (head, head)


@pytest.mark.parametrize("role", ["organizer", "finance", "judge"])
def test_others_may_not_start_them(chain, client, role):
    create_user("other", role)
    login_as(client, "other")
    for url in STARTS.values():
        assert client.get(url).status_code == 403, url
        assert client.post(url).status_code == 403, url


def test_following_the_page_link_starts_nothing(chain, client, monkeypatch):
    """Only the button (a POST) starts a job: a link followed or prefetched does not."""
    started = []
    monkeypatch.setattr(jobs, "start", lambda *a, **k: started.append(a) or "x")
    create_user("reader", "auditor")
    login_as(client, "reader")
    for url in STARTS.values():
        assert client.get(f"{url}?start=1").status_code == 200, url
    assert started == []


def test_the_walk_reports_its_progress(chain):
    seen: list[tuple[int, int]] = []
    assert audit.verify_database(workers=1, progress=lambda d, t: seen.append((d, t))).ok
    assert seen[0] == (0, ENTRIES) and seen[-1] == (ENTRIES, ENTRIES)
    assert [done for done, _ in seen] == sorted(done for done, _ in seen)
    assert len({done for done, _ in seen}) == ENTRIES + 1


def test_the_parallel_check_reports_each_range(chain, monkeypatch):
    monkeypatch.setattr(audit, "PARALLEL_THRESHOLD", 2)
    seen: list[tuple[int, int]] = []
    assert audit.verify_database(workers=2, progress=lambda d, t: seen.append((d, t))).ok
    assert seen == [(0, ENTRIES), (4, ENTRIES), (ENTRIES, ENTRIES)] or \
        seen == [(0, ENTRIES), (3, ENTRIES), (ENTRIES, ENTRIES)]


def test_the_verdict_and_file_are_for_the_person_who_started_the_check(app, chain, client):
    create_user("sunhua", "auditor")
    create_user("lina", "auditor")
    login_as(client, "sunhua")
    job_id = _start(client, "audit_verify")
    wait_for_job(job_id)
    page = client.get(f"/jobs/{job_id}").get_data(as_text=True)
    cli = app.test_cli_runner().invoke(args=["audit", "verify"]).output.strip()
    assert cli.startswith(f"OK: {audit.head()[0]} entries") and cli in page
    assert "核验审计链" in page and 'id="job-verdict"' in page
    download = client.get(f"/jobs/{job_id}/download")
    assert download.status_code == 200
    assert json.loads(download.data)["verdict"] == cli
    client.post("/auth/logout")
    login_as(client, "lina")
    for url in (f"/jobs/{job_id}", f"/jobs/{job_id}/status.json", f"/jobs/{job_id}/download"):
        assert client.get(url).status_code == 404, url


def test_the_export_job_writes_what_the_cli_writes(app, chain, client, tmp_path):
    create_user("sunhua", "auditor")
    login_as(client, "sunhua")
    head = audit.head()[0]
    job = wait_for_job(_start(client, "audit_export"))
    assert job.filename == f"audit-chain-{head}.jsonl"
    downloaded = client.get(f"/jobs/{job.id}/download").data
    path = tmp_path / "cli.jsonl"
    result = app.test_cli_runner().invoke(args=["audit", "export", str(path)])
    assert result.exit_code == 0 and f"exported {head} entries" in result.output
    assert downloaded == path.read_bytes()
    verified = app.test_cli_runner().invoke(args=["audit", "verify", "--file", str(path)])
    assert verified.exit_code == 0, verified.output


@pytest.mark.parametrize("kind", sorted(STARTS))
def test_a_failed_job_says_so_and_offers_no_file(chain, client, monkeypatch, kind):
    def broken(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(audit, "verify_database", broken)
    monkeypatch.setattr(audit, "write_export", broken)
    create_user("sunhua", "auditor")
    login_as(client, "sunhua")
    job_id = _start(client, kind)
    job = wait_for_job(job_id)
    assert job.state == "failed" and not job.downloadable
    page = client.get(f"/jobs/{job_id}").get_data(as_text=True)
    assert "任务出错，没有生成文件" in page
    assert client.get(f"/jobs/{job_id}/download").status_code == 404
    assert not jobs.result_path(job_id).exists()


def test_the_check_runs_on_the_rq_worker(redis_app, chain):  # noqa: F811 - the fixture
    job_id = jobs.start("audit_verify", 5)
    assert jobs.status(job_id).state == "queued"
    _burst_worker()
    job = jobs.status(job_id)
    assert (job.state, job.done, job.total, job.owner_id) == ("finished", ENTRIES, ENTRIES, 5)
    facts = json.loads(jobs.result_path(job_id).read_text(encoding="utf-8"))
    assert facts["ok"] and facts["verdict"].startswith(f"OK: {ENTRIES} entries")
