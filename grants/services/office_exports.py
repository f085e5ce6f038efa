"""The rows of the spreadsheets offices download: a round's ranking, its proposals and its
objections, and the audit log — each with the applicant and community an office files by.

Rows are plain dicts (money in fen, times as stored UTC) produced lazily, so a long export
never sits in memory; :mod:`grants.web.sheets` writes them as CSV or XLSX. Text meant for
people (states, roles, actions) is in the source language: a sheet reads the same in every
office. Nothing here writes.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from grants.domain.clock import BEIJING, utc_text
from grants.domain.i18n import N_, msg, source_language, tr
from grants.domain.judging_rules import METHOD_LABELS
from grants.domain.lifecycles import OBJECTION, PROPOSAL, audit_action_label
from grants.domain.proposals import DRAFT
from grants.domain.receipts import format_receipt
from grants.domain.roles import ROLE_LABELS
from grants.extensions import db
from grants.models import AuditEntry, Proposal, User
from grants.models.awards import Award, Objection
from grants.services import ranking


def _label(text: str) -> str:
    """A constant label in the source language."""
    with source_language():
        return tr(text)


def applicant_of(proposal: Proposal) -> str:
    """Who applied, as an office files it: the organisation, or the resident team's leader."""
    if proposal.organisation is not None:
        return proposal.organisation.name
    with source_language():
        return msg("居民团队（{name}）", name=proposal.applicant.display_name)


def _people(proposal: Proposal) -> dict:
    """The applicant and community columns every sheet about proposals carries."""
    return {"applicant": applicant_of(proposal),
            "community": proposal.community.name if proposal.community else ""}


def _round_proposals(round_id: int) -> dict[int, Proposal]:
    """The round's proposals by id, with what the people columns read (one query each)."""
    query = (select(Proposal).where(Proposal.round_id == round_id)
             .options(selectinload(Proposal.organisation), selectinload(Proposal.applicant),
                      selectinload(Proposal.community)))
    return {p.id: p for p in db.session.scalars(query)}


# ------------------------------------------------------------------------------ ranking


@dataclass(frozen=True)
class RankingSheet:
    """The ranking's rows and the rubric criteria (one column each: name and key)."""

    criteria: tuple[tuple[str, str], ...]
    rows: list[dict]


def ranking_sheet(round_id: int) -> RankingSheet:
    """The detailed ranking, each row with its applicant and community."""
    report = ranking.ranking_report(round_id)
    proposals = _round_proposals(round_id)
    rows = []
    for row in report.rows:
        means = report.breakdown.get(row.proposal_id, {})
        rows.append({
            "rank": row.rank, "proposal_id": row.proposal_id, "title": row.title,
            **_people(proposals[row.proposal_id]),
            "final_score": row.final_score, "expert_score": row.expert_score,
            "public_score": row.public_score, "requested_fen": row.requested_fen,
            "method": _label(METHOD_LABELS.get(row.method, row.method)), "judges": row.judges,
            **{f"criterion_{c.key}": means.get(c.key) for c in report.criteria},
            "note": row.note, "tie_break": row.tie_break,
        })
    return RankingSheet(tuple((c.name, c.key) for c in report.criteria), rows)


# ------------------------------------------------------------------------------ proposals


def proposal_rows(round_id: int) -> Iterator[dict]:
    """Every proposal of a round past drafting (drafts are their owners' alone), by id."""
    for proposal in sorted(_round_proposals(round_id).values(), key=lambda p: p.id):
        if proposal.status == DRAFT:
            continue
        yield {
            "id": proposal.id, "title": proposal.title, **_people(proposal),
            "category": proposal.category,
            "status": _label(PROPOSAL.state_label(proposal.status)),
            "requested_fen": proposal.requested_fen,
            "matching_funds_fen": proposal.matching_funds_fen,
            "beneficiary_count": proposal.beneficiary_count, "version": proposal.version,
            "first_submitted_at": proposal.first_submitted_at,
            "submitted_at": proposal.submitted_at,
            "contact_name": proposal.contact_name, "contact_phone": proposal.contact_phone,
            "decision_reason": proposal.decision_reason,
        }


# ------------------------------------------------------------------------------ objections


def objection_rows(round_id: int) -> Iterator[dict]:
    """Every objection against a round's awards, in filing order, with who filed it."""
    query = (select(Objection).join(Award).where(Award.round_id == round_id)
             .order_by(Objection.id)
             .options(selectinload(Objection.award).selectinload(Award.proposal)))
    objections = list(db.session.scalars(query))
    accounts = _names({o.user_id for o in objections} | {o.decided_by_id for o in objections})
    for objection in objections:
        proposal = objection.award.proposal
        yield {
            "receipt": format_receipt(objection.id), "title": proposal.title,
            **_people(proposal),
            "objector": accounts.get(objection.user_id, objection.name),
            "by_account": _label(N_("账号提交") if objection.user_id else N_("未登录提交")),
            "phone": objection.phone, "text": objection.text,
            "status": _label(OBJECTION.state_label(objection.status)),
            "created_at": objection.created_at, "decided_at": objection.decided_at,
            "decided_by": accounts.get(objection.decided_by_id, ""),
            "outcome_reason": objection.outcome_reason,
        }


def _names(user_ids) -> dict[int, str]:
    """Display names of these accounts."""
    ids = {i for i in user_ids if i is not None}
    if not ids:
        return {}
    return dict(db.session.execute(select(User.id, User.display_name).where(User.id.in_(ids))))


# ------------------------------------------------------------------------------ audit log


@dataclass(frozen=True)
class AuditFilters:
    """What narrows the audit export: an action prefix and a Beijing-time date range."""

    action: str = ""
    since: date | None = None
    until: date | None = None

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> AuditFilters:
        """The filters as the audit page's fields give them (malformed dates ignored)."""
        return cls((args.get("action") or "").strip()[:60], _day(args.get("since")),
                   _day(args.get("until")))


def _day(text: str | None) -> date | None:
    """A yyyy-mm-dd value, or None."""
    try:
        return date.fromisoformat(text.strip()) if text and text.strip() else None
    except ValueError:
        return None


def _utc_start(day: date) -> str:
    """The start of a Beijing day as stored UTC text."""
    return utc_text(datetime.combine(day, time.min, tzinfo=BEIJING))


def audit_rows(filters: AuditFilters = AuditFilters(), batch: int = 2000) -> Iterator[dict]:
    """The audit entries in chain order, each readable (who by name, the action and role in
    words) with the payload and hash kept exactly as stored, read in batches."""
    query = (select(AuditEntry, User.display_name, User.username)
             .outerjoin(User, User.id == AuditEntry.actor_id).order_by(AuditEntry.seq))
    if filters.action:
        query = query.where(AuditEntry.action.startswith(filters.action, autoescape=True))
    if filters.since:
        query = query.where(AuditEntry.ts_utc >= _utc_start(filters.since))
    if filters.until:
        query = query.where(AuditEntry.ts_utc < _utc_start(filters.until + timedelta(days=1)))
    for entry, name, username in db.session.execute(query.execution_options(yield_per=batch)):
        yield {
            "seq": entry.seq, "ts_utc": entry.ts_utc, "actor": name or "",
            "username": username or "",
            "role": _label(ROLE_LABELS.get(entry.actor_role, entry.actor_role)),
            "action": _label(audit_action_label(entry.action)), "action_key": entry.action,
            "object_type": entry.object_type, "object_id": entry.object_id,
            "payload": entry.payload, "hash": entry.hash,
        }
