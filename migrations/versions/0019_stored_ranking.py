"""A round's ranking stored when judging closes, read a page at a time (ranking_entry,
ranking_summary); indexes for the paged judge dashboard and the screening queue

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-02 13:50:00
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('ranking_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('rank', sa.Integer(), nullable=False),
    sa.Column('proposal_id', sa.Integer(), nullable=False),
    sa.Column('final_score', sa.Numeric(precision=7, scale=2), nullable=False),
    sa.Column('expert_score', sa.Numeric(precision=7, scale=2), nullable=False),
    sa.Column('public_score', sa.Numeric(precision=7, scale=2), nullable=True),
    sa.Column('normalised_score', sa.Numeric(precision=7, scale=2), nullable=True),
    sa.Column('need_fit', sa.Numeric(precision=7, scale=2), nullable=False),
    sa.Column('requested_fen', sa.Integer(), nullable=False),
    sa.Column('judges', sa.Integer(), nullable=False),
    sa.Column('method', sa.String(length=20), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('tie_break', sa.Text(), nullable=False),
    sa.Column('votes', sa.Integer(), nullable=False),
    sa.Column('means', sa.JSON(), nullable=False),
    sa.Column('flags', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposal.id'], name=op.f('fk_ranking_entry_proposal_id_proposal')),
    sa.ForeignKeyConstraint(['round_id'], ['funding_round.id'], name=op.f('fk_ranking_entry_round_id_funding_round')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ranking_entry')),
    sa.UniqueConstraint('round_id', 'proposal_id', name='uq_ranking_entry_round_proposal'),
    sa.UniqueConstraint('round_id', 'rank', name='uq_ranking_entry_round_rank')
    )
    op.create_table('ranking_summary',
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('method', sa.String(length=20), nullable=False),
    sa.Column('normalise', sa.Boolean(), nullable=False),
    sa.Column('vote_weight_pct', sa.Integer(), nullable=False),
    sa.Column('turnout', sa.Integer(), nullable=False),
    sa.Column('min_turnout', sa.Integer(), nullable=False),
    sa.Column('applied_weight', sa.Numeric(precision=9, scale=6), nullable=False),
    sa.Column('ranked', sa.Integer(), nullable=False),
    sa.Column('unscored', sa.Integer(), nullable=False),
    sa.Column('flag_count', sa.Integer(), nullable=False),
    sa.Column('profiles', sa.JSON(), nullable=False),
    sa.Column('computed_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['round_id'], ['funding_round.id'], name=op.f('fk_ranking_summary_round_id_funding_round')),
    sa.PrimaryKeyConstraint('round_id', name=op.f('pk_ranking_summary'))
    )
    op.create_index('ix_assignment_judge_round_proposal', 'assignment',
                    ['judge_id', 'round_id', 'proposal_id'], unique=False)
    op.create_index('ix_proposal_round_status_submitted', 'proposal',
                    ['round_id', 'status', 'submitted_at', 'id'], unique=False)


def downgrade():
    op.drop_index('ix_proposal_round_status_submitted', table_name='proposal')
    op.drop_index('ix_assignment_judge_round_proposal', table_name='assignment')
    op.drop_table('ranking_summary')
    op.drop_table('ranking_entry')
