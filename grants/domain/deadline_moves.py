"""Round edits that bring a live deadline forward: which moves need an explicit confirmation.

A deadline is *live* while it is still ahead. Moving it earlier strands people who planned on
the old date (a draft due at the old submission deadline, a returned proposal, a judge's
unfinished sheets), and moving it to the past closes the window at once. Such an edit is saved
only when the organizer confirms it, and the people affected are told. Plain Python: the
service counts who is affected.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from grants.domain.i18n import N_
from grants.domain.messages import Message, label, message, moment
from grants.domain.phases import FIELD_LABELS, RoundPhases

LIVE_DEADLINES: tuple[str, ...] = (
    "needs_close", "submit_close", "return_deadline", "screening_close", "judging_close",
)
"""The moments that close a window people work against."""


@dataclass(frozen=True)
class DeadlineMove:
    """One live deadline brought forward: from ``before`` to ``after``; ``closes_now`` when
    the new moment has already passed (the window shuts as the edit is saved)."""

    field: str
    before: datetime
    after: datetime
    closes_now: bool

    def describe(self) -> Message:
        """"申报截止时间由 … 提前至 …" as a message for the page and the notification."""
        template = (N_("{field}由 {before} 提前至 {after}（已过，保存后立即截止）")
                    if self.closes_now else N_("{field}由 {before} 提前至 {after}"))
        return message(template, field=label(FIELD_LABELS[self.field]),
                       before=moment(self.before), after=moment(self.after))


def earlier_deadlines(before: RoundPhases, after: RoundPhases, now: datetime) -> list[DeadlineMove]:
    """Every live deadline (still ahead at ``now``) the edit moves earlier, in calendar order."""
    moves = []
    for name in LIVE_DEADLINES:
        old, new = getattr(before, name), getattr(after, name)
        if old > now and new < old:
            moves.append(DeadlineMove(name, old, new, new <= now))
    return moves


def needs_confirmation(move: DeadlineMove, affected: int) -> bool:
    """A move must be confirmed when it closes the window now or people planned on the old
    deadline (``affected`` of them)."""
    return move.closes_now or affected > 0
