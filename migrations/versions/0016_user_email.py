"""An optional e-mail address on each account, for notifications sent by e-mail when SMTP is
configured

Revision ID: 0016
Revises: 0008
Create Date: 2026-12-03 09:00:00
"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('user', sa.Column('email', sa.String(length=120), nullable=False,
                                    server_default=''))


def downgrade():
    # A plain DROP COLUMN (SQLite ≥ 3.35): a batch copy of ``user`` would break the tables
    # that refer to it.
    op.drop_column('user', 'email')
