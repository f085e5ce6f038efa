"""Where each funded project's money went, as the portal and the API show it, equals the
ledger: payments made, spending finance accepted (by budget line) and the needs answered,
for every funded project of the demo."""

from __future__ import annotations

from sqlalchemy import func, select

from grants.domain.lifecycles.expense import ACCEPTED
from grants.domain.lifecycles.payment import PAID
from grants.domain.money import format_fen
from grants.extensions import db
from grants.models import Need, proposal_need
from grants.models.awards import Award, AwardBudgetLine
from grants.models.expenses import Expense
from grants.models.payments import Payment
from grants.services.portal import queries


def _ledger(award_id: int) -> tuple[int, int, set[str]]:
    """Paid fen, accepted fen and the titles of the needs answered, read from the tables."""
    paid = db.session.scalar(select(func.coalesce(func.sum(Payment.amount_fen), 0))
                             .where(Payment.award_id == award_id, Payment.status == PAID))
    accepted = db.session.scalar(select(func.coalesce(func.sum(Expense.amount_fen), 0))
                                 .where(Expense.award_id == award_id, Expense.status == ACCEPTED))
    needs = set(db.session.scalars(
        select(Need.title).join(proposal_need, proposal_need.c.need_id == Need.id)
        .join(Award, Award.proposal_id == proposal_need.c.proposal_id)
        .where(Award.id == award_id)))
    return paid, accepted, needs


def _accepted_by_line(award_id: int) -> list[tuple[str, int]]:
    """(item, accepted fen) of each approved budget line, in the award's order."""
    return [tuple(row) for row in db.session.execute(
        select(AwardBudgetLine.item, func.coalesce(func.sum(Expense.amount_fen), 0))
        .outerjoin(Expense, (Expense.budget_line_id == AwardBudgetLine.id)
                   & (Expense.status == ACCEPTED))
        .where(AwardBudgetLine.award_id == award_id)
        .group_by(AwardBudgetLine.id).order_by(AwardBudgetLine.position, AwardBudgetLine.id))]


def test_every_project_page_and_api_answer_shows_the_ledger(demo_app):
    client = demo_app.test_client()
    rows = queries.project_page(queries.ProjectFilters(), 1, 1000).rows
    seen_paid = seen_accepted = seen_needs = False
    for row in rows:
        paid, accepted, needs = _ledger(row.award_id)
        page = client.get(f"/open/projects/{row.award_id}").get_data(as_text=True)
        api = client.get(f"/api/v1/projects/{row.award_id}").get_json()
        spending = client.get(f"/api/v1/projects/{row.award_id}/spending").get_json()
        assert api["paid_fen"] == paid == sum(d["amount_fen"] for d in api["disbursements"])
        assert sum(t["paid_fen"] for t in api["tranches"]) == paid
        assert spending["accepted_fen"] == accepted == sum(
            line["accepted_fen"] for line in spending["lines"])
        by_line = [(line["item"], line["accepted_fen"]) for line in spending["lines"]]
        assert sorted(by_line) == sorted(_accepted_by_line(row.award_id))
        assert {n["title"] for n in api["needs"]} == needs
        assert format_fen(paid) in page and format_fen(accepted) in page
        assert all(title in page for title in needs)
        seen_paid |= paid > 0
        seen_accepted |= accepted > 0
        seen_needs |= bool(needs)
    assert seen_paid and seen_accepted and seen_needs, "the demo pays, accepts and answers needs"
