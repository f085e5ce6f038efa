#!/usr/bin/env python3
"""Check the 金点子 platform's audit log offline: one file, the standard library + cryptography.

It trusts nothing the platform says except a verifier key you obtained yourself (from the
published notice, the portal's ``/log/key``, a PDF you kept). With it, it checks:

* ``export``: an export (``flask audit export``, ``/log/entries.jsonl`` or the public
  ``/log/hashes.jsonl``) against one or more signed checkpoints: every entry hash recomputed
  from its fields (full exports), every ``prev_hash`` link, no entry missing, moved or added
  before the head, and the RFC 6962 Merkle root of the first *size* entries equal to each
  checkpoint's signed root. The first bad ``seq`` is named with what is wrong there.
* ``inclusion``: an inclusion proof (``/log/proof/inclusion``) against a checkpoint, optionally
  for the entry hash you hold (``--entry-hash``, e.g. the one printed on a PDF).
* ``consistency``: a consistency proof (``/log/proof/consistency``) between an old and a new
  checkpoint: the new log still starts with everything the old one signed.
* ``checkpoint``: just a checkpoint note and its signature.

Exit status 0 when everything checks, 1 with the reason otherwise. See docs/verify.md.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import hashlib
import json
import sys
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

GENESIS = "0" * 64
FIELDS = ("seq", "ts_utc", "actor_id", "actor_role", "action", "object_type", "object_id",
          "payload", "prev_hash", "hash")


class Failure(Exception):
    """Verification failed; the message says where and why."""


# --- signed notes and checkpoints (c2sp.org/signed-note, c2sp.org/tlog-checkpoint) ---------


def _b64(text: str) -> bytes:
    try:
        data = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as error:
        raise Failure(f"malformed base64 {text[:20]!r}") from error
    if base64.b64encode(data).decode() != text:
        raise Failure(f"non-canonical base64 {text[:20]!r}")
    return data


def parse_vkey(vkey: str) -> tuple[str, bytes, bytes]:
    """``name+keyid+base64(0x01||key)`` → (name, 4-byte key id, 32-byte Ed25519 key)."""
    parts = vkey.strip().split("+", 2)
    if len(parts) != 3 or not parts[0] or any(c.isspace() for c in parts[0]):
        raise Failure("malformed verifier key")
    name, hex_id, raw = parts[0], parts[1], _b64(parts[2])
    if len(raw) != 33 or raw[0] != 0x01:
        raise Failure("the verifier key is not an Ed25519 key")
    key_id = hashlib.sha256(name.encode() + b"\n" + raw).digest()[:4]
    if key_id.hex() != hex_id:
        raise Failure("the verifier key's id does not match its key")
    return name, key_id, raw[1:]


def open_note(note: str, vkey: str) -> str:
    """The text of a signed note once the key's Ed25519 signature on it checks."""
    name, key_id, public = parse_vkey(vkey)
    cut = note.rfind("\n\n")
    if not note.endswith("\n") or cut < 0:
        raise Failure("the checkpoint is not a signed note")
    text, lines = note[: cut + 1], note[cut + 2:-1].split("\n")
    if any(c < " " and c != "\n" for c in text):
        raise Failure("the checkpoint text holds control characters")
    signers, good = [], False
    for line in lines:
        signer, _, blob = line.removeprefix("\u2014 ").partition(" ")
        if not line.startswith("\u2014 ") or not blob:
            raise Failure(f"malformed signature line {line[:40]!r}")
        raw = _b64(blob)
        signers.append(f"{signer}+{raw[:4].hex()}")
        if signer != name or raw[:4] != key_id:
            continue
        try:
            Ed25519PublicKey.from_public_bytes(public).verify(raw[4:], text.encode())
        except InvalidSignature as error:
            raise Failure(f"the signature of {name}+{key_id.hex()} on the checkpoint is "
                          "invalid: the checkpoint was altered") from error
        good = True
    if not good:
        raise Failure(f"the checkpoint is not signed by the key {name}+{key_id.hex()} "
                      f"(it is signed by {', '.join(signers) or 'nobody'}): refused")
    return text


