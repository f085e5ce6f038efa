"""The auditor's audit pages: find a person by name, read an object's timeline, verify the chain
in the browser slice by slice, and download the chain for offline checking."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from grants.cli.audit import verify_export
from grants.extensions import db
from grants.services import audit, audit_reading
from tests.helpers import create_user


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


def test_the_browser_check_walks_the_chain_in_slices(chain, client, monkeypatch):
    monkeypatch.setattr(audit_reading, "VERIFY_CHUNK", 3)
    monkeypatch.setattr(audit_reading.verify_slice, "__defaults__", (3,))
    head = audit.head()[0]
    url, pages = "/audit/verify?from=1", 0
    while url:
        response = client.get(url)
        pages += 1
        refresh = response.headers.get("Refresh")
        url = refresh.split("url=", 1)[1] if refresh else None
    assert pages == -(-head // 3)
    assert "核验无误" in response.get_data(as_text=True)


def test_a_changed_entry_is_named_by_its_seq(chain, client):
    if db.engine.dialect.name == "sqlite":
        db.session.execute(text("DROP TRIGGER audit_entry_no_update"))
    db.session.execute(text("UPDATE audit_entry SET payload = '{}' WHERE seq = 3"))
    db.session.commit()
    step = audit_reading.verify_slice(1)
    assert not step.result.ok and step.result.first_bad_seq == 3
    page = client.get("/audit/verify?from=1").get_data(as_text=True)
    assert "审计链在 seq 3 处断开" in page


def test_the_downloaded_chain_verifies_offline(chain, client, tmp_path):
    response = client.get("/audit/chain.jsonl")
    assert response.status_code == 200
    path = tmp_path / "chain.jsonl"
    path.write_bytes(response.data)
    result = verify_export(path)
    assert result.ok and result.head_seq == audit.head()[0]
