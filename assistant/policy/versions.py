"""Versions of one regulation as the rule model reads them, and what changes between two of them.

A version is loaded from its file (documents.py) and read by the rule model
(assistant.rules.model: articles and their provisions). From the provisions come the amounts per
kostensoort ("wasmachine: € 525"), the sentences that set conditions, duties and exceptions,
and the room for professional judgement: the afwijkingsbevoegdheid or hardheidsclausule, and
every power ("kan"). `compare` lines up two versions article by article and sentence by
sentence: same text, changed values, changed wording, added, removed.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Sequence

from assistant.errors import MaatwerkError
from assistant.corpus.documents import Chunk, LoadError, find_files, load_document
from assistant.corpus.splitting import split_document
from assistant.retrieval.analysis import content_terms
from assistant.curation import rule_key
from assistant.rules.model import RuleModel
from assistant.rules.provisions import euro_value

# Kinds that change what a professional checks or decides (definitions and bare amounts are not).
RULE_KINDS = frozenset({"power", "hardship", "imperative", "duty", "exemption", "exception", "term"})
ROOM_KINDS = frozenset({"power", "hardship"})
EXCEPTION_KINDS = frozenset({"exception", "exemption"})
_DEVIATION_HEADING = re.compile(r"afwijk|hardheid", re.I)
_DEVIATION_TEXT = re.compile(r"4:84|hardheidsclausule|onbillijkheden van overwegende aard", re.I)
_ITEM = re.compile(r"^(?P<label>[^:]{2,140}?)\s*:\s*(?P<rest>.*\S)\s*$")
_ITEM_VOOR = re.compile(r"^voor\s+(?:een|de|het)?\s*(?P<label>.{2,80}?)\s+(?:bedraagt|verleent|is)\b(?P<rest>.*)$", re.I)
_EURO = re.compile(r"€\s?\d{1,3}(?:\.\d{3})*(?:,(?:\d{2}|-))?|\d{1,3}(?:\.\d{3})*(?:,\d{2})?\s?euro\b", re.I)
_MARKER = re.compile(r"^\s*(?:[a-z]{1,2}\.|\d{1,2}[a-z]?\.|\*\*\d+\*\*|[-•])\s+", re.I)
SIMILAR = 0.5  # word overlap above which two sentences are one sentence reworded


class VersionError(MaatwerkError):
    """A version cannot be read or used as asked; the Dutch message says why."""


def norm(text: str) -> str:
    text = _MARKER.sub("", text or "")
    return " ".join(text.lower().split()).strip(" ;.:,")


def shape(text: str) -> str:
    """The sentence with its numbers masked: two versions that differ only in amounts or
    terms have the same shape."""
    return re.sub(r"\d+(?:[.,]\d+)*", "#", norm(text))


def euro(value: float | None) -> str:
    if value is None:
        return "—"
    whole = f"{int(value):,}".replace(",", ".")
    cents = round((value - int(value)) * 100)
    return f"€ {whole}" + (f",{cents:02d}" if cents else "")


@dataclass
class Sentence:
    article: str
    text: str  # verbatim, as the provision quotes it
    kinds: set[str]
    conditions: list[str] = field(default_factory=list)
    context: str = ""  # the lead of a list item ("... om niet als:")

    @property
    def key(self) -> str:
        return norm(self.text)

    @property
    def terms(self) -> set[str]:
        return content_terms(self.text)

    @property
    def all_terms(self) -> set[str]:
        return content_terms(f"{self.context} {self.text}")

    @property
    def quoted(self) -> str:
        """The sentence as a reader needs it: a list item with its lead."""
        return f"{self.context} … {self.text}" if self.context else self.text


@dataclass
class Item:
    """An amount per kostensoort: 'wasmachine: € 525'."""

    article: str
    label: str
    amount: float
    raw: str

    @property
    def key(self) -> str:
        return norm(self.label)

    @property
    def keywords(self) -> list[str]:
        """The words a case uses for this kostensoort: the label's content words, first first."""
        return [w for w in re.findall(r"[a-zà-ÿ]+", self.label.lower()) if len(w) > 3
                and w not in _LABEL_STOP]


_LABEL_STOP = frozenset("voor zover meer dan kosten bij een de het van per aan die niet door worden "
                        "eenmaal glazen montuur betreffende noodzakelijke verplichte".split())


@dataclass
class Version:
    citation: str
    source: str
    source_type: str
    valid_from: str | None
    valid_to: str | None
    gemeente: str | None
    domain: str
    headings: dict[str, str]  # article number -> heading
    sentences: list[Sentence]
    items: dict[str, Item]  # item key -> item
    deviation: list[Sentence]  # the afwijkingsbevoegdheid / hardheidsclausule

    @property
    def label(self) -> str:
        if self.valid_from:
            return f"versie van {self.valid_from}"
        return "concept zonder datum"

    def in_article(self, article: str | None) -> list[Sentence]:
        return [s for s in self.sentences if article is None or s.article == article]

    def items_in(self, article: str | None) -> list[Item]:
        return [i for i in self.items.values() if article is None or i.article == article]

    @property
    def extractable(self) -> bool:
        return bool(self.items or any(s.kinds & RULE_KINDS or s.conditions for s in self.sentences))


