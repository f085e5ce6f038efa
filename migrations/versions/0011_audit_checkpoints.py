"""Signed checkpoints of the audit log (C2SP tlog-checkpoint notes over the RFC 6962 tree of
audit entries), kept so inclusion and consistency proofs can be served against each

Revision ID: 0011
Revises: 0008
Create Date: 2026-12-03 06:30:00
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('audit_checkpoint',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tree_size', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('root_hash', sa.String(length=64), nullable=False),
    sa.Column('origin', sa.String(length=200), nullable=False),
    sa.Column('key_id', sa.String(length=8), nullable=False),
    sa.Column('verifier_key', sa.String(length=300), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('signed_at', sa.String(length=32), nullable=False),
    sa.CheckConstraint('tree_size >= 0', name=op.f('ck_audit_checkpoint_size_not_negative')),
    sa.CheckConstraint('length(root_hash) = 64', name=op.f('ck_audit_checkpoint_root_is_sha256_hex')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_checkpoint')),
    sa.UniqueConstraint('tree_size', 'key_id', name=op.f('uq_audit_checkpoint_one_per_size_and_key'))
    )
    with op.batch_alter_table('audit_checkpoint', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_checkpoint_tree_size'), ['tree_size'], unique=False)


def downgrade():
    with op.batch_alter_table('audit_checkpoint', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_checkpoint_tree_size'))
    op.drop_table('audit_checkpoint')
