"""The public notice: publishing, objections in and outside the period, rulings, confirmation
and the idempotent close-due job."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from grants.domain.agreement import BUDGET_LINE_FIELDS, frozen_digest, row_facts
from grants.domain.awards import Candidate
from grants.domain.errors import Refusal
from grants.extensions import db
from grants.models import AuditEntry, BudgetLine, Notification
from grants.models.awards import Agreement, Award, Notice
from grants.services import awards as award_svc
from grants.services import notices as svc
from tests.factories import make_proposal, make_round
from tests.helpers import audit_count

MONDAY = date(2026, 7, 6)
FRIDAY = date(2026, 7, 10)
NEXT_MONDAY = date(2026, 7, 13)


@pytest.fixture
def organizer(make_user):
    return make_user("wangmin", "organizer")


@pytest.fixture
def published(app, organizer, make_user):
    """A round with three proposed awards published on a Monday."""
    applicant = make_user("zhangguilan", "resident")
    r = make_round("notice", pool_fen=3_500_000)
    cands = []
    for rank in (1, 2, 3):
        p = make_proposal(r, applicant, status="scored", title=f"项目{rank}")
        cands.append(Candidate(p.id, rank, p.title, Decimal(90 - rank), 1_000_000))
    award_svc.propose_awards(r.id, cands, organizer)
    notice = svc.publish_notice(r.id, organizer, today=MONDAY)
    return notice


def _entries_since(before):
    """(action, object type, object id, role) of the audit entries written after ``before``."""
    query = select(AuditEntry).where(AuditEntry.seq > before).order_by(AuditEntry.seq)
    return [(e.action, e.object_type, e.object_id, e.actor_role)
            for e in db.session.scalars(query)]


def _payload(action):
    """The payload of the latest entry with this action."""
    query = select(AuditEntry.payload).where(AuditEntry.action == action)
    return json.loads(db.session.scalar(query.order_by(AuditEntry.seq.desc())))


def _award(notice, rank):
    return db.session.scalar(select(Award).where(Award.notice_id == notice.id, Award.rank == rank))


def test_publish_opens_five_working_days(published):
    assert (published.starts_on, published.ends_on, published.status) == (MONDAY, FRIDAY, "open")
    assert {a.status for a in published.awards} == {"in_notice"}


def test_publish_with_nothing_proposed_is_refused(published, organizer):
    before = audit_count()
    with pytest.raises(Refusal, match="没有待公示"):
        svc.publish_notice(published.round_id, organizer, today=MONDAY)
    assert audit_count() == before


def test_anonymous_and_logged_in_objections(published, make_user):
    resident = make_user("liujianguo", "resident")
    award = _award(published, 1)
    before = audit_count()
    mine = svc.file_objection(award.id, "该团队负责人同时是评审亲属", user=resident, today=FRIDAY)
    anon = svc.file_objection(award.id, "预算偏高", name="李四", phone="13912345678", today=MONDAY)
    assert audit_count() == before + 2
    assert (mine.user_id, mine.name, mine.phone) == (resident.id, "", "")
    assert anon.token and anon.token != mine.token and anon.phone == "13912345678"
    assert svc.objection_by_token(anon.token).id == anon.id
    notes = db.session.scalars(select(Notification.message)).all()
    assert any("收到对“项目1”的异议" in n for n in notes)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"text": "  "}, "请填写异议内容"),
        ({"text": "x" * 2001}, "不能超过 2000 字"),
        ({"phone": "12345"}, "有效的联系电话"),
        ({"phone": "1381234567a"}, "有效的联系电话"),
        ({"name": ""}, "请填写姓名"),
    ],
)
def test_bad_objection_input_is_refused(published, kwargs, message):
    fields = {"text": "有异议", "name": "王五", "phone": "025-52345678", **kwargs}
    before = audit_count()
    with pytest.raises(Refusal, match=message) as err:
        svc.file_objection(_award(published, 1).id, today=MONDAY, **fields)
    assert err.value.status == 422 and audit_count() == before


@pytest.mark.parametrize("day", [date(2026, 7, 5), date(2026, 7, 11), NEXT_MONDAY])
def test_objection_outside_the_period_is_refused(published, day):
    before = audit_count()
    with pytest.raises(Refusal, match="只能在公示期内"):
        svc.file_objection(
            _award(published, 1).id, "有异议", name="王五", phone="13800001111", today=day
        )
    assert audit_count() == before


def test_uphold_revokes_and_tells_the_objector(published, organizer, make_user):
    resident = make_user("liujianguo", "resident")
    award = _award(published, 2)
    objection = svc.file_objection(award.id, "重复申报", user=resident, today=MONDAY)
    before = audit_count()
    svc.uphold_objection(objection.id, organizer, "经核实与另一项目重复申报")
    assert _entries_since(before) == [
        ("objection.uphold", "objection", objection.id, "organizer"),
        ("award.revoke", "award", award.id, "organizer"),
    ]
    assert (objection.status, award.status) == ("upheld", "revoked")
    assert award_svc.live_total(published.round_id) == 2_000_000
    note = db.session.scalar(select(Notification).where(Notification.user_id == resident.id))
    assert "异议成立" in note.message and objection.token in note.link


def test_uphold_with_new_amount_keeps_within_the_pool(published, organizer):
    award = _award(published, 1)
    objection = svc.file_objection(
        award.id, "预算偏高", name="李四", phone="13912345678", today=MONDAY
    )
    before = audit_count()
    with pytest.raises(Refusal, match="超过资金池"):
        svc.uphold_objection(objection.id, organizer, "核增", new_amount_fen=1_500_001)
    with pytest.raises(Refusal, match="理由"):
        svc.uphold_objection(objection.id, organizer, " ", new_amount_fen=800_000)
    assert audit_count() == before and objection.status == "filed"
    svc.uphold_objection(objection.id, organizer, "核减宣传费", new_amount_fen=800_000)
    assert (award.status, award.amount_fen) == ("in_notice", 800_000)
    assert _entries_since(before) == [
        ("objection.uphold", "objection", objection.id, "organizer"),
        ("award.change_amount", "award", award.id, "organizer"),
    ]
    change = _payload("award.change_amount")
    assert (change["from_fen"], change["to_fen"], change["objection_id"]) == (
        1_000_000, 800_000, objection.id)
    assert change["reason"] == "核减宣传费" and _payload("objection.uphold")["award_effect"] == (
        "amount_changed")


def test_dismiss_needs_a_reason_and_only_once(published, organizer):
    objection = svc.file_objection(
        _award(published, 1).id, "不服", name="李四", phone="13912345678", today=MONDAY
    )
    with pytest.raises(Refusal, match="理由"):
        svc.dismiss_objection(objection.id, organizer, "")
    svc.dismiss_objection(objection.id, organizer, "评审程序合规")
    with pytest.raises(Refusal, match="不能执行"):
        svc.dismiss_objection(objection.id, organizer, "再次驳回")
    assert objection.status == "dismissed" and objection.outcome_reason == "评审程序合规"


def test_confirm_waits_for_the_end_and_for_rulings(published, organizer):
    objection = svc.file_objection(
        _award(published, 1).id, "不服", name="李四", phone="13912345678", today=MONDAY
    )
    before = audit_count()
    with pytest.raises(Refusal, match="期满后"):
        svc.confirm_notice(published.id, organizer, today=FRIDAY)
    with pytest.raises(Refusal, match="1 件异议未处理"):
        svc.confirm_notice(published.id, organizer, today=NEXT_MONDAY)
    assert audit_count() == before
    svc.dismiss_objection(objection.id, organizer, "不成立")
    assert svc.confirm_notice(published.id, organizer, today=NEXT_MONDAY) == 3
    numbers = db.session.scalars(select(Agreement.number).order_by(Agreement.number)).all()
    assert numbers == ["JN-2026-07-001", "JN-2026-07-002", "JN-2026-07-003"]
    assert {a.status for a in published.awards} == {"confirmed"}
    with pytest.raises(Refusal, match="已经结束"):
        svc.confirm_notice(published.id, organizer, today=NEXT_MONDAY)


def test_close_due_is_idempotent(published, organizer):
    assert svc.close_due(today=FRIDAY) == []
    before = audit_count()
    lines = svc.close_due(today=NEXT_MONDAY)
    assert lines == [f"公示 #{published.id}：已确认 3 个立项"]
    after_first = audit_count()
    # notice confirmed, awards confirmed ×3, agreements drawn ×3, proposals settled ×3
    assert after_first == before + 1 + 3 + 3 + 3
    actions = [entry[0] for entry in _entries_since(before)]
    assert actions == ["notice.confirm", *["award.confirm"] * 3, *["agreement.draw"] * 3,
                       *["proposal.award"] * 3]
    assert {entry[3] for entry in _entries_since(before)} == {"system"}
    assert svc.close_due(today=NEXT_MONDAY) == []
    assert audit_count() == after_first
    assert db.session.get(Notice, published.id).status == "closed"


def test_close_due_leaves_notices_with_open_objections(published):
    svc.file_objection(
        _award(published, 3).id, "不服", name="李四", phone="13912345678", today=MONDAY
    )
    before = audit_count()
    lines = svc.close_due(today=NEXT_MONDAY)
    assert "未确认" in lines[0] and "异议未处理" in lines[0]
    assert audit_count() == before


def test_public_rows_mask_resident_leaders(published):
    rows = svc.public_rows(published)
    assert [r.rank for r in rows] == [1, 2, 3]
    assert rows[0].applicant == "居民团队（负责人 张**）"
    assert rows[0].community == "东山社区" and rows[0].amount_fen == 1_000_000


def test_confirmation_settles_the_proposals_and_tells_applicants(published, organizer):
    from grants.models import Notification, Proposal

    svc.confirm_notice(published.id, organizer, today=NEXT_MONDAY)
    statuses = {p.status for p in db.session.scalars(select(Proposal))}
    assert statuses <= {"awarded", "not_awarded"} and "awarded" in statuses
    messages = db.session.scalars(select(Notification.message)).all()
    assert any("正式立项" in message for message in messages)


def test_a_proposal_waiting_for_a_later_notice_is_not_marked_unfunded(published, organizer):
    from grants.models import Proposal

    waiting = db.session.scalars(select(Award).where(Award.status == "in_notice")).first()
    waiting.status = "proposed"
    db.session.commit()
    svc.confirm_notice(published.id, organizer, today=NEXT_MONDAY)
    assert db.session.get(Proposal, waiting.proposal_id).status == "scored"


def test_publishing_audits_the_notice_and_each_award_as_the_organizer(app, organizer, make_user):
    applicant = make_user("zhangguilan", "resident")
    r = make_round("notice", pool_fen=3_500_000)
    proposals = [make_proposal(r, applicant, status="scored", title=f"项目{i}") for i in (1, 2)]
    award_svc.propose_awards(r.id, [Candidate(p.id, i, p.title, Decimal(90 - i), 1_000_000)
                                    for i, p in enumerate(proposals, 1)], organizer)
    before = audit_count()
    notice = svc.publish_notice(r.id, organizer, today=MONDAY)
    entries = _entries_since(before)
    assert entries[0] == ("notice.publish", "notice", notice.id, "organizer")
    assert [e[0] for e in entries[1:]] == ["award.publish_notice"] * 2
    assert _payload("notice.publish")["ends_on"] == FRIDAY.isoformat()


def test_objections_are_filed_by_the_public_whoever_files_them(published, make_user):
    resident = make_user("liujianguo", "resident")
    award = _award(published, 1)
    before = audit_count()
    anonymous = svc.file_objection(award.id, "预算偏高", name="李四", phone="13912345678",
                                   today=MONDAY)
    signed_in = svc.file_objection(award.id, "重复申报", user=resident, today=MONDAY)
    assert _entries_since(before) == [
        ("objection.file", "objection", anonymous.id, "public"),
        ("objection.file", "objection", signed_in.id, "public"),
    ]
    actors = db.session.scalars(select(AuditEntry.actor_id).where(AuditEntry.seq > before)).all()
    assert actors == [None, resident.id]
    assert (anonymous.status, signed_in.status) == ("filed", "filed")


def test_a_second_upheld_objection_leaves_a_revoked_award_alone(published, organizer):
    award = _award(published, 2)
    first, second = (
        svc.file_objection(award.id, text, name="李四", phone="13912345678", today=MONDAY)
        for text in ("重复申报", "预算偏高")
    )
    svc.uphold_objection(first.id, organizer, "重复申报属实")
    before = audit_count()
    svc.uphold_objection(second.id, organizer, "一并认定")
    assert _entries_since(before) == [("objection.uphold", "objection", second.id, "organizer")]
    assert _payload("objection.uphold")["award_effect"] == "none"
    assert award.status == "revoked"


def _frozen(award):
    return [(line.id, line.position, line.item, line.cost_category, line.unit_price_fen,
             line.quantity, line.subtotal_fen) for line in award.budget_lines]


def test_confirmation_freezes_the_budget_lines_and_audits_their_digest(published, organizer):
    award = _award(published, 1)
    proposal = award.proposal
    proposal.lines = [
        BudgetLine(position=0, item="食材", cost_category="materials", unit_price_fen=600_000,
                   quantity=1, subtotal_fen=600_000),
        BudgetLine(position=1, item="场地租用", cost_category="venue", unit_price_fen=100_000,
                   quantity=4, subtotal_fen=400_000),
    ]
    db.session.commit()
    svc.confirm_notice(published.id, organizer, today=NEXT_MONDAY)
    frozen = _frozen(award)
    assert [row[1:] for row in frozen] == [
        (0, "食材", "materials", 600_000, 1, 600_000),
        (1, "场地租用", "venue", 100_000, 4, 400_000),
    ]
    entry = db.session.scalar(select(AuditEntry).where(
        AuditEntry.action == "award.confirm", AuditEntry.object_id == award.id))
    payload = json.loads(entry.payload)
    facts = [row_facts(line, BUDGET_LINE_FIELDS) for line in award.budget_lines]
    assert payload["budget_sha256"] == frozen_digest(facts)
    assert payload["budget_line_ids"] == [row[0] for row in frozen]
    assert payload["budget_total_fen"] == 1_000_000 and entry.actor_role == "organizer"


def test_editing_the_source_proposal_cannot_change_the_frozen_lines(published, organizer):
    award = _award(published, 1)
    svc.confirm_notice(published.id, organizer, today=NEXT_MONDAY)
    frozen = _frozen(award)
    digest = json.loads(db.session.scalar(
        select(AuditEntry.payload).where(AuditEntry.action == "award.confirm",
                                         AuditEntry.object_id == award.id)))["budget_sha256"]
    proposal = award.proposal
    proposal.lines = [BudgetLine(position=0, item="宣传物料", cost_category="publicity",
                                 unit_price_fen=5_000, quantity=200, subtotal_fen=1_000_000)]
    proposal.title = "改过的标题"
    db.session.commit()
    db.session.expire_all()
    assert _frozen(award) == frozen
    facts = [row_facts(line, BUDGET_LINE_FIELDS) for line in award.budget_lines]
    assert frozen_digest(facts) == digest
