"""The corpus registry: every document in the corpus as a managed record (citation, type,
layer, validity, status, who added which version when), its versions, precedents promoted from
approved cases, and the impact of a change on precedents and open knelpunten.

Files, registry and index change together or not at all: a change is validated in full before
anything is written, the registry rows and their audit events are written in one case-log
transaction, and if writing the files or re-indexing fails the files are put back, the index is
re-synced with them and the transaction rolls back. Every change is an event in the case log's
hash-chained audit trail, so `maatwerk audit verify` covers the corpus too.

The stored copy of a document is never edited: what the registry learns later (a valid_to when
a newer version arrives or the document is withdrawn, `status: achterhaald` for an overturned
precedent) goes into its sidecar `<file>.meta.yaml`, which the loader reads over the front
matter, so the index and the files always agree.
"""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import os
import re
import tempfile
import textwrap
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping, Sequence

import yaml
from sqlalchemy import Date, DateTime, ForeignKey, Integer, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column


from assistant.cases import Base, CaseError, CaseLog, CaseRow, PermissionDenied, UnitOfWork, motivering_gaps, upgrade
from assistant.corpus.documents import (
    SIDECAR_SUFFIX,
    Document,
    LoadError,
    find_files,
    load_document,
    load_yaml,
    split_document,
)

# --------------------------------------------------------------------------- vocabulary

# Stored lifecycle status. "geldend"/"vervallen" are also *computed* from the dates for a given
# day (RegisteredDocument.status_on), because a version closed per a future date is still the
# one in force until then.
STATUSES = ("concept", "geldend", "vervallen", "achterhaald")
EDITOR_ROLES = ("jurist", "beheerder")
IMPACT_ROLES = ("kwaliteit", "jurist", "beheerder")
RIJK_TYPES = ("wet", "amvb", "ministeriele_regeling")
# The layers an answer groups its sources by (same keys as answers.LAYERS).
LAYER_OF = {
    "wet": "wet", "amvb": "wet", "ministeriele_regeling": "wet",
    "verordening": "gemeente", "beleidsregel": "gemeente",
    "richtsnoer": "richtsnoer", "werkinstructie": "richtsnoer",
    "besluit": "besluit", "uitspraak": "rechtspraak", "overig": "overig",
}
# Where `add` stores a document of each type, relative to the corpus folder.
TYPE_DIRS = {
    "wet": "wetten", "amvb": "wetten", "ministeriele_regeling": "regelingen",
    "verordening": "verordeningen", "beleidsregel": "beleidsregels", "richtsnoer": "richtsnoeren",
    "werkinstructie": "werkinstructies", "besluit": "besluiten", "uitspraak": "uitspraken",
    "overig": "overig",
}
ECLI_RE = re.compile(r"^ECLI:[A-Z]{2}:[A-Z0-9]{1,7}:\d{4}:[A-Z0-9.]{1,25}$")
# Metadata keys that `add` accepts as options (beside front matter and sidecar).
META_OPTIONS = ("title", "citation", "source_type", "domain", "valid_from", "valid_to",
                "official_url", "bevoegd_gezag", "layer")
TEXT_SUFFIXES = (".md", ".markdown", ".txt", ".html", ".htm")
SIGNAL_OLD_PRECEDENT = "precedent gebaseerd op oude versie"
SIGNAL_KNELPUNT = "knelpunt mogelijk opgelost"


class RegistryError(CaseError):
    """Bad input or a refused corpus change; the message is Dutch and nothing was changed."""


# --------------------------------------------------------------------------- ORM


class DocumentRow(Base):
    __tablename__ = "corpus_documents"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(500))
    citation: Mapped[str] = mapped_column(String(300))
    source_type: Mapped[str] = mapped_column(String(30))
    layer: Mapped[str] = mapped_column(String(30))
    domain: Mapped[str] = mapped_column(String(40))
    bevoegd_gezag: Mapped[str | None] = mapped_column(String(200))
    valid_from: Mapped[dt.date | None] = mapped_column(Date)
    valid_to: Mapped[dt.date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20))
    source_url: Mapped[str | None] = mapped_column(String(1000))
    file_hash: Mapped[str] = mapped_column(String(64), unique=True)
    path: Mapped[str] = mapped_column(String(1000), unique=True)
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("corpus_documents.id"))
    case_id: Mapped[int | None] = mapped_column(Integer)
    precedent_id: Mapped[str | None] = mapped_column(String(60))
    achterhaald_door: Mapped[str | None] = mapped_column(String(80))
    note: Mapped[str | None] = mapped_column(Text)
    added_by: Mapped[str] = mapped_column(String(64))
    added_at: Mapped[dt.datetime] = mapped_column(DateTime)
    changed_by: Mapped[str | None] = mapped_column(String(64))
    changed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


# --------------------------------------------------------------------------- read models


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


def period(valid_from: dt.date | str | None, valid_to: dt.date | str | None) -> str:
    """'van 2025-02-04 tot 2026-01-01' / 'vanaf 2026-01-01' (valid_to exclusive)."""
    vf = valid_from.isoformat() if isinstance(valid_from, dt.date) else valid_from
    vt = valid_to.isoformat() if isinstance(valid_to, dt.date) else valid_to
    if vt:
        return f"van {vf or 'onbekend'} tot {vt}"
    return f"vanaf {vf or 'onbekend'}"


@dataclass(frozen=True)
class RegisteredDocument:
    id: int
    title: str
    citation: str
    source_type: str
    layer: str
    domain: str
    bevoegd_gezag: str | None
    valid_from: dt.date | None
    valid_to: dt.date | None
    stored_status: str
    source_url: str | None
    file_hash: str
    path: str  # relative to the corpus folder (= Chunk.source when the corpus folder is indexed)
    added_by: str
    added_at: dt.datetime
    changed_by: str | None = None
    changed_at: dt.datetime | None = None
    supersedes_id: int | None = None
    superseded_by_id: int | None = None
    case_id: int | None = None
    precedent_id: str | None = None
    achterhaald_door: str | None = None
    note: str | None = None
    today: dt.date | None = None

    def status_on(self, day: dt.date) -> str:
        """concept | achterhaald | toekomstig | geldend | vervallen on `day`."""
        if self.stored_status in ("concept", "achterhaald"):
            return self.stored_status
        if self.valid_to and self.valid_to <= day:
            return "vervallen"
        if self.valid_from and self.valid_from > day:
            return "toekomstig"
        return "geldend"

    @property
    def status(self) -> str:
        return self.status_on(self.today or dt.date.today())

    @property
    def period(self) -> str:
        return period(self.valid_from, self.valid_to)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d.pop("today")
        d["status"] = self.status
        for k in ("valid_from", "valid_to", "added_at", "changed_at"):
            d[k] = d[k].isoformat() if d[k] else None
        return d


