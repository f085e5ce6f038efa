"""The tamper-evident audit chain: canonical payloads, entry hashes and chain verification.

Each entry's hash covers the previous entry's hash, so editing, deleting, reordering or
truncating entries breaks the chain at a ``seq`` the verifier names. The hash input is the
fields joined by the ASCII unit separator (0x1F), payload last::

    sha256(prev_hash ␟ seq ␟ ts_utc ␟ actor_id ␟ actor_role ␟ action ␟ object_type ␟ object_id ␟ payload)

with ``actor_id``/``object_id`` written as decimal text or empty when absent. Anyone can
recompute it offline from an export; nothing here touches a database.
"""

from __future__ import annotations

import hashlib
import itertools
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

GENESIS_HASH = "0" * 64
_SEP = "\x1f"


class PayloadError(TypeError):
    """A payload value cannot be hashed canonically (floats, bytes, unknown objects)."""


def _check_value(value: Any) -> None:
    """Refuse floats and other values whose text form is not canonical."""
    if isinstance(value, float):
        raise PayloadError("audit payloads never hold floats; store money as integer fen")
    if isinstance(value, Mapping):
        for key, item in value.items():
            if not isinstance(key, str):
                raise PayloadError("audit payload keys must be strings")
            _check_value(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            _check_value(item)
    elif value is not None and not isinstance(value, (str, int, bool)):
        raise PayloadError(f"audit payloads cannot hold {type(value).__name__}")


def canonical_json(payload: Mapping[str, Any] | None) -> str:
    """Serialise a payload as canonical JSON: sorted keys, no spaces, UTF-8 text, no floats."""
    value = dict(payload or {})
    _check_value(value)
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


@dataclass(frozen=True, slots=True)
class EntryFields:
    """The hashed fields of one audit entry, as stored."""

    seq: int
    ts_utc: str
    actor_id: int | None
    actor_role: str
    action: str
    object_type: str
    object_id: int | None
    payload: str
    prev_hash: str
    hash: str = ""


def _text(value: int | None) -> str:
    return "" if value is None else str(value)


def entry_hash(fields: EntryFields) -> str:
    """Compute the hex sha256 that chains this entry to its predecessor."""
    message = _SEP.join(
        (
            fields.prev_hash,
            str(fields.seq),
            fields.ts_utc,
            _text(fields.actor_id),
            fields.actor_role,
            fields.action,
            fields.object_type,
            _text(fields.object_id),
            fields.payload,
        )
    )
    return hashlib.sha256(message.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class Verification:
    """Outcome of walking a chain: how far it holds and, if broken, where and why."""

    ok: bool
    count: int
    head_seq: int
    head_hash: str
    first_bad_seq: int | None = None
    reason: str = ""
    start_prev: str = GENESIS_HASH


def _broken(count: int, seq: int, head: str, bad: int, reason: str) -> Verification:
    return Verification(False, count, seq, head, bad, reason)


def verify_chain(
    rows: Iterable[tuple],
    expected_head: tuple[int, str] | None = None,
    start_seq: int = 1,
    start_prev: str | None = GENESIS_HASH,
) -> Verification:
    """Walk rows in stored order and report the first ``seq`` where the chain breaks.

    ``rows`` yields tuples in :class:`EntryFields` order (seq, ts_utc, actor_id, actor_role,
    action, object_type, object_id, payload, prev_hash, hash). ``expected_head`` is a
    ``(seq, hash)`` recorded elsewhere (an export's head line); a chain shorter than it or
    ending on another hash is reported as truncated. Runs in one pass and constant memory.
    A segment of a longer chain starts at ``start_seq``; with ``start_prev=None`` its first
    stored ``prev_hash`` is taken as given and reported, for :func:`join_segments` to check.
    """
    rows = iter(rows)
    if start_prev is None:
        first = next(rows, None)
        if first is None:
            return Verification(True, 0, start_seq - 1, "", start_prev="")
        start_prev = first[8]
        rows = itertools.chain((first,), rows)
    result = _walk(rows, start_seq, start_prev)
    return _check_head(replace(result, start_prev=start_prev), expected_head)


def _walk(rows: Iterable[tuple], start_seq: int, start_prev: str) -> Verification:
    """The hashing loop of :func:`verify_chain`, kept tight because it runs a million times."""
    sha256, sep = hashlib.sha256, _SEP
    prev_hash, prev_seq, count = start_prev, start_seq - 1, 0
    for row in rows:
        seq, ts, actor_id, role, action, otype, oid, payload, stored_prev, stored_hash = row
        if seq != prev_seq + 1:
            reason = f"expected seq {prev_seq + 1}, found {seq} (missing or reordered entries)"
            return _broken(count, prev_seq, prev_hash, prev_seq + 1, reason)
        if stored_prev != prev_hash:
            return _broken(count, prev_seq, prev_hash, seq, "prev_hash does not match")
        message = sep.join(
            (prev_hash, str(seq), ts, "" if actor_id is None else str(actor_id), role, action,
             otype, "" if oid is None else str(oid), payload)
        )
        if sha256(message.encode("utf-8")).hexdigest() != stored_hash:
            return _broken(count, prev_seq, prev_hash, seq, "hash does not match the content")
        prev_hash, prev_seq, count = stored_hash, seq, count + 1
    return Verification(True, count, prev_seq, prev_hash)


def join_segments(
    segments: Iterable[tuple[int, int, Verification]], expected_head: tuple[int, str] | None = None
) -> Verification:
    """Combine segments verified separately (``(first_seq, last_seq, result)`` in order).

    Each segment must hold every seq of its range, start from the hash the previous segment
    ended on, and verify by itself; the first break anywhere is the one reported.
    """
    head_seq, head_hash, count = 0, GENESIS_HASH, 0
    for first_seq, last_seq, result in segments:
        if result.count and result.start_prev != head_hash:
            reason = "prev_hash does not match the previous entry"
            return _broken(count, head_seq, head_hash, first_seq, reason)
        if not result.ok:
            return replace(result, count=count + result.count)
        if result.head_seq != last_seq:
            reason = f"expected seq {result.head_seq + 1}, found none (missing entries)"
            return _broken(count + result.count, result.head_seq, result.head_hash,
                           result.head_seq + 1, reason)
        head_seq, head_hash, count = last_seq, result.head_hash, count + result.count
    return _check_head(Verification(True, count, head_seq, head_hash), expected_head)


def _check_head(result: Verification, expected: tuple[int, str] | None) -> Verification:
    """Compare the walked chain's end with a head recorded elsewhere."""
    if expected is None:
        return result
    exp_seq, exp_hash = expected
    if result.head_seq < exp_seq:
        reason = f"chain ends at seq {result.head_seq} but the recorded head is seq {exp_seq}"
        return _broken(result.count, result.head_seq, result.head_hash, result.head_seq + 1, reason)
    if result.head_seq == exp_seq and result.head_hash != exp_hash:
        reason = "head hash differs from the recorded head"
        return _broken(result.count, result.head_seq, result.head_hash, exp_seq, reason)
    return result
