"""In-app notifications: a line in the recipient's inbox, written inside the caller's transaction.

A notification is stored as a message key with its parameters (see :mod:`grants.domain.messages`)
so each reader reads it in their language, and as the Chinese text it had when written. Pass a
:class:`~grants.domain.messages.Message`, or a text with ``key=``/``params=`` (an ``N_()``
constant with ``%(name)s`` or ``{name}`` placeholders); a plain text alone is stored as text.
"""

from __future__ import annotations

from collections.abc import Mapping

from grants.domain.messages import Message
from grants.extensions import db
from grants.models import Notification


def notify(
    user_id: int,
    message: str | Message,
    link: str = "",
    *,
    key: str | None = None,
    params: Mapping[str, object] | None = None,
) -> Notification:
    """Queue a message for one account; commits with the state change that caused it."""
    if key is not None:
        message = Message(key, dict(params or {}))
    if isinstance(message, Message):
        stored = message.as_json()
        note = Notification(user_id=user_id, message=message.source_text()[:300],
                            message_key=stored["key"], message_params=stored["params"],
                            link=link[:200])
    else:
        note = Notification(user_id=user_id, message=message[:300], link=link[:200])
    db.session.add(note)
    return note
