"""Dutch text analysis for lexical search: normalising, stemming (Snowball via PyStemmer),
splitting compounds against the corpus vocabulary, and expanding queries with the domain
lexicon (assistant/data/lexicon.yaml). This module is the only one that imports PyStemmer.
"""

from __future__ import annotations

import functools
import hashlib
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Iterable

import yaml

# The shipped lexicon: package data, read with importlib.resources (checkout and wheel alike).
LEXICON_RESOURCE = ("data", "lexicon.yaml")

STOPWORDS = frozenset(
    """aan al alle alles als altijd andere ben bij daar dan dat de der deze die dit doch doen door
    dus een eens en er ge geen geweest haar had heb hebben heeft hem het hier hij hoe hun iemand
    iets ik in is ja je kan kon kunnen maar me meer men met mij mijn moet na naar niet niets nog nu
    of om omdat onder ons ook op over reeds te tegen toch toen tot u uit uw van veel voor want
    waren was wat werd wezen wie wil worden wordt zal ze zelf zich zij zijn zo zonder zou mag mogen
    welke waar wanneer hoeveel hoe lang krijgt krijgen iemand klant cliënt client mijnheer meneer
    mevrouw dus even graag eigenlijk via waarbij waarvoor hierbij daarbij onze jullie wij we""".split()
)
# Compound parts shorter than this are too ambiguous ("was", "eer") to split off.
MIN_PART = 4
_TOKEN = re.compile(r"\d+(?:[:.]\d+)+[a-z]*|[a-z0-9]+")


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.lower())
    return "".join(ch for ch in text if not unicodedata.combining(ch)).replace("’", "'")


def words(text: str) -> list[str]:
    return _TOKEN.findall(normalise(text))


@functools.lru_cache(maxsize=1)
def _stemmer():
    import Stemmer

    return Stemmer.Stemmer("dutch_porter")  # the classic Snowball Dutch: conflates vorderen/vordering, which "dutch" (Kraaij-Pohlmann) does not


@functools.lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    if word[0].isdigit():
        return word
    return _stemmer().stemWord(word)


@dataclass
class Lexicon:
    """Groups of interchangeable terms (synonyms, abbreviations, colloquial words) that
    professionals use for what the regulations say in their own words."""

    groups: list[list[str]] = field(default_factory=list)

    @property
    def digest(self) -> str:
        """Changes when the lexicon does, so indexes derived with an older one are rebuilt."""
        return hashlib.sha256(repr(self.groups).encode()).hexdigest()[:12]

    @classmethod
    def load(cls, path: Path | None = None) -> "Lexicon":
        """The lexicon at PATH, or the shipped one. OSError when the file cannot be read,
        ValueError when it is not a list of groups."""
        source = Path(path) if path is not None else resources.files("assistant").joinpath(*LEXICON_RESOURCE)
        try:
            data = yaml.safe_load(source.read_text(encoding="utf-8")) or {}
            groups = data.get("groups") or []
            if not isinstance(groups, list) or not all(isinstance(g, list) for g in groups):
                raise ValueError("groups is not a list of lists")
            return cls([[normalise(str(t)) for t in g] for g in groups])
        except (yaml.YAMLError, AttributeError) as exc:
            raise ValueError(str(exc)) from exc

    def aliases(self, text: str) -> list[tuple[list[str], list[str]]]:
        """Per group the text mentions: (the group's terms the text uses, all its terms). The
        answer layer counts a question word as found in a passage when the passage uses
        another term of the word's group ("korten" is found where the law says "verlagen")."""
        norm = " " + " ".join(words(text)) + " "
        out: list[tuple[list[str], list[str]]] = []
        for group in self.groups:
            hit = [t for t in group if f" {t} " in norm]
            if hit:
                out.append((hit, list(group)))
        return out

    def expansions(self, text: str) -> list[str]:
        """Terms from every group that the text mentions, except those it already contains."""
        return [t for hit, group in self.aliases(text) for t in group if t not in hit]


