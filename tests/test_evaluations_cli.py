"""``flask evaluations remind-overdue`` reminds, then fails as system, and is safe to re-run;
``flask notices close-due`` confirms an ended results notice too."""

from __future__ import annotations

from datetime import timedelta

from grants.cli.evaluations import evaluations_cli
from grants.cli.notices import notices_cli
from grants.domain.clock import local_date
from grants.extensions import db
from grants.models.awards import Award
from grants.services import evaluations as svc
from tests.evaluations_support import (
    evaluation_of,
    implementing_awards,
    in_notice,
    people,
    scored,
    submitted,
)
from tests.helpers import audit_count


def _day(days: int) -> str:
    return (local_date() + timedelta(days=days)).isoformat()


def test_remind_overdue_reminds_then_fails_and_repeats_nothing(app):
    who = people()
    (award_id,) = implementing_awards(who)
    svc.open_evaluations(who.organizer, db.session.get(Award, award_id).round_id, "midterm",
                         _day(2))
    runner = app.test_cli_runner()
    assert "没有逾期的评估报告" in runner.invoke(evaluations_cli, [
        "remind-overdue", "--today", _day(2)]).output
    reminded = runner.invoke(evaluations_cli, ["remind-overdue", "--today", _day(3)])
    assert reminded.exit_code == 0 and "已逾期提醒" in reminded.output
    failed = runner.invoke(evaluations_cli, ["remind-overdue", "--today", _day(9)])
    assert "判定不通过" in failed.output
    before = audit_count()
    again = runner.invoke(evaluations_cli, ["remind-overdue", "--today", _day(9)])
    assert "没有逾期的评估报告" in again.output and audit_count() == before
    assert evaluation_of(award_id).status == "failed"


def test_close_due_confirms_a_results_notice(app):
    who = people()
    (award_id,) = implementing_awards(who)
    (evaluation,) = submitted(who, [award_id])
    scored(who, [evaluation])
    notice = in_notice(who, db.session.get(Award, award_id).round_id)
    day = (notice.ends_on + timedelta(days=1)).isoformat()
    result = app.test_cli_runner().invoke(notices_cli, ["close-due", "--today", day])
    assert f"公示 #{notice.id}：已确认 1 项评估结果" in result.output
    assert db.session.get(Award, award_id).status == "midterm_passed"
