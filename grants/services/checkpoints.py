"""Signed checkpoints of the audit log, and the proofs anyone can check against them.

The audit entries, in ``seq`` order, are the leaves of an RFC 6962 Merkle tree
(:mod:`grants.domain.merkle`; leaf data = the entry's 32-byte hash). ``flask audit checkpoint``
(run from cron) verifies the chain, checks that the log still extends the last checkpoint,
and signs a C2SP checkpoint note (origin, size, root) with an Ed25519 key kept in a file outside
the database: ``AUDIT_LOG_KEY_FILE``, by default ``<instance>/audit-log.key`` (mode 0600,
generated on the first run). The web serves what was signed, so it never reads the private key.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from sqlalchemy import func, select

from grants.domain.audit import GENESIS_HASH
from grants.domain.checkpoint import Checkpoint, sign_checkpoint
from grants.domain.clock import utc_text
from grants.domain.i18n import msg
from grants.domain.merkle import (
    ProofError,
    TiledTree,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
)
from grants.domain.signed_note import NoteError, Signer
from grants.extensions import db
from grants.models import AuditEntry
from grants.models.audit import AuditCheckpoint
from grants.services import DB_INT_MAX, Refusal, audit, unit_of_work

KEY_FILE_NAME = "audit-log.key"
TILES = "audit_merkle_tiles"


# --------------------------------------------------------------------------- the signing key


def key_path() -> Path:
    """Where the signing key lives: ``AUDIT_LOG_KEY_FILE``, else ``<instance>/audit-log.key``."""
    configured = current_app.config.get("AUDIT_LOG_KEY_FILE")
    return Path(configured) if configured else Path(current_app.instance_path) / KEY_FILE_NAME


def _read_key(path: Path) -> Signer:
    """The signer in a key file that only its owner can read."""
    if path.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise Refusal(msg("签名密钥文件 {path} 的权限过宽，请执行 chmod 600", path=path), status=409)
    try:
        return Signer.parse(path.read_text(encoding="utf-8"))
    except (NoteError, UnicodeDecodeError) as error:
        raise Refusal(msg("签名密钥文件 {path} 无法读取：{error}", path=path, error=error),
                      status=409) from error


def _new_key(path: Path) -> Signer:
    """Generate a key named after ``AUDIT_LOG_ORIGIN`` and write it, readable by its owner only."""
    signer = Signer.generate(current_app.config.get("AUDIT_LOG_ORIGIN") or "jindianzi.local/audit")
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(signer.skey() + "\n")
    os.chmod(path, 0o600)
    return signer


def signing_key(new_key: bool = False) -> tuple[Signer, bool]:
    """The log's signer, and whether it was generated just now.

    The first run (no checkpoint yet) generates the key. Once checkpoints exist a missing key is
    refused, since a new key would not verify against what was published, unless ``new_key``
    asks for one (a lost or rotated key: the new verifier key must then be published again).
    """
    path = key_path()
    if path.exists():
        if new_key:
            raise Refusal(msg("签名密钥文件 {path} 已存在；轮换密钥前请先将其移走", path=path),
                          status=409)
        return _read_key(path), False
    if _count() and not new_key:
        raise Refusal(msg("找不到签名密钥文件 {path}，而已有检查点用原密钥签名；请恢复该文件，"
                          "或确认更换密钥（--new-key）", path=path), status=409)
    return _new_key(path), True


# ------------------------------------------------------------------------------- the tree


def _fetch(lo: int, hi: int) -> list[bytes]:
    """Leaf data of leaves ``lo`` to ``hi - 1``: the hashes of entries ``seq`` lo+1 to hi."""
    hashes = db.session.scalars(
        select(AuditEntry.hash).where(AuditEntry.seq > lo, AuditEntry.seq <= hi)
        .order_by(AuditEntry.seq))
    return [bytes.fromhex(value) for value in hashes]


def tree() -> TiledTree:
    """The audit log's Merkle tree, reading entries by range; complete tiles of 256 leaves are
    remembered for the life of the process (the table is append-only, so they never change)."""
    return TiledTree(_fetch, current_app.extensions.setdefault(TILES, {}))


# ------------------------------------------------------------------------------- checkpoints


@dataclass(frozen=True)
class Signed:
    """The outcome of :func:`sign`: the latest checkpoint, whether it is new, the key's fate."""

    checkpoint: AuditCheckpoint
    created: bool
    key_generated: bool = False