def _item(article: str, text: str) -> Item | None:
    plain = norm(text)
    m = _ITEM.match(plain) or _ITEM_VOOR.match(plain)
    if not m:
        return None
    money = _EURO.search(m.group("rest"))
    if not money:
        return None
    value = euro_value(money.group(0))
    if value is None:
        return None
    label = re.sub(r"\s+", " ", m.group("label")).strip(" ,")
    return Item(article, label, value, money.group(0))


def version_from_chunks(chunks: Sequence[Chunk], source: str, gemeente: str | None = None) -> Version:
    """A version read by the rule model: its articles (meta articles such as begripsbepalingen
    and inwerkingtreding left out), their sentences with what they do, and its amounts."""
    if not chunks:
        raise VersionError(f"{source}: bevat geen tekst.")
    first = chunks[0]
    model = RuleModel(chunks, gemeente=gemeente)
    headings: dict[str, str] = {}
    sentences: list[Sentence] = []
    items: dict[str, Item] = {}
    deviation: list[Sentence] = []
    for (_, number), art in model.articles.items():
        if art.is_meta():
            continue
        headings[number] = art.heading or f"Artikel {art.number}"
        by_text: dict[str, Sentence] = {}
        lead = ""
        for p in art.provisions:
            s = by_text.get(p.text)
            if s is None:
                text = p.text.strip()
                if text[:1].isupper():
                    lead = text if text.endswith(":") else ""
                    context = ""
                else:
                    context = lead  # a list item: "a. de belanghebbende ..."
                s = by_text[p.text] = Sentence(number, p.text, set(), list(p.conditions), context)
            s.kinds.add(p.kind)
        for s in by_text.values():
            if "amount" in s.kinds:
                it = _item(number, s.text)
                if it is not None:
                    items.setdefault(it.key, it)
                    continue  # an amount line is an item, not a rule sentence
            if s.kinds <= {"definition"}:
                continue
            sentences.append(s)
        texts = " ".join(c.text for c in art.chunks)
        if _DEVIATION_HEADING.search(art.heading or "") or _DEVIATION_TEXT.search(texts):
            deviation.extend(by_text.values() or [Sentence(number, art.heading, {"hardship"})])
        else:
            deviation.extend(s for s in by_text.values() if "hardship" in s.kinds)
    return Version(citation=first.citation if not first.article else RuleModel.regulation_name(first),
                   source=source, source_type=first.source_type, valid_from=first.valid_from,
                   valid_to=first.valid_to, gemeente=str(first.extra.get("gemeente") or "") or None,
                   domain=first.domain, headings=headings, sentences=sentences, items=items, deviation=deviation)


def load_version(path: Path, root: Path | None = None, max_chunk_chars: int = 1500,
                 gemeente: str | None = None) -> Version:
    try:
        doc = load_document(Path(path), root)
    except LoadError as exc:
        raise VersionError(f"{Path(path).name}: {exc.reason}") from exc
    chunks = split_document(doc, max_chunk_chars)
    if not chunks:
        raise VersionError(f"{Path(path).name}: bevat geen tekst.")
    version = version_from_chunks(chunks, str(path), gemeente)
    version.citation = str(doc.meta.get("citation") or version.citation)
    return version


def base_of(citation: str) -> str:
    """The regulation a citation names, as rule_key reads it ('beleidsregels bijzondere ...')."""
    return rule_key(citation)[0]


def corpus_versions(corpus_dir: Path, citation: str, max_chunk_chars: int = 1500,
                    gemeente: str | None = None, exclude: Iterable[Path] = ()) -> list[Version]:
    """Every version in the corpus folder of the regulation with this citation, oldest first."""
    want = base_of(citation)
    skip = {Path(p).resolve() for p in exclude}
    out: list[Version] = []
    for path in find_files(Path(corpus_dir)):
        if path.resolve() in skip:
            continue
        try:
            doc = load_document(path, Path(corpus_dir))
        except LoadError:
            continue  # `maatwerk index` reports unreadable files; here they are simply not a version
        if doc.meta.get("source_type") in ("besluit", "uitspraak"):
            continue
        if base_of(str(doc.meta.get("citation") or "")) != want:
            continue
        chunks = split_document(doc, max_chunk_chars)
        if chunks:
            v = version_from_chunks(chunks, str(path.relative_to(corpus_dir)), gemeente)
            v.citation = str(doc.meta.get("citation") or v.citation)
            out.append(v)
    out.sort(key=lambda v: v.valid_from or "")
    return out


def version_on(versions: Sequence[Version], day: dt.date | str | None) -> Version | None:
    """The version in force on DAY (a date or 'JJJJ-MM-DD'); None when none was."""
    if day is None:
        return None
    d = str(day)[:10]
    found = None
    for v in versions:
        if (v.valid_from or "") <= d and (not v.valid_to or v.valid_to > d):
            found = v
    return found


# --------------------------------------------------------------------------- comparing


