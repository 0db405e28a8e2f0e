"""What an answer is: its citations, the afwijkingsruimte, precedents and the parts compose()
hands out, the layers of the corpus, and the small helpers the answering modules share."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import asdict, dataclass, field
from typing import Any, Sequence, Callable

from assistant.corpus.documents import Chunk
from assistant.corpus.splitting import base_citation
from assistant.errors import MaatwerkError
from assistant.retrieval.analysis import content_terms, same_stem
from assistant.rules.refs import ORDINAL_WORDS

MAX_QUESTION_CHARS = 2000
BASES = ("beleidsregel-4:84-awb", "hardheidsclausule", "wettelijke-bevoegdheid", "niet-nodig", "geen")
COMPARISON_LAYER = "Andere gemeente (ter vergelijking)"
# Passages search found that the answer does not rest on (outside the chain of the rule).
OUTSIDE_LAYER = "Ook gevonden, buiten de keten van de regel (niet gebruikt voor dit antwoord)"

# (key, Dutch label, source types), in the order an answer presents them.
LAYERS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("wet", "Wet en regelgeving", ("wet", "amvb", "ministeriele_regeling")),
    ("gemeente", "Gemeentelijke regels", ("verordening", "beleidsregel")),
    ("richtsnoer", "Richtsnoeren en werkinstructies", ("richtsnoer", "werkinstructie")),
    ("besluit", "Eerdere maatwerk-besluiten", ("besluit",)),
    ("rechtspraak", "Rechtspraak", ("uitspraak",)),
    ("overig", "Overige bronnen", ("overig",)),
)
LAYER_OF = {t: (key, label) for key, label, types in LAYERS for t in types}
RULE_TYPES = ("wet", "amvb", "ministeriele_regeling", "verordening", "beleidsregel")
LAW_TYPES = ("wet", "amvb", "ministeriele_regeling")

# Articles that are about applying rules in general, not the rule a professional wants to
# deviate from: they are cited as the basis, never chosen as "the rule".
META_HEADING = re.compile(r"hardheid|afwijk|begrip|inwerkingtreding|citeertitel|toelichting", re.I)
HARDSHIP = re.compile(r"hardheidsclausule|afwijken van (?:de bepalingen van )?deze verordening", re.I)
_OWN_DEVIATION = re.compile(r"afwijk", re.I)
_COLLEGE = r"(?:het college|burgemeester en wethouders|het bestuursorgaan|de raad|onze minister)"
# Discretion in a statute: the article itself lets the administration choose.
_DISCRETION = re.compile(
    rf"dringende redenen|in afwijking van|\bbevoegd\b|\bkan {_COLLEGE}\b"
    rf"|{_COLLEGE}(?:(?!\bindien\b|\bals\b|\bvoor zover\b)[^.;]){{0,70}}\bkan\b",
    re.I,
)
_STRONG_DISCRETION = re.compile(r"dringende redenen|in afwijking van", re.I)

LAW_ALIASES = {
    "participatiewet": "Participatiewet", "pw": "Participatiewet", "pwet": "Participatiewet",
    "awb": "Awb", "algemene wet bestuursrecht": "Awb",
    "wmo": "Wmo 2015", "wmo 2015": "Wmo 2015",
    "jeugdwet": "Jeugdwet",
    "wgs": "Wgs", "wet gemeentelijke schuldhulpverlening": "Wgs",
}
# An article named without its law ("valt dat onder art 58 lid 7?"): the law is the one law of the
# corpus that has an article with that number, if there is one.
BARE_REF = re.compile(r"\b(?:artikel|art\.?)\s*(?P<num>\d+[a-z]?(?:[:.]\d+[a-z]?)*)\b"
                      r"(?:\s*,?\s*(?:lid\s*(?P<lid>\d+)|(?P<lidw>" + "|".join(ORDINAL_WORDS) + r")\s+lid))?", re.I)
EXPLICIT_REF = re.compile(
    r"\b(?:artikel|art\.?)\s*(?P<num>\d+[a-z]?(?:[:.]\d+[a-z]?)*)"
    r"(?:\s*,?\s*(?:lid\s*\d+|\w+\s+lid)\s*,?)?\s*(?:van\s+de\s+|van\s+)?"
    r"(?P<law>participatiewet|pwet|pw|algemene wet bestuursrecht|awb|wmo(?:\s*2015)?|jeugdwet|wgs|"
    r"wet gemeentelijke schuldhulpverlening)\b",
    re.I,
)
MARKER_RE = re.compile(r"\[(\d+(?:\s*,\s*\d+)*)\]")
QUOTE_RE = re.compile(r"„([^„“”\"]{3,}?)[“”\"]|“([^“”]{3,}?)”|\"([^\"\n]{3,}?)\"")


class AnswerError(MaatwerkError):
    """The question cannot be handled as asked; the message (Dutch) says why."""


def norm_ws(text: str) -> str:
    return " ".join(text.split())


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def article_key(chunk: Chunk) -> str:
    base, _ = base_citation(chunk.citation)
    base = re.sub(r"^\w+ lid,\s*", "", base.strip(" ,"), flags=re.I).strip(" ,")
    return norm_ws(f"artikel {chunk.article} {base}".lower()) if chunk.article else norm_ws(chunk.citation.lower())


def regel_key(regel: str) -> str:
    regel = re.sub(r",\s*\w+\s+lid\s*,", "", regel, flags=re.I)
    regel = re.sub(r"\s+lid\s+\d+", "", regel, flags=re.I)
    return norm_ws(regel.lower())


# ---- the answer -------------------------------------------------------------------------------


@dataclass
class Citation:
    n: int
    chunk_id: str
    source: str
    citation: str
    quote: str
    valid_from: str | None
    valid_to: str | None
    source_type: str = ""


@dataclass
class Afwijkingsruimte:
    basis: str  # one of BASES
    citation: str | None  # the passage that grants the room (or the rule, for "geen")
    toelichting: str  # Dutch, with [n] markers
    rule: str | None = None  # citation of the rule the question is about
    layer: str | None = None  # source type of that rule
    knelpunt: bool = False  # no room: log the case as a knelpunt
    markers: list[int] = field(default_factory=list)
    # "niet-nodig" because the regeling itself gives the college a power ("kan ... afzien"): the
    # professional still chooses whether to use it.
    eigen_bevoegdheid: bool = False


_DENIED = re.compile(r"\b(?:zonder|geen|niet|nooit)\s+((?:\w+\s+)?\w+)", re.I)
_DECADES = {"twintig": 20, "dertig": 30, "veertig": 40, "vijftig": 50, "zestig": 60, "zeventig": 70,
            "tachtig": 80, "negentig": 90}
_AGE_PHRASE = re.compile(r"\b(?:(?P<where>begin|eind|midden)\s+(?:de\s+)?|in\s+de\s+|rond\s+de\s+)(?P<decade>"
                         + "|".join(_DECADES) + r")\b|\bvan\s+(?P<n>\d{2})(?:\s+jaar)?\b", re.I)


def _age_span(text: str) -> tuple[int, int] | None:
    """The ages a besluit's description allows: "van in de vijftig" 50-59, "begin dertig" 30-34,
    "eind veertig" 45-49, "van 58" 58. None when it states no age."""
    m = _AGE_PHRASE.search(text)
    if m is None:
        return None
    if m.group("n"):
        return int(m.group("n")), int(m.group("n"))
    base = _DECADES[m.group("decade").lower()]
    where = (m.group("where") or "").lower()
    return {"begin": (base, base + 4), "eind": (base + 5, base + 9), "midden": (base + 3, base + 7)}.get(where, (base, base + 9))


_COUNT = {"een": 1, "één": 1, "anderhalf": 1.5, "twee": 2, "drie": 3, "vier": 4, "vijf": 5, "zes": 6, "zeven": 7,
          "acht": 8, "negen": 9, "tien": 10, "elf": 11, "twaalf": 12}
_SPAN_PHRASE = re.compile(r"\b(?P<q>ruim|bijna|circa|ongeveer|meer dan|minder dan)?\s*(?P<n>\d+|"
                          + "|".join(_COUNT) + r")\s+(?P<unit>jaar|maanden|maand|weken|week)\b", re.I)


def _months_span(text: str) -> tuple[float, float] | None:
    """How long a besluit's description says something lasted, in months, as a range: "ruim een
    jaar" 12-18, "bijna drie jaar" 30-36, "zes maanden" 6. None when it states no period."""
    m = _SPAN_PHRASE.search(text)
    if m is None:
        return None
    n = _COUNT.get(m.group("n").lower()) or float(m.group("n"))
    unit = m.group("unit").lower()
    months = n * (12 if unit == "jaar" else 0.25 if unit.startswith("week") else 1)
    q = (m.group("q") or "").lower()
    return {"ruim": (months, months * 1.5), "meer dan": (months, months * 1.5), "bijna": (months * 0.8, months),
            "minder dan": (months * 0.5, months)}.get(q, (months * 0.8, months * 1.25))


