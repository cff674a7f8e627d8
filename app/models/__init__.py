"""The database model. Importing this package registers every table on `db.metadata`."""

from app.models.definitions import Definition, DefinitionKind, DefinitionStatus
from app.models.inbox import Notice, NotificationPreference, TaskNote, TeamSla  # noqa: F401
from app.models.instances import (
    CaseCounter,
    FlowInstance,
    Incident,
    InstanceEvent,
    MessageWait,
    OutboxEntry,
    Task,
    Timer,
)
from app.models.mail import MailMessage, MailStatus
from app.models.platform import AuditEntry, ConnectorCredential
from app.models.ratelimit import RateLimitCounter
from app.models.records import StoredFile, Submission
from app.models.types import utcnow
from app.models.users import ApiToken, Membership, SystemFlag, SystemRole, Team, User, UserRole
from app.reports.tables import ReportCursor, ReportDelivery  # noqa: F401
from app.sandbox.models import SandboxRecord  # noqa: F401

__all__ = [
    "ApiToken",
    "AuditEntry",
    "CaseCounter",
    "ConnectorCredential",
    "Definition",
    "DefinitionKind",
    "DefinitionStatus",
    "FlowInstance",
    "Incident",
    "InstanceEvent",
    "MailMessage",
    "MailStatus",
    "Membership",
    "MessageWait",
    "OutboxEntry",
    "RateLimitCounter",
    "StoredFile",
    "Submission",
    "SystemFlag",
    "SystemRole",
    "Task",
    "Team",
    "Timer",
    "User",
    "UserRole",
    "utcnow",
]
