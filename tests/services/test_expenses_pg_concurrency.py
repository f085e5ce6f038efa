"""Finance officers accepting expenses of one award at once on PostgreSQL, in real threads:
accepted spending never goes above what was paid unless that acceptance carries the
``above_paid`` flag and a written reason, and nobody gets a server error."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from grants.domain.errors import Refusal
from grants.extensions import db
from grants.models import AuditEntry, User
from grants.models.expenses import Expense
from grants.services import expenses as svc
from tests.expenses_support import form, pay, pdf, people, signed_award
from tests.services.test_awards_pg_concurrency import _run_together

pytestmark = pytest.mark.postgres
PAID_FEN = 500_000
EXPENSES = 6


def _award_with_expenses(amount: str = "1000"):
    """An award with ¥5,000 paid and six clean ¥1,000 expenses on its ¥6,000 line: any five
    fit what was paid, the sixth does not."""
    who = people()
    award = signed_award(who)
    pay(award, PAID_FEN, who)
    ids = [svc.submit_expense(who.grantee, award.id, form(award, amount=amount),
                              [("a.pdf", pdf(f"receipt {i}"))]).id for i in range(EXPENSES)]
    officers = [who.finance.id, who.finance2.id]
    award_id = award.id
    db.session.remove()
    return award_id, officers, ids


def _accepted() -> list[Expense]:
    return list(db.session.scalars(select(Expense).where(Expense.status == "accepted")))


def _accept_entries() -> int:
    return db.session.scalar(
        select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "expense.accept"))


def test_two_officers_accepting_at_once_never_pass_what_was_paid(pg_app):
    _award_id, officers, ids = _award_with_expenses()

    def accept(i):
        svc.accept_expense(db.session.get(User, officers[i % 2]), ids[i])

    results = _run_together(pg_app, accept, EXPENSES)
    assert results.count("ok") == 5, results
    refused = [r for r in results if r != "ok"]
    assert all(isinstance(r, tuple) and r[0] == 422 and "已拨付" in r[1] for r in refused), results
    accepted = _accepted()
    assert sum(e.amount_fen for e in accepted) == PAID_FEN
    assert all(e.accepted_flags == [] and e.decision_reason == "" for e in accepted)
    assert _accept_entries() == 5


def test_spending_above_paid_is_accepted_only_flagged_and_with_a_reason(pg_app):
    _award_id, officers, ids = _award_with_expenses()

    def accept_or_explain(i):
        officer = db.session.get(User, officers[i % 2])
        try:
            svc.accept_expense(officer, ids[i])
        except Refusal as refusal:
            assert refusal.status == 422 and "已拨付" in str(refusal)
            svc.accept_expense(officer, ids[i], reason="超出已拨付部分由第二批拨款覆盖")

    results = _run_together(pg_app, accept_or_explain, EXPENSES)
    assert results == ["ok"] * EXPENSES, results
    accepted = _accepted()
    explained = [e for e in accepted if e.decision_reason]
    assert len(explained) == 1 and explained[0].accepted_flags == ["above_paid"]
    assert sum(e.amount_fen for e in accepted if not e.decision_reason) <= PAID_FEN
    entries = db.session.scalars(select(AuditEntry.payload).where(
        AuditEntry.action == "expense.accept", AuditEntry.payload.contains("above_paid"))).all()
    assert len(entries) == 1 and "超出已拨付部分由第二批拨款覆盖" in entries[0]


def test_bulk_acceptances_racing_single_ones_stay_all_or_nothing_and_within_paid(pg_app):
    _award_id, officers, ids = _award_with_expenses()
    batches = [ids[:3], ids[3:], ids[1:4], ids[::2]]

    def work(i):
        officer = db.session.get(User, officers[i % 2])
        if i < len(batches):
            svc.bulk_accept(officer, batches[i])
        else:
            svc.accept_expense(officer, ids[i - len(batches)])

    results = _run_together(pg_app, work, len(batches) + 2)
    assert all(r == "ok" or (isinstance(r, tuple) and r[0] in (409, 422)) for r in results), \
        results
    accepted = _accepted()
    assert sum(e.amount_fen for e in accepted) <= PAID_FEN
    assert all(not e.decision_reason for e in accepted)
    assert _accept_entries() == len(accepted)
    for i, batch in enumerate(batches):
        if results[i] == "ok":
            assert {e.id for e in accepted} >= set(batch)
