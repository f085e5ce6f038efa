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
from collections.abc import Iterable, Iterator, Mapping
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


HASH_MISMATCH = "hash mismatch"
PREV_MISMATCH = "prev_hash mismatch"
GAP = "gap"
REORDER = "reorder"
BEYOND_HEAD = "entries beyond the recorded head"
TRUNCATED = "truncated"
HEAD_MISMATCH = "head mismatch"
MALFORMED = "malformed line"
KINDS = (HASH_MISMATCH, PREV_MISMATCH, GAP, REORDER, BEYOND_HEAD, TRUNCATED, HEAD_MISMATCH,
         MALFORMED)
"""What a break can be; each broken :class:`Verification` names one as its ``kind`` and
starts its ``reason`` with it."""


@dataclass(frozen=True, slots=True)
class Verification:
    """Outcome of walking a chain: how far it holds and, if broken, where and what is wrong
    (``kind``, one of :data:`KINDS`, and ``reason``, a sentence for people)."""

    ok: bool
    count: int
    head_seq: int
    head_hash: str
    first_bad_seq: int | None = None
    reason: str = ""
    start_prev: str = GENESIS_HASH
    kind: str = ""


def verdict(result: Verification) -> str:
    """The one line ``flask audit verify`` prints and the browser's check shows: the count and
    head hash of a whole chain, or the first bad seq, what is wrong and how much held before."""
    if result.ok:
        return f"OK: {result.count} entries, head seq {result.head_seq} hash {result.head_hash}"
    return (f"BROKEN at seq {result.first_bad_seq}: {result.reason} "
            f"({result.count} entries verified before it)")


def _broken(count: int, seq: int, head: str, bad: int, kind: str, detail: str) -> Verification:
    """A break of ``kind`` at seq ``bad``, after ``count`` good entries ending at ``seq``."""
    return Verification(False, count, seq, head, bad, f"{kind}: {detail}", kind=kind)


def malformed(count: int, seq: int, head: str, line: int, problem: str) -> Verification:
    """The break an unreadable line of an export is: at the seq after the last good one."""
    return _broken(count, seq, head, seq + 1, MALFORMED, f"line {line} {problem}")


