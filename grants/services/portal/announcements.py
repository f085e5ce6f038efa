"""Announcements (公告): the organizer writes, publishes and withdraws them; the portal reads
the published ones.

The body is sanitised (:func:`grants.domain.announcements.sanitize`) before it is stored, so a
stored body is always safe to show. Every state change goes through the lifecycle engine (one
``announcement.create`` / ``.publish`` / ``.withdraw`` entry each); a change of text is the
declared event ``announcement.edit``, written only when something changed.
"""

from __future__ import annotations

import hashlib

from sqlalchemy import func, select

from grants.domain.announcements import problems, sanitize
from grants.domain.clock import now_utc, stored
from grants.domain.i18n import msg
from grants.domain.lifecycles.announcement import ANNOUNCEMENT, PUBLIC_STATES
from grants.domain.permissions import ORGANIZERS, acting_roles, role_used
from grants.domain.permissions.announcements import can_manage_announcements
from grants.extensions import db
from grants.models.announcements import Announcement
from grants.services import Refusal, audit, is_row_id, locked, unit_of_work
from grants.services.lifecycle import apply

MISSING = "找不到这条公告"
PAGE_SIZE = 10


def _digest(text: str) -> str:
    """A short fingerprint of a stored body for the audit entry (the text itself is kept on
    the row; the entry proves which text was published)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _checked(actor, title: str, body: str) -> tuple[str, str]:
    """Refuse an actor who may not write announcements (403) or a text that cannot be saved
    (422); return the clean title and body."""
    allowed, reason = can_manage_announcements(actor)
    if not allowed:
        raise Refusal(reason, status=403)
    if found := problems(title, body):
        raise Refusal(msg("；").join(found), status=422)
    return title.strip(), sanitize(body)


def create(title: str, body: str, actor) -> Announcement:
    """Save a new announcement as a draft (``announcement.create``)."""
    title, clean = _checked(actor, title, body)
    with unit_of_work():
        row = Announcement(title=title, body_html=clean, created_by_id=actor.id)
        apply(ANNOUNCEMENT, row, "create", actor,
              payload={"title": title, "body_sha256": _digest(clean)})
    return row


def edit(announcement_id: int, title: str, body: str, actor) -> bool:
    """Change an announcement's text; one ``announcement.edit`` entry naming what changed.
    Returns False (nothing written) when the text is the same."""
    title, clean = _checked(actor, title, body)
    with unit_of_work():
        row = locked(Announcement, announcement_id, msg(MISSING))
        changed = {}
        if row.title != title:
            changed["title"] = [row.title, title]
        if row.body_html != clean:
            changed["body_sha256"] = [_digest(row.body_html), _digest(clean)]
        if not changed:
            return False
        row.title, row.body_html = title, clean
        audit.record("announcement.edit", "announcement", row.id, {"changes": changed},
                     actor=actor, actor_role=role_used(actor, ORGANIZERS))
    return True


def publish(announcement_id: int, actor) -> Announcement:
    """Show an announcement on the portal (from draft, or again after a withdrawal)."""
    return _move(announcement_id, "publish", actor)


def withdraw(announcement_id: int, actor) -> Announcement:
    """Take a published announcement off the portal (it is kept, and may be published again)."""
    return _move(announcement_id, "withdraw", actor)


def _move(announcement_id: int, action: str, actor) -> Announcement:
    """Apply one lifecycle action under the row's lock, stamping its time."""
    allowed, reason = can_manage_announcements(actor)
    if not allowed:
        raise Refusal(reason, status=403)
    with unit_of_work():
        row = locked(Announcement, announcement_id, msg(MISSING))
        moment = stored(now_utc())
        if action == "publish":
            row.published_at = moment
        else:
            row.withdrawn_at = moment
        apply(ANNOUNCEMENT, row, action, actor, payload={"body_sha256": _digest(row.body_html)})
    return row


def get(announcement_id) -> Announcement | None:
    """Any announcement by id (the organizer's pages), None for no such row."""
    return db.session.get(Announcement, announcement_id) if is_row_id(announcement_id) else None


def public(announcement_id) -> Announcement | None:
    """A published announcement by id, None when there is none the public may read."""
    row = get(announcement_id)
    return row if row is not None and row.status in PUBLIC_STATES else None


def all_for_staff() -> list[Announcement]:
    """Every announcement, newest first, for the organizer's list."""
    return list(db.session.scalars(select(Announcement).order_by(Announcement.id.desc())))


def published(page: int = 1, per_page: int = PAGE_SIZE) -> tuple[list[Announcement], int]:
    """One page of the published announcements, newest publication first, and the page count."""
    query = select(Announcement).where(Announcement.status.in_(sorted(PUBLIC_STATES)))
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    pages = max((total + per_page - 1) // per_page, 1)
    page = min(max(page, 1), pages)
    rows = db.session.scalars(query.order_by(Announcement.published_at.desc(),
                                             Announcement.id.desc())
                              .limit(per_page).offset((page - 1) * per_page))
    return list(rows), pages


def actions_for(row: Announcement, actor) -> list[str]:
    """The lifecycle actions the actor may take on the announcement now (for buttons)."""
    return ANNOUNCEMENT.available(row.status, acting_roles(actor))
