"""Server-side sessions (user_session), staff accounts' second factor (totp_credential,
recovery_code) and which factor a login attempt tried (login_attempt.factor)

Revision ID: 0013
Revises: 0008
Create Date: 2026-12-04 09:00:00
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

END_REASONS = ('logout', 'password_change', 'idle', 'expired', 'rotated', 'revoked')


def upgrade():
    with op.batch_alter_table('login_attempt', schema=None) as batch_op:
        batch_op.add_column(sa.Column('factor', sa.String(length=10), nullable=False,
                                      server_default='password'))
        batch_op.create_check_constraint(batch_op.f('ck_login_attempt_known_factor'),
                                         "factor IN ('password', 'code')")
    reasons = ", ".join(f"'{reason}'" for reason in END_REASONS)
    op.create_table('user_session',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_sha256', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(), nullable=False),
    sa.Column('second_factor_at', sa.DateTime(), nullable=True),
    sa.Column('roles', sa.String(length=200), nullable=False),
    sa.Column('address', sa.String(length=64), nullable=False),
    sa.Column('ended_at', sa.DateTime(), nullable=True),
    sa.Column('end_reason', sa.String(length=20), nullable=True),
    sa.CheckConstraint(f'end_reason IS NULL OR end_reason IN ({reasons})',
                       name=op.f('ck_user_session_known_end_reason')),
    sa.CheckConstraint('(ended_at IS NULL) = (end_reason IS NULL)',
                       name=op.f('ck_user_session_ended_with_reason')),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_user_session_user_id_user'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user_session')),
    sa.UniqueConstraint('token_sha256', name=op.f('uq_user_session_token_sha256'))
    )
    with op.batch_alter_table('user_session', schema=None) as batch_op:
        batch_op.create_index('ix_user_session_user_id_ended_at', ['user_id', 'ended_at'],
                              unique=False)

    op.create_table('totp_credential',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('secret', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('confirmed_at', sa.DateTime(), nullable=True),
    sa.Column('last_step', sa.Integer(), nullable=False),
    sa.CheckConstraint('last_step >= 0', name=op.f('ck_totp_credential_step_not_negative')),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'],
                            name=op.f('fk_totp_credential_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_totp_credential'))
    )
    op.create_table('recovery_code',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('code_hash', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('used_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_recovery_code_user_id_user'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_recovery_code'))
    )
    with op.batch_alter_table('recovery_code', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_recovery_code_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('recovery_code', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_recovery_code_user_id'))
    op.drop_table('recovery_code')
    op.drop_table('totp_credential')
    with op.batch_alter_table('user_session', schema=None) as batch_op:
        batch_op.drop_index('ix_user_session_user_id_ended_at')
    op.drop_table('user_session')
    with op.batch_alter_table('login_attempt', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_login_attempt_known_factor'), type_='check')
        batch_op.drop_column('factor')
