"""The single-file offline verifier (tools/verify_audit.py) on real exports, checkpoints and
proofs: what holds verifies, and an edited, deleted, reordered or rewritten entry, a foreign
key or a doctored proof is refused with the seq and what is wrong there."""

from __future__ import annotations

import ast
import contextvars
import importlib.util
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from grants import config, create_app
from grants.domain.audit import EntryFields, entry_hash
from grants.domain.checkpoint import parse_checkpoint, sign_checkpoint
from grants.domain.signed_note import Signer, split_note
from grants.extensions import db
from grants.services import audit, checkpoints, unit_of_work
from tests.checkpoint_support import write_entries

TOOL = config.REPO_ROOT / "tools" / "verify_audit.py"


def _load_tool():
    spec = importlib.util.spec_from_file_location("verify_audit", TOOL)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


verifier = _load_tool()


@pytest.fixture(scope="module")
def log(sqlite_template, tmp_path_factory):
    """A log of 20 entries with checkpoints at 13 and 20, and every file a member of the public
    (or an auditor) would download: both exports, both notes, the key and two proofs. Built
    once for the module: the tests only read these files (or tampered copies of them)."""
    folder = tmp_path_factory.mktemp("verify-audit")
    shutil.copyfile(sqlite_template, folder / "grants.db")
    app = create_app(config.TestConfig(f"sqlite:///{folder / 'grants.db'}", INSTANCE_PATH=str(folder)))
    with app.app_context():
        _fill(app)
        paths = _download(app, folder)
        db.session.remove()
        db.engine.dispose()
    return paths


def _fill(app) -> None:
    write_entries(12)
    with unit_of_work():
        audit.record("round.create", "funding_round", None, {"名称": "第七届", "池": 3_000_000})
    checkpoints.sign()
    write_entries(7, start=12)
    checkpoints.sign()


def _download(app, folder: Path) -> dict[str, Path]:
    files = {"old": "/log/checkpoints/13", "new": "/log/checkpoint", "key": "/log/key",
             "hashes": "/log/hashes.jsonl", "inclusion": "/log/proof/inclusion?seq=7",
             "consistency": "/log/proof/consistency?first=13&second=20"}
    """Fetch what the public routes serve, each request in a context of its own (as a server
    runs it), and the auditor's export through the CLI."""
    paths, client = {}, app.test_client()
    for name, url in files.items():
        db.session.commit()
        response = contextvars.Context().run(client.get, url, buffered=True)
        assert response.status_code == 200, url
        paths[name] = folder / name
        paths[name].write_bytes(response.data)
    paths["export"] = folder / "export.jsonl"
    result = app.test_cli_runner().invoke(args=["audit", "export", str(paths["export"])])
    assert result.exit_code == 0
    return paths


def _run(capsys, *args) -> tuple[int, str]:
    code = verifier.main([str(a) for a in args])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def _verify_export(capsys, log, path=None, *checkpoint_names):
    notes = [a for name in checkpoint_names or ("old", "new") for a in ("--checkpoint", log[name])]
    return _run(capsys, "export", path or log["export"], *notes, "--key", log["key"])


def _lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()


