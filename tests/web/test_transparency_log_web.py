"""The public audit log routes: checkpoint notes, the key, proofs, exports and bad input."""

from __future__ import annotations

import base64
import json

import pytest

from grants.domain import merkle
from grants.domain.checkpoint import open_checkpoint
from grants.domain.signed_note import Verifier
from grants.services import checkpoints
from tests.checkpoint_support import write_entries
from tests.helpers import create_user, login_as


@pytest.fixture
def signed(app):
    """A log with a checkpoint at 5 entries and a newer one at 12."""
    write_entries(5)
    old = checkpoints.sign().checkpoint
    write_entries(7, start=5)
    new = checkpoints.sign().checkpoint
    return old, new


def _b64(text: str) -> bytes:
    return base64.b64decode(text)


def test_the_latest_checkpoint_and_its_key_are_plain_text_and_verify(client, signed):
    note = client.get("/log/checkpoint")
    key = client.get("/log/key")
    assert note.mimetype == key.mimetype == "text/plain"
    head = open_checkpoint(note.get_data(as_text=True),
                           Verifier.parse(key.get_data(as_text=True)))
    assert head.size == 12
    old = client.get("/log/checkpoints/5").get_data(as_text=True)
    assert open_checkpoint(old, Verifier.parse(key.get_data(as_text=True))).size == 5
    listed = client.get("/log/checkpoints").get_json()["checkpoints"]
    assert [c["tree_size"] for c in listed] == [12, 5]
    assert listed[0]["url"].endswith("/log/checkpoints/12")


def test_an_inclusion_proof_from_the_web_verifies_against_the_signed_root(client, signed):
    _old, new = signed
    proof = client.get("/log/proof/inclusion?seq=3").get_json()
    assert (proof["tree_size"], proof["leaf_index"]) == (12, 2)
    assert proof["checkpoint"].endswith("/log/checkpoints/12")
    leaf = merkle.leaf_hash(bytes.fromhex(proof["entry_hash"]))
    assert base64.b64encode(leaf).decode() == proof["leaf_hash"]
    path = [_b64(h) for h in proof["inclusion_path"]]
    assert merkle.verify_inclusion(2, 12, leaf, path, bytes.fromhex(new.root_hash))


def test_a_consistency_proof_from_the_web_links_the_old_and_new_checkpoints(client, signed):
    old, new = signed
    proof = client.get("/log/proof/consistency?first=5&second=12").get_json()
    path = [_b64(h) for h in proof["consistency_path"]]
    assert merkle.verify_consistency(5, 12, bytes.fromhex(old.root_hash),
                                     bytes.fromhex(new.root_hash), path)
    assert proof["first_checkpoint"].endswith("/5")


def test_the_public_hash_export_holds_hashes_only(client, signed):
    response = client.get("/log/hashes.jsonl?size=5", buffered=True)
    lines = [json.loads(line) for line in response.get_data(as_text=True).splitlines()]
    assert response.mimetype == "application/x-ndjson"
    assert lines[0]["head"]["seq"] == 5 and len(lines) == 6
    assert set(lines[1]) == {"seq", "prev_hash", "hash"}
    assert lines[0]["head"]["hash"] == lines[-1]["hash"]


def test_the_full_entry_export_is_for_auditors_only(client, signed):
    assert client.get("/log/entries.jsonl").status_code == 302
    create_user("sun", "auditor")
    login_as(client, "sun")
    lines = client.get("/log/entries.jsonl", buffered=True).get_data(as_text=True).splitlines()
    assert len(lines) == 13 and "payload" in json.loads(lines[1])


def test_the_page_shows_the_latest_checkpoint(client, signed):
    page = client.get("/log/").get_data(as_text=True)
    assert "审计日志检查点" in page and signed[1].verifier_key in page


def test_before_the_first_checkpoint_notes_and_keys_are_404(client):
    assert client.get("/log/checkpoint").status_code == 404
    assert client.get("/log/key").status_code == 404
    assert client.get("/log/").status_code == 200


BAD = [
    "/log/proof/inclusion?seq=13", "/log/proof/inclusion?seq=0", "/log/proof/inclusion",
    "/log/proof/inclusion?seq=abc", "/log/proof/inclusion?seq=1&size=13",
    "/log/proof/inclusion?seq=2147483648", "/log/proof/inclusion?seq=1&size=-1",
    "/log/proof/inclusion?seq=１", "/log/proof/inclusion?seq=1&size=99999999999999999999",
    "/log/proof/inclusion?seq=" + "9" * 5000,
    "/log/proof/consistency?first=6&second=5", "/log/proof/consistency?first=x",
    "/log/proof/consistency?first=1&second=13", "/log/hashes.jsonl?size=13",
    "/log/hashes.jsonl?size=1e3",
]


@pytest.mark.parametrize("url", BAD, ids=[url[:60] for url in BAD])
def test_bad_input_gets_a_400_that_says_why(client, signed, url):
    response = client.get(url)
    assert response.status_code == 400, response.data
    body = response.get_json()["error"] if response.is_json else response.get_data(as_text=True)
    assert "必须" in body or "数字过长：最多 40 位" in body  # the guard refuses 5,000 digits


@pytest.mark.parametrize("url", ["/log/checkpoints/6", "/log/checkpoints/2147483648",
                                 "/log/checkpoints/99999999999999999999"])
def test_a_size_without_a_checkpoint_is_404(client, signed, url):
    assert client.get(url).status_code == 404
