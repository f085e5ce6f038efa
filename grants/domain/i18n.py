"""Translatable domain messages without importing Flask.

Domain rules speak Simplified Chinese. ``msg("申请金额 {amount} 低于本轮下限 {limit}", ...)``
looks its template up through a translator the application installs (Flask-Babel in a request,
so an English visitor reads English), then fills the parameters. With no translator installed
(unit tests, scripts) the Chinese template is used as it is. ``N_`` marks constant labels for
extraction; templates translate them when they show them.

Text that is stored and read later by other people (notifications, audit payloads, the award
solver's decision sentences) is written inside ``source_language()``: it stays Chinese whatever
language the person who caused it reads.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_translator: Callable[[str], str] = str
_source_only: ContextVar[bool] = ContextVar("i18n_source_only", default=False)


def set_translator(translate: Callable[[str], str]) -> None:
    """Install the function that turns a Chinese template into the reader's language."""
    global _translator
    _translator = translate


def tr(text: str) -> str:
    """A constant label (marked with ``N_``) in the reader's language; unknown text unchanged."""
    if not text or _source_only.get():
        return text
    return _translator(text)


def msg(template: str, **params: object) -> str:
    """A message from a ``str.format`` template, translated when a translator is installed."""
    return tr(template).format(**params)


def N_(text: str) -> str:  # noqa: N802 - the conventional gettext marker name
    """Mark a constant for translation catalogues; returns it unchanged."""
    return text


def join_list(items: Iterable[str]) -> str:
    """Join names the way the reader's language lists them (、 in Chinese, commas in English)."""
    return tr(N_("、")).join(items)


@contextmanager
def source_language() -> Iterator[None]:
    """Inside this block ``msg`` keeps the Chinese templates: for text that is stored."""
    token = _source_only.set(True)
    try:
        yield
    finally:
        _source_only.reset(token)
