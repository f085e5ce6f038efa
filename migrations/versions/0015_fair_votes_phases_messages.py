"""Fair resident votes: each round's minimum turnout (default 30, CHECK 1-100000) and database
triggers keeping the vote window inside judging (a vote window may not close after the round's
judging closes, and a round edit may not move judging before the window's close); stored
messages read in the reader's language: notifications and award sentences keep a message key
with its parameters beside the text as written

Revision ID: 0015
Revises: 0008
Create Date: 2026-12-02 07:00:00
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0015'
down_revision = '0013'
branch_labels = None
depends_on = None

TURNOUT_CHECK = 'ck_judging_settings_vote_min_turnout_range'
TURNOUT_RULE = 'vote_min_turnout BETWEEN 1 AND 100000'
VOTE_AFTER_JUDGING = 'vote window closes after judging'

PG_TRIGGERS = f"""
CREATE OR REPLACE FUNCTION vote_window_within_judging() RETURNS trigger AS $$
BEGIN
  IF NEW.vote_close IS NOT NULL AND NEW.vote_close >
     (SELECT judging_close FROM funding_round WHERE id = NEW.round_id) THEN
    RAISE EXCEPTION '{VOTE_AFTER_JUDGING} (round %)', NEW.round_id USING ERRCODE = '23514';
  END IF;
  RETURN NEW;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER judging_settings_vote_within_judging
  BEFORE INSERT OR UPDATE OF vote_close, round_id ON judging_settings
  FOR EACH ROW EXECUTE FUNCTION vote_window_within_judging();
CREATE OR REPLACE FUNCTION judging_close_after_vote() RETURNS trigger AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM judging_settings
             WHERE round_id = NEW.id AND vote_close > NEW.judging_close) THEN
    RAISE EXCEPTION '{VOTE_AFTER_JUDGING} (round %)', NEW.id USING ERRCODE = '23514';
  END IF;
  RETURN NEW;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER funding_round_judging_after_vote
  BEFORE UPDATE OF judging_close ON funding_round
  FOR EACH ROW EXECUTE FUNCTION judging_close_after_vote();
"""
SQLITE_VOTE_WHEN = ("NEW.vote_close IS NOT NULL AND NEW.vote_close > "
                    "(SELECT judging_close FROM funding_round WHERE id = NEW.round_id)")
SQLITE_TRIGGERS = (
    f"CREATE TRIGGER judging_settings_vote_within_judging_insert BEFORE INSERT ON "
    f"judging_settings WHEN {SQLITE_VOTE_WHEN} "
    f"BEGIN SELECT RAISE(ABORT, '{VOTE_AFTER_JUDGING}'); END",
    f"CREATE TRIGGER judging_settings_vote_within_judging_update BEFORE UPDATE OF vote_close, "
    f"round_id ON judging_settings WHEN {SQLITE_VOTE_WHEN} "
    f"BEGIN SELECT RAISE(ABORT, '{VOTE_AFTER_JUDGING}'); END",
    "CREATE TRIGGER funding_round_judging_after_vote BEFORE UPDATE OF judging_close ON "
    "funding_round WHEN EXISTS (SELECT 1 FROM judging_settings WHERE round_id = NEW.id AND "
    f"vote_close > NEW.judging_close) BEGIN SELECT RAISE(ABORT, '{VOTE_AFTER_JUDGING}'); END",
)
SQLITE_TRIGGER_NAMES = ('judging_settings_vote_within_judging_insert',
                        'judging_settings_vote_within_judging_update',
                        'funding_round_judging_after_vote')


def _add_min_turnout():
    """The round's minimum turnout with its CHECK (one ALTER TABLE on SQLite, no rebuild)."""
    if op.get_bind().dialect.name == 'sqlite':
        op.execute(
            "ALTER TABLE judging_settings ADD COLUMN vote_min_turnout INTEGER DEFAULT '30' "
            f"NOT NULL CONSTRAINT {TURNOUT_CHECK} CHECK ({TURNOUT_RULE})")
        return
    op.add_column('judging_settings', sa.Column('vote_min_turnout', sa.Integer(),
                                                server_default='30', nullable=False))
    op.create_check_constraint(op.f(TURNOUT_CHECK), 'judging_settings', TURNOUT_RULE)


def _drop_min_turnout():
    """Drop the minimum turnout (SQLite drops a column with its own CHECK in place)."""
    if op.get_bind().dialect.name == 'sqlite':
        op.execute('ALTER TABLE judging_settings DROP COLUMN vote_min_turnout')
        return
    op.drop_constraint(op.f(TURNOUT_CHECK), 'judging_settings', type_='check')
    op.drop_column('judging_settings', 'vote_min_turnout')


def _create_vote_triggers():
    """The vote window stays inside judging, whichever table changes."""
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(PG_TRIGGERS)
        return
    for statement in SQLITE_TRIGGERS:
        op.execute(statement)


def _drop_vote_triggers():
    """Remove the vote-window triggers (downgrade only)."""
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('DROP TRIGGER IF EXISTS judging_settings_vote_within_judging ON judging_settings')
        op.execute('DROP TRIGGER IF EXISTS funding_round_judging_after_vote ON funding_round')
        op.execute('DROP FUNCTION IF EXISTS vote_window_within_judging()')
        op.execute('DROP FUNCTION IF EXISTS judging_close_after_vote()')
        return
    for name in SQLITE_TRIGGER_NAMES:
        op.execute(f'DROP TRIGGER IF EXISTS {name}')


def _add_message_columns():
    """Nullable columns: older rows keep only their text, which the pages show as before."""
    op.add_column('notification', sa.Column('message_key', sa.Text(), nullable=True))
    op.add_column('notification', sa.Column('message_params', sa.JSON(), nullable=True))
    op.add_column('award', sa.Column('sentence_message', sa.JSON(), nullable=True))


def _drop_message_columns():
    """Drop the message columns (SQLite drops a plain column in place)."""
    op.drop_column('award', 'sentence_message')
    op.drop_column('notification', 'message_params')
    op.drop_column('notification', 'message_key')


def upgrade():
    _add_min_turnout()
    _create_vote_triggers()
    _add_message_columns()


def downgrade():
    _drop_message_columns()
    _drop_vote_triggers()
    _drop_min_turnout()
