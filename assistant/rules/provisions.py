"""What a passage of a regulation does, sentence by sentence: grant a power (room to decide
otherwise), impose a duty or an imperative, make an exception or exemption, define a term, set
an amount or a term. Derived from the words the legislator uses, never from a list of articles,
so it holds for any regulation written in the usual Dutch style (Aanwijzingen voor de
regelgeving).

Every provision keeps its text as a verbatim span of the passage, so it can be quoted.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from assistant.answering.generation import sentences

if TYPE_CHECKING:
    from assistant.corpus.documents import Chunk

KINDS = ("power", "hardship", "imperative", "duty", "exemption", "exception", "definition", "amount", "term")
KIND_LABEL = {
    "power": "bevoegdheid", "hardship": "hardheidsclausule", "imperative": "dwingende regel",
    "duty": "verplichting", "exemption": "vrijlating", "exception": "uitzondering",
    "definition": "begripsbepaling", "amount": "bedrag", "term": "termijn",
}

_ACTOR = (r"(?:het college|burgemeester en wethouders|het bestuursorgaan|de raad|onze minister|"
          r"de gemeente|de gemeenteraad|zij|hij)")
# Room: the administration may choose ("kan ... afzien", "is bevoegd"), "in afwijking van",
# "dringende redenen", "buiten toepassing laten", "naar zijn oordeel".
_POWER = re.compile(
    rf"\bkan\s+{_ACTOR}\b|{_ACTOR}\s+kan\b|\bis\s+bevoegd\b|\bkunnen\s+(?:burgemeester|het college)"
    r"|\bin afwijking van\b|\bdringende redenen\b|\bbuiten toepassing (?:laten|gelaten)\b"
    r"|\bkan\b[^.;]{0,80}\b(?:afzien|afwijken|besluiten|buiten beschouwing laten|verlagen|verhogen|toekennen|verlenen)\b"
    r"|\bnaar (?:zijn|het) oordeel\b",
    re.I,
)
# "Een vreemdeling kan ... slechts in aanmerking komen indien ...": a limit on who qualifies,
# not a choice the administration has.
_RESTRICTION = re.compile(r"\bkan\b[^.;]{0,80}\b(?:slechts|alleen|uitsluitend)\b[^.;]{0,80}\b(?:indien|als|wanneer)\b", re.I)
_DEROGATION = re.compile(r"\bin afwijking van\b", re.I)
_MAY = re.compile(r"\b(?:kan|kunnen|bevoegd)\b", re.I)
_HARDSHIP = re.compile(
    r"hardheidsclausule|afwijken van (?:de bepalingen van |het bepaalde in )?(?:deze|de) (?:verordening|beleidsregels?)"
    r"|onbillijkheden van overwegende aard|buiten toepassing laten.{0,60}(?:verordening|beleidsregel)",
    re.I,
)
# Imperative: the administration must ("vordert ... terug", "verlaagt", "stelt ... vast",
# "wordt ... verlaagd", "bedraagt", "heeft recht op").
_MUST_VERBS = r"(?:vordert|verlaagt|stelt|weigert|trekt|herziet|verleent|verstrekt|beëindigt|neemt|draagt|houdt|legt|schort)"
_IMPERATIVE = re.compile(
    rf"{_ACTOR}\s+{_MUST_VERBS}\b"
    # The main clause after a condition puts the verb first: "Indien ..., schort het college de
    # betaling op."
    rf"|,\s*{_MUST_VERBS}\s+{_ACTOR}\b"
    r"|\bwordt\b[^.;]{0,60}\b(?:verlaagd|teruggevorderd|geweigerd|vastgesteld|beëindigd|ingetrokken)\b"
    r"|\bbedraagt\b|\bbedragen\b(?=[^.;]*(?:€|per maand|procent|%))|\bheeft\b[^.;]{0,40}\brecht op\b"
    r"|\bgeen recht op\b|\bis\s+van toepassing\b",
    re.I,
)
_DUTY = re.compile(
    r"\bis verplicht\b|\bzijn verplicht\b|\bverplichting\w*\b|\bdoet\b[^.;]{0,60}\bmededeling\b"
    r"|\bmeldt\b|\bverstrekt\b[^.;]{0,40}\binlichtingen\b|\bverleent\b[^.;]{0,40}\bmedewerking\b"
    r"|\bdient\b[^.;]{0,60}\bte\b",
    re.I,
)
_EXEMPTION = re.compile(
    r"\bniet als (?:middel|middelen|inkomen|vermogen)\b|\bniet (?:in aanmerking|tot de middelen|mee)\b"
    r"|\bbuiten beschouwing\b|\bvrijgelaten\b|\bvrijlating\b|\bniet gerekend\b|\bniet als kostendelende\b"
    r"|\btellen\b[^.;]{0,40}\bniet\b[^.;]{0,20}\bmee\b|\bniet meegeteld\b"
    # No payment due: "Geen bijdrage is verschuldigd voor:", "is de inwoner geen eigen bijdrage verschuldigd".
    r"|\bgeen\b[^.;]{0,40}\bverschuldigd\b|\bniet verschuldigd\b",
    re.I,
)
_EXCEPTION = re.compile(
    r"\bis niet van toepassing\b|\bgeldt niet\b|\bmet uitzondering van\b|\buitgezonderd\b|\bvindt niet plaats\b"
    r"|\btenzij\b|\bniet verplicht\b|\bgeen verplichting\b|\bontheffing\b|\bvrijstelling\b|\bontheft\b"
    # A negated imperative: the administration must refrain ("vordert ... niet terug", "ziet af
    # van verlaging", "wordt geen maatregel opgelegd").
    r"|\b(?:vordert|verlaagt|legt|verhaalt|herziet)\b[^.;]{0,60}\bniet\b"
    r"|\bwordt\b[^.;]{0,40}\bniet\b[^.;]{0,20}\b(?:teruggevorderd|verlaagd|opgelegd|verhaald|ingevorderd)\b"
    r"|\bziet\b[^.;]{0,40}\baf van\b|\bgeen (?:verlaging|maatregel|terugvordering)\b"
    # "Geen opschorting vindt plaats indien:", "vindt geen verrekening plaats": the event the
    # rule prescribes does not happen.
    r"|\bgeen\s+\w+\s+vindt\s+plaats\b|\bvindt\s+geen\s+\w+\s+plaats\b",
    re.I,
)
# "a. alleenstaande: ...", "wordt verstaan onder", "wordt ... onder ... verstaan", and "Onder
# bedreigende situatie wordt verstaan ..." (a definition inside a lid, not in a definitions article).
_DEFINITION = re.compile(r"^[a-z]{1,2}\.\s*[\w\- ]{2,60}:\s|\bwordt verstaan onder\b|\bwordt\b[^.;:]{0,40}\bonder\b[^.;:]{3,60}\bverstaan\b"
                         r"|\bonder\b[^.;:]{3,60}\bwordt\s+verstaan\b|^[\w\- ]{2,60}:\s", re.I)

_EURO = re.compile(r"€\s?\d{1,3}(?:\.\d{3})*(?:,(?:\d{2}|-))?|\d{1,3}(?:\.\d{3})*(?:,\d{2})?\s?euro\b", re.I)
_PERCENT = re.compile(r"\d{1,3}(?:,\d+)?\s?(?:%|procent)", re.I)
_UNITS = r"(?:kalender)?(?:werkdagen|werkdag|dagen|dag|weken|week|maanden|maand|jaren|jaar|uur|uren|minuten|kwartier)"
_NUMBER_WORDS = {
    "een": 1, "één": 1, "twee": 2, "drie": 3, "vier": 4, "vijf": 5, "zes": 6, "zeven": 7, "acht": 8,
    "negen": 9, "tien": 10, "elf": 11, "twaalf": 12, "dertien": 13, "veertien": 14, "vijftien": 15,
    "zestien": 16, "achttien": 18, "twintig": 20, "dertig": 30, "zesendertig": 36, "achtenveertig": 48,
}
_TERM = re.compile(rf"\b(?P<n>\d+|{'|'.join(_NUMBER_WORDS)})\s+(?P<unit>{_UNITS})\b", re.I)
_CONDITION = re.compile(r"\b(?:indien|mits|voor zover|voorzover|tenzij|als|wanneer|zolang)\b[^.;:]*", re.I)


def euro_value(raw: str) -> float | None:
    digits = re.sub(r"[^\d,]", "", raw.replace(",-", ""))
    if not digits:
        return None
    whole, _, cents = digits.partition(",")
    try:
        return float(whole) + (float(f"0.{cents}") if cents else 0.0)
    except ValueError:
        return None


@dataclass
class Value:
    kind: str  # bedrag | percentage | termijn | leeftijd
    raw: str  # verbatim
    number: float | None
    unit: str = ""
    # The comparison the sentence makes with this value, read from the words before it: "<"
    # ("jonger dan 27 jaar", "minder dan"), "<=" ("ten hoogste", "tot", "binnen drie maanden"),
    # ">" ("ouder dan", "langer dan", "meer dan"), ">=" ("ten minste", "na vijf jaar"); "" if none.
    cmp: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Provision:
    kind: str  # one of KINDS
    text: str  # a verbatim sentence of the passage
    chunk_id: str
    citation: str
    values: list[Value] = field(default_factory=list)
    conditions: list[str] = field(default_factory=list)
    source: str = "extractie"  # or "jurist" when a correction put it there

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        return d


# The words before a value that say how a fact compares with it (the legislator's usual phrasing).
_CMP_BEFORE = (
    # "niet hoger is dan 120%", "niet meer bedraagt dan": a negated comparison is a maximum.
    ("<=", re.compile(r"\bniet\s+(?:hoger|meer|groter|langer|ouder)\s+(?:(?:is|zijn|bedraagt|bedragen)\s+)?dan\s*$", re.I)),
    (">=", re.compile(r"\bniet\s+(?:lager|minder|kleiner|korter|jonger)\s+(?:(?:is|zijn|bedraagt|bedragen)\s+)?dan\s*$", re.I)),
    ("<", re.compile(r"\b(?:jonger|minder|lager|korter|kleiner)\s+(?:is\s+|zijn\s+|bedraagt\s+)?dan\s*$", re.I)),
    (">", re.compile(r"\b(?:ouder|meer|hoger|langer|groter)\s+(?:is\s+|zijn\s+|bedraagt\s+)?dan\s*$", re.I)),
    ("<=", re.compile(r"\b(?:ten hoogste|ten hoogste een bedrag van|niet meer dan|maximaal|hoogstens|niet hoger dan"
                      r"|niet langer dan|binnen|tot|tot een bedrag van|tot en met|uiterlijk|maximum van)\s*$", re.I)),
    (">=", re.compile(r"\b(?:ten minste|tenminste|minimaal|niet minder dan|na|na afloop van|vanaf|gedurende ten minste"
                      r"|minstens)\s*$", re.I)),
)
_AGE_BEFORE = re.compile(r"\b(?:jonger|ouder)\s+dan\s*$|\bleeftijd\s+(?:van|heeft bereikt van)\s*$|\bjaar\s*$", re.I)


_CMP_AFTER = (
    (">=", re.compile(r"^\s*of\s+(?:ouder|meer|langer|hoger|groter)\b", re.I)),
    ("<=", re.compile(r"^\s*of\s+(?:jonger|minder|korter|lager|kleiner)\b", re.I)),
)


def _comparison(text: str, start: int, end: int | None = None) -> str:
    """The comparison a sentence makes with the value at start..end: the words before it
    ("jonger dan", "ten hoogste") or after it ("27 jaar of ouder")."""
    if end is not None:
        after = text[end:end + 20]
        for cmp, pattern in _CMP_AFTER:
            if pattern.search(after):
                return cmp
    before = text[max(0, start - 45):start]
    for cmp, pattern in _CMP_BEFORE:
        if pattern.search(before):
            return cmp
    return ""


def values_in(text: str) -> list[Value]:
    out: list[Value] = []
    for m in _EURO.finditer(text):
        out.append(Value("bedrag", m.group(0).strip(), euro_value(m.group(0)), cmp=_comparison(text, m.start(), m.end())))
    for m in _PERCENT.finditer(text):
        out.append(Value("percentage", m.group(0).strip(), float(re.sub(r"[^\d,]", "", m.group(0)).replace(",", ".")),
                         cmp=_comparison(text, m.start(), m.end())))
    for m in _TERM.finditer(text):
        n = m.group("n").lower()
        num = float(n) if n.isdigit() else float(_NUMBER_WORDS.get(n, 0)) or None
        unit = m.group("unit").lower()
        # "jonger dan 27 jaar", "de leeftijd van 18 jaar": an age, not a period.
        age = unit in ("jaar", "jaren") and bool(_AGE_BEFORE.search(text[max(0, m.start() - 30):m.start()])) \
            and not re.search(r"\bjaar\s*$", text[max(0, m.start() - 6):m.start()], re.I)
        cmp = _comparison(text, m.start(), m.end())
        age = age or (unit in ("jaar", "jaren") and bool(re.match(r"\s*of\s+(?:ouder|jonger)\b", text[m.end():])))
        out.append(Value("leeftijd" if age else "termijn", m.group(0), num, unit, cmp=cmp))
    return out


# What a period in a rule measures. "Verstreken": the time since an event ("meer dan een jaar voor
# de constatering", "binnen drie maanden na het maken van de kosten", "twee jaar vóór de datum").
# "Duur": how long a state lasted ("gedurende vijf jaar niet heeft afgelost", "in de 36 maanden
# voorafgaand aan de aanvraag onafgebroken"). A question's periods are read the same way
# (facts.read_facts), so that a period is compared only with a period of the same kind.
_ELAPSED_AFTER = re.compile(r"^\s*(?:na|voor|vóór|voorafgaand aan het|nadat|sinds)\s+(?:de|het|dat|afloop|aanvang|ontvangst)\b", re.I)
_STATE_BEFORE = re.compile(r"\b(?:gedurende|in de|de afgelopen|onafgebroken|langer dan|ten minste|tenminste)\s*$", re.I)
_STATE_AFTER = re.compile(r"^\s*(?:voorafgaand|onafgebroken|achtereen|aaneengesloten)\b", re.I)
_CONDITIONAL = re.compile(r"\b(?:als|indien|mits|wanneer|voor zover|tenzij|alleen)\b", re.I)


def period_kind(text: str, value: Value) -> tuple[str, str]:
    """(kind, comparison) of a period in a rule's sentence: kind "verstreken" or "duur" (see
    above) or "" when the sentence does not say; the comparison is the value's own, or ">=" for a
    duration a condition requires ("als ... gedurende vijf jaar niet heeft afgelost": at least
    that long)."""
    at = text.find(value.raw)
    if value.kind != "termijn" or at < 0:
        return "", value.cmp
    before, after = text[max(0, at - 40):at], text[at + len(value.raw):at + len(value.raw) + 40]
    if _ELAPSED_AFTER.search(after) and not _STATE_AFTER.search(after):
        return "verstreken", value.cmp
    if _STATE_BEFORE.search(before) or _STATE_AFTER.search(after):
        cmp = value.cmp or (">=" if _CONDITIONAL.search(text[:at]) else "")
        return "duur", cmp
    return "", value.cmp


def classify(sentence: str) -> list[str]:
    """The kinds a sentence carries, strongest first. A sentence can both set an amount and
    be an exemption ("giften tot € 1.200 worden niet als middel aangemerkt")."""
    kinds: list[str] = []
    if _HARDSHIP.search(sentence):
        kinds.append("hardship")
    if _POWER.search(sentence) and not _RESTRICTION.search(sentence):
        # "In afwijking van het tweede lid verleent het college ... om niet als:" makes an
        # exception to another rule, not a choice: without "kan" or "bevoegd" a derogation is
        # a rule the administration must apply.
        if _DEROGATION.search(sentence) and not _MAY.search(sentence):
            kinds.append("exception")
        else:
            kinds.append("power")
    if _EXEMPTION.search(sentence):
        kinds.append("exemption")
    if _EXCEPTION.search(sentence):
        kinds.append("exception")
    if _DUTY.search(sentence) and "power" not in kinds:
        kinds.append("duty")
    if _IMPERATIVE.search(sentence) and "power" not in kinds and "hardship" not in kinds:
        kinds.append("imperative")
    if _DEFINITION.search(sentence):
        kinds.append("definition")
    vals = values_in(sentence)
    if any(v.kind in ("bedrag", "percentage") for v in vals):
        kinds.append("amount")
    if any(v.kind in ("termijn", "leeftijd") for v in vals):
        kinds.append("term")
    return kinds


def extract(text: str, chunk_id: str, citation: str, definitions_article: bool = False) -> list[Provision]:
    """Provisions of one passage, one per (sentence, kind)."""
    out: list[Provision] = []
    lead: str | None = None  # "Niet tot de middelen worden gerekend:" carries over to its list
    for s in sentences(text, min_chars=8):
        kinds = classify(s)
        if s.rstrip().endswith(":"):
            lead = next((k for k in kinds if k in ("exemption", "exception", "duty", "power")), None)
        elif lead and lead not in kinds:
            kinds = [lead] + [k for k in kinds if k not in ("imperative",)]
        if definitions_article:
            kinds = ["definition"] + [k for k in kinds if k in ("amount", "term")]
        if not kinds:
            continue
        vals = values_in(s)
        conds = [c.group(0).strip() for c in _CONDITION.finditer(s)]
        for k in kinds:
            out.append(Provision(k, s, chunk_id, citation,
                                 vals if k in ("amount", "term", "exemption", "exception", "definition") else [],
                                 conds))
    return out


_LID_MARK = re.compile(r"\*\*\d+[a-z]?\*\*")
_LIST_ITEM = re.compile(r"^\s*(?:[a-z]{1,2}|\d{1,2}[a-z]?|[ivx]{1,4})[.)]\s|^\s*[-*]\s")
# A sentence that points back to the one before it ("Deze termijn bedraagt ...", "Dit bedrag ...").
_ANAPHOR = re.compile(r"^\s*(?:\*\*\d+\*\*\s*)?(?:deze|dit|die|dat|dezelfde|hetzelfde)\s+\w+", re.I)


def lid_text(chunk: Chunk | None, prov: Provision) -> str:
    """The lid a provision stands in: its passage when the passage is one lid, otherwise the text
    between the bold lid numbers around it."""
    if chunk is None:
        return prov.text
    at = chunk.text.find(prov.text[:40])
    if chunk.lid or at < 0:
        return chunk.text
    marks = [m.start() for m in _LID_MARK.finditer(chunk.text)]
    return chunk.text[max([m for m in marks if m <= at], default=0):min([m for m in marks if m > at],
                                                                        default=len(chunk.text))]


def own_text(lid: str, prov: Provision) -> tuple[str, str]:
    """(the sentence's own words, the words of the sentence that leads it). A sentence that
    points back includes the sentence before it ("... wordt gegeven binnen een ... termijn.
    Deze termijn bedraagt maximaal acht weken."); a list item is led by the sentence that opens
    the list ("De ... vermogensgrens is:" for "a. voor een alleenstaande: € 8.000,00;"), which
    every item of the list shares."""
    at = lid.find(prov.text[:40])
    if at < 0:
        return prov.text, ""
    before = lid[:at]
    line_start = before.rfind("\n") + 1
    if _LIST_ITEM.match(lid[line_start:at + 1]):
        for line in reversed(before[:line_start].splitlines()):
            if line.strip() and not _LIST_ITEM.match(line):
                return prov.text, line.strip() if line.rstrip().endswith(":") else ""
        return prov.text, ""
    if _ANAPHOR.match(prov.text):
        previous = [x for x in re.split(r"(?<=[.:;])\s+", before.strip()) if x.strip()]
        if previous:
            return previous[-1] + " " + prov.text, ""
    return prov.text, ""
