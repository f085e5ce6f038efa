"""Reading the audit chain in the browser: entries found by person name, object titles, the
and the timeline of one object (verifying the chain is the ``audit_verify`` job).

Everything here only reads; the one writer of the chain is :mod:`grants.services.audit`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import Select, select

from grants.domain.audit_reading import ReadableLine, person_ids, readable_payload
from grants.domain.clock import BEIJING, utc_text
from grants.domain.inputs import parse_row_id
from grants.extensions import db
from grants.models import FundingRound, Need, Organisation, Proposal, User
from grants.models.audit import AuditEntry
from grants.models.awards import Agreement, Award, Notice, Objection, Tranche
from grants.models.expenses import BudgetAdjustment, Clawback, Expense, Refund
from grants.models.judging import Conflict, ScoreSheet
from grants.models.payments import Payment

FILTERS = ("actor", "action", "object", "since", "until")


@dataclass(frozen=True)
class ReadableEntry:
    """One audit entry as the auditor reads it: who (by name), what, about which object
    (by title), the payload as labelled lines, and the stored entry for the raw view."""

    entry: AuditEntry
    actor_name: str
    object_title: str
    lines: list[ReadableLine]

    @property
    def raw(self) -> str:
        """The payload exactly as stored and hashed."""
        return self.entry.payload


def _day(text: str) -> date | None:
    """A yyyy-mm-dd filter value, or None when empty or malformed."""
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def _day_start_utc(day: date) -> str:
    """Start of a Beijing-time day expressed as stored UTC text."""
    return utc_text(datetime.combine(day, time.min, tzinfo=BEIJING))


def _row_id(text: str) -> int | None:
    """A filter value that can be a row id (ASCII digits that fit a database integer), else
    None: ``²`` is a digit to Python but no number."""
    return parse_row_id(text)


def _actor_ids(text: str) -> Select:
    """Accounts a person filter names: by username, by id, or by (part of) their name."""
    query = select(User.id).where(
        (User.username == text) | User.display_name.contains(text, autoescape=True)
    )
    if (actor_id := _row_id(text)) is not None:
        query = query.union(select(User.id).where(User.id == actor_id))
    return query


def filtered(args: Mapping[str, str]) -> tuple[Select, dict[str, str]]:
    """The entry query for the page's filters (person name or username, action prefix,
    ``type:id`` object, Beijing-time date range), newest first, and the filters as shown."""
    query = select(AuditEntry).order_by(AuditEntry.seq.desc())
    shown = {key: (args.get(key) or "").strip() for key in FILTERS}
    if shown["actor"]:
        query = query.where(AuditEntry.actor_id.in_(_actor_ids(shown["actor"])))
    if shown["action"]:
        query = query.where(AuditEntry.action.startswith(shown["action"], autoescape=True))
    if shown["object"]:
        kind, _sep, ident = shown["object"].partition(":")
        query = query.where(AuditEntry.object_type == kind)
        if (object_id := _row_id(ident)) is not None:
            query = query.where(AuditEntry.object_id == object_id)
    if since := _day(shown["since"]):
        query = query.where(AuditEntry.ts_utc >= _day_start_utc(since))
    if until := _day(shown["until"]):
        query = query.where(AuditEntry.ts_utc < _day_start_utc(until + timedelta(days=1)))
    return query, shown


def _award_title(model) -> Select:
    """(id, title of the award's proposal) for a model that belongs to an award."""
    return (select(model.id, Proposal.title).join(Award, Award.id == model.award_id)
            .join(Proposal, Proposal.id == Award.proposal_id))


def _title_query(object_type: str) -> tuple[object, Select] | None:
    """The model and the (id, title) query for an object type, or None for untitled types."""
    queries = {
        "proposal": (Proposal, select(Proposal.id, Proposal.title)),
        "need": (Need, select(Need.id, Need.title)),
        "funding_round": (FundingRound, select(FundingRound.id, FundingRound.name)),
        "user": (User, select(User.id, User.display_name)),
        "organisation": (Organisation, select(Organisation.id, Organisation.name)),
        "award": (Award, select(Award.id, Proposal.title).join(
            Proposal, Proposal.id == Award.proposal_id)),
        "score_sheet": (ScoreSheet, select(ScoreSheet.id, Proposal.title).join(
            Proposal, Proposal.id == ScoreSheet.proposal_id)),
        "conflict": (Conflict, select(Conflict.id, Proposal.title).join(
            Proposal, Proposal.id == Conflict.proposal_id)),
        "notice": (Notice, select(Notice.id, FundingRound.name).join(
            FundingRound, FundingRound.id == Notice.round_id)),
        "agreement": (Agreement, _award_title(Agreement).add_columns(Agreement.number)),
    }
    for model in (Tranche, Payment, Expense, Objection, BudgetAdjustment, Clawback, Refund):
        queries[model.__tablename__] = (model, _award_title(model))
    return queries.get(object_type)


def titles_of(keys: Iterable[tuple[str, int | None]]) -> dict[tuple[str, int], str]:
    """The title of each ``(object type, id)``: one query per object type on the page."""
    wanted: dict[str, set[int]] = {}
    for object_type, object_id in keys:
        if object_id is not None:
            wanted.setdefault(object_type, set()).add(object_id)
    titles = {}
    for object_type, ids in wanted.items():
        found = _title_query(object_type)
        if found is None:
            continue
        model, query = found
        for row in db.session.execute(query.where(model.id.in_(sorted(ids)))):
            titles[(object_type, row[0])] = " ".join(str(part) for part in row[1:][::-1] if part)
    return titles


def names_of(ids: Iterable[int]) -> dict[int, str]:
    """Display names of accounts: one query."""
    ids = sorted({i for i in ids if i})
    if not ids:
        return {}
    query = select(User.id, User.display_name).where(User.id.in_(ids))
    return dict(db.session.execute(query).all())


def readable(entries: Iterable[AuditEntry]) -> list[ReadableEntry]:
    """Entries with names, titles and readable payload lines (three or so queries a page)."""
    entries = list(entries)
    payloads = {e.seq: json.loads(e.payload or "{}") for e in entries}
    people = {e.actor_id for e in entries}.union(*(person_ids(p) for p in payloads.values()))
    names = names_of(people)
    titles = titles_of((e.object_type, e.object_id) for e in entries)
    return [
        ReadableEntry(
            entry=e,
            actor_name=names.get(e.actor_id, "") if e.actor_id else "",
            object_title=titles.get((e.object_type, e.object_id), ""),
            lines=readable_payload(e.object_type, payloads[e.seq], names),
        )
        for e in entries
    ]


def object_timeline(object_type: str, object_id: int) -> list[ReadableEntry]:
    """Every entry about one object, oldest first: its history as the chain tells it."""
    query = (select(AuditEntry)
             .where(AuditEntry.object_type == object_type, AuditEntry.object_id == object_id)
             .order_by(AuditEntry.seq))
    return readable(db.session.scalars(query))