@dataclass
class Precedent:
    id: str
    citation: str
    n: int
    datum: str | None
    regel: str
    uitkomst: str
    grondslag_afwijking: str | None
    omstandigheden: list[str]
    zelfde_regel: bool
    regel_versie: str | None = None
    # Another article of the same local regeling as the rule ("artikel 5 Beleidsregels ..."): closer
    # than another rule, still not counted for consistency.
    zelfde_regeling: str | None = None
    # Set when a jurist marked the besluit achterhaald (overturned in bezwaar/beroep): shown as
    # history, never counted as support.
    achterhaald_door: str | None = None
    # The besluit's omstandigheden split by whether this casus mentions them too: what is shared
    # and what is the difference that matters (Precedent.compare).
    ook_hier: list[str] = field(default_factory=list)
    anders: list[str] = field(default_factory=list)
    regel_kort: str = ""  # one line: facts -> outcome -> difference

    @property
    def vergelijking(self) -> str:
        """How a besluit on another rule relates to this one, in a few Dutch words."""
        if self.zelfde_regeling:
            return f"andere bepaling van dezelfde regeling ({self.zelfde_regeling}), niet meegeteld"
        return "andere regel, alleen ter vergelijking"

    def compare(self, situation_terms: set[str], ages: Sequence[float] = (), months: Sequence[float] = (),
                negated: set[str] = frozenset()) -> None:
        """Which parts of the besluit's omstandigheden this casus also tells and which it does
        not. A besluit writes several facts in one circumstance ("echtpaar met vijf kinderen,
        ruim zes jaar bijstand"), so each comma- or semicolon-separated part is weighed on its
        own: shared when at least half of its content words (a stem counts at the start of a
        longer word, "bijstand" in "bijstandsnorm") occur in the question or casus. A third was
        too few: "alleenstaande vrouw van in de vijftig" was "ook hier" for any alleenstaande, a
        claim about sex and age the question never made."""
        self.ook_hier, self.anders = [], []
        for o in self.omstandigheden:
            for part in (x.strip() for x in re.split(r"[;,]\s*", o)):
                terms = content_terms(part)
                if not terms:
                    continue
                # What the part says was not the case ("zonder fraude", "geen schulden") is shared
                # only where the casus says so too, not where it merely uses the word.
                denied = content_terms(" ".join(_DENIED.findall(part)))
                shared = sum(any(same_stem(t, s) for s in (negated if t in denied else situation_terms))
                             for t in terms)
                # How long something lasted ("ruim een jaar bijstand" is not a casus of four years
                # in the bijstand), measured against the periods the casus tells; where it is the
                # casus's own period, the words that say it are shared too.
                period = _months_span(part)
                if period is not None and months and any(period[0] <= m <= period[1] for m in months):
                    said = content_terms(_SPAN_PHRASE.search(part).group(0)) & terms
                    shared = sum(any(same_stem(t, s) for s in situation_terms) for t in terms - said) + len(said)
                elif period is not None and months:
                    shared = 0
                # An age the part states ("van in de vijftig") that none of the casus's ages has
                # makes it a difference, however many other words it shares.
                span = _age_span(part)
                if span is not None and ages and not any(span[0] <= a <= span[1] for a in ages):
                    shared = 0
                (self.ook_hier if shared * 2 >= len(terms) else self.anders).append(part)
        outcome = self.uitkomst + (f" ({self.grondslag_afwijking})" if self.grondslag_afwijking else "")
        parts = [f"{self.id} [{self.n}]" + (f", {self.datum}" if self.datum else "")
                 + (": " + "; ".join(self.omstandigheden[:3]) if self.omstandigheden else "") + f" → {outcome}"]
        if self.achterhaald_door:
            parts.append(f"achterhaald ({self.achterhaald_door}), telt niet mee")
        elif not self.zelfde_regel:
            parts.append(self.vergelijking)
        # The difference only where the cases share something: listing every circumstance of an
        # unrelated besluit as "verschil" repeats its facts and says nothing (review round 2).
        if self.ook_hier and self.anders:
            parts.append("ook hier: " + "; ".join(self.ook_hier[:2]) + "; anders dan hier: " + "; ".join(self.anders[:2]))
        elif self.ook_hier:
            parts.append("dezelfde omstandigheden als hier: " + "; ".join(self.ook_hier[:3]))
        self.regel_kort = " — ".join(parts) + "."


