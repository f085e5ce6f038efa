"""Frozen record of what was approved: award budget lines and payment tranches; agreement
status; the award status CHECK gains ``discarded``

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 09:00:00.000000

Existing databases are backfilled: every agreement gets the status its signatures say, every
award confirmed (or further) gets a copy of its proposal's budget lines, and every award whose
agreement was countersigned gets the default 50 / 40 / 10 % schedule as ``pending`` tranches.

The state lists and the schedule are written out here, not imported, so the migration keeps
meaning what it meant when it was written.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

OLD_AWARD_STATES = ('proposed', 'in_notice', 'confirmed', 'revoked', 'agreement_signed',
                    'implementing', 'midterm_passed', 'final_passed', 'closed', 'suspended')
AWARD_STATES = ('proposed', 'in_notice', 'confirmed', 'revoked', 'discarded', 'agreement_signed',
                'implementing', 'midterm_passed', 'final_passed', 'closed', 'suspended')
CONFIRMED_OR_LATER = ('confirmed', 'agreement_signed', 'implementing', 'midterm_passed',
                      'final_passed', 'closed', 'suspended')
AGREEMENT_STATES = ('awaiting_signature', 'signed_by_applicant', 'countersigned')
TRANCHE_STATES = ('pending', 'due', 'paid', 'blocked')
GATES = ('agreement_signed', 'midterm_passed', 'final_passed')
DEFAULT_PLAN = (('agreement_signed', 5000), ('midterm_passed', 4000), ('final_passed', 1000))


def _in(column, values):
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def upgrade():
    _create_award_budget_line()
    _create_tranche()
    _agreement_status()
    _award_status_check(OLD_AWARD_STATES, AWARD_STATES)
    _backfill_budget_lines()
    _backfill_tranches()


def downgrade():
    bind = op.get_bind()
    if bind.execute(sa.text("SELECT count(*) FROM award WHERE status = 'discarded'")).scalar():
        raise RuntimeError("discarded awards exist; delete them before downgrading below 0005")
    _award_status_check(AWARD_STATES, OLD_AWARD_STATES)
    with op.batch_alter_table('agreement', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_agreement_known_status'), type_='check')
        batch_op.drop_column('status')
    with op.batch_alter_table('tranche', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tranche_award_id'))
    op.drop_table('tranche')
    with op.batch_alter_table('award_budget_line', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_award_budget_line_award_id'))
    op.drop_table('award_budget_line')


def _create_award_budget_line():
    op.create_table('award_budget_line',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('award_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('item', sa.String(length=100), nullable=False),
    sa.Column('cost_category', sa.String(length=20), nullable=False),
    sa.Column('unit_price_fen', sa.Integer(), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('subtotal_fen', sa.Integer(), nullable=False),
    sa.CheckConstraint('unit_price_fen >= 0', name=op.f('ck_award_budget_line_price_non_negative')),
    sa.CheckConstraint('quantity >= 1', name=op.f('ck_award_budget_line_quantity_positive')),
    sa.CheckConstraint('subtotal_fen = unit_price_fen * quantity', name=op.f('ck_award_budget_line_subtotal_is_product')),
    sa.ForeignKeyConstraint(['award_id'], ['award.id'], name=op.f('fk_award_budget_line_award_id_award')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_award_budget_line')),
    sa.UniqueConstraint('award_id', 'position', name='uq_award_budget_line_position')
    )
    with op.batch_alter_table('award_budget_line', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_award_budget_line_award_id'), ['award_id'], unique=False)


def _create_tranche():
    op.create_table('tranche',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('award_id', sa.Integer(), nullable=False),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('share_bp', sa.Integer(), nullable=False),
    sa.Column('amount_fen', sa.Integer(), nullable=False),
    sa.Column('gate', sa.String(length=20), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('sequence >= 1', name=op.f('ck_tranche_sequence_positive')),
    sa.CheckConstraint('share_bp BETWEEN 1 AND 10000', name=op.f('ck_tranche_share_in_range')),
    sa.CheckConstraint('amount_fen >= 0', name=op.f('ck_tranche_amount_non_negative')),
    sa.CheckConstraint(_in('gate', GATES), name=op.f('ck_tranche_known_gate')),
    sa.CheckConstraint(_in('status', TRANCHE_STATES), name=op.f('ck_tranche_known_status')),
    sa.ForeignKeyConstraint(['award_id'], ['award.id'], name=op.f('fk_tranche_award_id_award')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tranche')),
    sa.UniqueConstraint('award_id', 'sequence', name='uq_tranche_sequence')
    )
    with op.batch_alter_table('tranche', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tranche_award_id'), ['award_id'], unique=False)


def _agreement_status():
    """Add the status column, fill it from the signatures, then make it required and checked.

    No table refers to ``agreement``, so SQLite's batch copy of it is safe with foreign keys on.
    """
    with op.batch_alter_table('agreement', schema=None) as batch_op:
        batch_op.add_column(sa.Column('status', sa.String(length=20), nullable=True))
    op.execute(
        "UPDATE agreement SET status = CASE"
        " WHEN organizer_signed_at IS NOT NULL THEN 'countersigned'"
        " WHEN applicant_signed_at IS NOT NULL THEN 'signed_by_applicant'"
        " ELSE 'awaiting_signature' END"
    )
    with op.batch_alter_table('agreement', schema=None) as batch_op:
        batch_op.alter_column('status', existing_type=sa.String(length=20), nullable=False)
        batch_op.create_check_constraint(
            batch_op.f('ck_agreement_known_status'), _in('status', AGREEMENT_STATES))


def _award_status_check(old_states, new_states):
    """Replace the award status CHECK.

    PostgreSQL drops and adds it. On SQLite, rebuilding ``award`` is not possible inside the
    migration's transaction while foreign keys are enforced (objections and agreements refer to
    it), so the CHECK text is rewritten in the schema in place, as SQLite documents for
    changes that leave the stored rows valid; the downgrade first makes sure they are.
    """
    name = 'ck_award_known_status'
    bind = op.get_bind()
    if bind.dialect.name != 'sqlite':
        op.drop_constraint(op.f(name), 'award', type_='check')
        op.create_check_constraint(op.f(name), 'award', _in('status', new_states))
        return
    sql = bind.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'award'").scalar()
    old, new = _in('status', old_states), _in('status', new_states)
    if sql.count(old) != 1:
        raise RuntimeError(f"award table: {name} is not {old!r}; cannot rewrite it")
    version = bind.exec_driver_sql("PRAGMA schema_version").scalar()
    bind.exec_driver_sql("PRAGMA writable_schema = ON")
    bind.exec_driver_sql(
        "UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = 'award'",
        (sql.replace(old, new),))
    bind.exec_driver_sql(f"PRAGMA schema_version = {int(version) + 1}")
    bind.exec_driver_sql("PRAGMA writable_schema = OFF")


def _backfill_budget_lines():
    """Copy the proposal's budget lines of every award confirmed or further, numbered 0…n-1."""
    op.execute(
        "INSERT INTO award_budget_line (award_id, position, item, cost_category,"
        " unit_price_fen, quantity, subtotal_fen)"
        " SELECT a.id, ROW_NUMBER() OVER (PARTITION BY a.id ORDER BY b.position, b.id) - 1,"
        " b.item, b.cost_category, b.unit_price_fen, b.quantity, b.subtotal_fen"
        " FROM award a JOIN budget_line b ON b.proposal_id = a.proposal_id"
        f" WHERE {_in('a.status', CONFIRMED_OR_LATER)}"
    )


def _backfill_tranches():
    """Store the default schedule of every award whose agreement was countersigned: each
    tranche amount × share ÷ 10000 rounded down, the remainder on the first (the product is
    computed in 64 bits: ¥15,000 × 5000 does not fit a PostgreSQL integer)."""
    def part(share):
        return f"(CAST(a.amount_fen AS BIGINT) * {share} / 10000)"

    others = " - ".join(part(share) for _gate, share in DEFAULT_PLAN[1:])
    for sequence, (gate, share) in enumerate(DEFAULT_PLAN, 1):
        amount = f"a.amount_fen - {others}" if sequence == 1 else part(share)
        op.execute(
            "INSERT INTO tranche (award_id, sequence, share_bp, amount_fen, gate, status,"
            " created_at)"
            f" SELECT a.id, {sequence}, {share}, {amount}, '{gate}', 'pending',"
            " g.organizer_signed_at FROM award a JOIN agreement g ON g.award_id = a.id"
            " WHERE g.organizer_signed_at IS NOT NULL"
        )
