"""Proposal use cases: drafts, submission checks, versions, idempotent submit, withdrawal."""

from __future__ import annotations

import json
import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from grants.domain.errors import Refusal
from grants.extensions import db
from grants.models import AuditEntry, Notification, Proposal, ProposalVersion, User
from grants.models.base import utcnow
from grants.services import proposals
from grants.services.proposals import ActivityInput, LineInput, ProposalInput
from grants.services.screening import decide
from tests.factories import make_community, make_org, make_round
from tests.helpers import audit_count, create_user


def valid_input(*lines: tuple[str, str, str, str], **overrides) -> ProposalInput:
    """A complete resident-team proposal; budget rows as (item, category, price, quantity)."""
    community = make_community()
    rows = lines or (
        ("社区食堂食材", "materials", "60", "100"),
        ("志愿者餐补", "personnel", "20", "100"),
    )
    fields = dict(
        title="银龄助餐·邻里共享食堂",
        community_id=community.id,
        category="助老",
        beneficiaries="东山社区 70 岁以上独居老人",
        beneficiary_count="60",
        background="社区老人用餐不便",
        objectives="每周三次助餐",
        outcomes="60 位老人受益",
        activities=(ActivityInput("助餐日", "2026年12月起每周一三五", "社区食堂"),),
        budget=tuple(LineInput(*row) for row in rows),
        matching_funds="1000",
        team=("张桂兰", "刘建国", "陈秀英"),
        contact_name="张桂兰",
        contact_phone="13800138000",
    )
    fields.update(overrides)
    return ProposalInput(**fields)


@pytest.fixture
def resident(app):
    return create_user("zhanggl", "resident", display_name="张桂兰")


@pytest.fixture
def draft(resident):
    funding_round = make_round("submission")
    return proposals.create_draft(resident, funding_round.id)


def _entries(action: str) -> int:
    return db.session.scalar(select(func.count(AuditEntry.seq)).where(AuditEntry.action == action))


def test_draft_saves_without_full_validation_and_recomputes_the_amount(resident, draft):
    data = ProposalInput(
        title="四点半课堂",
        budget=(LineInput("教材", "materials", "12.5", "4"), LineInput("", "", "", "")),
    )
    proposals.save_draft(resident, draft.id, data)
    saved = db.session.get(Proposal, draft.id)
    assert saved.status == "draft"
    assert saved.requested_fen == 5000
    assert [(line.unit_price_fen, line.quantity) for line in saved.lines] == [(1250, 4)]


def test_draft_refuses_unreadable_money_and_changes_nothing(resident, draft):
    before = audit_count()
    with pytest.raises(Refusal) as caught:
        proposals.save_draft(
            resident,
            draft.id,
            ProposalInput(budget=(LineInput("教材", "materials", "12.345", "1"),)),
        )
    assert caught.value.problems[0].field == "budget-0-unit_price"
    assert "两位小数" in caught.value.problems[0].message
    assert audit_count() == before


def test_submit_freezes_a_version_audits_once_and_notifies(resident, draft):
    before = audit_count()
    assert proposals.submit(resident, draft.id, valid_input()) is True
    saved = db.session.get(Proposal, draft.id)
    assert (saved.status, saved.version, saved.requested_fen) == ("submitted", 1, 800000)
    assert saved.submitted_at is not None
    version = db.session.scalars(select(ProposalVersion)).one()
    assert version.snapshot["budget"][0]["unit_price_fen"] == 6000
    assert audit_count() == before + 1
    assert _entries("proposal.submit") == 1
    assert db.session.scalar(select(func.count(Notification.id))) == 1


@pytest.mark.parametrize(
    "price, message",
    [
        ("4999.98", "申请金额 ¥4,999.99 低于本轮下限 ¥5,000.00"),
        ("15000", "申请金额 ¥15,000.01 高于本轮上限 ¥15,000.00"),
    ],
)
def test_band_is_checked_on_submit(resident, draft, price, message):
    lines = (("场地", "venue", price, "1"), ("纸杯", "materials", "0.01", "1"))
    with pytest.raises(Refusal) as caught:
        proposals.submit(resident, draft.id, valid_input(*lines))
    assert message in [p.message for p in caught.value.problems]
    assert db.session.get(Proposal, draft.id).status == "draft"


