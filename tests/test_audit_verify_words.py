"""`flask audit verify` names the first bad seq and what is wrong, for each way of tampering,
in the database (both databases) and in an export file; exit code 1, never a traceback; the
browser check (the same task, as a job) shows the same words."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import text

from grants import jobs
from grants.domain.audit import (
    BEYOND_HEAD,
    GAP,
    HASH_MISMATCH,
    MALFORMED,
    REORDER,
    TRUNCATED,
    EntryFields,
    entry_hash,
)
from grants.extensions import db
from grants.services import audit, unit_of_work
from tests.helpers import wait_for_job

ENTRIES = 6
COLUMNS = ("ts_utc", "actor_id", "actor_role", "action", "object_type", "object_id", "payload",
           "prev_hash", "hash")


def _entries(n: int = ENTRIES) -> None:
    for i in range(n):
        with unit_of_work():
            audit.record("auth.login_fail", "user", i, {"名称": "金点子", "i": i},
                         actor_role="public")


def _unguard() -> None:
    """Drop the append-only triggers, as someone with the database's owner rights could."""
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("DROP TRIGGER audit_entry_no_update ON audit_entry"))
    else:
        db.session.execute(text("DROP TRIGGER audit_entry_no_update"))
        db.session.execute(text("DROP TRIGGER audit_entry_no_delete"))


def _edit() -> None:
    db.session.execute(text("UPDATE audit_entry SET payload = '{}' WHERE seq = 4"))


def _delete() -> None:
    db.session.execute(text("DELETE FROM audit_entry WHERE seq = 4"))


def _swap() -> None:
    """Entries 3 and 4 trade places: each keeps its content, only their seq is exchanged."""
    for old, new in ((3, 10_000), (4, 3), (10_000, 4)):
        db.session.execute(text("UPDATE audit_entry SET seq = :new WHERE seq = :old"),
                           {"old": old, "new": new})


def _truncate() -> None:
    db.session.execute(text("DELETE FROM audit_entry WHERE seq > 4"))


def _extra() -> None:
    """A well-chained entry appended past the recorded head (the head row left alone)."""
    seq, prev = audit.head()
    fields = EntryFields(seq + 1, "2026-12-01T00:00:00.000000Z", None, "system", "auth.login_fail",
                         "user", 99, "{}", prev)
    values = {name: getattr(fields, name) for name in ("seq", *COLUMNS[:-1])}
    db.session.execute(text("INSERT INTO audit_entry (seq, ts_utc, actor_id, actor_role, action, "
                            "object_type, object_id, payload, prev_hash, hash) VALUES (:seq, "
                            ":ts_utc, :actor_id, :actor_role, :action, :object_type, "
                            ":object_id, :payload, :prev_hash, :hash)"),
                       {**values, "hash": entry_hash(fields)})


TAMPERS = {
    "edit": (_edit, 4, HASH_MISMATCH),
    "delete": (_delete, 4, GAP),
    "swap": (_swap, 3, REORDER),
    "truncate": (_truncate, 5, TRUNCATED),
    "extra entry": (_extra, ENTRIES + 1, BEYOND_HEAD),
}


def _broken_line(result, seq: int, kind: str) -> None:
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert f"BROKEN at seq {seq}: {kind}:" in result.output, result.output
    assert "Traceback" not in result.output and "chain ends at seq" not in result.output


@pytest.mark.parametrize("name", sorted(TAMPERS))
def test_database_verify_names_the_break(any_app, name):
    tamper, seq, kind = TAMPERS[name]
    _entries()
    _unguard()
    tamper()
    db.session.commit()
    result = any_app.test_cli_runner().invoke(args=["audit", "verify"])
    _broken_line(result, seq, kind)
    facts = _job_verdict()
    assert not facts["ok"] and facts["first_bad_seq"] == seq and facts["kind"] == kind
    assert facts["verdict"] in result.output


def _job_verdict() -> dict:
    """What the browser's check (the ``audit_verify`` job) concludes, read from its file."""
    db.session.commit()  # the job's thread needs the database free (SQLite locks it whole)
    job = wait_for_job(jobs.start("audit_verify", None))
    assert job.state == "finished", job
    return json.loads(jobs.result_path(job.id).read_text(encoding="utf-8"))


