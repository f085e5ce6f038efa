"""The portal's SVG charts, drawn with the geometry the finance and expense pages already use
(:mod:`grants.web.expenses.charts`, :mod:`grants.web.finance.chart`): pool use per round,
disbursement per round, and spending by cost category."""

from __future__ import annotations

from collections.abc import Iterable

from grants.domain.i18n import tr
from grants.web.expenses import charts
from grants.web.finance.chart import progress_chart


def pool_use(summaries: Iterable) -> charts.Chart:
    """Per round: the pool outlined, funded awards solid, awards still in notice lighter."""
    return charts.chart(charts.Amounts(s.name, s.pool_fen, s.funded_fen, s.noticed_fen)
                        for s in summaries)


def disbursement(summaries: Iterable):
    """Per round with funded awards: paid against awarded (the finance progress bars)."""
    return progress_chart((s.name, {"awarded_fen": s.funded_fen, "paid_fen": s.paid_fen})
                          for s in summaries if s.funded_fen)


def by_category(rows: Iterable) -> charts.Chart:
    """Per cost category: approved budget outlined, accepted spending solid."""
    return charts.chart(charts.Amounts(tr(r.label), r.approved_fen, r.accepted_fen)
                        for r in rows)


def by_line(lines: Iterable) -> charts.Chart:
    """One project's budget lines: adjusted budget outlined, accepted spending solid."""
    return charts.chart(charts.Amounts(line.item, line.adjusted_fen, line.accepted_fen)
                        for line in lines)
