"""The case log: casussen, their four-eyes review workflow, the AI answer frozen with each case,
and a hash-chained, append-only audit trail. The only module that imports sqlalchemy/alembic.

Nothing personal is stored: every free-text field (also knelpunt fields, comments, feedback
and the text inside an attached AI answer) passes through the Pseudonymiser, with one
PlaceholderMap per case, before it reaches a table. The map itself is never stored.

Storage is SQLite by default (WAL, busy_timeout, foreign keys; write transactions begin with
BEGIN IMMEDIATE so threads and processes queue instead of failing half-way) and PostgreSQL via
MAATWERK_DATABASE_URL; the code is dialect-neutral (row locks with SELECT ... FOR UPDATE where
the dialect has them, a version column for optimistic locking everywhere).
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import hmac
import io
import json
import re
import secrets
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping

from alembic import command as alembic_command
from alembic.config import Config as AlembicConfig
from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Engine,
    ForeignKey,
    Integer,
    String,
    Text,
    create_engine,
    delete,
    event,
    func,
    select,
)
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import make_url
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship
from sqlalchemy.orm.exc import StaleDataError

from assistant.documents import DOMAINS
from assistant.integrity import KEY_FILE, AuditKey, KeyProblem, create_private_file, private_dir, private_file
from assistant.privacy import PLACEHOLDER_RE, KINDS, PlaceholderMap, Pseudonymiser, contains_personal_data

# --------------------------------------------------------------------------- vocabulary

ROLES = ("professional", "kwaliteit", "jurist", "beheerder")
REVIEWER_ROLES = ("kwaliteit", "beheerder")  # four-eyes review
ALL_CASES_ROLES = ("kwaliteit", "jurist", "beheerder")  # see (and export) every case
STATUSES = ("concept", "ingediend", "goedgekeurd", "teruggestuurd", "afgewezen")
EDITABLE = ("concept", "teruggestuurd")
UITKOMSTEN = ("afgeweken", "gedeeltelijk", "niet afgeweken")
AI_STANCES = ("overgenomen", "aangepast", "niet gevolgd")
SOLUTION_TYPES = ("wet", "verordening", "beleidsregel", "werkinstructie", "uitvoering")
KNELPUNT_OWNERS = ("gemeente", "rijk")
KNELPUNT_STATUSES = ("open", "opgelost", "in nieuw beleid", "vraagt afstemming", "vraagt budget")
REVIEW_ACTIONS = {"approve": "goedgekeurd", "return": "teruggestuurd", "reject": "afgewezen"}
MIN_RETENTION_DAYS = 183
GENESIS_HASH = "0" * 64
SYSTEM_ACTOR = "systeem"

# Free-text fields: pseudonymised before storage.
TEXT_FIELDS = (
    "situation", "question", "motivering", "ai_stance_reason", "knelpunt_description",
    "knelpunt_consequences", "knelpunt_solution",
)
# Structured fields whose strings are pseudonymised too (citations may quote case text).
JSON_FIELDS = ("rules", "afwijkingsruimte", "precedents")
CHOICE_FIELDS = {
    "uitkomst": UITKOMSTEN,
    "ai_stance": AI_STANCES,
    "knelpunt_solution_type": SOLUTION_TYPES,
    "knelpunt_owner": KNELPUNT_OWNERS,
    "knelpunt_status": KNELPUNT_STATUSES,
}
EDITABLE_FIELDS = frozenset(TEXT_FIELDS + JSON_FIELDS + tuple(CHOICE_FIELDS) + ("team", "domain", "peildatum", "knelpunt"))


# --------------------------------------------------------------------------- errors


# ---- an unfinished motivering ------------------------------------------------------------------

# The sections of the assistant's concept-motivering, saved as "Kop:\ntekst" blocks (ui/pages/vraag.py).
MOTIVERING_SECTIONS = ("Regel en versie", "Doel van de regel", "Bijzondere omstandigheden",
                       "Gevolgen voor de inwoner", "Belangenafweging", "Vergelijkbare besluiten", "Conclusie")
# A motivering built on the concept needs these filled before it goes to review.
REQUIRED_SECTIONS = ("Regel en versie", "Bijzondere omstandigheden", "Belangenafweging", "Conclusie")
# What the concept leaves for the professional (assistant/answers.py writes them), with what to do.
UNFINISHED_MARKERS = (
    ("[in te vullen", "bevat nog '[in te vullen door de professional]'"),
    ("Oordeel van de professional: ...", "bevat nog 'Oordeel van de professional: ...'; vul uw oordeel in"),
    ("Kies een van beide conclusies", "bevat nog beide conclusies; houd er één over (A of B)"),
)
_SECTION_HEAD = re.compile(r"^(%s):[ \t]*$" % "|".join(re.escape(k) for k in MOTIVERING_SECTIONS), re.M)


def motivering_sections(text: str) -> list[tuple[str | None, str]]:
    """(kop, tekst) per section of a motivering; kop None for text before the first known heading
    (or for a motivering written freely, without the concept's headings)."""
    text = text or ""
    heads = list(_SECTION_HEAD.finditer(text))
    out: list[tuple[str | None, str]] = []
    if not heads or text[:heads[0].start()].strip():
        out.append((None, text[:heads[0].start()] if heads else text))
    for i, m in enumerate(heads):
        end = heads[i + 1].start() if i + 1 < len(heads) else len(text)
        out.append((m.group(1), text[m.end():end].strip()))
    return out


def motivering_gaps(text: str | None) -> list[str]:
    """What is still unfinished in a motivering, in Dutch, naming the section: placeholders of
    the concept, and (when the concept's headings are used) required sections left empty."""
    sections = motivering_sections(text or "")
    gaps: list[str] = []
    for kop, body in sections:
        where = f"sectie '{kop}'" if kop else "de motivering"
        for marker, what in UNFINISHED_MARKERS:
            if marker in body:
                gaps.append(f"{where} {what}")
    present = {kop: body for kop, body in sections if kop}
    if present:
        for kop in REQUIRED_SECTIONS:
            if kop not in present:
                gaps.append(f"sectie '{kop}' ontbreekt")
            elif not present[kop].strip():
                gaps.append(f"sectie '{kop}' is leeg")
    return gaps


class CaseError(Exception):
    """A problem a user can cause or fix; the message is Dutch and safe to show."""


class PermissionDenied(CaseError):
    """The user's role (or ownership) does not allow this."""


class InvalidTransition(CaseError):
    """The workflow does not allow this step from the case's current status."""


class ConcurrentChange(CaseError):
    """Someone else changed the case first (optimistic locking)."""


class CaseNotFound(CaseError):
    pass


class LoginRefused(CaseError):
    """Wrong name or password, or a name locked after too many wrong passwords."""


class DatabaseUnavailable(CaseError):
    """The database is busy, read-only, full or unreachable; nothing was stored."""


# --------------------------------------------------------------------------- ORM


def _now() -> dt.datetime:
    # Naive UTC: stored identically by SQLite and PostgreSQL "timestamp", so hashes round-trip.
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


class Base(DeclarativeBase):
    pass


class UserRow(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    team: Mapped[str | None] = mapped_column(String(100))
    password_hash: Mapped[str | None] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)
    created_by: Mapped[str | None] = mapped_column(String(64))
    token_hash: Mapped[str | None] = mapped_column(String(64))
    token_created_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    oidc_issuer: Mapped[str | None] = mapped_column(String(300))
    oidc_subject: Mapped[str | None] = mapped_column(String(255))


class LoginFailureRow(Base):
    """Failed logins per name tried (whether or not the user exists), for throttling and lockout."""

    __tablename__ = "login_failures"
    username: Mapped[str] = mapped_column(String(200), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer)
    lockouts: Mapped[int] = mapped_column(Integer)
    last_failed_at: Mapped[dt.datetime] = mapped_column(DateTime)
    locked_until: Mapped[dt.datetime | None] = mapped_column(DateTime)


class CaseRow(Base):
    __tablename__ = "cases"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20), default="concept")
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    team: Mapped[str | None] = mapped_column(String(100))
    domain: Mapped[str | None] = mapped_column(String(40))
    peildatum: Mapped[dt.date] = mapped_column(Date)
    situation: Mapped[str | None] = mapped_column(Text)
    question: Mapped[str] = mapped_column(Text)
    rules: Mapped[list] = mapped_column(JSON, default=list)
    afwijkingsruimte: Mapped[Any] = mapped_column(JSON, nullable=True)
    uitkomst: Mapped[str | None] = mapped_column(String(20))
    motivering: Mapped[str | None] = mapped_column(Text)
    precedents: Mapped[list] = mapped_column(JSON, default=list)
    ai_stance: Mapped[str | None] = mapped_column(String(20))
    ai_stance_reason: Mapped[str | None] = mapped_column(Text)
    knelpunt: Mapped[bool] = mapped_column(Boolean, default=False)
    knelpunt_description: Mapped[str | None] = mapped_column(Text)
    knelpunt_consequences: Mapped[str | None] = mapped_column(Text)
    knelpunt_solution: Mapped[str | None] = mapped_column(Text)
    knelpunt_solution_type: Mapped[str | None] = mapped_column(String(20))
    knelpunt_owner: Mapped[str | None] = mapped_column(String(20))
    knelpunt_status: Mapped[str | None] = mapped_column(String(30))
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)
    submitted_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    reviewed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)

    author: Mapped[UserRow] = relationship(foreign_keys=[author_id], lazy="joined")
    reviewer: Mapped[UserRow | None] = relationship(foreign_keys=[reviewer_id], lazy="joined")
    ai_answers: Mapped[list[AIAnswerRow]] = relationship(
        order_by="AIAnswerRow.answer_no", cascade="all, delete-orphan", passive_deletes=True, lazy="selectin"
    )
    comments: Mapped[list[CommentRow]] = relationship(
        order_by="CommentRow.id", cascade="all, delete-orphan", passive_deletes=True, lazy="selectin"
    )
    feedback: Mapped[list[FeedbackRow]] = relationship(
        order_by="FeedbackRow.id", cascade="all, delete-orphan", passive_deletes=True, lazy="selectin"
    )

    # Every UPDATE carries "WHERE version = <read version>": a stale writer gets StaleDataError.
    __mapper_args__ = {"version_id_col": version}


class AIAnswerRow(Base):
    __tablename__ = "ai_answers"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    answer_no: Mapped[int] = mapped_column(Integer)
    answer_json: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    attached_by: Mapped[str] = mapped_column(String(64))
    attached_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)


class CommentRow(Base):
    __tablename__ = "case_comments"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    author: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)


class FeedbackRow(Base):
    __tablename__ = "feedback"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    answer_no: Mapped[int | None] = mapped_column(Integer)
    username: Mapped[str] = mapped_column(String(64))
    rating: Mapped[str] = mapped_column(String(4))
    reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)