def test_the_browser_check_shows_the_same_words(app, client, make_user, auth):
    make_user("aud", "auditor")
    auth.login("aud")
    _entries()
    _unguard()
    head_seq = audit.head()[0]
    _extra()
    db.session.commit()
    job_url = client.post("/audit/verify").location
    wait_for_job(job_url.rstrip("/").rsplit("/", 1)[1])
    page = client.get(job_url).get_data(as_text=True)
    cli = app.test_cli_runner().invoke(args=["audit", "verify"]).output.strip()
    assert f"seq {head_seq + 1}" in page and f"{BEYOND_HEAD}: 1 entry after the recorded head" in page
    assert cli.startswith("BROKEN at seq") and cli in page


def test_an_untouched_chain_still_verifies(any_app):
    _entries()
    result = any_app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 0 and f"{ENTRIES} entries" in result.output


def test_entries_appended_while_verifying_are_not_a_break(app, monkeypatch):
    """The head read at the start is behind an entry the platform appended meanwhile."""
    _entries()
    stale = audit.head()
    _entries(1)
    monkeypatch.setattr(audit, "head", lambda: stale)
    assert audit.verify_database(workers=1).ok


def _export(app, tmp_path) -> tuple:
    _entries(8)
    path = tmp_path / "chain.jsonl"
    assert app.test_cli_runner().invoke(args=["audit", "export", str(path)]).exit_code == 0
    return path, path.read_text(encoding="utf-8").splitlines()


def _write(path, lines) -> None:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _file_edit(lines):
    entry = json.loads(lines[4])
    entry["payload"] = entry["payload"].replace("金点子", "银点子")
    return [*lines[:4], json.dumps(entry, ensure_ascii=False), *lines[5:]]


def _file_extra(lines):
    last = json.loads(lines[-1])
    fields = EntryFields(last["seq"] + 1, last["ts_utc"], None, "system", "auth.login_fail",
                         "user", 1, "{}", last["hash"])
    extra = {**{name: getattr(fields, name) for name in EntryFields.__slots__[:-1]},
             "hash": entry_hash(fields)}
    return [*lines, json.dumps(extra)]


FILE_TAMPERS = {
    "edit": (_file_edit, 4, HASH_MISMATCH),
    "delete": (lambda lines: lines[:4] + lines[5:], 4, GAP),
    "swap": (lambda lines: [*lines[:3], lines[4], lines[3], *lines[5:]], 3, REORDER),
    "truncate": (lambda lines: lines[:-2], 7, TRUNCATED),
    "extra entry": (_file_extra, 9, BEYOND_HEAD),
    "malformed line": (lambda lines: [*lines[:5], '{"seq": 5, "ts_utc"', *lines[6:]], 5,
                       MALFORMED),
    "missing field": (lambda lines: [*lines[:5], '{"seq": 5}', *lines[6:]], 5, MALFORMED),
    "wrong type": (lambda lines: [*lines[:5], lines[5].replace('"seq": 5', '"seq": "5"'),
                                  *lines[6:]], 5, MALFORMED),
    "not an object": (lambda lines: [*lines[:2], "[1, 2]", *lines[3:]], 2, MALFORMED),
    "malformed head": (lambda lines: ["{head", *lines[1:]], 1, MALFORMED),
    "malformed past the head": (lambda lines: [*lines, "garbage"], 9, MALFORMED),
}


@pytest.mark.parametrize("name", sorted(FILE_TAMPERS))
def test_export_verify_names_the_break(app, tmp_path, name):
    tamper, seq, kind = FILE_TAMPERS[name]
    path, lines = _export(app, tmp_path)
    _write(path, tamper(lines))
    result = app.test_cli_runner().invoke(args=["audit", "verify", "--file", str(path)])
    _broken_line(result, seq, kind)


def test_a_malformed_line_is_named_by_its_number(app, tmp_path):
    path, lines = _export(app, tmp_path)
    _write(path, [*lines[:5], "not json", *lines[6:]])
    result = app.test_cli_runner().invoke(args=["audit", "verify", "--file", str(path)])
    assert "malformed line: line 6 is not JSON" in result.output
    assert "(4 entries verified before it)" in result.output


def test_bytes_that_are_not_utf8_are_a_malformed_line(app, tmp_path):
    path, lines = _export(app, tmp_path)
    _write(path, lines[:3])
    with path.open("ab") as handle:
        handle.write(b"\xff\xfe\n")
    result = app.test_cli_runner().invoke(args=["audit", "verify", "--file", str(path)])
    _broken_line(result, 3, MALFORMED)
    assert "line 4 is not UTF-8 text" in result.output
