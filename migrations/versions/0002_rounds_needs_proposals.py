"""Rounds, resident needs, proposals with budget lines and versions, attachments, notifications

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 14:54:23.878147

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('attachment_blob',
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.CheckConstraint('size >= 0 AND size <= 10485760', name=op.f('ck_attachment_blob_size_limit')),
    sa.PrimaryKeyConstraint('sha256', name=op.f('pk_attachment_blob'))
    )
    op.create_table('funding_round',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('round_no', sa.Integer(), nullable=False),
    sa.Column('district', sa.String(length=40), nullable=False),
    sa.Column('street', sa.String(length=40), nullable=False),
    sa.Column('district_code', sa.String(length=8), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('pool_fen', sa.Integer(), nullable=False),
    sa.Column('band_min_fen', sa.Integer(), nullable=False),
    sa.Column('band_max_fen', sa.Integer(), nullable=False),
    sa.Column('tiers', sa.JSON(), nullable=False),
    sa.Column('categories', sa.JSON(), nullable=False),
    sa.Column('caps', sa.JSON(), nullable=False),
    sa.Column('needs_open', sa.DateTime(), nullable=False),
    sa.Column('needs_close', sa.DateTime(), nullable=False),
    sa.Column('submit_open', sa.DateTime(), nullable=False),
    sa.Column('submit_close', sa.DateTime(), nullable=False),
    sa.Column('screening_close', sa.DateTime(), nullable=False),
    sa.Column('return_deadline', sa.DateTime(), nullable=False),
    sa.Column('judging_open', sa.DateTime(), nullable=False),
    sa.Column('judging_close', sa.DateTime(), nullable=False),
    sa.Column('notice_days', sa.Integer(), nullable=False),
    sa.Column('implementation_start', sa.Date(), nullable=False),
    sa.Column('implementation_end', sa.Date(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('band_min_fen >= 500000 AND band_max_fen <= 1500000 AND band_min_fen <= band_max_fen', name=op.f('ck_funding_round_band_inside_site_band')),
    sa.CheckConstraint('notice_days BETWEEN 1 AND 30', name=op.f('ck_funding_round_notice_days_range')),
    sa.CheckConstraint('pool_fen >= 0', name=op.f('ck_funding_round_pool_non_negative')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_funding_round_created_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_funding_round'))
    )
    op.create_table('notification',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('message', sa.String(length=300), nullable=False),
    sa.Column('link', sa.String(length=200), nullable=False),
    sa.Column('read_at', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_notification_user_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notification'))
    )
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notification_user_id'), ['user_id'], unique=False)

    op.create_table('need',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('category', sa.String(length=20), nullable=False),
    sa.Column('title', sa.String(length=80), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('people_affected', sa.Integer(), nullable=False),
    sa.Column('support_count', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('merged_into_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("status IN ('open', 'merged', 'funded')", name=op.f('ck_need_known_status')),
    sa.CheckConstraint('people_affected >= 0', name=op.f('ck_need_people_non_negative')),
    sa.CheckConstraint('support_count >= 0', name=op.f('ck_need_support_non_negative')),
    sa.ForeignKeyConstraint(['author_id'], ['user.id'], name=op.f('fk_need_author_id_user')),
    sa.ForeignKeyConstraint(['community_id'], ['community.id'], name=op.f('fk_need_community_id_community')),
    sa.ForeignKeyConstraint(['merged_into_id'], ['need.id'], name=op.f('fk_need_merged_into_id_need')),
    sa.ForeignKeyConstraint(['round_id'], ['funding_round.id'], name=op.f('fk_need_round_id_funding_round')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_need'))
    )
    with op.batch_alter_table('need', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_need_round_id'), ['round_id'], unique=False)
        batch_op.create_index('ix_need_round_support', ['round_id', 'support_count'], unique=False)

    op.create_table('proposal',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('applicant_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=True),
    sa.Column('community_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('title', sa.String(length=100), nullable=False),
    sa.Column('category', sa.String(length=20), nullable=False),
    sa.Column('background', sa.Text(), nullable=False),
    sa.Column('objectives', sa.Text(), nullable=False),
    sa.Column('outcomes', sa.Text(), nullable=False),
    sa.Column('beneficiaries', sa.Text(), nullable=False),
    sa.Column('beneficiary_count', sa.Integer(), nullable=False),
    sa.Column('activities', sa.JSON(), nullable=False),
    sa.Column('team', sa.JSON(), nullable=False),
    sa.Column('matching_funds_fen', sa.Integer(), nullable=False),
    sa.Column('contact_name', sa.String(length=60), nullable=False),
    sa.Column('contact_phone', sa.String(length=30), nullable=False),
    sa.Column('requested_fen', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('decision_reason', sa.Text(), nullable=False),
    sa.Column('submitted_at', sa.DateTime(), nullable=True),
    sa.Column('first_submitted_at', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("status IN ('draft', 'submitted', 'eligible', 'returned', 'ineligible', 'scored', 'awarded', 'not_awarded', 'withdrawn')", name=op.f('ck_proposal_known_status')),
    sa.CheckConstraint("status IN ('draft', 'withdrawn') OR requested_fen BETWEEN 500000 AND 1500000", name=op.f('ck_proposal_requested_in_site_band')),
    sa.CheckConstraint('beneficiary_count >= 0', name=op.f('ck_proposal_beneficiaries_non_negative')),
    sa.CheckConstraint('requested_fen >= 0 AND matching_funds_fen >= 0', name=op.f('ck_proposal_amounts_non_negative')),
    sa.ForeignKeyConstraint(['applicant_id'], ['user.id'], name=op.f('fk_proposal_applicant_id_user')),
    sa.ForeignKeyConstraint(['community_id'], ['community.id'], name=op.f('fk_proposal_community_id_community')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_proposal_organisation_id_organisation')),
    sa.ForeignKeyConstraint(['round_id'], ['funding_round.id'], name=op.f('fk_proposal_round_id_funding_round')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_proposal'))
    )
    with op.batch_alter_table('proposal', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_proposal_applicant_id'), ['applicant_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_proposal_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_proposal_round_id'), ['round_id'], unique=False)
        batch_op.create_index('ix_proposal_round_status', ['round_id', 'status'], unique=False)

    op.create_table('attachment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('proposal_id', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('content_type', sa.String(length=40), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("content_type IN ('application/pdf', 'image/jpeg', 'image/png')", name=op.f('ck_attachment_allowed_type')),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposal.id'], name=op.f('fk_attachment_proposal_id_proposal'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['sha256'], ['attachment_blob.sha256'], name=op.f('fk_attachment_sha256_attachment_blob')),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['user.id'], name=op.f('fk_attachment_uploaded_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attachment'))
    )
    with op.batch_alter_table('attachment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_attachment_proposal_id'), ['proposal_id'], unique=False)

    op.create_table('budget_line',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('proposal_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('item', sa.String(length=100), nullable=False),
    sa.Column('cost_category', sa.String(length=20), nullable=False),
    sa.Column('unit_price_fen', sa.Integer(), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('subtotal_fen', sa.Integer(), nullable=False),
    sa.CheckConstraint('quantity >= 1', name=op.f('ck_budget_line_quantity_positive')),
    sa.CheckConstraint('subtotal_fen = unit_price_fen * quantity', name=op.f('ck_budget_line_subtotal_is_product')),
    sa.CheckConstraint('unit_price_fen >= 0', name=op.f('ck_budget_line_price_non_negative')),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposal.id'], name=op.f('fk_budget_line_proposal_id_proposal'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_budget_line'))
    )
    with op.batch_alter_table('budget_line', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_budget_line_proposal_id'), ['proposal_id'], unique=False)

    op.create_table('need_support',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('need_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['need_id'], ['need.id'], name=op.f('fk_need_support_need_id_need')),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_need_support_user_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_need_support')),
    sa.UniqueConstraint('need_id', 'user_id', name='once_per_user')
    )
    with op.batch_alter_table('need_support', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_need_support_need_id'), ['need_id'], unique=False)

    op.create_table('proposal_need',
    sa.Column('proposal_id', sa.Integer(), nullable=False),
    sa.Column('need_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['need_id'], ['need.id'], name=op.f('fk_proposal_need_need_id_need')),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposal.id'], name=op.f('fk_proposal_need_proposal_id_proposal'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('proposal_id', 'need_id', name=op.f('pk_proposal_need'))
    )
    op.create_table('proposal_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('proposal_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('snapshot', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposal.id'], name=op.f('fk_proposal_version_proposal_id_proposal'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_proposal_version')),
    sa.UniqueConstraint('proposal_id', 'version', name='one_per_version')
    )
    with op.batch_alter_table('proposal_version', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_proposal_version_proposal_id'), ['proposal_id'], unique=False)



def downgrade():
    with op.batch_alter_table('proposal_version', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_proposal_version_proposal_id'))

    op.drop_table('proposal_version')
    op.drop_table('proposal_need')
    with op.batch_alter_table('need_support', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_need_support_need_id'))

    op.drop_table('need_support')
    with op.batch_alter_table('budget_line', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_budget_line_proposal_id'))

    op.drop_table('budget_line')
    with op.batch_alter_table('attachment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attachment_proposal_id'))

    op.drop_table('attachment')
    with op.batch_alter_table('proposal', schema=None) as batch_op:
        batch_op.drop_index('ix_proposal_round_status')
        batch_op.drop_index(batch_op.f('ix_proposal_round_id'))
        batch_op.drop_index(batch_op.f('ix_proposal_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_proposal_applicant_id'))

    op.drop_table('proposal')
    with op.batch_alter_table('need', schema=None) as batch_op:
        batch_op.drop_index('ix_need_round_support')
        batch_op.drop_index(batch_op.f('ix_need_round_id'))

    op.drop_table('need')
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notification_user_id'))

    op.drop_table('notification')
    op.drop_table('funding_round')
    op.drop_table('attachment_blob')
