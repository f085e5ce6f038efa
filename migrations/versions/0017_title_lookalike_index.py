"""The look-alike title check's index: one row per distinct character of each proposal's
normalised title, with its round and length (proposal_title_char), filled for every existing
proposal

Revision ID: 0017
Revises: 0008
Create Date: 2026-12-02 06:50:00
"""
import unicodedata

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def _normalise(title):
    """The same folding as grants.domain.orgs.normalise_title at the time of this migration."""
    folded = unicodedata.normalize("NFKC", title or "").lower()
    return "".join(char for char in folded if unicodedata.category(char)[0] in "LN")


def upgrade():
    table = op.create_table('proposal_title_char',
    sa.Column('proposal_id', sa.Integer(), nullable=False),
    sa.Column('ch', sa.String(length=1), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('length', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposal.id'], name=op.f('fk_proposal_title_char_proposal_id_proposal'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('proposal_id', 'ch', name=op.f('pk_proposal_title_char'))
    )
    with op.batch_alter_table('proposal_title_char', schema=None) as batch_op:
        batch_op.create_index('ix_proposal_title_char_lookup', ['round_id', 'ch', 'length'], unique=False)
    rows = []
    for pid, rid, title in op.get_bind().execute(sa.text("SELECT id, round_id, title FROM proposal")):
        folded = _normalise(title)
        rows.extend({"proposal_id": pid, "ch": c, "round_id": rid, "length": len(folded)}
                    for c in sorted(set(folded)))
    if rows:
        op.bulk_insert(table, rows)


def downgrade():
    with op.batch_alter_table('proposal_title_char', schema=None) as batch_op:
        batch_op.drop_index('ix_proposal_title_char_lookup')
    op.drop_table('proposal_title_char')