@dataclass
class AddResult:
    """What one add did: the new record, the versions it closed, the files it skipped as unchanged."""

    added: list[RegisteredDocument] = field(default_factory=list)
    closed: list[RegisteredDocument] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)  # citations whose text did not change
    warnings: list[str] = field(default_factory=list)  # index errors in *other* corpus files
    # Personal data replaced before indexing, per added file (corpus path) and kind.
    replaced: dict[str, dict[str, int]] = field(default_factory=dict)

    def replaced_in(self, doc: RegisteredDocument) -> dict[str, int]:
        return self.replaced.get(doc.path, {})

    @property
    def document(self) -> RegisteredDocument:
        return self.added[0]


@dataclass
class ImpactItem:
    kind: str  # "precedent" | "knelpunt"
    ref: str  # "MB-2025-003" | "casus 12"
    cites: str  # the rule as the precedent/case cites it
    version: str | None  # regel_versie / the case's rule version (or peildatum)
    affected: bool
    signal: str | None  # SIGNAL_OLD_PRECEDENT | SIGNAL_KNELPUNT | None
    reason: str  # Dutch
    status: str | None = None  # precedent: achterhaald; case: knelpunt status
    case_id: int | None = None
    description: str | None = None  # knelpunt omschrijving (pseudonymised)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class ImpactReport:
    citation: str
    artikel: str | None
    versions: list[dict[str, Any]]  # {"valid_from", "valid_to", "source"}
    items: list[ImpactItem]

    @property
    def affected(self) -> list[ImpactItem]:
        return [i for i in self.items if i.affected]

    def to_dict(self) -> dict[str, Any]:
        return {"citation": self.citation, "artikel": self.artikel, "versions": self.versions,
                "items": [i.to_dict() for i in self.items]}


# --------------------------------------------------------------------------- citations


_ART_CITATION = re.compile(
    r"^\s*(?:artikel|art\.)\s+(?P<num>[0-9][\w.:]*?)\s*,?\s+"
    r"(?:(?:[\w]+|\d+[a-z]?)\s+lid\s*,?\s+)?"
    r"(?:(?:onderdeel|sub|aanhef en onder)\s+\S+?\s*,?\s+)?"
    r"(?:van\s+(?:de|het)\s+)?(?P<base>.+?)\s*$",
    re.I,
)
_RANGE_SUFFIX = re.compile(r",\s*artikel(?:en)?\b.*$", re.I)


def rule_key(citation: str) -> tuple[str, str | None]:
    """('participatiewet', '58') for 'artikel 58, achtste lid, Participatiewet'; ('beleidsregels
    x', None) for 'Beleidsregels X'. Lid and onderdeel are dropped: a change of an article
    concerns everything that cites any part of it."""
    text = " ".join(str(citation or "").split())
    m = _ART_CITATION.match(text)
    if m:
        return m.group("base").strip(" ,.").lower(), m.group("num").rstrip(".,:").lower()
    return _RANGE_SUFFIX.sub("", text).strip(" ,.").lower(), None


def _cites(ref_key: tuple[str, str | None], target: tuple[str, str | None], artikel: str | None) -> bool:
    base, art = ref_key
    t_base, t_art = target
    if base != t_base:
        return False
    want = (artikel or t_art or "").lower() or None
    return want is None or art == want


# --------------------------------------------------------------------------- file changes


class _FileChanges:
    """Writes into the corpus folder that can be undone: every touched path's previous bytes are
    kept (None = did not exist), and directories created on the way are removed again."""

    def __init__(self) -> None:
        self.saved: dict[Path, bytes | None] = {}
        self.created_dirs: list[Path] = []

    def _remember(self, path: Path) -> None:
        if path not in self.saved:
            self.saved[path] = path.read_bytes() if path.exists() else None

    def write(self, path: Path, data: bytes) -> None:
        self._remember(path)
        missing = []
        parent = path.parent
        while not parent.exists():
            missing.append(parent)
            parent = parent.parent
        path.parent.mkdir(parents=True, exist_ok=True)
        self.created_dirs += reversed(missing)
        tmp = path.with_name(f".{path.name}.tmp")
        tmp.write_bytes(data)
        os.replace(tmp, path)

    def rollback(self) -> None:
        for path, data in reversed(list(self.saved.items())):
            try:
                if data is None:
                    path.unlink(missing_ok=True)
                else:
                    path.write_bytes(data)
            except OSError:
                pass
        for d in reversed(self.created_dirs):
            try:
                d.rmdir()
            except OSError:
                pass

    @property
    def touched(self) -> bool:
        return bool(self.saved)


# --------------------------------------------------------------------------- staging


@dataclass
class _Staged:
    """A validated incoming document: its bytes, its merged metadata, where it will live."""

    src_name: str
    raw: bytes
    sidecar: dict[str, Any]  # what goes into the stored copy's sidecar (may be empty)
    meta: dict[str, Any]  # normalised by the loader
    body: str  # plain text of the blocks: to recognise an unchanged version
    file_hash: str
    dest_dir: str
    valid_from: dt.date
    valid_to: dt.date | None
    rel_path: str = ""
    predecessor: Any = None  # DocumentRow this version follows


def _yaml_dump(data: Mapping[str, Any]) -> bytes:
    clean = {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in data.items()}
    return yaml.safe_dump(clean, allow_unicode=True, sort_keys=False).encode("utf-8")


def _date(value: Any, what: str, field: str | None = None) -> dt.date | None:
    """A date from a value; ``what`` names it in the message (or ``field``, an input the front end words)."""
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        name = "{" + field + "}" if field else what
        raise RegistryError(f"{name} '{value}' is geen datum in de vorm JJJJ-MM-DD.",
                            fields=(field,) if field else ()) from None


def _sniff(raw: bytes, name: str) -> None:
    """A text file that is really a PDF, a ZIP/DOCX or binary: the loader would read it as
    garbage in cp1252, so refuse it here with the reason."""
    suffix = Path(name).suffix.lower()
    if suffix not in TEXT_SUFFIXES:
        return
    head = raw[:1024].lstrip()
    if head.startswith(b"%PDF"):
        found = "een PDF"
    elif head.startswith(b"PK\x03\x04"):
        found = "een ZIP- of DOCX-bestand"
    elif b"\x00" in raw[:4096]:
        found = "binaire gegevens"
    else:
        return
    raise RegistryError(f"{name}: is geen tekstbestand maar {found}; de extensie {suffix} past niet bij de inhoud.")


def check_subfolder(folder: str) -> str:
    """FOLDER (from --map or a form) as a clean relative path inside the corpus folder, or a
    RegistryError that says why not. Symlinks are checked where the folder is known
    (Registry._inside)."""
    text = str(folder).strip().replace("\\", "/")
    parts = [p for p in text.split("/") if p not in ("", ".")]
    problem = None
    if text.startswith("/") or re.match(r"^[A-Za-z]:", text) or text.startswith("~"):
        problem = "een absoluut pad"
    elif ".." in parts:
        problem = "'..'"
    elif any(p.startswith(".") for p in parts):
        problem = "een verborgen map (met een punt vooraan), die niet wordt geïndexeerd"
    elif any(ord(ch) < 32 for ch in text):
        problem = "een stuurteken"
    if problem:
        raise RegistryError(f"Map '{folder}' bevat {problem}: geef een submap binnen de corpusmap, "
                            "bijv. beleidsregels of besluiten/2026. Er is niets opgeslagen.")
    return "/".join(parts)


