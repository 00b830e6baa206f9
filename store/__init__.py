"""The database layer: schema and migrations, attempts, users and roles, the audit trail.

Domain functions take the database (or a session, to share one transaction) first and the
rest as keyword arguments; none of them imports streamlit.
"""

from store.access import Requester
from store.attempts import (
    AttemptFilter,
    AttemptRecord,
    AttemptSummary,
    CaseProgress,
    NewAttempt,
    Progress,
    Turn,
    count_attempts,
    get_attempt,
    list_attempts,
    progress,
    save_attempt,
    validate_attempt,
)
from store.audit import AuditRecord, list_audit, record_audit
from store.db import Database, normalise_url
from store.errors import AccessDenied, StoreError
from store.models import MODES, ROLES
from store.users import (
    UserRecord,
    count_users,
    create_user,
    get_user,
    get_user_by_username,
    list_users,
    set_disabled,
    set_password_hash,
    set_roles,
)

__all__ = [
    "MODES",
    "ROLES",
    "AccessDenied",
    "AttemptFilter",
    "AttemptRecord",
    "AttemptSummary",
    "AuditRecord",
    "CaseProgress",
    "Database",
    "NewAttempt",
    "Progress",
    "Requester",
    "StoreError",
    "Turn",
    "UserRecord",
    "count_attempts",
    "count_users",
    "create_user",
    "get_attempt",
    "get_user",
    "get_user_by_username",
    "list_attempts",
    "list_audit",
    "list_users",
    "normalise_url",
    "progress",
    "record_audit",
    "save_attempt",
    "set_disabled",
    "set_password_hash",
    "set_roles",
    "validate_attempt",
]
