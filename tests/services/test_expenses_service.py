"""Expenses: reporting with receipts, the flags, finance decisions, bulk acceptance, budget
adjustments, what each step audits (once, with the role used), and who sees what."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from grants.domain.clock import local_date
from grants.domain.errors import Refusal
from grants.extensions import db
from grants.models import AttachmentBlob, AuditEntry
from grants.models.expenses import BudgetAdjustment, Expense, ExpenseReceipt
from grants.services import attachments
from grants.services import expenses as svc
from tests.expenses_support import form, line_ids, pay, pdf, people, png, signed_award
from tests.factories import make_proposal, make_round
from tests.helpers import audit_count, count_queries, create_user


@pytest.fixture
def who(app):
    return people()


@pytest.fixture
def award(who):
    award = signed_award(who)
    pay(award, 500_000, who)
    return award


def _entries_since(before: int) -> list[tuple[str, str, str]]:
    """(action, object type, role) of the entries written after ``before``."""
    query = select(AuditEntry).where(AuditEntry.seq > before).order_by(AuditEntry.seq)
    return [(e.action, e.object_type, e.actor_role) for e in db.session.scalars(query)]


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _flags(user, award, expense_id):
    page = svc.expense_page(user, award.id)
    return next(row.flags for row in page.expenses if row.expense.id == expense_id)


# --- reporting and the audit trail -------------------------------------------------------------


def test_every_step_is_audited_once_with_the_role_that_allowed_it(who, award):
    before = audit_count()
    expense = svc.submit_expense(who.grantee, award.id, form(award), [("发票.pdf", pdf("a"))])
    svc.query_expense(who.finance, expense.id, "请补充购物小票")
    svc.resubmit_expense(who.grantee, expense.id, form(award, answer="已补充小票"),
                         [("小票.jpg", b"\xff\xd8\xff" + b"jpeg")])
    svc.accept_expense(who.finance, expense.id)
    second = svc.submit_expense(who.grantee, award.id, form(award, amount="200"),
                                [("b.pdf", pdf("b"))])
    svc.reject_expense(who.finance2, second.id, "与项目无关")
    assert _entries_since(before) == [
        ("expense.submit", "expense", "applicant"),
        ("expense.query", "expense", "finance"),
        ("expense.resubmit", "expense", "applicant"),
        ("expense.accept", "expense", "finance"),
        ("expense.submit", "expense", "applicant"),
        ("expense.reject", "expense", "finance"),
    ]
    db.session.refresh(expense)
    assert expense.status == "accepted" and len(expense.receipts) == 2
    assert expense.question == "请补充购物小票" and expense.answer == "已补充小票"
    assert db.session.get(Expense, second.id).decision_reason == "与项目无关"


def test_a_member_of_the_applying_organisation_reports_as_applicant(who):
    from tests.factories import make_org

    org = make_org(3)
    member = create_user("member", "org_member", organisation_id=org.id)
    colleague = create_user("colleague", "org_member", organisation_id=org.id)
    award = signed_award(who, grantee=member)
    award.proposal.organisation_id = org.id
    db.session.commit()
    before = audit_count()
    svc.submit_expense(colleague, award.id, form(award), [("a.pdf", pdf())])
    assert _entries_since(before) == [("expense.submit", "expense", "applicant")]


def test_the_same_receipt_bytes_on_two_projects_in_two_rounds_are_flagged_on_the_second(who):
    first_award = signed_award(who, title="银龄互助食堂")
    second_award = signed_award(who, grantee=who.other, title="楼道微更新")
    assert first_award.round_id != second_award.round_id
    same = pdf("同一张发票")
    first = svc.submit_expense(who.grantee, first_award.id, form(first_award), [("a.pdf", same)])
    second = svc.submit_expense(who.other, second_award.id, form(second_award),
                                [("renamed.pdf", same)])
    assert "duplicate_receipt" not in _flags(who.grantee, first_award, first.id)
    assert "duplicate_receipt" in _flags(who.other, second_award, second.id)
    assert _count(AttachmentBlob) == 1  # the bytes are stored once
    queue = svc.finance_queue({"flag": "duplicate_receipt"})
    assert [row.expense.id for row in queue.rows] == [second.id]


def test_a_rejected_expense_does_not_make_its_receipt_a_duplicate(who, award):
    same = pdf("重复")
    first = svc.submit_expense(who.grantee, award.id, form(award), [("a.pdf", same)])
    svc.reject_expense(who.finance, first.id, "科目选错，请重新报送")
    again = svc.submit_expense(who.grantee, award.id, form(award), [("a.pdf", same)])
    assert "duplicate_receipt" not in _flags(who.grantee, award, again.id)


def test_the_same_invoice_code_and_number_is_flagged_on_the_second_use(who):
    first_award = signed_award(who)
    second_award = signed_award(who, grantee=who.other, title="楼道微更新")
    invoice = {"invoice_code": "０３２００２１０００１１", "invoice_number": "1234 5678"}
    first = svc.submit_expense(who.grantee, first_award.id, form(first_award, **invoice),
                               [("a.pdf", pdf("1"))])
    second = svc.submit_expense(who.other, second_award.id, form(second_award, **invoice),
                                [("b.pdf", pdf("2"))])
    assert first.invoice_code == "032002100011" and first.invoice_number == "12345678"
    assert "duplicate_invoice" not in _flags(who.grantee, first_award, first.id)
    assert "duplicate_invoice" in _flags(who.other, second_award, second.id)


@pytest.mark.parametrize(("name", "data", "status", "words"), [
    ("发票.pdf", b"<html><body>not a pdf</body></html>", 415, "PDF、JPEG 或 PNG"),
    ("扫描件.pdf", b"%PDF-" + b"0" * (11 * 1024 * 1024), 413, "10 MB"),
    ("空.pdf", b"", 400, "文件是空的"),
])
def test_a_bad_file_is_refused_in_chinese_and_changes_nothing(who, award, name, data, status,
                                                              words):
    before = (audit_count(), _count(Expense), _count(ExpenseReceipt), _count(AttachmentBlob))
    with pytest.raises(Refusal) as refused:
        svc.submit_expense(who.grantee, award.id, form(award), [("好的.png", png()), (name, data)])
    assert refused.value.status == status
    assert words in str(refused.value) and name in str(refused.value)
    after = (audit_count(), _count(Expense), _count(ExpenseReceipt), _count(AttachmentBlob))
    assert after == before


@pytest.mark.parametrize(("amount", "words"), [
    ("0", "必须大于 ¥0.00"), ("-5", "必须大于 ¥0.00"), ("15000.01", "¥15,000.00"),
    ("十块钱", "¥15,000.00"), ("1" * 100_000, "¥15,000.00"), ("", "¥0.01"),
])
def test_a_bad_amount_is_refused_naming_the_limit_and_changes_nothing(who, award, amount, words):
    before = (audit_count(), _count(Expense), _count(AttachmentBlob))
    with pytest.raises(Refusal) as refused:
        svc.submit_expense(who.grantee, award.id, form(award, amount=amount), [("a.pdf", pdf())])
    assert refused.value.status == 422
    assert words in str(refused.value)
    assert [p.field for p in refused.value.problems] == ["amount"]
    assert (audit_count(), _count(Expense), _count(AttachmentBlob)) == before


def test_form_problems_name_their_inputs(who, award):
    other_line = signed_award(who, grantee=who.other, title="别人的项目").budget_lines[0].id
    bad = form(award, budget_line_id=str(other_line), spent_on="2026-13-01", payee="",
               invoice_code="123")
    with pytest.raises(Refusal) as refused:
        svc.submit_expense(who.grantee, award.id, bad)
    fields = {problem.field for problem in refused.value.problems}
    assert fields == {"budget_line_id", "spent_on", "payee", "invoice_code", "invoice_number"}
    assert refused.value.status == 422 and "有 5 处填写有误" in str(refused.value)


def test_a_flag_never_blocks_reporting(who, award):
    late = (local_date() - timedelta(days=365)).isoformat()
    expense = svc.submit_expense(who.grantee, award.id,
                                 form(award, amount="7000", spent_on=late))
    assert set(_flags(who.grantee, award, expense.id)) == {
        "above_paid", "overrun", "over_line", "outside_period", "missing_receipt"}


def test_another_grantee_never_sees_an_award_its_expenses_or_receipts(who, award):
    expense = svc.submit_expense(who.grantee, award.id, form(award), [("a.pdf", pdf())])
    receipt_id = expense.receipts[0].id
    for call in (lambda: svc.expense_page(who.other, award.id),
                 lambda: svc.receipt_file(who.other, receipt_id),
                 lambda: list(svc.receipts_of(who.other, award_id=award.id)),
                 lambda: list(svc.receipts_of(who.grantee, round_id=award.round_id)),
                 lambda: svc.submit_expense(who.other, award.id, form(award))):
        with pytest.raises(Refusal) as refused:
            call()
        assert refused.value.status == 404
    receipt, data = svc.receipt_file(who.grantee, receipt_id)
    assert data == pdf() and receipt.content_type == "application/pdf"
    assert svc.receipt_file(who.finance, receipt_id)[1] == pdf()


def test_receipts_of_an_award_and_a_round_are_named_for_a_zip(who, award):
    expense = svc.submit_expense(who.grantee, award.id, form(award),
                                 [("发票/../a.pdf", pdf("1")), ("b.png", png())])
    files = list(svc.receipts_of(who.grantee, award_id=award.id))
    assert [f.arcname for f in files] == [f"{award.id}-银龄互助食堂/{expense.id}-1-a.pdf",
                                          f"{award.id}-银龄互助食堂/{expense.id}-2-b.png"]
    assert [f.data for f in files] == [pdf("1"), png()]
    assert len(list(svc.receipts_of(who.organizer, round_id=award.round_id))) == 2


# --- finance decisions -------------------------------------------------------------------------


def test_accepting_a_flagged_expense_needs_a_written_reason(who, award):
    big = svc.submit_expense(who.grantee, award.id, form(award, amount="5500"),
                             [("a.pdf", pdf())])
    with pytest.raises(Refusal) as refused:
        svc.accept_expense(who.finance, big.id)
    assert refused.value.status == 422 and "已拨付" in str(refused.value)
    assert db.session.get(Expense, big.id).status == "submitted"
    svc.accept_expense(who.finance, big.id, reason="垫付部分已核实，下一批拨款覆盖")
    big = db.session.get(Expense, big.id)
    assert big.status == "accepted" and big.accepted_flags == ["above_paid"]
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "expense.accept")).one()
    assert '"reason":"垫付部分已核实，下一批拨款覆盖"' in entry.payload
    assert '"flags":["above_paid"]' in entry.payload


def test_only_finance_decides_and_not_on_a_closed_award(who, award):
    expense = svc.submit_expense(who.grantee, award.id, form(award), [("a.pdf", pdf())])
    for actor in (who.grantee, who.organizer):
        with pytest.raises(Refusal) as refused:
            svc.accept_expense(actor, expense.id)
        assert refused.value.status == 403
    with pytest.raises(Refusal) as missing:
        svc.reject_expense(who.finance, expense.id, "  ")
    assert missing.value.status == 422
    with pytest.raises(Refusal) as gone:
        svc.accept_expense(who.finance, 10**12)
    assert gone.value.status == 404


def test_bulk_accept_takes_unflagged_expenses_all_or_nothing(who, award):
    clean = [svc.submit_expense(who.grantee, award.id, form(award, amount="1000"),
                                [("a.pdf", pdf(str(i)))]).id for i in range(3)]
    flagged = svc.submit_expense(who.grantee, award.id, form(award, amount="100")).id
    before = audit_count()
    with pytest.raises(Refusal) as refused:
        svc.bulk_accept(who.finance, [*clean, flagged])
    assert refused.value.status == 409 and f"#{flagged}" in str(refused.value)
    assert "未上传票据" in str(refused.value)
    assert audit_count() == before
    assert {db.session.get(Expense, i).status for i in clean} == {"submitted"}
    svc.bulk_accept(who.finance, [str(i) for i in clean])
    assert {db.session.get(Expense, i).status for i in clean} == {"accepted"}
    assert _entries_since(before) == [("expense.accept", "expense", "finance")] * 3


def test_bulk_accept_sees_the_acceptances_before_it_in_the_batch(who, award):
    ids = [svc.submit_expense(who.grantee, award.id, form(award, line=i % 3, amount="1800"),
                              [("a.pdf", pdf(str(i)))]).id for i in range(3)]
    assert all(not _flags(who.finance, award, i) for i in ids)  # each alone fits ¥5,000 paid
    with pytest.raises(Refusal) as refused:
        svc.bulk_accept(who.finance, ids)
    assert f"#{ids[2]}" in str(refused.value) and "已拨付" in str(refused.value)
    assert {db.session.get(Expense, i).status for i in ids} == {"submitted"}


def test_the_finance_queue_puts_flagged_then_old_first_in_constant_queries(who):
    awards = [signed_award(who, title=f"项目{i}") for i in range(2)]
    for a in awards:
        pay(a, 500_000, who)
        svc.submit_expense(who.grantee, a.id, form(a, amount="100"), [("a.pdf", pdf(str(a.id)))])
        svc.submit_expense(who.grantee, a.id, form(a, amount="100"))
    db.session.expire_all()
    with count_queries() as few:
        queue = svc.finance_queue()
    more = [signed_award(who, title=f"新项目{i}") for i in range(3)]
    for a in more:
        svc.submit_expense(who.grantee, a.id, form(a), [("a.pdf", pdf(f"x{a.id}"))])
    db.session.expire_all()
    with count_queries() as many:
        bigger = svc.finance_queue()
    assert few[0] == many[0]
    assert queue.total == 4 and bigger.total == 7
    assert [bool(row.flags) for row in queue.rows] == [True, True, False, False]
    assert [row.expense.award_id for row in queue.rows[:2]] == [awards[0].id, awards[1].id]
    assert bigger.flag_counts["above_paid"] == 3
    clean = svc.finance_queue({"flag": "clean", "round_id": str(awards[0].round_id)})
    assert clean.total == 1 and clean.rows[0].bulk_acceptable


def test_the_expense_page_shows_running_totals_per_line(who, award):
    accepted = svc.submit_expense(who.grantee, award.id, form(award, amount="1000"),
                                  [("a.pdf", pdf("1"))])
    svc.accept_expense(who.finance, accepted.id)
    svc.submit_expense(who.grantee, award.id, form(award, amount="500.50"), [("b.pdf", pdf("2"))])
    grantee, award_id = who.grantee, award.id
    db.session.commit()
    with count_queries() as counted:
        page = svc.expense_page(grantee, award_id)
    first = page.lines[0]
    assert (first.approved_fen, first.adjusted_fen, first.accepted_fen, first.pending_fen,
            first.remaining_fen) == (600_000, 600_000, 100_000, 50_050, 449_950)
    assert page.totals["approved_fen"] == 1_000_000 and page.ledger.paid_fen == 500_000
    assert page.can_report[0] and not page.can_decide[0]
    assert page.expenses[0].actions == () and page.owner
    for i in range(4):
        svc.submit_expense(grantee, award_id, form(award, amount="10"), [("c.pdf", pdf(f"{i}"))])
    db.session.commit()
    with count_queries() as more:
        assert len(svc.expense_page(grantee, award_id).expenses) == 6
    assert more[0] == counted[0]


# --- budget adjustments ------------------------------------------------------------------------


def test_a_small_move_applies_at_once_and_a_large_one_waits_for_the_organizer(who, award):
    lines = line_ids(award)
    before = audit_count()
    small = svc.request_adjustment(who.grantee, award.id, {
        "from_line_id": lines[0], "to_line_id": lines[1], "amount": "200", "reason": "海报加印"})
    assert small.status == "approved"
    large = svc.request_adjustment(who.grantee, award.id, {
        "from_line_id": lines[0], "to_line_id": lines[2], "amount": "1000", "reason": "场地涨价"})
    assert large.status == "requested"
    page = svc.expense_page(who.grantee, award.id)
    assert [line.adjusted_fen for line in page.lines] == [580_000, 220_000, 200_000]
    with pytest.raises(Refusal) as refused:
        svc.decide_adjustment(who.finance, large.id, approve=True)
    assert refused.value.status == 403
    svc.decide_adjustment(who.organizer, large.id, approve=True)
    page = svc.expense_page(who.organizer, award.id)
    assert [line.adjusted_fen for line in page.lines] == [480_000, 220_000, 300_000]
    assert [line.approved_fen for line in page.lines] == [600_000, 200_000, 200_000]
    assert _entries_since(before) == [
        ("budget_adjustment.record", "budget_adjustment", "applicant"),
        ("budget_adjustment.request", "budget_adjustment", "applicant"),
        ("budget_adjustment.approve", "budget_adjustment", "organizer"),
    ]


def test_many_small_moves_add_up_and_money_already_accepted_cannot_move(who, award):
    lines = line_ids(award)
    data = {"from_line_id": lines[1], "to_line_id": lines[0], "amount": "150", "reason": "调剂"}
    assert svc.request_adjustment(who.grantee, award.id, data).status == "approved"
    assert svc.request_adjustment(who.grantee, award.id, data).status == "requested"
    spent = svc.submit_expense(who.grantee, award.id, form(award, line=2, amount="1900"),
                               [("a.pdf", pdf())])
    svc.accept_expense(who.finance, spent.id)
    with pytest.raises(Refusal) as refused:
        svc.request_adjustment(who.grantee, award.id, {
            "from_line_id": lines[2], "to_line_id": lines[0], "amount": "200", "reason": "x"})
    assert "¥100.00" in str(refused.value)
    with pytest.raises(Refusal) as refused:
        svc.decide_adjustment(who.organizer, db.session.scalars(
            select(BudgetAdjustment.id).where(BudgetAdjustment.status == "requested")).one(),
            approve=False)
    assert refused.value.status == 422


def test_the_overrun_threshold_is_a_round_setting(who, award):
    expense = svc.submit_expense(who.grantee, award.id, form(award, line=1, amount="2100"),
                                 [("a.pdf", pdf())])
    assert "overrun" not in _flags(who.finance, award, expense.id)
    before = audit_count()
    svc.save_overrun_threshold(who.organizer, award.round_id, "4")
    assert "overrun" in _flags(who.finance, award, expense.id)
    assert _entries_since(before) == [("round.set_overrun_threshold", "funding_round",
                                       "organizer")]
    for bad in ("101", "-1", "十"):
        with pytest.raises(Refusal):
            svc.save_overrun_threshold(who.organizer, award.round_id, bad)
    with pytest.raises(Refusal) as refused:
        svc.save_overrun_threshold(who.finance, award.round_id, 5)
    assert refused.value.status == 403


# --- shared storage ------------------------------------------------------------------------------


def test_removing_a_proposal_attachment_keeps_bytes_a_receipt_still_uses(who, award):
    same = pdf("共用")
    svc.submit_expense(who.grantee, award.id, form(award), [("a.pdf", same)])
    draft_round = make_round("submission", round_no=99)
    draft = make_proposal(draft_round, who.grantee, status="draft", title="新申报")
    attachment = attachments.add(who.grantee, draft.id, "a.pdf", same)
    attachments.remove(who.grantee, attachment.id)
    assert _count(AttachmentBlob) == 1
