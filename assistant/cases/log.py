"""The case log: casussen, their four-eyes review workflow, the AI answer frozen with each case,
and a hash-chained, append-only audit trail. The package assistant.cases is the only one that
imports sqlalchemy/alembic; this module holds CaseLog with its sessions and the case workflow
(model.py: vocabulary and read models, schema.py: tables and engine, audit.py, users.py: mixins).

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
import io
import json
from contextlib import contextmanager
from typing import Any, Callable, Iterator, Mapping

from sqlalchemy import (
    Engine,
    func,
    select,
)
from sqlalchemy.orm import Session

from assistant.corpus.documents import DOMAINS
from assistant.integrity import AuditKey
from assistant.privacy import PLACEHOLDER_RE, KINDS, PlaceholderMap, Pseudonymiser, contains_personal_data
from assistant.cases.model import ALL_CASES_ROLES, CHOICE_FIELDS, Case, CaseError, CaseNotFound, ConcurrentChange, EDITABLE, EDITABLE_FIELDS, InvalidTransition, PermissionDenied, REVIEWER_ROLES, REVIEW_ACTIONS, STATUSES, TEXT_FIELDS, canonical_json, motivering_gaps
from assistant.cases.schema import AIAnswerRow, AuditHeadRow, CaseRow, CommentRow, FeedbackRow, UserRow, _case_model, _db_errors, _diff, _now, _snapshot, make_engine, upgrade
from assistant.cases.audit import AuditTrail, default_audit_key, key_the_chain
from assistant.cases.users import UserAccounts


# --------------------------------------------------------------------------- unit of work


class UnitOfWork:
    """The public face of one case-log transaction (see CaseLog.unit_of_work)."""

    KEY = "maatwerk_unit_of_work"  # where the session carries it (Session.info)

    def __init__(self, log: "CaseLog", session: Session):
        self.log, self.session = log, session

    @classmethod
    def of(cls, session: Session) -> "UnitOfWork":
        return session.info[cls.KEY]

    def user(self, username: str) -> UserRow:
        """The active account of this name, or PermissionDenied (Dutch)."""
        return self.log._user(self.session, username)

    def record(self, actor: str, action: str, before: Mapping[str, Any] | None = None,
               after: Mapping[str, Any] | None = None, case_id: int | None = None) -> None:
        """Append an audit event for a change made in this transaction."""
        self.log._append_event(self.session, actor, action, case_id, before or {}, after or {})


# --------------------------------------------------------------------------- the case log


class CaseLog(AuditTrail, UserAccounts):
    """Cases, workflow, users and the audit trail over one SQLAlchemy engine.

    Safe to share between threads (each call opens its own session); every change and its
    audit event are written in one transaction."""

    def __init__(self, engine: Engine, pseudonymiser: Pseudonymiser | None = None, migrate: bool = True,
                 clock: Callable[[], dt.datetime] | None = None, audit_key: AuditKey | None = None):
        # clock: returns naive UTC "now" for every timestamp this log writes (case dates, audit
        # events). Only for seeding demo data and tests (assistant/cases/demo.py backdates a year of
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

    @contextmanager
    def unit_of_work(self, write: bool = True) -> Iterator["UnitOfWork"]:
        """One transaction for a module that keeps its own tables beside the case log (the corpus
        registry): its rows and the audit events that record them are stored together or not at
        all, in the same hash chain as the cases."""
        with (self._write() if write else self._read()) as s:
            uow = UnitOfWork(self, s)
            s.info[UnitOfWork.KEY] = uow
            yield uow

    def now(self) -> dt.datetime:
        """This log's clock (naive UTC): the time every row and audit event it writes carries."""
        return self._now()

    def _lock(self, stmt, of=None):
        # FOR UPDATE OF <table>: PostgreSQL refuses to lock the nullable side of the
        # reviewer outer join that the eager load adds.
        return stmt.with_for_update(of=of) if self._row_locks else stmt


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
