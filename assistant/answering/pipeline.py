"""Grounded answers: Assistant.ask() retrieves passages valid on the peildatum, decides whether
they answer the question at all, determines the afwijkingsruimte for the rule in question,
finds earlier besluiten, drafts a motivering, lets a backend compose the text and then checks
every [n] marker and every quote against the retrieved passages.

Everything here is deterministic except the optional LLM text; the LLM never decides the
afwijkingsruimte, the precedents or the motivering skeleton.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any, Generator, Sequence

from assistant.corpus.documents import SOURCE_TYPES, Chunk
from assistant.corpus.splitting import base_citation
from assistant.rules.brief import Brief, Sentence, brief
from assistant.rules.facts import read_facts
from assistant.rules.model import RuleModel
from assistant.rules.reasoning import Chain, DomainModel, Room, chain_of, decide_room, domain_signal
from assistant.answering.generation import (
    GENERIC_TERMS,
    instruction_like,
    GenerationError,
    GenerationRequest,
    Generator,
    GroundedGenerator,
    Passage,
    Prompt,
    select_sentences,
)
from assistant.errors import MaatwerkError
from assistant.retrieval.analysis import content_terms

MAX_QUESTION_CHARS = 2000
BASES = ("beleidsregel-4:84-awb", "hardheidsclausule", "wettelijke-bevoegdheid", "niet-nodig", "geen")
COMPARISON_LAYER = "Andere gemeente (ter vergelijking)"

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
_META_HEADING = re.compile(r"hardheid|afwijk|begrip|inwerkingtreding|citeertitel|toelichting", re.I)
_HARDSHIP = re.compile(r"hardheidsclausule|afwijken van (?:de bepalingen van )?deze verordening", re.I)
_OWN_DEVIATION = re.compile(r"afwijk", re.I)
_COLLEGE = r"(?:het college|burgemeester en wethouders|het bestuursorgaan|de raad|onze minister)"
# Discretion in a statute: the article itself lets the administration choose.
_DISCRETION = re.compile(
    rf"dringende redenen|in afwijking van|\bbevoegd\b|\bkan {_COLLEGE}\b"
    rf"|{_COLLEGE}(?:(?!\bindien\b|\bals\b|\bvoor zover\b)[^.;]){{0,70}}\bkan\b",
    re.I,
)
_STRONG_DISCRETION = re.compile(r"dringende redenen|in afwijking van", re.I)

_LAW_ALIASES = {
    "participatiewet": "Participatiewet", "pw": "Participatiewet", "pwet": "Participatiewet",
    "awb": "Awb", "algemene wet bestuursrecht": "Awb",
    "wmo": "Wmo 2015", "wmo 2015": "Wmo 2015",
    "jeugdwet": "Jeugdwet",
    "wgs": "Wgs", "wet gemeentelijke schuldhulpverlening": "Wgs",
}
_EXPLICIT_REF = re.compile(
    r"\b(?:artikel|art\.?)\s*(?P<num>\d+[a-z]?(?:[:.]\d+[a-z]?)*)"
    r"(?:\s*,?\s*(?:lid\s*\d+|\w+\s+lid)\s*,?)?\s*(?:van\s+de\s+|van\s+)?"
    r"(?P<law>participatiewet|pwet|pw|algemene wet bestuursrecht|awb|wmo(?:\s*2015)?|jeugdwet|wgs|"
    r"wet gemeentelijke schuldhulpverlening)\b",
    re.I,
)
_MARKER_RE = re.compile(r"\[(\d+(?:\s*,\s*\d+)*)\]")
_QUOTE_RE = re.compile(r"„([^„“”\"]{3,}?)[“”\"]|“([^“”]{3,}?)”|\"([^\"\n]{3,}?)\"")


class AnswerError(MaatwerkError):
    """The question cannot be handled as asked; the message (Dutch) says why."""


def _norm_ws(text: str) -> str:
    return " ".join(text.split())


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def _article_key(chunk: Chunk) -> str:
    base, _ = base_citation(chunk.citation)
    base = re.sub(r"^\w+ lid,\s*", "", base.strip(" ,"), flags=re.I).strip(" ,")
    return _norm_ws(f"artikel {chunk.article} {base}".lower()) if chunk.article else _norm_ws(chunk.citation.lower())


def _regel_key(regel: str) -> str:
    regel = re.sub(r",\s*\w+\s+lid\s*,", "", regel, flags=re.I)
    regel = re.sub(r"\s+lid\s+\d+", "", regel, flags=re.I)
    return _norm_ws(regel.lower())


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
    # Set when a jurist marked the besluit achterhaald (overturned in bezwaar/beroep): shown as
    # history, never counted as support.
    achterhaald_door: str | None = None
    # The besluit's omstandigheden split by whether this casus mentions them too: what is shared
    # and what is the difference that matters (Precedent.compare).
    ook_hier: list[str] = field(default_factory=list)
    anders: list[str] = field(default_factory=list)
    regel_kort: str = ""  # one line: facts -> outcome -> difference

    def compare(self, situation_terms: set[str]) -> None:
        """Which of the besluit's omstandigheden this casus also mentions (at least half of the
        circumstance's content words occur in the question or casus) and which it does not."""
        self.ook_hier, self.anders = [], []
        for o in self.omstandigheden:
            terms = content_terms(o)
            shared = len(terms & situation_terms)
            (self.ook_hier if terms and shared * 2 >= len(terms) else self.anders).append(o)
        outcome = self.uitkomst + (f" ({self.grondslag_afwijking})" if self.grondslag_afwijking else "")
        parts = [f"{self.id} [{self.n}]" + (f", {self.datum}" if self.datum else "")
                 + (": " + "; ".join(self.omstandigheden[:3]) if self.omstandigheden else "") + f" → {outcome}"]
        if self.achterhaald_door:
            parts.append(f"achterhaald ({self.achterhaald_door}), telt niet mee")
        elif not self.zelfde_regel:
            parts.append("andere regel, alleen ter vergelijking")
        if self.anders:
            parts.append("verschil: deze casus noemt niet " + "; ".join(self.anders[:3]))
        elif self.omstandigheden:
            parts.append("ook in deze casus genoemd: " + "; ".join(self.ook_hier[:3]))
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


# ---- the corpus as a whole: exact look-ups the ranking cannot guarantee -----------------------


class Catalogue:
    """All chunks of the index grouped by document, with document frequencies of content
    words. Built once per index fingerprint; lets the assistant fetch the hardheidsclausule of
    a verordening or artikel 4:84 Awb by structure instead of hoping they rank."""

    def __init__(self, chunks: Sequence[Chunk], gemeente: str | None = None,
                 corrections: Sequence[dict[str, Any]] = ()):
        self.chunks = list(chunks)
        self.by_doc: dict[str, list[Chunk]] = {}
        for c in self.chunks:
            self.by_doc.setdefault(c.doc_id, []).append(c)
        self.df: Counter[str] = Counter()
        self.terms: dict[str, set[str]] = {}
        for c in self.chunks:
            t = content_terms(c.index_text)
            self.terms[c.chunk_id] = t
            self.df.update(t)
        self.n = max(len(self.chunks), 1)
        self.rules = RuleModel(self.chunks, gemeente, corrections)
        self.domains = DomainModel(self.chunks, self.chunk_terms)

    def idf(self, term: str) -> float:
        return math.log((self.n + 1) / (self.df.get(term, 0) + 0.5))

    def chunk_terms(self, chunk: Chunk) -> set[str]:
        got = self.terms.get(chunk.chunk_id)
        return got if got is not None else content_terms(chunk.index_text)

    def doc(self, doc_id: str, day: dt.date) -> list[Chunk]:
        return [c for c in self.by_doc.get(doc_id, []) if c.valid_on(day)]

    def by_citation(self, predicate, day: dt.date) -> list[Chunk]:
        return [c for c in self.chunks if c.valid_on(day) and predicate(c)]

    def earliest_valid_from(self) -> str | None:
        dates = [c.valid_from for c in self.chunks if c.valid_from]
        return min(dates) if dates else None

    def explicit_rule(self, question: str, day: dt.date) -> Chunk | None:
        """'artikel 22a Participatiewet' or 'art. 21 Pw' in the question names the rule."""
        m = _EXPLICIT_REF.search(question)
        if not m:
            return None
        num = m.group("num").lower()
        law = _LAW_ALIASES.get(_norm_ws(m.group("law").lower()), m.group("law"))
        cands = [c for c in self.chunks if c.valid_on(day) and c.article and c.article.lower() == num
                 and c.source_type in LAW_TYPES and base_citation(c.citation)[0].strip(" ,").endswith(law)]
        cands.sort(key=lambda c: (c.lid is not None, int(c.lid) if (c.lid or "").isdigit() else 0))
        return cands[0] if cands else None

    def awb_484(self, day: dt.date) -> Chunk | None:
        got = self.by_citation(lambda c: c.source_type == "wet" and c.article == "4:84"
                               and "awb" in c.citation.lower(), day)
        return got[0] if got else None

    def awb_34_lid2(self, day: dt.date) -> Chunk | None:
        got = self.by_citation(lambda c: c.source_type == "wet" and c.article == "3:4"
                               and "awb" in c.citation.lower(), day)
        got.sort(key=lambda c: (c.lid != "2", c.lid or ""))
        return got[0] if got else None

    def guidance(self, pattern: str, day: dt.date) -> Chunk | None:
        rx = re.compile(pattern, re.I)
        got = self.by_citation(lambda c: c.source_type == "richtsnoer" and rx.search(c.heading or ""), day)
        return got[0] if got else None

    def besluiten(self, day: dt.date) -> dict[str, list[Chunk]]:
        out: dict[str, list[Chunk]] = {}
        for c in self.chunks:
            if c.source_type == "besluit" and c.valid_on(day):
                out.setdefault(c.doc_id, []).append(c)
        return out


