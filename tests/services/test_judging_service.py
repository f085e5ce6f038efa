"""Judging use cases: panel, assignment, conflicts, sheets, reopening, closing, resident votes."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from grants.domain.errors import Refusal
from grants.domain.judging_rules import SettingsInput
from grants.domain.rubric import DEFAULT_RUBRIC, Criterion
from grants.extensions import db
from grants.models import AuditEntry, User
from grants.models.base import utcnow
from grants.models.judging import Assignment, Conflict, JudgingSettings, ScoreSheet, Vote
from grants.services import judging
from tests.factories import make_org, make_proposal, make_round
from tests.helpers import audit_count, create_user
from tests.judging_support import build, form_points, split_total

FULL = split_total(80)


def _actions() -> list[str]:
    return list(db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.seq)))


def _settings(setup, **changes) -> SettingsInput:
    values = {
        name: getattr(judging.settings_for(setup.round.id), name)
        for name in judging.SETTINGS_FIELDS
    }
    values.update(changes)
    return SettingsInput(**values)


# --------------------------------------------------------------------------- panel


def test_only_judge_accounts_join_a_panel_once(app):
    setup = build(judges=1, proposals=1, assign=False)
    resident = create_user("someone", "resident")
    before = audit_count()
    with pytest.raises(Refusal) as error:
        judging.add_judge(setup.round.id, resident.id, setup.organizer)
    assert error.value.status == 400
    with pytest.raises(Refusal) as error:
        judging.add_judge(setup.round.id, setup.judges[0].id, setup.organizer)
    assert error.value.status == 409
    assert audit_count() == before


def test_only_organizers_manage_the_panel(app):
    setup = build(judges=1, proposals=1, assign=False)
    other = create_user("judge9", "judge")
    with pytest.raises(Refusal) as error:
        judging.add_judge(setup.round.id, other.id, setup.judges[0])
    assert error.value.status == 403


def test_removing_a_judge_drops_their_assignments(app):
    setup = build(judges=2, proposals=2)
    judging.remove_judge(setup.round.id, setup.judges[1].id, setup.organizer)
    assert _actions()[-1] == "panel.remove_judge"
    assert all(
        ids == [setup.judges[0].id] for ids in judging.assignments_of(setup.round.id).values()
    )


def test_a_judge_with_submitted_sheets_stays_on_the_panel(app):
    setup = build(judges=1, proposals=1)
    judge, proposal = setup.judges[0], setup.proposals[0]
    judging.save_sheet(judge, proposal.id, form_points(setup.round, FULL), "", submit=True)
    with pytest.raises(Refusal) as error:
        judging.remove_judge(setup.round.id, judge.id, setup.organizer)
    assert error.value.status == 409


# --------------------------------------------------------------------------- assignment


def test_roadshow_assigns_everyone_except_detected_conflicts(app):
    org = make_org(1)
    setup = build(judges=3, proposals=0, assign=False)
    member = setup.judges[2]
    member.organisation_id = org.id
    applicant = create_user("orgmember", "org_member", organisation_id=org.id)
    theirs = make_proposal(setup.round, applicant, "eligible", organisation=org, title="机构项目")
    other = make_proposal(setup.round, applicant, "eligible", title="居民项目")
    db.session.commit()
    result = judging.generate_assignments(setup.round.id, setup.organizer)
    assert member.id not in result[theirs.id]
    assert member.id in result[other.id]
    detected = db.session.scalars(select(Conflict)).all()
    assert [(c.judge_id, c.proposal_id, c.source) for c in detected] == [
        (member.id, theirs.id, "detected")
    ]
    assert _actions()[-1] == "round.generate_assignments"


def test_k_per_proposal_is_balanced_and_deterministic(app):
    setup = build(judges=5, proposals=7, assign=False)
    judging.update_settings(
        setup.round.id, _settings(setup, mode="k", judges_per_proposal=2, seed=11), setup.organizer
    )
    first = judging.generate_assignments(setup.round.id, setup.organizer)
    again = judging.generate_assignments(setup.round.id, setup.organizer)
    assert first == again
    assert all(len(ids) == 2 for ids in first.values())
    loads = [sum(j in ids for ids in first.values()) for j in (u.id for u in setup.judges)]
    assert max(loads) - min(loads) <= 1
    assert db.session.scalar(select(func.count(Assignment.id))) == 14


def test_assignment_is_refused_once_scoring_began(app):
    setup = build(judges=1, proposals=1)
    judging.save_sheet(setup.judges[0], setup.proposals[0].id, {}, "", submit=False)
    with pytest.raises(Refusal) as error:
        judging.generate_assignments(setup.round.id, setup.organizer)
    assert error.value.status == 409


# --------------------------------------------------------------------------- conflicts


def test_declared_conflict_blocks_scoring_and_offers_a_replacement(app):
    setup = build(judges=3, proposals=1)
    judging.update_settings(
        setup.round.id, _settings(setup, mode="k", judges_per_proposal=2), setup.organizer
    )
    judging.generate_assignments(setup.round.id, setup.organizer)
    proposal = setup.proposals[0]
    judge_id = judging.assignments_of(setup.round.id)[proposal.id][0]
    judge = next(j for j in setup.judges if j.id == judge_id)
    judging.declare_conflict(judge, proposal_id=proposal.id, reason="申报人是我的亲属")
    assert _actions()[-1] == "conflict.declare"
    with pytest.raises(Refusal) as error:
        judging.open_sheet(judge, proposal.id)
    assert error.value.status == 403
    [spare] = judging.replacement_options(setup.round.id, proposal.id, judge.id)
    judging.replace_judge(setup.round.id, proposal.id, judge.id, spare.id, setup.organizer)
    assert _actions()[-1] == "conflict.replace_judge"
    assert judge.id not in judging.assignments_of(setup.round.id)[proposal.id]
    assert judging.open_sheet(spare, proposal.id).editable


def test_replacement_must_be_an_offered_judge(app):
    setup = build(judges=2, proposals=1)
    judge, other = setup.judges
    proposal = setup.proposals[0]
    before = audit_count()
    with pytest.raises(Refusal) as error:  # already on the proposal (roadshow)
        judging.replace_judge(setup.round.id, proposal.id, judge.id, other.id, setup.organizer)
    assert error.value.status == 400
    assert audit_count() == before


def test_organisation_conflict_covers_every_proposal_of_that_organisation(app):
    org = make_org(2)
    setup = build(judges=2, proposals=0, assign=False)
    applicant = create_user("orgapplicant", "org_member", organisation_id=org.id)
    proposal = make_proposal(setup.round, applicant, "eligible", organisation=org)
    judging.generate_assignments(setup.round.id, setup.organizer)
    judge = setup.judges[0]
    judging.declare_conflict(judge, organisation_id=org.id, reason="曾在该机构任理事")
    assert judging.conflict_of(judge, proposal) == "曾在该机构任理事"


def test_conflict_needs_a_reason_and_comes_before_submission(app):
    setup = build(judges=1, proposals=1)
    judge, proposal = setup.judges[0], setup.proposals[0]
    with pytest.raises(Refusal) as error:
        judging.declare_conflict(judge, proposal_id=proposal.id, reason="  ")
    assert error.value.status == 400
    judging.save_sheet(judge, proposal.id, form_points(setup.round, FULL), "", submit=True)
    before = audit_count()
    with pytest.raises(Refusal) as error:
        judging.declare_conflict(judge, proposal_id=proposal.id, reason="想起来了")
    assert error.value.status == 409
    assert audit_count() == before


def test_judge_outside_the_panel_cannot_declare(app):
    setup = build(judges=1, proposals=1)
    outsider = create_user("outsider", "judge")
    with pytest.raises(Refusal) as error:
        judging.declare_conflict(outsider, proposal_id=setup.proposals[0].id, reason="亲属")
    assert error.value.status == 404


def test_team_member_judge_is_detected(app):
    setup = build(judges=1, proposals=0, assign=False)
    applicant = create_user("teamlead", "resident")
    judge = setup.judges[0]
    judge.display_name = "刘建国"
    proposal = make_proposal(setup.round, applicant, "eligible")  # team includes 刘建国
    assert judging.conflict_of(judge, proposal) == "评委是该项目的团队成员"
    assert judging.conflict_of(applicant, proposal) == "评委本人是该项目的申报人"


# --------------------------------------------------------------------------- sheets


def test_draft_is_not_audited_and_submission_is_audited_once(app):
    setup = build(judges=1, proposals=1)
    judge, proposal = setup.judges[0], setup.proposals[0]
    before = audit_count()
    judging.save_sheet(
        judge, proposal.id, form_points(setup.round, {"need_fit": "12.5"}), "草稿", submit=False
    )
    assert audit_count() == before
    sheet = judging.save_sheet(
        judge, proposal.id, form_points(setup.round, FULL), "很好", submit=True
    )
    assert audit_count() == before + 1
    assert sheet.status == "submitted" and sheet.submitted_at is not None
    assert sum(judging.sheet_points(sheet).values()) == Decimal(80)
    entry = db.session.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc())).first()
    assert entry.action == "score_sheet.submit" and '"total":"80"' in entry.payload


@pytest.mark.parametrize("value", ["-0.5", "20.5", "0.3", "abc", "1e400", "NaN"])
def test_bad_points_refused_and_nothing_saved(app, value):
    setup = build(judges=1, proposals=1)
    judge, proposal = setup.judges[0], setup.proposals[0]
    entries = form_points(setup.round, {**FULL, "need_fit": value})
    with pytest.raises(Refusal) as error:
        judging.save_sheet(judge, proposal.id, entries, "", submit=False)
    assert error.value.status == 400 and "需求契合度" in str(error.value)
    assert db.session.scalar(select(func.count(ScoreSheet.id))) == 0


def test_full_width_digits_are_accepted(app):
    setup = build(judges=1, proposals=1)
    entries = form_points(setup.round, {**FULL, "need_fit": "１８．５"})
    sheet = judging.save_sheet(setup.judges[0], setup.proposals[0].id, entries, "", submit=False)
    assert judging.sheet_points(sheet)[next(iter(entries))] == Decimal("18.5")


def test_submission_needs_every_criterion(app):
    setup = build(judges=1, proposals=1)
    entries = form_points(setup.round, {"need_fit": "10", "budget": ""})
    before = audit_count()
    with pytest.raises(Refusal) as error:
        judging.save_sheet(setup.judges[0], setup.proposals[0].id, entries, "", submit=True)
    assert error.value.status == 400 and "方案可行性" in str(error.value)
    assert audit_count() == before
    assert db.session.scalar(select(func.count(ScoreSheet.id))) == 0


def test_submitted_sheet_is_locked_until_reopened(app):
    setup = build(judges=1, proposals=1)
    judge, proposal = setup.judges[0], setup.proposals[0]
    sheet = judging.save_sheet(judge, proposal.id, form_points(setup.round, FULL), "", True)
    before = audit_count()
    with pytest.raises(Refusal) as error:
        judging.save_sheet(judge, proposal.id, form_points(setup.round, split_total(50)), "", True)
    assert error.value.status == 409 and audit_count() == before
    with pytest.raises(Refusal) as error:
        judging.reopen_sheet(sheet.id, "", setup.organizer)
    assert error.value.status == 400
    judging.reopen_sheet(sheet.id, "创新性评分与评语不符，请复核", setup.organizer)
    assert _actions()[-1] == "score_sheet.reopen" and sheet.status == "draft"
    judging.save_sheet(judge, proposal.id, form_points(setup.round, split_total(50)), "", True)
    assert sum(judging.sheet_points(sheet).values()) == Decimal(50)


def _last_entry() -> AuditEntry:
    return db.session.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc())).first()


def test_a_judge_who_is_also_an_auditor_submits_as_judge(app):
    setup = build(judges=0, proposals=1, assign=False)
    judge = create_user("judgeauditor", "judge", "auditor", display_name="评审兼监督")
    judging.add_judge(setup.round.id, judge.id, setup.organizer)
    judging.generate_assignments(setup.round.id, setup.organizer)
    sheet = judging.save_sheet(
        judge, setup.proposals[0].id, form_points(setup.round, FULL), "", submit=True
    )
    entry = _last_entry()
    assert (entry.action, entry.object_id, entry.actor_role) == (
        "score_sheet.submit", sheet.id, "judge"
    )
    assert '"from":"draft"' in entry.payload and '"to":"submitted"' in entry.payload


def test_an_admin_reopening_a_sheet_is_audited_as_admin(app):
    setup = build(judges=1, proposals=1)
    admin = create_user("siteadmin", "admin")
    sheet = judging.save_sheet(
        setup.judges[0], setup.proposals[0].id, form_points(setup.round, FULL), "", True
    )
    judging.reopen_sheet(sheet.id, "请复核预算分", admin)
    entry = _last_entry()
    assert (entry.action, entry.object_id, entry.actor_role) == (
        "score_sheet.reopen", sheet.id, "admin"
    )
    assert '"reason":"请复核预算分"' in entry.payload
    assert sheet.status == "draft" and sheet.submitted_at is None


def test_a_draft_save_writes_no_entry_even_for_a_new_sheet(app):
    setup = build(judges=1, proposals=1)
    before = audit_count()
    sheet = judging.save_sheet(setup.judges[0], setup.proposals[0].id, {}, "草稿", submit=False)
    assert sheet.status == "draft" and audit_count() == before


def test_reopening_a_draft_is_refused(app):
    setup = build(judges=1, proposals=1)
    sheet = judging.save_sheet(setup.judges[0], setup.proposals[0].id, {}, "", False)
    with pytest.raises(Refusal) as error:
        judging.reopen_sheet(sheet.id, "理由", setup.organizer)
    assert error.value.status == 409


def test_scoring_outside_the_window_is_refused(app):
    setup = build(judges=1, proposals=1)
    later = setup.round.judging_close + timedelta(minutes=1)
    with pytest.raises(Refusal) as error:
        judging.save_sheet(setup.judges[0], setup.proposals[0].id, {}, "", False, now=later)
    assert error.value.status == 409 and "截止" in str(error.value)


def test_unassigned_judge_cannot_open_a_sheet(app):
    setup = build(judges=1, proposals=1)
    outsider = create_user("judge9", "judge")
    with pytest.raises(Refusal) as error:
        judging.open_sheet(outsider, setup.proposals[0].id)
    assert error.value.status == 404


# --------------------------------------------------------------------------- rubric & settings


def test_rubric_editable_before_judging_and_locked_after(app):
    funding_round = make_round("screening")
    organizer = create_user("organizer", "organizer")
    rubric = [Criterion("a", "社区需求", 50, "说明"), Criterion("b", "可行性", 50, "")]
    judging.update_rubric(funding_round.id, rubric, organizer)
    assert [c.key for c in judging.rubric_of(funding_round.id)] == ["a", "b"]
    assert _actions()[-1] == "rubric.update"
    later = funding_round.judging_open + timedelta(seconds=1)
    with pytest.raises(Refusal) as error:
        judging.update_rubric(funding_round.id, list(DEFAULT_RUBRIC), organizer, now=later)
    assert error.value.status == 409


def test_rubric_must_add_up_to_100(app):
    funding_round = make_round("screening")
    organizer = create_user("organizer", "organizer")
    before = audit_count()
    with pytest.raises(Refusal) as error:
        judging.update_rubric(funding_round.id, [Criterion("a", "社区需求", 60, "")], organizer)
    assert "100" in str(error.value) and audit_count() == before


def test_settings_are_checked(app):
    setup = build(judges=1, proposals=1, assign=False)
    before = audit_count()
    with pytest.raises(Refusal) as error:
        judging.update_settings(
            setup.round.id, _settings(setup, vote_weight_pct=60), setup.organizer
        )
    assert "50" in str(error.value) and audit_count() == before
    judging.update_settings(
        setup.round.id, _settings(setup, blind=False, method="median"), setup.organizer
    )
    assert _actions()[-1] == "judging_settings.update"
    assert db.session.get(JudgingSettings, setup.round.id).method == "median"


# --------------------------------------------------------------------------- closing


def test_close_judging_moves_scored_proposals_with_one_entry_each(app):
    setup = build(judges=2, proposals=3)
    scored = setup.proposals[:2]
    for proposal in scored:
        for judge in setup.judges:
            judging.save_sheet(judge, proposal.id, form_points(setup.round, FULL), "", True)
    with pytest.raises(Refusal) as error:  # two sheets of the third proposal are open
        judging.close_judging(setup.round.id, setup.organizer)
    assert error.value.status == 409
    before = audit_count()
    after_deadline = setup.round.judging_close + timedelta(hours=1)
    moved = judging.close_judging(setup.round.id, setup.organizer, now=after_deadline)
    assert moved == [p.id for p in scored]
    assert audit_count() == before + 1 + len(scored)
    assert _actions()[-3:] == ["round.close_judging", "proposal.close_judging", "proposal.close_judging"]
    assert [p.status for p in setup.proposals] == ["scored", "scored", "eligible"]
    with pytest.raises(Refusal):
        judging.close_judging(setup.round.id, setup.organizer, now=after_deadline)


def test_closing_writes_one_proposal_entry_per_eligible_proposal_it_moves(app):
    setup = build(judges=2, proposals=3)
    for proposal in setup.proposals:
        for judge in setup.judges:
            judging.save_sheet(judge, proposal.id, form_points(setup.round, FULL), "", True)
    first_seq = db.session.scalar(select(func.max(AuditEntry.seq)))
    moved = judging.close_judging(setup.round.id, setup.organizer)
    entries = db.session.scalars(
        select(AuditEntry).where(AuditEntry.seq > first_seq).order_by(AuditEntry.seq)
    ).all()
    assert [e.action for e in entries] == ["round.close_judging"] + ["proposal.close_judging"] * 3
    per_proposal = [e for e in entries if e.action == "proposal.close_judging"]
    assert sorted(e.object_id for e in per_proposal) == sorted(moved)
    assert sorted(moved) == sorted(p.id for p in setup.proposals)
    assert {(e.object_type, e.actor_role) for e in entries[1:]} == {("proposal", "organizer")}
    assert all('"from":"eligible"' in e.payload and '"to":"scored"' in e.payload
               for e in per_proposal)


def test_publish_requires_closing_and_notifies_applicants(app):
    setup = build(judges=1, proposals=1)
    with pytest.raises(Refusal) as error:
        judging.publish_results(setup.round.id, setup.organizer)
    assert error.value.status == 409
    judging.save_sheet(
        setup.judges[0], setup.proposals[0].id, form_points(setup.round, FULL), "", True
    )
    judging.close_judging(setup.round.id, setup.organizer)
    judging.publish_results(setup.round.id, setup.organizer)
    assert _actions()[-1] == "round.publish_results"
    assert judging.settings_for(setup.round.id).results_published


# --------------------------------------------------------------------------- resident vote


def _open_vote(setup, limit=2):
    now = utcnow()
    judging.update_settings(
        setup.round.id,
        _settings(
            setup,
            vote_weight_pct=20,
            vote_max_per_resident=limit,
            vote_open=now - timedelta(hours=1),
            vote_close=now + timedelta(hours=1),
        ),
        setup.organizer,
    )
    return now


def test_one_vote_per_account_per_proposal_up_to_the_limit(any_app):
    setup = build(judges=1, proposals=3, assign=False)
    now = _open_vote(setup, limit=2)
    resident = create_user("voter", "resident")
    first, second, third = setup.proposals
    judging.cast_vote(resident, setup.round.id, first.id, now=now)
    with pytest.raises(Refusal) as error:
        judging.cast_vote(resident, setup.round.id, first.id, now=now)
    assert "只能支持一次" in str(error.value)
    judging.cast_vote(resident, setup.round.id, second.id, now=now)
    before = audit_count()
    with pytest.raises(Refusal) as error:
        judging.cast_vote(resident, setup.round.id, third.id, now=now)
    assert "最多支持 2 个" in str(error.value) and audit_count() == before
    assert db.session.scalar(select(func.count(Vote.id))) == 2
    assert _actions()[-1] == "vote.cast"


def test_votes_only_inside_the_window_and_only_residents(app):
    setup = build(judges=1, proposals=1, assign=False)
    now = _open_vote(setup)
    resident = create_user("voter", "resident")
    proposal = setup.proposals[0]
    for moment in (now - timedelta(hours=2), now + timedelta(hours=1)):
        with pytest.raises(Refusal) as error:
            judging.cast_vote(resident, setup.round.id, proposal.id, now=moment)
        assert error.value.status == 409
    with pytest.raises(Refusal) as error:
        judging.cast_vote(setup.judges[0], setup.round.id, proposal.id, now=now)
    assert error.value.status == 403


def test_no_vote_when_the_round_has_none(app):
    setup = build(judges=1, proposals=1, assign=False)
    resident = create_user("voter", "resident")
    with pytest.raises(Refusal) as error:
        judging.cast_vote(resident, setup.round.id, setup.proposals[0].id)
    assert "未开放" in str(error.value)


# --------------------------------------------------------------------------- demo data


def test_demo_seed_scores_round_seven_once(app):
    from grants.demo.judging import seed
    from grants.services import ranking

    funding_round = make_round("judging")
    create_user("organizer", "organizer")
    for i in range(1, 8):
        create_user(f"judge{i}", "judge", display_name=f"评审专家{i}")
    applicant = create_user("applicant", "resident")
    proposals = [
        make_proposal(funding_round, applicant, "eligible", title=f"项目{i}") for i in range(12)
    ]
    lines = list(seed())
    assert lines[-1] == "judging: closed, 12 proposals scored"
    assert db.session.scalar(select(func.count(ScoreSheet.id))) == 12 * 7 - 1
    conflicted = proposals[4]
    judge3 = db.session.scalar(select(User).where(User.username == "judge3"))
    assert judge3.id not in judging.assignments_of(funding_round.id)[conflicted.id]
    report = ranking.ranking_report(funding_round.id)
    severe = db.session.scalar(select(User.id).where(User.username == "judge5"))
    assert report.profiles[severe].label == "偏严"
    assert all(row.method == "trimmed_mean" for row in report.rows)
    assert {p.status for p in proposals} == {"scored"}
    before = audit_count()
    assert list(seed()) == ["judging: round 7 already scored"]
    assert audit_count() == before


def test_demo_seed_without_round_seven_says_so(app):
    from grants.demo.judging import seed

    assert list(seed()) == ["judging: round 7 not found, skipped (run the rounds seed first)"]


@pytest.mark.parametrize("with_draft", [False, True])
def test_two_tabs_submitting_one_sheet_audit_it_once(pg_app, with_draft):
    import threading

    setup = build(judges=1, proposals=1)
    judge_id, proposal_id = setup.judges[0].id, setup.proposals[0].id
    entries = form_points(setup.round, FULL)
    if with_draft:
        judging.save_sheet(setup.judges[0], proposal_id, {}, "草稿", submit=False)
    db.session.commit()
    before = audit_count()
    outcomes: list[str] = []
    barrier = threading.Barrier(2)

    def submit():
        with pg_app.app_context():
            judge = db.session.get(User, judge_id)
            barrier.wait()
            try:
                judging.save_sheet(judge, proposal_id, entries, "", submit=True)
                outcomes.append("ok")
            except Refusal as error:
                outcomes.append(str(error.status))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["409", "ok"]
    assert audit_count() == before + 1
    assert db.session.scalar(select(func.count(ScoreSheet.id))) == 1
