"""Signed notes and checkpoints: the signed-note spec's published example key and note
(golang.org/x/mod/sumdb/note's test vectors) reproduced byte for byte, malformed notes and
keys refused, and the C2SP tlog-checkpoint example body read."""

from __future__ import annotations

import pytest

from grants.domain import checkpoint as cp
from grants.domain import signed_note as sn

PETER_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
PETER_SKEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
ENOCH_VKEY = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop"
TEXT = ("If you think cryptography is the answer to your problem,\n"
        "then you don't know what your problem is.\n")
PETER_SIG = ("— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqf"
             "qdngotpRZb6KE6RyyBwJnAM=\n")
ENOCH_SIG = ("— EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGw"
             "nWLox33WWd1RvMc+QQ=\n")
NOTE = TEXT + "\n" + PETER_SIG


def test_the_published_keys_parse_with_their_key_ids():
    peter = sn.Verifier.parse(PETER_VKEY)
    assert (peter.name, peter.key_id) == ("PeterNeumann", 0xC74F20A3)
    assert peter.vkey() == PETER_VKEY
    assert sn.Verifier.parse(ENOCH_VKEY).key_id == 0xAF0CFE78
    signer = sn.Signer.parse(PETER_SKEY)
    assert signer.verifier() == peter and signer.skey() == PETER_SKEY


def test_signing_the_published_text_gives_the_published_note_byte_for_byte():
    assert sn.sign_note(TEXT, sn.Signer.parse(PETER_SKEY)) == NOTE


def test_the_published_note_opens_with_its_key_and_cosignatures_are_ignored():
    peter = sn.Verifier.parse(PETER_VKEY)
    assert sn.open_note(NOTE, peter) == TEXT
    assert sn.open_note(TEXT + "\n" + PETER_SIG + ENOCH_SIG, peter) == TEXT
    assert sn.open_note(TEXT + "\n" + ENOCH_SIG, sn.Verifier.parse(ENOCH_VKEY)) == TEXT


def test_a_note_signed_by_another_key_is_refused_and_names_who_signed_it():
    with pytest.raises(sn.NoteError, match=r"not signed by PeterNeumann\+c74f20a3.*EnochRoot"):
        sn.open_note(TEXT + "\n" + ENOCH_SIG, sn.Verifier.parse(PETER_VKEY))


@pytest.mark.parametrize("note", [
    NOTE.replace("cryptography", "cryptographY"),
    TEXT + "\n" + PETER_SIG[:40] + "ABCD" + PETER_SIG[40:],
], ids=["edited-text", "mangled-signature"])
def test_an_altered_note_fails_its_signature(note):
    with pytest.raises(sn.NoteError, match="invalid signature|malformed"):
        sn.open_note(note, sn.Verifier.parse(PETER_VKEY))


BAD_NOTES = {
    "no-signature-block": TEXT,
    "blank-line-only": TEXT + "\n",
    "no-final-newline": TEXT + "\n" + PETER_SIG[:-1],
    "control-character": "\x01" + TEXT + "\n" + PETER_SIG,
    "name-with-space": TEXT + "\n— Bad Name x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1F"
                              "FYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n",
    "unexpected-line": TEXT + "\n" + PETER_SIG + "Unexpected line.\n",
    "too-many-signatures": TEXT + "\n" + PETER_SIG * 101,
}


@pytest.mark.parametrize("note", BAD_NOTES.values(), ids=BAD_NOTES.keys())
def test_malformed_notes_are_refused(note):
    with pytest.raises(sn.NoteError):
        sn.open_note(note, sn.Verifier.parse(PETER_VKEY))


BAD_KEYS = {
    "wrong-id": "PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
    "wrong-length": "PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY==",
    "unknown-algorithm": "PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
    "truncated": PETER_VKEY[:-4],
    "no-name": PETER_VKEY[len("PeterNeumann"):],
    "upper-case-id": "PeterNeumann+C74F20A3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
    "extra-part": PETER_VKEY + "+x",
}


@pytest.mark.parametrize("vkey", BAD_KEYS.values(), ids=BAD_KEYS.keys())
def test_mangled_verifier_keys_are_refused(vkey):
    with pytest.raises(sn.NoteError):
        sn.Verifier.parse(vkey)


@pytest.mark.parametrize("skey", [PETER_SKEY[:-1], PETER_SKEY.replace("c74f20a3", "c74f20a4"),
                                  PETER_SKEY[len("PRIVATE+KEY+"):]],
                         ids=["truncated", "wrong-id", "no-prefix"])
def test_mangled_signer_keys_are_refused(skey):
    with pytest.raises(sn.NoteError):
        sn.Signer.parse(skey)


def test_a_generated_key_signs_notes_its_verifier_opens():
    signer = sn.Signer.generate("grants.example/audit")
    verifier = sn.Verifier.parse(signer.verifier().vkey())
    note = sn.sign_note("hello\n", signer)
    assert sn.open_note(note, verifier) == "hello\n"
    with pytest.raises(sn.NoteError):
        sn.open_note(note, sn.Verifier.parse(PETER_VKEY))


@pytest.mark.parametrize("name", ["", "a b", "a+b", "tab\there"])
def test_key_names_with_spaces_or_plus_are_refused(name):
    with pytest.raises(sn.NoteError):
        sn.Signer.generate(name)


# --- tlog-checkpoint bodies --------------------------------------------------------------

C2SP_BODY = "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"


def test_the_c2sp_example_checkpoint_body_reads_and_writes_back():
    head = cp.parse_checkpoint(C2SP_BODY)
    assert (head.origin, head.size) == ("example.com/behind-the-sofa", 20852163)
    assert head.text() == C2SP_BODY
    assert cp.parse_checkpoint(C2SP_BODY + "extension line\n") == head


@pytest.mark.parametrize("body", [
    "example.com/log\n20\n",
    "example.com/log\n020\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n",
    "example.com/log\n-1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n",
    "example.com/log\n２０\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n",
    "example.com/log\n20\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I\n",
    "example.com/log\n20\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jx\n",
    "example.com/log\n20\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n\n",
], ids=["two-lines", "leading-zero", "negative", "full-width-digits", "unpadded-root",
        "short-root", "blank-extension"])
def test_malformed_checkpoint_bodies_are_refused(body):
    with pytest.raises(cp.CheckpointError):
        cp.parse_checkpoint(body)


def test_a_signed_checkpoint_opens_only_with_its_key_and_origin():
    signer = sn.Signer.generate("grants.example/audit")
    head = cp.Checkpoint("grants.example/audit", 7, bytes(range(32)))
    note = cp.sign_checkpoint(head, signer)
    assert note.startswith(head.text() + "\n— grants.example/audit ")
    assert cp.open_checkpoint(note, signer.verifier(), "grants.example/audit") == head
    with pytest.raises(cp.CheckpointError, match="expected"):
        cp.open_checkpoint(note, signer.verifier(), "other.example/audit")
    with pytest.raises(sn.NoteError, match="not signed by"):
        cp.open_checkpoint(note, sn.Signer.generate("grants.example/audit").verifier())
