"""Begripsbepalingen: the terms a regulation defines and what it says they mean, read from the
passages themselves in the usual Dutch legislative style ("In deze wet wordt verstaan onder: a.
alleenstaande: ...", "Onder besluit wordt verstaan: ...", "In deze paragraaf wordt onder
kostendelende medebewoner verstaan ..."). Never a hand-written list: any corpus written that way
yields its own definitions.

The signals study (evals/signals_study.py) used them to bridge a question that describes what a
term means to the term the norm articles use (kostendelende medebewoner, alleenstaande ouder).
That did not help retrieval (evals/RESULTS.md, issue 17), so search does not use them; the
extractor stays here, tested, for the study to be repeated on another corpus.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# A list of definitions follows its lead: "wordt verstaan onder:" or "wordt gelijkgesteld met:".
_LIST_LEAD = re.compile(r"\bwordt\s+(?:verstaan\s+onder|gelijkgesteld\s+met)\s*:", re.I)
# One item of such a list: "a. term: body", "- term: body" (list markup already removed).
_ITEM = re.compile(r"(?:^|\n|;\s+|\s)(?:[a-z]{1,2}\.|-)[ \t]+(?P<term>[^\W\d_][^:;\n]{1,60}?)\s*:\s+", re.I)
_ARTICLE_WORD = r"(?:een|de|het)\s+"
_SCOPE = r"(?:\s+(?:als bedoeld in|als genoemd in|in|bij|voor)\s+[^,:;]{0,60}?,?)?"
# Inline forms: "Onder X wordt (mede) verstaan: ...", "wordt onder X (mede) verstaan ...",
# "wordt verstaan onder X: ...". A negated one ("wordt niet verstaan") defines nothing.
_INLINE = (
    re.compile(rf"\bonder\s+(?:{_ARTICLE_WORD})?(?P<term>[^,:;.\n]{{2,50}}?){_SCOPE}\s+(?:wordt|worden)\s+"
               rf"(?P<neg>niet\s+)?(?:mede\s+|uitsluitend\s+)?(?:in\s+[^,:;]{{0,40}}?\s+)?verstaan\s*:?\s+", re.I),
    re.compile(rf"\b(?:wordt|worden)\s+(?:mede\s+)?onder\s+(?:{_ARTICLE_WORD})?(?P<term>[^,:;.\n]{{2,50}}?)"
               rf"\s+(?P<neg>niet\s+)?(?:mede\s+)?verstaan\s*:?\s+", re.I),
    re.compile(r"\bwordt\s+verstaan\s+onder\s+(?P<term>[^,:;.\n]{2,50}?)\s*:\s+", re.I),
)
_LIST_START = re.compile(r"(?:[a-z]{1,2}\.|-|\d°\.)\s")
_LID = re.compile(r"\n\s*\d+[a-z]?\s+(?=\S)|\n\n(?=\d+[a-z]?\s)")
_MARKUP = re.compile(r"\*+|_+(?=\w)|(?<=\w)_+|\[…\]|\[\.\.\.\]")
MAX_BODY = 600


@dataclass(frozen=True)
class Definition:
    term: str        # as written, lower case ("kostendelende medebewoner")
    body: str        # what the regulation says it means (may be cut at MAX_BODY characters)
    chunk_id: str    # the passage that defines it


def _clean(text: str) -> str:
    return _MARKUP.sub("", text)


def _body_end(text: str, start: int, sentence: bool) -> int:
    """Where a definition's body ends: at the end of its lid, and for an inline definition
    at the end of its sentence unless the sentence introduces a list (has a ':')."""
    lid = _LID.search(text, start)
    end = lid.start() if lid else len(text)
    if sentence:
        stop = re.search(r"\.(?:\s|$)", text[start:end])
        if stop and ":" not in text[start:start + stop.start()]:
            end = start + stop.end()
    return min(end, start + MAX_BODY)


def definitions_in(text: str, chunk_id: str = "") -> list[Definition]:
    """The definitions one passage gives, in order."""
    text = _clean(text)
    out: list[Definition] = []
    spans: list[tuple[int, int]] = []
    lead = _LIST_LEAD.search(text)
    if lead:
        items = list(_ITEM.finditer(text, lead.end()))
        for n, m in enumerate(items):
            end = items[n + 1].start() if n + 1 < len(items) else _body_end(text, m.end(), sentence=False)
            body = text[m.end():min(end, m.end() + MAX_BODY)].strip(" ;\n")
            term = " ".join(m.group("term").split()).lower()
            if body:
                out.append(Definition(term, " ".join(body.split()), chunk_id))
        if items:
            spans.append((lead.start(), len(text)))
    for pattern in _INLINE:
        for m in pattern.finditer(text):
            if m.groupdict().get("neg") or any(a <= m.start() < b for a, b in spans):
                continue
            listed = bool(_LIST_START.match(text, m.end()))  # "Onder vermogen wordt verstaan: a. ..."
            body = text[m.end():_body_end(text, m.end(), sentence=not listed)].strip(" ;\n")
            term = " ".join(m.group("term").split()).lower()
            if body and not term.startswith(("toepassing", "dit ", "deze ")):
                out.append(Definition(term, " ".join(body.split()), chunk_id))
                spans.append((m.start(), m.end()))
    return out
