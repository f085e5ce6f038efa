"""The portal's outcome of a project: its latest decided evaluation and its satisfaction rate
over closed follow-up samples (read from the demo's round 6)."""

from __future__ import annotations

from sqlalchemy import select

from grants.extensions import db
from grants.models.evaluations import Evaluation
from grants.models.followup import FollowUpCall, FollowUpSample, FollowUpStratum
from grants.services.portal.outcomes import RESULT_LABELS, outcomes_of


def test_outcomes_carry_the_latest_result_and_the_closed_samples_rate(demo_app):
    failed = db.session.scalar(select(Evaluation).where(Evaluation.status == "failed"))
    assert failed is not None, "the demo fails one mid-term"
    closed_awards = set(db.session.scalars(
        select(FollowUpStratum.award_id).join(FollowUpSample)
        .where(FollowUpSample.status == "closed")))
    assert closed_awards, "the demo closes one quarter's sample"
    outcomes = outcomes_of({failed.award_id} | closed_awards)
    assert outcomes[failed.award_id].evaluation in RESULT_LABELS.values()
    rated = [o for a, o in outcomes.items() if a in closed_awards]
    assert any(o.satisfaction_pct is not None for o in rated)
    for award_id in closed_awards:
        reached = db.session.scalar(
            select(db.func.count(FollowUpCall.id)).join(FollowUpStratum)
            .join(FollowUpSample, FollowUpSample.id == FollowUpCall.sample_id)
            .where(FollowUpStratum.award_id == award_id, FollowUpSample.status == "closed",
                   FollowUpCall.status == "reached"))
        assert outcomes.get(award_id, None) is None or outcomes[award_id].respondents == reached
    assert outcomes_of([]) == {}


def test_the_project_page_shows_the_outcome(demo_app):
    failed = db.session.scalar(select(Evaluation).where(Evaluation.status == "failed"))
    page = demo_app.test_client().get(f"/open/projects/{failed.award_id}")
    assert page.status_code == 200
    assert "中期评估未通过" in page.get_data(as_text=True)