# ---- relevance ---------------------------------------------------------------------------------


@dataclass
class RelevancePolicy:
    """When do retrieved passages answer the question at all? Lexical evidence weighted by
    rarity in the corpus: a hit is relevant when the question words it shares carry enough
    weight, and the question is in scope when the relevant hits cover enough of the weight of
    its words. Words the corpus never uses (hoofdstad, bibliotheek) weigh most, so a question
    made of them is out of scope. Calibrated in evals/RESULTS-answers.md."""

    min_hit_weight: float = 3.0
    min_coverage: float = 0.3
    relative_to_best: float = 0.35
    expansion_weight: float = 0.5

    unknown_weight: float = 3.0

    def question_weights(self, terms: set[str], catalogue: Catalogue) -> dict[str, float]:
        # Words the corpus never uses count, but no more than a fairly rare domain word: a lay
        # verb ("vroeg", "mochten") must not outweigh "wasmachine" and "maximumbedrag".
        return {t: (catalogue.idf(t) if catalogue.df.get(t) else self.unknown_weight) for t in terms}

    def is_relevant(self, matched: set[str], weight: float, n_terms: int, best: float) -> bool:
        """Enough weight, more than one question word unless the question has only one or
        two, and not far behind the best hit of its kind."""
        return (weight >= self.min_hit_weight and (len(matched) >= 2 or n_terms <= 2)
                and weight >= self.relative_to_best * best)

    def known_coverage(self, weights: dict[str, float], covered: set[str], catalogue: Catalogue,
                       aliases: dict[str, list[frozenset[str]]] | None = None) -> float:
        """Share of the weight of the question's words the corpus knows that the relevant hits
        cover. Words the corpus never uses (a client's own words for a situation) say nothing
        about whether the sources answer it, so they no longer count against the question;
        a question made only of such words covers nothing and is out of scope. A lay word the
        lexicon ties to words of the law ("korten": "verlagen") is known through them."""
        aliases = aliases or {}
        known = {t: w for t, w in weights.items()
                 if catalogue.df.get(t) or any(all(catalogue.df.get(x) for x in a) for a in aliases.get(t, ()))}
        total = sum(known.values())
        if not total:
            return 0.0
        return sum(w for t, w in known.items() if t in covered) / total

    def hit_weight(self, weights: dict[str, float], expansions: set[str], chunk_terms: set[str]) -> float:
        own = sum(w for t, w in weights.items() if t in chunk_terms)
        return own + self.expansion_weight * sum(1.0 for t in expansions if t in chunk_terms)


def question_aliases(lexicon, question: str, terms: set[str]) -> dict[str, list[frozenset[str]]]:
    """Per question term, the other terms of its lexicon groups as sets of stemmed words (a
    phrase such as "dringende redenen" is found only where all its words are)."""
    out: dict[str, list[frozenset[str]]] = {}
    if lexicon is None:
        return out
    for hit, group in lexicon.aliases(question):
        phrases = [frozenset(content_terms(t)) for t in group]
        phrases = [p for p in phrases if p]
        for t in {x for h in hit for x in content_terms(h)} & terms:
            out.setdefault(t, []).extend(p for p in phrases if t not in p)
    return out


# ---- the assistant ----------------------------------------------------------------------------


