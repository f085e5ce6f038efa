"""Signed notes (c2sp.org/signed-note) with Ed25519 keys: the envelope our checkpoints travel in.

A note is UTF-8 text ending in a newline, a blank line, then one line per signature::

    <text>\\n
    \\n
    — <key name> <base64(key id || signature)>\\n

The key id is the first four bytes of SHA-256(name || 0x0A || 0x01 || public key) for an
Ed25519 key (signature type 0x01), and the signature covers the text bytes, final newline
included. A verifier key is written ``<name>+<key id hex>+<base64(0x01 || public key)>``; the
matching signer key (as Go's ``golang.org/x/mod/sumdb/note`` reads it) is
``PRIVATE+KEY+<name>+<key id hex>+<base64(0x01 || seed)>``. So checkpoints signed here verify
with the Go tooling and with any C2SP verifier, and theirs verify here.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)

ALG_ED25519 = 0x01
SIGNATURE_PREFIX = "\u2014 "
PRIVATE_PREFIX = "PRIVATE+KEY+"
MAX_SIGNATURES = 100


class NoteError(ValueError):
    """A malformed note or key, or a note that the given key did not sign."""


def check_name(name: str) -> str:
    """A key name is non-empty and holds no whitespace and no ``+``."""
    if not name or "+" in name or any(ch.isspace() for ch in name):
        raise NoteError(f"malformed key name {name!r}")
    return name


def key_id(name: str, public_key: bytes) -> int:
    """The 32-bit key id of an Ed25519 key: SHA-256(name || 0x0A || 0x01 || key)[:4]."""
    digest = hashlib.sha256(name.encode() + b"\n" + bytes([ALG_ED25519]) + public_key).digest()
    return int.from_bytes(digest[:4], "big")


def _b64decode(text: str) -> bytes:
    """Strict standard base64 (padding required, no stray characters)."""
    try:
        data = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as error:
        raise NoteError("malformed base64") from error
    if base64.b64encode(data).decode() != text:
        raise NoteError("non-canonical base64")
    return data


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _parse_key(parts: list[str]) -> tuple[str, int, bytes]:
    """Name, key id and key bytes of ``name+hash+base64(0x01||key)``, the id checked."""
    if len(parts) != 3:
        raise NoteError("malformed key")
    name, hex_id, encoded = check_name(parts[0]), parts[1], parts[2]
    if len(hex_id) != 8 or any(ch not in "0123456789abcdef" for ch in hex_id):
        raise NoteError("malformed key id")
    raw = _b64decode(encoded)
    if len(raw) != 33 or raw[0] != ALG_ED25519:
        raise NoteError("unknown key algorithm or wrong key length")
    return name, int(hex_id, 16), raw[1:]


@dataclass(frozen=True)
class Verifier:
    """A public key that checks signatures: its name, key id and Ed25519 key bytes."""

    name: str
    key_id: int
    public_key: bytes

    @classmethod
    def parse(cls, vkey: str) -> Verifier:
        """Read a verifier key line ``name+hash+base64``, refusing a key whose id is wrong."""
        name, claimed, public_key = _parse_key(vkey.strip().split("+", 2))
        if key_id(name, public_key) != claimed:
            raise NoteError("the key id does not match the key")
        return cls(name, claimed, public_key)

    def vkey(self) -> str:
        """The verifier key line to publish."""
        return f"{self.name}+{self.key_id:08x}+{_b64(bytes([ALG_ED25519]) + self.public_key)}"

    def verify(self, message: bytes, signature: bytes) -> bool:
        """True when ``signature`` is this key's Ed25519 signature of ``message``."""
        try:
            Ed25519PublicKey.from_public_bytes(self.public_key).verify(signature, message)
        except (InvalidSignature, ValueError):
            return False
        return True