def safe_name(name: str) -> str:
    stem, dot, suffix = Path(name).name.rpartition(".")
    if not dot:
        stem, suffix = suffix, ""
    stem = re.sub(r"[^A-Za-z0-9@._-]+", "-", stem).strip("-.") or "document"
    return f"{stem}.{suffix.lower()}" if suffix else stem


def _body_text(doc: Document) -> str:
    return "\n".join(" ".join(b.text.split()) for b in doc.blocks)


# --------------------------------------------------------------------------- the registry


class Registry:
    """The corpus as managed records over the case log's database, audit trail and users.

    collaborators: a CaseLog (engine, users, audit chain), an Index (re-indexed after each
    change, always with the corpus folder as root, exactly as `maatwerk index` does), the corpus
    folder, and the folder for promoted precedents (inside the corpus folder)."""

    def __init__(self, caselog: CaseLog, index, corpus_dir: Path, precedents_dir: Path | None = None,
                 max_bytes: int | None = None, today: Callable[[], dt.date] | None = None,
                 max_chunk_chars: int = 1500):
        self.log = caselog
        self.index = index
        self.corpus_dir = Path(corpus_dir).resolve()
        self.precedents_dir = Path(precedents_dir).resolve() if precedents_dir else self.corpus_dir / "besluiten"
        try:
            self.precedents_rel = self.precedents_dir.relative_to(self.corpus_dir).as_posix()
        except ValueError:
            raise RegistryError(
                f"De map voor precedenten ({self.precedents_dir}) moet binnen de corpusmap ({self.corpus_dir}) "
                "liggen, anders worden ze niet geïndexeerd.") from None
        self.max_bytes = max_bytes
        self.max_chunk_chars = max_chunk_chars
        self._today = today or dt.date.today
        # The registry's tables come with migration 0002; an older database is upgraded here.
        upgrade(caselog.engine)

    # ------------------------------------------------------------------ plumbing

    def today(self) -> dt.date:
        return self._today()

    def _now(self) -> dt.datetime:
        return self.log.now()

    # Every change goes through the case log's unit of work: the registry's rows and their audit
    # events in one transaction (UnitOfWork.of(s) is the transaction a session belongs to).

    @contextmanager
    def _write(self) -> Iterator[Session]:
        with self.log.unit_of_work(write=True) as uow:
            yield uow.session

    @contextmanager
    def _read(self) -> Iterator[Session]:
        with self.log.unit_of_work(write=False) as uow:
            yield uow.session

    def _editor(self, s: Session, username: str):
        user = UnitOfWork.of(s).user(username)
        if user.role not in EDITOR_ROLES:
            raise PermissionDenied("Alleen een jurist of beheerder mag het corpus wijzigen.")
        return user

    def _audit(self, s: Session, actor: str, action: str, before: Mapping | None, after: Mapping | None,
               case_id: int | None = None) -> None:
        UnitOfWork.of(s).record(actor, action, before, after, case_id=case_id)

    def _model(self, row: DocumentRow, s: Session) -> RegisteredDocument:
        successor = s.execute(select(DocumentRow.id).where(DocumentRow.supersedes_id == row.id)).scalar()
        return RegisteredDocument(
            id=row.id, title=row.title, citation=row.citation, source_type=row.source_type, layer=row.layer,
            domain=row.domain, bevoegd_gezag=row.bevoegd_gezag, valid_from=row.valid_from, valid_to=row.valid_to,
            stored_status=row.status, source_url=row.source_url, file_hash=row.file_hash, path=row.path,
            added_by=row.added_by, added_at=row.added_at, changed_by=row.changed_by, changed_at=row.changed_at,
            supersedes_id=row.supersedes_id, superseded_by_id=successor, case_id=row.case_id,
            precedent_id=row.precedent_id, achterhaald_door=row.achterhaald_door, note=row.note,
            today=self.today(),
        )

    @staticmethod
    def _snapshot(row: DocumentRow) -> dict[str, Any]:
        return {"document_id": row.id, "citation": row.citation, "title": row.title, "type": row.source_type,
                "valid_from": _iso(row.valid_from), "valid_to": _iso(row.valid_to), "status": row.status,
                "path": row.path, "file_hash": row.file_hash, "achterhaald_door": row.achterhaald_door}

    def _row(self, s: Session, ref: int | str) -> DocumentRow:
        row = None
        text = str(ref).strip().lstrip("#")
        if text.isdigit():
            row = s.get(DocumentRow, int(text))
        if row is None:
            row = s.execute(select(DocumentRow).where(DocumentRow.precedent_id == text)).scalar_one_or_none()
        if row is None:
            raise RegistryError(f"Document {ref} staat niet in het register; zie `maatwerk corpus list`.")
        return row

    def _reindex(self, ours: Sequence[str], result: AddResult | None = None) -> list[str]:
        """Re-index the corpus folder (unchanged files are skipped by hash). A load error in one
        of *our* files fails the change; errors in other files are returned as warnings. The
        personal data replaced in our files (the index only holds the pseudonymised text) goes
        into result.replaced."""
        report = self.index.index_paths([self.corpus_dir], progress=False, max_bytes=self.max_bytes)
        mine = set(ours)
        if result is not None:
            result.replaced = {p: counts for p, counts in report.replaced.items() if p in mine}
        bad = [e for e in report.errors if e.path in mine]
        if bad:
            raise RegistryError("Indexeren mislukt, er is niets gewijzigd: "
                                + "; ".join(f"{e.path}: {e.reason}" for e in bad))
        return [f"{e.path}: {e.reason}" for e in report.errors]

    @contextmanager
    def _change(self) -> Iterator[tuple[Session, _FileChanges]]:
        """One corpus change: a write transaction plus undoable file writes. On any failure
        (also a failed commit) the files are restored and the index re-synced with them."""
        files = _FileChanges()
        try:
            with self._write() as s:
                yield s, files
        except BaseException:
            if files.touched:
                files.rollback()
                try:
                    self.index.index_paths([self.corpus_dir], progress=False, max_bytes=self.max_bytes)
                except Exception:  # the original error is the one to report
                    pass
            raise

    def _set_sidecar(self, files: _FileChanges, rel_path: str, **values: Any) -> None:
        sidecar = self._inside(self.corpus_dir / (rel_path + SIDECAR_SUFFIX))
        data: dict[str, Any] = {}
        if sidecar.exists():
            data = load_yaml(sidecar.read_text(encoding="utf-8")) or {}
        for k, v in values.items():
            if v is None:
                data.pop(k, None)
            else:
                data[k] = v
        files.write(sidecar, _yaml_dump(data))

    # ------------------------------------------------------------------ reads

    def list(self, status: str | None = None, source_type: str | None = None,
             citation: str | None = None) -> list[RegisteredDocument]:
        with self._read() as s:
            stmt = select(DocumentRow).order_by(DocumentRow.citation, DocumentRow.valid_from, DocumentRow.id)
            if source_type:
                stmt = stmt.where(DocumentRow.source_type == source_type)
            if citation:
                stmt = stmt.where(DocumentRow.citation == citation)
            docs = [self._model(r, s) for r in s.execute(stmt).scalars()]
        if status:
            docs = [d for d in docs if d.status == status]
        return docs

    def get(self, ref: int | str) -> RegisteredDocument:
        with self._read() as s:
            return self._model(self._row(s, ref), s)

    def versions(self, citation: str) -> list[RegisteredDocument]:
        """All registered versions with exactly this citation, oldest first."""
        return [d for d in self.list(citation=citation) if d.stored_status != "concept"]

    def version_on(self, citation: str, day: dt.date | str) -> RegisteredDocument | None:
        """The registered version of CITATION in force on DAY (a case's peildatum, or the
        regel_versie it recorded): how the UI shows the exact version an answer or case used."""
        day = _date(day, "datum")
        for v in self.versions(citation):
            if (v.valid_from or dt.date.min) <= day < (v.valid_to or dt.date.max):
                return v
        return None

    def path_of(self, doc: RegisteredDocument) -> Path:
        return self.corpus_dir / doc.path

    # ------------------------------------------------------------------ staging and planning

    def _stage(self, path: Path, overrides: Mapping[str, Any], dest_dir: str | None) -> _Staged:
        path = Path(path)
        name = path.name
        if not path.is_file():
            raise RegistryError(f"{path}: bestand bestaat niet.")
        raw = path.read_bytes()
        _sniff(raw, name)
        unknown = sorted(set(k for k, v in overrides.items() if v is not None) - set(META_OPTIONS))
        if unknown:
            raise RegistryError(f"Onbekend metadataveld: {', '.join(unknown)}.")
        sidecar: dict[str, Any] = {}
        src_sidecar = path.with_name(name + SIDECAR_SUFFIX)
        if src_sidecar.exists():
            try:
                loaded = load_yaml(src_sidecar.read_text(encoding="utf-8")) or {}
            except (yaml.YAMLError, ValueError, UnicodeDecodeError) as exc:
                raise RegistryError(f"{src_sidecar.name}: metadata is geen geldige YAML ({exc}).") from exc
            if not isinstance(loaded, dict):
                raise RegistryError(f"{src_sidecar.name}: metadata moet een lijst van velden zijn.")
            sidecar.update(loaded)
        for k, v in overrides.items():
            if v is not None:
                sidecar[k] = v.isoformat() if isinstance(v, dt.date) else v
        if "source_type" in sidecar:
            sidecar["source_type"] = str(sidecar["source_type"]).strip().lower()
        # Load exactly what will be stored, as the loader will read it.
        with tempfile.TemporaryDirectory(prefix="maatwerk-stage-") as tmp:
            staged = Path(tmp) / safe_name(name)
            staged.write_bytes(raw)
            if sidecar:
                staged.with_name(staged.name + SIDECAR_SUFFIX).write_bytes(_yaml_dump(sidecar))
            try:
                doc = load_document(staged, Path(tmp), max_bytes=self.max_bytes)
                chunks = split_document(doc, self.max_chunk_chars)
            except LoadError as exc:
                raise RegistryError(f"{name}: {exc.reason}") from exc
        if not chunks:
            raise RegistryError(f"{name}: bevat geen tekst om te indexeren.")
        meta = doc.meta
        if not meta.get("valid_from"):
            raise RegistryError(
                f"{name}: de datum van inwerkingtreding (valid_from) ontbreekt. Zet hem in de front matter, "
                f"in {name}{SIDECAR_SUFFIX}, of geef hem op met {{valid_from}} (JJJJ-MM-DD).", fields=("valid_from",))
        has_citation = any(k in sidecar for k in ("citation", "title")) or doc.meta.get("citation") != Path(staged).stem
        if not has_citation:
            raise RegistryError(f"{name}: de citeertitel (citation) ontbreekt; zet hem in de front matter of geef hem op met {{citation}}.", fields=("citation",))
        stype = meta["source_type"]
        return _Staged(
            src_name=name, raw=raw, sidecar=sidecar, meta=meta, body=_body_text(doc),
            file_hash=hashlib.sha256(raw).hexdigest(),
            dest_dir=self._subfolder(dest_dir) if dest_dir is not None else TYPE_DIRS.get(stype, "overig"),
            valid_from=dt.date.fromisoformat(meta["valid_from"]),
            valid_to=dt.date.fromisoformat(meta["valid_to"]) if meta.get("valid_to") else None,
        )

    def _subfolder(self, folder: str) -> str:
        """A folder given by a user (--map, an import) as a path relative to the corpus folder;
        refused when it could lead outside it (.., an absolute path, a symlink out) or into a
        hidden folder that `maatwerk index` skips."""
        rel = check_subfolder(folder)
        self._inside(self.corpus_dir.joinpath(*rel.split("/")) if rel else self.corpus_dir, folder)
        return rel

    def _inside(self, path: Path, shown: Any = None) -> Path:
        """PATH, if it lies inside the corpus folder after resolving symlinks; else refused."""
        resolved = Path(path).resolve()
        if resolved != self.corpus_dir and not resolved.is_relative_to(self.corpus_dir):
            raise RegistryError(f"'{shown if shown is not None else path}' ligt buiten de corpusmap "
                                f"({self.corpus_dir}); daar schrijft de assistent niet. Er is niets opgeslagen.")
        return path

    def _dest_path(self, st: _Staged, taken: set[str]) -> str:
        name = safe_name(st.src_name)
        base = f"{st.dest_dir}/{name}" if st.dest_dir else name
        candidates = [base]
        stem, dot, suffix = name.rpartition(".")
        if "@" not in stem:
            alt = f"{stem}@{st.valid_from.isoformat()}.{suffix}" if dot else f"{name}@{st.valid_from.isoformat()}"
            candidates.append(f"{st.dest_dir}/{alt}" if st.dest_dir else alt)
        for rel in candidates:
            if rel not in taken and not (self.corpus_dir / rel).exists():
                return rel
        raise RegistryError(f"{st.src_name}: in de corpusmap staat al een bestand {candidates[-1]}; "
                            "geef het bestand een andere naam.")

    def _stored_body(self, row: DocumentRow) -> str | None:
        try:
            return _body_text(load_document(self.corpus_dir / row.path, self.corpus_dir))
        except (LoadError, OSError):
            return None

    # ------------------------------------------------------------------ writes: add / versions

    def add(self, path: Path | str, by: str, *, dest_dir: str | None = None, **meta: Any) -> AddResult:
        """Copy PATH into the corpus folder, register it and index it. Metadata from front
        matter < `<PATH>.meta.yaml` < keyword options (META_OPTIONS). A document with the citation
        of a registered one is a new version: the open version is closed at the new valid_from
        (registry and its sidecar), both stay searchable by peildatum."""
        return self.add_many([(Path(path), meta)], by, dest_dir=dest_dir)

    def add_many(self, items: Sequence[tuple[Path, Mapping[str, Any]]], by: str, *, dest_dir: str | None = None,
                 skip_unchanged: bool = False, audit_action: str = "corpus.document_added",
                 case_id: int | None = None, precedent_id: str | None = None) -> AddResult:
        """All or nothing: every item is validated before anything is written. With
        skip_unchanged (imports), an item whose text equals the open version of its citation is
        skipped instead of becoming a new version."""
        if not items:
            raise RegistryError("Er is niets om toe te voegen.")
        with self._read() as s:
            self._editor(s, by)  # refuse before reading anything
        staged = [self._stage(Path(p), dict(m), dest_dir) for p, m in items]
        result = AddResult()
        with self._change() as (s, files):
            user = self._editor(s, by)
            seen_hashes: dict[str, str] = {}
            taken: set[str] = set()
            pending: dict[str, list[tuple[dt.date, dt.date | None, str]]] = {}
            plan: list[tuple[_Staged, DocumentRow | None]] = []
            for st in sorted(staged, key=lambda x: (x.meta["citation"], x.valid_from)):
                citation = st.meta["citation"]
                if st.file_hash in seen_hashes:
                    raise RegistryError(f"{st.src_name} en {seen_hashes[st.file_hash]} zijn hetzelfde bestand.")
                seen_hashes[st.file_hash] = st.src_name
                dup = s.execute(select(DocumentRow).where(DocumentRow.file_hash == st.file_hash)).scalar_one_or_none()
                rows = list(s.execute(select(DocumentRow).where(DocumentRow.citation == citation,
                                                                DocumentRow.status != "concept")).scalars())
                open_rows = [r for r in rows if r.valid_to is None]
                if skip_unchanged and open_rows and open_rows[0].valid_from and open_rows[0].valid_from <= st.valid_from \
                        and self._stored_body(open_rows[0]) == st.body:
                    result.unchanged.append(citation)
                    continue
                if dup is not None:
                    raise RegistryError(
                        f"{st.src_name} staat al in het corpus als document {dup.id} ({dup.citation}, "
                        f"{period(dup.valid_from, dup.valid_to)}, {dup.path}); er is niets gewijzigd.")
                to_close = self._check_overlap(st, citation, rows, pending.get(citation, []))
                # A version that starts where a closed one ended follows it (CVDR/BWB versions
                # arrive already closed): linked, nothing to close.
                st.predecessor = to_close or next((r for r in rows if r.valid_to == st.valid_from), None)
                pending.setdefault(citation, []).append((st.valid_from, st.valid_to, st.src_name))
                st.rel_path = self._dest_path(st, taken)
                taken.add(st.rel_path)
                plan.append((st, to_close))

            if not plan:
                return result  # everything unchanged: nothing to write, nothing to audit
            now = self._now()
            ours: list[str] = []
            added_rows: list[DocumentRow] = []
            closed_rows: list[DocumentRow] = []
            for st, to_close in plan:
                meta = st.meta
                stype = meta["source_type"]
                row = DocumentRow(
                    title=meta["title"], citation=meta["citation"], source_type=stype,
                    layer=str(meta.get("layer") or LAYER_OF.get(stype, "overig")), domain=meta["domain"],
                    bevoegd_gezag=str(meta.get("bevoegd_gezag") or self._gezag(meta)),
                    valid_from=st.valid_from, valid_to=st.valid_to, status="geldend",
                    source_url=meta.get("official_url") or None, file_hash=st.file_hash, path=st.rel_path,
                    supersedes_id=st.predecessor.id if st.predecessor is not None else None, case_id=case_id,
                    precedent_id=precedent_id or (str(meta["id"]) if stype == "besluit" and meta.get("id") else None),
                    added_by=user.username, added_at=now,
                )
                s.add(row)
                s.flush()
                self._audit(s, user.username, audit_action, {}, self._snapshot(row), case_id=case_id)
                target = self._inside(self.corpus_dir / st.rel_path)
                files.write(target, st.raw)
                if st.sidecar:
                    files.write(target.with_name(target.name + SIDECAR_SUFFIX), _yaml_dump(st.sidecar))
                ours.append(st.rel_path)
                if to_close is not None:
                    before = self._snapshot(to_close)
                    to_close.valid_to = st.valid_from
                    if st.valid_from <= self.today():
                        to_close.status = "vervallen"
                    to_close.changed_by, to_close.changed_at = user.username, now
                    s.flush()
                    self._set_sidecar(files, to_close.path, valid_to=st.valid_from.isoformat())
                    self._audit(s, user.username, "corpus.version_closed",
                                {"document_id": to_close.id, "valid_to": before["valid_to"], "status": before["status"]},
                                {"document_id": to_close.id, "valid_to": _iso(to_close.valid_to),
                                 "status": to_close.status, "opgevolgd_door": row.id})
                    ours.append(to_close.path)
                added_rows.append(row)
                if to_close is not None:
                    closed_rows.append(to_close)
            result.warnings = self._reindex(ours, result)
            result.added = [self._model(r, s) for r in added_rows]
            result.closed = [self._model(r, s) for r in closed_rows]
        return result

    @staticmethod
    def _gezag(meta: Mapping[str, Any]) -> str:
        if meta["source_type"] in RIJK_TYPES:
            return "Rijk"
        if meta["source_type"] == "uitspraak":
            return str(meta.get("instantie") or "rechter")
        org = meta.get("gemeente") or meta.get("organisatie")
        return f"gemeente {org}" if org else "gemeente"

    def _check_overlap(self, st: _Staged, citation: str, rows: list[DocumentRow],
                       pending: list[tuple[dt.date, dt.date | None, str]]) -> DocumentRow | None:
        """The open version to close (None if none), or RegistryError when the new validity
        overlaps a registered version that cannot simply be closed at the new valid_from."""
        far = dt.date.max
        vf, vt = st.valid_from, st.valid_to or far
        for p_vf, p_vt, p_name in pending:
            if p_vf < vt and vf < (p_vt or far):
                raise RegistryError(
                    f"{st.src_name} en {p_name} hebben dezelfde citeertitel '{citation}' en overlappende "
                    f"geldigheid ({period(vf, st.valid_to)} en {period(p_vf, p_vt)}).")
        to_close = None
        for r in rows:
            r_vf = r.valid_from or dt.date.min
            if not (r_vf < vt and vf < (r.valid_to or far)):
                continue
            if r.valid_to is None and r_vf < vf and r.status != "achterhaald":
                to_close = r  # the open version: closed at the new valid_from
                continue
            raise RegistryError(
                f"De geldigheid van {st.src_name} ({period(vf, st.valid_to)}) overlapt met versie {r.id} van "
                f"'{citation}' ({period(r.valid_from, r.valid_to)}, {r.path}). Pas valid_from/valid_to aan, of "
                "trek die versie eerst in. Er is niets gewijzigd.")
        return to_close

    def retire(self, ref: int | str, by: str, per: dt.date | str | None = None, reden: str | None = None) -> RegisteredDocument:
        """Withdraw a document per a date (default today): valid_to = per in registry and sidecar;
        it stays in the index for peildata before that date."""
        day = _date(per, "per", field="per") or self.today()
        with self._change() as (s, files):
            user = self._editor(s, by)
            row = self._row(s, ref)
            if row.valid_from and day <= row.valid_from:
                raise RegistryError(f"De intrekkingsdatum {day} ligt niet na de ingangsdatum {row.valid_from} "
                                    f"van document {row.id}.")
            if row.valid_to and row.valid_to <= day:
                raise RegistryError(f"Document {row.id} geldt al niet meer sinds {row.valid_to}.")
            before = self._snapshot(row)
            row.valid_to, row.status = day, "vervallen"
            row.changed_by, row.changed_at = user.username, self._now()
            if reden:
                row.note = reden
            s.flush()
            self._set_sidecar(files, row.path, valid_to=day.isoformat())
            self._audit(s, user.username, "corpus.document_retired", before, {**self._snapshot(row), "reden": reden},
                        case_id=row.case_id)
            self._reindex([row.path])
            return self._model(row, s)

    def register_existing(self, by: str) -> tuple[list[RegisteredDocument], list[str]]:
        """Register the files already in the corpus folder that the registry does not know (the
        sample corpus, files copied in by hand). Files are not moved or changed; a file that does
        not load, or duplicates a registered one, is reported and skipped."""
        problems: list[str] = []
        with self._write() as s:
            user = self._editor(s, by)
            known_paths = set(s.execute(select(DocumentRow.path)).scalars())
            known_hashes = set(s.execute(select(DocumentRow.file_hash)).scalars())
            added = []
            now = self._now()
            for f in find_files(self.corpus_dir):
                rel = f.relative_to(self.corpus_dir).as_posix()
                if rel in known_paths:
                    continue
                raw = f.read_bytes()
                digest = hashlib.sha256(raw).hexdigest()
                if digest in known_hashes:
                    problems.append(f"{rel}: zelfde inhoud als een geregistreerd document; overgeslagen")
                    continue
                try:
                    meta = load_document(f, self.corpus_dir, max_bytes=self.max_bytes).meta
                except LoadError as exc:
                    problems.append(f"{rel}: {exc.reason}")
                    continue
                stype = meta["source_type"]
                row = DocumentRow(
                    title=meta["title"], citation=meta["citation"], source_type=stype,
                    layer=str(meta.get("layer") or LAYER_OF.get(stype, "overig")), domain=meta["domain"],
                    bevoegd_gezag=str(meta.get("bevoegd_gezag") or self._gezag(meta)),
                    valid_from=_date(meta.get("valid_from"), "valid_from"),
                    valid_to=_date(meta.get("valid_to"), "valid_to"),
                    status="achterhaald" if str(meta.get("status", "")).lower() == "achterhaald" else "geldend",
                    source_url=meta.get("official_url") or None, file_hash=digest, path=rel,
                    precedent_id=str(meta["id"]) if stype == "besluit" and meta.get("id") else None,
                    achterhaald_door=meta.get("achterhaald_door"), added_by=user.username, added_at=now)
                s.add(row)
                known_hashes.add(digest)
                added.append(row)
            s.flush()
            if added:
                self._audit(s, user.username, "corpus.registered_existing", {},
                            {"count": len(added), "documents": [[r.id, r.path, r.file_hash] for r in added]})
            return [self._model(r, s) for r in added], problems

    # ------------------------------------------------------------------ precedents

    def promote_case(self, case_id: int, by: str, *, precedent_id: str | None = None,
                     omstandigheden: Sequence[str] | None = None, title: str | None = None) -> RegisteredDocument:
        """Turn an approved case into a precedent document (besluiten front-matter format),
        written to the precedents folder, registered and indexed. Only jurist/beheerder; the
        case's texts are pseudonymised already and are checked once more."""
        with self._read() as s:
            self._editor(s, by)
            if s.execute(select(DocumentRow).where(DocumentRow.case_id == case_id,
                                                   DocumentRow.source_type == "besluit")).first():
                existing = s.execute(select(DocumentRow).where(DocumentRow.case_id == case_id)).scalars().first()
                raise RegistryError(f"Casus {case_id} is al vastgelegd als precedent "
                                    f"{existing.precedent_id or existing.id}.")
        case = self.log.get_case(case_id, as_user=by)
        if case.status != "goedgekeurd":
            raise RegistryError(f"Casus {case_id} heeft status '{case.status}'; alleen een goedgekeurde casus "
                                "kan een precedent worden.")
        gaps = motivering_gaps(case.motivering)
        if gaps:  # approved before the check existed: never a precedent with placeholders
            raise RegistryError(f"Casus {case_id} kan geen precedent worden: de motivering is nog niet af ("
                                + "; ".join(gaps) + ").")
        text, pid = self._precedent_markdown(case, precedent_id, omstandigheden, title)
        with tempfile.TemporaryDirectory(prefix="maatwerk-precedent-") as tmp:
            path = Path(tmp) / f"{pid}.md"
            path.write_text(text, encoding="utf-8")
            result = self.add_many([(path, {})], by, dest_dir=self.precedents_rel,
                                   audit_action="corpus.precedent_promoted", case_id=case.id, precedent_id=pid)
        return result.document

    def _precedent_markdown(self, case, precedent_id, omstandigheden, title) -> tuple[str, str]:
        from assistant.privacy import PlaceholderMap, contains_personal_data

        day = (case.reviewed_at or case.updated_at).date()
        pid = (precedent_id or f"MB-{day.year}-C{case.id:03d}").strip()
        if not re.match(r"^[A-Za-z0-9][A-Za-z0-9._-]{1,58}$", pid):
            raise RegistryError(f"'{pid}' is geen geldig kenmerk voor een precedent (letters, cijfers, - . _).")
        mapping = PlaceholderMap()

        def clean(value: str | None) -> str:
            text = self.log.pseudonymiser.pseudonymise((value or "").strip(), mapping)
            if contains_personal_data(text):
                raise RegistryError(f"Casus {case.id} bevat nog persoonsgegevens; pas de casus aan voordat hij "
                                    "een precedent wordt.")
            return text

        rules = [r if isinstance(r, dict) else {"citation": str(r)} for r in (case.rules or [])]
        ruimte = case.afwijkingsruimte if isinstance(case.afwijkingsruimte, dict) else {}
        regel = str(rules[0].get("citation") or "") if rules else str(ruimte.get("rule") or "")
        regel_versie = rules[0].get("version") if rules else None
        regellaag = ruimte.get("layer") or self._layer_of_rule(regel)
        circumstances = [clean(o) for o in omstandigheden] if omstandigheden else [
            clean(p) for p in re.split(r"(?<=[.;!?])\s+", case.situation or "") if p.strip()][:6]
        question = clean(case.question)
        meta: dict[str, Any] = {
            "title": f"Maatwerkbesluit {pid}: {clean(title) if title else question[:120].rstrip('?')}",
            "citation": f"Maatwerkbesluit {pid}",
            "source_type": "besluit",
            "id": pid,
            "datum": day.isoformat(),
            "valid_from": day.isoformat(),
            "domein": case.domain or "algemeen",
            "team": case.team,
            "regel": regel,
            "regel_versie": str(regel_versie) if regel_versie else None,
            "regellaag": regellaag,
            "grondslag_afwijking": ruimte.get("basis") or ("geen" if case.uitkomst == "niet afgeweken" else None),
            "grondslag_citatie": ruimte.get("citation"),
            "uitkomst": case.uitkomst,
            "omstandigheden": circumstances,
            "knelpunt": {"aanwezig": bool(case.knelpunt)},
            "casus": case.id,
        }
        if len(rules) > 1:
            meta["regels"] = [{"citation": r.get("citation"), "version": r.get("version")} for r in rules]
        if case.knelpunt:
            meta["knelpunt"].update({k: v for k, v in {
                "omschrijving": clean(case.knelpunt_description) or None,
                "gevolgen": clean(case.knelpunt_consequences) or None,
                "oplossingsrichting": clean(case.knelpunt_solution) or None,
                "type_oplossing": case.knelpunt_solution_type,
                "wie": case.knelpunt_owner,
                "status": case.knelpunt_status,
            }.items() if v})
        meta = {k: v for k, v in meta.items() if v not in (None, "")}
        front = yaml.safe_dump(meta, allow_unicode=True, sort_keys=False, width=1000)
        uitkomst = {"afgeweken": "Het college wijkt af van de regel.",
                    "gedeeltelijk": "Het college wijkt gedeeltelijk af van de regel.",
                    "niet afgeweken": "Het college wijkt niet af van de regel."}.get(case.uitkomst or "", "")
        body = [f"# Maatwerkbesluit {pid}", "", "## Feiten", clean(case.situation) or "Niet vastgelegd.", "",
                "## Vraag", question, ""]
        if regel:
            body += ["## Toetsing", f"Regel: {regel}" + (f" (versie {regel_versie})" if regel_versie else "") + "."
                     + (f" Grondslag voor afwijken: {ruimte['citation']}." if ruimte.get("citation") else ""), ""]
        body += ["## Besluit", uitkomst or "Zie de motivering.", "", "## Motivering", clean(case.motivering), ""]
        return f"---\n{front}---\n" + "\n".join(body), pid

    def _layer_of_rule(self, regel: str) -> str | None:
        if not regel:
            return None
        key = rule_key(regel)
        for d in self.list():
            if d.source_type != "besluit" and _cites(key, rule_key(d.citation), None):
                return d.source_type
        return None

    def mark_achterhaald(self, ref: int | str, by: str, ecli: str, toelichting: str | None = None) -> RegisteredDocument:
        """A precedent overturned in bezwaar/beroep: `status: achterhaald` + `achterhaald_door:
        ECLI` in its sidecar and the registry; it stays in the index as history."""
        ecli = (ecli or "").strip().upper()
        if not ECLI_RE.match(ecli):
            raise RegistryError(f"'{ecli}' is geen geldige ECLI (bijv. ECLI:NL:CRVB:2026:123).")
        with self._change() as (s, files):
            user = self._editor(s, by)
            row = self._row(s, ref)
            if row.source_type != "besluit":
                raise RegistryError(f"Document {row.id} is geen besluit; alleen een precedent kan achterhaald zijn.")
            if row.status == "achterhaald":
                raise RegistryError(f"Precedent {row.precedent_id or row.id} is al achterhaald door {row.achterhaald_door}.")
            before = self._snapshot(row)
            row.status, row.achterhaald_door = "achterhaald", ecli
            row.changed_by, row.changed_at = user.username, self._now()
            if toelichting:
                row.note = toelichting
            s.flush()
            self._set_sidecar(files, row.path, status="achterhaald", achterhaald_door=ecli,
                              achterhaald_op=self.today().isoformat(), achterhaald_toelichting=toelichting)
            self._audit(s, user.username, "corpus.precedent_achterhaald", before,
                        {**self._snapshot(row), "toelichting": toelichting}, case_id=row.case_id)
            self._reindex([row.path])
            return self._model(row, s)

    # ------------------------------------------------------------------ impact

    def impact(self, citation: str, by: str, artikel: str | None = None) -> ImpactReport:
        """Precedents and open knelpunten that cite CITATION (optionally one article of it). An
        item is affected when, after the version it relied on (regel_versie / the case's rule
        version, else its date), a version with a different text of the cited article came into
        force, or the rule was withdrawn. Versions come from the index (what answers see; every
        registry change is re-indexed), so unregistered files count too."""
        with self._read() as s:
            user = UnitOfWork.of(s).user(by)
            if user.role not in IMPACT_ROLES:
                raise PermissionDenied("Alleen kwaliteit, jurist of beheerder mag de gevolgen van een wijziging zien.")
        target = rule_key(citation)
        art = (artikel or "").strip().lower() or target[1]
        base = target[0]
        chunks = self.index.all_chunks()
        # (valid_from, valid_to) -> {article: text} for every version of the rule in the index.
        spans: dict[tuple[str | None, str | None], dict[str | None, list[str]]] = {}
        sources: dict[tuple[str | None, str | None], str] = {}
        for c in chunks:
            if c.source_type == "besluit":
                continue
            c_base, c_art = rule_key(c.citation)
            if c_base != base:
                continue
            a = (c.article or c_art or "").lower() or None
            if art and a != art:
                continue
            spans.setdefault((c.valid_from, c.valid_to), {}).setdefault(a, []).append(c.text)
            sources[(c.valid_from, c.valid_to)] = c.source
        ordered = sorted(spans, key=lambda k: k[0] or "")
        versions = [{"valid_from": vf, "valid_to": vt, "source": sources[(vf, vt)]} for vf, vt in ordered]
        open_ = any(vt is None for _, vt in ordered)
        ends = sorted(vt for _, vt in ordered if vt)
        retired_per = ends[-1] if ordered and not open_ else None

        def text_of(span, article):
            parts = spans[span]
            if article:
                return " ".join(" ".join(parts.get(article, [])).split()) or None
            return " ".join(" ".join(t for a in sorted(parts, key=str) for t in parts[a]).split())

        def judge(date: str | None, article: str | None) -> tuple[bool, str]:
            if not date:
                return False, "versie onbekend"
            current = [sp for sp in ordered if (sp[0] or "") <= date and (sp[1] is None or sp[1] > date)]
            was = text_of(current[-1], article) if current else None
            for sp in ordered:
                if (sp[0] or "") > date and (was is None or text_of(sp, article) != was):
                    return True, f"nieuwe versie met gewijzigde tekst vanaf {sp[0]} (gebruikt: versie van {date})"
            if retired_per and retired_per > date:
                return True, f"de regel is vervallen per {retired_per}"
            return False, "verwijst naar de laatste versie"

        items: list[ImpactItem] = []
        seen: set[str] = set()
        for c in chunks:
            if c.source_type != "besluit" or c.doc_id in seen:
                continue
            regel = str(c.extra.get("regel") or "")
            if not regel or not _cites(rule_key(regel), target, art):
                continue
            seen.add(c.doc_id)
            version = str(c.extra.get("regel_versie") or "") or c.valid_from
            affected, reason = judge(version, rule_key(regel)[1])
            status = None
            if str(c.extra.get("status", "")).lower() == "achterhaald":
                status = "achterhaald"
                affected, reason = False, f"achterhaald door {c.extra.get('achterhaald_door')}; alleen geschiedenis"
            items.append(ImpactItem("precedent", str(c.extra.get("id") or c.citation), regel, version, affected,
                                    SIGNAL_OLD_PRECEDENT if affected else None, reason, status=status))
        with self._read() as s:
            stmt = select(CaseRow).where(CaseRow.knelpunt.is_(True), CaseRow.status != "afgewezen").order_by(CaseRow.id)
            for row in s.execute(stmt).unique().scalars():
                if (row.knelpunt_status or "open") == "opgelost":
                    continue
                for rule in row.rules or []:
                    cited = rule.get("citation") if isinstance(rule, dict) else str(rule)
                    if not cited or not _cites(rule_key(cited), target, art):
                        continue
                    version = str((rule.get("version") if isinstance(rule, dict) else None) or row.peildatum.isoformat())
                    affected, reason = judge(version, rule_key(cited)[1])
                    items.append(ImpactItem("knelpunt", f"casus {row.id}", cited, version, affected,
                                            SIGNAL_KNELPUNT if affected else None, reason,
                                            status=row.knelpunt_status or "open", case_id=row.id,
                                            description=row.knelpunt_description))
                    break
        return ImpactReport(citation, artikel, versions, items)

    # ------------------------------------------------------------------ diff

    def article_text(self, doc: RegisteredDocument, artikel: str | None = None) -> str:
        try:
            loaded = load_document(self.path_of(doc), self.corpus_dir)
        except LoadError as exc:
            raise RegistryError(f"Versie {doc.id} ({doc.path}) is niet te lezen: {exc.reason}") from exc
        chunks = split_document(loaded, self.max_chunk_chars)
        if artikel:
            want = artikel.strip().lower()
            chunks = [c for c in chunks if (c.article or "").lower() == want]
            if not chunks:
                raise RegistryError(f"Artikel {artikel} komt niet voor in versie {doc.id} van {doc.citation} "
                                    f"({doc.period}).")
        parts: list[str] = []
        for c in chunks:
            text = c.text
            if c.heading and c.heading not in parts:
                parts.append(c.heading)
            parts.append(text)
        return "\n\n".join(dict.fromkeys(parts))

    def diff(self, citation: str, artikel: str | None = None, oud: dt.date | str | None = None,
             nieuw: dt.date | str | None = None, side_by_side: bool = False, width: int = 120) -> str:
        """Text diff between two versions (default: the last two) of CITATION, or of one article
        of it. A version is chosen by a date within its validity (--oud/--nieuw)."""
        versions = self.versions(citation)
        if not versions and artikel:
            versions = self.versions(f"artikel {artikel} {citation}")
            if versions:  # one article per file (BWB import): the article is the document
                citation, artikel = f"artikel {artikel} {citation}", None
        if len(versions) < 2:
            raise RegistryError(f"Van '{citation}' staan {len(versions)} versie(s) in het register; voor een "
                                "vergelijking zijn er twee nodig.")

        def pick(day, default):
            if day is None:
                return default
            day = _date(day, "datum")
            for v in versions:
                if (v.valid_from or dt.date.min) <= day < (v.valid_to or dt.date.max):
                    return v
            raise RegistryError(f"Op {day} gold geen versie van '{citation}'.")

        old, new = pick(oud, versions[-2]), pick(nieuw, versions[-1])
        a, b = _lines(self.article_text(old, artikel)), _lines(self.article_text(new, artikel))
        what = f"artikel {artikel} {citation}" if artikel else citation
        la = f"{what}, versie {old.id} (geldig {old.period})"
        lb = f"{what}, versie {new.id} (geldig {new.period})"
        if a == b:
            return f"Geen verschil in de tekst tussen\n  {la}\n  {lb}\n"
        if not side_by_side:
            out = list(difflib.unified_diff(a, b, fromfile=la, tofile=lb, lineterm="", n=2))
            legend = "Verschillen (- alleen in de oude versie, + alleen in de nieuwe versie)"
            return legend + "\n" + "\n".join(out) + "\n"
        return _side_by_side(a, b, la, lb, width)