class Assistant:
    """retrieve -> decide relevance -> afwijkingsruimte, precedents, motivering -> compose ->
    verify. Collaborators are constructor arguments; the app (assistant.app.App) builds it."""

    def __init__(self, index, generator: Generator | None = None, pseudonymiser=None,
                 prompt: Prompt | None = None, k: int = 8, k_besluiten: int = 6, max_body: int = 6,
                 relevance: RelevancePolicy | None = None, lexicon=None, gemeente: str | None = "Lindewaarde",
                 corrections=None):
        self.index = index
        # The own gemeente: its rules are "de regel"; another gemeente's only a comparison.
        self.gemeente = gemeente
        # Callable returning a jurist's corrections of the rule model (the corpus registry).
        self.corrections = corrections
        self.generator = generator or GroundedGenerator()
        self.grounded = GroundedGenerator()
        # Privacy by default: nothing personal reaches retrieval, the trace or an LLM unless a
        # caller deliberately passes pseudonymiser=False (only tests of the raw path do).
        if pseudonymiser is None:
            from assistant.privacy import Pseudonymiser

            pseudonymiser = Pseudonymiser()
        self.pseudonymiser = pseudonymiser or None
        self.prompt = prompt if prompt is not None else (Prompt.load("antwoord") if self.generator.uses_llm else None)
        self.k, self.k_besluiten, self.max_body = k, k_besluiten, max_body
        self.relevance = relevance or RelevancePolicy()
        self.lexicon = lexicon if lexicon is not None else getattr(index, "lexicon", None)
        self._catalogue: Catalogue | None = None
        self._catalogue_stamp: str | None = None

    # ---- state ---------------------------------------------------------------------------

    def catalogue(self) -> Catalogue:
        stamp = self.index.fingerprint
        if self._catalogue is None or stamp != self._catalogue_stamp:
            corrections = self.corrections() if self.corrections else ()
            self._catalogue = Catalogue(self.index.all_chunks(), self.gemeente, corrections)
            self._catalogue_stamp = stamp
        return self._catalogue

    def warm_up(self) -> None:
        """Load what the first question would otherwise pay for (catalogue, lexical index)."""
        self.catalogue()
        self.index.refresh_lexical()

    # ---- the one public operation ----------------------------------------------------------

    def ask(self, question: str, peildatum: dt.date | str | None = None,
            casus: dict[str, Any] | None = None) -> Answer:
        steps = self.compose(question, peildatum, casus)
        while True:
            try:
                next(steps)
            except StopIteration as done:
                return done.value

    def compose(self, question: str, peildatum: dt.date | str | None = None,
                casus: dict[str, Any] | None = None) -> Generator[Step, None, Answer]:
        """ask() part by part: yields a Step as each part of the answer is ready and returns
        the same Answer that ask() returns (an AnswerError is raised at the first step)."""
        started = time.perf_counter()
        question = (question or "").strip()
        if not question:
            raise AnswerError("de vraag is leeg; stel een vraag over een regel of een situatie")
        if len(question) > MAX_QUESTION_CHARS:
            raise AnswerError(
                f"de vraag is te lang ({len(question)} tekens, maximaal {MAX_QUESTION_CHARS}); "
                "vat de situatie samen en laat persoonsgegevens weg")
        if isinstance(peildatum, str):
            try:
                peildatum = dt.date.fromisoformat(peildatum)
            except ValueError:
                raise AnswerError(f"'{peildatum}' is geen geldige peildatum; gebruik JJJJ-MM-DD") from None
        day = peildatum or dt.date.today()
        casus = dict(casus or {})

        # Nothing personal goes further than this point.
        mapping = None
        q, casus_text = question, self._casus_text(casus)
        if self.pseudonymiser is not None:
            from assistant.privacy import PlaceholderMap

            mapping = PlaceholderMap()
            q = self.pseudonymiser.pseudonymise(question, mapping)
            casus_text = self.pseudonymiser.pseudonymise(casus_text, mapping) if casus_text else ""
        # Placeholders ([NAAM-1]) say nothing about which rule applies: retrieval and the
        # relevance decision see the question without them.
        from assistant.privacy import strip_placeholders

        search_q = " ".join(strip_placeholders(q).split())

        answer = Answer(question=q, peildatum=day.isoformat(), answer="", grounded=False)
        answer.trace = {
            "backend": self.generator.name,
            "model": self.generator.model,
            "prompt": {"name": self.prompt.name, "hash": self.prompt.hash} if self.prompt else None,
            "index_fingerprint": self.index.fingerprint,
            "embedder": getattr(self.index.embedder, "identity", None),
            "peildatum": day.isoformat(),
            "pseudonymised": self.pseudonymiser is not None,
        }
        if not self.index.count():
            answer.answer = "De index is leeg: er zijn geen bronnen om deze vraag mee te beantwoorden."
            answer.warnings.append("De index is leeg; voer eerst `maatwerk index` uit.")
            return self._finish(answer, started)

        cat = self.catalogue()
        earliest = cat.earliest_valid_from()
        if earliest and day < dt.date.fromisoformat(earliest):
            answer.answer = (f"Op de peildatum {day.isoformat()} gold nog geen van de geïndexeerde "
                             f"bronnen (de oudste versie geldt vanaf {earliest}). Ik kan deze vraag voor "
                             "die datum daarom niet beantwoorden.")
            answer.warnings.append(f"Peildatum {day.isoformat()} ligt voor de oudste versie in de index ({earliest}).")
            return self._finish(answer, started)

        terms = content_terms(search_q)
        expansions = content_terms(" ".join(self.lexicon.expansions(search_q))) - terms if self.lexicon else set()
        weights = self.relevance.question_weights(terms - GENERIC_TERMS or terms, cat)
        aliases = question_aliases(self.lexicon, search_q, set(weights))

        def matches(ct: set[str]) -> set[str]:
            return {t for t in weights if t in ct or any(a <= ct for a in aliases.get(t, ()))}

        main_types = [t for t in SOURCE_TYPES if t != "besluit"]
        hits = self.index.search(search_q, k=self.k, peildatum=day, source_types=main_types, per_doc=2)
        besluit_hits = self.index.search(search_q, k=self.k_besluiten, peildatum=day, source_types=["besluit"])
        scored = []
        for h in hits + besluit_hits:
            ct = cat.chunk_terms(h.chunk)
            matched = matches(ct)
            scored.append((h, matched, self.relevance.hit_weight(weights, expansions, ct)))
        best = {kind: max([w for h, _, w in scored if (h.chunk.source_type == "besluit") == kind] or [0.0])
                for kind in (True, False)}
        relevant: list = []
        covered: set[str] = set()
        for h, matched, w in scored:
            is_rel = self.relevance.is_relevant(matched, w, len(weights), best[h.chunk.source_type == "besluit"])
            if is_rel:
                relevant.append(h)
                covered |= matched
            answer.hits.append(self._hit_dict(h, is_rel, w))
        explicit = cat.explicit_rule(search_q, day)
        coverage = self.relevance.known_coverage(weights, covered, cat, aliases)
        answer.trace["coverage"] = round(coverage, 3)
        # A question that names an article the index holds is in scope by itself.
        in_scope = explicit is not None or (bool(relevant) and coverage >= self.relevance.min_coverage)

        if not in_scope:
            answer.answer = (
                "Dit staat niet in de bronnen: in de regels, richtsnoeren en besluiten die op "
                f"{day.isoformat()} golden, vind ik niets over deze vraag. Ik kan haar daarom niet onderbouwd "
                "beantwoorden. Leg haar voor aan een beleidsmedewerker of jurist, of beschrijf de situatie "
                "met de regeling of voorziening waar het om gaat.")
            answer.warnings.append("Geen passages over dit onderwerp gevonden: er is geen onderbouwd antwoord.")
            answer.trace["scope"] = "buiten de bronnen"
            for h in answer.hits:
                h["relevant"] = False
            return self._finish(answer, started)

        yield Step("bronnen", {"hits": [dict(h) for h in answer.hits if h["relevant"]]})

        # ---- the rule, its chain and the room along it -------------------------------------------
        registry = _Registry()
        def weigh(chunk: Chunk) -> float:
            return self.relevance.hit_weight(weights, expansions, cat.chunk_terms(chunk))

        rules = cat.rules
        signal = domain_signal(cat.domains, terms, [(h.chunk, h.rank) for h in relevant])
        answer.trace["domein"] = signal.domain
        focus = rules.article_of(explicit) if explicit is not None else None
        if focus is None:
            focus = self._choose([h for h in relevant if h.chunk.source_type in RULE_TYPES], weigh, cat, day,
                                 signal, hint=_layer_hint(q))
        chain = chain_of(rules, focus, day) if focus is not None else None
        facts = read_facts(q + "\n" + casus_text)
        room = decide_room(rules, chain, terms, facts, day) if chain is not None else None
        rule = explicit if explicit is not None else (self._best_chunk(focus, weigh, day) if focus else None)
        ruimte, ruimte_chunks = self._afwijkingsruimte(rule, chain, room, cat, day, weigh, answer.warnings)
        kb = (brief(chain, room, q, terms, facts, day, cat.idf, casus_circumstances=bool(casus.get("omstandigheden")))
              if chain is not None and room is not None else None)
        if chain is not None:
            answer.trace["keten"] = [a.citation for a in chain.members()]
        foreign = [h.chunk for h in relevant if h.chunk.source_type != "besluit" and rules.is_foreign(h.chunk)]
        body = [h.chunk for h in relevant
                if h.chunk.source_type != "besluit" and not rules.is_foreign(h.chunk)][:self.max_body]
        chain_chunks = [self._best_chunk(a, weigh, day) for a in chain.members()] if chain is not None else []
        brief_chunks = [c for s_ in kb.sentences for c in s_.chunks] if kb is not None else []
        for c in [rule, *chain_chunks, *brief_chunks]:
            if c is not None and c.chunk_id not in {b.chunk_id for b in body}:
                body.insert(0, c)
        for c in ruimte_chunks:
            registry.add(c)
        for c in sorted(body, key=lambda c: _layer_index(c.source_type)):
            registry.add(c)
        for c in foreign[:2]:
            registry.add(c)
        precedents, consistency = self._precedents(rule, chain, besluit_hits, relevant, cat, day, casus, registry,
                                                    answer.warnings)
        situation = content_terms(q + " " + casus_text)
        for p_ in precedents:
            p_.compare(situation)
        answer.precedents, answer.consistency = precedents, consistency

        preface = []
        if kb is not None:
            answer.oordeel = kb.verdict
            answer.kort_antwoord = " ".join(self._resolve(s_, registry) for s_ in kb.sentences)
            answer.nog_nodig = [oq.text + (f" [{registry.add(oq.chunk)}]" if oq.chunk is not None else "")
                                for oq in kb.open_questions]
            preface.append(f"Kort antwoord: {answer.kort_antwoord}")
            if answer.nog_nodig:
                preface.append("Nog nodig om te beoordelen:\n" + "\n".join(f"- {x}" for x in answer.nog_nodig))
            yield self._step("kort_antwoord", registry, kort_antwoord=answer.kort_antwoord, oordeel=answer.oordeel)
            if answer.nog_nodig:
                yield self._step("nog_nodig", registry, nog_nodig=answer.nog_nodig)
        if ruimte is not None:
            for i, c in enumerate(ruimte_chunks):
                ruimte.toelichting = ruimte.toelichting.replace("{n%d}" % i, str(registry.n(c)))
            ruimte.markers = [registry.n(c) for c in ruimte_chunks]
            preface.append(f"Afwijkingsruimte ({_BASIS_LABEL[ruimte.basis]}): {ruimte.toelichting}")
            answer.afwijkingsruimte = ruimte
            if chain is not None and len(chain.members()) > 1:
                links = [f"{a.citation} [{registry.n(c)}]" for a, c in zip(chain.members(), chain_chunks) if c is not None]
                preface.append("Keten van de regel: " + " → ".join(links) + ".")
            yield self._step("afwijkingsruimte", registry, afwijkingsruimte=asdict(ruimte))
            if chain is not None and len(chain.members()) > 1:
                yield self._step("keten", registry, keten=preface[-1])
        else:
            nearest = []
            for h in relevant:
                if h.chunk.source_type in RULE_TYPES and not rules.is_foreign(h.chunk) and registry.has(h.chunk):
                    nearest.append(f"{h.chunk.citation} [{registry.n(h.chunk)}]")
                    art = rules.article_of(h.chunk)
                    answer.suggestions.append(art.citation if art is not None else h.chunk.citation)
            answer.suggestions = list(dict.fromkeys(answer.suggestions))[:3]
            answer.trace["scope"] = "geen regel gekoppeld"
            preface.append("Ik kan uw vraag niet aan één regel koppelen. De regels die er het dichtst bij liggen: "
                           + ("; ".join(dict.fromkeys(nearest[:3])) if nearest else "zie de passages hieronder")
                           + ". Kies de regel die bij de situatie past, of beschrijf de situatie vollediger.")
        if foreign:
            preface.append("Ter vergelijking (regel van een andere gemeente, niet de regel voor "
                           f"{self.gemeente}): " + "; ".join(f"{c.citation} [{registry.n(c)}]" for c in foreign[:2]) + ".")
        if consistency:
            preface.append(f"Eerdere besluiten: {consistency}")
        if precedents or consistency:
            yield Step("precedenten", {"precedents": [asdict(p_) for p_ in precedents], "consistency": consistency})

        focus_sentences = kb.focus_sentences if kb is not None else {}
        passages = [Passage(registry.n(c), c, LAYER_OF.get(c.source_type, ("overig", "Overige bronnen"))[1],
                            focus=focus_sentences.get(c.chunk_id, []))
                    for c in sorted(body, key=lambda c: (_layer_index(c.source_type), registry.n(c)))]
        passages += [Passage(registry.n(c), c, COMPARISON_LAYER) for c in foreign[:2]]
        passages += [Passage(p.n, registry.chunk(p.n), "Eerdere maatwerk-besluiten") for p in precedents]
        request = GenerationRequest(question=q, peildatum=day.isoformat(), passages=passages, preface=preface,
                                    casus=casus_text, prompt=self.prompt)
        text = yield from self._compose(request, answer)
        text = text + "\n\nDe professional beslist; dit antwoord is een hulpmiddel, geen besluit."
        shown = self._step("onderbouwing", registry, answer=text)
        if mapping is not None and len(mapping):
            shown.fields["answer"] = mapping.reidentify(shown.fields["answer"])
        yield shown

        answer.motivering = self._motivering(rule, ruimte, ruimte_chunks, precedents, cat, day, casus, registry, kb)
        yield self._step("motivering", registry, motivering=[{"kop": k, "tekst": t} for k, t in answer.motivering])

        # ---- verification over everything that carries markers ---------------------------------
        verifier = _Verifier(registry)
        answer.answer = verifier.check(text)
        answer.kort_antwoord = verifier.check(answer.kort_antwoord) if answer.kort_antwoord else ""
        answer.nog_nodig = [verifier.check(x) for x in answer.nog_nodig]
        answer.motivering = [(k, verifier.check(t)) for k, t in answer.motivering]
        if ruimte is not None:
            ruimte.toelichting = verifier.check(ruimte.toelichting)
        answer.warnings.extend(verifier.warnings)
        if mapping is not None and len(mapping):
            answer.answer = mapping.reidentify(answer.answer)
        used = set(verifier.used) | set(ruimte.markers if ruimte else []) | {p.n for p in precedents}
        answer.citations = [registry.citation(n, verifier.quotes.get(n)) for n in sorted(used)]
        answer.grounded = bool(answer.citations)
        cited_ids = {c.chunk_id for c in answer.citations}
        for h in answer.hits:
            h["cited"] = h["chunk_id"] in cited_ids
        answer.trace["passages"] = len(registry.chunks)
        return self._finish(answer, started)

    # ---- steps ----------------------------------------------------------------------------

    @staticmethod
    def _step(kind: str, registry: "_Registry", **fields: Any) -> Step:
        """A Step whose texts are checked the way the final answer will be (every [n] names a
        numbered passage, every quote is in it), by a verifier of its own: the final check and
        its warnings are not touched."""
        check = _Verifier(registry).check
        for key in ("kort_antwoord", "keten", "answer"):
            if key in fields:
                fields[key] = check(fields[key])
        if "nog_nodig" in fields:
            fields["nog_nodig"] = [check(x) for x in fields["nog_nodig"]]
        if "motivering" in fields:
            fields["motivering"] = [{"kop": m["kop"], "tekst": check(m["tekst"])} for m in fields["motivering"]]
        if fields.get("afwijkingsruimte"):
            fields["afwijkingsruimte"] = dict(fields["afwijkingsruimte"],
                                              toelichting=check(fields["afwijkingsruimte"]["toelichting"]))
        return Step(kind, fields)

    @staticmethod
    def _resolve(sentence: Sentence, registry: "_Registry") -> str:
        """A brief sentence with its {0}, {1} ... replaced by the passages' markers."""
        text = sentence.text
        for i, chunk in enumerate(sentence.chunks):
            text = text.replace("{%d}" % i, f"[{registry.add(chunk)}]")
        # A passage the index does not hold leaves no marker, and no space before the stop.
        return re.sub(r"\s+([.,;)])", r"\1", re.sub(r"\s*\{\d+\}", "", text))

    @staticmethod
    def _casus_text(casus: dict[str, Any]) -> str:
        parts = []
        for key, value in casus.items():
            if value in (None, "", []):
                continue
            if isinstance(value, (list, tuple)):
                value = "; ".join(str(v) for v in value)
            parts.append(f"{key}: {value}")
        return "\n".join(parts)

    @staticmethod
    def _hit_dict(h, relevant: bool, weight: float) -> dict[str, Any]:
        c = h.chunk
        return {
            "rank": h.rank, "score": round(h.score, 6), "chunk_id": c.chunk_id, "citation": c.citation,
            "source": c.source, "source_type": c.source_type,
            "layer": LAYER_OF.get(c.source_type, ("overig", "Overige bronnen"))[1],
            "valid_from": c.valid_from, "valid_to": c.valid_to, "relevant": relevant,
            "lexical_weight": round(weight, 2), "cited": False,
        }

    @staticmethod
    def _best_chunk(art, weigh, day: dt.date) -> Chunk | None:
        chunks = art.valid_chunks(day)
        return max(chunks, key=lambda c: (weigh(c), -len(c.text))) if chunks else None

    @staticmethod
    def _choose(hits, weigh, cat: Catalogue, day: dt.date, signal, hint: str | None = None,
                close: float = 0.8):
        """The provision the question turns on. Per retrieved rule document, its article that best
        matches the question (a hit on a toelichting or the begripsbepalingen points to the
        document, not to the article). Another gemeente's rules and the Awb's general norms (the
        basis for deviating, not the rule) are never chosen; when the domain is clear, a rule
        outside it is chosen only if search found none inside it. Among articles that match about
        as well as the best, the most specific layer wins: the chain shows the law above it anyway."""
        rules = cat.rules
        per_doc: dict[str, tuple[float, int, Chunk, bool]] = {}  # weight, rank, chunk, off-domain
        for h in hits:
            if h.chunk.doc_id in per_doc or rules.is_foreign(h.chunk):
                continue
            best = None
            # A document's domain is its regeling's, the same for all its passages.
            off = signal.confident and h.chunk.domain not in (signal.domain, "algemeen")
            for c in cat.doc(h.chunk.doc_id, day) or [h.chunk]:
                if not c.article or _META_HEADING.search(c.heading or "") or _HARDSHIP.search(c.text[:200]):
                    continue
                if c.source_type in LAW_TYPES and c.domain == "algemeen":
                    continue
                w = weigh(c)
                # Search rank breaks near-ties in lexical weight.
                w *= 1.0 + 0.3 / (1 + h.rank)
                if best is None or w > best[0]:
                    best = (w, h.rank, c)
            if best is not None:
                per_doc[h.chunk.doc_id] = best + (off,)
        # A clear domain keeps the question in it: a rule of another domain is chosen only when
        # search found none in the question's own.
        if any(not v[3] for v in per_doc.values()):
            per_doc = {k: v for k, v in per_doc.items() if not v[3]}
        if not per_doc:
            return None
        top = max(v[0] for v in per_doc.values())
        close_enough = [v for v in per_doc.values() if v[0] >= close * top]
        specificity = {"beleidsregel": 0, "verordening": 1}
        if hint:  # the professional named the layer ("de verordening stelt ...")
            specificity[hint] = -1
        chosen = min(close_enough, key=lambda v: (specificity.get(v[2].source_type, 2), -v[0]))[2]
        return rules.article_of(chosen)

    def _afwijkingsruimte(self, rule: Chunk | None, chain: Chain | None, room: Room | None, cat: Catalogue,
                          day: dt.date, weigh, warnings: list[str]) -> tuple[Afwijkingsruimte | None, list[Chunk]]:
        """The room as the answer states it: which basis, the provision that grants it (quoted),
        and how it relates to the rule the question turns on."""
        if rule is None or chain is None or room is None:
            return None, []
        focus = chain.focus
        kind = focus.layer

        def chunk_of(prov, art) -> Chunk | None:
            if prov is not None:
                got = next((c for c in art.valid_chunks(day) if c.chunk_id == prov.chunk_id), None)
                if got is not None:
                    return got
            return self._best_chunk(art, weigh, day) if art is not None else None

        def quote(prov) -> str:
            return f"„{prov.text}“" if prov is not None and prov.source != "jurist" else ""

        if room.basis == "niet-nodig":
            c = chunk_of(room.provision, room.article)
            text = (f"De situatie valt onder {c.citation}: {quote(room.provision)} [{{n0}}]. "
                    + room.reason.replace("De situatie valt onder een vrijlating of uitzondering", "Rekensom")
                    + " De regel zelf laat dit toe; het is geen maatwerk.")
            return Afwijkingsruimte("niet-nodig", c.citation, text, focus.citation, kind), [c]
        if room.basis == "wettelijke-bevoegdheid":
            c = chunk_of(room.provision, room.article)
            lead = (f"De regel ({focus.citation}) werkt {room.article.citation} uit. " if room.article is not focus
                    else f"De regel ({focus.citation}) staat in de wet. ")
            text = lead + f"De wet geeft hier zelf ruimte: {quote(room.provision)} ({c.citation}) [{{n0}}]."
            if room.article is not focus:
                text += (" Dat is een wettelijke bevoegdheid; de beleidsregel of verordening vult haar in, maar is "
                         "niet zelf de grondslag.")
            return Afwijkingsruimte("wettelijke-bevoegdheid", c.citation, text, focus.citation, kind), [c]
        if room.basis == "hardheidsclausule":
            c = chunk_of(room.provision, room.article)
            text = (f"De regel ({focus.citation}) staat in een verordening met een hardheidsclausule: "
                    f"{quote(room.provision)} ({c.citation}) [{{n0}}].")
            return Afwijkingsruimte("hardheidsclausule", c.citation, text, focus.citation, kind), [c]
        if room.basis == "beleidsregel-4:84-awb":
            cited: list[Chunk] = []
            awb = cat.awb_484(day)
            if awb is not None:
                cited.append(awb)
            else:
                warnings.append("Artikel 4:84 Awb staat niet in de index voor deze peildatum; de grondslag "
                                "geldt wel (Awb), maar wordt hier niet geciteerd.")
            own_art = cat.rules.own_deviation_article(focus.regulation, day)
            own = self._best_chunk(own_art, weigh, day) if own_art is not None else None
            if own is not None:
                cited.append(own)
            parts = [f"De regel ({focus.citation}) is een beleidsregel. Het college handelt volgens de "
                     "beleidsregel, tenzij dat voor de inwoner gevolgen heeft die wegens bijzondere "
                     "omstandigheden onevenredig zijn in verhouding tot de met de beleidsregel te dienen doelen"]
            parts[0] += f" ({awb.citation}) [{{n0}}]." if awb is not None else " (artikel 4:84 Awb)."
            if own is not None:
                parts.append(f"De beleidsregel noemt deze afwijkingsbevoegdheid zelf in {own.citation} [{{n{len(cited) - 1}}}].")
            national = [a for a in chain.up if a.layer in LAW_TYPES]
            if national:
                parts.append(f"De beleidsregel werkt {', '.join(a.citation for a in national[:2])} uit; die wet geeft "
                             "voor deze vraag zelf geen bevoegdheid om af te wijken.")
            return Afwijkingsruimte("beleidsregel-4:84-awb", (cited[0].citation if cited else "artikel 4:84 Awb"),
                                    " ".join(parts), focus.citation, kind), cited
        # geen: cite the imperative provision itself (the law, where the local rule only restates it)
        governing = room.article or focus
        c = chunk_of(None, governing) or rule
        if governing is not focus:
            kind = governing.layer
            focus_note = f" {room.reason}"
        else:
            focus_note = ""
        if kind == "verordening":
            text = (f"De regel ({focus.citation}) staat in een verordening zonder hardheidsclausule in de gevonden "
                    "tekst [{n0}]. Afwijken kan dan niet op grond van de verordening zelf; leg de casus vast als "
                    "knelpunt.")
        else:
            text = (f"De regel ({focus.citation}) staat in de wet en dat artikel geeft geen ruimte om af te wijken "
                    "(geen bevoegdheid, geen uitzondering voor dringende redenen) [{n0}]. De gemeente kan hier niet "
                    "van afwijken; ook de evenredigheidstoets van artikel 3:4 Awb geeft geen bevoegdheid die de wet "
                    "niet geeft. Leg de casus vast als knelpunt, zodat het Rijk het kan oplossen.")
            text = text.replace(f"De regel ({focus.citation})", f"De regel ({governing.citation})") + focus_note
        cited = [c]
        for alt in room.alternatives[:2]:
            ac = self._best_chunk(alt, weigh, day)
            if ac is not None:
                cited.append(ac)
                text += (f" Wel uitgewerkt in {alt.citation} [{{n{len(cited) - 1}}}]: kijk of die regel de situatie dekt.")
        return Afwijkingsruimte("geen", c.citation, text, governing.citation, kind, knelpunt=True), cited

    def _precedents(self, rule, chain: Chain | None, besluit_hits, relevant, cat: Catalogue, day, casus, registry,
                    warnings: list[str]) -> tuple[list[Precedent], str]:
        """Besluiten on the same provision or its chain (counted for consistency), then other
        similar besluiten search found (listed apart, not counted)."""
        docs = cat.besluiten(day)
        chosen: list[tuple[str, bool]] = []
        if rule is not None:
            key = _regel_key(_article_key(rule))
            members = set()
            if chain is not None:
                # The chain as the articles name it; a preamble's 'gelet op' is too broad to
                # make two besluiten comparable.
                explicit_up = all(lk.via != "aanhef" for lk in chain.focus.grondslag())
                members = {chain.focus.key, *(a.key for a in chain.down),
                           *((a.key for a in chain.up) if explicit_up else ())}
            for doc_id, chunks in sorted(docs.items(), key=lambda kv: kv[1][0].valid_from or ""):
                regel = str(chunks[0].extra.get("regel", ""))
                art = cat.rules.article_for_citation(regel) if regel else None
                if _regel_key(regel) == key or (art is not None and art.key in members):
                    chosen.append((doc_id, True))
        rel_ids = {h.chunk.chunk_id for h in relevant}
        for h in besluit_hits:
            if h.chunk.chunk_id in rel_ids and h.chunk.doc_id not in {d for d, _ in chosen}:
                chosen.append((h.chunk.doc_id, False))
        out: list[Precedent] = []
        for doc_id, same in chosen[:8]:
            chunks = docs.get(doc_id) or cat.doc(doc_id, day)
            if not chunks:
                continue
            extra = chunks[0].extra
            cite = next((c for c in chunks if (c.heading or "").lower() == "besluit"), chunks[0])
            n = registry.add(cite)
            achterhaald = (str(extra.get("achterhaald_door") or "ja")
                           if str(extra.get("status", "")).lower() == "achterhaald" else None)
            p = Precedent(
                id=str(extra.get("id") or chunks[0].citation), citation=cite.citation, n=n,
                datum=chunks[0].valid_from, regel=str(extra.get("regel", "")),
                uitkomst=str(extra.get("uitkomst", "onbekend")),
                grondslag_afwijking=extra.get("grondslag_afwijking"),
                omstandigheden=[str(o) for o in extra.get("omstandigheden") or []], zelfde_regel=same,
                regel_versie=str(extra["regel_versie"]) if extra.get("regel_versie") else None,
                achterhaald_door=achterhaald)
            out.append(p)
            if same and not achterhaald and rule is not None and p.regel_versie and rule.valid_from \
                    and p.regel_versie < rule.valid_from:
                warnings.append(f"{p.id} is gebaseerd op een oudere versie van de regel (versie "
                                f"{p.regel_versie}; op de peildatum geldt de versie van {rule.valid_from}).")
        return out, self._consistency(out, casus, warnings)

    @staticmethod
    def _consistency(precedents: list[Precedent], casus: dict[str, Any], warnings: list[str]) -> str:
        history = [p for p in precedents if p.achterhaald_door]
        current = [p for p in precedents if not p.achterhaald_door]
        note = "".join(f" {p.id} [{p.n}] is achterhaald ({p.achterhaald_door}) en telt niet mee." for p in history)
        pool = [p for p in current if p.zelfde_regel]
        others = [p for p in current if not p.zelfde_regel]
        other_note = (f" Andere vergelijkbare besluiten (niet over deze regel of haar keten, niet meegeteld): "
                      + ", ".join(f"{p.id} [{p.n}]" for p in others) + ".") if others else ""
        if not pool:
            return (note + other_note).strip()
        deviated = [p for p in pool if p.uitkomst in ("afgeweken", "gedeeltelijk")]
        kept = [p for p in pool if p.uitkomst not in ("afgeweken", "gedeeltelijk")]
        about = "over dezelfde regel of haar keten"
        text = (f"In {len(deviated)} van {len(pool)} eerdere besluiten {about} werd (geheel of gedeeltelijk) "
                f"afgeweken" + (f" ({', '.join(f'{p.id} [{p.n}]' for p in deviated)})" if deviated else "") + ".")
        if deviated and kept:
            minority = kept if len(kept) < len(deviated) else deviated if len(deviated) < len(kept) else []
            for p in minority:
                verb = "niet afgeweken" if p in kept else "wel afgeweken"
                diff = "; ".join(p.omstandigheden[:3]) or "zie het besluit"
                text += f" In {p.id} [{p.n}] werd {verb}; dat besluit verschilde in: {diff}."
        proposed = str(casus.get("voorgestelde_uitkomst") or "").strip().lower()
        if proposed and pool:
            wants_deviation = not proposed.startswith(("niet", "geen", "afwijz", "afgewezen"))
            majority = (len(deviated) > len(kept)) if len(deviated) != len(kept) else None
            if majority is not None and wants_deviation != majority:
                flag = (f"De voorgestelde uitkomst ({proposed}) wijkt af van het patroon in eerdere besluiten "
                        f"{about}: daar werd meestal {'wel' if majority else 'niet'} afgeweken. Motiveer waarom "
                        "deze casus verschilt (gelijkheidsbeginsel).")
                text += " Let op: " + flag
                warnings.append(flag)
        return text + note + other_note

    def _motivering(self, rule, ruimte, ruimte_chunks, precedents, cat: Catalogue, day, casus,
                    registry, kb: Brief | None = None) -> list[tuple[str, str]]:
        """The concept-motivering, filled with what the question and casus say: the facts in
        "Bijzondere omstandigheden", the arithmetic in "Gevolgen", the doel from the
        toelichting, the three evenredigheid steps with the facts so far, and both conclusions
        drafted. A placeholder only where a fact is really missing (those are under "Nog nodig")."""
        todo = "[in te vullen door de professional]"
        sections: list[tuple[str, str]] = []
        doel_text = None
        if rule is not None:
            n = registry.add(rule)
            first = select_sentences(rule.text, set(), 1)
            version = f"geldig vanaf {rule.valid_from or 'onbekend'}" + (f" tot {rule.valid_to}" if rule.valid_to else "")
            sections.append(("Regel en versie", f"{rule.citation} ({version}): „{first[0]}“ [{n}]" if first
                             else f"{rule.citation} ({version}) [{n}]"))
            doel = self._purpose(rule, cat, day)
            if doel is not None:
                chunk, sentence = doel
                doel_text = f"„{sentence}“ [{registry.add(chunk)}]"
                sections.append(("Doel van de regel", doel_text))
            else:
                sections.append(("Doel van de regel", "Het doel van de regel staat niet in de gevonden bronnen; "
                                 f"vul het aan (bijv. uit de toelichting of memorie van toelichting). {todo}"))
        else:
            sections.append(("Regel en versie", f"Niet vastgesteld: noem de regel en de versie. {todo}"))
            sections.append(("Doel van de regel", todo))
        circ = casus.get("omstandigheden")
        if isinstance(circ, (list, tuple)):
            circ = "; ".join(str(c) for c in circ)
        told = list(kb.facts_text) if kb is not None else []
        facts_line = "; ".join(told)
        omst = "; ".join(x for x in (facts_line and f"Uit de vraag: {facts_line}", circ) if x)
        sections.append(("Bijzondere omstandigheden", omst or todo))
        gevolgen = casus.get("gevolgen")
        effect = kb.consequence if kb is not None else None
        if kb is not None and kb.verdict == "nee" and not effect:
            effect = "De regel wordt toegepast zoals zij luidt; er is geen bevoegdheid om af te wijken."
        gev = " ".join(x for x in (effect, gevolgen) if x)
        sections.append(("Gevolgen voor de inwoner", gev or todo))
        weigh = []
        awb34 = cat.awb_34_lid2(day)
        if awb34 is not None:
            quote = select_sentences(awb34.text, {"gevolg", "onevenred", "doel"}, 1)
            weigh.append(f"Toets aan {awb34.citation}: „{quote[0]}“ [{registry.add(awb34)}]." if quote
                         else f"Toets aan {awb34.citation} [{registry.add(awb34)}].")
        guide = cat.guidance(r"evenredigheid", day)
        ref = f" (zie {guide.citation} [{registry.add(guide)}])" if guide is not None else ""
        weigh.append(f"Evenredigheid in drie stappen{ref}:")
        judge = "Oordeel van de professional: ..."
        weigh.append("1. Geschiktheid: dient toepassing van de regel in deze casus haar doel"
                     + (f" ({doel_text})" if doel_text else "") + "? " + (judge if doel_text else todo))
        weigh.append("2. Noodzakelijkheid: is er een minder belastende manier om dat doel te bereiken"
                     + (" (bijvoorbeeld een lening, een gedeeltelijke toekenning of een betalingsregeling)" if kb else "")
                     + f"? {judge}")
        weigh.append("3. Evenwichtigheid: staan de gevolgen voor de inwoner in verhouding tot het doel?"
                     + (f" Wat de feiten tot nu toe zeggen: {effect}" if effect else "")
                     + (f" Omstandigheden: {facts_line}." if facts_line else "") + f" {judge if (effect or omst) else todo}")
        if ruimte is not None:
            weigh.append(f"Grondslag om af te wijken: {_BASIS_LABEL[ruimte.basis]}"
                         + (f" ({ruimte.citation}) [{ruimte.markers[0]}]" if ruimte.markers else "") + ".")
        sections.append(("Belangenafweging", "\n".join(weigh)))
        if precedents:
            lines = [f"- {p.id} ({p.datum}): {p.uitkomst} [{p.n}]"
                     + (f" — achterhaald ({p.achterhaald_door}), niet als steun gebruiken" if p.achterhaald_door else "")
                     for p in precedents]
            sections.append(("Vergelijkbare besluiten", "\n".join(lines)))
        else:
            sections.append(("Vergelijkbare besluiten", "Geen vergelijkbare besluiten gevonden."))
        rule_name = rule.citation if rule is not None else "de regel"
        if ruimte is not None and ruimte.basis == "geen":
            conclusie = (f"De regel ({rule_name}) wordt toegepast: de wet laat geen ruimte om af te wijken. "
                         "De situatie wordt gemeld als knelpunt. De professional beslist; de assistent beslist niet.")
        elif kb is not None and kb.verdict in ("binnen de regel", "niet nodig"):
            conclusie = (f"Afwijken is niet nodig: de situatie past binnen {rule_name}. "
                         "De professional beslist; de assistent beslist niet.")
        else:
            grond = _BASIS_LABEL[ruimte.basis] if ruimte is not None else "de grondslag hierboven"
            conclusie = ("Kies een van beide conclusies (de professional beslist, de assistent niet):\n"
                         f"A. Afwijken: gelet op de bijzondere omstandigheden en de gevolgen hierboven wijkt het college "
                         f"af van {rule_name} ({grond}), omdat toepassing onevenredig uitpakt in verhouding tot het doel.\n"
                         f"B. Niet afwijken: de omstandigheden maken de gevolgen niet onevenredig; {rule_name} wordt "
                         "toegepast zoals zij luidt.")
        sections.append(("Conclusie", conclusie))
        return sections

    @staticmethod
    def _purpose(rule: Chunk, cat: Catalogue, day: dt.date) -> tuple[Chunk, str] | None:
        """The 'doel van de regel' from the regeling's own toelichting, per article."""
        if not rule.article:
            return None
        head = re.compile(rf"\bArtikel {re.escape(rule.article)}\b", re.I)
        for c in cat.doc(rule.doc_id, day):
            if "toelichting" not in (c.heading or "").lower() or not head.search(c.text):
                continue
            # The toelichting packs several articles per chunk: take this article's paragraph.
            for para in c.text.split("\n\n"):
                if head.search(para[:80]):
                    m = re.search(r"Doel[^.]*\.", para)
                    if m and m.group(0) in c.text:
                        return c, m.group(0)
        return None

    def _compose(self, request: GenerationRequest, answer: Answer) -> Generator[Step, None, str]:
        """The answer text: the grounded composer's, or the language model's as it streams in
        (a Step "tekst" per piece), checked once it is complete. When the model fails or cites
        nothing traceable, a Step "terugval" says its text is dropped and the grounded text is used."""
        if not self.generator.uses_llm:
            return self.generator.generate(request)
        for p in request.passages:  # sent as data all the same (see GenerationRequest.passages_block)
            said = instruction_like(p.chunk.text)
            if said:
                answer.warnings.append(f"Passage [{p.n}] ({p.chunk.citation}) bevat tekst die zich tot een taalmodel "
                                       f"richt („{said}“); die is als brontekst meegestuurd, niet als opdracht.")
        pieces: list[str] = []
        try:
            for piece in self.generator.stream(request):
                if piece:
                    pieces.append(piece)
                    yield Step("tekst", {"tekst": piece})
            text = "".join(pieces).strip()
            if not text:
                raise GenerationError(f"de {self.generator.name}-backend gaf een leeg antwoord")
        except GenerationError as exc:
            answer.warnings.append(f"Taalmodel niet gebruikt: {exc}. Het antwoord is samengesteld uit de "
                                   "gevonden passages.")
            answer.trace["fallback"] = "grounded"
            yield Step("terugval", {"warnings": answer.warnings[-1:]})
            return self.grounded.generate(request)
        # An LLM answer that cites nothing traceable is not an answer we can stand behind.
        valid = {int(n) for m in _MARKER_RE.finditer(text) for n in m.group(1).split(",")} & {p.n for p in request.passages}
        if not valid:
            answer.warnings.append("Het taalmodel-antwoord bevatte geen geldige bronverwijzingen; in plaats daarvan "
                                   "is het antwoord samengesteld uit de gevonden passages.")
            answer.trace["fallback"] = "grounded"
            answer.trace["llm_output"] = text[:2000]
            yield Step("terugval", {"warnings": answer.warnings[-1:]})
            return self.grounded.generate(request)
        # Articles, ECLI's and regulations the model names must come from the passages (or from the
        # fixed statements it was given); the rest is removed and reported.
        text, removed = check_references(text, request.passages, request.preface)
        answer.warnings.extend(removed)
        return text

    @staticmethod
    def _finish(answer: Answer, started: float) -> Answer:
        answer.trace["latency_ms"] = round((time.perf_counter() - started) * 1000, 1)
        return answer


