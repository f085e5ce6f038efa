"""Proposal queries: what a person may read, their own list, the status history and changes.

Nothing here writes. "Own" is the one :func:`~grants.domain.permissions.owns_proposal`: the
applicant or any member of the applying organisation.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from grants.domain.clock import now_utc
from grants.domain.errors import Refusal
from grants.domain.i18n import N_, tr
from grants.domain.lifecycles.proposal import PROPOSAL
from grants.domain.permissions import owns_proposal
from grants.domain.permissions import proposals as perms
from grants.domain.proposals import Change, diff_versions, submission_action
from grants.extensions import db
from grants.models import AuditEntry, FundingRound, Need, Proposal, ProposalVersion
from grants.services.proposals.inputs import SNAPSHOT_LABELS, ActivityInput
from grants.services.rounds import check_phase

TIMELINE_ACTIONS = ("create", "submit", "resubmit", "mark_eligible", "return",
                    "mark_ineligible", "withdraw", "recall")
"""The steps shown in a proposal's status history (saving a draft is not one)."""
TIMELINE_WORDING = {"resubmit": N_("修改后重新提交")}
"""Where the history words a step differently from the lifecycle's action label."""


def link_to(proposal_id: int) -> str:
    """The path of a proposal's page, for notifications (works outside a request too)."""
    return f"/proposals/{proposal_id}"


def deadline_of(proposal: Proposal) -> datetime:
    """When the window the proposal waits on closes: the return deadline once it was returned
    for changes, else the round's submission close (stored naive UTC)."""
    if submission_action(proposal.status) == "resubmit":
        return proposal.round.return_deadline
    return proposal.round.submit_close


def open_rounds(now: datetime | None = None) -> list[FundingRound]:
    """Rounds whose submission window is open at ``now``, newest first."""
    rounds = db.session.scalars(select(FundingRound).order_by(FundingRound.id.desc()))
    return [item for item in rounds if check_phase(item, "submit", now_utc(now)) is None]


def _not_found() -> Refusal:
    """The one answer for a proposal that does not exist or is not the reader's to see."""
    return Refusal(tr(perms.NOT_FOUND), status=404)


def get_visible(user, proposal_id: int) -> Proposal:
    """A proposal ``user`` may see, with its lines, needs and people loaded; else 404."""
    query = (
        select(Proposal)
        .where(Proposal.id == proposal_id)
        .options(selectinload(Proposal.lines), selectinload(Proposal.needs))
    )
    proposal = db.session.scalar(query)
    if proposal is None or not perms.can_view_proposal(user, proposal)[0]:
        raise _not_found()
    return proposal


def get_owned(user, proposal_id: int) -> Proposal:
    """A proposal ``user`` owns (applicant or organisation colleague); else 404."""
    proposal = db.session.get(Proposal, proposal_id)
    if proposal is None or not owns_proposal(user, proposal):
        raise _not_found()
    return proposal


def mine(user) -> list[Proposal]:
    """The proposals ``user`` owns, newest first, with their rounds: their own, and those of
    their organisation (the query form of ``owns_proposal``)."""
    owned = Proposal.applicant_id == user.id
    org_id = getattr(user, "organisation_id", None)
    if org_id is not None:
        owned = or_(owned, Proposal.organisation_id == org_id)
    query = (
        select(Proposal)
        .where(owned)
        .options(selectinload(Proposal.round))
        .order_by(Proposal.id.desc())
    )
    return list(db.session.scalars(query))


def round_needs(round_id: int) -> list[Need]:
    """Needs of a round a proposal may link to (not merged), most supported first."""
    query = (
        select(Need)
        .where(Need.round_id == round_id, Need.status != "merged")
        .order_by(Need.support_count.desc(), Need.id)
    )
    return list(db.session.scalars(query))


def timeline(proposal_id: int) -> list[tuple[AuditEntry, str]]:
    """The proposal's status history from the audit chain, oldest first, with labels."""
    labels = {
        PROPOSAL.audit_action(action): TIMELINE_WORDING.get(action, PROPOSAL.action_label(action))
        for action in TIMELINE_ACTIONS
    }
    query = (
        select(AuditEntry)
        .where(
            AuditEntry.object_type == PROPOSAL.name,
            AuditEntry.object_id == proposal_id,
            AuditEntry.action.in_(tuple(labels)),
        )
        .order_by(AuditEntry.seq)
    )
    return [(entry, labels[entry.action]) for entry in db.session.scalars(query)]


def _diff_view(snap: dict) -> dict:
    """A stored snapshot as :func:`diff_versions` compares it (activities as text)."""
    view = {key: value for key, value in snap.items() if key not in ("requested_fen", "version")}
    view["activities"] = [
        ActivityInput(**row).text() if isinstance(row, dict) else str(row)
        for row in snap.get("activities", ())
    ]
    return view


def version_changes(proposal_id: int) -> list[Change]:
    """What changed between the last two submitted versions (empty for a first submission)."""
    query = (
        select(ProposalVersion)
        .where(ProposalVersion.proposal_id == proposal_id)
        .order_by(ProposalVersion.version.desc())
        .limit(2)
    )
    versions = list(db.session.scalars(query))
    if len(versions) < 2:
        return []
    newer, older = versions
    changes = diff_versions(_diff_view(older.snapshot), _diff_view(newer.snapshot))
    return [
        dataclasses.replace(change, label=tr(SNAPSHOT_LABELS.get(change.field, change.label)))
        for change in changes
    ]
