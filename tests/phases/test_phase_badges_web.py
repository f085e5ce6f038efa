"""Every phase badge says what the domain says: one round per phase, and the demo rounds.

Badges carry ``data-phase`` and ``data-round``; the home page, the round list and the round
page are read and each badge compared with :func:`grants.services.rounds.current_phase`.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest

from grants.domain.phases import PHASES
from grants.extensions import db
from grants.models.awards import Award, Notice
from grants.models.base import utcnow
from grants.models.judging import JudgingSettings
from grants.services import judging, rounds
from tests.factories import make_proposal, make_round
from tests.helpers import create_user

BADGE = re.compile(r'data-phase="(\w+)" data-round="(\d+)"')
PAGES = ("/", "/rounds/")
DAY = timedelta(days=1)


def _badges(client, path: str) -> list[tuple[str, int]]:
    response = client.get(path)
    assert response.status_code == 200, path
    return [(key, int(rid)) for key, rid in BADGE.findall(response.get_data(as_text=True))]


def _closed_judging(funding_round) -> None:
    settings = JudgingSettings(round_id=funding_round.id, **judging.SETTINGS_DEFAULTS)
    settings.closed_at = utcnow()
    db.session.add(settings)
    db.session.commit()


def _notice(funding_round, status: str, award_status: str | None = None) -> None:
    today = date.today()
    notice = Notice(round_id=funding_round.id, starts_on=today, ends_on=today + 5 * DAY,
                    status=status)
    db.session.add(notice)
    db.session.flush()
    if award_status:
        proposal = make_proposal(funding_round, create_user("applicant"), status="awarded")
        db.session.add(Award(round_id=funding_round.id, proposal_id=proposal.id, rank=1,
                             amount_fen=1_000_000, requested_fen=1_000_000, score=Decimal(80),
                             status=award_status, notice_id=notice.id))
    db.session.commit()


def _round_in(phase: str):
    """A round whose dates and records put it in ``phase``."""
    now = utcnow()
    if phase == "upcoming":
        return make_round("needs", needs_open=now + DAY / 2)
    if phase in ("needs", "submission", "screening", "judging"):
        return make_round(phase)
    funding_round = make_round("judging")
    _closed_judging(funding_round)
    if phase == "notice":
        _notice(funding_round, "open", "in_notice")
    elif phase == "implementation":
        _notice(funding_round, "closed", "implementing")
    elif phase == "closed":
        _notice(funding_round, "closed", "closed")
    return funding_round


@pytest.mark.parametrize("phase", PHASES)
def test_every_badge_shows_the_domain_phase(app, client, phase):
    funding_round = _round_in(phase)
    assert rounds.current_phase(funding_round) == phase
    for path in (*PAGES, f"/rounds/{funding_round.id}"):
        assert _badges(client, path) == [(phase, funding_round.id)], path


def test_every_badge_of_the_demo_rounds_equals_the_domain_phase(demo_app):
    client = demo_app.test_client()
    expected = {r.id: key for r, key in rounds.phases_by_round(rounds.list_rounds())}
    assert sorted(expected.values()) == ["implementation", "implementation", "submission"]
    for path in PAGES:
        assert {rid: key for key, rid in _badges(client, path)} == expected, path
    for round_id, key in expected.items():
        assert _badges(client, f"/rounds/{round_id}") == [(key, round_id)]


def test_the_round_page_links_to_its_notice_vote_and_results(demo_app):
    client = demo_app.test_client()
    seventh = next(r for r in rounds.list_rounds() if r.round_no == 7)
    notice_id = db.session.query(Notice.id).filter_by(round_id=seventh.id).scalar()
    page = client.get(f"/rounds/{seventh.id}").get_data(as_text=True)
    assert f'href="/notices/{notice_id}"' in page
    settings = db.session.get(JudgingSettings, seventh.id)
    settings.vote_weight_pct, settings.vote_open = 10, settings.closed_at - DAY
    settings.vote_close = settings.closed_at
    db.session.commit()
    page = client.get(f"/rounds/{seventh.id}").get_data(as_text=True)
    assert f'href="/judging/rounds/{seventh.id}/vote"' in page