def test_resident_team_needs_three_members(resident, draft):
    with pytest.raises(Refusal) as caught:
        proposals.submit(resident, draft.id, valid_input(team=("张桂兰", "刘建国")))
    assert any("至少需要 3 名成员" in p.message for p in caught.value.problems)


def test_organisation_proposal_needs_no_team(app):
    org = make_org(1)
    member = create_user("org1", "org_member", organisation_id=org.id)
    funding_round = make_round("submission")
    proposal = proposals.create_draft(member, funding_round.id)
    assert proposal.organisation_id == org.id
    assert proposals.submit(member, proposal.id, valid_input(team=())) is True


def test_submission_after_the_deadline_is_refused_without_audit(resident, draft):
    late = draft.round.submit_close + timedelta(minutes=1)
    before = audit_count()
    with pytest.raises(Refusal, match="本轮申报已于 .* 截止") as caught:
        proposals.submit(resident, draft.id, valid_input(), now=late)
    assert caught.value.status == 409
    assert audit_count() == before


def test_second_submit_is_a_no_op(resident, draft):
    assert proposals.submit(resident, draft.id, valid_input()) is True
    before = audit_count()
    assert proposals.submit(resident, draft.id, valid_input()) is False
    assert audit_count() == before
    assert db.session.scalar(select(func.count(ProposalVersion.id))) == 1


def test_another_applicant_cannot_touch_the_proposal(resident, draft):
    other = create_user("liujg", "resident")
    for call in (
        lambda: proposals.save_draft(other, draft.id, valid_input()),
        lambda: proposals.submit(other, draft.id, valid_input()),
        lambda: proposals.withdraw(other, draft.id),
        lambda: proposals.get_visible(other, draft.id),
    ):
        with pytest.raises(Refusal) as caught:
            call()
        assert caught.value.status == 404


def test_needs_must_belong_to_the_round(resident, draft):
    from grants.models import Need

    elsewhere = make_round("submission")
    need = Need(
        round_id=elsewhere.id,
        author_id=resident.id,
        community_id=make_community().id,
        category="助老",
        title="老人吃饭难",
        description="…",
    )
    db.session.add(need)
    db.session.commit()
    with pytest.raises(Refusal) as caught:
        proposals.save_draft(resident, draft.id, valid_input(need_ids=(need.id,)))
    assert caught.value.problems[0].field == "needs"


def test_returned_proposal_is_resubmitted_and_the_changes_are_listed(resident, draft):
    organizer = create_user("wangmin", "organizer")
    proposals.submit(resident, draft.id, valid_input())
    decide(organizer, [draft.id], "return", "预算明细不清")
    assert db.session.get(Proposal, draft.id).status == "returned"
    changed = valid_input(
        ("社区食堂食材", "materials", "60", "100"),
        ("志愿者餐补", "personnel", "20", "100"),
        ("宣传海报", "publicity", "100", "5"),
        title="银龄助餐·共享食堂",
    )
    assert proposals.submit(resident, draft.id, changed) is True
    saved = db.session.get(Proposal, draft.id)
    assert (saved.status, saved.version, saved.requested_fen) == ("submitted", 2, 850000)
    assert _entries("proposal.resubmit") == 1
    labels = [change.label for change in proposals.version_changes(draft.id)]
    assert "项目名称" in labels and "预算第 3 行（新增）" in labels and "预算合计" in labels


def test_resubmission_after_the_return_deadline_is_refused(resident, draft):
    organizer = create_user("wangmin", "organizer")
    proposals.submit(resident, draft.id, valid_input())
    decide(organizer, [draft.id], "return", "请补充活动安排")
    late = draft.round.return_deadline + timedelta(seconds=1)
    with pytest.raises(Refusal, match="退回项目重新提交已于"):
        proposals.submit(resident, draft.id, valid_input(), now=late)


def test_withdraw_and_timeline(resident, draft):
    proposals.submit(resident, draft.id, valid_input())
    proposals.withdraw(resident, draft.id)
    assert db.session.get(Proposal, draft.id).status == "withdrawn"
    labels = [label for _entry, label in proposals.timeline(draft.id)]
    assert labels == ["创建草稿", "提交申报", "撤回申报"]
    with pytest.raises(Refusal) as caught:
        proposals.withdraw(resident, draft.id)
    assert caught.value.status == 409