_BASIS_LABEL = {
    "niet-nodig": "afwijken niet nodig: een vrijlating of uitzondering dekt de situatie",
    "beleidsregel-4:84-awb": "afwijken van een beleidsregel, artikel 4:84 Awb",
    "hardheidsclausule": "hardheidsclausule van de verordening",
    "wettelijke-bevoegdheid": "bevoegdheid in de wet zelf",
    "geen": "geen ruimte om af te wijken",
}


def _layer_hint(question: str) -> str | None:
    q = question.lower()
    if "verordening" in q and "beleidsregel" not in q:
        return "verordening"
    if "beleidsregel" in q and "verordening" not in q:
        return "beleidsregel"
    return None


def _layer_index(source_type: str) -> int:
    for i, (_, _, types) in enumerate(LAYERS):
        if source_type in types:
            return i
    return len(LAYERS)


class _Registry:
    """Numbers the passages that may be cited, [1], [2], ..., once per answer."""

    def __init__(self):
        self.chunks: dict[int, Chunk] = {}
        self._by_id: dict[str, int] = {}

    def add(self, chunk: Chunk) -> int:
        if chunk.chunk_id not in self._by_id:
            n = len(self.chunks) + 1
            self.chunks[n] = chunk
            self._by_id[chunk.chunk_id] = n
        return self._by_id[chunk.chunk_id]

    def has(self, chunk: Chunk) -> bool:
        return chunk.chunk_id in self._by_id

    def n(self, chunk: Chunk) -> int:
        return self._by_id[chunk.chunk_id]

    def chunk(self, n: int) -> Chunk:
        return self.chunks[n]

    def citation(self, n: int, quote: str | None) -> Citation:
        c = self.chunks[n]
        if not quote:
            first = select_sentences(c.text, set(), 1)
            quote = first[0] if first else ""
        return Citation(n, c.chunk_id, c.source, c.citation, quote, c.valid_from, c.valid_to, c.source_type)


