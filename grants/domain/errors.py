"""The one refusal every layer raises: a reason people can read, an HTTP status, and problems.

Domain rules, services and the lifecycle engine all refuse with :class:`Refusal` (or a subclass
that adds detail, such as :class:`grants.domain.workflow.TransitionError`). The web layer has
one handler that turns it into a page, a flash or a form error; nothing else catches it by type.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


class Refusal(ValueError):
    """A request that cannot be carried out; ``str(err)`` is the reason in the reader's language.

    ``status`` is the HTTP status a view answers with: 404 hides what the person may not know
    exists, 403 is a missing right, 409 a state that moved on, 422 input to correct.
    ``problems`` name form inputs (objects with ``field`` and ``message``) so a form can show
    each one beside what was typed.
    """

    def __init__(self, message: str, problems: Sequence[Any] | None = None, status: int = 422):
        """Keep the reason as the message, with the problems and status for the web layer."""
        super().__init__(message)
        self.problems = list(problems or [])
        self.status = status
