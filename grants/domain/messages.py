"""Stored messages read in each reader's language: a message key and its parameters.

Text written now and read later by other people (notifications, the award solver's sentences)
used to be stored as Chinese sentences. A :class:`Message` keeps the key (the Chinese template,
marked with ``N_`` for the catalogue) and its parameters instead, and is rendered when read, so
an English reader reads English. A parameter may itself be a message (a state label, a moment
in Beijing time), rendered in the same language. Plain Python and JSON: the services store
:meth:`Message.as_json` and the pages call :func:`render_stored`.

Keys are ``str.format`` templates (``{title}``) like every ``msg()`` template; a key written
with ``%(title)s`` placeholders (as ``gettext`` strings are) is filled with ``%`` instead.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime

from grants.domain.clock import BEIJING
from grants.domain.i18n import N_, source_language, tr

NESTED = "_msg"
"""The marker of a parameter that is itself a stored message."""


@dataclass(frozen=True)
class Message:
    """A message key (a translatable template) and its parameters, rendered when read."""

    key: str
    params: Mapping[str, object] = field(default_factory=dict)

    def render(self) -> str:
        """The message in the reader's language (the installed translator's)."""
        return render_stored(self.key, self.as_json()["params"])

    def source_text(self) -> str:
        """The message in the source language (Chinese), for records kept as text."""
        with source_language():
            return self.render()

    def as_json(self) -> dict:
        """``{"key": …, "params": {…}}`` with nested messages marked, ready to store."""
        return {"key": self.key, "params": {k: _stored(v) for k, v in self.params.items()}}

    def __str__(self) -> str:
        return self.render()


def message(key: str, **params: object) -> Message:
    """A stored message: ``message(N_("您的申报“{title}”已撤回"), title=…)``."""
    return Message(key, params)


def label(key: str) -> Message:
    """A constant label (a state name, a window name) rendered in the reader's language."""
    return Message(key, {})


def moment(value: datetime) -> Message:
    """An aware moment as people in the round read it, in Beijing time and their language."""
    local = value.astimezone(BEIJING)
    return Message(N_("{year}年{month}月{day}日 {time}"), {
        "year": local.year, "month": local.month, "day": local.day, "time": f"{local:%H:%M}"})


def day(value: date) -> Message:
    """A calendar date in the reader's language."""
    return Message(N_("{year}年{month}月{day}日"),
                   {"year": value.year, "month": value.month, "day": value.day})


def _stored(value: object) -> object:
    """A parameter as JSON: nested messages marked, everything else as it is."""
    if isinstance(value, Message):
        return {NESTED: value.key, "params": {k: _stored(v) for k, v in value.params.items()}}
    return value


def _rendered(value: object) -> object:
    """A stored parameter for the template: nested messages rendered, others unchanged."""
    if isinstance(value, Mapping) and NESTED in value:
        return render_stored(str(value[NESTED]), value.get("params") or {})
    return value


def render_stored(key: str, params: Mapping[str, object] | None = None) -> str:
    """A stored message in the reader's language: the key translated, then filled.

    A parameter the template lacks is left out; a template whose parameters were not stored
    is shown unfilled rather than failing the page.
    """
    values = {name: _rendered(value) for name, value in (params or {}).items()}
    template = tr(key)
    try:
        return template % values if "%(" in key else template.format(**values)
    except (KeyError, IndexError, ValueError, TypeError):
        return template


def from_json(data: Mapping[str, object] | None) -> Message | None:
    """The message stored by :meth:`Message.as_json` (None when nothing was stored)."""
    if not data or not data.get("key"):
        return None
    return Message(str(data["key"]), dict(data.get("params") or {}))