def open_checkpoint(note: str, vkey: str, origin: str | None = None) -> tuple[str, int, bytes]:
    """(origin, size, root) of a checkpoint note signed by ``vkey``, for log ``origin``
    (default: the key's name, which is how the platform names its log)."""
    lines = open_note(note, vkey).split("\n")
    if len(lines) < 4 or not lines[1].isascii() or not lines[1].isdigit() or (
            len(lines[1]) > 1 and lines[1][0] == "0"):
        raise Failure("the checkpoint text is not origin / size / root")
    root = _b64(lines[2])
    if len(root) != 32:
        raise Failure("the checkpoint's root is not a SHA-256 hash")
    expected = origin or parse_vkey(vkey)[0]
    if lines[0] != expected:
        raise Failure(f"the checkpoint is for log {lines[0]!r}, not {expected!r}")
    return lines[0], int(lines[1]), root


# --- the RFC 6962 Merkle tree -----------------------------------------------------------------


def leaf_hash(data: bytes) -> bytes:
    """SHA-256(0x00 || data)."""
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """SHA-256(0x01 || left || right)."""
    return hashlib.sha256(b"\x01" + left + right).digest()


class Tree:
    """Leaves appended one at a time; the root of everything so far at any moment."""

    def __init__(self) -> None:
        self.size, self.stack = 0, []

    def append(self, data: bytes) -> None:
        """Add the next leaf, merging complete subtrees of equal size."""
        digest, width = leaf_hash(data), 1
        while self.stack and self.stack[-1][0] == width:
            digest, width = node_hash(self.stack.pop()[1], digest), width * 2
        self.stack.append((width, digest))
        self.size += 1

    def root(self) -> bytes:
        """RFC 6962 MTH of the leaves so far (the stack folded from the right)."""
        if not self.stack:
            return hashlib.sha256(b"").digest()
        digest = self.stack[-1][1]
        for _width, left in reversed(self.stack[:-1]):
            digest = node_hash(left, digest)
        return digest


def root_from_inclusion(index: int, size: int, leaf: bytes, path: list[bytes]) -> bytes:
    """RFC 9162 §2.1.3.2."""
    if not 0 <= index < size:
        raise Failure(f"leaf {index} is not in a tree of {size}")
    fn, sn, digest = index, size - 1, leaf
    for sibling in path:
        if sn == 0:
            raise Failure("the inclusion proof is too long")
        if fn & 1 or fn == sn:
            digest = node_hash(sibling, digest)
            while not fn & 1 and fn:
                fn, sn = fn >> 1, sn >> 1
        else:
            digest = node_hash(digest, sibling)
        fn, sn = fn >> 1, sn >> 1
    if sn:
        raise Failure("the inclusion proof is too short")
    return digest


def check_consistency(m: int, n: int, old: bytes, new: bytes, path: list[bytes]) -> None:
    """RFC 9162 §2.1.4.2 (with the trivial cases m = 0 and m = n)."""
    if not 0 <= m <= n:
        raise Failure(f"a tree of {m} cannot be a prefix of a tree of {n}")
    if m in (0, n):
        if path or (m == n and old != new):
            raise Failure("the two checkpoints disagree")
        return
    if not path:
        raise Failure("the consistency proof is empty")
    path = ([old] if m & (m - 1) == 0 else []) + path
    fn, sn = m - 1, n - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise Failure("the consistency proof is too long")
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            while not fn & 1 and fn:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    if sn or fr != old:
        raise Failure(f"the proof does not lead to the old checkpoint's root: the first {m} "
                      "entries were changed")
    if sr != new:
        raise Failure("the proof does not lead to the new checkpoint's root")


# --- the audit chain ------------------------------------------------------------------------


def entry_hash(entry: dict) -> str:
    """sha256 of the fields joined by 0x1F, as grants.domain.audit.entry_hash defines it."""
    def text(value):
        """An optional id as decimal text, or empty."""
        return "" if value is None else str(value)

    parts = (entry["prev_hash"], str(entry["seq"]), entry["ts_utc"], text(entry["actor_id"]),
             entry["actor_role"], entry["action"], entry["object_type"],
             text(entry["object_id"]), entry["payload"])
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


