"""Round edits that bring a live deadline forward need an explicit confirmation and tell the
people who planned on the old one."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import select

from grants.domain.clock import BEIJING
from grants.domain.deadline_moves import earlier_deadlines, needs_confirmation
from grants.domain.errors import Refusal
from grants.domain.phases import local_datetime as at
from grants.extensions import db
from grants.models import Notification
from grants.models.audit import AuditEntry
from grants.models.base import utcnow
from grants.models.judging import JudgingSettings
from grants.services import judging, rounds
from tests.factories import make_proposal, make_round
from tests.helpers import audit_count, create_user

DAY = timedelta(days=1)


def _data(funding_round, **moments) -> rounds.RoundData:
    """The round as stored, with some of its phase moments changed."""
    phases = replace(rounds.phases_of(funding_round), **moments)
    return rounds.RoundData(
        name=funding_round.name, district=funding_round.district, street=funding_round.street,
        description=funding_round.description, pool_fen=funding_round.pool_fen,
        band_min_fen=funding_round.band_min_fen, band_max_fen=funding_round.band_max_fen,
        phases=phases, round_no=funding_round.round_no,
        district_code=funding_round.district_code, categories=tuple(funding_round.categories),
    )


def test_only_live_deadlines_brought_forward_count():
    from grants.domain.phases import RoundPhases

    before = RoundPhases(
        needs_open=at(2026, 11, 1), needs_close=at(2026, 11, 20), submit_open=at(2026, 11, 2),
        submit_close=at(2026, 12, 20), screening_close=at(2026, 12, 30),
        return_deadline=at(2026, 12, 25), judging_open=at(2027, 1, 2),
        judging_close=at(2027, 1, 10), notice_days=5,
        implementation_start=at(2027, 2, 1).date(), implementation_end=at(2027, 6, 1).date())
    now = at(2026, 12, 1)
    after = replace(before, needs_close=at(2026, 11, 18), submit_close=at(2026, 11, 30),
                    judging_close=at(2027, 1, 12))
    (move,) = earlier_deadlines(before, after, now)  # needs_close had passed already
    assert (move.field, move.closes_now) == ("submit_close", True)
    assert move.describe().render() == (
        "申报截止时间由 2026年12月20日 00:00 提前至 2026年11月30日 00:00（已过，保存后立即截止）")
    assert needs_confirmation(move, 0)


def test_bringing_submission_forward_over_drafts_asks_first_then_tells_their_owners(app):
    funding_round = make_round("submission")
    organizer = create_user("wangmin", "organizer")
    zhang = create_user("zhang", "resident")
    make_proposal(funding_round, zhang, status="draft", title="草稿")
    earlier = rounds.phases_of(funding_round).submit_close - DAY
    before = audit_count()
    with pytest.raises(Refusal) as refusal:
        rounds.update_round(funding_round, _data(funding_round, submit_close=earlier), organizer)
    assert refusal.value.status == 409 and "影响 1 人" in str(refusal.value)
    assert audit_count() == before and db.session.query(Notification).count() == 0
    rounds.update_round(funding_round, _data(funding_round, submit_close=earlier), organizer,
                        confirm_earlier=True)
    (note,) = db.session.scalars(select(Notification)).all()
    assert note.user_id == zhang.id and "申报截止时间由" in note.text
    entry = db.session.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc())).first()
    assert json.loads(entry.payload)["earlier"] == [{"field": "submit_close", "notified": 1}]


def test_a_move_into_the_past_asks_even_with_nobody_affected(app):
    funding_round = make_round("submission")
    organizer = create_user("wangmin", "organizer")
    past = rounds.phases_of(funding_round).submit_open + timedelta(hours=1)
    with pytest.raises(Refusal):
        rounds.update_round(funding_round, _data(funding_round, submit_close=past), organizer)


def test_a_move_still_ahead_with_nobody_affected_saves_at_once(app):
    funding_round = make_round("submission")
    organizer = create_user("wangmin", "organizer")
    earlier = rounds.phases_of(funding_round).submit_close - timedelta(hours=2)
    assert rounds.update_round(funding_round, _data(funding_round, submit_close=earlier),
                               organizer)


def test_judging_cannot_close_before_the_resident_vote(app):
    funding_round = make_round("judging")
    organizer = create_user("wangmin", "organizer")
    settings = JudgingSettings(round_id=funding_round.id, **judging.SETTINGS_DEFAULTS)
    settings.vote_weight_pct, settings.vote_open = 20, utcnow() - DAY
    settings.vote_close = funding_round.judging_close
    db.session.add(settings)
    db.session.commit()
    earlier = rounds.phases_of(funding_round).judging_close - timedelta(hours=1)
    with pytest.raises(Refusal) as refusal:
        rounds.update_round(funding_round, _data(funding_round, judging_close=earlier),
                            organizer, confirm_earlier=True)
    assert refusal.value.status == 409 and "居民投票截止时间" in str(refusal.value)


def test_the_edit_form_asks_for_the_confirmation(app, client, auth):
    funding_round = make_round("submission")
    create_user("wangmin", "organizer")
    make_proposal(funding_round, create_user("zhang", "resident"), status="draft")
    auth.login("wangmin")
    form = client.get(f"/rounds/{funding_round.id}/edit").get_data(as_text=True)
    values = dict(re.findall(r'name="(\w+)"[^>]*value="([^"]*)"', form))
    values.update(_textareas(form))
    local = rounds.phases_of(funding_round).submit_close.astimezone(BEIJING) - DAY
    values["submit_close"] = local.strftime("%Y-%m-%dT%H:%M")
    response = client.post(f"/rounds/{funding_round.id}/edit", data=values)
    assert response.status_code == 409
    assert 'name="confirm_earlier"' in response.get_data(as_text=True)
    response = client.post(f"/rounds/{funding_round.id}/edit",
                           data={**values, "confirm_earlier": "y"})
    assert response.status_code == 302


def _textareas(page: str) -> dict:
    return {name: text for name, text in re.findall(
        r'<textarea[^>]*name="(\w+)"[^>]*>\s*(.*?)</textarea>', page, re.S)}