class _Verifier:
    """Every [n] must name a numbered passage; every quote must occur verbatim (whitespace
    normalised) in the passage its marker names. What fails is removed and reported."""

    def __init__(self, registry: _Registry):
        self.registry = registry
        self.warnings: list[str] = []
        self.used: list[int] = []
        self.quotes: dict[int, str] = {}

    def check(self, text: str) -> str:
        text = self._markers(text)
        return self._quotes(text)

    def _markers(self, text: str) -> str:
        def repl(m: re.Match) -> str:
            keep = []
            for part in m.group(1).split(","):
                n = int(part)
                if n in self.registry.chunks:
                    keep.append(n)
                    if n not in self.used:
                        self.used.append(n)
                else:
                    self.warnings.append(f"Verwijzing [{n}] wijst naar geen gevonden passage en is verwijderd.")
            return "".join(f"[{n}]" for n in keep)

        return _MARKER_RE.sub(repl, text)

    def _quotes(self, text: str) -> str:
        out, pos = [], 0
        for m in _QUOTE_RE.finditer(text):
            quote = next(g for g in m.groups() if g is not None)
            line_end = text.find("\n", m.end())
            line_end = len(text) if line_end < 0 else line_end
            line_start = text.rfind("\n", 0, m.start()) + 1
            after = _MARKER_RE.search(text, m.end(), line_end)
            before = list(_MARKER_RE.finditer(text, line_start, m.start()))
            marker = after or (before[-1] if before else None)
            wanted = _norm_ws(quote).strip(" .,;…")
            ok = False
            if marker is not None:
                n = int(marker.group(1).split(",")[0])
                chunk = self.registry.chunks.get(n)
                ok = chunk is not None and wanted in _norm_ws(chunk.text)
                where = f"[{n}] ({chunk.citation})" if chunk is not None else f"[{n}]"
                if ok:
                    self.quotes.setdefault(n, _norm_ws(quote))
            else:
                hits = [n for n, c in self.registry.chunks.items() if wanted in _norm_ws(c.text)]
                where = "een gevonden passage"
                if hits:
                    ok = True
                    n = hits[0]
                    self.quotes.setdefault(n, _norm_ws(quote))
                    if n not in self.used:
                        self.used.append(n)
                    out.append(text[pos:m.end()] + f" [{n}]")
                    pos = m.end()
                    continue
            if ok:
                continue
            short = quote if len(quote) <= 80 else quote[:77] + "..."
            self.warnings.append(f"Citaat „{short}“ staat niet letterlijk in {where} en is verwijderd.")
            out.append(text[pos:m.start()] + "[citaat verwijderd]")
            pos = m.end()
        out.append(text[pos:])
        return "".join(out)


