"""Whether a question is about the sources at all: the corpus as a whole (exact look-ups the
ranking cannot guarantee, word statistics) and the relevance policy that decides scope."""

from __future__ import annotations

import datetime as dt
import math
import re
from collections import Counter
from dataclasses import dataclass
from typing import Any, Sequence

from assistant.corpus.documents import Chunk
from assistant.corpus.splitting import base_citation
from assistant.rules.model import RuleModel
from assistant.rules.domains import DomainModel
from assistant.rules.refs import ORDINAL_WORDS
from assistant.retrieval.analysis import content_terms
from assistant.answering.model import BARE_REF, EXPLICIT_REF, LAW_ALIASES, LAW_TYPES, norm_ws

# ---- the corpus as a whole: exact look-ups the ranking cannot guarantee -----------------------


def _lid_order(c: Chunk) -> tuple[bool, int]:
    """A whole article before its leden, then the leden in order."""
    return c.lid is not None, int(c.lid) if (c.lid or "").isdigit() else 0


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
        m = EXPLICIT_REF.search(question)
        if not m:
            return self._bare_rule(question, day)
        num = m.group("num").lower()
        law = LAW_ALIASES.get(norm_ws(m.group("law").lower()), m.group("law"))
        cands = [c for c in self.chunks if c.valid_on(day) and c.article and c.article.lower() == num
                 and c.source_type in LAW_TYPES and base_citation(c.citation)[0].strip(" ,").endswith(law)]
        cands.sort(key=_lid_order)
        return cands[0] if cands else None

    def _bare_rule(self, question: str, day: dt.date) -> Chunk | None:
        """'art 58 lid 7' without a law: the article of the one law that has that number (and the
        named lid where the law is split by lid); None when no law or more than one has it."""
        m = BARE_REF.search(question)
        if not m or re.search(r"verordening|beleidsregel|regeling|richtsnoer|werkinstructie|besluit",
                              question[m.end():m.end() + 50], re.I):
            return None  # an article of a local rule ("artikel 5 van de verordening")
        num = m.group("num").lower()
        cands = [c for c in self.chunks if c.valid_on(day) and c.article and c.article.lower() == num
                 and c.source_type in LAW_TYPES]
        regulations = {reg.key for reg in map(self.rules.regulation_of, cands) if reg is not None}
        if len(regulations) != 1:
            return None
        lid = m.group("lid") or ORDINAL_WORDS.get((m.group("lidw") or "").lower())
        cands.sort(key=lambda c: (c.lid != lid, *_lid_order(c)))
        return cands[0]

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
