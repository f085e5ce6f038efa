"""Round service: calendar and rules read from a stored round, creating and editing rounds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from grants.domain.band import Band
from grants.domain.budget import CategoryCap
from grants.services import rounds
from tests.factories import make_round


def test_phases_of_gives_aware_utc_datetimes(app):
    funding_round = make_round("submission")
    phases = rounds.phases_of(funding_round)
    assert phases.submit_open.tzinfo is UTC
    assert phases.submit_open.replace(tzinfo=None) == funding_round.submit_open
    assert phases.implementation_start == funding_round.implementation_start


def test_rules_of_reads_band_tiers_caps_and_categories(app):
    funding_round = make_round(
        band_min_fen=600_000,
        band_max_fen=1_200_000,
        tiers=[600_000, 1_200_000],
        caps=[{"cost_category": "personnel", "max_pct": 30}],
        categories=["助老", "环保"],
    )
    rules = rounds.rules_of(funding_round)
    assert rules.band == Band(600_000, 1_200_000)
    assert rules.tiers == (600_000, 1_200_000)
    assert rules.caps == (CategoryCap("personnel", 30),)
    assert rules.categories == ("助老", "环保")


def test_check_phase_names_the_deadline(app):
    funding_round = make_round("judging")
    message = rounds.check_phase(funding_round, "submit")
    assert message.startswith("本轮申报已于") and "截止" in message
    assert rounds.check_phase(funding_round, "score") is None
    early = datetime.now(UTC) - timedelta(days=365)
    assert "开始" in rounds.check_phase(funding_round, "score", now=early)
    assert rounds.current_phase(funding_round) == "judging"