def test_judge_cannot_apply(app):
    judge = create_user("judge1", "judge")
    funding_round = make_round("submission")
    with pytest.raises(Refusal) as caught:
        proposals.create_draft(judge, funding_round.id)
    assert caught.value.status == 403


def test_draft_outside_the_window_is_refused(resident):
    funding_round = make_round("judging")
    with pytest.raises(Refusal, match="截止"):
        proposals.create_draft(resident, funding_round.id)
    inside = funding_round.submit_open + timedelta(hours=1)
    assert proposals.create_draft(resident, funding_round.id, now=inside).status == "draft"


def test_concurrent_submits_on_postgresql_land_once(pg_app):
    resident = create_user("zhanggl", "resident")
    funding_round = make_round("submission")
    draft_id = proposals.create_draft(resident, funding_round.id).id
    data, user_id = valid_input(), resident.id
    before = audit_count()
    db.session.remove()
    barrier = threading.Barrier(2)
    results, errors = [], []

    def post():
        with pg_app.app_context():
            try:
                user = db.session.get(User, user_id)
                barrier.wait()
                results.append(proposals.submit(user, draft_id, data))
            except Exception as error:  # noqa: BLE001 - reported by the assertion below
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=post) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    assert sorted(results) == [False, True]
    assert audit_count() == before + 1
    assert _entries("proposal.submit") == 1
    assert db.session.scalar(select(func.count(ProposalVersion.id))) == 1
    assert db.session.get(Proposal, draft_id).submitted_at <= utcnow()


def _last(action: str) -> AuditEntry:
    query = select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.seq.desc())
    return db.session.scalars(query).first()


@pytest.fixture
def org_draft(app):
    """A draft of organisation 1 by its member ``org1``; ``org1b`` is a colleague."""
    org = make_org(1)
    applicant = create_user("org1", "org_member", organisation_id=org.id)
    create_user("org1b", "org_member", organisation_id=org.id)
    return proposals.create_draft(applicant, make_round("submission").id)


def _user(username: str) -> User:
    return db.session.scalars(select(User).where(User.username == username)).one()


def test_an_organisation_colleague_edits_submits_and_withdraws(org_draft):
    colleague = _user("org1b")
    assert proposals.get_visible(colleague, org_draft.id).id == org_draft.id
    assert [p.id for p in proposals.mine(colleague)] == [org_draft.id]
    proposals.save_draft(colleague, org_draft.id, ProposalInput(title="四点半课堂"))
    assert db.session.get(Proposal, org_draft.id).title == "四点半课堂"
    assert proposals.submit(colleague, org_draft.id, valid_input(team=())) is True
    proposals.withdraw(colleague, org_draft.id)
    assert db.session.get(Proposal, org_draft.id).status == "withdrawn"
    assert (_last("proposal.withdraw").actor_id, _last("proposal.withdraw").actor_role) == (
        colleague.id, "applicant")


def test_a_member_of_another_organisation_gets_404(org_draft):
    stranger = create_user("org2", "org_member", organisation_id=make_org(2).id)
    for call in (
        lambda: proposals.get_visible(stranger, org_draft.id),
        lambda: proposals.save_draft(stranger, org_draft.id, ProposalInput(title="x")),
        lambda: proposals.submit(stranger, org_draft.id, valid_input(team=())),
        lambda: proposals.withdraw(stranger, org_draft.id),
    ):
        with pytest.raises(Refusal) as caught:
            call()
        assert caught.value.status == 404
    assert proposals.mine(stranger) == []
    assert db.session.get(Proposal, org_draft.id).status == "draft"


def test_every_step_is_audited_as_the_applicant_with_the_lifecycle_name(resident, draft):
    proposals.save_draft(resident, draft.id, ProposalInput(title="四点半课堂"))
    proposals.submit(resident, draft.id, valid_input())
    proposals.withdraw(resident, draft.id)
    for action, source, target in (
        ("proposal.create", None, "draft"),
        ("proposal.save_draft", "draft", "draft"),
        ("proposal.submit", "draft", "submitted"),
        ("proposal.withdraw", "submitted", "withdrawn"),
    ):
        entry = _last(action)
        assert (entry.actor_id, entry.actor_role, entry.object_id) == (
            resident.id, "applicant", draft.id)
        facts = json.loads(entry.payload)
        assert (facts["from"], facts["to"]) == (source, target)