# ---- references the model names: articles, ECLI's, regulations ---------------------------------

# National regulations a model may name, by the names and abbreviations it uses for them. A name
# the model uses that no retrieved passage (nor the answer's own fixed statements) contains is
# an invented source. Full names match case-insensitively, abbreviations only as written.
_LAWS: dict[str, tuple[str, ...]] = {
    "Participatiewet": ("Participatiewet", "Pw", "PW"),
    "Awb": ("Algemene wet bestuursrecht", "Awb"),
    "Wmo 2015": ("Wet maatschappelijke ondersteuning", "Wmo"),
    "Jeugdwet": ("Jeugdwet",),
    "Wgs": ("Wet gemeentelijke schuldhulpverlening", "Wgs"),
    "IOAW": ("IOAW", "Wet inkomensvoorziening oudere en gedeeltelijk arbeidsongeschikte werkloze werknemers"),
    "IOAZ": ("IOAZ", "Wet inkomensvoorziening oudere en gedeeltelijk arbeidsongeschikte gewezen zelfstandigen"),
    "Bbz": ("Bbz", "Besluit bijstandverlening zelfstandigen"),
    "Wet inburgering": ("Wet inburgering",),
    "AOW": ("Algemene Ouderdomswet", "AOW"),
    "Wlz": ("Wet langdurige zorg", "Wlz"),
    "Zvw": ("Zorgverzekeringswet", "Zvw"),
    "WWB": ("Wet werk en bijstand", "WWB"),
    "Abw": ("Algemene bijstandswet", "Abw"),
    "Wet SUWI": ("Wet SUWI", "Wet structuur uitvoeringsorganisatie werk en inkomen"),
    "Toeslagenwet": ("Toeslagenwet",),
    "Awir": ("Algemene wet inkomensafhankelijke regelingen", "Awir"),
    "BW": ("Burgerlijk Wetboek", "BW"),
    "Rv": ("Wetboek van Burgerlijke Rechtsvordering",),
    "Gemeentewet": ("Gemeentewet",),
    "Grondwet": ("Grondwet",),
    "EVRM": ("EVRM", "Europees Verdrag voor de Rechten van de Mens"),
    "IVRK": ("IVRK", "Internationaal Verdrag inzake de rechten van het kind"),
    "AVG": ("AVG", "Algemene verordening gegevensbescherming"),
}


