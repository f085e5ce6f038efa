"""Rounds (赛事): reading a round's calendar and rules, and creating or editing a round.

Other areas ask a round for its phases (:func:`phases_of`), the rules a proposal must meet
(:func:`rules_of`) and whether an action is open now (:func:`check_phase`). The database keeps
phase moments as naive UTC; everything handed out here is timezone-aware.
"""

from __future__ import annotations

from dataclasses import fields
from datetime import UTC, datetime

from grants.domain import phases as phase_rules
from grants.domain.band import Band
from grants.domain.budget import CategoryCap
from grants.domain.money import yuan
from grants.domain.phases import RoundPhases, TimelineStep
from grants.domain.proposals import RoundRules
from grants.models import FundingRound

PHASE_FIELDS: tuple[str, ...] = tuple(item.name for item in fields(RoundPhases))
POOL_MAX_FEN = yuan(10_000_000)
CATEGORY_MAX_CHARS = 20
CATEGORIES_MAX = 20
NAME_MAX_CHARS = 120


class RoundError(ValueError):
    """A round cannot be saved; ``problems`` lists every reason, in Chinese."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("；".join(problems))
        self.problems = problems


def _aware(moment: datetime) -> datetime:
    """A stored naive-UTC moment as an aware UTC datetime."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def _naive_utc(moment: datetime) -> datetime:
    """An aware moment as the naive UTC datetime the database stores."""
    return moment.astimezone(UTC).replace(tzinfo=None)


def _now(now: datetime | None) -> datetime:
    """``now`` if given (aware, or naive UTC), else the current moment, always aware."""
    return _aware(now) if now is not None else datetime.now(UTC)


def phases_of(funding_round: FundingRound) -> RoundPhases:
    """The round's calendar with aware (UTC) datetimes, ready for :mod:`grants.domain.phases`."""
    values = {}
    for name in PHASE_FIELDS:
        value = getattr(funding_round, name)
        values[name] = _aware(value) if isinstance(value, datetime) else value
    return RoundPhases(**values)


def band_of(funding_round: FundingRound) -> Band:
    """The round's amount band."""
    return Band(funding_round.band_min_fen, funding_round.band_max_fen)


def caps_of(funding_round: FundingRound) -> tuple[CategoryCap, ...]:
    """The round's cost-category caps as domain objects."""
    return tuple(
        CategoryCap(cap["cost_category"], int(cap["max_pct"])) for cap in funding_round.caps or ()
    )


def rules_of(funding_round: FundingRound) -> RoundRules:
    """What the round demands of a proposal: band, tiers, caps and categories."""
    return RoundRules(
        band=band_of(funding_round),
        tiers=tuple(funding_round.tiers or ()),
        caps=caps_of(funding_round),
        categories=tuple(funding_round.categories or ()),
    )


def check_phase(
    funding_round: FundingRound, action: str, now: datetime | None = None
) -> str | None:
    """Why ``action`` (a key of ``phases.WINDOWS``) is closed now, naming the date; else None."""
    return phase_rules.check_window(phases_of(funding_round), action, _now(now))


def current_phase(funding_round: FundingRound, now: datetime | None = None) -> str:
    """The phase key the round is in (``needs``, ``submission``, ``judging`` …)."""
    return phase_rules.current_phase(phases_of(funding_round), _now(now))


def timeline_of(funding_round: FundingRound, now: datetime | None = None) -> list[TimelineStep]:
    """Every phase window of the round with its done/current/upcoming state, for the page."""
    return phase_rules.timeline(phases_of(funding_round), _now(now))