def _entries(path: Path):
    """The head line and then each entry line of an export, as dicts."""
    with path.open(encoding="utf-8") as handle:
        try:
            head = json.loads(handle.readline() or "{}").get("head") or {}
        except json.JSONDecodeError as error:
            raise Failure("the export's first line is not its head line") from error
        yield head
        for number, line in enumerate(handle, start=2):
            if line.strip():
                try:
                    yield json.loads(line)
                except json.JSONDecodeError as error:
                    raise Failure(f"line {number} of the export is not JSON") from error


def _check_entry(entry: dict, expected: int, prev: str, full: bool) -> None:
    """One entry in its place: the next seq, linked to the previous hash, hashing to itself."""
    seq = entry.get("seq")
    if not isinstance(seq, int) or isinstance(seq, bool):
        raise Failure(f"seq {expected}: the entry after seq {expected - 1} has no valid seq")
    if seq > expected:
        raise Failure(f"seq {expected}: entry missing (deleted or moved): seq {expected - 1} "
                      f"is followed by seq {seq}")
    if seq < expected:
        raise Failure(f"seq {seq}: entry out of order (reordered or duplicated): it comes "
                      f"after seq {expected - 1}")
    if entry.get("prev_hash") != prev:
        raise Failure(f"seq {seq}: prev_hash does not link to seq {seq - 1}'s hash "
                      "(an entry before it was changed, removed or moved)")
    if full:
        if any(name not in entry for name in FIELDS):
            raise Failure(f"seq {seq}: the entry lacks some of its fields")
        if entry_hash(entry) != entry.get("hash"):
            raise Failure(f"seq {seq}: the entry's fields do not hash to its stored hash "
                          "(the entry was edited)")


def verify_export(path: Path, checkpoints: list[tuple[str, int, bytes]]) -> list[str]:
    """Walk an export once; fail at the first bad seq; report what was checked."""
    wanted = sorted({size for _origin, size, _root in checkpoints})
    roots = {size: root for _origin, size, root in checkpoints}
    entries = _entries(path)
    head = next(entries)
    tree, prev, full, matched = Tree(), GENESIS, None, []
    while wanted and wanted[0] == 0:
        _check_root(tree, roots[wanted.pop(0)], matched)
    for entry in entries:
        full = "payload" in entry if full is None else full
        _check_entry(entry, tree.size + 1, prev, full)
        digest = entry.get("hash")
        if not isinstance(digest, str) or len(digest) != 64 or digest.strip("0123456789abcdef"):
            raise Failure(f"seq {entry['seq']}: the hash is not 64 lower-case hex digits")
        tree.append(bytes.fromhex(digest))
        prev = digest
        while wanted and wanted[0] == tree.size:
            _check_root(tree, roots[wanted.pop(0)], matched)
    if wanted:
        raise Failure(f"seq {tree.size + 1}: the export ends at seq {tree.size} but a "
                      f"checkpoint covers {wanted[0]} entries (entries missing at the end)")
    if head.get("seq") != tree.size or head.get("hash", prev) != prev:
        raise Failure(f"seq {tree.size}: the export's head line (seq {head.get('seq')}) does "
                      "not match its last entry (entries missing at the end)")
    kind = "entry hashes recomputed from their fields" if full else "hashes only, contents not checked"
    return [f"OK: {tree.size} entries chain from seq 1 ({kind})", *matched]


def _check_root(tree: Tree, root: bytes, matched: list[str]) -> None:
    if tree.root() != root:
        raise Failure(f"the first {tree.size} entries do not hash to the signed checkpoint's "
                      "root: the log was rewritten at or before seq "
                      f"{tree.size}, and its chain recomputed to hide it")
    matched.append(f"OK: the Merkle root of entries 1-{tree.size} is the signed root "
                   f"{base64.b64encode(root).decode()}")


# --- the command line ------------------------------------------------------------------------


def _key(value: str) -> str:
    """A verifier key given inline or as a file holding it."""
    path = Path(value)
    return path.read_text(encoding="utf-8").strip() if path.is_file() else value


def _note(path: str) -> str:
    return Path(path).read_text(encoding="utf-8")


def _proof(path: str) -> dict:
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise Failure(f"{path} is not a JSON proof") from error