class AuditEventRow(Base):
    __tablename__ = "audit_events"
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    occurred_at: Mapped[dt.datetime] = mapped_column(DateTime)
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(40))
    case_id: Mapped[int | None] = mapped_column(Integer)
    # Canonical JSON text, not a JSON column: PostgreSQL would re-serialise JSON and break hashes.
    before_json: Mapped[str] = mapped_column(Text)
    after_json: Mapped[str] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditHeadRow(Base):
    __tablename__ = "audit_head"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last_seq: Mapped[int] = mapped_column(Integer)
    last_hash: Mapped[str] = mapped_column(String(64))
    event_count: Mapped[int] = mapped_column(Integer)
    anchor_seq: Mapped[int] = mapped_column(Integer)
    anchor_hash: Mapped[str] = mapped_column(String(64))
    # Keyed chain (0003): which key (its public id), the first seq under the keyed rule (older
    # events keep the unkeyed v1 rule), and a MAC over this row so the head cannot be moved back.
    key_id: Mapped[str | None] = mapped_column(String(32))
    keyed_from: Mapped[int | None] = mapped_column(Integer)
    mac: Mapped[str | None] = mapped_column(String(64))


# --------------------------------------------------------------------------- read models


@dataclass(frozen=True)
class User:
    username: str
    display_name: str
    role: str
    team: str | None
    has_password: bool
    active: bool
    created_by: str | None = None  # the beheerder who created the account (None: the system)
    has_token: bool = False
    oidc: bool = False  # bound to an OIDC issuer + subject


@dataclass(frozen=True)
class Comment:
    author: str
    kind: str  # "teruggestuurd", "afgewezen", "goedgekeurd"
    text: str
    created_at: dt.datetime


@dataclass(frozen=True)
class AIAnswer:
    answer_no: int
    answer: dict  # Answer.to_dict() as attached, pseudonymised, frozen
    sha256: str  # over the canonical JSON that is stored
    attached_by: str
    attached_at: dt.datetime


@dataclass(frozen=True)
class Feedback:
    username: str
    rating: str  # "up" | "down"
    reason: str | None
    answer_no: int | None
    created_at: dt.datetime


@dataclass(frozen=True)
class Case:
    """One casus as the UI and the knelpuntenrapportage read it. Every text is pseudonymised.

    Fields for reports: ``rules`` is a list of {"citation", "version"} dicts (version: the
    valid_from or version label of the rule text used); ``knelpunt`` tells whether the rule
    pinches, with ``knelpunt_description`` (omschrijving), ``knelpunt_consequences`` (gevolgen
    voor inwoners), ``knelpunt_solution`` (oplossingsrichting), ``knelpunt_solution_type``
    (SOLUTION_TYPES), ``knelpunt_owner`` ("gemeente" | "rijk") and ``knelpunt_status``
    (KNELPUNT_STATUSES). ``uitkomst`` is UITKOMSTEN; ``reviewed_at`` is when the case was
    approved (for approved cases). ``ai_trace`` is the last attached AI answer dict (or None).
    """

    id: int
    version: int
    status: str
    author: str
    author_name: str
    team: str | None
    domain: str | None
    peildatum: dt.date
    situation: str | None
    question: str
    rules: list
    afwijkingsruimte: Any
    uitkomst: str | None
    motivering: str | None
    precedents: list
    ai_stance: str | None
    ai_stance_reason: str | None
    knelpunt: bool
    knelpunt_description: str | None
    knelpunt_consequences: str | None
    knelpunt_solution: str | None
    knelpunt_solution_type: str | None
    knelpunt_owner: str | None
    knelpunt_status: str | None
    reviewer: str | None
    created_at: dt.datetime
    updated_at: dt.datetime
    submitted_at: dt.datetime | None
    reviewed_at: dt.datetime | None
    ai_answers: list[AIAnswer] = field(default_factory=list)
    comments: list[Comment] = field(default_factory=list)
    feedback: list[Feedback] = field(default_factory=list)

    @property
    def ai_trace(self) -> dict | None:
        return self.ai_answers[-1].answer if self.ai_answers else None

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["ai_trace"] = self.ai_trace
        return json.loads(json.dumps(d, default=_json_default))


class AuditCheck(tuple):
    """(ok, n, first_bad) from verify_audit(); .reason says what is wrong (Dutch), .head the chain
    head (the MAC of the last event), .head_seq its seq, .problems every case-row mismatch found,
    .cases how many case rows were checked against their audit events."""

    def __new__(cls, ok: bool, n: int, first_bad: int | None, reason: str = "", head: str = "",
                head_seq: int = 0, problems: list[str] | None = None, cases: int = 0, key_id: str = ""):
        self = super().__new__(cls, (ok, n, first_bad))
        self.reason = reason
        self.head = head
        self.head_seq = head_seq
        self.problems = problems or []
        self.cases = cases
        self.key_id = key_id
        return self

    ok = property(lambda self: self[0])
    n = property(lambda self: self[1])
    first_bad = property(lambda self: self[2])


# --------------------------------------------------------------------------- engine + migrations

# Alembic finds the migrations as package resources ("package:folder"), in a checkout and a wheel.
MIGRATIONS_LOCATION = "assistant:migrations"


def make_engine(url: str, busy_timeout_ms: int = 5000) -> Engine:
    """An engine with the settings the case log needs. SQLite: WAL, busy_timeout, foreign keys,
    and write transactions that start with BEGIN IMMEDIATE (see CaseLog._write)."""
    parsed = make_url(url)
    if not parsed.get_backend_name() == "sqlite":
        return create_engine(url, pool_pre_ping=True)
    database = parsed.database or ""
    read_only = parsed.query.get("mode") == "ro"
    if database and database != ":memory:" and not database.startswith("file:"):
        # The log is personal-data adjacent: its directory 0700 when created here, the file 0600
        # (SQLite gives its -wal and -shm files the mode of the database file).
        private_dir(Path(database).parent)
        create_private_file(Path(database))
        for suffix in ("-wal", "-shm"):
            private_file(Path(database + suffix))
    engine = create_engine(url, connect_args={"timeout": busy_timeout_ms / 1000, "check_same_thread": False})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record) -> None:
        # We emit BEGIN ourselves (pysqlite's implicit transactions are not SERIALIZABLE-safe).
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        cur.execute("PRAGMA foreign_keys = ON")
        if not read_only:
            cur.execute("PRAGMA journal_mode = WAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn) -> None:
        # A write transaction takes the write lock up front, so two writers queue on
        # busy_timeout instead of one failing when it upgrades a read lock (SQLITE_BUSY).
        immediate = conn.get_execution_options().get("maatwerk_write", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


def upgrade(engine: Engine, audit_key: AuditKey | None = None) -> None:
    """Run the Alembic migrations up to head, in one (write-locked) transaction. The audit key is
    needed by 0003, which keys the chain (and creates the key file for a new log)."""
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", MIGRATIONS_LOCATION)
    cfg.attributes["audit_key"] = audit_key
    with _db_errors():
        with engine.execution_options(maatwerk_write=True).begin() as conn:
            cfg.attributes["connection"] = conn
            alembic_command.upgrade(cfg, "head")


# --------------------------------------------------------------------------- helpers


def _json_default(value: Any) -> Any:
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, (set, tuple)):
        return list(value)
    if hasattr(value, "to_dict"):
        return value.to_dict()
    return str(value)


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_json_default)


def _event_payload(version: int, seq: int, occurred_at: dt.datetime, actor: str, action: str,
                   case_id: int | None, before_json: str, after_json: str, prev_hash: str) -> bytes:
    payload = {
        "v": version, "seq": seq, "occurred_at": occurred_at.isoformat(timespec="microseconds"),
        "actor": actor, "action": action, "case_id": case_id,
        "before": before_json, "after": after_json, "prev_hash": prev_hash,
    }
    return canonical_json(payload).encode("utf-8")


def event_hash(seq: int, occurred_at: dt.datetime, actor: str, action: str, case_id: int | None,
               before_json: str, after_json: str, prev_hash: str) -> str:
    """SHA-256 over the canonical serialisation of one audit event: the unkeyed v1 rule, still
    used to verify events older than the switch-over to the keyed chain (head.keyed_from)."""
    return hashlib.sha256(_event_payload(1, seq, occurred_at, actor, action, case_id, before_json, after_json,
                                         prev_hash)).hexdigest()


def event_mac(key: AuditKey, seq: int, occurred_at: dt.datetime, actor: str, action: str, case_id: int | None,
              before_json: str, after_json: str, prev_hash: str) -> str:
    """HMAC-SHA256 with the audit key over one audit event (v2): without the key nobody can
    recompute it after an edit."""
    return key.mac(_event_payload(2, seq, occurred_at, actor, action, case_id, before_json, after_json, prev_hash))


def head_payload(head: Any) -> bytes:
    """What the head MAC covers: moving the head back (deleting the tail and updating the head
    row), moving the anchor or the switch-over point all change it."""
    return canonical_json({
        "v": 2, "head": 1, "last_seq": head.last_seq, "last_hash": head.last_hash, "event_count": head.event_count,
        "anchor_seq": head.anchor_seq, "anchor_hash": head.anchor_hash, "key_id": head.key_id,
        "keyed_from": head.keyed_from,
    }).encode("utf-8")


KEYED_ACTION = "audit.keyed"


@dataclass
class _Walk:
    """The result of walking the stored events from the anchor (see walk_chain)."""

    ok: bool = True
    n: int = 0
    first_bad: int | None = None
    reason: str = ""
    last_seq: int = 0
    last_hash: str = GENESIS_HASH
    last_purge: dict | None = None


