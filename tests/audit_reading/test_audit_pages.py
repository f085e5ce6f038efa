"""The auditor's audit pages: find a person by name, read an object's timeline, verify the chain
in the browser as a job, and download the chain (also a job) for offline checking."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from grants.cli.audit import verify_export
from grants.extensions import db
from grants.services import audit
from tests.helpers import create_user, wait_for_job


@pytest.fixture
def chain(app, client, auth):
    """An organizer 王敏 who did a few things, and an auditor signed in."""
    wang = create_user("wangmin", "organizer", display_name="东山街道民政科 王敏")
    for n in range(5):
        audit.record("round.update", "funding_round", 1,
                     {"changes": {"pool_fen": [n * 100, n * 100 + 50]}},
                     actor=wang, actor_role="organizer")
    db.session.commit()
    create_user("sunhua", "auditor", display_name="监督员 孙华")
    auth.login("sunhua")
    return wang


def test_entries_are_found_by_the_person_s_name_and_read_in_yuan(chain, client):
    page = client.get("/audit/?actor=王敏").get_data(as_text=True)
    assert "东山街道民政科 王敏" in page and "¥4.00 → ¥4.50" in page
    assert '"pool_fen":[400,450]' in page.replace("&#34;", '"')  # the raw payload, one click away
    assert "监督员 孙华" not in page.split("共 ")[1]  # the auditor's own login is filtered out


def test_each_object_has_a_timeline(chain, client):
    response = client.get("/audit/objects/funding_round/1")
    assert response.status_code == 200
    assert response.get_data(as_text=True).count("修改赛事") == 5
    assert client.get("/audit/objects/funding_round/2").status_code == 404


def _run_job(client, url: str):
    """Start a job from its page's button, wait for it, and return its page's text and its
    status."""
    response = client.post(url)
    assert response.status_code == 302 and "/jobs/" in response.location
    job_id = response.location.rstrip("/").rsplit("/", 1)[1]
    job = wait_for_job(job_id)
    return client.get(f"/jobs/{job_id}").get_data(as_text=True), job


def test_the_browser_check_runs_as_a_job(chain, client):
    intro = client.get("/audit/verify").get_data(as_text=True)
    assert "开始核验" in intro and 'method="post" action="/audit/verify"' in intro
    page, job = _run_job(client, "/audit/verify")
    head = audit.head()
    assert (job.state, job.done, job.total) == ("finished", head[0], head[0])
    assert "核验无误" in page and f"OK: {head[0]} entries, head seq {head[0]} hash {head[1]}" in page


def test_a_changed_entry_is_named_by_its_seq(chain, client):
    if db.engine.dialect.name == "sqlite":
        db.session.execute(text("DROP TRIGGER audit_entry_no_update"))
    db.session.execute(text("UPDATE audit_entry SET payload = '{}' WHERE seq = 3"))
    db.session.commit()
    page, job = _run_job(client, "/audit/verify")
    assert job.state == "finished"
    assert "审计链在 seq 3 处断开" in page and "BROKEN at seq 3: hash mismatch" in page


def test_the_downloaded_chain_verifies_offline(chain, client, tmp_path):
    assert "开始导出" in client.get("/audit/export").get_data(as_text=True)
    _, job = _run_job(client, "/audit/export")
    assert job.filename == f"audit-chain-{audit.head()[0]}.jsonl"
    response = client.get(f"/jobs/{job.id}/download")
    assert response.status_code == 200
    path = tmp_path / "chain.jsonl"
    path.write_bytes(response.data)
    result = verify_export(path)
    assert result.ok and result.head_seq == audit.head()[0]
