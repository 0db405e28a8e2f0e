"""The corpus registry's vocabulary, its table (documents, beside the case log's tables and in
the same database) and read models, and how a rule is named across versions (rule_key)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import Date, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column


from assistant.cases import Base, CaseError


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


def iso(day: dt.date | None) -> str | None:
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


def cites(ref_key: tuple[str, str | None], target: tuple[str, str | None], artikel: str | None) -> bool:
    base, art = ref_key
    t_base, t_art = target
    if base != t_base:
        return False
    want = (artikel or t_art or "").lower() or None
    return want is None or art == want
