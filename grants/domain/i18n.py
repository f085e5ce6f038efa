"""Translatable domain messages without importing Flask.

Domain rules speak Simplified Chinese. ``msg("申请金额 {amount} 低于本轮下限 {limit}", ...)``
looks its template up through a translator the application installs (Flask-Babel in a request,
so an English visitor reads English), then fills the parameters. With no translator installed
(unit tests, scripts) the Chinese template is used as it is. ``N_`` marks constant labels for
extraction; templates translate them when they show them.
"""

from __future__ import annotations

from collections.abc import Callable

_translator: Callable[[str], str] = str


def set_translator(translate: Callable[[str], str]) -> None:
    """Install the function that turns a Chinese template into the reader's language."""
    global _translator
    _translator = translate


def msg(template: str, **params: object) -> str:
    """A message from a ``str.format`` template, translated when a translator is installed."""
    return _translator(template).format(**params)


def N_(text: str) -> str:  # noqa: N802 - the conventional gettext marker name
    """Mark a constant for translation catalogues; returns it unchanged."""
    return text
