"""Disbursement: payments of tranches (four-eyes CHECK, one open payment per tranche), the
round's tranche plan, and idempotency keys for money-moving requests

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 23:52:48.080464
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('idempotency_key',
    sa.Column('key', sa.String(length=100), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('finished_at', sa.DateTime(), nullable=True),
    sa.Column('status_code', sa.Integer(), nullable=True),
    sa.Column('location', sa.Text(), nullable=True),
    sa.Column('body', sa.Text(), nullable=True),
    sa.CheckConstraint('finished_at IS NULL OR status_code IS NOT NULL', name=op.f('ck_idempotency_key_finished_has_answer')),
    sa.ForeignKeyConstraint(['actor_id'], ['user.id'], name=op.f('fk_idempotency_key_actor_id_user')),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_idempotency_key'))
    )
    with op.batch_alter_table('idempotency_key', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_idempotency_key_created_at'), ['created_at'], unique=False)

    op.create_table('tranche_plan_term',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('gate', sa.String(length=20), nullable=False),
    sa.Column('share_bp', sa.Integer(), nullable=False),
    sa.CheckConstraint("gate IN ('agreement_signed', 'midterm_passed', 'final_passed')", name=op.f('ck_tranche_plan_term_known_gate')),
    sa.CheckConstraint('sequence >= 1', name=op.f('ck_tranche_plan_term_sequence_positive')),
    sa.CheckConstraint('share_bp BETWEEN 1 AND 10000', name=op.f('ck_tranche_plan_term_share_in_range')),
    sa.ForeignKeyConstraint(['round_id'], ['funding_round.id'], name=op.f('fk_tranche_plan_term_round_id_funding_round')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tranche_plan_term')),
    sa.UniqueConstraint('round_id', 'gate', name='uq_plan_gate'),
    sa.UniqueConstraint('round_id', 'sequence', name='uq_plan_sequence')
    )
    with op.batch_alter_table('tranche_plan_term', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tranche_plan_term_round_id'), ['round_id'], unique=False)

    op.create_table('payment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tranche_id', sa.Integer(), nullable=False),
    sa.Column('award_id', sa.Integer(), nullable=False),
    sa.Column('amount_fen', sa.Integer(), nullable=False),
    sa.Column('payee_name', sa.String(length=100), nullable=False),
    sa.Column('payee_account', sa.String(length=40), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=False),
    sa.Column('requested_at', sa.DateTime(), nullable=False),
    sa.Column('approved_by_id', sa.Integer(), nullable=True),
    sa.Column('approved_at', sa.DateTime(), nullable=True),
    sa.Column('approval_digest', sa.String(length=64), nullable=True),
    sa.Column('paid_by_id', sa.Integer(), nullable=True),
    sa.Column('paid_at', sa.DateTime(), nullable=True),
    sa.Column('bank_reference', sa.String(length=64), nullable=True),
    sa.Column('value_date', sa.Date(), nullable=True),
    sa.Column('paying_account', sa.String(length=40), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.CheckConstraint("status <> 'paid' OR (paid_by_id IS NOT NULL AND bank_reference IS NOT NULL AND value_date IS NOT NULL AND paying_account IS NOT NULL)", name=op.f('ck_payment_paid_has_bank_record')),
    sa.CheckConstraint("status IN ('requested', 'approved', 'paid', 'rejected', 'cancelled')", name=op.f('ck_payment_known_status')),
    sa.CheckConstraint("status NOT IN ('approved', 'paid') OR (approved_by_id IS NOT NULL AND approval_digest IS NOT NULL)", name=op.f('ck_payment_approved_has_approver')),
    sa.CheckConstraint('amount_fen > 0', name=op.f('ck_payment_amount_positive')),
    sa.CheckConstraint('approved_by_id IS NULL OR approved_by_id <> requested_by_id', name=op.f('ck_payment_four_eyes')),
    sa.ForeignKeyConstraint(['approved_by_id'], ['user.id'], name=op.f('fk_payment_approved_by_id_user')),
    sa.ForeignKeyConstraint(['award_id'], ['award.id'], name=op.f('fk_payment_award_id_award')),
    sa.ForeignKeyConstraint(['paid_by_id'], ['user.id'], name=op.f('fk_payment_paid_by_id_user')),
    sa.ForeignKeyConstraint(['requested_by_id'], ['user.id'], name=op.f('fk_payment_requested_by_id_user')),
    sa.ForeignKeyConstraint(['tranche_id'], ['tranche.id'], name=op.f('fk_payment_tranche_id_tranche')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payment'))
    )
    with op.batch_alter_table('payment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_payment_award_id'), ['award_id'], unique=False)
        batch_op.create_index('ix_payment_award_status', ['award_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_payment_tranche_id'), ['tranche_id'], unique=False)
        batch_op.create_index('uq_payment_open_per_tranche', ['tranche_id'], unique=True, sqlite_where=sa.text("status IN ('approved', 'requested')"), postgresql_where=sa.text("status IN ('approved', 'requested')"))



def downgrade():
    with op.batch_alter_table('payment', schema=None) as batch_op:
        batch_op.drop_index('uq_payment_open_per_tranche', sqlite_where=sa.text("status IN ('approved', 'requested')"), postgresql_where=sa.text("status IN ('approved', 'requested')"))
        batch_op.drop_index(batch_op.f('ix_payment_tranche_id'))
        batch_op.drop_index('ix_payment_award_status')
        batch_op.drop_index(batch_op.f('ix_payment_award_id'))

    op.drop_table('payment')
    with op.batch_alter_table('tranche_plan_term', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tranche_plan_term_round_id'))

    op.drop_table('tranche_plan_term')
    with op.batch_alter_table('idempotency_key', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_idempotency_key_created_at'))

    op.drop_table('idempotency_key')