def walk_chain(events, anchor_seq: int, anchor_hash: str, keyed_from: int | None, key: AuditKey | None,
               on_event: Callable[[Any], None] | None = None) -> _Walk:
    """Check contiguous seqs from the anchor, each prev_hash = the previous event's hash, and each
    hash recomputed: events before keyed_from with the unkeyed v1 rule, the rest with the key.
    The event at keyed_from (after a legacy part) must be the recorded switch-over, naming the
    legacy part's last hash, so the old part cannot be rewritten either."""
    w = _Walk(last_seq=anchor_seq - 1, last_hash=anchor_hash)
    expected_seq, prev = anchor_seq, anchor_hash
    for e in events:
        if e.seq != expected_seq:
            w.ok, w.first_bad = False, min(e.seq, expected_seq)
            w.reason = (f"gebeurtenis {expected_seq} ontbreekt (verwijderd)" if e.seq > expected_seq
                        else f"gebeurtenis {e.seq} staat vóór het anker of dubbel")
            return w
        if e.prev_hash != prev:
            w.ok, w.first_bad, w.reason = False, e.seq, f"gebeurtenis {e.seq} verwijst niet naar de vorige gebeurtenis"
            return w
        keyed = keyed_from is not None and e.seq >= keyed_from
        if keyed:
            digest = event_mac(key, e.seq, e.occurred_at, e.actor, e.action, e.case_id, e.before_json,
                               e.after_json, e.prev_hash)
        else:
            digest = event_hash(e.seq, e.occurred_at, e.actor, e.action, e.case_id, e.before_json, e.after_json,
                                e.prev_hash)
        if digest != e.hash:
            w.ok, w.first_bad = False, e.seq
            w.reason = (f"gebeurtenis {e.seq} is na het vastleggen gewijzigd" + (" (de sleutel-MAC klopt niet)" if keyed else ""))
            return w
        if keyed and e.seq == keyed_from and keyed_from > 1:
            after = json.loads(e.after_json)
            if e.action != KEYED_ACTION or after.get("legacy_last_seq") != e.seq - 1 or after.get("legacy_last_hash") != e.prev_hash:
                w.ok, w.first_bad = False, e.seq
                w.reason = f"gebeurtenis {e.seq} had de vastgelegde overgang naar de sleutelketen moeten zijn"
                return w
        if e.action == "audit.purged":
            w.last_purge = json.loads(e.after_json)
        if on_event is not None:
            on_event(e)
        prev, expected_seq, w.n = e.hash, expected_seq + 1, w.n + 1
        w.last_seq, w.last_hash = e.seq, e.hash
    return w


def key_the_chain(conn, key: AuditKey | None, now: dt.datetime | None = None) -> None:
    """Migration 0003: switch the audit trail to the keyed chain, once. A new log just gets a keyed
    head (and its key file is created: first use). An existing log keeps its unkeyed events,
    which stay verifiable with the v1 rule; one keyed event "audit.keyed" records the legacy
    part's last seq, hash and count (and whether it verified), so from here on nothing before
    it can be rewritten either. Refuses to key a log a second time (a switch-over event in it
    means someone removed the keying)."""
    heads, events = AuditHeadRow.__table__, AuditEventRow.__table__
    head = conn.execute(select(heads).where(heads.c.id == 1)).one()
    if head.key_id is not None:
        return
    if key is None:
        raise CaseError("Voor het bijwerken van de audittrail is de auditsleutel nodig (MAATWERK_AUDIT_KEY of "
                        "audit.key in de datamap).")
    try:
        key.load(create=True)
        key_id = key.key_id
    except KeyProblem as exc:
        raise CaseError(str(exc)) from exc
    values = {"last_seq": head.last_seq, "last_hash": head.last_hash, "event_count": head.event_count,
              "anchor_seq": head.anchor_seq, "anchor_hash": head.anchor_hash, "key_id": key_id}
    if head.last_seq == 0:
        values["keyed_from"] = 1
    else:
        if conn.execute(select(events.c.seq).where(events.c.action == KEYED_ACTION).limit(1)).first():
            raise CaseError("De audittrail was al met een sleutel beveiligd, maar die beveiliging is uit de database "
                            "gehaald; de audittrail is gemanipuleerd. Herstel een back-up en draai `maatwerk audit verify`.")
        legacy = walk_chain(conn.execute(select(events).order_by(events.c.seq)), head.anchor_seq, head.anchor_hash,
                            None, None)
        seq = head.last_seq + 1
        occurred_at = now or _now()
        after = {"rule": "hmac-sha256", "key_id": key_id, "legacy_last_seq": head.last_seq,
                 "legacy_last_hash": head.last_hash, "legacy_events": head.event_count,
                 "legacy_verified": legacy.ok and legacy.last_seq == head.last_seq and legacy.last_hash == head.last_hash,
                 "legacy_reason": legacy.reason}
        before_json, after_json = canonical_json({}), canonical_json(after)
        mac = event_mac(key, seq, occurred_at, SYSTEM_ACTOR, KEYED_ACTION, None, before_json, after_json, head.last_hash)
        conn.execute(events.insert().values(seq=seq, occurred_at=occurred_at, actor=SYSTEM_ACTOR, action=KEYED_ACTION,
                                            case_id=None, before_json=before_json, after_json=after_json,
                                            prev_hash=head.last_hash, hash=mac))
        values.update(last_seq=seq, last_hash=mac, event_count=head.event_count + 1, keyed_from=seq)
    values["mac"] = key.mac(head_payload(_Head(**values)))
    conn.execute(heads.update().where(heads.c.id == 1).values(**values))


@dataclass
class _Head:
    last_seq: int
    last_hash: str
    event_count: int
    anchor_seq: int
    anchor_hash: str
    key_id: str | None
    keyed_from: int | None = None


# A database server (PostgreSQL) that is stopped, restarting or out of reach. The pool pings
# connections before use (pool_pre_ping), so the first call after a restart works again.
CONNECTION_LOST = (
    "connection refused", "connection failed", "could not connect", "server closed the connection",
    "terminating connection", "the database system is", "connection is closed", "no connection to the server",
    "connection timeout", "connection timed out", "connection reset", "connection not open",
)
CONNECTION_LOST_MSG = (
    "De databaseserver is niet bereikbaar (gestopt, aan het herstarten of een netwerkstoring). Probeer het "
    "opnieuw zodra hij weer draait. Een wijziging wordt in zijn geheel of helemaal niet opgeslagen; "
    "controleer daarna of uw laatste wijziging er staat."
)


@contextmanager
def _db_errors() -> Iterator[None]:
    """Translate database failures into one Dutch message; the transaction is rolled back."""
    try:
        yield
    except StaleDataError as exc:
        raise ConcurrentChange(
            "De casus is intussen door iemand anders gewijzigd; open hem opnieuw en probeer het nog eens."
        ) from exc
    except sa_exc.OperationalError as exc:
        text = str(exc.orig if exc.orig is not None else exc).lower()
        if exc.connection_invalidated or any(s in text for s in CONNECTION_LOST):
            msg = CONNECTION_LOST_MSG
        elif "locked" in text or "busy" in text:
            msg = "De database is bezet door een andere gebruiker of proces; probeer het zo opnieuw. Er is niets opgeslagen."
        elif "readonly" in text or "read-only" in text or "read only" in text:
            msg = "De database is alleen-lezen (controleer de rechten op de datamap); er is niets opgeslagen."
        elif "full" in text or "disk" in text:
            msg = "De database of schijf is vol; maak ruimte vrij. Er is niets opgeslagen."
        elif "unable to open" in text:
            msg = "De database kan niet worden geopend (bestaat de map en is hij schrijfbaar?)."
        else:
            msg = f"De database gaf een fout; er is niets opgeslagen ({type(exc.orig).__name__})."
        raise DatabaseUnavailable(msg) from exc
    except sa_exc.DBAPIError as exc:
        text = str(exc.orig if exc.orig is not None else exc).lower()
        if exc.connection_invalidated or any(s in text for s in CONNECTION_LOST):
            raise DatabaseUnavailable(CONNECTION_LOST_MSG) from exc
        raise DatabaseUnavailable(
            f"De database gaf een fout; er is niets opgeslagen ({type(exc.orig).__name__})."
        ) from exc


def _user_model(row: UserRow) -> User:
    return User(row.username, row.display_name, row.role, row.team, row.password_hash is not None, row.active,
                created_by=row.created_by, has_token=row.token_hash is not None,
                oidc=row.oidc_subject is not None)


def _case_model(row: CaseRow) -> Case:
    return Case(
        id=row.id, version=row.version, status=row.status, author=row.author.username,
        author_name=row.author.display_name, team=row.team, domain=row.domain, peildatum=row.peildatum,
        situation=row.situation, question=row.question, rules=list(row.rules or []),
        afwijkingsruimte=row.afwijkingsruimte, uitkomst=row.uitkomst, motivering=row.motivering,
        precedents=list(row.precedents or []), ai_stance=row.ai_stance, ai_stance_reason=row.ai_stance_reason,
        knelpunt=bool(row.knelpunt), knelpunt_description=row.knelpunt_description,
        knelpunt_consequences=row.knelpunt_consequences, knelpunt_solution=row.knelpunt_solution,
        knelpunt_solution_type=row.knelpunt_solution_type, knelpunt_owner=row.knelpunt_owner,
        knelpunt_status=row.knelpunt_status, reviewer=row.reviewer.username if row.reviewer else None,
        created_at=row.created_at, updated_at=row.updated_at, submitted_at=row.submitted_at,
        reviewed_at=row.reviewed_at,
        ai_answers=[AIAnswer(a.answer_no, json.loads(a.answer_json), a.sha256, a.attached_by, a.attached_at)
                    for a in row.ai_answers],
        comments=[Comment(c.author, c.kind, c.text, c.created_at) for c in row.comments],
        feedback=[Feedback(f.username, f.rating, f.reason, f.answer_no, f.created_at) for f in row.feedback],
    )


def _snapshot(row: CaseRow) -> dict[str, Any]:
    """The case's own fields (pseudonymised already) for audit before/after."""
    out = {name: getattr(row, name) for name in sorted(EDITABLE_FIELDS)}
    out["status"] = row.status
    out["version"] = row.version
    return json.loads(canonical_json(out))


def _diff(before: dict, after: dict) -> tuple[dict, dict]:
    keys = [k for k in after if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys}, {k: after[k] for k in keys}


def default_audit_key(engine: Engine) -> AuditKey:
    """The audit key when the caller gives none: for a SQLite file the key file next to it (the
    data directory by default, as AuditKey.from_settings); a throw-away key for an in-memory
    database. A database server needs the key from the settings (entry points pass it)."""
    url = engine.url
    if url.get_backend_name() == "sqlite":
        database = url.database or ""
        if database.startswith("file:"):
            database = database[len("file:"):].split("?", 1)[0]
        if database and database != ":memory:" and "mode=memory" not in str(url):
            return AuditKey(Path(database).resolve().parent / KEY_FILE)
        return AuditKey.ephemeral()
    raise CaseError("Voor een databaseserver is een auditsleutel nodig: stel MAATWERK_AUDIT_KEY in of laat de "
                    "app het bestand audit.key in de datamap gebruiken.")


_REVIEW_EVENTS = {f"case.{status}" for status in REVIEW_ACTIONS.values()}
# Case-row fields the events record; version is left out (attaching an AI answer raises it
# without recording it, and a version number alone changes nothing a report shows).
_REPLAYED_FIELDS = frozenset(EDITABLE_FIELDS) | {"status"}
# A case's own timestamps are taken a moment before its event's (same transaction); more than
# this apart means the row was changed afterwards (e.g. reviewed_at moved into another report period).
_TIME_SLACK = dt.timedelta(minutes=5)
_TIME_NAMES = {"created_at": "aanmaakdatum", "submitted_at": "indiendatum", "reviewed_at": "beoordelingsdatum"}


def _short(value: Any, limit: int = 60) -> str:
    text = canonical_json(value) if not isinstance(value, str) else value
    return text if len(text) <= limit else text[:limit - 1] + "…"


