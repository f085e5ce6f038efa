"""The index of title characters that the look-alike check's shortlist reads.

One row per distinct character of a proposal's normalised title, with the title's round and
length copied beside it so one index answers "titles of this round, of these lengths, holding
any of these characters" (:mod:`grants.domain.lookalike`). It is kept in step with the titles by
a flush hook, so no service has to remember it; data written by bulk statements (which skip the
hook) is indexed with :func:`reindex_titles`.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import ForeignKey, Index, String, delete, event, insert, inspect
from sqlalchemy.orm import Mapped, Session, mapped_column

from grants.domain.orgs import normalise_title
from grants.extensions import db
from grants.models.proposals import Proposal


class ProposalTitleChar(db.Model):
    """One distinct character of one proposal's normalised title."""

    __tablename__ = "proposal_title_char"
    proposal_id: Mapped[int] = mapped_column(
        ForeignKey("proposal.id", ondelete="CASCADE"), primary_key=True)
    ch: Mapped[str] = mapped_column(String(1), primary_key=True)
    round_id: Mapped[int] = mapped_column()
    length: Mapped[int] = mapped_column()
    __table_args__ = (Index("ix_proposal_title_char_lookup", "round_id", "ch", "length"),)


def title_char_rows(proposal_id: int, round_id: int, title: str) -> list[dict]:
    """The index rows of one title."""
    folded = normalise_title(title)
    return [{"proposal_id": proposal_id, "ch": char, "round_id": round_id,
             "length": len(folded)} for char in sorted(set(folded))]


def _retitled(session: Session) -> Iterable[Proposal]:
    """Proposals of this flush that are new or whose title or round changed."""
    for obj in list(session.new) + list(session.dirty):
        if not isinstance(obj, Proposal) or obj.id is None:
            continue
        state = inspect(obj)
        if obj in session.new or any(
            state.attrs[name].history.has_changes() for name in ("title", "round_id")
        ):
            yield obj


@event.listens_for(Session, "after_flush")
def _reindex_titles(session: Session, _context) -> None:
    """Rewrite the index rows of every proposal whose title changed in this flush."""
    changed = list(_retitled(session))
    if not changed:
        return
    connection = session.connection()
    table = ProposalTitleChar.__table__
    connection.execute(delete(table).where(table.c.proposal_id.in_([p.id for p in changed])))
    rows = [row for p in changed for row in title_char_rows(p.id, p.round_id, p.title or "")]
    if rows:
        connection.execute(insert(table), rows)


def reindex_titles(round_id: int) -> int:
    """Rebuild the index rows of every proposal of a round; for data written by bulk
    statements, which bypass the flush hook (benchmarks, imports). Returns the rows written."""
    table = ProposalTitleChar.__table__
    db.session.execute(delete(table).where(table.c.round_id == round_id))
    titles = db.session.execute(
        db.select(Proposal.id, Proposal.title).where(Proposal.round_id == round_id))
    rows = [row for pid, title in titles for row in title_char_rows(pid, round_id, title or "")]
    if rows:
        db.session.execute(insert(table), rows)
    return len(rows)