def _count() -> int:
    return db.session.scalar(select(func.count(AuditCheckpoint.id)))


def latest() -> AuditCheckpoint | None:
    """The newest checkpoint (largest tree, then latest signed), or None before the first."""
    query = select(AuditCheckpoint).order_by(AuditCheckpoint.tree_size.desc(),
                                             AuditCheckpoint.id.desc()).limit(1)
    return db.session.scalar(query)


def at_size(size: int) -> AuditCheckpoint | None:
    """The latest checkpoint signed at tree size ``size``, or None."""
    if not 0 <= size <= DB_INT_MAX:
        return None
    query = select(AuditCheckpoint).where(AuditCheckpoint.tree_size == size) \
        .order_by(AuditCheckpoint.id.desc()).limit(1)
    return db.session.scalar(query)


def recent(limit: int = 100) -> list[AuditCheckpoint]:
    """The newest checkpoints first."""
    query = select(AuditCheckpoint).order_by(AuditCheckpoint.tree_size.desc(),
                                             AuditCheckpoint.id.desc()).limit(limit)
    return list(db.session.scalars(query))


def head_of(row: AuditCheckpoint) -> Checkpoint:
    """A stored checkpoint as the domain's tree head (origin, size, root bytes)."""
    return Checkpoint(row.origin, row.tree_size, bytes.fromhex(row.root_hash))


def _check_extends(previous: AuditCheckpoint | None, size: int, hasher: TiledTree) -> None:
    """Refuse to sign a log that no longer starts with what the last checkpoint signed."""
    if previous is None:
        return
    if size < previous.tree_size:
        raise Refusal(msg("审计日志只有 {size} 条，比第 {id} 号检查点（{old} 条）还短",
                          size=size, id=previous.id, old=previous.tree_size), status=409)
    if hasher.root(previous.tree_size).hex() != previous.root_hash:
        raise Refusal(msg("审计日志的前 {old} 条已不是第 {id} 号检查点签名时的内容",
                          old=previous.tree_size, id=previous.id), status=409)


def sign(new_key: bool = False, now=None) -> Signed:
    """Sign a checkpoint of the audit log as far as it verifies (the cron job).

    Walks the chain first (a broken chain is refused, naming its first bad ``seq``). When the
    latest checkpoint already covers the whole log it is returned unchanged, without touching
    the key, so the job is idempotent. Otherwise the log must still extend that checkpoint;
    then origin, size and root are signed. The tree is hashed afresh from the entries (no
    remembered tile is trusted for a signature), and its tiles then serve the proofs. ``new_key`` signs with a newly generated key (see
    :func:`signing_key`), even at a size already signed with the old one.
    """
    verified = audit.verify_database()
    if not verified.ok:
        raise Refusal(msg("审计链在第 {seq} 条断开（{reason}），不能签发检查点",
                          seq=verified.first_bad_seq, reason=verified.reason), status=409)
    size = verified.head_seq
    previous = latest()
    if previous is not None and previous.tree_size == size and not new_key:
        return Signed(previous, False)
    signer, generated = signing_key(new_key)
    verifier = signer.verifier()
    with unit_of_work():
        twin = at_size(size)
        if twin is not None and twin.key_id == f"{verifier.key_id:08x}":
            return Signed(twin, False, generated)
        hasher = TiledTree(_fetch)
        _check_extends(previous, size, hasher)
        head = Checkpoint(signer.name, size, hasher.root(size))
        row = AuditCheckpoint(tree_size=size, root_hash=head.root.hex(), origin=head.origin,
                              key_id=f"{verifier.key_id:08x}", verifier_key=verifier.vkey(),
                              note=sign_checkpoint(head, signer), signed_at=utc_text(now))
        db.session.add(row)
    current_app.extensions.setdefault(TILES, {}).update(hasher.tiles)
    return Signed(row, True, generated)