class _CaseReplay:
    """What the audit events say each row of `cases` must hold: replayed while the chain is
    walked, then compared with the table (verify_audit). A row edited, inserted or deleted with
    SQL, past the application, no longer matches its events."""

    def __init__(self, complete: bool):
        # complete: the chain starts at genesis (nothing purged), so every case must have its
        # case.created event; after a purge, old cases are checked on what their kept events say.
        self.complete = complete
        self.cases: dict[int, dict[str, Any]] = {}

    @staticmethod
    def _fresh() -> dict[str, Any]:
        return {"fields": {}, "created": False, "deleted": False, "author": None, "reviewer": None,
                "reviewed": False, "answers": {}, "comments": [], "feedback": [], "times": {}}

    def apply(self, e: Any) -> None:
        if e.case_id is None or not e.action.startswith("case."):
            return
        after = json.loads(e.after_json)
        if e.action == "case.created":
            st = self.cases[e.case_id] = self._fresh()
            st.update(created=True, author=e.actor)
            st["fields"].update(after)
            st["times"]["created_at"] = e.occurred_at
            return
        st = self.cases.setdefault(e.case_id, self._fresh())
        if e.action in ("case.updated", "case.submitted"):
            st["fields"].update(after)
            if e.action == "case.submitted":
                st["times"]["submitted_at"] = e.occurred_at
        elif e.action in _REVIEW_EVENTS:
            st["fields"].update({k: after[k] for k in ("status",) if k in after})
            st.update(reviewer=e.actor, reviewed=True)
            st["times"]["reviewed_at"] = e.occurred_at
            if after.get("comment") is not None:
                st["comments"].append((e.actor, after.get("status"), after["comment"]))
        elif e.action == "case.ai_attached":
            st["answers"][after.get("answer_no")] = after.get("sha256")
        elif e.action == "case.feedback":
            st["feedback"].append((e.actor, after.get("rating"), after.get("reason"), after.get("answer_no")))
        elif e.action == "case.deleted":
            st["deleted"] = True

    def compare(self, rows) -> tuple[int, list[str]]:
        problems: list[str] = []
        seen: set[int] = set()
        checked = 0
        edited = "; direct in de database gewijzigd"
        for row in rows:
            checked += 1
            seen.add(row.id)
            st = self.cases.get(row.id)
            if st is None:
                if self.complete:
                    problems.append(f"casus {row.id} staat in de tabel cases zonder aanmaakgebeurtenis in de "
                                    "audittrail (buiten de applicatie toegevoegd)")
                continue
            if st["deleted"]:
                problems.append(f"casus {row.id} is volgens de audittrail verwijderd maar staat nog in de tabel cases")
                continue
            snap = _snapshot(row)
            for name in sorted(st["fields"]):
                if name in _REPLAYED_FIELDS and snap.get(name) != st["fields"][name]:
                    problems.append(f"casus {row.id}: {name} is '{_short(snap.get(name))}', volgens de audittrail "
                                    f"'{_short(st['fields'][name])}'{edited}")
            for name, when in st["times"].items():
                stored = getattr(row, name)
                if stored is None or abs(stored - when) > _TIME_SLACK:
                    problems.append(f"casus {row.id}: {_TIME_NAMES[name]} is {stored.isoformat(sep=' ', timespec='seconds') if stored else '-'}, "
                                    f"volgens de audittrail {when.isoformat(sep=' ', timespec='seconds')}{edited}")
            reviewer = row.reviewer.username if row.reviewer else None
            if st["reviewed"] and reviewer != st["reviewer"]:
                problems.append(f"casus {row.id}: beoordelaar is '{reviewer}', volgens de audittrail "
                                f"'{st['reviewer']}'{edited}")
            if not st["created"]:
                continue  # its first events were purged: only what the kept events say is known
            if row.author.username != st["author"]:
                problems.append(f"casus {row.id}: auteur is '{row.author.username}', volgens de audittrail "
                                f"'{st['author']}'{edited}")
            if not st["reviewed"] and reviewer is not None:
                problems.append(f"casus {row.id}: heeft beoordelaar '{reviewer}' zonder beoordeling in de audittrail{edited}")
            stored = {a.answer_no: a for a in row.ai_answers}
            if set(stored) != set(st["answers"]):
                problems.append(f"casus {row.id}: AI-antwoorden {sorted(stored)} in de tabel, volgens de audittrail "
                                f"{sorted(st['answers'])}{edited}")
            for no, a in stored.items():
                digest = hashlib.sha256(a.answer_json.encode("utf-8")).hexdigest()
                if no in st["answers"] and not (digest == a.sha256 == st["answers"][no]):
                    problems.append(f"casus {row.id}: AI-antwoord {no} wijkt af van de vastgelegde SHA-256{edited}")
            comments = [(c.author, c.kind, c.text) for c in row.comments]
            if comments != st["comments"]:
                problems.append(f"casus {row.id}: de opmerkingen bij de beoordeling wijken af van de audittrail{edited}")
            feedback = [(f.username, f.rating, f.reason, f.answer_no) for f in row.feedback]
            if feedback != st["feedback"]:
                problems.append(f"casus {row.id}: de feedback wijkt af van de audittrail{edited}")
        for case_id, st in sorted(self.cases.items()):
            if case_id not in seen and not st["deleted"]:
                problems.append(f"casus {case_id} ontbreekt in de tabel cases zonder verwijdergebeurtenis in de "
                                "audittrail (buiten de applicatie verwijderd)")
        return checked, problems


_USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
TOKEN_PREFIX = "mw_"
_DUMMY_HASH: bytes | None = None


def _hash_password(password: str) -> str:
    """bcrypt reads at most 72 bytes, so longer passwords are refused rather than silently truncated."""
    import bcrypt

    raw = (password or "").encode("utf-8")
    if len(password or "") < 12:
        raise CaseError("Een wachtwoord heeft minimaal 12 tekens.")
    if len(raw) > 72:
        raise CaseError("Een wachtwoord is maximaal 72 bytes lang.")
    return bcrypt.hashpw(raw, bcrypt.gensalt()).decode("ascii")


