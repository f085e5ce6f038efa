"""`flask db upgrade` from empty produces exactly the models' schema, CHECK constraints
included, on both databases; an existing database is backfilled by 0005."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import Migrate
from sqlalchemy import CheckConstraint, inspect, select

from grants.extensions import db


def _pending_diff() -> list:
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, db.metadata)


def test_migrated_schema_matches_models(any_app):
    assert _pending_diff() == []


def test_migrations_have_a_single_head(app):
    config = app.extensions["migrate"].migrate.get_config()
    assert len(ScriptDirectory.from_config(config).get_heads()) == 1
    assert isinstance(app.extensions["migrate"].migrate, Migrate)


def _checks(inspector, table) -> dict[str, str]:
    return {c["name"]: " ".join(c["sqltext"].split()) for c in inspector.get_check_constraints(table)}


def test_migrated_check_constraints_match_models(any_app):
    """compare_metadata ignores CHECK constraints: every model CHECK exists under its name (on
    SQLite, which keeps the text as written, with the same text)."""
    inspector = inspect(db.engine)
    for table in db.metadata.sorted_tables:
        model = {c.name: " ".join(str(c.sqltext).split())
                 for c in table.constraints if isinstance(c, CheckConstraint)}
        migrated = _checks(inspector, table.name)
        assert set(migrated) == set(model), table.name
        if db.engine.dialect.name == "sqlite":
            assert migrated == model, table.name


def _frozen_rows():
    """What 0005 backfills, in a comparable form (ids left out: a backfill numbers afresh;
    tranche states left out: the countersignature now meets the first gate, which a database
    at 0004 never did, so its backfilled tranches all wait)."""
    from grants.models.awards import Agreement, AwardBudgetLine, Tranche

    lines = db.session.execute(select(
        AwardBudgetLine.award_id, AwardBudgetLine.position, AwardBudgetLine.item,
        AwardBudgetLine.cost_category, AwardBudgetLine.unit_price_fen, AwardBudgetLine.quantity,
        AwardBudgetLine.subtotal_fen).order_by(AwardBudgetLine.award_id, AwardBudgetLine.position))
    tranches = db.session.execute(select(
        Tranche.award_id, Tranche.sequence, Tranche.share_bp, Tranche.amount_fen, Tranche.gate)
        .order_by(Tranche.award_id, Tranche.sequence))
    statuses = db.session.execute(select(Agreement.id, Agreement.status).order_by(Agreement.id))
    return [list(lines), list(tranches), list(statuses)]


def _signed_round():
    """Three confirmed awards: one agreement countersigned, one signed by the applicant only."""
    from datetime import date
    from decimal import Decimal

    from grants.domain.awards import Candidate
    from grants.models import BudgetLine
    from grants.services import agreements, awards, notices
    from tests.factories import make_proposal, make_round
    from tests.helpers import create_user

    organizer = create_user("wangmin", "organizer")
    applicant = create_user("zhangguilan", "resident")
    r = make_round("notice", pool_fen=5_000_000)
    proposals = [make_proposal(r, applicant, status="scored", amount_fen=1_000_001 + i,
                               title=f"项目{i}") for i in range(3)]
    proposals[0].lines.append(BudgetLine(position=1, item="场地", cost_category="venue",
                                         unit_price_fen=0, quantity=2, subtotal_fen=0))
    cands = [Candidate(p.id, i, p.title, Decimal(90 - i), p.requested_fen)
             for i, p in enumerate(proposals, 1)]
    awards.propose_awards(r.id, cands, organizer)
    notice = notices.publish_notice(r.id, organizer, today=date(2026, 7, 6))
    notices.confirm_notice(notice.id, organizer, today=date(2026, 7, 13))
    first, second, _third = agreements.agreements_of_round(r.id)
    for item in (first, second):
        agreements.sign_as_applicant(item.id, applicant)
    agreements.countersign(first.id, organizer)


def test_upgrade_backfills_what_existing_databases_approved(any_app):
    """A database at 0004 with confirmed and signed awards gets the rows the services would
    have stored: down to 0004 (dropping them) and up again gives the same rows back."""
    from flask_migrate import downgrade, upgrade

    from grants.models.awards import Tranche

    _signed_round()
    stored = _frozen_rows()
    assert [len(part) for part in stored] == [4, 3, 3]
    db.session.remove()
    downgrade(revision="0004")
    upgrade(revision="heads")
    assert _frozen_rows() == stored
    assert set(db.session.scalars(select(Tranche.status))) == {"pending"}
    db.session.remove()
    assert _pending_diff() == []
