"""How the judging views answer a :class:`~grants.domain.errors.Refusal` from a service.

Two patterns, each catching the refusal in one place: a page that only reads aborts with the
refusal's status (:func:`or_abort`); a form or button that changes something flashes every
reason and lets the view show its page again with that status (:func:`attempt`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import abort, flash

from grants.domain.errors import Refusal

T = TypeVar("T")


def reasons(error: Refusal) -> list[str]:
    """Every reason a refusal gives: its problems (text, or objects with a ``message``), else
    its message."""
    return [str(getattr(p, "message", p)) for p in error.problems] or [str(error)]


def or_abort(call: Callable[..., T], *args, **kwargs) -> T:
    """Run a service read; a refusal aborts with its status (a 400 also shows its reason)."""
    try:
        return call(*args, **kwargs)
    except Refusal as error:
        abort(error.status, reasons(error)[0] if error.status == 400 else None)


def attempt(call: Callable[..., object], *args, **kwargs) -> Refusal | None:
    """Run a service change: None when it was done, else the refusal, its reasons flashed.

    The view then shows its page again with ``refusal.status``; nothing was changed.
    """
    try:
        call(*args, **kwargs)
    except Refusal as error:
        for reason in reasons(error):
            flash(reason, "danger")
        return error
    return None
