"""A round's budget pool (资金池): which awards hold its money, their total, and the one check.

An award holds money of its round's pool from the moment the solver proposes it until it is
revoked or discarded (:data:`LIVE_STATES`, from the award lifecycle). Proposed awards count
too, so publishing a notice is never the step that finds the pool short.

:func:`check_pool` is the only place that decides whether awards fit in a pool. Every path that
changes the pool or an award's amount calls it under the round lock: the solver run, the
organizer's adjustment, an upheld objection that changes an amount, and the round edit form.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from grants.domain.i18n import N_, msg, tr
from grants.domain.lifecycles.award import LIVE_STATES
from grants.domain.money import format_fen


def committed_total(amounts_by_state: Mapping[str, int] | Iterable[tuple[str, int]]) -> int:
    """The money live awards take from the pool, in fen.

    ``amounts_by_state`` maps an award state to an amount, as a mapping or as ``(state, fen)``
    pairs: a ``GROUP BY status`` of a round's awards, or one pair per award. Amounts in states
    that released their money (revoked, discarded) are left out.
    """
    pairs = amounts_by_state.items() if isinstance(amounts_by_state, Mapping) else amounts_by_state
    return sum(amount for state, amount in pairs if state in LIVE_STATES)


def check_pool(total_fen: int, pool_fen: int, label: str = N_("立项总额")) -> str | None:
    """Why awards totalling ``total_fen`` do not fit in ``pool_fen``, or None when they do.

    The message names both sums and the excess, so the organizer sees the number to aim for;
    ``label`` names the total (an adjustment says "调整后立项总额").
    """
    if total_fen <= pool_fen:
        return None
    return msg(
        "{label} {total} 超过资金池 {pool}（超出 {excess}）",
        label=tr(label),
        total=format_fen(total_fen),
        pool=format_fen(pool_fen),
        excess=format_fen(total_fen - pool_fen),
    )


__all__ = ["LIVE_STATES", "check_pool", "committed_total"]
