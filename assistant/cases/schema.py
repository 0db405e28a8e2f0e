"""The case log's tables (SQLAlchemy ORM), the engine with its SQLite/PostgreSQL settings, the
Alembic migrations, the translation of lost connections into a Dutch error, and the mapping of
rows to the read models."""

from __future__ import annotations

import datetime as dt
import json
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

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
    event,
)
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import make_url
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.orm.exc import StaleDataError

from assistant.integrity import AuditKey, create_private_file, private_dir, private_file
from assistant.cases.model import AIAnswer, Case, Comment, ConcurrentChange, DatabaseUnavailable, EDITABLE_FIELDS, Feedback, User, canonical_json


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


# --------------------------------------------------------------------------- engine + migrations

# Alembic finds the migrations as package resources ("package:folder"), in a checkout and a wheel.
MIGRATIONS_LOCATION = "assistant.cases:migrations"


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