def _check_password(password: str, hashed: str | None) -> bool:
    """bcrypt check; without a stored hash (unknown, inactive or password-less account) the same
    work is done against a dummy hash, so the time taken does not tell whether the account exists."""
    import bcrypt

    global _DUMMY_HASH
    if _DUMMY_HASH is None:
        _DUMMY_HASH = bcrypt.hashpw(secrets.token_bytes(16), bcrypt.gensalt())
    raw = (password or "").encode("utf-8")
    too_long = len(raw) > 72
    target = hashed.encode("ascii") if hashed and not too_long else _DUMMY_HASH
    ok = bcrypt.checkpw(raw[:72], target)
    return ok and target is not _DUMMY_HASH


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _locked_message(until: dt.datetime, now: dt.datetime) -> str:
    minutes = max(1, int((until - now).total_seconds() + 59) // 60)
    local = until.replace(tzinfo=dt.timezone.utc).astimezone()
    return (f"Te veel onjuiste wachtwoorden: inloggen met deze naam is geblokkeerd tot {local:%H:%M} "
            f"(over {minutes} minuten). Probeer het daarna opnieuw, of vraag een beheerder uw wachtwoord "
            "opnieuw in te stellen.")


# --------------------------------------------------------------------------- the case log


class CaseLog:
    """Cases, workflow, users and the audit trail over one SQLAlchemy engine.

    Safe to share between threads (each call opens its own session); every change and its
    audit event are written in one transaction."""

    def __init__(self, engine: Engine, pseudonymiser: Pseudonymiser | None = None, migrate: bool = True,
                 clock: Callable[[], dt.datetime] | None = None, audit_key: AuditKey | None = None):
        # clock: returns naive UTC "now" for every timestamp this log writes (case dates, audit
        # events). Only for seeding demo data and tests (assistant/demo.py backdates a year of
        # cases with it); the product always uses the real clock. A clock must not run backwards
        # between calls that belong to one case, or the case's dates read out of order.
        self._now = clock or _now
        self.engine = engine
        self._write_engine = engine.execution_options(maatwerk_write=True)
        self.pseudonymiser = pseudonymiser or Pseudonymiser()
        self._row_locks = engine.dialect.name != "sqlite"  # SQLite already holds the write lock
        # The key behind the audit MACs, kept outside the database (see assistant.integrity).
        self.audit_key = audit_key if audit_key is not None else default_audit_key(engine)
        if migrate:
            upgrade(engine, self.audit_key)
            with self._read() as s:
                unkeyed = s.get(AuditHeadRow, 1).key_id is None
            if unkeyed:
                # A schema created offline (`alembic upgrade --sql`) gets its keyed head here
                # (key_the_chain refuses a log whose keying was stripped).
                with self._write() as s:
                    key_the_chain(s.connection(), self.audit_key, self._now())

    @classmethod
    def from_url(cls, url: str, busy_timeout_ms: int = 5000, **kwargs: Any) -> CaseLog:
        return cls(make_engine(url, busy_timeout_ms=busy_timeout_ms), **kwargs)

    def close(self) -> None:
        self.engine.dispose()

    # ------------------------------------------------------------------ sessions

    @contextmanager
    def _read(self) -> Iterator[Session]:
        with _db_errors(), Session(self.engine, expire_on_commit=False) as s, s.begin():
            yield s

    @contextmanager
    def _write(self) -> Iterator[Session]:
        with _db_errors(), Session(self._write_engine, expire_on_commit=False) as s, s.begin():
            yield s

    def _lock(self, stmt, of=None):
        # FOR UPDATE OF <table>: PostgreSQL refuses to lock the nullable side of the
        # reviewer outer join that the eager load adds.
        return stmt.with_for_update(of=of) if self._row_locks else stmt

    # ------------------------------------------------------------------ audit

    def _key_id(self) -> str:
        try:
            return self.audit_key.key_id
        except KeyProblem as exc:
            raise CaseError(str(exc)) from exc

    def _locked_head(self, s: Session) -> AuditHeadRow:
        """The head row, locked, after checking its MAC: a head moved back from outside the app
        (tail deleted, head updated) is never extended and so never blessed by a new MAC."""
        head = s.execute(self._lock(select(AuditHeadRow).where(AuditHeadRow.id == 1))).scalar_one()
        problem = self._head_problem(head)
        if problem:
            raise CaseError(problem + " Er is niets opgeslagen; laat een beheerder `maatwerk audit verify` draaien.")
        return head

    def _head_problem(self, head: AuditHeadRow) -> str:
        if head.key_id is None:
            return "De audittrail is niet met een sleutel beveiligd (kop zonder sleutel)."
        key_id = self._key_id()
        if head.key_id != key_id:
            return (f"De auditsleutel ({self.audit_key.source}, id {key_id}) hoort niet bij deze audittrail "
                    f"(id {head.key_id}); zet de juiste sleutel terug (audit.key of MAATWERK_AUDIT_KEY).")
        if not self.audit_key.matches(head_payload(head), head.mac):
            return ("De kop van de audittrail (tabel audit_head) is buiten de applicatie gewijzigd, bijvoorbeeld "
                    "nadat het einde van de keten is verwijderd.")
        return ""

    def _append_event(self, s: Session, actor: str, action: str, case_id: int | None,
                      before: Mapping[str, Any] | None, after: Mapping[str, Any] | None,
                      head: AuditHeadRow | None = None) -> AuditEventRow:
        """Append one event to the chain inside the caller's transaction (so a change and its
        event are stored together or not at all). The event carries a MAC with the audit key;
        the head row gets a new MAC."""
        s.flush()  # the change itself first: its id/version go into the event
        head = head if head is not None else self._locked_head(s)
        seq = head.last_seq + 1
        occurred_at = self._now()
        before_json, after_json = canonical_json(before or {}), canonical_json(after or {})
        digest = event_mac(self.audit_key, seq, occurred_at, actor, action, case_id, before_json, after_json,
                           head.last_hash)
        row = AuditEventRow(seq=seq, occurred_at=occurred_at, actor=actor, action=action, case_id=case_id,
                            before_json=before_json, after_json=after_json, prev_hash=head.last_hash, hash=digest)
        s.add(row)
        head.last_seq, head.last_hash, head.event_count = seq, digest, head.event_count + 1
        head.mac = self.audit_key.mac(head_payload(head))
        s.flush()
        return row

    def verify_audit(self, check_cases: bool = True) -> AuditCheck:
        """Check the head MAC (key id, a moved-back head), walk the chain (see walk_chain: contiguous
        seqs, links, MACs / legacy hashes), the last event equal to the stored head, the anchor
        moved only by a recorded purge; then (check_cases) replay the case events and compare
        every row of `cases` (and its AI answers, review comments, feedback) with them."""
        with self._read() as s:
            head = s.get(AuditHeadRow, 1)
            key_id = ""
            try:
                problem = self._head_problem(head)
                key_id = self.audit_key.key_id
            except CaseError as exc:
                problem = str(exc)
            if problem:
                return AuditCheck(False, 0, None, problem, head.last_hash, head.last_seq, key_id=key_id)
            replay = _CaseReplay(complete=head.anchor_seq == 1)
            events = s.execute(select(AuditEventRow).order_by(AuditEventRow.seq)).scalars().yield_per(500)
            w = walk_chain(events, head.anchor_seq, head.anchor_hash, head.keyed_from, self.audit_key,
                           replay.apply if check_cases else None)
            n = w.n
            fail = lambda first_bad, reason: AuditCheck(False, n, first_bad, reason, head.last_hash, head.last_seq,  # noqa: E731
                                                         key_id=key_id)
            if not w.ok:
                return fail(w.first_bad, w.reason)
            if w.last_seq > head.last_seq:
                return fail(head.last_seq + 1, f"na de kop (gebeurtenis {head.last_seq}) staan nog gebeurtenissen tot "
                                               f"{w.last_seq}: de kop is teruggezet")
            if w.last_seq != head.last_seq or w.last_hash != head.last_hash:
                missing = w.last_seq + 1 if w.last_seq < head.last_seq else head.last_seq
                return fail(missing, f"gebeurtenis {missing} t/m {head.last_seq} ontbreekt (einde van de keten verwijderd)")
            if n != head.event_count:
                return fail(None, f"de teller zegt {head.event_count} gebeurtenissen, er zijn er {n}")
            anchored = head.anchor_seq != 1 or head.anchor_hash != GENESIS_HASH
            last_purge = w.last_purge
            if anchored and (last_purge is None or last_purge.get("anchor_seq") != head.anchor_seq
                             or last_purge.get("anchor_hash") != head.anchor_hash):
                return fail(head.anchor_seq, "het begin van de keten is verplaatst zonder vastgelegde opschoning")
            checked = 0
            problems: list[str] = []
            if check_cases:
                checked, problems = replay.compare(self._all_cases(s))
            if problems:
                more = f" (en {len(problems) - 1} andere afwijkingen)" if len(problems) > 1 else ""
                return AuditCheck(False, n, None, problems[0] + more, head.last_hash, head.last_seq, problems,
                                  checked, key_id)
            return AuditCheck(True, n, None, "", head.last_hash, head.last_seq, [], checked, key_id)

    @staticmethod
    def _all_cases(s: Session, batch: int = 500) -> Iterator[CaseRow]:
        # Pages by id: the eager joins need unique(), which rules out yield_per.
        last = 0
        while True:
            rows = s.execute(select(CaseRow).where(CaseRow.id > last).order_by(CaseRow.id).limit(batch)).unique().scalars().all()
            if not rows:
                return
            yield from rows
            last = rows[-1].id
            s.expunge_all()

    def audit_head(self) -> dict[str, Any]:
        """The head to anchor elsewhere (a file, a log, the knelpuntenrapportage): the last event's
        seq and MAC. Whoever holds an exported head can later prove that the trail still contains
        that event unchanged (`maatwerk audit verify --anker`)."""
        with self._read() as s:
            head = s.get(AuditHeadRow, 1)
            last = s.get(AuditEventRow, head.last_seq)
            return {"seq": head.last_seq, "mac": head.last_hash, "events": head.event_count,
                    "occurred_at": last.occurred_at.isoformat(timespec="seconds") + "Z" if last else None,
                    "key_id": head.key_id, "rule": "hmac-sha256"}

    def check_anchor(self, anchor: Mapping[str, Any]) -> tuple[bool, str]:
        """Is an exported head (audit_head()) still in the trail, unchanged? (ok, Dutch explanation)."""
        try:
            seq, mac = int(anchor["seq"]), str(anchor["mac"])
        except (KeyError, TypeError, ValueError):
            return False, "het anker is geen uitvoer van `maatwerk audit head` (seq en mac ontbreken)."
        with self._read() as s:
            head = s.get(AuditHeadRow, 1)
            if seq > head.last_seq:
                return False, (f"het anker noemt gebeurtenis {seq}, maar de keten eindigt bij {head.last_seq}: "
                               "gebeurtenissen zijn verwijderd of er is een oudere database teruggezet.")
            if seq < head.anchor_seq:
                if seq == head.anchor_seq - 1 and mac == head.anchor_hash:
                    return True, f"gebeurtenis {seq} is opgeschoond; het begin van de keten verwijst er nog naar."
                return True, f"gebeurtenis {seq} is na de bewaartermijn opgeschoond; het anker is niet meer te controleren."
            row = s.get(AuditEventRow, seq)
            if row is None:
                return False, f"gebeurtenis {seq} uit het anker ontbreekt in de keten."
            if row.hash != mac:
                return False, (f"gebeurtenis {seq} heeft een andere MAC dan in het anker: de keten is vanaf daar "
                               "vervangen of herberekend.")
            return True, f"gebeurtenis {seq} staat ongewijzigd in de keten."

    def purge_audit(self, by: str, retention_days: int, now: dt.datetime | None = None) -> int:
        """Delete audit events older than retention_days (>= 183) and record that in a purge
        event; the chain is re-anchored on the hash of the last deleted event. Returns the count."""
        if retention_days < MIN_RETENTION_DAYS:
            raise CaseError(f"De bewaartermijn van de audittrail is minimaal {MIN_RETENTION_DAYS} dagen.")
        with self._write() as s:
            actor = self._user(s, by)
            if actor.role != "beheerder":
                raise PermissionDenied("Alleen een beheerder mag de audittrail opschonen.")
            cutoff = (now or self._now()) - dt.timedelta(days=retention_days)
            last = s.execute(
                select(AuditEventRow).where(AuditEventRow.occurred_at < cutoff).order_by(AuditEventRow.seq.desc()).limit(1)
            ).scalar_one_or_none()
            if last is None:
                return 0
            head = self._locked_head(s)
            first_seq = head.anchor_seq
            count = s.execute(delete(AuditEventRow).where(AuditEventRow.seq <= last.seq)).rowcount
            head.anchor_seq, head.anchor_hash = last.seq + 1, last.hash
            head.event_count -= count
            self._append_event(s, actor.username, "audit.purged", None, {}, {
                "purged": count, "from_seq": first_seq, "to_seq": last.seq, "cutoff": cutoff.isoformat(),
                "retention_days": retention_days, "anchor_seq": last.seq + 1, "anchor_hash": last.hash,
            }, head=head)
            return count

    def audit_events(self, case_id: int | None = None) -> list[dict[str, Any]]:
        """The audit trail (optionally of one case) as dicts, oldest first."""
        with self._read() as s:
            stmt = select(AuditEventRow).order_by(AuditEventRow.seq)
            if case_id is not None:
                stmt = stmt.where(AuditEventRow.case_id == case_id)
            return [
                {"seq": e.seq, "occurred_at": e.occurred_at, "actor": e.actor, "action": e.action,
                 "case_id": e.case_id, "before": json.loads(e.before_json), "after": json.loads(e.after_json),
                 "hash": e.hash}
                for e in s.execute(stmt).scalars()
            ]

    # ------------------------------------------------------------------ users

    def _user(self, s: Session, username: str) -> UserRow:
        row = s.execute(select(UserRow).where(UserRow.username == (username or "").strip().lower())).scalar_one_or_none()
        if row is None or not row.active:
            raise PermissionDenied(f"Onbekende gebruiker '{username}'; een beheerder kan hem toevoegen met `maatwerk users add`.")
        return row

    def _admin(self, s: Session, by: str, what: str) -> UserRow:
        admin = self._user(s, by)
        if admin.role != "beheerder":
            raise PermissionDenied(f"Alleen een beheerder mag {what}.")
        return admin

    @staticmethod
    def _valid_new_user(username: str, role: str) -> str:
        name = (username or "").strip().lower()
        if not _USERNAME_RE.match(name):
            raise CaseError("Een gebruikersnaam bestaat uit 2-64 kleine letters, cijfers, punt, streepje of liggend streepje.")
        if role not in ROLES:
            raise CaseError(f"Onbekende rol '{role}'; kies uit: {', '.join(ROLES)}.")
        return name

    def add_user(self, username: str, role: str, team: str | None = None, display_name: str | None = None,
                 by: str | None = None, password: str | None = None) -> User:
        """A new account. by: the beheerder who creates it (recorded as created_by, so four eyes can
        tell that the two accounts are one person's doing); None is the system itself (first OIDC
        login, demo seeding, tests); the command line and the app always pass a beheerder."""
        from assistant.auth import is_demo_username

        name = self._valid_new_user(username, role)
        if by is not None and is_demo_username(name):
            raise CaseError("Namen die met 'demo-' of 'demo.' beginnen zijn voor demo-accounts; kies een andere naam.")
        hashed = _hash_password(password) if password is not None else None
        with self._write() as s:
            actor, created_by = SYSTEM_ACTOR, None
            if by is not None:
                actor = created_by = self._admin(s, by, "gebruikers toevoegen").username
            if s.execute(select(UserRow.id).where(UserRow.username == name)).first():
                raise CaseError(f"Gebruiker '{name}' bestaat al.")
            row = UserRow(username=name, display_name=(display_name or name).strip(), role=role,
                          team=(team or None), created_at=self._now(), active=True, created_by=created_by,
                          password_hash=hashed)
            s.add(row)
            self._append_event(s, actor, "user.created", None, {}, {
                "username": name, "display_name": row.display_name, "role": role, "team": row.team,
                "created_by": created_by, "password": hashed is not None})
            return _user_model(row)

    def has_real_users(self) -> bool:
        """Whether any account other than a demo account exists (active or not)."""
        from assistant.auth import is_demo_username

        return any(not is_demo_username(u.username) for u in self.list_users())

    def init_admin(self, username: str, password: str, display_name: str | None = None,
                   team: str | None = None) -> User:
        """The first beheerder of a new installation (`maatwerk users init`). Refused as soon as any
        real account exists, so it can never be used to add a second, unchecked beheerder."""
        from assistant.auth import is_demo_username

        name = self._valid_new_user(username, "beheerder")
        if is_demo_username(name):
            raise CaseError("De eerste beheerder mag geen demo-naam hebben (demo-… of demo.…).")
        hashed = _hash_password(password)
        with self._write() as s:
            names = s.execute(select(UserRow.username)).scalars().all()
            if any(not is_demo_username(n) for n in names):
                raise PermissionDenied("Er bestaan al gebruikers, dus de eerste beheerder is al aangemaakt. "
                                       "Een beheerder voegt gebruikers toe met `maatwerk users add`.")
            row = UserRow(username=name, display_name=(display_name or name).strip(), role="beheerder",
                          team=(team or None), created_at=self._now(), active=True, password_hash=hashed)
            s.add(row)
            self._append_event(s, SYSTEM_ACTOR, "user.created", None, {}, {
                "username": name, "display_name": row.display_name, "role": "beheerder", "team": row.team,
                "created_by": None, "password": True, "init": True})
            return _user_model(row)

    def _active_beheerders(self, s: Session) -> int:
        return s.execute(select(func.count()).select_from(UserRow).where(
            UserRow.role == "beheerder", UserRow.active.is_(True))).scalar_one()

    def set_role(self, username: str, role: str, by: str) -> User:
        if role not in ROLES:
            raise CaseError(f"Onbekende rol '{role}'; kies uit: {', '.join(ROLES)}.")
        with self._write() as s:
            admin = self._admin(s, by, "rollen wijzigen")
            row = self._user(s, username)
            if row.role == role:
                return _user_model(row)
            if row.role == "beheerder" and self._active_beheerders(s) <= 1:
                raise PermissionDenied("Dit is de laatste actieve beheerder; maak eerst een andere beheerder aan.")
            before = row.role
            row.role = role
            self._append_event(s, admin.username, "user.role_changed", None,
                               {"username": row.username, "role": before}, {"username": row.username, "role": role})
            return _user_model(row)

    def set_active(self, username: str, active: bool, by: str | None = None) -> User:
        """(De)activate an account; its cases and audit trail stay. by=None is the system (demo
        accounts when demo mode ends)."""
        name = (username or "").strip().lower()
        with self._write() as s:
            actor = SYSTEM_ACTOR if by is None else self._admin(s, by, "accounts (de)activeren").username
            row = s.execute(select(UserRow).where(UserRow.username == name)).scalar_one_or_none()
            if row is None:
                raise PermissionDenied(f"Onbekende gebruiker '{username}'.")
            if row.active == active:
                return _user_model(row)
            if not active and row.role == "beheerder" and by is not None and self._active_beheerders(s) <= 1:
                raise PermissionDenied("Dit is de laatste actieve beheerder; maak eerst een andere beheerder aan.")
            row.active = active
            self._append_event(s, actor, "user.activated" if active else "user.deactivated", None,
                               {"username": row.username, "active": not active},
                               {"username": row.username, "active": active})
            return _user_model(row)

    def get_user(self, username: str) -> User:
        with self._read() as s:
            return _user_model(self._user(s, username))

    def list_users(self) -> list[User]:
        with self._read() as s:
            return [_user_model(r) for r in s.execute(select(UserRow).order_by(UserRow.username)).scalars()]

    def set_password(self, username: str, password: str, by: str | None = None) -> None:
        """Store a bcrypt hash (never the password); by=None is the user themself. Setting a
        password also lifts a lockout on that name."""
        hashed = _hash_password(password)
        with self._write() as s:
            row = self._user(s, username)
            actor = row.username if by is None else self._user(s, by).username
            if actor != row.username and self._user(s, actor).role != "beheerder":
                raise PermissionDenied("Alleen een beheerder mag het wachtwoord van een ander instellen.")
            row.password_hash = hashed
            s.execute(delete(LoginFailureRow).where(LoginFailureRow.username == row.username))
            self._append_event(s, actor, "user.password_set", None, {}, {"username": row.username})

    def verify_password(self, username: str, password: str) -> bool:
        """The bare check, without throttling (see authenticate). An unknown, inactive or
        password-less account costs one bcrypt check all the same."""
        with self._read() as s:
            row = s.execute(select(UserRow).where(UserRow.username == (username or "").strip().lower())).scalar_one_or_none()
        hashed = row.password_hash if row is not None and row.active else None
        return _check_password(password, hashed)

    def authenticate(self, username: str, password: str, max_failures: int = 5, lock_minutes: int = 15) -> User:
        """Log in with a password, throttled per name tried: after max_failures wrong passwords in
        a row the name is locked for lock_minutes (doubling with each further lockout, at most 64x).
        Unknown names are counted and hashed exactly like real ones, so neither the answer nor its
        timing tells whether an account exists. Raises LoginRefused with a Dutch message."""
        name = (username or "").strip().lower()[:200]
        if not name or not password:
            raise LoginRefused("Vul uw gebruikersnaam en wachtwoord in.")
        now = self._now()
        with self._read() as s:
            fail = s.get(LoginFailureRow, name)
            row = s.execute(select(UserRow).where(UserRow.username == name)).scalar_one_or_none()
        if fail is not None and fail.locked_until is not None and fail.locked_until > now:
            raise LoginRefused(_locked_message(fail.locked_until, now))
        hashed = row.password_hash if row is not None and row.active else None
        if _check_password(password, hashed):
            if fail is not None:
                with self._write() as s:
                    s.execute(delete(LoginFailureRow).where(LoginFailureRow.username == name))
            return _user_model(row)
        with self._write() as s:
            # Names tried once and long ago (typos, guesses at names) are forgotten.
            s.execute(delete(LoginFailureRow).where(
                LoginFailureRow.last_failed_at < now - dt.timedelta(hours=24),
                (LoginFailureRow.locked_until.is_(None)) | (LoginFailureRow.locked_until < now)))
            fail = s.execute(self._lock(select(LoginFailureRow).where(LoginFailureRow.username == name))).scalar_one_or_none()
            if fail is None:
                fail = LoginFailureRow(username=name, failures=0, lockouts=0, last_failed_at=now)
                s.add(fail)
            elif now - fail.last_failed_at > dt.timedelta(hours=24):
                fail.failures, fail.lockouts = 0, 0  # an old streak is forgiven
            fail.failures += 1
            fail.last_failed_at = now
            locked = fail.failures >= max(1, max_failures)
            if locked:
                fail.lockouts += 1
                fail.failures = 0
                fail.locked_until = now + dt.timedelta(minutes=lock_minutes * 2 ** min(fail.lockouts - 1, 6))
                if row is not None:
                    self._append_event(s, SYSTEM_ACTOR, "user.locked", None, {}, {
                        "username": row.username, "until": fail.locked_until.isoformat(timespec="seconds")})
            left = max(1, max_failures) - fail.failures
            until = fail.locked_until
        if locked:
            raise LoginRefused(_locked_message(until, now))
        hint = f" Nog {left} poging{'en' if left != 1 else ''} voordat inloggen tijdelijk wordt geblokkeerd." if left <= 2 else ""
        # One message for unknown user and wrong password: no hint which of the two it was.
        raise LoginRefused("Gebruikersnaam of wachtwoord onjuist." + hint)

    # ------------------------------------------------------------------ service tokens and OIDC

    def issue_token(self, username: str, by: str) -> str:
        """A new service token for automation (MAATWERK_TOKEN); replaces the previous one. Only the
        SHA-256 is stored: the token is shown once."""
        from assistant.auth import is_demo_username

        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        with self._write() as s:
            admin = self._admin(s, by, "diensttokens uitgeven")
            row = self._user(s, username)
            if is_demo_username(row.username):
                raise PermissionDenied("Demo-accounts krijgen geen diensttoken.")
            row.token_hash, row.token_created_at = _token_hash(token), self._now()
            self._append_event(s, admin.username, "user.token_issued", None, {}, {"username": row.username})
        return token

    def revoke_token(self, username: str, by: str) -> None:
        with self._write() as s:
            admin = self._admin(s, by, "diensttokens intrekken")
            row = self._user(s, username)
            if row.token_hash is None:
                return
            row.token_hash = row.token_created_at = None
            self._append_event(s, admin.username, "user.token_revoked", None, {}, {"username": row.username})

    def user_for_token(self, token: str) -> User:
        digest = _token_hash((token or "").strip())
        with self._read() as s:
            row = s.execute(select(UserRow).where(UserRow.token_hash == digest)).scalar_one_or_none()
        if row is None or not row.active or not hmac.compare_digest(row.token_hash, digest):
            raise PermissionDenied("Het diensttoken (MAATWERK_TOKEN) is ongeldig, ingetrokken of van een "
                                   "gedeactiveerd account.")
        return _user_model(row)

    def oidc_user(self, issuer: str, subject: str) -> User | None:
        with self._read() as s:
            row = s.execute(select(UserRow).where(UserRow.oidc_issuer == issuer,
                                                  UserRow.oidc_subject == subject)).scalar_one_or_none()
        return _user_model(row) if row is not None else None

    def add_oidc_user(self, issuer: str, subject: str, preferred: str, role: str, display_name: str) -> User:
        """The account for an OIDC identity seen for the first time, bound to issuer + subject. The
        username is the preferred one, or the first free preferred-2, -3, ...: a token whose
        username claim equals an existing account never takes that account over."""
        name = self._valid_new_user(preferred, role)
        with self._write() as s:
            taken = set(s.execute(select(UserRow.username).where(UserRow.username.like(f"{name[:60]}%"))).scalars())
            candidate, n = name, 1
            while candidate in taken:
                n += 1
                candidate = f"{name[:60]}-{n}"
            row = UserRow(username=candidate, display_name=(display_name or candidate).strip(), role=role,
                          team=None, created_at=self._now(), active=True, oidc_issuer=issuer, oidc_subject=subject)
            s.add(row)
            self._append_event(s, SYSTEM_ACTOR, "user.created", None, {}, {
                "username": candidate, "display_name": row.display_name, "role": role, "team": None,
                "created_by": None, "oidc_issuer": issuer, "oidc_subject": subject})
            return _user_model(row)

    # ------------------------------------------------------------------ pseudonymisation

    @staticmethod
    def _reserved_mapping(texts: list[str]) -> PlaceholderMap:
        """A fresh map whose numbering continues after the placeholders already in this case, so
        a later "[NAAM-3]" can never be confused with an earlier one. (The real map of the
        first session is never stored; the UI may pass its own map to keep numbers identical.)"""
        highest: dict[str, int] = {}
        for text in texts:
            for m in PLACEHOLDER_RE.finditer(text or ""):
                kind, _, n = m.group(0)[1:-1].rpartition("-")
                highest[kind] = max(highest.get(kind, 0), int(n))
        mapping = PlaceholderMap()
        for kind in KINDS:
            for i in range(highest.get(kind, 0)):
                mapping.placeholder(kind, f"\x00reserved{i}")
        return mapping

    def _clean(self, value: Any, mapping: PlaceholderMap) -> Any:
        """Pseudonymise every string inside value (dict keys are structure, left alone)."""
        if isinstance(value, str):
            text = self.pseudonymiser.pseudonymise(value, mapping)
            if contains_personal_data(text):
                # A second pass catches what only became visible once neighbours were replaced.
                text = self.pseudonymiser.pseudonymise(text, mapping)
                if contains_personal_data(text):
                    raise CaseError("De tekst bevat persoonsgegevens die niet automatisch te vervangen zijn; "
                                    "haal ze weg en probeer het opnieuw.")
            return text
        if isinstance(value, Mapping):
            return {k: self._clean(v, mapping) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [self._clean(v, mapping) for v in value]
        return value

    @staticmethod
    def _case_texts(row: CaseRow) -> list[str]:
        texts = [canonical_json(_snapshot(row))]
        texts += [a.answer_json for a in row.ai_answers]
        texts += [c.text for c in row.comments]
        texts += [f.reason or "" for f in row.feedback]
        return texts

    # ------------------------------------------------------------------ validation

    def _validated(self, fields: Mapping[str, Any], mapping: PlaceholderMap) -> dict[str, Any]:
        unknown = sorted(set(fields) - EDITABLE_FIELDS)
        if unknown:
            raise CaseError(f"Onbekend veld: {', '.join(unknown)}.")
        out: dict[str, Any] = {}
        for name, value in fields.items():
            if name in CHOICE_FIELDS:
                if value is not None and value not in CHOICE_FIELDS[name]:
                    raise CaseError(f"Ongeldige waarde voor {name}; kies uit: {', '.join(CHOICE_FIELDS[name])}.")
                out[name] = value
            elif name == "domain":
                value = (value or "").strip().lower() or None
                if value is not None and value not in DOMAINS:
                    raise CaseError(f"Onbekend domein; kies uit: {', '.join(DOMAINS)}.")
                out[name] = value
            elif name == "peildatum":
                if isinstance(value, str):
                    try:
                        value = dt.date.fromisoformat(value.strip())
                    except ValueError:
                        raise CaseError("De peildatum is geen geldige datum (JJJJ-MM-DD).") from None
                if isinstance(value, dt.datetime):
                    value = value.date()
                if not isinstance(value, dt.date):
                    raise CaseError("De peildatum is geen geldige datum (JJJJ-MM-DD).")
                out[name] = value
            elif name == "knelpunt":
                out[name] = bool(value)
            elif name == "team":
                out[name] = self._clean((value or "").strip() or None, mapping)
            elif name in ("rules", "precedents"):
                if value is None:
                    value = []
                if isinstance(value, (str, Mapping)):
                    value = [value]
                out[name] = self._clean(list(value), mapping)
            elif name in TEXT_FIELDS:
                if value is not None and not isinstance(value, str):
                    raise CaseError(f"Het veld {name} moet tekst zijn.")
                out[name] = self._clean(value.strip(), mapping) if value else None
            else:  # afwijkingsruimte: free JSON
                out[name] = self._clean(value, mapping)
        if "question" in fields and not out.get("question"):
            raise CaseError("De vraag is leeg.")
        return out

    @staticmethod
    def _require_complete(row: CaseRow) -> None:
        missing = []
        if not row.question:
            missing.append("vraag")
        if not row.uitkomst:
            missing.append("uitkomst (afgeweken, gedeeltelijk of niet afgeweken)")
        if not row.motivering:
            missing.append("motivering")
        if row.ai_answers and not row.ai_stance:
            missing.append("uw oordeel over het AI-antwoord (overgenomen, aangepast of niet gevolgd)")
        if row.ai_stance in ("aangepast", "niet gevolgd") and not row.ai_stance_reason:
            missing.append("de reden waarom u het AI-antwoord hebt aangepast of niet gevolgd")
        if row.knelpunt and not row.knelpunt_description:
            missing.append("omschrijving van het knelpunt")
        gaps = motivering_gaps(row.motivering)
        message = []
        if missing:
            message.append("De casus is nog niet compleet; vul nog in: " + "; ".join(missing) + ".")
        if gaps:
            message.append("De motivering is nog niet af: " + "; ".join(gaps) + ".")
        if message:
            raise CaseError(" ".join(message))

    # ------------------------------------------------------------------ cases: access

    def _case_for(self, s: Session, case_id: int, user: UserRow, lock: bool = False) -> CaseRow:
        stmt = select(CaseRow).where(CaseRow.id == case_id)
        row = s.execute(self._lock(stmt, of=CaseRow) if lock else stmt).unique().scalar_one_or_none()
        if row is None:
            raise CaseNotFound(f"Casus {case_id} bestaat niet.")
        if user.role not in ALL_CASES_ROLES and row.author_id != user.id:
            raise PermissionDenied(f"Casus {case_id} is niet van u; een professional ziet alleen eigen casussen.")
        return row

    @staticmethod
    def _check_version(row: CaseRow, expected_version: int | None) -> None:
        if expected_version is not None and row.version != expected_version:
            raise ConcurrentChange(
                f"Casus {row.id} is intussen gewijzigd (versie {row.version}, u had versie {expected_version}); "
                "open hem opnieuw en probeer het nog eens."
            )

    def _editable_by_author(self, row: CaseRow, user: UserRow, what: str) -> None:
        if row.author_id != user.id:
            raise PermissionDenied(f"Alleen de auteur mag casus {row.id} {what}.")
        if row.status not in EDITABLE:
            raise InvalidTransition(
                f"Casus {row.id} heeft status '{row.status}' en kan niet meer worden {what}; "
                "alleen een concept of een teruggestuurde casus kan dat."
            )

    # ------------------------------------------------------------------ cases: writes

    def create_case(self, author: str, *, mapping: PlaceholderMap | None = None, ai_answer: Mapping | None = None,
                    **fields: Any) -> Case:
        """A new case in status concept. Free text is pseudonymised with one map for the whole case
        (pass the UI's own map as mapping= to keep placeholders identical to what the user saw)."""
        mapping = mapping if mapping is not None else PlaceholderMap()
        fields.setdefault("peildatum", dt.date.today())
        if not (fields.get("question") or "").strip():
            raise CaseError("De vraag is leeg.")
        values = self._validated(fields, mapping)
        # Clean the AI answer before the transaction: pseudonymising it is the slow part, and
        # inside the transaction it would hold the audit-head lock that every writer waits for.
        cleaned = self._cleaned_answer(ai_answer, mapping) if ai_answer is not None else None
        with self._write() as s:
            user = self._user(s, author)
            now = self._now()
            row = CaseRow(status="concept", author_id=user.id, author=user, created_at=now, updated_at=now,
                          rules=[], precedents=[], knelpunt=False)
            values.setdefault("team", user.team)
            for name, value in values.items():
                setattr(row, name, value)
            s.add(row)
            s.flush()
            self._append_event(s, user.username, "case.created", row.id, {}, _snapshot(row))
            if cleaned is not None:
                self._attach(s, row, user, cleaned)
            return _case_model(row)

    def update_case(self, case_id: int, by: str, *, expected_version: int | None = None,
                    mapping: PlaceholderMap | None = None, **fields: Any) -> Case:
        with self._write() as s:
            user = self._user(s, by)
            row = self._case_for(s, case_id, user, lock=True)
            self._check_version(row, expected_version)
            self._editable_by_author(row, user, "bewerkt")
            values = self._validated(fields, mapping if mapping is not None else self._reserved_mapping(self._case_texts(row)))
            before = _snapshot(row)
            for name, value in values.items():
                setattr(row, name, value)
            after = _snapshot(row)
            b, a = _diff(before, after)
            if not a:
                return _case_model(row)
            row.updated_at = self._now()
            s.flush()
            b["version"], a["version"] = before["version"], row.version
            self._append_event(s, user.username, "case.updated", row.id, b, a)
            return _case_model(row)

    def _cleaned_answer(self, answer: Mapping, mapping: PlaceholderMap) -> dict:
        if not isinstance(answer, Mapping):
            raise CaseError("Het AI-antwoord moet een woordenboek zijn (Answer.to_dict()).")
        return self._clean(json.loads(canonical_json(answer)), mapping)

    def _attach(self, s: Session, row: CaseRow, user: UserRow, cleaned: dict) -> AIAnswerRow:
        text = canonical_json(cleaned)
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
        number = len(row.ai_answers) + 1
        ans = AIAnswerRow(case_id=row.id, answer_no=number, answer_json=text, sha256=digest,
                          attached_by=user.username, attached_at=self._now())
        row.ai_answers.append(ans)
        row.updated_at = self._now()
        s.flush()
        trace = cleaned.get("trace") or {}
        self._append_event(s, user.username, "case.ai_attached", row.id, {}, {
            "answer_no": number, "sha256": digest,
            "backend": trace.get("backend"), "model": trace.get("model"),
            "prompt": trace.get("prompt"), "index_fingerprint": trace.get("index_fingerprint"),
        })
        return ans

    def attach_ai_trace(self, case_id: int, answer_dict: Mapping, by: str | None = None,
                        mapping: PlaceholderMap | None = None, expected_version: int | None = None) -> Case:
        """Freeze an AI answer (Answer.to_dict()) with the case: pseudonymised, canonical JSON,
        SHA-256; never updated afterwards. Only while the case is editable by its author."""
        with self._write() as s:
            row = s.execute(select(CaseRow).where(CaseRow.id == case_id)).unique().scalar_one_or_none()
            if row is None:
                raise CaseNotFound(f"Casus {case_id} bestaat niet.")
            user = self._user(s, by) if by is not None else row.author
            row = self._case_for(s, case_id, user, lock=True)
            self._check_version(row, expected_version)
            self._editable_by_author(row, user, "aangevuld met een AI-antwoord")
            mapping = mapping if mapping is not None else self._reserved_mapping(self._case_texts(row))
            self._attach(s, row, user, self._cleaned_answer(answer_dict, mapping))
            return _case_model(row)

    def submit(self, case_id: int, by: str, expected_version: int | None = None) -> Case:
        with self._write() as s:
            user = self._user(s, by)
            row = self._case_for(s, case_id, user, lock=True)
            self._check_version(row, expected_version)
            if row.author_id != user.id:
                raise PermissionDenied(f"Alleen de auteur mag casus {case_id} indienen.")
            if row.status not in EDITABLE:
                raise InvalidTransition(f"Casus {case_id} heeft status '{row.status}' en kan niet worden ingediend.")
            self._require_complete(row)
            before = {"status": row.status, "version": row.version}
            row.status, row.submitted_at, row.updated_at = "ingediend", self._now(), self._now()
            s.flush()
            self._append_event(s, user.username, "case.submitted", row.id, before,
                               {"status": row.status, "version": row.version})
            return _case_model(row)

    def review(self, case_id: int, reviewer: str, action: str, comment: str | None = None,
               expected_version: int | None = None, mapping: PlaceholderMap | None = None) -> Case:
        """action: approve | return | reject (or the Dutch status names). Four eyes: never the author."""
        action = {"goedkeuren": "approve", "goedgekeurd": "approve", "terugsturen": "return",
                  "teruggestuurd": "return", "afwijzen": "reject", "afgewezen": "reject"}.get(action, action)
        if action not in REVIEW_ACTIONS:
            raise CaseError("Kies een beoordeling: goedkeuren, terugsturen of afwijzen.")
        if action == "return" and not (comment or "").strip():
            raise CaseError("Bij terugsturen hoort een toelichting voor de auteur.")
        with self._write() as s:
            user = self._user(s, reviewer)
            if user.role not in REVIEWER_ROLES:
                raise PermissionDenied("Alleen een kwaliteitsmedewerker of beheerder mag casussen beoordelen.")
            row = self._case_for(s, case_id, user, lock=True)
            if row.author_id == user.id:
                raise PermissionDenied("U kunt uw eigen casus niet beoordelen (vier-ogenprincipe).")
            # Four eyes are two people: an account one created oneself (or that created one's own
            # account) may be the same person under a second name.
            if row.author.created_by == user.username or user.created_by == row.author.username:
                raise PermissionDenied(
                    "U kunt deze casus niet beoordelen: u hebt het account van de auteur aangemaakt, of de auteur "
                    "het uwe. Het vier-ogenprincipe vraagt twee verschillende mensen; laat een andere "
                    "beoordelaar deze casus beoordelen.")
            self._check_version(row, expected_version)
            if row.status != "ingediend":
                if row.reviewer and row.status in REVIEW_ACTIONS.values():
                    state = f"is al {row.status} door {row.reviewer.username}"
                else:
                    state = f"heeft status '{row.status}'"
                raise InvalidTransition(f"Casus {case_id} {state}; alleen een ingediende casus kan worden beoordeeld.")
            new_status = REVIEW_ACTIONS[action]
            gaps = motivering_gaps(row.motivering) if new_status == "goedgekeurd" else []
            if gaps:
                raise CaseError(f"Casus {case_id} kan niet worden goedgekeurd: de motivering is nog niet af ("
                                + "; ".join(gaps) + "). Stuur hem terug naar de auteur.")
            before = {"status": row.status, "version": row.version}
            text = None
            if (comment or "").strip():
                m = mapping if mapping is not None else self._reserved_mapping(self._case_texts(row))
                text = self._clean(comment.strip(), m)
                row.comments.append(CommentRow(case_id=row.id, author=user.username, kind=new_status, text=text,
                                               created_at=self._now()))
            row.status, row.reviewer_id, row.reviewer = new_status, user.id, user
            row.reviewed_at = row.updated_at = self._now()
            s.flush()
            self._append_event(s, user.username, f"case.{new_status}", row.id, before,
                               {"status": new_status, "version": row.version, "comment": text})
            return _case_model(row)

    def add_feedback(self, case_id: int, by: str, rating: str | int | bool, reason: str | None = None,
                     answer_no: int | None = None, mapping: PlaceholderMap | None = None) -> Case:
        """Thumbs up/down (+ reason) on an AI answer of the case; any user who may see the case."""
        rating = {True: "up", 1: "up", "+1": "up", "up": "up", "duim omhoog": "up",
                  False: "down", -1: "down", "-1": "down", "down": "down", "duim omlaag": "down"}.get(rating)
        if rating is None:
            raise CaseError("Feedback is 'up' (duim omhoog) of 'down' (duim omlaag).")
        with self._write() as s:
            user = self._user(s, by)
            row = self._case_for(s, case_id, user)
            if answer_no is not None and not any(a.answer_no == answer_no for a in row.ai_answers):
                raise CaseError(f"Casus {case_id} heeft geen AI-antwoord nummer {answer_no}.")
            text = None
            if (reason or "").strip():
                m = mapping if mapping is not None else self._reserved_mapping(self._case_texts(row))
                text = self._clean(reason.strip(), m)
            row.feedback.append(FeedbackRow(case_id=row.id, answer_no=answer_no, username=user.username,
                                            rating=rating, reason=text, created_at=self._now()))
            s.flush()
            self._append_event(s, user.username, "case.feedback", row.id, {},
                               {"rating": rating, "reason": text, "answer_no": answer_no})
            return _case_model(row)

    def delete_case(self, case_id: int, by: str) -> None:
        """Remove a case (author: own concept; beheerder: any). Its audit trail stays."""
        with self._write() as s:
            user = self._user(s, by)
            row = self._case_for(s, case_id, user, lock=True)
            if user.role != "beheerder" and not (row.author_id == user.id and row.status == "concept"):
                raise PermissionDenied("Alleen de auteur (van een concept) of een beheerder mag een casus verwijderen.")
            before = _snapshot(row)
            s.delete(row)
            self._append_event(s, user.username, "case.deleted", case_id, before, {})

    # ------------------------------------------------------------------ cases: reads

    def get_case(self, case_id: int, as_user: str) -> Case:
        with self._read() as s:
            return _case_model(self._case_for(s, case_id, self._user(s, as_user)))

    def list_cases(self, as_user: str, status: str | None = None, domain: str | None = None,
                   team: str | None = None, limit: int | None = None) -> list[Case]:
        if status is not None and status not in STATUSES:
            raise CaseError(f"Onbekende status '{status}'; kies uit: {', '.join(STATUSES)}.")
        with self._read() as s:
            user = self._user(s, as_user)
            stmt = select(CaseRow).order_by(CaseRow.id)
            if user.role not in ALL_CASES_ROLES:
                stmt = stmt.where(CaseRow.author_id == user.id)
            if status:
                stmt = stmt.where(CaseRow.status == status)
            if domain:
                stmt = stmt.where(CaseRow.domain == domain)
            if team:
                stmt = stmt.where(CaseRow.team == team)
            if limit:
                stmt = stmt.limit(limit)
            return [_case_model(r) for r in s.execute(stmt).unique().scalars()]

    def count_cases(self) -> int:
        with self._read() as s:
            return s.execute(select(func.count()).select_from(CaseRow)).scalar_one()

    def approved_cases(self, van: dt.date | None = None, tot: dt.date | None = None, *,
                       knelpunt_only: bool = False, domain: str | None = None) -> list[Case]:
        """Approved cases whose approval date (reviewed_at, UTC) lies in [van, tot], both inclusive,
        oldest first: the input of the knelpuntenrapportage. See Case for the fields."""
        with self._read() as s:
            stmt = select(CaseRow).where(CaseRow.status == "goedgekeurd").order_by(CaseRow.reviewed_at, CaseRow.id)
            if van is not None:
                stmt = stmt.where(CaseRow.reviewed_at >= dt.datetime.combine(van, dt.time.min))
            if tot is not None:
                stmt = stmt.where(CaseRow.reviewed_at < dt.datetime.combine(tot + dt.timedelta(days=1), dt.time.min))
            if knelpunt_only:
                stmt = stmt.where(CaseRow.knelpunt.is_(True))
            if domain:
                stmt = stmt.where(CaseRow.domain == domain)
            return [_case_model(r) for r in s.execute(stmt).unique().scalars()]

    def export(self, as_user: str, format: str = "json", status: str | None = None) -> str:
        """All cases the user may see, as JSON (full) or CSV (flat, one row per case). Exporting is
        for kwaliteit, jurist and beheerder, and is itself recorded in the audit trail."""
        if format not in ("json", "csv"):
            raise CaseError("Kies een exportformaat: csv of json.")
        with self._read() as s:
            role = self._user(s, as_user).role
        if role not in ALL_CASES_ROLES:
            raise PermissionDenied("Alleen kwaliteit, jurist of beheerder mag casussen exporteren.")
        cases = self.list_cases(as_user, status=status)
        if format == "json":
            text = json.dumps([c.to_dict() for c in cases], ensure_ascii=False, indent=2)
        else:
            buf = io.StringIO()
            columns = [f for f in Case.__dataclass_fields__ if f not in ("ai_answers", "comments", "feedback")]
            columns += ["ai_backend", "ai_model", "ai_prompt_hash", "ai_index_fingerprint", "comments", "feedback_up", "feedback_down"]
            writer = csv.DictWriter(buf, fieldnames=columns)
            writer.writeheader()
            for c in cases:
                d = c.to_dict()
                flat = {k: d[k] for k in columns if k in d}
                for k in ("rules", "precedents", "afwijkingsruimte"):
                    flat[k] = canonical_json(d[k]) if d[k] is not None else ""
                trace = (c.ai_trace or {}).get("trace") or {}
                prompt = trace.get("prompt")
                flat["ai_backend"] = trace.get("backend") or ""
                flat["ai_model"] = trace.get("model") or ""
                flat["ai_prompt_hash"] = (prompt.get("hash") if isinstance(prompt, dict) else trace.get("prompt_hash")) or ""
                flat["ai_index_fingerprint"] = trace.get("index_fingerprint") or ""
                flat["comments"] = " | ".join(f"{x.author}: {x.text}" for x in c.comments)
                flat["feedback_up"] = sum(f.rating == "up" for f in c.feedback)
                flat["feedback_down"] = sum(f.rating == "down" for f in c.feedback)
                writer.writerow(flat)
            text = buf.getvalue()
        with self._write() as s:
            self._append_event(s, self._user(s, as_user).username, "cases.exported", None, {},
                               {"format": format, "count": len(cases), "status": status})
        return text
