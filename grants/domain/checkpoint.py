"""Audit log checkpoints in the C2SP tlog-checkpoint format (c2sp.org/tlog-checkpoint).

A checkpoint is the text of a signed note holding a tree head of the audit log::

    <origin>\\n
    <tree size, decimal>\\n
    <base64 of the RFC 6962 root hash>\\n

The origin names the log (here the platform's ``AUDIT_LOG_ORIGIN``, also the signing key's
name); the size is how many audit entries the tree covers (entries ``seq`` 1 to size).
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass

from grants.domain.merkle import HASH_SIZE
from grants.domain.signed_note import (
    NoteError,
    Signer,
    Verifier,
    check_name,
    open_note,
    sign_note,
)


class CheckpointError(NoteError):
    """A note whose text is not a well-formed checkpoint."""


@dataclass(frozen=True)
class Checkpoint:
    """A tree head: the log's origin, its size and its root hash (32 raw bytes)."""

    origin: str
    size: int
    root: bytes

    @property
    def root_b64(self) -> str:
        """The root hash as the note prints it."""
        return base64.b64encode(self.root).decode()

    def text(self) -> str:
        """The checkpoint's note text (what is signed)."""
        if len(self.root) != HASH_SIZE or self.size < 0:
            raise CheckpointError("a checkpoint needs a 32-byte root and a size ≥ 0")
        return f"{check_name(self.origin)}\n{self.size}\n{self.root_b64}\n"


def parse_checkpoint(text: str) -> Checkpoint:
    """Read a checkpoint's note text; extension lines after the third are allowed and ignored."""
    lines = text.split("\n")
    if len(lines) < 4 or lines[-1] != "" or any(not line for line in lines[:-1]):
        raise CheckpointError("a checkpoint has at least three non-empty lines")
    origin, size_text, root_text = lines[0], lines[1], lines[2]
    if not size_text.isascii() or not size_text.isdigit() or (
            size_text != "0" and size_text.startswith("0")):
        raise CheckpointError(f"malformed tree size {size_text!r}")
    try:
        root = base64.b64decode(root_text, validate=True)
    except (binascii.Error, ValueError) as error:
        raise CheckpointError("malformed root hash") from error
    if len(root) != HASH_SIZE or base64.b64encode(root).decode() != root_text:
        raise CheckpointError("malformed root hash")
    return Checkpoint(origin, int(size_text), root)


def sign_checkpoint(checkpoint: Checkpoint, signer: Signer) -> str:
    """The signed note of a checkpoint."""
    return sign_note(checkpoint.text(), signer)


def open_checkpoint(note: str, verifier: Verifier, origin: str | None = None) -> Checkpoint:
    """The checkpoint in ``note`` once ``verifier``'s signature checks (and its origin, if
    given, is the expected log); raises :class:`NoteError` otherwise."""
    checkpoint = parse_checkpoint(open_note(note, verifier))
    if origin is not None and checkpoint.origin != origin:
        raise CheckpointError(f"checkpoint of log {checkpoint.origin!r}, expected {origin!r}")
    return checkpoint
