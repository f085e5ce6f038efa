"""Disbursement progress as server-side SVG geometry (the page draws ``<rect>`` elements).

The CSP forbids inline style and script, so a chart is drawn from presentation attributes
only (``x``, ``width``, ``fill``), as the judging score charts are. This module turns amounts
in fen into those numbers: a stacked bar per row (paid, approved, requested, the rest of the
award) on a common scale, with the labels a screen reader and a hover title need.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from grants.domain.i18n import N_
from grants.domain.money import format_fen

WIDTH = 300
"""The chart's drawing width in SVG units; it scales to the page width."""
BAR_HEIGHT = 14
ROW_GAP = 10
LABEL_HEIGHT = 14

SEGMENTS: tuple[tuple[str, str, str, str], ...] = (
    ("paid_fen", N_("已付款"), "#198754", "paid"),
    ("approved_fen", N_("已审批待付款"), "#0d6efd", "approved"),
    ("requested_fen", N_("待审批"), "#ffc107", "requested"),
)
"""The parts of a bar in drawing order: key of the totals, label, colour, legend class (the
colours match ``.chart-swatch.<class>`` in site.css)."""
REST_COLOUR = "#dee2e6"
REST_LABEL = N_("未拨付")
LEGEND: tuple[tuple[str, str], ...] = (
    *((label, css) for _key, label, _colour, css in SEGMENTS), (REST_LABEL, "rest"),
)


@dataclass(frozen=True)
class Segment:
    """One coloured part of a bar."""

    x: float
    width: float
    fill: str
    label: str
    amount_fen: int

    @property
    def amount_text(self) -> str:
        """The amount as people read it."""
        return format_fen(self.amount_fen)


@dataclass(frozen=True)
class Bar:
    """One row of the chart: its label, where it sits and its segments."""

    label: str
    y: float
    total_fen: int
    paid_fen: int
    segments: tuple[Segment, ...]

    @property
    def percent_paid(self) -> int:
        """The whole per cent of the award already paid (0 when there is no award)."""
        return self.paid_fen * 100 // self.total_fen if self.total_fen else 0


@dataclass(frozen=True)
class Chart:
    """Bars on one scale, and the drawing's height."""

    bars: tuple[Bar, ...]
    width: int
    height: int
    bar_height: int = BAR_HEIGHT
    legend: tuple[tuple[str, str], ...] = LEGEND


def _value(totals, key: str) -> int:
    """An amount of a totals row (a mapping or an object), 0 when absent."""
    value = totals.get(key) if isinstance(totals, dict) else getattr(totals, key, 0)
    return int(value or 0)


def _segments(totals, scale: float) -> tuple[Segment, ...]:
    """The coloured parts of one bar, then the grey rest of the award."""
    total = _value(totals, "awarded_fen")
    parts, x, used = [], 0.0, 0
    for key, label, colour, _css in SEGMENTS:
        amount = min(_value(totals, key), max(total - used, 0))
        if amount > 0:
            width = round(amount * scale, 2)
            parts.append(Segment(round(x, 2), width, colour, label, amount))
            x += width
            used += amount
    rest = total - used
    if rest > 0:
        parts.append(Segment(round(x, 2), round(rest * scale, 2), REST_COLOUR, REST_LABEL, rest))
    return tuple(parts)


def progress_chart(rows: Iterable[tuple[str, object]], width: int = WIDTH) -> Chart:
    """A stacked bar per ``(label, totals)``; every bar on the scale of the largest award,
    so rounds (or tranches) of different size compare at a glance."""
    rows = list(rows)
    largest = max((_value(totals, "awarded_fen") for _label, totals in rows), default=0)
    scale = width / largest if largest else 0.0
    bars = []
    for index, (label, totals) in enumerate(rows):
        y = index * (BAR_HEIGHT + ROW_GAP + LABEL_HEIGHT) + LABEL_HEIGHT
        bars.append(Bar(label, y, _value(totals, "awarded_fen"), _value(totals, "paid_fen"),
                        _segments(totals, scale)))
    height = len(bars) * (BAR_HEIGHT + ROW_GAP + LABEL_HEIGHT)
    return Chart(tuple(bars), width, max(height, 1))