def _write(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


# --- what holds verifies ---------------------------------------------------------------


@pytest.mark.parametrize("export", ["export", "hashes"])
def test_a_true_export_verifies_against_both_checkpoints(capsys, log, export):
    code, out = _verify_export(capsys, log, log[export])
    assert code == 0, out
    assert "OK: 20 entries" in out
    assert "entries 1-13 is the signed root" in out and "entries 1-20 is the signed root" in out
    assert ("recomputed from their fields" in out) == (export == "export")


def test_a_verified_inclusion_proof(capsys, log):
    entry_hash_7 = json.loads(_lines(log["export"])[7])["hash"]
    code, out = _run(capsys, "inclusion", log["inclusion"], "--checkpoint", log["new"],
                     "--key", log["key"], "--entry-hash", entry_hash_7)
    assert code == 0, out
    assert f"entry seq 7 (hash {entry_hash_7}) is in the signed log of 20 entries" in out


def test_a_consistency_proof_between_an_old_and_a_new_checkpoint(capsys, log):
    code, out = _run(capsys, "consistency", log["consistency"], "--old", log["old"],
                     "--new", log["new"], "--key", log["key"])
    assert code == 0, out
    assert "still starts with the 13 entries" in out


def test_the_verifier_recomputes_hashes_exactly_as_the_platform_does(log):
    for line in _lines(log["export"])[1:]:
        entry = json.loads(line)
        assert verifier.entry_hash(entry) == entry["hash"] == entry_hash(EntryFields(**entry))


# --- an edited, deleted or reordered entry is named ------------------------------------


def _edited(lines):
    entry = json.loads(lines[7])
    entry["payload"] = entry["payload"].replace("金点子", "银点子")
    return lines[:7] + [json.dumps(entry, ensure_ascii=False)] + lines[8:]


def _renumbered(lines):
    """Entries 7 and 8 swapped, and their seq fields swapped back to look in order."""
    seventh, eighth = json.loads(lines[7]), json.loads(lines[8])
    seventh["seq"], eighth["seq"] = 8, 7
    return lines[:7] + [json.dumps(eighth), json.dumps(seventh)] + lines[9:]


TAMPERING = {
    "edited": (_edited, "seq 7: the entry's fields do not hash to its stored hash"),
    "deleted": (lambda lines: lines[:7] + lines[8:], "seq 7: entry missing"),
    "reordered": (lambda lines: lines[:7] + [lines[8], lines[7]] + lines[9:],
                  "seq 7: entry missing (deleted or moved): seq 6 is followed by seq 8"),
    "reordered-and-renumbered": (_renumbered, "seq 7: prev_hash does not link to seq 6"),
    "duplicated": (lambda lines: lines[:8] + [lines[7]] + lines[8:],
                   "seq 7: entry out of order"),
    "truncated": (lambda lines: lines[:-3], "seq 18: the export ends at seq 17"),
}


@pytest.mark.parametrize("case", TAMPERING, ids=TAMPERING.keys())
def test_a_tampered_export_fails_and_names_the_entry(capsys, log, tmp_path, case):
    change, named = TAMPERING[case]
    path = _write(tmp_path / f"{case}.jsonl", change(_lines(log["export"])))
    code, out = _verify_export(capsys, log, path)
    assert code == 1 and "FAIL: " + named in out, out


def test_a_deleted_entry_in_the_public_hash_export_is_named_too(capsys, log, tmp_path):
    lines = _lines(log["hashes"])
    path = _write(tmp_path / "deleted.jsonl", lines[:4] + lines[5:])
    code, out = _verify_export(capsys, log, path)
    assert code == 1 and "FAIL: seq 4: entry missing" in out


def test_an_edit_hidden_by_rehashing_the_chain_fails_against_the_signed_root(capsys, log,
                                                                           tmp_path):
    """A forger who edits entry 7 and recomputes every hash after it keeps a chain that links,
    but not the signed Merkle root: the checkpoint pins the whole prefix."""
    lines, prev = _lines(log["export"]), "0" * 64
    forged = [lines[0]]
    for line in lines[1:]:
        entry = json.loads(line)
        if entry["seq"] == 7:
            entry["payload"] = entry["payload"].replace("金点子", "银点子")
        entry["prev_hash"] = prev
        entry["hash"] = prev = verifier.entry_hash(entry)
        forged.append(json.dumps(entry, ensure_ascii=False))
    forged[0] = json.dumps({"head": {"seq": 20, "hash": prev}})
    code, out = _verify_export(capsys, log, _write(tmp_path / "forged.jsonl", forged))
    assert code == 1
    assert "FAIL: the first 13 entries do not hash to the signed checkpoint's root" in out


# --- checkpoints and proofs that are not what they claim -------------------------------


def _foreign_note(log) -> str:
    """The latest checkpoint re-signed by another key under the same name."""
    text, _signatures = split_note(log["new"].read_text())
    head = parse_checkpoint(text)
    return sign_checkpoint(head, Signer.generate(head.origin))


def test_a_checkpoint_signed_by_another_key_is_refused(capsys, log, tmp_path):
    foreign = tmp_path / "foreign"
    foreign.write_text(_foreign_note(log))
    for args in (("checkpoint", foreign), ("export", log["export"], "--checkpoint", foreign),
                 ("inclusion", log["inclusion"], "--checkpoint", foreign)):
        code, out = _run(capsys, *args, "--key", log["key"])
        assert code == 1 and "is not signed by the key" in out and "refused" in out, args


def test_an_altered_checkpoint_fails_its_signature(capsys, log, tmp_path):
    altered = tmp_path / "altered"
    altered.write_text(log["new"].read_text().replace("\n20\n", "\n19\n", 1))
    code, out = _run(capsys, "checkpoint", altered, "--key", log["key"])
    assert code == 1 and "invalid: the checkpoint was altered" in out


def test_an_inclusion_proof_for_another_entry_or_checkpoint_fails(capsys, log):
    code, out = _run(capsys, "inclusion", log["inclusion"], "--checkpoint", log["new"],
                     "--key", log["key"], "--entry-hash", "ab" * 32)
    assert code == 1 and "FAIL: seq 7: the proof is for entry hash" in out
    code, out = _run(capsys, "inclusion", log["inclusion"], "--checkpoint", log["old"],
                     "--key", log["key"])
    assert code == 1 and "the proof is for a tree of 20 entries, the checkpoint signs 13" in out


def test_a_doctored_inclusion_proof_fails(capsys, log, tmp_path):
    proof = json.loads(log["inclusion"].read_text())
    proof["inclusion_path"][1] = proof["inclusion_path"][0]
    doctored = tmp_path / "doctored.json"
    doctored.write_text(json.dumps(proof))
    code, out = _run(capsys, "inclusion", doctored, "--checkpoint", log["new"], "--key",
                     log["key"])
    assert code == 1 and "FAIL: seq 7: the inclusion proof does not lead to the signed root" in out


def test_a_consistency_proof_against_a_forged_old_checkpoint_fails(capsys, log, tmp_path):
    proof = json.loads(log["consistency"].read_text())
    proof["consistency_path"][0] = proof["consistency_path"][-1]
    doctored = tmp_path / "doctored.json"
    doctored.write_text(json.dumps(proof))
    code, out = _run(capsys, "consistency", doctored, "--old", log["old"], "--new", log["new"],
                     "--key", log["key"])
    assert code == 1 and "FAIL: the proof does not lead to the old checkpoint's root" in out
    code, out = _run(capsys, "consistency", log["consistency"], "--old", log["new"],
                     "--new", log["old"], "--key", log["key"])
    assert code == 1 and "the proof is from 13 to 20" in out


# --- it stands alone -------------------------------------------------------------------


def test_the_verifier_imports_only_the_standard_library_and_cryptography():
    tree = ast.parse(TOOL.read_text(encoding="utf-8"))
    roots = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            roots.add((node.module or "").split(".")[0])
    assert roots - set(sys.stdlib_module_names) == {"cryptography"}


def test_the_verifier_runs_as_a_script_outside_the_project(log, tmp_path):
    """Copied elsewhere and run in isolated mode (no project on the path), it still works."""
    copy = tmp_path / "verify_audit.py"
    copy.write_text(TOOL.read_text(encoding="utf-8"), encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-I", str(copy), "export", str(log["hashes"]), "--checkpoint",
         str(log["new"]), "--key", log["key"].read_text().strip()],
        capture_output=True, text=True, cwd=tmp_path, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    assert "OK: 20 entries" in result.stdout


def test_the_example_checkpoint_in_the_documentation_verifies_with_its_key():
    text = (config.REPO_ROOT / "docs" / "verify.md").read_text(encoding="utf-8")
    block = text.split("```\njindianzi.local/audit\n", 1)[1].split("```", 1)[0]
    key = text.split("the throw-away key of the example above is\n`", 1)[1].split("`", 1)[0]
    origin, size, _root = verifier.open_checkpoint("jindianzi.local/audit\n" + block, key)
    assert (origin, size) == ("jindianzi.local/audit", 4211)


def test_the_verifier_opens_the_published_example_note_and_refuses_another_key():
    """The signed-note example key and note (golang.org/x/mod/sumdb/note, from which
    c2sp.org/signed-note is taken), checked by the verifier's own code, not the platform's."""
    from tests.domain.test_signed_note import (
        ENOCH_SIG,
        ENOCH_VKEY,
        NOTE,
        PETER_SIG,
        PETER_VKEY,
        TEXT,
    )

    assert verifier.open_note(NOTE, PETER_VKEY) == TEXT
    assert verifier.open_note(TEXT + "\n" + PETER_SIG + ENOCH_SIG, PETER_VKEY) == TEXT
    assert verifier.open_note(TEXT + "\n" + ENOCH_SIG, ENOCH_VKEY) == TEXT
    with pytest.raises(verifier.Failure, match="is not signed by the key PeterNeumann"):
        verifier.open_note(TEXT + "\n" + ENOCH_SIG, PETER_VKEY)
    with pytest.raises(verifier.Failure, match="the checkpoint was altered"):
        verifier.open_note(NOTE.replace("cryptography", "cryptographY"), PETER_VKEY)
