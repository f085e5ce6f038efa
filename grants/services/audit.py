"""The one helper every state change calls to append its audit entry in the same transaction."""

from __future__ import annotations

import itertools
import json
import multiprocessing
import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import replace
from typing import IO, Any

from sqlalchemy import create_engine, func, select
from sqlalchemy.pool import NullPool

from grants.domain.audit import (
    BEYOND_HEAD,
    EntryFields,
    Verification,
    canonical_json,
    entry_hash,
    join_segments,
    verify_chain,
)
from grants.domain.clock import utc_text
from grants.domain.lifecycles import AUDIT_ACTIONS
from grants.domain.roles import SYSTEM
from grants.extensions import db
from grants.models import AuditEntry, AuditHead

ENTRY_FIELDS = ("seq", "ts_utc", "actor_id", "actor_role", "action", "object_type", "object_id",
                "payload", "prev_hash", "hash")
ENTRY_SQL = f"SELECT {', '.join(ENTRY_FIELDS)} FROM audit_entry ORDER BY seq"  # noqa: S608 — constant column names


def _locked_head() -> AuditHead:
    """Lock the chain head row for the rest of the transaction (FOR UPDATE on PostgreSQL).

    On SQLite every transaction already starts with BEGIN IMMEDIATE, which holds the one
    write lock, so ``FOR UPDATE`` (ignored there) is not needed.
    """
    query = select(AuditHead).where(AuditHead.id == 1).with_for_update()
    return db.session.execute(query.execution_options(populate_existing=True)).scalar_one()


def record(
    action: str,
    object_type: str,
    object_id: int | None = None,
    payload: Mapping[str, Any] | None = None,
    actor=None,
    actor_role: str | None = None,
) -> AuditEntry:
    """Append one audit entry to the current transaction; the caller commits or rolls back.

    ``action`` must be in the closed set (a lifecycle action or a declared event), so names
    cannot drift. ``actor`` is a user, or None for scheduled work (role ``system``) and
    anonymous visitors (who pass ``actor_role="public"``). ``actor_role`` is the role that
    authorised the action, as the lifecycle engine or the permission check named it: a user's
    entry without one is refused, so no entry guesses. State changes go through
    :func:`grants.services.lifecycle.apply`, which calls this. Nothing is written if the
    surrounding transaction fails.
    """
    if action not in AUDIT_ACTIONS:
        raise ValueError(f"audit action {action!r} is not declared in grants.domain.lifecycles")
    if actor is not None and not actor_role:
        raise ValueError(f"audit action {action!r} by a user needs the role that authorised it")
    head = _locked_head()
    role = actor_role or SYSTEM
    fields = EntryFields(
        seq=head.seq + 1, ts_utc=utc_text(), actor_id=getattr(actor, "id", None),
        actor_role=role, action=action, object_type=object_type, object_id=object_id,
        payload=canonical_json(payload), prev_hash=head.hash,
    )
    digest = entry_hash(fields)
    entry = AuditEntry(
        seq=fields.seq, ts_utc=fields.ts_utc, actor_id=fields.actor_id, actor_role=role,
        action=action, object_type=object_type, object_id=object_id, payload=fields.payload,
        prev_hash=fields.prev_hash, hash=digest,
    )
    db.session.add(entry)
    head.seq, head.hash = fields.seq, digest
    db.session.flush()
    return entry


def head() -> tuple[int, str]:
    """The chain's current ``(seq, hash)``, printed on public documents."""
    row = db.session.get(AuditHead, 1)
    return (row.seq, row.hash) if row else (0, "0" * 64)


def iter_rows(batch: int = 50000) -> Iterator[tuple]:
    """Yield every entry as a plain tuple in ``seq`` order, streaming in batches.

    Reads through the driver's own cursor inside the session's transaction: verifying a
    million entries through SQLAlchemy row objects costs more than hashing them.
    """
    connection = db.session.connection()
    dbapi = connection.connection.dbapi_connection
    server_side = connection.dialect.name == "postgresql"
    cursor = dbapi.cursor(name="audit_rows") if server_side else dbapi.cursor()
    try:
        cursor.execute(ENTRY_SQL)
        while rows := cursor.fetchmany(batch):
            yield from rows
    finally:
        cursor.close()


PARALLEL_THRESHOLD = 200_000
Progress = Callable[[int, int], None]
"""``progress(done, total)``: how a long walk of the chain says how far it is."""


def _segment_worker(url: str, first_seq: int, last_seq: int) -> tuple[int, int, Verification]:
    """Verify one range of the chain in a worker process, over its own connection."""
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            cursor = connection.connection.dbapi_connection.cursor()
            cursor.execute(_range_sql(first_seq, last_seq))
            rows = itertools.chain.from_iterable(iter(lambda: cursor.fetchmany(50000), []))
            return first_seq, last_seq, verify_chain(rows, start_seq=first_seq, start_prev=None)
    finally:
        engine.dispose()


