"""Satisfaction follow-up (回访): each round's follow-up settings (quota per project, league
weights summing to 100, days until numbers are erased), beneficiary lists and their rows, the
quarterly samples with their strata and numbers, and every call attempt (at most three)

Revision ID: 0010
Revises: 0008
Create Date: 2026-12-02 06:21:11.293762
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('follow_up_sample',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('quarter', sa.String(length=6), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('seed', sa.String(length=64), nullable=False),
    sa.Column('algorithm', sa.String(length=20), nullable=False),
    sa.Column('quota', sa.Integer(), nullable=False),
    sa.Column('drawn_by_id', sa.Integer(), nullable=False),
    sa.Column('drawn_at', sa.DateTime(), nullable=False),
    sa.Column('closed_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint("status IN ('drawn', 'calling', 'closed')", name=op.f('ck_follow_up_sample_known_status')),
    sa.CheckConstraint('length(quarter) = 6', name=op.f('ck_follow_up_sample_quarter_length')),
    sa.CheckConstraint('length(seed) = 64', name=op.f('ck_follow_up_sample_seed_length')),
    sa.CheckConstraint('quota BETWEEN 1 AND 200', name=op.f('ck_follow_up_sample_quota_range')),
    sa.ForeignKeyConstraint(['drawn_by_id'], ['user.id'], name=op.f('fk_follow_up_sample_drawn_by_id_user')),
    sa.ForeignKeyConstraint(['round_id'], ['funding_round.id'], name=op.f('fk_follow_up_sample_round_id_funding_round')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_follow_up_sample')),
    sa.UniqueConstraint('round_id', 'quarter', name='uq_follow_up_sample_round_quarter')
    )
    op.create_table('follow_up_settings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('quota', sa.Integer(), nullable=False),
    sa.Column('weight_evaluation', sa.Integer(), nullable=False),
    sa.Column('weight_satisfaction', sa.Integer(), nullable=False),
    sa.Column('weight_timeliness', sa.Integer(), nullable=False),
    sa.Column('erase_after_days', sa.Integer(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('erase_after_days BETWEEN 1 AND 3650', name=op.f('ck_follow_up_settings_erase_days_range')),
    sa.CheckConstraint('quota BETWEEN 1 AND 200', name=op.f('ck_follow_up_settings_quota_range')),
    sa.CheckConstraint('weight_evaluation + weight_satisfaction + weight_timeliness = 100', name=op.f('ck_follow_up_settings_weights_total_100')),
    sa.CheckConstraint('weight_evaluation BETWEEN 0 AND 100 AND weight_satisfaction BETWEEN 0 AND 100 AND weight_timeliness BETWEEN 0 AND 100', name=op.f('ck_follow_up_settings_weights_range')),
    sa.ForeignKeyConstraint(['round_id'], ['funding_round.id'], name=op.f('fk_follow_up_settings_round_id_funding_round')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user.id'], name=op.f('fk_follow_up_settings_updated_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_follow_up_settings')),
    sa.UniqueConstraint('round_id', name=op.f('uq_follow_up_settings_round_id'))
    )
    op.create_table('beneficiary_list',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('award_id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=False),
    sa.Column('uploaded_at', sa.DateTime(), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('row_count', sa.Integer(), nullable=False),
    sa.Column('list_hash', sa.String(length=64), nullable=False),
    sa.Column('numbers_erased_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint('length(list_hash) = 64', name=op.f('ck_beneficiary_list_hash_length')),
    sa.CheckConstraint('row_count BETWEEN 1 AND 2000', name=op.f('ck_beneficiary_list_row_count_range')),
    sa.ForeignKeyConstraint(['award_id'], ['award.id'], name=op.f('fk_beneficiary_list_award_id_award')),
    sa.ForeignKeyConstraint(['round_id'], ['funding_round.id'], name=op.f('fk_beneficiary_list_round_id_funding_round')),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['user.id'], name=op.f('fk_beneficiary_list_uploaded_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_beneficiary_list'))
    )
    with op.batch_alter_table('beneficiary_list', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_beneficiary_list_award_id'), ['award_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_beneficiary_list_round_id'), ['round_id'], unique=False)

    op.create_table('beneficiary',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('list_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=30), nullable=False),
    sa.Column('phone', sa.String(length=16), nullable=False),
    sa.Column('community', sa.String(length=30), nullable=False),
    sa.Column('service', sa.String(length=100), nullable=False),
    sa.CheckConstraint('position >= 0', name=op.f('ck_beneficiary_position_non_negative')),
    sa.ForeignKeyConstraint(['list_id'], ['beneficiary_list.id'], name=op.f('fk_beneficiary_list_id_beneficiary_list')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_beneficiary')),
    sa.UniqueConstraint('list_id', 'position', name='uq_beneficiary_position')
    )
    op.create_table('follow_up_stratum',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sample_id', sa.Integer(), nullable=False),
    sa.Column('award_id', sa.Integer(), nullable=False),
    sa.Column('list_id', sa.Integer(), nullable=False),
    sa.Column('list_hash', sa.String(length=64), nullable=False),
    sa.Column('row_count', sa.Integer(), nullable=False),
    sa.Column('drawn', sa.Integer(), nullable=False),
    sa.CheckConstraint('drawn BETWEEN 0 AND row_count', name=op.f('ck_follow_up_stratum_drawn_within_list')),
    sa.ForeignKeyConstraint(['award_id'], ['award.id'], name=op.f('fk_follow_up_stratum_award_id_award')),
    sa.ForeignKeyConstraint(['list_id'], ['beneficiary_list.id'], name=op.f('fk_follow_up_stratum_list_id_beneficiary_list')),
    sa.ForeignKeyConstraint(['sample_id'], ['follow_up_sample.id'], name=op.f('fk_follow_up_stratum_sample_id_follow_up_sample')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_follow_up_stratum')),
    sa.UniqueConstraint('sample_id', 'award_id', name='uq_follow_up_stratum_award')
    )
    with op.batch_alter_table('follow_up_stratum', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_follow_up_stratum_award_id'), ['award_id'], unique=False)

    op.create_table('follow_up_call',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sample_id', sa.Integer(), nullable=False),
    sa.Column('stratum_id', sa.Integer(), nullable=False),
    sa.Column('beneficiary_id', sa.Integer(), nullable=False),
    sa.Column('draw_rank', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('caller_id', sa.Integer(), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('outcome', sa.String(length=20), nullable=True),
    sa.Column('on_time', sa.Boolean(), nullable=True),
    sa.Column('finished_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint("outcome IS NULL OR outcome IN ('satisfied', 'fairly_satisfied', 'dissatisfied', 'no_answer', 'wrong_number')", name=op.f('ck_follow_up_call_known_outcome')),
    sa.CheckConstraint("status IN ('pending', 'missed_once', 'missed_twice', 'reached', 'unreached', 'wrong_number')", name=op.f('ck_follow_up_call_known_status')),
    sa.CheckConstraint('attempts BETWEEN 0 AND 3', name=op.f('ck_follow_up_call_attempts_range')),
    sa.ForeignKeyConstraint(['beneficiary_id'], ['beneficiary.id'], name=op.f('fk_follow_up_call_beneficiary_id_beneficiary')),
    sa.ForeignKeyConstraint(['caller_id'], ['user.id'], name=op.f('fk_follow_up_call_caller_id_user')),
    sa.ForeignKeyConstraint(['sample_id'], ['follow_up_sample.id'], name=op.f('fk_follow_up_call_sample_id_follow_up_sample')),
    sa.ForeignKeyConstraint(['stratum_id'], ['follow_up_stratum.id'], name=op.f('fk_follow_up_call_stratum_id_follow_up_stratum')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_follow_up_call')),
    sa.UniqueConstraint('sample_id', 'beneficiary_id', name='uq_follow_up_call_beneficiary')
    )
    with op.batch_alter_table('follow_up_call', schema=None) as batch_op:
        batch_op.create_index('ix_follow_up_call_caller_sample', ['caller_id', 'sample_id'], unique=False)
        batch_op.create_index('ix_follow_up_call_sample_status', ['sample_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_follow_up_call_stratum_id'), ['stratum_id'], unique=False)

    op.create_table('follow_up_attempt',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('call_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('outcome', sa.String(length=20), nullable=False),
    sa.Column('on_time', sa.Boolean(), nullable=True),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('caller_id', sa.Integer(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("(outcome IN ('satisfied', 'fairly_satisfied', 'dissatisfied')) = (on_time IS NOT NULL)", name=op.f('ck_follow_up_attempt_on_time_when_reached')),
    sa.CheckConstraint("outcome IN ('satisfied', 'fairly_satisfied', 'dissatisfied', 'no_answer', 'wrong_number')", name=op.f('ck_follow_up_attempt_known_outcome')),
    sa.CheckConstraint('number BETWEEN 1 AND 3', name=op.f('ck_follow_up_attempt_number_range')),
    sa.ForeignKeyConstraint(['call_id'], ['follow_up_call.id'], name=op.f('fk_follow_up_attempt_call_id_follow_up_call')),
    sa.ForeignKeyConstraint(['caller_id'], ['user.id'], name=op.f('fk_follow_up_attempt_caller_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_follow_up_attempt')),
    sa.UniqueConstraint('call_id', 'number', name='uq_follow_up_attempt_number')
    )


def downgrade():
    op.drop_table('follow_up_attempt')
    with op.batch_alter_table('follow_up_call', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_follow_up_call_stratum_id'))
        batch_op.drop_index('ix_follow_up_call_sample_status')
        batch_op.drop_index('ix_follow_up_call_caller_sample')

    op.drop_table('follow_up_call')
    with op.batch_alter_table('follow_up_stratum', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_follow_up_stratum_award_id'))

    op.drop_table('follow_up_stratum')
    op.drop_table('beneficiary')
    with op.batch_alter_table('beneficiary_list', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_beneficiary_list_round_id'))
        batch_op.drop_index(batch_op.f('ix_beneficiary_list_award_id'))

    op.drop_table('beneficiary_list')
    op.drop_table('follow_up_settings')
    op.drop_table('follow_up_sample')
