"""What the checkpoint tests share: audit entries written through the real service, and a way
past the append-only triggers for the tests that play the forger."""

from __future__ import annotations

from sqlalchemy import text

from grants.extensions import db
from grants.services import audit, unit_of_work

EVENT = "auth.login_fail"
"""Any declared event will do: these tests are about the log, not about what it records."""


def write_entries(n: int, start: int = 0) -> None:
    """Append ``n`` audit entries (in one transaction, which is quicker than one each)."""
    with unit_of_work():
        for i in range(start, start + n):
            audit.record(EVENT, "user", i, {"名称": "金点子", "i": i}, actor_role="public")


def rewrite_history(n: int) -> None:
    """Replace the whole log by ``n`` different entries that still chain correctly: what a
    forger with database access would do to hide an edit (SQLite only)."""
    db.session.execute(text("DROP TRIGGER audit_entry_no_delete"))
    db.session.execute(text("DELETE FROM audit_entry"))
    db.session.execute(text("UPDATE audit_head SET seq = 0, hash = :genesis"),
                       {"genesis": "0" * 64})
    db.session.commit()
    with unit_of_work():
        for i in range(n):
            audit.record(EVENT, "user", i, {"rewritten": i}, actor_role="public")


def edit_payload(seq: int, payload: str = "{}") -> None:
    """Change one stored entry behind the chain's back (SQLite only)."""
    db.session.execute(text("DROP TRIGGER audit_entry_no_update"))
    db.session.execute(text("UPDATE audit_entry SET payload = :p WHERE seq = :s"),
                       {"p": payload, "s": seq})
    db.session.commit()