# ------------------------------------------------------------------------------- proofs


@dataclass(frozen=True)
class InclusionProof:
    """That entry ``seq`` is leaf ``seq - 1`` of the tree of ``size`` entries with ``root``."""

    seq: int
    size: int
    entry_hash: str
    leaf_hash: bytes
    root: bytes
    path: list[bytes]


@dataclass(frozen=True)
class ConsistencyProof:
    """That the tree of ``first`` entries is a prefix of the tree of ``second`` entries."""

    first: int
    second: int
    first_root: bytes
    second_root: bytes
    path: list[bytes]


def check_size(size: int) -> int:
    """A tree size the log has reached, else a 400 naming how far it goes."""
    head = audit.head()[0]
    if not 0 <= size <= head:
        raise Refusal(msg("树的大小必须在 0 到 {head} 之间", head=head), status=400)
    return size


def inclusion(seq: int, size: int) -> InclusionProof:
    """The inclusion proof of entry ``seq`` in the tree of the first ``size`` entries."""
    check_size(size)
    if not 1 <= seq <= size:
        raise Refusal(msg("条目序号必须在 1 到 {size} 之间", size=size), status=400)
    entry = db.session.get(AuditEntry, seq)
    if entry is None:
        raise Refusal(msg("审计日志不完整：缺少第 {seq} 条", seq=seq), status=409)
    hasher = tree()
    try:
        path = inclusion_proof(seq - 1, size, hasher)
        root = hasher.root(size)
    except ProofError as error:
        raise Refusal(msg("审计日志不完整：{error}", error=error), status=409) from error
    return InclusionProof(seq, size, entry.hash, leaf_hash(bytes.fromhex(entry.hash)), root, path)


def consistency(first: int, second: int) -> ConsistencyProof:
    """The consistency proof from the tree of ``first`` entries to that of ``second``."""
    check_size(second)
    if not 0 <= first <= second:
        raise Refusal(msg("旧树的大小必须在 0 到 {second} 之间", second=second), status=400)
    hasher = tree()
    try:
        path = consistency_proof(first, second, hasher)
        roots = hasher.root(first), hasher.root(second)
    except ProofError as error:
        raise Refusal(msg("审计日志不完整：{error}", error=error), status=409) from error
    return ConsistencyProof(first, second, roots[0], roots[1], path)


def entry_hash(seq: int) -> str:
    """The stored hash of entry ``seq`` (the genesis hash for 0), for an export's head line."""
    if seq == 0:
        return GENESIS_HASH
    return db.session.scalar(select(AuditEntry.hash).where(AuditEntry.seq == check_size(seq)))


PAGE = 5000


def hash_page(size: int, after: int = 0, limit: int = PAGE) -> list[tuple[int, str, str]]:
    """``(seq, prev_hash, hash)`` of up to ``limit`` entries after ``after``, up to ``size``:
    what the public needs to rebuild the tree and check the links, without the payloads
    (which may name people). Read a page at a time, so an export holds no long transaction."""
    check_size(size)
    query = select(AuditEntry.seq, AuditEntry.prev_hash, AuditEntry.hash) \
        .where(AuditEntry.seq > after, AuditEntry.seq <= size).order_by(AuditEntry.seq) \
        .limit(limit)
    return [tuple(row) for row in db.session.execute(query)]


def entry_page(size: int, after: int = 0, limit: int = PAGE) -> list[tuple]:
    """Every field (in :data:`audit.ENTRY_FIELDS` order) of up to ``limit`` entries after
    ``after``, up to ``size``: for auditors, since payloads may hold personal data."""
    check_size(size)
    columns = [getattr(AuditEntry, name) for name in audit.ENTRY_FIELDS]
    query = select(*columns).where(AuditEntry.seq > after, AuditEntry.seq <= size) \
        .order_by(AuditEntry.seq).limit(limit)
    return [tuple(row) for row in db.session.execute(query)]
