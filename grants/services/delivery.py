"""Delivering notifications beyond the inbox: by e-mail when SMTP is configured, and through
any other :class:`Sender` (an SMS gateway later) registered on the application.

Every notification written in a transaction becomes a :class:`Letter` just before the commit
(while its reader's address can still be read) and is handed to the senders only after the
commit succeeded: a rolled-back request sends nothing, and a sender that fails is logged and
never undoes what was committed. The inbox stays the record; delivery is a courtesy.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from collections.abc import Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formataddr
from typing import Protocol

from flask import Flask, current_app, has_app_context
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from grants.domain.i18n import N_, source_language, tr
from grants.models import Notification, User

log = logging.getLogger(__name__)
SENDERS_KEY = "notification_senders"
_NOTES = "delivery_notes"
_LETTERS = "delivery_letters"
SUBJECT_PREFIX = N_("【金点子公益创投】")
FOOTER = N_("这是平台自动发送的提醒，请勿直接回复。")
SEE = N_("查看：%(url)s")
SUBJECT_CHARS = 40


@dataclass(frozen=True)
class Letter:
    """One notification on its way to one person, with every address a sender may use."""

    user_id: int
    name: str
    email: str
    phone: str
    text: str
    url: str


class Sender(Protocol):
    """A way to reach people outside the site (e-mail, SMS …)."""

    def accepts(self, letter: Letter) -> bool:
        """True when this sender can reach the letter's reader (they gave an address)."""

    def send(self, letters: Sequence[Letter]) -> None:
        """Deliver the letters; raising is allowed (it is logged, never shown to users)."""


def subject_of(text: str) -> str:
    """The e-mail subject: the site's prefix and the start of the message."""
    with source_language():
        prefix = tr(SUBJECT_PREFIX)
    short = text if len(text) <= SUBJECT_CHARS else text[: SUBJECT_CHARS - 1] + "…"
    return prefix + short


def body_of(letter: Letter) -> str:
    """The e-mail body: the message, the page to open, and the footer."""
    with source_language():
        lines = [letter.text, ""]
        if letter.url:
            lines.append(tr(SEE) % {"url": letter.url})
        lines += ["", tr(FOOTER)]
    return "\n".join(lines)


@dataclass(frozen=True)
class SmtpSender:
    """E-mail through one SMTP server (STARTTLS or SSL when configured), one connection for
    all the letters of a commit."""

    host: str
    port: int = 25
    sender: str = "noreply@localhost"
    username: str = ""
    password: str = ""
    starttls: bool = False
    use_ssl: bool = False
    timeout: float = 10.0

    @classmethod
    def from_config(cls, config) -> SmtpSender | None:
        """The sender the configuration asks for, or ``None`` when SMTP_HOST is not set."""
        host = config.get("SMTP_HOST")
        if not host:
            return None
        return cls(host=host, port=int(config.get("SMTP_PORT") or 25),
                   sender=config.get("SMTP_SENDER") or "noreply@localhost",
                   username=config.get("SMTP_USERNAME") or "",
                   password=config.get("SMTP_PASSWORD") or "",
                   starttls=bool(config.get("SMTP_STARTTLS")),
                   use_ssl=bool(config.get("SMTP_SSL")),
                   timeout=float(config.get("SMTP_TIMEOUT") or 10))

    def accepts(self, letter: Letter) -> bool:
        """Only people who gave an e-mail address get e-mail."""
        return "@" in letter.email

    def message(self, letter: Letter) -> EmailMessage:
        """The e-mail for one letter (UTF-8 plain text)."""
        mail = EmailMessage()
        mail["From"] = self.sender
        mail["To"] = formataddr((letter.name, letter.email))
        mail["Subject"] = subject_of(letter.text)
        mail.set_content(body_of(letter))
        return mail

    def _connect(self) -> smtplib.SMTP:
        """An open, logged-in connection to the server."""
        if self.use_ssl:
            server = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout,
                                      context=ssl.create_default_context())
        else:
            server = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
            if self.starttls:
                server.starttls(context=ssl.create_default_context())
        if self.username:
            server.login(self.username, self.password)
        return server

    def send(self, letters: Sequence[Letter]) -> None:
        """Send every letter over one connection."""
        with self._connect() as server:
            for letter in letters:
                server.send_message(self.message(letter))


def senders() -> list[Sender]:
    """The senders registered on the current application (none outside an app)."""
    if not has_app_context():
        return []
    return current_app.extensions.get(SENDERS_KEY, [])


def add_sender(app: Flask, sender: Sender) -> None:
    """Register one more way of reaching people (an SMS gateway, a test double)."""
    app.extensions.setdefault(SENDERS_KEY, []).append(sender)


def _letters(notes: Sequence[Notification]) -> list[Letter]:
    """The letters of these notifications, with their readers' addresses."""
    ids = {note.user_id for note in notes}
    people = {user.id: user for user in
              Session.object_session(notes[0]).scalars(select(User).where(User.id.in_(ids)))}
    base = (current_app.config.get("SITE_URL") or "").rstrip("/")
    letters = []
    for note in notes:
        person = people.get(note.user_id)
        if person is None or not person.active:
            continue
        url = base + note.link if base and note.link.startswith("/") else note.link
        letters.append(Letter(person.id, person.display_name, person.email or "",
                              person.phone or "", note.message, url))
    return letters


def deliver(letters: Sequence[Letter]) -> int:
    """Hand each letter to every sender that can reach its reader; returns how many went out.
    A failing sender is logged and the others still run."""
    sent = 0
    for sender in senders():
        batch = [letter for letter in letters if sender.accepts(letter)]
        if not batch:
            continue
        try:
            sender.send(batch)
            sent += len(batch)
        except Exception:  # noqa: BLE001 - delivery must never undo a committed change
            log.exception("could not deliver %d notification(s) through %r", len(batch), sender)
    return sent


def _collect(session: Session, _context) -> None:
    """After a flush: remember the notifications it wrote, when anyone could be sent them."""
    if senders():
        notes = [row for row in session.new if isinstance(row, Notification)]
        session.info.setdefault(_NOTES, []).extend(notes)


def _address_before_commit(session: Session) -> None:
    """Before the commit: turn the transaction's notifications into letters (the readers'
    addresses are read now, inside the transaction)."""
    if not senders():
        return
    session.flush()
    notes = session.info.pop(_NOTES, [])
    if notes:
        session.info.setdefault(_LETTERS, []).extend(_letters(notes))


def _send_after_commit(session: Session) -> None:
    """After the commit: send the letters."""
    letters = session.info.pop(_LETTERS, [])
    if letters:
        deliver(letters)


def _forget(session: Session, previous=None) -> None:
    """A rollback sends nothing (a savepoint's rollback leaves the outer transaction's)."""
    if previous is None or not previous.nested:
        session.info.pop(_NOTES, None)
        session.info.pop(_LETTERS, None)


def register_delivery(app: Flask) -> None:
    """Tell the parties of each step (see :mod:`grants.services.step_notices`) and send their
    notifications through the configured senders (e-mail when SMTP_HOST is set)."""
    from grants.services import step_notices

    step_notices.listen()
    app.extensions.setdefault(SENDERS_KEY, [])
    smtp = SmtpSender.from_config(app.config)
    if smtp is not None:
        add_sender(app, smtp)
    if not event.contains(Session, "after_flush", _collect):
        event.listen(Session, "after_flush", _collect)
        event.listen(Session, "before_commit", _address_before_commit)
        event.listen(Session, "after_commit", _send_after_commit)
        event.listen(Session, "after_soft_rollback", _forget)