def _range_sql(first_seq: int, last_seq: int) -> str:
    """The entries of one seq range, in order (integers only, so inlining them is safe)."""
    columns = ", ".join(ENTRY_FIELDS)
    return (f"SELECT {columns} FROM audit_entry WHERE seq BETWEEN {int(first_seq)} "  # noqa: S608 — int() only
            f"AND {int(last_seq)} ORDER BY seq")


def _ranges(last_seq: int, parts: int) -> list[tuple[int, int]]:
    """Split 1..last_seq into ``parts`` contiguous ranges."""
    size = -(-last_seq // parts)
    return [(lo, min(lo + size - 1, last_seq)) for lo in range(1, last_seq + 1, size)]


PROGRESS_STEPS = 200
"""How many times a long walk of the chain reports how far it is (about every half percent)."""


def counted(rows: Iterable, total: int, progress: Progress | None,
            steps: int = PROGRESS_STEPS) -> Iterator:
    """The rows unchanged, calling ``progress(done, total)`` about ``steps`` times on the way
    (and at 0 and at the end), so a job's page shows how far a long walk is."""
    if progress is None:
        yield from rows
        return
    every = max(1, total // steps)
    progress(0, total)
    for done, row in enumerate(rows, start=1):
        yield row
        if done % every == 0:
            progress(min(done, total), total)
    progress(total, total)


def verify_database(workers: int | None = None,
                    progress: Progress | None = None) -> Verification:
    """Verify the whole chain against the recorded head, on several cores when it is long.

    Each worker process reads and hashes its own range of ``seq``; the ranges are then joined,
    so a break is still reported at the first bad ``seq`` of the chain. Entries after the
    recorded head are refused, unless the head has since moved over them (entries appended
    while the check ran, by the platform itself).
    """
    expected = head()
    workers = workers or os.cpu_count() or 1
    if workers == 1 or expected[0] < PARALLEL_THRESHOLD:
        rows = counted(iter_rows(), expected[0], progress)
        return _unless_appended(verify_chain(rows, expected_head=expected))
    url = db.engine.url.render_as_string(hide_password=False)
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(workers, mp_context=context) as pool:
        futures = [pool.submit(_segment_worker, url, lo, hi)
                   for lo, hi in _ranges(expected[0], workers)]
        _report_segments(futures, expected[0], progress)
        segments = [future.result() for future in futures]
    joined = join_segments(segments, expected_head=expected)
    return _unless_appended(entries_after_head(joined, expected[0]))


def _report_segments(futures: list, total: int, progress: Progress | None) -> None:
    """Wait for the ranges verified in parallel, reporting the entries of each one done."""
    if progress is None:
        return
    done = 0
    progress(0, total)
    for future in as_completed(futures):
        first_seq, last_seq, _ = future.result()
        done += last_seq - first_seq + 1
        progress(min(done, total), total)


def write_export(handle: IO[str], progress: Progress | None = None) -> tuple[int, str]:
    """Write the chain as JSON Lines to ``handle``: a head line first, then one entry per line
    up to that head, for anyone to verify offline; returns the head ``(seq, hash)``."""
    head_seq, head_hash = head()
    handle.write(json.dumps({"head": {"seq": head_seq, "hash": head_hash}}) + "\n")
    for row in counted(iter_rows(), head_seq, progress):
        if row[0] > head_seq:
            break
        handle.write(json.dumps(dict(zip(ENTRY_FIELDS, row, strict=True)),
                                ensure_ascii=False) + "\n")
    return head_seq, head_hash


def entries_after_head(result: Verification, head_seq: int) -> Verification:
    """The joined ranges stop at the head: look for stored entries past it (one query)."""
    if not result.ok:
        return result
    after = select(func.min(AuditEntry.seq), func.count(AuditEntry.seq)).where(
        AuditEntry.seq > head_seq)
    first, extra = db.session.execute(after).one()
    return _refuse_beyond(result, first, extra) if extra else result


def _refuse_beyond(result: Verification, first: int, extra: int) -> Verification:
    """The break of ``extra`` stored entries from seq ``first`` on, past the recorded head."""
    detail = (f"{extra} entr{'y' if extra == 1 else 'ies'} after the recorded head seq "
              f"{result.head_seq}, starting at seq {first}")
    return replace(result, ok=False, first_bad_seq=result.head_seq + 1, kind=BEYOND_HEAD,
                   reason=f"{BEYOND_HEAD}: {detail}")


def _unless_appended(result: Verification) -> Verification:
    """Entries past the head read at the start are the platform's own when the head, read
    again now, covers them: the chain up to the first head verified, so it holds."""
    if result.kind != BEYOND_HEAD:
        return result
    now = db.session.scalar(select(AuditHead.seq).execution_options(populate_existing=True))
    if now is not None and now > result.head_seq and _stored_up_to(now):
        return replace(result, ok=True, first_bad_seq=None, reason="", kind="")
    return result


def _stored_up_to(seq: int) -> bool:
    """True when no stored entry lies past ``seq`` (the moved head covers them all)."""
    return db.session.scalar(select(func.max(AuditEntry.seq))) <= seq
