"""Checking an answer against its passages: every [n] must point to a passage given, every quote
must stand verbatim in it, and every article, ECLI or regulation a language model names must be
one the passages support."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Sequence

from assistant.corpus.documents import Chunk
from assistant.corpus.splitting import base_citation
from assistant.answering.generation import (
    Passage,
    select_sentences,
)
from assistant.answering.model import Citation, MARKER_RE, QUOTE_RE, norm_ws


class PassageNumbers:
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


class Verifier:
    """Every [n] must name a numbered passage; every quote must occur verbatim (whitespace
    normalised) in the passage its marker names. What fails is removed and reported."""

    def __init__(self, registry: PassageNumbers):
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

        return MARKER_RE.sub(repl, text)

    def _quotes(self, text: str) -> str:
        out, pos = [], 0
        for m in QUOTE_RE.finditer(text):
            quote = next(g for g in m.groups() if g is not None)
            line_end = text.find("\n", m.end())
            line_end = len(text) if line_end < 0 else line_end
            line_start = text.rfind("\n", 0, m.start()) + 1
            after = MARKER_RE.search(text, m.end(), line_end)
            before = list(MARKER_RE.finditer(text, line_start, m.start()))
            marker = after or (before[-1] if before else None)
            wanted = norm_ws(quote).strip(" .,;…")
            ok = False
            if marker is not None:
                n = int(marker.group(1).split(",")[0])
                chunk = self.registry.chunks.get(n)
                ok = chunk is not None and wanted in norm_ws(chunk.text)
                where = f"[{n}] ({chunk.citation})" if chunk is not None else f"[{n}]"
                if ok:
                    self.quotes.setdefault(n, norm_ws(quote))
            else:
                hits = [n for n, c in self.registry.chunks.items() if wanted in norm_ws(c.text)]
                where = "een gevonden passage"
                if hits:
                    ok = True
                    n = hits[0]
                    self.quotes.setdefault(n, norm_ws(quote))
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
