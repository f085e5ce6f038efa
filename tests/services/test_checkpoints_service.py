"""Signing checkpoints of the audit log and serving proofs against them."""

from __future__ import annotations

import stat

import pytest

from grants.domain import merkle
from grants.domain.checkpoint import open_checkpoint
from grants.domain.signed_note import NoteError, Verifier
from grants.models.audit import AuditCheckpoint
from grants.services import Refusal, audit, checkpoints
from tests.checkpoint_support import edit_payload, rewrite_history, write_entries


def _entry_hashes() -> list[bytes]:
    return [bytes.fromhex(row[9]) for row in audit.iter_rows()]


def test_the_first_checkpoint_generates_a_private_key_and_signs_the_whole_log(any_app):
    write_entries(5)
    signed = checkpoints.sign()
    assert signed.created and signed.key_generated
    path = checkpoints.key_path()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_text().startswith("PRIVATE+KEY+jindianzi.local/audit+")
    row = signed.checkpoint
    head = open_checkpoint(row.note, Verifier.parse(row.verifier_key), "jindianzi.local/audit")
    assert head.size == 5 == row.tree_size
    assert head.root == merkle.root_of(_entry_hashes()) == bytes.fromhex(row.root_hash)


def test_signing_again_with_nothing_new_changes_nothing(app):
    write_entries(3)
    first = checkpoints.sign().checkpoint
    again = checkpoints.sign()
    assert not again.created and not again.key_generated and again.checkpoint.id == first.id
    assert AuditCheckpoint.query.count() == 1


def test_proofs_between_checkpoints_and_for_every_entry_verify(app):
    write_entries(7)
    old = checkpoints.sign().checkpoint
    write_entries(300, start=7)
    new = checkpoints.sign().checkpoint
    assert (old.tree_size, new.tree_size) == (7, 307)
    proof = checkpoints.consistency(7, 307)
    assert merkle.verify_consistency(7, 307, bytes.fromhex(old.root_hash),
                                     bytes.fromhex(new.root_hash), proof.path)
    for seq in (1, 7, 8, 256, 257, 307):
        included = checkpoints.inclusion(seq, 307)
        assert included.root == bytes.fromhex(new.root_hash)
        assert merkle.verify_inclusion(seq - 1, 307, included.leaf_hash, included.path,
                                       included.root), seq
    assert checkpoints.inclusion(3, 7).root == bytes.fromhex(old.root_hash)


@pytest.mark.parametrize(("call", "args"), [
    ("inclusion", (0, 4)), ("inclusion", (5, 4)), ("inclusion", (1, 5)),
    ("inclusion", (1, 2**31)), ("consistency", (3, 2)), ("consistency", (1, 5)),
    ("consistency", (-1, 2)),
], ids=lambda value: str(value))
def test_proofs_outside_the_log_are_refused_with_400(app, call, args):
    write_entries(4)
    with pytest.raises(Refusal) as refused:
        getattr(checkpoints, call)(*args)
    assert refused.value.status == 400


def test_a_lost_key_is_refused_once_checkpoints_exist_unless_a_new_one_is_asked_for(app):
    write_entries(2)
    old_key = checkpoints.sign().checkpoint.verifier_key
    checkpoints.key_path().unlink()
    write_entries(1, start=2)
    with pytest.raises(Refusal, match="找不到签名密钥"):
        checkpoints.sign()
    signed = checkpoints.sign(new_key=True)
    assert signed.created and signed.key_generated
    assert signed.checkpoint.verifier_key != old_key
    with pytest.raises(NoteError):
        open_checkpoint(signed.checkpoint.note, Verifier.parse(old_key))
    with pytest.raises(Refusal, match="已存在"):
        checkpoints.sign(new_key=True)


def test_a_key_file_others_can_read_is_refused(app):
    write_entries(1)
    checkpoints.sign()
    checkpoints.key_path().chmod(0o644)
    write_entries(1, start=1)
    with pytest.raises(Refusal, match="chmod 600"):
        checkpoints.sign()


def test_a_broken_chain_is_not_signed_and_its_first_bad_seq_is_named(app):
    write_entries(6)
    edit_payload(4)
    with pytest.raises(Refusal, match="第 4 条"):
        checkpoints.sign()
    assert AuditCheckpoint.query.count() == 0


def test_a_rewritten_log_that_chains_again_is_not_signed(app):
    write_entries(5)
    checkpoints.sign()
    rewrite_history(8)
    assert audit.verify_database().ok
    with pytest.raises(Refusal, match="前 5 条已不是"):
        checkpoints.sign()


def test_the_public_hash_pages_and_the_auditor_pages_stop_at_the_size(app):
    write_entries(5)
    rows = checkpoints.hash_page(3)
    assert [r[0] for r in rows] == [1, 2, 3] and rows[1][1] == rows[0][2]
    assert [r[0] for r in checkpoints.entry_page(4, after=1, limit=2)] == [2, 3]
    assert checkpoints.entry_page(4, after=3)[0] == next(r for r in audit.iter_rows() if r[0] == 4)
    with pytest.raises(Refusal):
        checkpoints.hash_page(6)


def test_a_checkpoint_already_covering_the_log_is_returned_without_the_key(app):
    write_entries(2)
    first = checkpoints.sign().checkpoint
    checkpoints.key_path().unlink()
    again = checkpoints.sign()
    assert not again.created and again.checkpoint.id == first.id
