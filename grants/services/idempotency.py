"""Idempotency keys in the database: claim a key before the work, store the answer after it.

The rules (new, replay, 422 for another request, 409 while running) are
:func:`grants.domain.idempotency.decide`'s; this module keeps the rows they are decided on.

- :func:`begin` inserts the key row and **commits it in its own short transaction before the
  request's work starts**, so a concurrent duplicate finds it. Two requests racing with one key
  both insert; the primary key lets one win, the loser's insert fails (``IntegrityError``), it
  rolls back and reads the winner's row.
- A duplicate that finds the winner still running **waits** for it: it re-reads the row every
  :data:`POLL_SECONDS`, each read in its own transaction (so it holds no lock and no
  connection while it sleeps), for up to ``wait_seconds``; it answers with the stored answer
  as soon as the winner finishes, and refuses with 409 only if the winner is still unfinished
  after the wait. So N concurrent copies of one request get N identical answers whenever the
  work finishes inside the wait, and the 409 of the rule remains for work that takes longer.
  A different request with the key is refused (422) at once, without waiting.
- :func:`finish` stores the answer (a refusal, 4xx, is an answer too: its replay is refused
  alike); :func:`abandon` deletes the unfinished row when the work failed with a server error,
  so a retry runs the work again. A row whose answer could not be stored stays unfinished:
  its duplicates get 409 until it is pruned, and the work never runs twice.
- The request's own commit marks its key as done in the same transaction (``status_code`` 0,
  no ``finished_at``: see :func:`holding`), so once the work is committed a later server
  error never gives the key up (:func:`abandon` leaves it): a retry cannot run the work twice.
- :func:`prune` deletes keys older than :data:`~grants.domain.idempotency.RETENTION`.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, event, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from grants.domain.clock import now_utc, stored, utc_text
from grants.domain.idempotency import NEW, REPLAY, RETENTION, StoredKey, decide
from grants.domain.roles import SYSTEM
from grants.extensions import db
from grants.models.payments import IdempotencyKey
from grants.services import audit, unit_of_work

POLL_SECONDS = 0.05
"""How often a waiting duplicate re-reads the key row."""
COMMITTED = 0
"""``status_code`` of a key whose work is committed but whose answer is not stored yet."""
_held: ContextVar[str | None] = ContextVar("idempotency_key_held", default=None)


@contextmanager
def holding(key: str) -> Iterator[None]:
    """Run the request's work holding ``key``: the first commit inside marks the key as done
    in that same transaction, so the mark and the work are saved together or not at all."""
    token = _held.set(key)
    try:
        yield
    finally:
        _held.reset(token)


@event.listens_for(Session, "before_commit")
def _mark_committed(session: Session) -> None:
    """Before the work's commit, mark the held key (once) as committed with it."""
    key = _held.get()
    if key is None:
        return
    _held.set(None)
    session.execute(
        update(IdempotencyKey)
        .where(IdempotencyKey.key == key, IdempotencyKey.finished_at.is_(None))
        .values(status_code=COMMITTED)
    )


@dataclass(frozen=True)
class Answer:
    """A finished request's stored answer: its status, redirect target and body (opaque text
    the web layer wrote, returned as it was stored)."""

    status_code: int
    location: str | None
    body: str | None


@dataclass(frozen=True)
class Begun:
    """What :func:`begin` decided: ``NEW`` (the key is now held: run the work, then
    :func:`finish` or :func:`abandon`) or ``REPLAY`` with the first request's answer."""

    decision: str
    answer: Answer | None = None


@dataclass(frozen=True)
class _Row:
    """A key row read in a transaction that is already over."""

    fingerprint: str
    finished: bool
    answer: Answer


def _claim(key: str, fingerprint: str, actor_id: int | None, now: datetime | None) -> bool:
    """Insert and commit the key row; False when the key exists already."""
    db.session.add(IdempotencyKey(key=key, fingerprint=fingerprint, actor_id=actor_id,
                                  created_at=stored(now_utc(now))))
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return False
    return True


