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

# Areas added by later work register their models by being imported here.
import importlib.util as _util  # noqa: E402

for _name in ("grants.models.judging", "grants.models.awards"):
    if _util.find_spec(_name) is not None:
        __import__(_name)