def _law_pattern() -> re.Pattern:
    alts = []
    for canon, names in _LAWS.items():
        for name in names:
            words = r"\s+".join(re.escape(w) for w in name.split())
            flag = "(?i:" if any(ch.islower() for ch in name) and len(name) > 4 else "(?:"
            alts.append((len(name), f"{flag}{words})", canon))
    alts.sort(key=lambda a: -a[0])  # longest names first: "Wet maatschappelijke ondersteuning" before "Wet"
    _LAW_CANON.extend(canon for _, _, canon in alts)
    return re.compile(r"(?<![\w-])(?:" + "|".join(f"({pattern})" for _, pattern, _ in alts) + r")(?![\w-])")


_LAW_CANON: list[str] = []
_LAW_RE = _law_pattern()
_ECLI_RE = re.compile(r"\bECLI:[A-Z]{2}:[A-Z0-9]{1,7}:\d{4}:[A-Z0-9.]*[A-Z0-9]", re.I)
_ARTICLE_REF = re.compile(r"\b(?:[Aa]rtikel(?:en)?|[Aa]rtt?\.)\s+(\d+[a-z]{0,2}(?:[.:]\d+[a-z]{0,2})*)")
# Where the words after an article number stop belonging to it.
_REF_END = re.compile(r"[;\n(]|\.\s|\b(?:[Aa]rtikel|[Aa]rt\.|en\s+(?:de|het)\b)")
# A local regulation named as one: "Beleidsregels bijzondere bijstand Lindewaarde (2026)",
# "Verordening maatschappelijke ondersteuning Lindewaarde 2023". Only a name that ends in a
# capitalised word (the gemeente) counts; "de beleidsregels" is a description, not a name.
_LOCAL_REG = re.compile(r"\b(Verordening|Beleidsregels?|Regeling|Richtsnoer|Werkinstructie|Nadere regels)"
                        r"((?:\s+[a-zà-ÿ][\w-]*){1,7}?)((?:\s+[A-Z][\w-]*){1,2})(\s+\d{4})?")