def _read(key: str) -> _Row | None:
    """The key row as committed now, read in a transaction of its own (ended before return)."""
    query = select(IdempotencyKey.fingerprint, IdempotencyKey.finished_at,
                   IdempotencyKey.status_code, IdempotencyKey.location, IdempotencyKey.body
                   ).where(IdempotencyKey.key == key)
    try:
        found = db.session.execute(query).one_or_none()
    finally:
        db.session.rollback()
    if found is None:
        return None
    return _Row(found.fingerprint, found.finished_at is not None,
                Answer(found.status_code, found.location, found.body))


def _pause() -> None:
    """Sleep between two reads of a key another request holds."""
    time.sleep(POLL_SECONDS)


def _replay_or_wait(row: _Row, fingerprint: str, deadline: float) -> bool:
    """True to replay the row's answer, False to wait longer; the domain's Refusal (422 for
    another request, 409 when still unfinished at the deadline) otherwise."""
    if not row.finished and row.fingerprint == fingerprint and time.monotonic() < deadline:
        return False
    return decide(StoredKey(row.fingerprint, row.finished), fingerprint) == REPLAY


def begin(key: str, fingerprint: str, actor_id: int | None, now: datetime | None = None,
          *, wait_seconds: float = 0.0) -> Begun:
    """Claim ``key`` for the request ``fingerprint`` before its work runs, or answer from the
    request that claimed it first (waiting up to ``wait_seconds`` for it to finish).

    The claim is committed here, in its own transaction, so call this before the request has
    written anything. Raises the domain's Refusal: 422 when the key was used for a different
    request, 409 when the first request is still running after the wait.
    """
    deadline = time.monotonic() + wait_seconds
    while not _claim(key, fingerprint, actor_id, now):
        while (row := _read(key)) is not None:
            if _replay_or_wait(row, fingerprint, deadline):
                return Begun(REPLAY, row.answer)
            _pause()
        # The row is gone: its request failed and gave the key up; claim it again.
    return Begun(NEW)


def finish(key: str, status_code: int, location: str | None, body: str | None,
           now: datetime | None = None) -> None:
    """Store the answer of the request holding ``key``; its replays return it from now on."""
    with unit_of_work():
        db.session.execute(
            update(IdempotencyKey)
            .where(IdempotencyKey.key == key, IdempotencyKey.finished_at.is_(None))
            .values(finished_at=stored(now_utc(now)), status_code=status_code,
                    location=location, body=body)
        )


def abandon(key: str) -> None:
    """Give an unfinished key up after its work failed with a server error, so a retry runs.

    Whatever the failed work left in the session is rolled back first. A finished key is
    never removed: its answer stands; nor is a key whose work was committed before the error
    (marked by :func:`holding`): its retries wait and are refused, the work never runs twice.
    """
    db.session.rollback()
    with unit_of_work():
        db.session.execute(
            delete(IdempotencyKey)
            .where(IdempotencyKey.key == key, IdempotencyKey.finished_at.is_(None),
                   IdempotencyKey.status_code.is_(None))
        )


def prune(now: datetime | None = None) -> int:
    """Delete the keys created more than RETENTION before ``now``; how many went.

    Audited as ``idempotency.prune`` by the system, with the count and the cut-off.
    """
    cutoff = now_utc(now) - RETENTION
    with unit_of_work():
        result = db.session.execute(
            delete(IdempotencyKey).where(IdempotencyKey.created_at < stored(cutoff)),
            execution_options={"synchronize_session": False},
        )
        count = result.rowcount
        audit.record("idempotency.prune", "idempotency_key", None,
                     {"count": count, "created_before": utc_text(cutoff)}, actor_role=SYSTEM)
    return count


__all__ = ["COMMITTED", "NEW", "POLL_SECONDS", "REPLAY", "Answer", "Begun", "abandon", "begin",
           "finish", "holding", "prune"]
