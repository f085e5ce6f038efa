"""Settlement: refunds of exactly the unspent money, closure only when the money adds up,
suspension blocking tranches with a clawback tracked until received, and barring an
organisation (screening shows and refuses it)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from grants.domain.clock import local_date
from grants.domain.errors import Refusal
from grants.extensions import db
from grants.models import AuditEntry, Organisation
from grants.models.awards import Award, Tranche
from grants.models.expenses import Clawback, Refund
from grants.services import expenses, screening
from grants.services import settlement as svc
from tests.expenses_support import form, move, pay, pdf, people, signed_award
from tests.factories import make_org, make_proposal, make_round
from tests.helpers import audit_count


@pytest.fixture
def who(app):
    return people()


def _entries_since(before: int) -> list[tuple[str, str]]:
    query = select(AuditEntry).where(AuditEntry.seq > before).order_by(AuditEntry.seq)
    return [(e.action, e.actor_role) for e in db.session.scalars(query)]


def _spent(who, award, amount: str) -> None:
    expense = expenses.submit_expense(who.grantee, award.id, form(award, amount=amount),
                                      [("a.pdf", pdf(amount))])
    expenses.accept_expense(who.finance, expense.id)


def _final(who, award) -> None:
    for action in ("pass_midterm", "pass_final"):
        move(award, action, who.organizer)


def test_an_award_closes_only_when_unspent_money_is_refunded_exactly(who):
    award = signed_award(who)
    pay(award, 500_000, who)
    _spent(who, award, "3200")
    pending = expenses.submit_expense(who.grantee, award.id, form(award, amount="100"),
                                      [("b.pdf", pdf("b"))])
    _final(who, award)
    today = local_date()
    with pytest.raises(Refusal, match="尚未审核完毕"):
        svc.record_refund(who.finance, award.id, 180_000, "BR001", today)
    expenses.reject_expense(who.finance, pending.id, "重复报销")
    with pytest.raises(Refusal) as early:
        svc.close_award(who.organizer, award.id)
    assert early.value.status == 409 and "¥1,800.00" in str(early.value)
    for wrong in (179_999, 180_001, "1799.99"):
        with pytest.raises(Refusal, match="应等于结余 ¥1,800.00"):
            svc.record_refund(who.finance, award.id, wrong, "BR001", today)
    with pytest.raises(Refusal, match="不能晚于今天"):
        svc.record_refund(who.finance, award.id, 180_000, "BR001", today + timedelta(days=1))
    with pytest.raises(Refusal) as grantee:
        svc.record_refund(who.grantee, award.id, 180_000, "BR001", today)
    assert grantee.value.status == 403
    before = audit_count()
    svc.record_refund(who.finance, award.id, "1,800.00", " BR001 ", today.isoformat())
    with pytest.raises(Refusal, match="没有结余"):
        svc.record_refund(who.finance, award.id, 1, "BR002", today)
    svc.close_award(who.organizer, award.id)
    assert db.session.get(Award, award.id).status == "closed"
    assert db.session.scalars(select(Refund.bank_reference)).all() == ["BR001"]
    assert _entries_since(before) == [("refund.record", "finance"), ("award.close", "organizer")]
    ledger = svc.ledger_of(award.id)
    assert ledger.accepted_fen + ledger.refunded_fen + ledger.clawback_received_fen \
        == ledger.paid_fen == 500_000
    with pytest.raises(Refusal) as closed:
        expenses.submit_expense(who.grantee, award.id, form(award), [("c.pdf", pdf("c"))])
    assert closed.value.status == 409


def test_an_award_fully_spent_closes_without_a_refund_but_not_while_overspent(who):
    award = signed_award(who)
    pay(award, 300_000, who)
    expense = expenses.submit_expense(who.grantee, award.id, form(award, amount="3500"),
                                      [("a.pdf", pdf())])
    expenses.accept_expense(who.finance, expense.id, reason="超出部分由下一批拨付")
    _final(who, award)
    with pytest.raises(Refusal, match="请先拨付差额"):
        svc.close_award(who.organizer, award.id)
    pay(award, 50_000, who)
    settlement = svc.settlement_of(who.organizer, award.id)
    assert settlement.close_problem is None and settlement.actions == ("close", "suspend")
    svc.close_award(who.organizer, award.id)


def test_suspension_blocks_tranches_records_a_clawback_and_closes_once_it_is_received(who):
    award = signed_award(who)
    pay(award, 500_000, who)
    _spent(who, award, "1000")
    with pytest.raises(Refusal, match="¥4,000.00"):
        svc.suspend_award(who.organizer, award.id, "项目未按计划实施", 400_001)
    with pytest.raises(Refusal) as no_reason:
        svc.suspend_award(who.organizer, award.id, " ", 100)
    assert no_reason.value.status == 422
    with pytest.raises(Refusal) as finance:
        svc.suspend_award(who.finance, award.id, "x", 100)
    assert finance.value.status == 403
    before = audit_count()
    svc.suspend_award(who.organizer, award.id, "项目未按计划实施", "4000")
    tranches = db.session.scalars(select(Tranche).where(Tranche.award_id == award.id)).all()
    assert {t.status for t in tranches} == {"blocked"}
    assert _entries_since(before) == [("award.suspend", "organizer")] + \
        [("tranche.block", "organizer")] * len(tranches) + [("clawback.record", "organizer")]
    with pytest.raises(Refusal, match="尚未到账"):
        svc.close_award(who.organizer, award.id)
    with pytest.raises(Refusal, match="没有结余"):
        svc.record_refund(who.finance, award.id, 1, "BR1", local_date())
    before = audit_count()
    svc.record_clawback_received(who.finance, award.id, "ZH20261201", local_date())
    with pytest.raises(Refusal) as twice:
        svc.record_clawback_received(who.finance, award.id, "ZH20261201", local_date())
    assert twice.value.status == 409
    svc.close_award(who.organizer, award.id)
    assert _entries_since(before) == [("clawback.receive", "finance"), ("award.close", "organizer")]
    clawback = db.session.scalars(select(Clawback)).one()
    assert (clawback.status, clawback.amount_fen, clawback.bank_reference) == \
        ("received", 400_000, "ZH20261201")


def test_a_partial_clawback_leaves_the_rest_to_refund(who):
    award = signed_award(who)
    pay(award, 500_000, who)
    _spent(who, award, "1000")
    svc.suspend_award(who.organizer, award.id, "中期评估发现问题", 300_000)
    svc.record_clawback_received(who.finance, award.id, "ZH1", local_date())
    assert svc.close_problem(award.id) == "尚有结余 ¥1,000.00 未退回：请先登记结余退回再结项"
    svc.record_refund(who.organizer, award.id, 100_000, "BR1", local_date())
    svc.close_award(who.organizer, award.id)
    assert db.session.get(Award, award.id).status == "closed"


def test_a_suspension_without_money_paid_records_no_clawback(who):
    award = signed_award(who, implementing=False)
    before = audit_count()
    svc.suspend_award(who.organizer, award.id, "协议签订后未启动", 0)
    actions = [a for a, _ in _entries_since(before)]
    assert actions[0] == "award.suspend" and "clawback.record" not in actions
    assert svc.settlement_of(who.organizer, award.id).clawback is None
    with pytest.raises(Refusal) as again:
        svc.suspend_award(who.organizer, award.id, "再次暂停", 0)
    assert again.value.status == 409


def test_a_barred_organisation_is_shown_and_refused_at_screening(who):
    org = make_org(5)
    before = audit_count()
    svc.bar_organisation(who.organizer, org.id, 3, "挪用项目资金")
    org = db.session.get(Organisation, org.id)
    until = local_date(org.banned_until)
    assert until.year == local_date().year + 3 and org.ban_reason == "挪用项目资金"
    assert _entries_since(before) == [("organisation.bar", "organizer")]
    funding_round = make_round("screening", round_no=88)
    proposal = make_proposal(funding_round, who.grantee, organisation=org, title="楼道微更新")
    checks = screening.checks_for([proposal])[proposal.id]
    assert checks.banned and checks.banned_until == until and checks.ban_reason == "挪用项目资金"
    with pytest.raises(Refusal) as refused:
        screening.decide(who.organizer, [proposal.id], "mark_eligible")
    assert refused.value.status == 409
    assert until.isoformat() in str(refused.value) and "挪用项目资金" in str(refused.value)
    screening.decide(who.organizer, [proposal.id], "mark_ineligible", reason="被禁止申报")


@pytest.mark.parametrize(("years", "reason"), [(0, "x"), (11, "x"), ("三", "x"), (3, ""),
                                               (3, "长" * 201)])
def test_a_bar_needs_whole_years_and_a_reason(who, years, reason):
    org = make_org(6)
    before = audit_count()
    with pytest.raises(Refusal) as refused:
        svc.bar_organisation(who.organizer, org.id, years, reason)
    assert refused.value.status == 422 and audit_count() == before
    with pytest.raises(Refusal) as finance:
        svc.bar_organisation(who.finance, org.id, 3, "x")
    assert finance.value.status == 403
