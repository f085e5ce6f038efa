"""Fund supervision: expenses against the frozen budget lines with their receipt files (bytes
in attachment_blob by sha256), budget adjustments, refunds and clawbacks; each round's overrun
threshold (percent, default 10, CHECK 0-100)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 00:02:02.486640
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


THRESHOLD_CHECK = 'ck_funding_round_overrun_threshold_range'
THRESHOLD_RULE = 'overrun_threshold_pct BETWEEN 0 AND 100'


def _add_threshold():
    """Add the round's overrun threshold with its CHECK.

    On SQLite the column and its CHECK are added by one ``ALTER TABLE ADD COLUMN``: rebuilding
    ``funding_round`` (a batch copy) is not possible inside the migration's transaction while
    foreign keys refer to it, and a column CHECK needs no rebuild.
    """
    bind = op.get_bind()
    if bind.dialect.name == 'sqlite':
        op.execute(
            "ALTER TABLE funding_round ADD COLUMN overrun_threshold_pct INTEGER DEFAULT '10' "
            f"NOT NULL CONSTRAINT {THRESHOLD_CHECK} CHECK ({THRESHOLD_RULE})")
        return
    op.add_column('funding_round', sa.Column('overrun_threshold_pct', sa.Integer(),
                                             server_default='10', nullable=False))
    op.create_check_constraint(op.f(THRESHOLD_CHECK), 'funding_round', THRESHOLD_RULE)


def _drop_threshold():
    """Drop the threshold (SQLite drops a column with its own CHECK in place, no rebuild)."""
    if op.get_bind().dialect.name == 'sqlite':
        op.execute('ALTER TABLE funding_round DROP COLUMN overrun_threshold_pct')
        return
    op.drop_constraint(op.f(THRESHOLD_CHECK), 'funding_round', type_='check')
    op.drop_column('funding_round', 'overrun_threshold_pct')


def upgrade():
    op.create_table('clawback',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('award_id', sa.Integer(), nullable=False),
    sa.Column('amount_fen', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(), nullable=False),
    sa.Column('received_by_id', sa.Integer(), nullable=True),
    sa.Column('received_at', sa.DateTime(), nullable=True),
    sa.Column('bank_reference', sa.String(length=64), nullable=True),
    sa.Column('value_date', sa.Date(), nullable=True),
    sa.CheckConstraint("status <> 'received' OR (received_by_id IS NOT NULL AND bank_reference IS NOT NULL AND value_date IS NOT NULL)", name=op.f('ck_clawback_received_has_bank_record')),
    sa.CheckConstraint("status IN ('outstanding', 'received')", name=op.f('ck_clawback_known_status')),
    sa.CheckConstraint('amount_fen > 0', name=op.f('ck_clawback_amount_positive')),
    sa.ForeignKeyConstraint(['award_id'], ['award.id'], name=op.f('fk_clawback_award_id_award')),
    sa.ForeignKeyConstraint(['received_by_id'], ['user.id'], name=op.f('fk_clawback_received_by_id_user')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user.id'], name=op.f('fk_clawback_recorded_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_clawback')),
    sa.UniqueConstraint('award_id', name=op.f('uq_clawback_award_id'))
    )
    op.create_table('refund',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('award_id', sa.Integer(), nullable=False),
    sa.Column('amount_fen', sa.Integer(), nullable=False),
    sa.Column('bank_reference', sa.String(length=64), nullable=False),
    sa.Column('value_date', sa.Date(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("bank_reference <> ''", name=op.f('ck_refund_has_bank_reference')),
    sa.CheckConstraint('amount_fen > 0', name=op.f('ck_refund_amount_positive')),
    sa.ForeignKeyConstraint(['award_id'], ['award.id'], name=op.f('fk_refund_award_id_award')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user.id'], name=op.f('fk_refund_recorded_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_refund'))
    )
    with op.batch_alter_table('refund', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_refund_award_id'), ['award_id'], unique=False)

    op.create_table('budget_adjustment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('award_id', sa.Integer(), nullable=False),
    sa.Column('from_line_id', sa.Integer(), nullable=False),
    sa.Column('to_line_id', sa.Integer(), nullable=False),
    sa.Column('amount_fen', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('decision_reason', sa.Text(), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=False),
    sa.Column('requested_at', sa.DateTime(), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint("reason <> ''", name=op.f('ck_budget_adjustment_has_reason')),
    sa.CheckConstraint("status <> 'refused' OR decision_reason <> ''", name=op.f('ck_budget_adjustment_refused_has_reason')),
    sa.CheckConstraint("status IN ('requested', 'approved', 'refused')", name=op.f('ck_budget_adjustment_known_status')),
    sa.CheckConstraint('amount_fen BETWEEN 1 AND 1500000', name=op.f('ck_budget_adjustment_amount_in_range')),
    sa.CheckConstraint('from_line_id <> to_line_id', name=op.f('ck_budget_adjustment_distinct_lines')),
    sa.ForeignKeyConstraint(['award_id'], ['award.id'], name=op.f('fk_budget_adjustment_award_id_award')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user.id'], name=op.f('fk_budget_adjustment_decided_by_id_user')),
    sa.ForeignKeyConstraint(['from_line_id'], ['award_budget_line.id'], name=op.f('fk_budget_adjustment_from_line_id_award_budget_line')),
    sa.ForeignKeyConstraint(['requested_by_id'], ['user.id'], name=op.f('fk_budget_adjustment_requested_by_id_user')),
    sa.ForeignKeyConstraint(['to_line_id'], ['award_budget_line.id'], name=op.f('fk_budget_adjustment_to_line_id_award_budget_line')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_budget_adjustment'))
    )
    with op.batch_alter_table('budget_adjustment', schema=None) as batch_op:
        batch_op.create_index('ix_budget_adjustment_award_status', ['award_id', 'status'], unique=False)

    op.create_table('expense',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('award_id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('budget_line_id', sa.Integer(), nullable=False),
    sa.Column('spent_on', sa.Date(), nullable=False),
    sa.Column('amount_fen', sa.Integer(), nullable=False),
    sa.Column('payee', sa.String(length=100), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('invoice_code', sa.String(length=12), nullable=False),
    sa.Column('invoice_number', sa.String(length=20), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('submitted_by_id', sa.Integer(), nullable=False),
    sa.Column('submitted_at', sa.DateTime(), nullable=False),
    sa.Column('waiting_since', sa.DateTime(), nullable=False),
    sa.Column('question', sa.Text(), nullable=False),
    sa.Column('answer', sa.Text(), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.Column('decision_reason', sa.Text(), nullable=False),
    sa.Column('accepted_flags', sa.JSON(), nullable=False),
    sa.CheckConstraint("status <> 'queried' OR question <> ''", name=op.f('ck_expense_queried_has_question')),
    sa.CheckConstraint("status <> 'rejected' OR decision_reason <> ''", name=op.f('ck_expense_rejected_has_reason')),
    sa.CheckConstraint("status IN ('submitted', 'queried', 'resubmitted', 'accepted', 'rejected')", name=op.f('ck_expense_known_status')),
    sa.CheckConstraint("status NOT IN ('accepted', 'rejected') OR (decided_by_id IS NOT NULL AND decided_at IS NOT NULL)", name=op.f('ck_expense_decided_has_decider')),
    sa.CheckConstraint('amount_fen BETWEEN 1 AND 1500000', name=op.f('ck_expense_amount_in_range')),
    sa.CheckConstraint('length(invoice_code) IN (0, 10, 12)', name=op.f('ck_expense_invoice_code_length')),
    sa.CheckConstraint('length(invoice_number) IN (0, 8, 20)', name=op.f('ck_expense_invoice_number_length')),
    sa.ForeignKeyConstraint(['award_id'], ['award.id'], name=op.f('fk_expense_award_id_award')),
    sa.ForeignKeyConstraint(['budget_line_id'], ['award_budget_line.id'], name=op.f('fk_expense_budget_line_id_award_budget_line')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user.id'], name=op.f('fk_expense_decided_by_id_user')),
    sa.ForeignKeyConstraint(['round_id'], ['funding_round.id'], name=op.f('fk_expense_round_id_funding_round')),
    sa.ForeignKeyConstraint(['submitted_by_id'], ['user.id'], name=op.f('fk_expense_submitted_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_expense'))
    )
    with op.batch_alter_table('expense', schema=None) as batch_op:
        batch_op.create_index('ix_expense_award_status', ['award_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_expense_budget_line_id'), ['budget_line_id'], unique=False)
        batch_op.create_index('ix_expense_invoice', ['invoice_code', 'invoice_number'], unique=False)
        batch_op.create_index('ix_expense_round_status', ['round_id', 'status'], unique=False)
        batch_op.create_index('ix_expense_status_waiting', ['status', 'waiting_since'], unique=False)

    op.create_table('expense_receipt',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('expense_id', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('content_type', sa.String(length=40), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("content_type IN ('application/pdf', 'image/jpeg', 'image/png')", name=op.f('ck_expense_receipt_allowed_type')),
    sa.CheckConstraint('size BETWEEN 1 AND 10485760', name=op.f('ck_expense_receipt_size_limit')),
    sa.ForeignKeyConstraint(['expense_id'], ['expense.id'], name=op.f('fk_expense_receipt_expense_id_expense'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['sha256'], ['attachment_blob.sha256'], name=op.f('fk_expense_receipt_sha256_attachment_blob')),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['user.id'], name=op.f('fk_expense_receipt_uploaded_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_expense_receipt'))
    )
    with op.batch_alter_table('expense_receipt', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_expense_receipt_expense_id'), ['expense_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_expense_receipt_sha256'), ['sha256'], unique=False)

    _add_threshold()


def downgrade():
    _drop_threshold()

    with op.batch_alter_table('expense_receipt', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_expense_receipt_sha256'))
        batch_op.drop_index(batch_op.f('ix_expense_receipt_expense_id'))

    op.drop_table('expense_receipt')
    with op.batch_alter_table('expense', schema=None) as batch_op:
        batch_op.drop_index('ix_expense_status_waiting')
        batch_op.drop_index('ix_expense_round_status')
        batch_op.drop_index('ix_expense_invoice')
        batch_op.drop_index(batch_op.f('ix_expense_budget_line_id'))
        batch_op.drop_index('ix_expense_award_status')

    op.drop_table('expense')
    with op.batch_alter_table('budget_adjustment', schema=None) as batch_op:
        batch_op.drop_index('ix_budget_adjustment_award_status')

    op.drop_table('budget_adjustment')
    with op.batch_alter_table('refund', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_refund_award_id'))

    op.drop_table('refund')
    op.drop_table('clawback')
