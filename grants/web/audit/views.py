"""The auditor's view of the audit chain: filters, pagination and the head hash."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from flask import Blueprint, render_template, request
from sqlalchemy import Select, select

from grants.domain.clock import BEIJING, utc_text
from grants.domain.permissions import policies
from grants.extensions import db
from grants.models import AuditEntry, User
from grants.services import audit
from grants.web.access import requires

bp = Blueprint("audit", __name__, url_prefix="/audit")
PAGE_SIZE = 50


def _day(text: str) -> date | None:
    """A yyyy-mm-dd filter value, or None when empty or malformed."""
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def _to_utc(day: date) -> str:
    """Start of a Beijing-time day expressed as stored UTC text."""
    return utc_text(datetime.combine(day, time.min, tzinfo=BEIJING))


def _row_id(text: str) -> int | None:
    """A filter value that can be a row id (digits that fit a database integer), else None."""
    return int(text) if text.isdigit() and len(text) <= 9 else None


def _filtered(args) -> tuple[Select, dict]:
    """Build the entry query from the page's filter fields."""
    query = select(AuditEntry).order_by(AuditEntry.seq.desc())
    shown = {k: args.get(k, "").strip() for k in ("actor", "action", "object", "since", "until")}
    if shown["actor"]:
        actor_ids = select(User.id).where(User.username == shown["actor"])
        if (actor_id := _row_id(shown["actor"])) is not None:
            actor_ids = actor_ids.union(select(User.id).where(User.id == actor_id))
        query = query.where(AuditEntry.actor_id.in_(actor_ids))
    if shown["action"]:
        query = query.where(AuditEntry.action.startswith(shown["action"], autoescape=True))
    if shown["object"]:
        kind, _sep, ident = shown["object"].partition(":")
        query = query.where(AuditEntry.object_type == kind)
        if (object_id := _row_id(ident)) is not None:
            query = query.where(AuditEntry.object_id == object_id)
    if since := _day(shown["since"]):
        query = query.where(AuditEntry.ts_utc >= _to_utc(since))
    if until := _day(shown["until"]):
        query = query.where(AuditEntry.ts_utc < _to_utc(until + timedelta(days=1)))
    return query, shown


@bp.get("/")
@requires(policies.READ_AUDIT)
def entries():
    """Newest entries first, filtered by actor, action prefix, object and date range."""
    query, shown = _filtered(request.args)
    page = db.paginate(query, per_page=PAGE_SIZE, error_out=False)
    actor_ids = {entry.actor_id for entry in page.items if entry.actor_id}
    names = dict(db.session.execute(
        select(User.id, User.username).where(User.id.in_(actor_ids))).all()) if actor_ids else {}
    head_seq, head_hash = audit.head()
    return render_template("audit/entries.html", page=page, shown=shown, names=names,
                           head_seq=head_seq, head_hash=head_hash)
