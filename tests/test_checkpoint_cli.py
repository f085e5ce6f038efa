"""`flask audit checkpoint`: signs from cron, idempotent, refuses a broken chain or lost key."""

from __future__ import annotations

from grants.domain.checkpoint import open_checkpoint
from grants.domain.signed_note import Verifier
from grants.services import checkpoints
from tests.checkpoint_support import edit_payload, write_entries


def _checkpoint(app, *args):
    return app.test_cli_runner().invoke(args=["audit", "checkpoint", *args])


def test_the_command_signs_prints_the_note_and_key_and_is_idempotent(app):
    write_entries(4)
    first = _checkpoint(app)
    assert first.exit_code == 0, first.output
    assert "signed: checkpoint #1 of 4 entries" in first.output
    assert "generated a new signing key" in first.output
    body = first.output.split("signed: checkpoint #1 of 4 entries\n")[1]
    note, vkey = body.split("verifier key: ")
    assert open_checkpoint(note, Verifier.parse(vkey.strip())).size == 4
    again = _checkpoint(app)
    assert again.exit_code == 0 and "unchanged: checkpoint #1 of 4 entries" in again.output
    write_entries(1, start=4)
    assert "signed: checkpoint #2 of 5 entries" in _checkpoint(app).output


def test_a_broken_chain_or_a_lost_key_exits_1_with_the_reason(app):
    write_entries(3)
    assert _checkpoint(app).exit_code == 0
    checkpoints.key_path().unlink()
    write_entries(1, start=3)
    lost = _checkpoint(app)
    assert lost.exit_code == 1 and "REFUSED: 找不到签名密钥文件" in lost.output
    assert _checkpoint(app, "--new-key").exit_code == 0
    edit_payload(2)
    broken = _checkpoint(app)
    assert broken.exit_code == 1 and "第 2 条" in broken.output
