"""The case log: casussen, their four-eyes review, the accounts, and the audit trail.

The public API, imported from here: CaseLog and UnitOfWork (log.py), the vocabulary, the Dutch
errors and the read models (model.py). The tables, the engine and the audit chain's functions live
in schema.py and audit.py, for the migrations, the back-up and the tests that need them."""

from assistant.cases.audit import event_hash, event_mac, head_payload, key_the_chain
from assistant.cases.log import CaseLog, UnitOfWork
from assistant.cases.model import (
    AI_STANCES,
    ALL_CASES_ROLES,
    EDITABLE,
    KNELPUNT_OWNERS,
    KNELPUNT_STATUSES,
    MOTIVERING_SECTIONS,
    REVIEWER_ROLES,
    ROLES,
    SOLUTION_TYPES,
    STATUSES,
    UITKOMSTEN,
    Case,
    CaseError,
    CaseNotFound,
    ConcurrentChange,
    DatabaseUnavailable,
    InvalidTransition,
    LoginRefused,
    PermissionDenied,
    User,
    canonical_json,
    motivering_gaps,
)
from assistant.cases.schema import CONNECTION_LOST_MSG, MIGRATIONS_LOCATION, Base, CaseRow, make_engine, upgrade

__all__ = [
    "AI_STANCES", "ALL_CASES_ROLES", "EDITABLE", "KNELPUNT_OWNERS", "KNELPUNT_STATUSES", "MOTIVERING_SECTIONS",
    "REVIEWER_ROLES", "ROLES", "SOLUTION_TYPES", "STATUSES", "UITKOMSTEN", "Case", "CaseError", "CaseLog",
    "CaseNotFound", "ConcurrentChange", "DatabaseUnavailable", "InvalidTransition", "LoginRefused",
    "PermissionDenied", "UnitOfWork", "User", "motivering_gaps", "canonical_json", "event_hash", "event_mac",
    "head_payload", "key_the_chain", "CONNECTION_LOST_MSG", "MIGRATIONS_LOCATION", "Base", "CaseRow",
    "make_engine", "upgrade",
]