def verify_chain(
    rows: Iterable[tuple],
    expected_head: tuple[int, str] | None = None,
    start_seq: int = 1,
    start_prev: str | None = GENESIS_HASH,
) -> Verification:
    """Walk rows in stored order and report the first ``seq`` where the chain breaks, and how.

    ``rows`` yields tuples in :class:`EntryFields` order (seq, ts_utc, actor_id, actor_role,
    action, object_type, object_id, payload, prev_hash, hash). ``expected_head`` is a
    ``(seq, hash)`` recorded elsewhere (the database's head row, an export's head line): a
    chain shorter than it is truncated, one ending on another hash does not match it, and
    entries after it are refused as beyond the head. Runs in one pass and constant memory.
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
    walked = rows
    if expected_head is not None:
        walked = itertools.islice(rows, max(0, expected_head[0] - start_seq + 1))
    result = replace(_walk(walked, start_seq, start_prev), start_prev=start_prev)
    if expected_head is None or not result.ok:
        return result
    return _beyond_head(_check_head(result, expected_head), rows)


def _walk(rows: Iterator[tuple], start_seq: int, start_prev: str) -> Verification:
    """The hashing loop of :func:`verify_chain`, kept tight because it runs a million times;
    a break is looked at closer by :func:`_diagnose`, outside the loop."""
    sha256, sep = hashlib.sha256, _SEP
    prev_hash, prev_seq, count = start_prev, start_seq - 1, 0
    for row in rows:
        seq, ts, actor_id, role, action, otype, oid, payload, stored_prev, stored_hash = row
        if seq != prev_seq + 1 or stored_prev != prev_hash:
            return _diagnose(row, rows, count, prev_seq, prev_hash)
        message = sep.join(
            (prev_hash, str(seq), ts, "" if actor_id is None else str(actor_id), role, action,
             otype, "" if oid is None else str(oid), payload)
        )
        if sha256(message.encode("utf-8")).hexdigest() != stored_hash:
            detail = f"the content of entry seq {seq} was changed: it no longer gives its hash"
            return _broken(count, prev_seq, prev_hash, seq, HASH_MISMATCH, detail)
        prev_hash, prev_seq, count = stored_hash, seq, count + 1
    return Verification(True, count, prev_seq, prev_hash)


def _diagnose(row: tuple, rest: Iterator[tuple], count: int, prev_seq: int,
              prev_hash: str) -> Verification:
    """Name a break found at ``row`` (seq out of line, or not chained to the entry before),
    reading ahead in ``rest`` without keeping it: a missing seq that turns up later is a
    reorder, one that never does is a gap; an entry whose successor chains to its predecessor
    was swapped with it."""
    expected, seq = prev_seq + 1, row[0]
    if seq == expected:
        following = next(rest, None)
        if following is not None and following[8] == prev_hash:
            detail = (f"entries seq {seq} and {seq + 1} are swapped: entry seq {seq + 1} "
                      f"chains to seq {prev_seq}")
            return _broken(count, prev_seq, prev_hash, seq, REORDER, detail)
        detail = (f"entry seq {seq} does not chain to entry seq {prev_seq}: the entry before "
                  "it was replaced, or entries were removed and renumbered")
        return _broken(count, prev_seq, prev_hash, seq, PREV_MISMATCH, detail)
    if seq < expected:
        detail = f"seq {seq} comes again after seq {prev_seq}: entries out of order or repeated"
        return _broken(count, prev_seq, prev_hash, expected, REORDER, detail)
    if any(later[0] == expected for later in rest):
        detail = f"seq {seq} comes before seq {expected}: entries out of order"
        return _broken(count, prev_seq, prev_hash, expected, REORDER, detail)
    missing = f"seq {expected}" if seq == expected + 1 else f"seq {expected}–{seq - 1}"
    detail = f"{missing} missing, the next entry is seq {seq}: entries were deleted"
    return _broken(count, prev_seq, prev_hash, expected, GAP, detail)


def _beyond_head(result: Verification, rest: Iterator[tuple]) -> Verification:
    """Refuse entries after the recorded head (the walk stopped there); they are counted,
    not kept."""
    if not result.ok:
        return result
    first = next(rest, None)
    if first is None:
        return result
    extra = 1 + sum(1 for _ in rest)
    detail = (f"{extra} entr{'y' if extra == 1 else 'ies'} after the recorded head seq "
              f"{result.head_seq}, starting at seq {first[0]}")
    return _broken(result.count, result.head_seq, result.head_hash, result.head_seq + 1,
                   BEYOND_HEAD, detail)


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
            detail = f"entry seq {first_seq} does not chain to entry seq {head_seq}"
            return _broken(count, head_seq, head_hash, first_seq, PREV_MISMATCH, detail)
        if not result.ok:
            return replace(result, count=count + result.count)
        if result.head_seq != last_seq:
            return missing_after(count + result.count, result.head_seq, result.head_hash,
                                  last_seq)
        head_seq, head_hash, count = last_seq, result.head_hash, count + result.count
    return _check_head(Verification(True, count, head_seq, head_hash), expected_head)


def missing_after(count: int, seq: int, head: str, last_seq: int) -> Verification:
    """A range that should run to ``last_seq`` but stops at ``seq``: a gap at its end."""
    missing = f"seq {seq + 1}" if last_seq == seq + 1 else f"seq {seq + 1}–{last_seq}"
    return _broken(count, seq, head, seq + 1, GAP, f"{missing} missing: entries were deleted")


def _check_head(result: Verification, expected: tuple[int, str] | None) -> Verification:
    """Compare the walked chain's end with a head recorded elsewhere."""
    if expected is None or not result.ok:
        return result
    exp_seq, exp_hash = expected
    if result.head_seq < exp_seq:
        missing = exp_seq - result.head_seq
        detail = (f"the last entry is seq {result.head_seq} but the recorded head is seq "
                  f"{exp_seq}: the last {missing} entr{'y is' if missing == 1 else 'ies are'} "
                  "missing")
        return _broken(result.count, result.head_seq, result.head_hash, result.head_seq + 1,
                       TRUNCATED, detail)
    if result.head_seq == exp_seq and result.head_hash != exp_hash:
        detail = f"entry seq {exp_seq} has another hash than the recorded head"
        return _broken(result.count, result.head_seq, result.head_hash, exp_seq,
                       HEAD_MISMATCH, detail)
    return result
