"""Public documents as published: one row per document (kind, object) with the audit head it
prints, its HTML and the key of its PDF in the document cache (published_document)

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-02 07:30:00
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('published_document',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('object_id', sa.Integer(), nullable=False),
    sa.Column('audit_seq', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('audit_hash', sa.String(length=64), nullable=False),
    sa.Column('html', sa.Text(), nullable=True),
    sa.Column('cache_key', sa.String(length=64), nullable=True),
    sa.Column('stamped_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("kind IN ('notice')", name=op.f('ck_published_document_kind_valid')),
    sa.CheckConstraint('audit_seq >= 0', name=op.f('ck_published_document_audit_seq_not_negative')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_published_document')),
    sa.UniqueConstraint('kind', 'object_id', name='uq_published_document_kind_object')
    )


def downgrade():
    op.drop_table('published_document')
