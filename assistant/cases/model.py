"""The case log's vocabulary and public model: roles, statuses and fields, the Dutch errors a
user can cause, the sections of a motivering, and the read models (User, Case, ...) that every
front end receives. No database here."""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import asdict, dataclass, field
from typing import Any


from assistant.errors import MaatwerkError


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
# What the concept leaves for the professional (assistant/answering/pipeline.py writes them), with what to do.
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


class CaseError(MaatwerkError):
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