@dataclass
class AmountChange:
    article: str
    label: str
    old: float | None  # None: a new kostensoort
    new: float | None  # None: the kostensoort is gone

    def describe(self) -> str:
        name = self.label[:1].upper() + self.label[1:]
        if self.old is None:
            return f"{name} (artikel {self.article}): nieuw, ten hoogste {euro(self.new)}."
        if self.new is None:
            return f"{name} (artikel {self.article}): vervalt (was {euro(self.old)})."
        direction = "verhoogd" if self.new > self.old else "verlaagd"
        return f"{name} (artikel {self.article}): maximum {direction} van {euro(self.old)} naar {euro(self.new)}."


@dataclass
class Changes:
    old: Version
    new: Version
    amounts: list[AmountChange] = field(default_factory=list)
    added: list[Sentence] = field(default_factory=list)
    removed: list[Sentence] = field(default_factory=list)
    reworded: list[tuple[Sentence, Sentence]] = field(default_factory=list)  # same rule, other words/values

    @property
    def articles(self) -> set[str]:
        return ({a.article for a in self.amounts} | {s.article for s in self.added + self.removed}
                | {n.article for _, n in self.reworded})

    @property
    def empty(self) -> bool:
        return not (self.amounts or self.added or self.removed or self.reworded)

    def rule_changes(self, article: str | None) -> list[tuple[Sentence | None, Sentence | None]]:
        """(old, new) sentences that changed in ARTICLE (None: anywhere): added, removed, reworded."""
        out: list[tuple[Sentence | None, Sentence | None]] = []
        out += [(None, s) for s in self.added if article is None or s.article == article]
        out += [(s, None) for s in self.removed if article is None or s.article == article]
        out += [(o, n) for o, n in self.reworded if article is None or n.article == article]
        return out

    # ---- room for professional judgement --------------------------------------------------

    @property
    def deviation_before(self) -> bool:
        return bool(self.old.deviation)

    @property
    def deviation_after(self) -> bool:
        return bool(self.new.deviation)

    @property
    def power_to_duty(self) -> list[tuple[Sentence, Sentence]]:
        return [(o, n) for o, n in self.reworded
                if o.kinds & ROOM_KINDS and not n.kinds & ROOM_KINDS and n.kinds & {"imperative", "duty"}]

    def _not_deviation(self, sentences: list[Sentence]) -> list[Sentence]:
        """Leave out the deviation article's own sentences: its removal is reported as such."""
        own = {s.key for s in self.old.deviation} | {s.key for s in self.new.deviation}
        return [s for s in sentences if s.key not in own]

    @property
    def powers_removed(self) -> list[Sentence]:
        return self._not_deviation([s for s in self.removed if s.kinds & ROOM_KINDS])

    @property
    def powers_added(self) -> list[Sentence]:
        return self._not_deviation([s for s in self.added if s.kinds & ROOM_KINDS])

    @property
    def exceptions_removed(self) -> list[Sentence]:
        return self._not_deviation([s for s in self.removed if s.kinds & EXCEPTION_KINDS and not s.kinds & ROOM_KINDS])

    @property
    def exceptions_added(self) -> list[Sentence]:
        return self._not_deviation([s for s in self.added if s.kinds & EXCEPTION_KINDS and not s.kinds & ROOM_KINDS])

    @property
    def room_reduced(self) -> bool:
        return bool((self.deviation_before and not self.deviation_after) or self.power_to_duty
                    or self.powers_removed or self.exceptions_removed)


def _similarity(a: Sentence, b: Sentence) -> float:
    ta, tb = a.terms, b.terms
    return len(ta & tb) / len(ta | tb) if ta and tb else 0.0


def compare(old: Version, new: Version) -> Changes:
    ch = Changes(old, new)
    for key in sorted(set(old.items) | set(new.items)):
        o, n = old.items.get(key), new.items.get(key)
        if o and n and o.amount == n.amount:
            continue
        ref = n or o
        ch.amounts.append(AmountChange(ref.article, ref.label, o.amount if o else None, n.amount if n else None))
    for article in sorted(set(old.headings) | set(new.headings), key=_article_order):
        before = [s for s in old.in_article(article)]
        after = [s for s in new.in_article(article)]
        same = {s.key for s in before} & {s.key for s in after}
        gone = [s for s in before if s.key not in same]
        came = [s for s in after if s.key not in same]
        # Same shape (only numbers differ) first, then reworded by word overlap.
        for o in list(gone):
            match = next((n for n in came if shape(n.text) == shape(o.text)), None)
            if match is None:
                scored = sorted(((_similarity(o, n), i) for i, n in enumerate(came)), reverse=True)
                if scored and scored[0][0] >= SIMILAR:
                    match = came[scored[0][1]]
            if match is not None:
                ch.reworded.append((o, match))
                gone.remove(o)
                came.remove(match)
        ch.removed += gone
        ch.added += came
    return ch


def _article_order(number: str) -> tuple:
    parts = re.findall(r"\d+|[a-z]+", number.lower())
    return tuple((0, int(p)) if p.isdigit() else (1, p) for p in parts)