_NAME_STOP = frozenset("de het van voor in op bij en een der".split())


def _name_words(text: str) -> frozenset[str]:
    """The words that identify a regulation's name (plural and singular alike, years left out)."""
    out = set()
    for w in re.findall(r"[a-zà-ÿ][\w-]*", text.lower()):
        if w not in _NAME_STOP:
            out.add(w[:-1] if w.endswith("s") and len(w) > 4 else w)
    return frozenset(out)


@dataclass
class _Ref:
    kind: str  # "artikel" | "ecli" | "regeling"
    start: int
    end: int
    text: str
    article: str | None = None
    law: str | None = None  # canonical name from _LAWS
    ecli: str | None = None
    name: frozenset[str] | None = None  # a local regulation's name words


def _law_at(m: re.Match) -> str:
    return _LAW_CANON[m.lastindex - 1] if m.lastindex else ""


def _regulation_in(window: str) -> tuple[int, str | None, frozenset[str] | None] | None:
    """The regulation named first in WINDOW: (end, national law, local name words)."""
    law, local = _LAW_RE.search(window), _LOCAL_REG.search(window)
    if local and (not law or local.start() <= law.start()):
        return local.end(), None, _name_words(local.group(1) + local.group(2) + local.group(3))
    if law:
        return law.end(), _law_at(law), None
    return None


def find_references(text: str) -> list[_Ref]:
    """The articles (with the regulation named right after them), ECLI's, known national
    regulations and named local regulations a text contains."""
    refs: list[_Ref] = []
    taken: list[tuple[int, int]] = []

    def free(start: int) -> bool:
        return not any(a <= start < b for a, b in taken)

    for m in _ECLI_RE.finditer(text):
        refs.append(_Ref("ecli", m.start(), m.end(), m.group(), ecli=m.group().upper().rstrip(".")))
        taken.append((m.start(), m.end()))
    for m in _ARTICLE_REF.finditer(text):
        if not free(m.start()):
            continue
        rest = text[m.end():m.end() + 120]
        stop = _REF_END.search(rest)
        reg = _regulation_in(rest[:stop.start()] if stop else rest)
        end = m.end() + (reg[0] if reg else 0)
        refs.append(_Ref("artikel", m.start(), end, text[m.start():end], article=m.group(1).rstrip(".:").lower(),
                         law=reg[1] if reg else None, name=reg[2] if reg else None))
        taken.append((m.start(), end))
    for m in _LOCAL_REG.finditer(text):
        if free(m.start()):
            refs.append(_Ref("regeling", m.start(), m.end(), m.group(),
                             name=_name_words(m.group(1) + m.group(2) + m.group(3))))
            taken.append((m.start(), m.end()))
    for m in _LAW_RE.finditer(text):
        if free(m.start()):
            refs.append(_Ref("regeling", m.start(), m.end(), m.group(), law=_law_at(m)))
    return sorted(refs, key=lambda r: r.start)


class _Sources:
    """What the retrieved passages (and the answer's own fixed statements) name: the only
    articles, regulations and ECLI's a model may mention."""

    def __init__(self, passages: Sequence[Passage], extra_texts: Sequence[str] = ()):
        self.articles: set[str] = set()
        self.pairs: set[tuple[str, str]] = set()
        self.laws: set[str] = set()
        self.eclis: set[str] = set()
        self.texts: list[tuple[set[str], frozenset[str]]] = []  # per passage: its articles, its words
        for p in passages:
            c = p.chunk
            base, art = base_citation(c.citation)
            # The regulation of the passage itself, when it is a national one (not a local rule
            # that merely carries "Participatiewet" in its name).
            whole = _LAW_RE.match(base.strip())
            base_laws = {_law_at(whole)} if whole and not base.strip()[whole.end():].strip(" 0123456789") else set()
            own = {num.rstrip(".:").lower() for num in (art, c.article) if num}
            self.articles |= own
            self.pairs.update((num, law) for num in own for law in base_laws)
            self.laws |= base_laws
            text = " \n".join([c.citation, c.title, c.heading or "", c.text, str(c.extra.get("structuur") or ""),
                               " ".join(str(v) for v in c.extra.values())])
            own |= self._read(text)
            self.texts.append((own, _name_words(text)))
        for t in extra_texts:
            self.texts.append((self._read(t), _name_words(t)))

    def _read(self, text: str) -> set[str]:
        articles = set()
        for r in find_references(text):
            if r.kind == "ecli":
                self.eclis.add(r.ecli)
            elif r.kind == "artikel":
                self.articles.add(r.article)
                articles.add(r.article)
                if r.law:
                    self.pairs.add((r.article, r.law))
                    self.laws.add(r.law)
            elif r.law:
                self.laws.add(r.law)
        return articles

    def supports(self, r: _Ref) -> bool:
        if r.kind == "ecli":
            return r.ecli in self.eclis
        if r.name is not None:  # a named local regulation (with an article: in the same passage)
            return any(r.name <= words and (r.article is None or r.article in arts) for arts, words in self.texts)
        if r.kind == "artikel":
            return (r.article, r.law) in self.pairs if r.law else r.article in self.articles
        return r.law in self.laws


def check_references(text: str, passages: Sequence[Passage], fixed: Sequence[str] = ()) -> tuple[str, list[str]]:
    """Remove every article, ECLI or regulation the model names that none of the passages (nor
    the fixed statements it was given) contains; one Dutch warning per removal."""
    sources = _Sources(passages, fixed)
    out, pos, warnings = [], 0, []
    for r in find_references(text):
        if r.start < pos or sources.supports(r):
            continue
        what = {"artikel": "Verwijzing", "ecli": "Uitspraak", "regeling": "Regeling"}[r.kind]
        warnings.append(f"{what} „{' '.join(r.text.split())}“ komt in geen van de gevonden passages voor en is "
                        "verwijderd (mogelijk verzonnen door het taalmodel).")
        out.append(text[pos:r.start] + "[verwijzing verwijderd]")
        pos = r.end
    out.append(text[pos:])
    return "".join(out), warnings
