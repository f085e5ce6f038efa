"""`flask db upgrade` from empty produces exactly the models' schema, on both databases."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import Migrate
from sqlalchemy import CheckConstraint, inspect

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
