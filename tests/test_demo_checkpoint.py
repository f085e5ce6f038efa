"""The demo leaves one checkpoint signed with a demo key, and seeding again adds none."""

from __future__ import annotations

import stat

from grants.domain.checkpoint import open_checkpoint
from grants.domain.signed_note import Verifier
from grants.models.audit import AuditCheckpoint
from grants.services import audit, checkpoints


def test_the_demo_log_is_signed_once_and_seeding_again_adds_nothing(demo_app):
    rows = AuditCheckpoint.query.all()
    assert len(rows) == 1
    head = open_checkpoint(rows[0].note, Verifier.parse(rows[0].verifier_key))
    assert head.size == audit.head()[0] > 100
    result = demo_app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    assert "audit checkpoint: +0" in result.output
    assert AuditCheckpoint.query.count() == 1


def test_the_demo_key_is_in_the_instance_folder_readable_by_its_owner_only(demo_template):
    key = demo_template.parent / checkpoints.KEY_FILE_NAME
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert key.read_text().startswith("PRIVATE+KEY+jindianzi.local/audit+")