def _lines(text: str) -> list[str]:
    """One sentence per line, so that a changed amount shows as one changed sentence."""
    lines: list[str] = []
    for para in text.split("\n\n"):
        merged: list[str] = []
        for piece in re.split(r"(?<=[.;:])\s+(?=[A-Z0-9(])", " ".join(para.split())):
            if merged and re.fullmatch(r"(?:\d{1,3}[a-z]?|[a-z]{1,2})\.", merged[-1]):
                merged[-1] += " " + piece  # a lid number or onderdeel letter stays with its text
            elif piece:
                merged.append(piece)
        lines += merged
        lines.append("")
    return lines[:-1] if lines else lines


def _side_by_side(a: list[str], b: list[str], la: str, lb: str, width: int) -> str:
    col = max(30, (width - 3) // 2)

    def rows(left: str, mark: str, right: str) -> list[str]:
        lw = textwrap.wrap(left, col) or [""]
        rw = textwrap.wrap(right, col) or [""]
        n = max(len(lw), len(rw))
        lw += [""] * (n - len(lw))
        rw += [""] * (n - len(rw))
        return [f"{lw[i]:<{col}} {mark if i == 0 else ' '} {rw[i]}".rstrip() for i in range(n)]

    out = [f"{'OUD: ' + la:<{col}}   NIEUW: {lb}",
           "(| gewijzigd, < alleen oud, > alleen nieuw)", "-" * (2 * col + 3)]
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if op == "equal":
            for x in a[i1:i2]:
                out += rows(x, " ", x)
        elif op == "replace":
            left, right = a[i1:i2], b[j1:j2]
            for k in range(max(len(left), len(right))):
                lx = left[k] if k < len(left) else ""
                rx = right[k] if k < len(right) else ""
                out += rows(lx, "|" if lx and rx else ("<" if lx else ">"), rx)
        elif op == "delete":
            for x in a[i1:i2]:
                out += rows(x, "<", "")
        else:
            for x in b[j1:j2]:
                out += rows("", ">", x)
    return "\n".join(out) + "\n"
