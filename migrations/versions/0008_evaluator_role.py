"""Third-party evaluators (第三方评估) as a role an account can hold: the user_role CHECK
admits ``evaluator``

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 06:20:00
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

OLD_ROLES = ('resident', 'org_member', 'judge', 'organizer', 'finance', 'auditor', 'admin')
NEW_ROLES = ('resident', 'org_member', 'judge', 'organizer', 'finance', 'auditor', 'evaluator',
             'admin')


def _in(column, values):
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _role_check(roles):
    """Replace the CHECK on user_role.role; no table refers to user_role, so SQLite's batch
    copy is safe."""
    with op.batch_alter_table('user_role', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_user_role_known_role'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_user_role_known_role'), _in('role', roles))


def upgrade():
    _role_check(NEW_ROLES)


def downgrade():
    bind = op.get_bind()
    held = bind.exec_driver_sql("SELECT count(*) FROM user_role WHERE role = 'evaluator'").scalar()
    if held:
        raise RuntimeError("accounts hold the evaluator role; remove it before downgrading below 0008")
    _role_check(OLD_ROLES)
