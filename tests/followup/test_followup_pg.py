"""On PostgreSQL: a quarter from upload to erasure — the draw locks and stores its numbers,
attempts lock the sample then the number, the league table reads the tallies, and the chain
verifies — and an attempt racing the sample's closing either lands before it or is refused."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from grants.domain.errors import Refusal
from grants.extensions import db
from grants.models.followup import FollowUpCall
from grants.services import audit, followup
from tests.followup.support import crew, upload_lists

pytestmark = pytest.mark.postgres


def test_a_quarter_runs_on_postgresql_and_an_attempt_never_lands_after_the_close(pg_app):
    team = upload_lists(crew(2))
    sample = followup.draw_sample(team.organizer, team.round_id, team.quarter)
    for award_id in team.award_ids:
        followup.assign_caller(team.organizer, sample.id, award_id, team.caller.id)
    followup.start_calling(team.organizer, sample.id)
    call_ids = db.session.scalars(select(FollowUpCall.id).where(
        FollowUpCall.sample_id == sample.id).order_by(FollowUpCall.id)).all()
    followup.record_attempt(team.caller, call_ids[0], "satisfied", "yes")
    caller_id, organizer_id, sample_id = team.caller.id, team.organizer.id, sample.id
    db.session.remove()
    outcomes = {}

    def attempt():
        with pg_app.app_context():
            from grants.models import User

            try:
                followup.record_attempt(db.session.get(User, caller_id), call_ids[1],
                                        "dissatisfied", "no")
                outcomes["attempt"] = "recorded"
            except Refusal as error:
                outcomes["attempt"] = error.status
            db.session.remove()

    def close():
        with pg_app.app_context():
            from grants.models import User

            followup.close_sample(db.session.get(User, organizer_id), sample_id)
            outcomes["close"] = "closed"
            db.session.remove()

    threads = [threading.Thread(target=attempt), threading.Thread(target=close)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert outcomes["close"] == "closed" and outcomes["attempt"] in ("recorded", 409)
    entries = [row for row in audit.iter_rows() if row[4].startswith("follow_up_")]
    actions = [row[4] for row in entries]
    if outcomes["attempt"] == "recorded":
        assert actions.index("follow_up_call.reach") < actions.index("follow_up_sample.close")
        assert actions.count("follow_up_call.reach") == 2
    assert followup.league_view(None, sample_id).league.standings
    assert audit.verify_database().ok
