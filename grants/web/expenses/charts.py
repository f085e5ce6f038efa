"""Spending charts as server-side SVG geometry: the page draws ``<rect>`` elements from numbers.

The CSP forbids inline style and script, so a chart is drawn with presentation attributes only
(``x``, ``width``, ``fill``), as the judging and disbursement charts are. This module turns
amounts in fen into those numbers: one row per budget line (or cost category) with the budget
as an outlined bar and what was spent inside it — accepted solid, pending lighter — on a scale
common to every row, so an overrun reaches past its budget's outline.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

WIDTH = 600
"""The drawing's width in viewBox units; the label column is part of it."""
LABEL_WIDTH = 170
ROW_HEIGHT = 30
BAR_HEIGHT = 16
TOP = 8
TICKS = 4
LABEL_CHARS = 12


@dataclass(frozen=True)
class Amounts:
    """What one row of a chart shows: a label, its budget and what was spent against it."""

    label: str
    budget_fen: int
    accepted_fen: int
    pending_fen: int = 0

    @property
    def over(self) -> bool:
        """True when accepted and pending spending together pass the budget."""
        return self.accepted_fen + self.pending_fen > self.budget_fen


@dataclass(frozen=True)
class Bar:
    """One drawn row: the label's baseline and the three bars' x and width."""

    amounts: Amounts
    short_label: str
    y: float
    text_y: float
    budget_width: float
    accepted_width: float
    pending_x: float
    pending_width: float


@dataclass(frozen=True)
class Chart:
    """A whole chart: its rows, its height, the x of the bars' origin and the scale ticks."""

    bars: tuple[Bar, ...]
    height: int
    origin: int
    width: int
    ticks: tuple[tuple[float, int], ...]
    """``(x, fen)`` of each scale mark, the origin's zero first."""


def shorten(label: str, limit: int = LABEL_CHARS) -> str:
    """A label that fits the label column; the full one is in the row's ``<title>``."""
    return label if len(label) <= limit else label[: limit - 1] + "…"


def _scale(rows: list[Amounts]) -> int:
    """The amount the full bar width stands for: the largest budget or spending, never 0."""
    peak = max((max(r.budget_fen, r.accepted_fen + r.pending_fen) for r in rows), default=0)
    return max(peak, 1)


def chart(rows: Iterable[Amounts]) -> Chart:
    """Lay out ``rows`` top to bottom on one scale (widths in viewBox units, one decimal)."""
    items = list(rows)
    span = WIDTH - LABEL_WIDTH - 10
    peak = _scale(items)

    def width(fen: int) -> float:
        return round(max(fen, 0) * span / peak, 1)

    bars = []
    for index, row in enumerate(items):
        y = TOP + index * ROW_HEIGHT
        accepted = width(row.accepted_fen)
        bars.append(Bar(
            amounts=row, short_label=shorten(row.label), y=y, text_y=y + BAR_HEIGHT - 4,
            budget_width=width(row.budget_fen), accepted_width=accepted, pending_x=round(LABEL_WIDTH + accepted, 1),
            pending_width=width(row.pending_fen),
        ))
    ticks = tuple((round(LABEL_WIDTH + span * i / TICKS, 1), peak * i // TICKS)
                  for i in range(TICKS + 1))
    height = TOP + len(items) * ROW_HEIGHT + 14
    return Chart(bars=tuple(bars), height=height, origin=LABEL_WIDTH, width=WIDTH, ticks=ticks)