@dataclass
class Answer:
    question: str
    peildatum: str
    answer: str
    grounded: bool
    citations: list[Citation] = field(default_factory=list)
    hits: list[dict[str, Any]] = field(default_factory=list)
    afwijkingsruimte: Afwijkingsruimte | None = None
    precedents: list[Precedent] = field(default_factory=list)
    consistency: str = ""
    motivering: list[tuple[str, str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    trace: dict[str, Any] = field(default_factory=dict)
    # What the professional reads first: 1-3 sentences (ja / nee / ja, mits / hangt af van) with
    # the governing provision and the deciding amount or term, and the facts still needed.
    kort_antwoord: str = ""
    oordeel: str = ""  # ja | nee | ja, mits | hangt af van | binnen de regel | niet nodig | regel
    nog_nodig: list[str] = field(default_factory=list)
    # When the question cannot be tied to one rule: the nearest rules, for the professional to
    # pick (the app re-asks with the chosen rule named).
    suggestions: list[str] = field(default_factory=list)

    def layers(self) -> dict[str, list[dict[str, Any]]]:
        out: dict[str, list[dict[str, Any]]] = {}
        for h in self.hits:
            if h["relevant"]:
                out.setdefault(h["layer"], []).append(h)
        order = [label for _, label, _ in LAYERS]
        return {k: out[k] for k in order if k in out}

    def to_dict(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "peildatum": self.peildatum,
            "answer": self.answer,
            "grounded": self.grounded,
            "citations": [asdict(c) for c in self.citations],
            "layers": {k: [h["citation"] for h in v] for k, v in self.layers().items()},
            "hits": self.hits,
            "afwijkingsruimte": asdict(self.afwijkingsruimte) if self.afwijkingsruimte else None,
            "precedents": [asdict(p) for p in self.precedents],
            "consistency": self.consistency,
            "motivering": [{"kop": k, "tekst": t} for k, t in self.motivering],
            "kort_antwoord": self.kort_antwoord,
            "oordeel": self.oordeel,
            "nog_nodig": self.nog_nodig,
            "suggestions": self.suggestions,
            "warnings": self.warnings,
            "trace": self.trace,
        }


@dataclass
class Step:
    """One part of an answer, handed out by Assistant.compose() as soon as it is ready, so a
    reader sees the kort antwoord while the rest is still being put together. `fields` holds
    keys of Answer.to_dict() with their value at that moment (kort_antwoord, nog_nodig,
    afwijkingsruimte, keten, precedents, answer, motivering), markers checked against the
    passages numbered so far; the Answer that compose() returns is what counts. Kinds:
    bronnen, kort_antwoord, nog_nodig, afwijkingsruimte, keten, precedenten, tekst (a piece of
    the language model's text as it arrives, not yet checked), terugval (the model's text is
    dropped, the grounded text follows), onderbouwing, motivering."""

    kind: str
    fields: dict[str, Any] = field(default_factory=dict)


BASIS_LABEL = {
    "niet-nodig": "afwijken niet nodig: de regel zelf dekt de situatie (vrijlating, uitzondering of eigen bevoegdheid)",
    "beleidsregel-4:84-awb": "afwijken van een beleidsregel, artikel 4:84 Awb",
    "hardheidsclausule": "hardheidsclausule van de verordening",
    "wettelijke-bevoegdheid": "bevoegdheid in de wet zelf",
    "geen": "geen ruimte om af te wijken",
}


def layer_hint(question: str) -> str | None:
    q = question.lower()
    if "verordening" in q and "beleidsregel" not in q:
        return "verordening"
    if "beleidsregel" in q and "verordening" not in q:
        return "beleidsregel"
    return None


def layer_index(source_type: str) -> int:
    for i, (_, _, types) in enumerate(LAYERS):
        if source_type in types:
            return i
    return len(LAYERS)


# ---- the results of the pipeline's named steps (Assistant.prepare, retrieve, scope, choose_rule) --


@dataclass
class Prepared:
    """The question as the rest of the pipeline sees it: pseudonymised (q), without placeholders
    for search (search), the casus and its text, the peildatum, and the placeholder map that puts
    the names back in what the professional reads."""

    q: str
    search: str
    casus: dict[str, Any]
    casus_text: str
    day: dt.date
    mapping: Any = None  # PlaceholderMap | None


@dataclass
class Retrieved:
    """The hits for the rules and for the besluiten, each with the question words it matches and
    its weight; weigh() weighs any passage the same way."""

    search: str
    terms: set[str]
    weights: dict[str, float]
    aliases: dict[str, list[frozenset[str]]]
    scored: list[tuple[Any, set[str], float]]  # (Hit, matched words, weight)
    besluit_hits: list[Any]
    weigh: Callable[[Chunk], float]
    # The lexicon's terms for the question's words that the question does not use itself.
    expansions: set[str] = field(default_factory=set)


@dataclass
class Scope:
    """The hits about the question, an article the question names, and whether it is in scope."""

    relevant: list[Any]
    explicit: Chunk | None
    coverage: float
    in_scope: bool


@dataclass
class RuleChoice:
    """The rule the question turns on, its chain, the question's facts and the room along it."""

    domain: str | None
    signal: Any  # DomainSignal
    focus: Any  # Article | None
    chain: Any  # Chain | None
    facts: Any  # Facts
    room: Any  # Room | None
    rule: Chunk | None