def test_unchanged_budget_lines_keep_their_ids_on_save(resident, draft):
    rows = (
        LineInput("教材", "materials", "12.5", "4"),
        LineInput("场地", "venue", "300", "1"),
        LineInput("海报", "publicity", "50", "2"),
    )
    proposals.save_draft(resident, draft.id, ProposalInput(budget=rows))
    first = [line.id for line in db.session.get(Proposal, draft.id).lines]
    changed = (rows[0], LineInput("场地", "venue", "400", "1"))
    proposals.save_draft(resident, draft.id, ProposalInput(budget=changed))
    saved = db.session.get(Proposal, draft.id)
    assert [line.id for line in saved.lines] == first[:2]
    assert [(line.position, line.unit_price_fen) for line in saved.lines] == [(0, 1250), (1, 40000)]
    assert saved.requested_fen == 5000 + 40000
    proposals.save_draft(resident, draft.id, ProposalInput(budget=(*changed, rows[2])))
    again = [line.id for line in db.session.get(Proposal, draft.id).lines]
    assert again[:2] == first[:2] and again[2] not in first[:2]


# --------------------------------------------------------------------------------------------
# Keeping every readable input; taking a submission back


def test_keep_draft_saves_the_readable_inputs_and_returns_the_others(resident, draft):
    proposals.save_draft(resident, draft.id, ProposalInput(title="旧标题", beneficiary_count="30"))
    data = ProposalInput(title="x" * 51, beneficiary_count="abc", background="新背景",
                         budget=(LineInput("教材", "materials", "1.2.3", "4"),))
    problems = proposals.keep_draft(resident, draft.id, data)
    assert {p.field for p in problems} == {"title", "beneficiary_count", "budget-0-unit_price"}
    saved = db.session.get(Proposal, draft.id)
    assert (saved.title, saved.beneficiary_count, saved.background) == ("旧标题", 30, "新背景")
    assert [(line.item, line.unit_price_fen, line.quantity) for line in saved.lines] == [
        ("教材", 0, 4)]
    entry = db.session.scalars(select(AuditEntry).where(
        AuditEntry.action == "proposal.save_draft").order_by(AuditEntry.seq.desc())).first()
    assert json.loads(entry.payload)["unsaved"] == sorted(p.field for p in problems)


def test_recall_takes_a_submission_back_once_and_keeps_its_version(resident, draft):
    proposals.submit(resident, draft.id, valid_input())
    before = audit_count()
    proposals.recall(resident, draft.id)
    assert db.session.get(Proposal, draft.id).status == "draft" and audit_count() == before + 1
    assert db.session.scalar(select(func.count(ProposalVersion.id))) == 1
    with pytest.raises(Refusal):
        proposals.recall(resident, draft.id)


@pytest.mark.parametrize("decision", ["mark_eligible", "return"])
def test_a_screened_proposal_cannot_be_recalled(resident, draft, decision):
    proposals.submit(resident, draft.id, valid_input())
    decide(create_user("wangmin", "organizer"), [draft.id], decision, "请补充材料")
    with pytest.raises(Refusal) as refused:
        proposals.recall(resident, draft.id)
    assert refused.value.status == 409


def test_recall_after_the_submission_window_is_refused(resident):
    funding_round = make_round("screening")
    late = proposals.create_draft(resident, funding_round.id,
                                  now=funding_round.submit_close - timedelta(hours=2))
    proposals.submit(resident, late.id, valid_input(),
                     now=funding_round.submit_close - timedelta(hours=1))
    with pytest.raises(Refusal, match="本轮申报已于"):
        proposals.recall(resident, late.id)
    assert db.session.get(Proposal, late.id).status == "submitted"


@pytest.mark.parametrize("field, value", [
    ("team", ("张\x00桂兰", "刘建国", "陈秀英")),
    ("activities", (ActivityInput("助餐日\x00", "每周一", "社区食堂"),)),
])
def test_a_control_character_in_a_json_row_is_kept_out_of_the_database(
        any_app, field, value):
    owner = create_user("zhanggl", "resident")
    draft = proposals.create_draft(owner, make_round("submission").id)
    problems = proposals.keep_draft(owner, draft.id, valid_input(**{field: value}))
    assert [p.field for p in problems] == [field] and "U+0000" in problems[0].message
    stored = db.session.get(Proposal, draft.id)
    assert "\x00" not in repr(stored.team) + repr(stored.activities)