@dataclass(frozen=True)
class Signer:
    """A private key that signs notes, named like its verifier."""

    name: str
    seed: bytes

    @classmethod
    def generate(cls, name: str) -> Signer:
        """A fresh random Ed25519 key under ``name``."""
        key = Ed25519PrivateKey.generate()
        seed = key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
        return cls(check_name(name), seed)

    @classmethod
    def parse(cls, skey: str) -> Signer:
        """Read a ``PRIVATE+KEY+name+hash+base64(0x01||seed)`` line, checking its key id."""
        text = skey.strip()
        if not text.startswith(PRIVATE_PREFIX):
            raise NoteError("malformed signer key")
        name, claimed, seed = _parse_key(text[len(PRIVATE_PREFIX):].split("+", 2))
        signer = cls(name, seed)
        if signer.verifier().key_id != claimed:
            raise NoteError("the key id does not match the key")
        return signer

    def skey(self) -> str:
        """The signer key line to keep secret (the Go note package reads the same line)."""
        encoded = _b64(bytes([ALG_ED25519]) + self.seed)
        return f"{PRIVATE_PREFIX}{self.name}+{self.verifier().key_id:08x}+{encoded}"

    def verifier(self) -> Verifier:
        """The public half."""
        public = Ed25519PrivateKey.from_private_bytes(self.seed).public_key()
        raw = public.public_bytes(Encoding.Raw, PublicFormat.Raw)
        return Verifier(self.name, key_id(self.name, raw), raw)

    def sign(self, message: bytes) -> bytes:
        """The Ed25519 signature of ``message``."""
        return Ed25519PrivateKey.from_private_bytes(self.seed).sign(message)


def check_text(text: str) -> str:
    """Note text: non-empty, ends with a newline, no control characters but newlines."""
    if not text.endswith("\n") or any(ch < " " and ch != "\n" for ch in text):
        raise NoteError("malformed note text")
    return text


def sign_note(text: str, signer: Signer) -> str:
    """The signed note: the text, a blank line and the signer's signature line."""
    message = check_text(text).encode()
    blob = signer.verifier().key_id.to_bytes(4, "big") + signer.sign(message)
    return f"{text}\n{SIGNATURE_PREFIX}{signer.name} {_b64(blob)}\n"


@dataclass(frozen=True)
class Signature:
    """One signature line of a note: the signer's name, key id and raw signature."""

    name: str
    key_id: int
    signature: bytes


def split_note(note: str) -> tuple[str, list[Signature]]:
    """The text of a note and its signature lines, refusing anything malformed."""
    if "\r" in note or not note.endswith("\n"):
        raise NoteError("malformed note")
    cut = note.rfind("\n\n")
    if cut < 0:
        raise NoteError("malformed note: no signature block")
    text, block = check_text(note[: cut + 1]), note[cut + 2:]
    lines = block[:-1].split("\n") if block else []
    if not lines or len(lines) > MAX_SIGNATURES:
        raise NoteError("malformed note: no signatures, or too many")
    return text, [_signature(line) for line in lines]


def _signature(line: str) -> Signature:
    """Parse ``— name base64(key id || signature)``."""
    if not line.startswith(SIGNATURE_PREFIX):
        raise NoteError("malformed signature line")
    name, space, encoded = line[len(SIGNATURE_PREFIX):].partition(" ")
    if not space or " " in encoded:
        raise NoteError("malformed signature line")
    blob = _b64decode(encoded)
    if len(blob) < 5:
        raise NoteError("malformed signature")
    return Signature(check_name(name), int.from_bytes(blob[:4], "big"), blob[4:])


def open_note(note: str, verifier: Verifier) -> str:
    """The text of ``note`` once ``verifier``'s signature on it checks, else :class:`NoteError`.

    Signatures by other keys are ignored (a note may carry witnesses' cosignatures); a note
    that has none by this key, or a bad one, is refused.
    """
    text, signatures = split_note(note)
    mine = [s for s in signatures if (s.name, s.key_id) == (verifier.name, verifier.key_id)]
    if not mine:
        names = ", ".join(sorted({f"{s.name}+{s.key_id:08x}" for s in signatures}))
        raise NoteError(f"not signed by {verifier.name}+{verifier.key_id:08x} "
                        f"(signed by {names})")
    for signature in mine:
        if not verifier.verify(text.encode(), signature.signature):
            raise NoteError(f"invalid signature for key {verifier.name}+{verifier.key_id:08x}")
    return text
