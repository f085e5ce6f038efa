"""In-app notifications: a line in the recipient's inbox, written inside the caller's transaction."""

from __future__ import annotations

from grants.extensions import db
from grants.models import Notification


def notify(user_id: int, message: str, link: str = "") -> Notification:
    """Queue a message for one account; commits with the state change that caused it."""
    note = Notification(user_id=user_id, message=message[:300], link=link[:200])
    db.session.add(note)
    return note