class Analyzer:
    """Turns text into index terms. Compound splitting needs the vocabulary of the corpus, so an
    Analyzer is fitted on the corpus words at index time and saved with the lexical index."""

    def __init__(self, vocabulary: Iterable[str] = (), lexicon: Lexicon | None = None):
        self.vocabulary = frozenset(vocabulary)
        self.lexicon = lexicon if lexicon is not None else Lexicon.load()

    @classmethod
    def fit(cls, texts: Iterable[str], lexicon: Lexicon | None = None, min_count: int = 2) -> "Analyzer":
        counts = Counter(w for t in texts for w in words(t))
        lexicon = lexicon if lexicon is not None else Lexicon.load()
        vocab = {
            w for w, n in counts.items()
            if n >= min_count and len(w) >= MIN_PART and w.isalpha() and w not in STOPWORDS
        }
        # Lexicon terms are words of the domain even when this corpus happens not to use them.
        vocab |= {t for g in lexicon.groups for t in g if " " not in t and len(t) >= MIN_PART}
        return cls(vocab, lexicon)

    @functools.lru_cache(maxsize=100_000)
    def split_compound(self, word: str) -> tuple[str, ...]:
        """'kostendelersnorm' -> ('kostendelers', 'norm'); () when no split is supported by the
        vocabulary. Tries linking morphemes (-s-, -en-, -e-) on the left part."""
        if len(word) < 2 * MIN_PART or not word.isalpha():
            return ()
        best: tuple[str, ...] = ()
        best_score = 0
        for i in range(MIN_PART, len(word) - MIN_PART + 1):
            left, right = word[:i], word[i:]
            if right not in self.vocabulary:
                rest = self.split_compound(right) if len(right) >= 2 * MIN_PART else ()
                if not rest:
                    continue
                right_parts = rest
            else:
                right_parts = (right,)
            for cand in (left, left[:-1] if left.endswith("s") else None,
                         left[:-2] if left.endswith("en") else None,
                         left[:-1] if left.endswith("e") else None):
                if cand and len(cand) >= MIN_PART and cand in self.vocabulary:
                    score = min(len(cand), min(len(p) for p in right_parts))
                    if score > best_score:
                        best, best_score = (cand, *right_parts), score
                    break
        return best

    def terms(self, text: str) -> list[str]:
        out: list[str] = []
        for w in words(text):
            if w in STOPWORDS or (len(w) < 2 and not w.isdigit()):
                continue
            out.append(stem(w))
            for part in self.split_compound(w):
                out.append(stem(part))
        return out

    def query_terms(self, text: str) -> tuple[list[str], list[str]]:
        """(terms of the query itself, terms added by the lexicon)."""
        own = self.terms(text)
        extra = [t for t in self.terms(" ".join(self.lexicon.expansions(text))) if t not in own]
        return own, extra


# Everyday verbs and fillers that carry no subject ("hoe laat gaat ... open").
COMMON_WORDS = frozenset(
    """gaat gaan ga laat laten open dicht komt komen doet doe doen zit zitten staat staan hoort weet
    weten kent ken zeg zegt zeggen vind vindt denk nodig beste heel echt precies alstublieft
    graag hallo eens toe""".split()
)


def same_stem(a: str, b: str, min_len: int = 5) -> bool:
    """Two stems name the same word: equal, or one stands at the start of the other and both are
    long enough not to match by accident ("bijstand" in "bijstandsnorm"; Dutch compounds and
    inflections)."""
    return a == b or (min(len(a), len(b)) >= min_len and (a.startswith(b) or b.startswith(a)))


def content_terms(text: str, drop_common: bool = True) -> set[str]:
    """Stemmed content words (no stopwords, numbers or words of two letters; by default no everyday
    fillers either): the unit of word overlap for relevance, sentence choice, the rule model and
    the report's clusters of circumstances. Analyzer.terms is the index's richer form (compound
    parts, every occurrence)."""
    return {stem(w) for w in words(text)
            if w not in STOPWORDS and not (drop_common and w in COMMON_WORDS) and len(w) > 2 and not w.isdigit()}
