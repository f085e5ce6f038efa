"""Fair resident votes end to end: turnout on the ranking, no vote after judging, and the
database refusing a vote window that outlasts judging."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy.exc import DatabaseError

from grants.domain.errors import Refusal
from grants.domain.judging_rules import SettingsInput
from grants.extensions import db
from grants.models import FundingRound
from grants.models.base import utcnow
from grants.models.judging import JudgingSettings
from grants.services import judging, ranking
from tests.helpers import create_user
from tests.judging_support import build, split_total, write_sheet


def _settings(setup, **changes) -> SettingsInput:
    values = {name: getattr(judging.settings_for(setup.round.id), name)
              for name in judging.SETTINGS_FIELDS}
    values.update(changes)
    return SettingsInput(**values)


def _open_vote(setup, weight: int = 20):
    now = utcnow()
    judging.update_settings(setup.round.id, _settings(
        setup, vote_weight_pct=weight, vote_open=now - timedelta(hours=1),
        vote_close=setup.round.judging_close), setup.organizer)
    return now


def test_one_vote_in_a_round_of_two_moves_each_final_score_at_most_weight_times_turnout(app):
    setup = build(judges=1, proposals=2, assign=False)
    first, second = setup.proposals
    write_sheet(setup.round, setup.judges[0].id, first.id, split_total(80))
    write_sheet(setup.round, setup.judges[0].id, second.id, split_total(78))
    now = _open_vote(setup)
    judging.cast_vote(create_user("voter", "resident"), setup.round.id, second.id, now=now)
    report = ranking.ranking_report(setup.round.id)
    assert (report.turnout, report.min_turnout) == (1, 30)
    assert report.applied_weight_pct == Decimal("0.67")
    bound = Decimal("0.20") * Decimal(1) / 30 * 100
    for row in report.rows:
        assert abs(row.final_score - row.expert_score) <= bound + Decimal("0.005")
    assert [row.proposal_id for row in report.rows] == [first.id, second.id]


def test_a_vote_after_judging_closed_is_refused(app):
    setup = build(judges=1, proposals=1, assign=False)
    proposal = setup.proposals[0]
    write_sheet(setup.round, setup.judges[0].id, proposal.id, split_total(80))
    now = _open_vote(setup)
    resident = create_user("voter", "resident")
    with pytest.raises(Refusal) as error:
        judging.cast_vote(resident, setup.round.id, proposal.id,
                          now=setup.round.judging_close + timedelta(seconds=1))
    assert error.value.status == 409
    judging.close_judging(setup.round.id, setup.organizer, now=now)
    with pytest.raises(Refusal) as error:
        judging.cast_vote(resident, setup.round.id, proposal.id, now=now + timedelta(minutes=1))
    assert str(error.value) == "评审已结束，居民投票已截止"


def test_settings_refuse_a_vote_window_that_outlasts_judging(app):
    setup = build(judges=1, proposals=1, assign=False)
    late = setup.round.judging_close + timedelta(days=1)
    with pytest.raises(Refusal) as error:
        judging.update_settings(setup.round.id, _settings(
            setup, vote_weight_pct=20, vote_open=utcnow(), vote_close=late), setup.organizer)
    assert error.value.status == 400 and "不得晚于评审截止时间" in str(error.value)


def test_the_settings_form_names_the_close_of_judging(app, client, auth):
    setup = build(judges=1, proposals=1, assign=False)
    auth.login(setup.organizer.username)
    response = client.post(f"/judging/rounds/{setup.round.id}/settings", data={
        "mode": "all", "judges_per_proposal": 3, "seed": 7, "method": "mean",
        "vote_weight_pct": 20, "vote_max_per_resident": 3, "vote_min_turnout": 30,
        "vote_open": "2026-01-01T09:00", "vote_close": "2099-01-01T09:00"})
    assert response.status_code == 400
    assert "投票截止时间不得晚于评审截止时间" in response.get_data(as_text=True)


def test_the_database_keeps_the_vote_window_inside_judging(any_app):
    setup = build(judges=1, proposals=1, assign=False)
    settings = db.session.get(JudgingSettings, setup.round.id)
    settings.vote_close = setup.round.judging_close + timedelta(hours=1)
    with pytest.raises(DatabaseError):
        db.session.commit()
    db.session.rollback()
    settings = db.session.get(JudgingSettings, setup.round.id)
    settings.vote_open = utcnow()
    settings.vote_close = setup.round.judging_close
    db.session.commit()
    funding_round = db.session.get(FundingRound, setup.round.id)
    funding_round.judging_close = funding_round.judging_close - timedelta(hours=1)
    with pytest.raises(DatabaseError):
        db.session.commit()
    db.session.rollback()
