"""SQLAlchemy models, one module per aggregate; importing this package registers them all."""

from grants.models.audit import AuditEntry, AuditHead
from grants.models.proposals import (
    Attachment,
    AttachmentBlob,
    BudgetLine,
    Notification,
    Proposal,
    ProposalVersion,
    proposal_need,
)
from grants.models.rounds import FundingRound, Need, NeedSupport
from grants.models.users import Community, LoginAttempt, Organisation, User, UserRole

__all__ = [
    "Attachment", "AttachmentBlob", "AuditEntry", "AuditHead", "BudgetLine", "Community",
    "FundingRound", "LoginAttempt", "Need", "NeedSupport", "Notification", "Organisation",
    "Proposal", "ProposalVersion", "User", "UserRole", "proposal_need",
]

# Judging and award models refer to the classes above, so they are registered last.
from grants.models import (  # noqa: E402,F401
    announcements,
    awards,
    documents,
    evaluations,
    expenses,
    followup,
    judging,
    lookalike,
    payments,
    ranking,
    security,
)
