"""SQLAlchemy models, one module per aggregate; importing this package registers them all."""

from grants.models.audit import AuditEntry, AuditHead
from grants.models.users import Community, LoginAttempt, Organisation, User, UserRole

__all__ = ["AuditEntry", "AuditHead", "Community", "LoginAttempt", "Organisation", "User", "UserRole"]