def cmd_checkpoint(args) -> list[str]:
    """``checkpoint``: the note's signature and what it says."""
    origin, size, root = open_checkpoint(_note(args.checkpoint), _key(args.key), args.origin)
    return [f"OK: checkpoint of {origin}: {size} entries, root "
            f"{base64.b64encode(root).decode()}, signed by {_key(args.key).split('+')[0]}"]


def cmd_export(args) -> list[str]:
    """``export``: an export against every checkpoint given."""
    key = _key(args.key)
    heads = [open_checkpoint(_note(note), key, args.origin) for note in args.checkpoint]
    return verify_export(Path(args.export), heads)


def cmd_inclusion(args) -> list[str]:
    """``inclusion``: an inclusion proof against a checkpoint (and the entry hash held)."""
    _origin, size, root = open_checkpoint(_note(args.checkpoint), _key(args.key), args.origin)
    proof = _proof(args.proof)
    if proof.get("tree_size") != size:
        raise Failure(f"the proof is for a tree of {proof.get('tree_size')} entries, the "
                      f"checkpoint signs {size}")
    if args.entry_hash and args.entry_hash.lower() != proof.get("entry_hash"):
        raise Failure(f"seq {proof.get('seq')}: the proof is for entry hash "
                      f"{proof.get('entry_hash')}, not {args.entry_hash}")
    seq = proof.get("seq")
    leaf = leaf_hash(bytes.fromhex(proof["entry_hash"]))
    path = [_b64(h) for h in proof.get("inclusion_path", [])]
    if root_from_inclusion(seq - 1, size, leaf, path) != root:
        raise Failure(f"seq {seq}: the inclusion proof does not lead to the signed root")
    return [f"OK: entry seq {seq} (hash {proof['entry_hash']}) is in the signed log of "
            f"{size} entries"]


def cmd_consistency(args) -> list[str]:
    """``consistency``: a consistency proof between an old and a new checkpoint."""
    key = _key(args.key)
    _o, old_size, old_root = open_checkpoint(_note(args.old), key, args.origin)
    _o, new_size, new_root = open_checkpoint(_note(args.new), key, args.origin)
    proof = _proof(args.proof)
    if (proof.get("first"), proof.get("second")) != (old_size, new_size):
        raise Failure(f"the proof is from {proof.get('first')} to {proof.get('second')}, the "
                      f"checkpoints are {old_size} and {new_size}")
    path = [_b64(h) for h in proof.get("consistency_path", [])]
    check_consistency(old_size, new_size, old_root, new_root, path)
    return [f"OK: the log of {new_size} entries still starts with the {old_size} entries "
            "signed earlier"]


def parser() -> argparse.ArgumentParser:
    """The command line: one sub-command per kind of check."""
    top = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = top.add_subparsers(dest="command", required=True)
    one = sub.add_parser("checkpoint", help="check a checkpoint's signature")
    one.add_argument("checkpoint")
    one.set_defaults(run=cmd_checkpoint)
    export = sub.add_parser("export", help="check an export against checkpoints")
    export.add_argument("export")
    export.add_argument("--checkpoint", action="append", required=True,
                        help="a checkpoint note file (repeat for several)")
    export.set_defaults(run=cmd_export)
    inclusion = sub.add_parser("inclusion", help="check an inclusion proof")
    inclusion.add_argument("proof")
    inclusion.add_argument("--checkpoint", required=True)
    inclusion.add_argument("--entry-hash", help="the entry hash you hold (e.g. from a PDF)")
    inclusion.set_defaults(run=cmd_inclusion)
    consistency = sub.add_parser("consistency", help="check a consistency proof")
    consistency.add_argument("proof")
    consistency.add_argument("--old", required=True)
    consistency.add_argument("--new", required=True)
    consistency.set_defaults(run=cmd_consistency)
    for command in (one, export, inclusion, consistency):
        command.add_argument("--key", required=True,
                             help="the verifier key, or a file holding it")
        command.add_argument("--origin", help="the log's expected origin (default: key name)")
    return top


def main(argv: list[str] | None = None) -> int:
    """Run one check; print what held, or FAIL and the reason."""
    args = parser().parse_args(argv)
    try:
        for line in args.run(args):
            print(line)
    except (Failure, OSError, KeyError, TypeError, ValueError) as error:
        print(f"FAIL: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
