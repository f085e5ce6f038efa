"""The amount band of a round: how little and how much one proposal may ask for.

The platform fixes a site band (¥5,000.00 – ¥15,000.00). A round may narrow it but never widen
it, and may further restrict requests to a few fixed tiers (e.g. ¥5,000 / ¥10,000 / ¥15,000).
All amounts are integer fen; every message names the limit that was crossed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from grants.domain.i18n import msg
from grants.domain.money import format_fen, yuan

MAX_TIERS = 10


@dataclass(frozen=True)
class Band:
    """Inclusive lower and upper limits of a request, in fen."""

    min_fen: int
    max_fen: int

    def __post_init__(self) -> None:
        """Refuse non-integer, non-positive or inverted bands: they are programming errors."""
        for value in (self.min_fen, self.max_fen):
            if isinstance(value, bool) or not isinstance(value, int):
                raise TypeError(msg("金额须为整数（分），收到 {kind}", kind=type(value).__name__))
        if self.min_fen < 1:
            raise ValueError(msg("下限须至少为 {limit}", limit=format_fen(1)))
        if self.min_fen > self.max_fen:
            raise ValueError(
                msg(
                    "下限 {low} 不能高于上限 {high}",
                    low=format_fen(self.min_fen),
                    high=format_fen(self.max_fen),
                )
            )

    def contains(self, amount_fen: int) -> bool:
        """True when the amount lies inside the band, both ends included."""
        return self.min_fen <= amount_fen <= self.max_fen


SITE_BAND = Band(yuan(5000), yuan(15000))
STANDARD_TIERS: tuple[int, ...] = (yuan(5000), yuan(10000), yuan(15000))


def check_amount(amount_fen: int, band: Band) -> str | None:
    """Say why a requested amount falls outside the round's band, or ``None`` if it fits."""
    if amount_fen < band.min_fen:
        return msg(
            "申请金额 {amount} 低于本轮下限 {limit}",
            amount=format_fen(amount_fen),
            limit=format_fen(band.min_fen),
        )
    if amount_fen > band.max_fen:
        return msg(
            "申请金额 {amount} 高于本轮上限 {limit}",
            amount=format_fen(amount_fen),
            limit=format_fen(band.max_fen),
        )
    return None


def narrow_band(site: Band, min_fen: int, max_fen: int) -> Band:
    """Build a round's band inside the site band; raise ``ValueError`` (Chinese) otherwise.

    Rounds may only narrow the site limits, so a round's organiser cannot promise more (or
    require less) than the platform allows.
    """
    if min_fen < site.min_fen:
        raise ValueError(
            msg(
                "本轮下限 {amount} 不能低于平台下限 {limit}",
                amount=format_fen(min_fen),
                limit=format_fen(site.min_fen),
            )
        )
    if max_fen > site.max_fen:
        raise ValueError(
            msg(
                "本轮上限 {amount} 不能高于平台上限 {limit}",
                amount=format_fen(max_fen),
                limit=format_fen(site.max_fen),
            )
        )
    if min_fen > max_fen:
        raise ValueError(
            msg(
                "本轮下限 {low} 不能高于本轮上限 {high}",
                low=format_fen(min_fen),
                high=format_fen(max_fen),
            )
        )
    return Band(min_fen, max_fen)


def check_tier(amount_fen: int, tiers: Sequence[int] | None) -> str | None:
    """Say why an amount is not one of the round's tiers; ``None`` if it is or there are none."""
    if not tiers or amount_fen in tiers:
        return None
    names = " / ".join(format_fen(tier) for tier in sorted(set(tiers)))
    return msg("申请金额须为本轮档位之一：{tiers}", tiers=names)


def validate_tiers(tiers: Sequence[int], band: Band) -> list[str]:
    """Check an organiser's tier list against the band: in range, distinct, at most 10."""
    problems: list[str] = []
    if len(tiers) > MAX_TIERS:
        problems.append(
            msg("档位最多 {max} 个（当前 {count} 个）", max=MAX_TIERS, count=len(tiers))
        )
    seen: set[int] = set()
    for tier in tiers:
        if tier in seen:
            problems.append(msg("档位 {tier} 重复", tier=format_fen(tier)))
            continue
        seen.add(tier)
        if tier < band.min_fen:
            problems.append(
                msg(
                    "档位 {tier} 低于本轮下限 {limit}",
                    tier=format_fen(tier),
                    limit=format_fen(band.min_fen),
                )
            )
        elif tier > band.max_fen:
            problems.append(
                msg(
                    "档位 {tier} 高于本轮上限 {limit}",
                    tier=format_fen(tier),
                    limit=format_fen(band.max_fen),
                )
            )
    return problems
