"""Awards, award settings and exclusions, public notices, objections, grant agreements

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 14:58:34.856663

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('award_settings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('min_score', sa.Numeric(precision=6, scale=2), nullable=False),
    sa.Column('partial', sa.Boolean(), nullable=False),
    sa.Column('decisions', sa.JSON(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('min_score BETWEEN 0 AND 100', name=op.f('ck_award_settings_min_score_range')),
    sa.ForeignKeyConstraint(['round_id'], ['funding_round.id'], name=op.f('fk_award_settings_round_id_funding_round')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_award_settings')),
    sa.UniqueConstraint('round_id', name=op.f('uq_award_settings_round_id'))
    )
    op.create_table('notice',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('published_at', sa.DateTime(), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('closed_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint("status IN ('open', 'closed')", name=op.f('ck_notice_known_status')),
    sa.CheckConstraint('starts_on <= ends_on', name=op.f('ck_notice_period_ordered')),
    sa.ForeignKeyConstraint(['round_id'], ['funding_round.id'], name=op.f('fk_notice_round_id_funding_round')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notice'))
    )
    with op.batch_alter_table('notice', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notice_round_id'), ['round_id'], unique=False)
        batch_op.create_index('ix_notice_status_ends_on', ['status', 'ends_on'], unique=False)

    op.create_table('award',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('proposal_id', sa.Integer(), nullable=False),
    sa.Column('rank', sa.Integer(), nullable=False),
    sa.Column('amount_fen', sa.Integer(), nullable=False),
    sa.Column('requested_fen', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('score', sa.Numeric(precision=6, scale=2), nullable=False),
    sa.Column('sentence', sa.Text(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('notice_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("status IN ('proposed', 'in_notice', 'confirmed', 'revoked', 'agreement_signed', 'implementing', 'midterm_passed', 'final_passed', 'closed', 'suspended')", name=op.f('ck_award_known_status')),
    sa.CheckConstraint('amount_fen BETWEEN 500000 AND 1500000', name=op.f('ck_award_amount_in_site_band')),
    sa.CheckConstraint('rank >= 1', name=op.f('ck_award_rank_positive')),
    sa.ForeignKeyConstraint(['notice_id'], ['notice.id'], name=op.f('fk_award_notice_id_notice')),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposal.id'], name=op.f('fk_award_proposal_id_proposal')),
    sa.ForeignKeyConstraint(['round_id'], ['funding_round.id'], name=op.f('fk_award_round_id_funding_round')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_award')),
    sa.UniqueConstraint('proposal_id', name=op.f('uq_award_proposal_id'))
    )
    with op.batch_alter_table('award', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_award_notice_id'), ['notice_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_award_round_id'), ['round_id'], unique=False)
        batch_op.create_index('ix_award_round_status', ['round_id', 'status'], unique=False)

    op.create_table('award_exclusion',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('proposal_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_award_exclusion_created_by_id_user')),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposal.id'], name=op.f('fk_award_exclusion_proposal_id_proposal')),
    sa.ForeignKeyConstraint(['round_id'], ['funding_round.id'], name=op.f('fk_award_exclusion_round_id_funding_round')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_award_exclusion')),
    sa.UniqueConstraint('proposal_id', name=op.f('uq_award_exclusion_proposal_id'))
    )
    with op.batch_alter_table('award_exclusion', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_award_exclusion_round_id'), ['round_id'], unique=False)

    op.create_table('agreement',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('award_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=32), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('applicant_signed_at', sa.DateTime(), nullable=True),
    sa.Column('applicant_signer_id', sa.Integer(), nullable=True),
    sa.Column('organizer_signed_at', sa.DateTime(), nullable=True),
    sa.Column('organizer_signer_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('organizer_signed_at IS NULL OR applicant_signed_at IS NOT NULL', name=op.f('ck_agreement_applicant_signs_first')),
    sa.ForeignKeyConstraint(['applicant_signer_id'], ['user.id'], name=op.f('fk_agreement_applicant_signer_id_user')),
    sa.ForeignKeyConstraint(['award_id'], ['award.id'], name=op.f('fk_agreement_award_id_award')),
    sa.ForeignKeyConstraint(['organizer_signer_id'], ['user.id'], name=op.f('fk_agreement_organizer_signer_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agreement')),
    sa.UniqueConstraint('award_id', name=op.f('uq_agreement_award_id')),
    sa.UniqueConstraint('number', name=op.f('uq_agreement_number'))
    )
    op.create_table('objection',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('award_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('phone', sa.String(length=30), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('outcome_reason', sa.Text(), nullable=False),
    sa.Column('token', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("status IN ('filed', 'upheld', 'dismissed')", name=op.f('ck_objection_known_status')),
    sa.CheckConstraint("user_id IS NOT NULL OR (name <> '' AND phone <> '')", name=op.f('ck_objection_identified')),
    sa.ForeignKeyConstraint(['award_id'], ['award.id'], name=op.f('fk_objection_award_id_award')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user.id'], name=op.f('fk_objection_decided_by_id_user')),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_objection_user_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_objection')),
    sa.UniqueConstraint('token', name=op.f('uq_objection_token'))
    )
    with op.batch_alter_table('objection', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_objection_award_id'), ['award_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_objection_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('objection', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_objection_user_id'))
        batch_op.drop_index(batch_op.f('ix_objection_award_id'))

    op.drop_table('objection')
    op.drop_table('agreement')
    with op.batch_alter_table('award_exclusion', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_award_exclusion_round_id'))

    op.drop_table('award_exclusion')
    with op.batch_alter_table('award', schema=None) as batch_op:
        batch_op.drop_index('ix_award_round_status')
        batch_op.drop_index(batch_op.f('ix_award_round_id'))
        batch_op.drop_index(batch_op.f('ix_award_notice_id'))

    op.drop_table('award')
    with op.batch_alter_table('notice', schema=None) as batch_op:
        batch_op.drop_index('ix_notice_status_ends_on')
        batch_op.drop_index(batch_op.f('ix_notice_round_id'))

    op.drop_table('notice')
    op.drop_table('award_settings')
