"""Judging: rubric, settings, panel, assignments, conflicts, score sheets, resident votes

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 14:58:13.621973

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('criterion',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=30), nullable=False),
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('max_points', sa.Integer(), nullable=False),
    sa.Column('guidance', sa.Text(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.CheckConstraint('max_points BETWEEN 1 AND 100', name=op.f('ck_criterion_max_points_range')),
    sa.ForeignKeyConstraint(['round_id'], ['funding_round.id'], name=op.f('fk_criterion_round_id_funding_round')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_criterion')),
    sa.UniqueConstraint('round_id', 'key', name='uq_criterion_round_id_key')
    )
    with op.batch_alter_table('criterion', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_criterion_round_id'), ['round_id'], unique=False)

    op.create_table('judging_settings',
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('mode', sa.String(length=5), nullable=False),
    sa.Column('judges_per_proposal', sa.Integer(), nullable=False),
    sa.Column('seed', sa.Integer(), nullable=False),
    sa.Column('blind', sa.Boolean(), nullable=False),
    sa.Column('method', sa.String(length=20), nullable=False),
    sa.Column('normalise', sa.Boolean(), nullable=False),
    sa.Column('vote_weight_pct', sa.Integer(), nullable=False),
    sa.Column('vote_max_per_resident', sa.Integer(), nullable=False),
    sa.Column('vote_open', sa.DateTime(), nullable=True),
    sa.Column('vote_close', sa.DateTime(), nullable=True),
    sa.Column('results_published', sa.Boolean(), nullable=False),
    sa.Column('closed_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint("method IN ('trimmed_mean', 'mean', 'median')", name=op.f('ck_judging_settings_known_method')),
    sa.CheckConstraint("mode IN ('all', 'k')", name=op.f('ck_judging_settings_known_mode')),
    sa.CheckConstraint('judges_per_proposal BETWEEN 1 AND 50', name=op.f('ck_judging_settings_judges_per_proposal_range')),
    sa.CheckConstraint('vote_max_per_resident BETWEEN 1 AND 50', name=op.f('ck_judging_settings_vote_max_range')),
    sa.CheckConstraint('vote_open IS NULL OR vote_close IS NULL OR vote_open < vote_close', name=op.f('ck_judging_settings_vote_window_order')),
    sa.CheckConstraint('vote_weight_pct BETWEEN 0 AND 50', name=op.f('ck_judging_settings_vote_weight_range')),
    sa.ForeignKeyConstraint(['round_id'], ['funding_round.id'], name=op.f('fk_judging_settings_round_id_funding_round')),
    sa.PrimaryKeyConstraint('round_id', name=op.f('pk_judging_settings'))
    )
    op.create_table('panel_member',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('judge_id', sa.Integer(), nullable=False),
    sa.Column('added_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['judge_id'], ['user.id'], name=op.f('fk_panel_member_judge_id_user')),
    sa.ForeignKeyConstraint(['round_id'], ['funding_round.id'], name=op.f('fk_panel_member_round_id_funding_round')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_panel_member')),
    sa.UniqueConstraint('round_id', 'judge_id', name='uq_panel_member_round_id_judge_id')
    )
    with op.batch_alter_table('panel_member', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_panel_member_round_id'), ['round_id'], unique=False)

    op.create_table('assignment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('judge_id', sa.Integer(), nullable=False),
    sa.Column('proposal_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['judge_id'], ['user.id'], name=op.f('fk_assignment_judge_id_user')),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposal.id'], name=op.f('fk_assignment_proposal_id_proposal')),
    sa.ForeignKeyConstraint(['round_id'], ['funding_round.id'], name=op.f('fk_assignment_round_id_funding_round')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assignment')),
    sa.UniqueConstraint('judge_id', 'proposal_id', name='uq_assignment_judge_id_proposal_id')
    )
    with op.batch_alter_table('assignment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assignment_judge_id'), ['judge_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_assignment_proposal_id'), ['proposal_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_assignment_round_id'), ['round_id'], unique=False)

    op.create_table('conflict',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('judge_id', sa.Integer(), nullable=False),
    sa.Column('proposal_id', sa.Integer(), nullable=True),
    sa.Column('organisation_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.String(length=300), nullable=False),
    sa.Column('source', sa.String(length=10), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("source IN ('declared', 'detected')", name=op.f('ck_conflict_known_source')),
    sa.CheckConstraint('proposal_id IS NOT NULL OR organisation_id IS NOT NULL', name=op.f('ck_conflict_names_a_target')),
    sa.ForeignKeyConstraint(['judge_id'], ['user.id'], name=op.f('fk_conflict_judge_id_user')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_conflict_organisation_id_organisation')),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposal.id'], name=op.f('fk_conflict_proposal_id_proposal')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_conflict'))
    )
    with op.batch_alter_table('conflict', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_conflict_judge_id'), ['judge_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_conflict_proposal_id'), ['proposal_id'], unique=False)

    op.create_table('score_sheet',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('judge_id', sa.Integer(), nullable=False),
    sa.Column('proposal_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('submitted_at', sa.DateTime(), nullable=True),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("status = 'draft' OR submitted_at IS NOT NULL", name=op.f('ck_score_sheet_submitted_has_time')),
    sa.CheckConstraint("status IN ('draft', 'submitted')", name=op.f('ck_score_sheet_known_status')),
    sa.ForeignKeyConstraint(['judge_id'], ['user.id'], name=op.f('fk_score_sheet_judge_id_user')),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposal.id'], name=op.f('fk_score_sheet_proposal_id_proposal')),
    sa.ForeignKeyConstraint(['round_id'], ['funding_round.id'], name=op.f('fk_score_sheet_round_id_funding_round')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_score_sheet')),
    sa.UniqueConstraint('judge_id', 'proposal_id', name='uq_score_sheet_judge_id_proposal_id')
    )
    with op.batch_alter_table('score_sheet', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_score_sheet_judge_id'), ['judge_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_score_sheet_proposal_id'), ['proposal_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_score_sheet_round_id'), ['round_id'], unique=False)

    op.create_table('vote',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('proposal_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposal.id'], name=op.f('fk_vote_proposal_id_proposal')),
    sa.ForeignKeyConstraint(['round_id'], ['funding_round.id'], name=op.f('fk_vote_round_id_funding_round')),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_vote_user_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_vote')),
    sa.UniqueConstraint('proposal_id', 'user_id', name='uq_vote_proposal_id_user_id')
    )
    with op.batch_alter_table('vote', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_vote_proposal_id'), ['proposal_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_vote_round_id'), ['round_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_vote_user_id'), ['user_id'], unique=False)

    op.create_table('score',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sheet_id', sa.Integer(), nullable=False),
    sa.Column('judge_id', sa.Integer(), nullable=False),
    sa.Column('proposal_id', sa.Integer(), nullable=False),
    sa.Column('criterion_id', sa.Integer(), nullable=False),
    sa.Column('half_points', sa.Integer(), nullable=False),
    sa.CheckConstraint('half_points >= 0 AND half_points <= 200', name=op.f('ck_score_points_range')),
    sa.ForeignKeyConstraint(['criterion_id'], ['criterion.id'], name=op.f('fk_score_criterion_id_criterion')),
    sa.ForeignKeyConstraint(['judge_id'], ['user.id'], name=op.f('fk_score_judge_id_user')),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposal.id'], name=op.f('fk_score_proposal_id_proposal')),
    sa.ForeignKeyConstraint(['sheet_id'], ['score_sheet.id'], name=op.f('fk_score_sheet_id_score_sheet'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_score')),
    sa.UniqueConstraint('sheet_id', 'criterion_id', name='uq_score_sheet_id_criterion_id')
    )
    with op.batch_alter_table('score', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_score_sheet_id'), ['sheet_id'], unique=False)



def downgrade():
    with op.batch_alter_table('score', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_score_sheet_id'))

    op.drop_table('score')
    with op.batch_alter_table('vote', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_vote_user_id'))
        batch_op.drop_index(batch_op.f('ix_vote_round_id'))
        batch_op.drop_index(batch_op.f('ix_vote_proposal_id'))

    op.drop_table('vote')
    with op.batch_alter_table('score_sheet', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_score_sheet_round_id'))
        batch_op.drop_index(batch_op.f('ix_score_sheet_proposal_id'))
        batch_op.drop_index(batch_op.f('ix_score_sheet_judge_id'))

    op.drop_table('score_sheet')
    with op.batch_alter_table('conflict', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_conflict_proposal_id'))
        batch_op.drop_index(batch_op.f('ix_conflict_judge_id'))

    op.drop_table('conflict')
    with op.batch_alter_table('assignment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_assignment_round_id'))
        batch_op.drop_index(batch_op.f('ix_assignment_proposal_id'))
        batch_op.drop_index(batch_op.f('ix_assignment_judge_id'))

    op.drop_table('assignment')
    with op.batch_alter_table('panel_member', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_panel_member_round_id'))

    op.drop_table('panel_member')
    op.drop_table('judging_settings')
    with op.batch_alter_table('criterion', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_criterion_round_id'))

    op.drop_table('criterion')
