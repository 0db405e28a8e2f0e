"""The rule model of the corpus: regulations and their articles, what each article does
(provisions), what it is based on (grondslag, upwards) and what elaborates it (downwards), and
whose rule it is (the Rijk, the own gemeente, another gemeente).

Built from the indexed chunks (the text and front matter only), once per index fingerprint;
a jurist's corrections (assistant.rules.corrections) win over what was extracted.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any, Iterable, Sequence

from assistant.corpus.documents import Chunk
from assistant.corpus.splitting import article_citation, base_citation
from assistant.rules.provisions import Provision, extract
from assistant.rules.refs import Ref, find_refs, grondslag_refs

LAW_TYPES = ("wet", "amvb", "ministeriele_regeling")
LOCAL_RULE_TYPES = ("verordening", "beleidsregel")
RULE_TYPES = LAW_TYPES + LOCAL_RULE_TYPES
GUIDANCE_TYPES = ("richtsnoer", "werkinstructie")
# Higher number = lower in the hierarchy; a grondslag points to a lower number.
LAYER_RANK = {"wet": 0, "amvb": 1, "ministeriele_regeling": 2, "verordening": 3, "beleidsregel": 4,
              "richtsnoer": 5, "werkinstructie": 5, "besluit": 6, "uitspraak": 7, "overig": 8}
LAYER_LABEL = {"wet": "wet", "amvb": "AMvB", "ministeriele_regeling": "ministeriële regeling",
               "verordening": "verordening", "beleidsregel": "beleidsregel", "richtsnoer": "richtsnoer",
               "werkinstructie": "werkinstructie", "besluit": "besluit", "uitspraak": "uitspraak", "overig": "overig"}
RIJK = "Rijk"

# Official long names of the national laws, as other regulations write them.
_LAW_NAMES = {
    "algemene wet bestuursrecht": "awb",
    "wet maatschappelijke ondersteuning 2015": "wmo 2015",
    "wet maatschappelijke ondersteuning": "wmo 2015",
    "wmo": "wmo 2015",
    "wet gemeentelijke schuldhulpverlening": "wgs",
}
# What "de wet" means when a regulation does not define it: the domain's own statute.
_DOMAIN_LAW = {"participatiewet": "participatiewet", "wmo": "wmo 2015", "jeugd": "jeugdwet", "schuldhulp": "wgs"}
_WET_DEFINITION = re.compile(r"^\s*(?:[a-z]\.\s*)?(?:de\s+)?wet\s*:\s*(?:de\s+)?(?P<name>[^;.]+)", re.I | re.M)
_META_HEADING = re.compile(r"begrip|inwerkingtreding|citeertitel|toelichting|slotbepaling", re.I)


def norm_name(name: str) -> str:
    name = re.sub(r"^(?:de|het)\s+", "", " ".join(name.lower().split()))
    name = re.sub(r"\s*\(cvdr\d+\).*$", "", name)
    return _LAW_NAMES.get(name, name)


def article_norm(num: str) -> str:
    return num.lower().rstrip(".").strip()


ArticleKey = tuple[str, str]  # (regulation key, article number)


# An item of a begripsbepalingen list: "g. individuele inkomenstoeslag: de toeslag als bedoeld in ...".
_DEFINITION_ITEM = re.compile(r"^\s*(?:[a-z]{1,2}[.)]\s*)?\*{0,2}(?P<term>[a-zà-ÿ][a-zà-ÿ \-]{2,60}?)\*{0,2}:\s*(?P<body>.+)$", re.I)


@dataclass
class Link:
    """A reference from one article to another, resolved where the corpus holds the target."""

    target: ArticleKey | None  # None: the regulation or article is not in the corpus
    written: str  # the reference as written
    lid: str | None = None
    onderdeel: str | None = None
    via: str = "tekst"  # tekst | aanhef (the regeling's 'gelet op') | begrip (a defined term) | jurist
    # False: a regulation the corpus does not hold (Gemeentewet, ...) or holds only in part (the
    # national laws: one file per article, not every article).
    regulation_known: bool = True

    @property
    def dangling(self) -> bool:
        """A reference into a regulation the corpus holds whole, to an article it does not have."""
        return self.target is None and self.regulation_known


@dataclass
class Regulation:
    key: str
    name: str
    layer: str
    gemeente: str | None  # None for the Rijk
    domain: str
    wet: str | None = None  # the regulation "de wet" stands for
    preamble_refs: list[Ref] = field(default_factory=list)
    doc_ids: set[str] = field(default_factory=set)

    @property
    def gezag(self) -> str:
        return self.gemeente and f"gemeente {self.gemeente}" or RIJK


@dataclass
class Article:
    key: ArticleKey
    regulation: Regulation
    number: str
    heading: str
    citation: str
    chunks: list[Chunk] = field(default_factory=list)
    provisions: list[Provision] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)  # upwards and sideways, as written
    elaborated_by: list[ArticleKey] = field(default_factory=list)  # lower layers pointing here
    corrections: list[dict[str, Any]] = field(default_factory=list)
    _terms: set[str] | None = field(default=None, repr=False)

    @property
    def layer(self) -> str:
        return self.regulation.layer

    def valid_chunks(self, day: dt.date) -> list[Chunk]:
        return [c for c in self.chunks if c.valid_on(day)]

    def provisions_on(self, day: dt.date, kinds: Iterable[str] | None = None) -> list[Provision]:
        ids = {c.chunk_id for c in self.valid_chunks(day)}
        wanted = set(kinds) if kinds else None
        return [p for p in self.provisions if (p.chunk_id in ids or p.source == "jurist")
                and (wanted is None or p.kind in wanted)]

    def grondslag(self) -> list[Link]:
        """Links to a higher layer: what this article implements or elaborates. What the article
        names itself (or a jurist set) comes first; the regeling's preamble only where it names
        nothing."""
        own = [lk for lk in self.links if lk.via in ("tekst", "jurist", "begrip") and lk.target is not None
               and lk.target[0] != self.key[0]]
        return own or [lk for lk in self.links if lk.via == "aanhef" and lk.target is not None]

    def terms(self) -> set[str]:
        if self._terms is None:
            from assistant.retrieval.analysis import content_terms

            self._terms = content_terms(" ".join(c.text for c in self.chunks))
        return self._terms

    def is_meta(self) -> bool:
        return bool(_META_HEADING.search(self.heading or ""))


class RuleModel:
    """Regulations and articles by key; chains up (grondslag) and down (elaborations)."""

    def __init__(self, chunks: Sequence[Chunk], gemeente: str | None = None,
                 corrections: Sequence[dict[str, Any]] = ()):
        self.gemeente = gemeente
        self.regulations: dict[str, Regulation] = {}
        self.articles: dict[ArticleKey, Article] = {}
        self._by_chunk: dict[str, ArticleKey] = {}
        self._build(chunks)
        self._apply(corrections)
        self._link_down()

    # ---- building --------------------------------------------------------------------------

    @staticmethod
    def regulation_name(chunk: Chunk) -> str:
        citation = chunk.citation
        if not chunk.article and chunk.heading and citation.endswith(", " + chunk.heading):
            citation = citation[: -len(chunk.heading) - 2]  # a section of guidance
        base, _ = base_citation(citation)
        base = re.sub(r"^\w+ lid,\s*", "", base.strip(" ,"), flags=re.I).strip(" ,")
        return base or chunk.title

    def _regulation(self, chunk: Chunk) -> Regulation:
        name = self.regulation_name(chunk)
        key = norm_name(name)
        reg = self.regulations.get(key)
        if reg is None:
            gemeente = None
            if chunk.source_type not in LAW_TYPES and chunk.source_type != "uitspraak":
                gemeente = str(chunk.extra.get("gemeente") or "").strip() or None
                if gemeente is None and chunk.source_type in ("besluit", *GUIDANCE_TYPES):
                    gemeente = self.gemeente  # the own corpus's besluiten and guidance
            reg = Regulation(key, name, chunk.source_type, gemeente, chunk.domain)
            self.regulations[key] = reg
        reg.doc_ids.add(chunk.doc_id)
        return reg

    def _build(self, chunks: Sequence[Chunk]) -> None:
        by_doc: dict[str, list[Chunk]] = {}
        for c in chunks:
            by_doc.setdefault(c.doc_id, []).append(c)
        pending: list[tuple[Article, Chunk]] = []
        for doc_chunks in by_doc.values():
            reg = self._regulation(doc_chunks[0])
            for c in doc_chunks:
                if not c.article:
                    # The preamble ('gelet op ...') and headings without an article number.
                    if not reg.preamble_refs and "gelet op" in c.text.lower():
                        reg.preamble_refs = grondslag_refs(c.text)
                    m = _WET_DEFINITION.search(c.text)
                    if m and reg.wet is None:
                        reg.wet = norm_name(m.group("name"))
                    continue
                key = (reg.key, article_norm(c.article))
                art = self.articles.get(key)
                if art is None:
                    base = self.regulation_name(c)
                    art = Article(key, reg, c.article, c.heading, article_citation(base, c.article))
                    self.articles[key] = art
                art.chunks.append(c)
                self._by_chunk[c.chunk_id] = key
                if not art.heading and c.heading:
                    art.heading = c.heading
                definitions = bool(re.search(r"begrip", c.heading or "", re.I))
                if definitions and reg.wet is None:
                    m = _WET_DEFINITION.search(c.text)
                    if m:
                        reg.wet = norm_name(m.group("name"))
                art.provisions.extend(extract(c.text, c.chunk_id, c.citation, definitions_article=definitions))
                pending.append((art, c))
        for reg in self.regulations.values():
            if reg.wet is None and reg.layer not in LAW_TYPES:
                reg.wet = _DOMAIN_LAW.get(reg.domain)
        seen: set[tuple[ArticleKey, str, str | None]] = set()
        for art, c in pending:
            for ref in find_refs(c.text):
                link = self._resolve(ref, art.regulation)
                if link is None:
                    continue
                sig = (art.key, str(link.target) + link.written, link.lid)
                if sig not in seen:
                    seen.add(sig)
                    art.links.append(link)
        self._link_defined_terms()
        # The preamble's 'gelet op' is the grondslag of every substantive article that names
        # no higher provision itself.
        for art in self.articles.values():
            reg = art.regulation
            if art.is_meta() or not reg.preamble_refs:
                continue
            if not any(lk.target and self.articles[lk.target].layer != art.layer for lk in art.links
                       if lk.target in self.articles):
                for ref in reg.preamble_refs:
                    link = self._resolve(ref, reg)
                    if link is not None and link.target is not None and link.target[0] != reg.key:
                        link.via = "aanhef"
                        art.links.append(link)

    def _resolve_regulation(self, written: str | None, context: Regulation) -> tuple[str | None, bool]:
        """(regulation key, known) for a name as written; no name means the same regulation."""
        if not written:
            return context.key, True
        name = norm_name(written)
        if name in ("wet",):
            return (context.wet if context.wet in self.regulations else None), context.wet in self.regulations
        if name.startswith("deze "):
            return context.key, True
        if name in self.regulations:
            return name, True
        for key in self.regulations:
            if key.startswith(name) or name.startswith(key):
                return key, True
        return None, False

    def _resolve(self, ref: Ref, context: Regulation) -> Link | None:
        if ref.article.startswith("titel"):
            return None
        reg_key, known = self._resolve_regulation(ref.law, context)
        if reg_key is None:
            return Link(None, ref.text, ref.lid, ref.onderdeel, regulation_known=known and ref.law is not None)
        target = (reg_key, article_norm(ref.article))
        if target not in self.articles:
            # The corpus holds local regelingen whole but national laws only in part: a missing
            # article of a law is "not in the corpus", of a regeling a dangling reference.
            whole = self.regulations[reg_key].layer not in LAW_TYPES
            return Link(None, ref.text, ref.lid, ref.onderdeel, regulation_known=whole)
        if target[0] == context.key and ref.law is None:
            return Link(target, ref.text, ref.lid, ref.onderdeel, via="intern")
        return Link(target, ref.text, ref.lid, ref.onderdeel)

    def _link_defined_terms(self) -> None:
        """A term a local regeling defines by a provision of a higher layer ("individuele
        inkomenstoeslag: de toeslag als bedoeld in artikel 36 van de wet"): an article of the
        regeling that is about the term (its heading names it: "Individuele inkomenstoeslag:
        voorwaarden") elaborates that provision, as if it named it. Not every article that uses a
        defined term: "bijstandsnorm" or "inkomen" in a sentence does not make an article an
        elaboration of the articles that define them."""
        by_reg: dict[str, list[Article]] = {}
        for art in self.articles.values():
            by_reg.setdefault(art.regulation.key, []).append(art)
        for reg_key, arts in by_reg.items():
            reg = self.regulations[reg_key]
            if reg.layer in LAW_TYPES:
                continue
            defined: list[tuple[str, Link]] = []
            for art in arts:
                if not art.is_meta():
                    continue
                for c in art.chunks:
                    for line in c.text.splitlines():
                        m = _DEFINITION_ITEM.match(line)
                        if not m:
                            continue
                        for ref in find_refs(m.group("body")):
                            link = self._resolve(ref, reg)
                            if link is None or link.target is None or link.target[0] == reg_key:
                                continue
                            if LAYER_RANK.get(self.articles[link.target].layer, 9) < LAYER_RANK.get(reg.layer, 9):
                                defined.append((m.group("term").strip().lower(), link))
            for art in arts:
                if art.is_meta():
                    continue
                heading = (art.heading or "").lower()
                have = {lk.target for lk in art.links}
                for term, link in defined:
                    if link.target not in have and re.search(rf"\b{re.escape(term)}\b", heading):
                        art.links.append(Link(link.target, link.written, link.lid, link.onderdeel, via="begrip"))
                        have.add(link.target)

    def _link_down(self) -> None:
        # Only what an article names itself: a preamble names a whole law for a whole regeling.
        for art in self.articles.values():
            if art.is_meta():
                continue
            for lk in art.links:
                if lk.via not in ("tekst", "jurist", "begrip"):
                    continue
                if lk.target and lk.target != art.key and lk.target in self.articles:
                    up = self.articles[lk.target]
                    if LAYER_RANK.get(up.layer, 9) < LAYER_RANK.get(art.layer, 9) and art.key not in up.elaborated_by:
                        up.elaborated_by.append(art.key)

    def _apply(self, corrections: Sequence[dict[str, Any]]) -> None:
        """Corrections by a jurist, per regulation, version and article: a grondslag added or
        removed, a power or exemption confirmed, an amount set."""
        for corr in corrections:
            key = (norm_name(str(corr.get("regeling", ""))), article_norm(str(corr.get("artikel", ""))))
            art = self.articles.get(key)
            if art is None:
                continue
            version = corr.get("versie")
            if version and not any((c.valid_from or "") == version for c in art.chunks):
                continue  # a correction of another version of this article
            art.corrections.append(dict(corr))
            field_, value = corr.get("veld"), corr.get("waarde")
            if field_ == "grondslag":
                refs = find_refs(str(value))
                for ref in refs:
                    link = self._resolve(ref, art.regulation)
                    if link is not None:
                        link.via = "jurist"
                        art.links.append(link)
            elif field_ == "geen-grondslag":
                art.links = [lk for lk in art.links if not (lk.written and str(value).lower() in lk.written.lower())]
            elif field_ in ("bevoegdheid", "vrijlating", "uitzondering", "bedrag", "termijn", "dwingend"):
                kind = {"bevoegdheid": "power", "vrijlating": "exemption", "uitzondering": "exception",
                        "bedrag": "amount", "termijn": "term", "dwingend": "imperative"}[field_]
                from assistant.rules.provisions import values_in

                text = str(value)
                chunk = art.chunks[0]
                art.provisions.append(Provision(kind, text, chunk.chunk_id, art.citation, values_in(text),
                                                source="jurist"))
            elif field_ == "geen-bevoegdheid":
                art.provisions = [p for p in art.provisions if p.kind not in ("power", "hardship")]

    # ---- look-ups --------------------------------------------------------------------------

    def article_of(self, chunk: Chunk) -> Article | None:
        key = self._by_chunk.get(chunk.chunk_id)
        if key is None and chunk.article:
            key = (norm_name(self.regulation_name(chunk)), article_norm(chunk.article))
        return self.articles.get(key) if key else None

    def article_for_citation(self, citation: str) -> Article | None:
        """'artikel 5 Beleidsregels bijzondere bijstand Lindewaarde' or 'artikel 58, achtste lid,
        Participatiewet' as an article of the model (None when the corpus lacks it)."""
        base, num = base_citation(citation.strip())
        base = re.sub(r"^\w+ lid,\s*", "", base.strip(" ,"), flags=re.I).strip(" ,")
        return self.find(base, num) if num and base else None

    def regulation_of(self, chunk: Chunk) -> Regulation | None:
        return self.regulations.get(norm_name(self.regulation_name(chunk)))

    def find(self, regulation: str, article: str) -> Article | None:
        key, _ = self._resolve_regulation(regulation, Regulation("", "", "", None, ""))
        return self.articles.get((key or norm_name(regulation), article_norm(article)))

    def is_foreign(self, chunk_or_reg: Chunk | Regulation) -> bool:
        """Another gemeente's rule: never 'de regel', at most a comparison."""
        reg = chunk_or_reg if isinstance(chunk_or_reg, Regulation) else self.regulation_of(chunk_or_reg)
        if reg is None or reg.gemeente is None or self.gemeente is None:
            return False
        return reg.gemeente.lower() != self.gemeente.lower()

    def up(self, art: Article, day: dt.date, depth: int = 3) -> list[Article]:
        """The provisions this article rests on, nearest first (beleidsregel -> verordening ->
        wet), valid on the day."""
        out: list[Article] = []
        frontier = [art]
        for _ in range(depth):
            nxt: list[Article] = []
            for a in frontier:
                links = a.grondslag()
                if links and links[0].via == "aanhef":
                    # The preamble names everything the regeling rests on: keep the articles
                    # that share most words with this one.
                    scored = [(len(a.terms() & self.articles[lk.target].terms()), lk) for lk in links]
                    top = max(sc for sc, _ in scored)
                    links = [lk for sc, lk in scored if sc >= max(3, 0.7 * top)][:2]
                for lk in links:
                    tgt = self.articles.get(lk.target)
                    if tgt is None or tgt in out or tgt is art or not tgt.valid_chunks(day):
                        continue
                    if LAYER_RANK.get(tgt.layer, 9) >= LAYER_RANK.get(a.layer, 9):
                        # A rule of the same layer it refers to (another beleidsregel) is a
                        # neighbour, not what it rests on.
                        continue
                    out.append(tgt)
                    nxt.append(tgt)
            frontier = nxt
        return out

    def down(self, art: Article, day: dt.date) -> list[Article]:
        """Own-gemeente elaborations of this article valid on the day (other gemeenten's are
        comparisons, returned by `comparisons`)."""
        out = []
        for key in art.elaborated_by:
            low = self.articles[key]
            if low.valid_chunks(day) and not self.is_foreign(low.regulation):
                out.append(low)
        return out

    def siblings(self, art: Article) -> list[Article]:
        """The other articles of the article's own regeling, in the model's order."""
        return [a for a in self.articles.values() if a.regulation is art.regulation and a is not art]

    def comparisons(self, art: Article, day: dt.date) -> list[Article]:
        return [self.articles[k] for k in art.elaborated_by
                if self.articles[k].valid_chunks(day) and self.is_foreign(self.articles[k].regulation)]

    def hardship_clause(self, reg: Regulation, day: dt.date) -> Article | None:
        for art in self.articles.values():
            if art.regulation is reg and art.provisions_on(day, ["hardship"]) and art.valid_chunks(day):
                return art
        return None

    def own_deviation_article(self, reg: Regulation, day: dt.date) -> Article | None:
        """A beleidsregel's own article on deviating (it restates 4:84 Awb)."""
        for art in self.articles.values():
            if art.regulation is reg and re.search(r"afwijk", art.heading or "", re.I) and art.valid_chunks(day):
                return art
        return None

    def dangling(self) -> list[tuple[Article, Link]]:
        return [(a, lk) for a in self.articles.values() for lk in a.links if lk.dangling]

    def summary(self, art: Article, day: dt.date) -> dict[str, Any]:
        """What the model believes an article says: for `maatwerk corpus show` and the UI."""
        provs = art.provisions_on(day)
        return {
            "artikel": art.citation,
            "laag": art.layer,
            "gezag": art.regulation.gezag,
            "domein": art.regulation.domain,
            "grondslag": [{"verwijzing": lk.written, "doel": self.articles[lk.target].citation
                           if lk.target in self.articles else None, "via": lk.via} for lk in art.grondslag()],
            "uitgewerkt_in": [self.articles[k].citation for k in art.elaborated_by],
            "onopgeloste_verwijzingen": [lk.written for lk in art.links if lk.dangling],
            "bepalingen": [{"soort": p.kind, "tekst": p.text, "waarden": [v.raw for v in p.values],
                            "bron": p.source} for p in provs if p.kind != "definition"],
            "correcties": art.corrections,
        }
