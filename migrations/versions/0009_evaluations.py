"""Mid-term and final evaluations: each round's evaluation settings, evaluations with the
grantee's report, evaluators' score sheets and report photos (bytes in attachment_blob);
notices get a kind (awards | midterm | final, CHECK, default awards) and objections an optional
evaluation; a clawback recorded by the scheduled overdue check has no recording user

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 06:22:34.164122
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

KIND_CHECK = 'ck_notice_known_kind'
KIND_RULE = "kind IN ('awards', 'midterm', 'final')"
OBJECTION_FK = 'fk_objection_evaluation_id_evaluation'
OBJECTION_INDEX = 'ix_objection_evaluation_id'


def _sqlite() -> bool:
    return op.get_bind().dialect.name == 'sqlite'


def _add_notice_kind():
    """Every existing notice is an awards notice. On SQLite the column and its CHECK come in
    one ``ALTER TABLE ADD COLUMN``: awards refer to ``notice``, so it cannot be rebuilt."""
    if _sqlite():
        op.execute("ALTER TABLE notice ADD COLUMN kind VARCHAR(10) DEFAULT 'awards' NOT NULL "
                   f"CONSTRAINT {KIND_CHECK} CHECK ({KIND_RULE})")
        return
    op.add_column('notice', sa.Column('kind', sa.String(length=10), server_default='awards',
                                      nullable=False))
    op.create_check_constraint(op.f(KIND_CHECK), 'notice', KIND_RULE)


def _drop_notice_kind():
    if _sqlite():
        op.execute('ALTER TABLE notice DROP COLUMN kind')
        return
    op.drop_constraint(op.f(KIND_CHECK), 'notice', type_='check')
    op.drop_column('notice', 'kind')


def _add_objection_evaluation():
    """The evaluation an objection is against (none for objections to awards)."""
    if _sqlite():
        op.execute("ALTER TABLE objection ADD COLUMN evaluation_id INTEGER "
                   f"CONSTRAINT {OBJECTION_FK} REFERENCES evaluation (id)")
    else:
        op.add_column('objection', sa.Column('evaluation_id', sa.Integer(), nullable=True))
        op.create_foreign_key(op.f(OBJECTION_FK), 'objection', 'evaluation',
                              ['evaluation_id'], ['id'])
    op.create_index(op.f(OBJECTION_INDEX), 'objection', ['evaluation_id'], unique=False)


def _drop_objection_evaluation():
    op.drop_index(op.f(OBJECTION_INDEX), table_name='objection')
    if _sqlite():
        with op.batch_alter_table('objection', schema=None) as batch_op:
            batch_op.drop_column('evaluation_id')
        return
    op.drop_constraint(op.f(OBJECTION_FK), 'objection', type_='foreignkey')
    op.drop_column('objection', 'evaluation_id')


def upgrade():
    op.create_table('evaluation_settings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('rubric', sa.String(length=12), nullable=False),
    sa.Column('pass_mark', sa.Integer(), nullable=False),
    sa.Column('notice_days', sa.Integer(), nullable=False),
    sa.Column('grace_days', sa.Integer(), nullable=False),
    sa.Column('bar_years', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("rubric IN ('standard', 'performance')", name=op.f('ck_evaluation_settings_known_rubric')),
    sa.CheckConstraint('bar_years BETWEEN 0 AND 10', name=op.f('ck_evaluation_settings_bar_years_range')),
    sa.CheckConstraint('grace_days BETWEEN 0 AND 60', name=op.f('ck_evaluation_settings_grace_days_range')),
    sa.CheckConstraint('notice_days BETWEEN 1 AND 30', name=op.f('ck_evaluation_settings_notice_days_range')),
    sa.CheckConstraint('pass_mark BETWEEN 1 AND 100', name=op.f('ck_evaluation_settings_pass_mark_range')),
    sa.ForeignKeyConstraint(['round_id'], ['funding_round.id'], name=op.f('fk_evaluation_settings_round_id_funding_round')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evaluation_settings')),
    sa.UniqueConstraint('round_id', name=op.f('uq_evaluation_settings_round_id'))
    )
    op.create_table('evaluation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('award_id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('opened_by_id', sa.Integer(), nullable=False),
    sa.Column('opened_at', sa.DateTime(), nullable=False),
    sa.Column('report', sa.JSON(), nullable=False),
    sa.Column('beneficiaries', sa.Integer(), nullable=True),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('spending', sa.JSON(), nullable=False),
    sa.Column('submitted_by_id', sa.Integer(), nullable=True),
    sa.Column('submitted_at', sa.DateTime(), nullable=True),
    sa.Column('reminded_at', sa.DateTime(), nullable=True),
    sa.Column('score', sa.Numeric(precision=6, scale=2), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('notice_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint("kind IN ('midterm', 'final')", name=op.f('ck_evaluation_known_kind')),
    sa.CheckConstraint("status IN ('assigned', 'reminded', 'returned', 'submitted', 'scored', 'in_notice', 'passed', 'failed', 'cancelled')", name=op.f('ck_evaluation_known_status')),
    sa.CheckConstraint('beneficiaries BETWEEN 0 AND 1000000', name=op.f('ck_evaluation_beneficiaries_range')),
    sa.CheckConstraint('score BETWEEN 0 AND 100', name=op.f('ck_evaluation_score_range')),
    sa.ForeignKeyConstraint(['award_id'], ['award.id'], name=op.f('fk_evaluation_award_id_award')),
    sa.ForeignKeyConstraint(['notice_id'], ['notice.id'], name=op.f('fk_evaluation_notice_id_notice')),
    sa.ForeignKeyConstraint(['opened_by_id'], ['user.id'], name=op.f('fk_evaluation_opened_by_id_user')),
    sa.ForeignKeyConstraint(['round_id'], ['funding_round.id'], name=op.f('fk_evaluation_round_id_funding_round')),
    sa.ForeignKeyConstraint(['submitted_by_id'], ['user.id'], name=op.f('fk_evaluation_submitted_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evaluation')),
    sa.UniqueConstraint('award_id', 'kind', name='uq_evaluation_award_kind')
    )
    with op.batch_alter_table('evaluation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evaluation_notice_id'), ['notice_id'], unique=False)
        batch_op.create_index('ix_evaluation_round_kind_status', ['round_id', 'kind', 'status'], unique=False)
        batch_op.create_index('ix_evaluation_status_due_on', ['status', 'due_on'], unique=False)

    op.create_table('evaluation_photo',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('evaluation_id', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('content_type', sa.String(length=40), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("content_type IN ('image/jpeg', 'image/png')", name=op.f('ck_evaluation_photo_allowed_type')),
    sa.CheckConstraint('size BETWEEN 1 AND 10485760', name=op.f('ck_evaluation_photo_size_limit')),
    sa.ForeignKeyConstraint(['evaluation_id'], ['evaluation.id'], name=op.f('fk_evaluation_photo_evaluation_id_evaluation'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['sha256'], ['attachment_blob.sha256'], name=op.f('fk_evaluation_photo_sha256_attachment_blob')),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['user.id'], name=op.f('fk_evaluation_photo_uploaded_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evaluation_photo'))
    )
    with op.batch_alter_table('evaluation_photo', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evaluation_photo_evaluation_id'), ['evaluation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_evaluation_photo_sha256'), ['sha256'], unique=False)

    op.create_table('evaluation_sheet',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('evaluation_id', sa.Integer(), nullable=False),
    sa.Column('evaluator_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('points', sa.JSON(), nullable=False),
    sa.Column('total_half', sa.Integer(), nullable=True),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('assigned_by_id', sa.Integer(), nullable=False),
    sa.Column('assigned_at', sa.DateTime(), nullable=False),
    sa.Column('submitted_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint("status <> 'submitted' OR total_half IS NOT NULL", name=op.f('ck_evaluation_sheet_submitted_has_total')),
    sa.CheckConstraint("status IN ('assigned', 'submitted', 'withdrawn')", name=op.f('ck_evaluation_sheet_known_status')),
    sa.CheckConstraint('total_half BETWEEN 0 AND 200', name=op.f('ck_evaluation_sheet_total_range')),
    sa.ForeignKeyConstraint(['assigned_by_id'], ['user.id'], name=op.f('fk_evaluation_sheet_assigned_by_id_user')),
    sa.ForeignKeyConstraint(['evaluation_id'], ['evaluation.id'], name=op.f('fk_evaluation_sheet_evaluation_id_evaluation')),
    sa.ForeignKeyConstraint(['evaluator_id'], ['user.id'], name=op.f('fk_evaluation_sheet_evaluator_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evaluation_sheet')),
    sa.UniqueConstraint('evaluation_id', 'evaluator_id', name='uq_evaluation_sheet_evaluator')
    )
    with op.batch_alter_table('evaluation_sheet', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evaluation_sheet_evaluator_id'), ['evaluator_id'], unique=False)

    with op.batch_alter_table('clawback', schema=None) as batch_op:
        batch_op.alter_column('recorded_by_id', existing_type=sa.INTEGER(), nullable=True)
    _add_notice_kind()
    _add_objection_evaluation()


def downgrade():
    _drop_objection_evaluation()
    _drop_notice_kind()
    bind = op.get_bind()
    if bind.exec_driver_sql("SELECT count(*) FROM clawback WHERE recorded_by_id IS NULL").scalar():
        raise RuntimeError("clawbacks were recorded by the overdue check; cannot downgrade below 0009")
    with op.batch_alter_table('clawback', schema=None) as batch_op:
        batch_op.alter_column('recorded_by_id', existing_type=sa.INTEGER(), nullable=False)

    with op.batch_alter_table('evaluation_sheet', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evaluation_sheet_evaluator_id'))

    op.drop_table('evaluation_sheet')
    with op.batch_alter_table('evaluation_photo', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evaluation_photo_sha256'))
        batch_op.drop_index(batch_op.f('ix_evaluation_photo_evaluation_id'))

    op.drop_table('evaluation_photo')
    with op.batch_alter_table('evaluation', schema=None) as batch_op:
        batch_op.drop_index('ix_evaluation_status_due_on')
        batch_op.drop_index('ix_evaluation_round_kind_status')
        batch_op.drop_index(batch_op.f('ix_evaluation_notice_id'))

    op.drop_table('evaluation')
    op.drop_table('evaluation_settings')
