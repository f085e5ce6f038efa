"""`flask audit verify`, `flask audit export` and offline `flask audit verify --file`."""

from __future__ import annotations

import json

from sqlalchemy import text

from grants.extensions import db
from grants.services import audit, unit_of_work


def _entries(n: int) -> None:
    for i in range(n):
        with unit_of_work():
            audit.record("auth.login_fail", "user", i, {"名称": "金点子", "i": i},
                         actor_role="public")


def test_verify_prints_count_and_head(app):
    _entries(5)
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 0
    assert "5 entries" in result.output and audit.head()[1] in result.output


def test_verify_names_the_first_bad_seq_and_exits_1(app):
    _entries(6)
    db.session.execute(text("DROP TRIGGER audit_entry_no_update"))
    db.session.execute(text("UPDATE audit_entry SET payload = '{}' WHERE seq = 4"))
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert "seq 4" in result.output


def test_export_verifies_offline_and_edits_are_found(app, tmp_path):
    _entries(8)
    path = tmp_path / "chain.jsonl"
    runner = app.test_cli_runner()
    assert runner.invoke(args=["audit", "export", str(path)]).exit_code == 0
    lines = path.read_text(encoding="utf-8").splitlines()
    assert json.loads(lines[0])["head"] == {"seq": 8, "hash": audit.head()[1]}
    ok = runner.invoke(args=["audit", "verify", "--file", str(path)])
    assert ok.exit_code == 0 and "8 entries" in ok.output
    entry = json.loads(lines[3])
    entry["payload"] = entry["payload"].replace("金点子", "银点子")
    lines[3] = json.dumps(entry, ensure_ascii=False)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    edited = runner.invoke(args=["audit", "verify", "--file", str(path)])
    assert edited.exit_code == 1 and "seq 3" in edited.output


def test_a_truncated_export_is_found_against_its_head(app, tmp_path):
    _entries(8)
    path = tmp_path / "chain.jsonl"
    runner = app.test_cli_runner()
    runner.invoke(args=["audit", "export", str(path)])
    lines = path.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join(lines[:-2]) + "\n", encoding="utf-8")
    result = runner.invoke(args=["audit", "verify", "--file", str(path)])
    assert result.exit_code == 1 and "seq 7" in result.output
