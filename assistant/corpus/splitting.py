"""Splitting a Document by Dutch legal structure (artikel / lid / onderdeel) into citable Chunk
records, and the citations of an article and its leden."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from typing import Iterable, Iterator


from assistant.corpus.documents import ARTICLE_HEADING, Block, Chunk, Document


# --------------------------------------------------------------------------------------------
# Splitting by legal structure

_ORDINALS = [
    "eerste", "tweede", "derde", "vierde", "vijfde", "zesde", "zevende", "achtste", "negende",
    "tiende", "elfde", "twaalfde", "dertiende", "veertiende", "vijftiende", "zestiende",
    "zeventiende", "achttiende", "negentiende", "twintigste", "eenentwintigste",
    "tweeëntwintigste", "drieëntwintigste", "vierentwintigste", "vijfentwintigste",
]

_LID_START = re.compile(r"^(?:\*\*(?P<b>\d{1,2}[a-z]?\*?)\*\*|(?P<n>\d{1,2}[a-z]?)\.)\s+")
_CITATION_ARTICLE = re.compile(r"^artikel\s+(?P<num>\S+?)\s+(?P<base>.+)$", re.I)
_CITATION_RANGE_SUFFIX = re.compile(r",\s*artikel(?:en)?\b.*$", re.I)
_SENTENCE_END = re.compile(r"(?<=[.;:!?])\s+(?=[A-Z0-9(\"'‘“])")


def ordinal(n: str) -> str:
    digits = re.match(r"\d+", n)
    if not digits:
        return n
    i = int(digits.group())
    word = _ORDINALS[i - 1] if 0 < i <= len(_ORDINALS) else f"{i}e"
    suffix = n[digits.end():].strip("*")
    return f"{word}{(' ' + suffix) if suffix else ''}"


@dataclass
class _Section:
    heading: str
    article: str | None
    blocks: list[Block]


def _sections(doc: Document) -> Iterator[_Section]:
    """Group blocks into sections: one per article heading or other heading."""
    title = doc.meta["title"].strip().lower()
    heading, article, blocks = "", None, []
    for block in doc.blocks:
        if block.level:
            text = block.text.strip().strip("*").strip()
            if blocks:
                yield _Section(heading, article, blocks)
                blocks = []
            if text.lower() == title or block.level == 1 and not blocks and article is None and not heading:
                heading, article = "", None
                continue
            m = ARTICLE_HEADING.match(text)
            heading, article = text, (m.group("num").rstrip(".") if m else None)
        else:
            blocks.append(block)
    if blocks:
        yield _Section(heading, article, blocks)


def _lid_groups(blocks: list[Block]) -> list[tuple[str | None, list[Block]]]:
    """Split an article's paragraphs into leden; onderdelen stay with their lid."""
    groups: list[tuple[str | None, list[Block]]] = []
    for block in blocks:
        m = _LID_START.match(block.text)
        if m or not groups:
            groups.append(((m.group("b") or m.group("n")) if m else None, [block]))
        else:
            groups[-1][1].append(block)
    return groups


def _pack(blocks: list[Block], max_chars: int, repeat_head: bool = True) -> list[list[Block]]:
    """Pack paragraphs into pieces of at most max_chars; for a lid, its opening paragraph is
    repeated in each continuation so a list of onderdelen keeps its context. Never cuts
    mid-sentence."""
    pieces: list[list[Block]] = []
    head = blocks[0]
    current: list[Block] = []
    size = 0
    for block in blocks:
        for part in _sentence_parts(block, max_chars):
            if current and size + len(part.text) > max_chars:
                pieces.append(current)
                keep_head = repeat_head and head is not part and len(head.text) < max_chars // 2
                current = [head] if keep_head else []
                size = sum(len(b.text) for b in current)
            current.append(part)
            size += len(part.text)
    if current:
        pieces.append(current)
    return pieces


def _sentence_parts(block: Block, max_chars: int) -> list[Block]:
    if len(block.text) <= max_chars:
        return [block]
    parts, current = [], ""
    for sentence in _SENTENCE_END.split(block.text):
        if current and len(current) + len(sentence) + 1 > max_chars:
            parts.append(Block(current, page=block.page))
            current = sentence
        else:
            current = f"{current} {sentence}".strip()
    if current:
        parts.append(Block(current, page=block.page))
    return parts


def base_citation(citation: str) -> tuple[str, str | None]:
    """('Participatiewet', '58') for 'artikel 58 Participatiewet'; ('Beleidsregel X', None) for
    'Beleidsregel X, artikelen 1-11'."""
    m = _CITATION_ARTICLE.match(citation)
    if m:
        return m.group("base").strip(), m.group("num").rstrip(",")
    return _CITATION_RANGE_SUFFIX.sub("", citation).strip(), None


def article_citation(base: str, article: str, lid: str | None = None) -> str:
    if lid:
        return f"artikel {article}, {ordinal(lid)} lid, {base}"
    return f"artikel {article} {base}"


def split_document(doc: Document, max_chars: int = 1500, root_name: str = "") -> list[Chunk]:
    meta = doc.meta
    base, file_article = base_citation(meta["citation"])
    # root_name is the indexed folder's name, not its path: ids survive moving the folder.
    doc_id = hashlib.sha1(f"{root_name}/{doc.source}".encode()).hexdigest()[:16]
    structured = meta["source_type"] not in ("besluit", "uitspraak")
    sections = list(_sections(doc))
    has_articles = any(s.article for s in sections)
    chunks: list[Chunk] = []

    for section in sections:
        article = section.article
        if not has_articles and file_article and structured:
            article = file_article  # a file that holds one article, named in its citation
        heading = section.heading
        if article:
            groups = _lid_groups(section.blocks)
            total = sum(len(b.text) for b in section.blocks)
            if total <= max_chars or len(groups) == 1:
                units = [(None, section.blocks)]
            else:
                units = groups
            for lid, blocks in units:
                citation = article_citation(base, article, lid)
                for piece in _pack(blocks, max_chars):
                    chunks.append(_make_chunk(doc, doc_id, piece, citation, heading, article, lid))
        else:
            if not structured or not heading:
                citation = meta["citation"] if not structured else base
            else:
                citation = f"{base}, {heading}"
            for piece in _pack(section.blocks, max_chars, repeat_head=False):
                chunks.append(_make_chunk(doc, doc_id, piece, citation, heading, None, None))
    return _dedupe(chunks)


_CORE_META = {
    "title", "citation", "source_type", "domain", "domein", "valid_from", "valid_to",
    "official_url", "datum",
}


def _make_chunk(doc, doc_id, blocks, citation, heading, article, lid) -> Chunk:
    meta = doc.meta
    text = "\n\n".join(b.text for b in blocks)
    extra = {k: v for k, v in meta.items() if k not in _CORE_META and v is not None}
    extra = json.loads(json.dumps(extra, default=str))  # dates and the like become strings
    payload = json.dumps(
        [doc_id, citation, heading, text, meta.get("valid_from"), meta.get("valid_to"),
         meta["source_type"], meta["domain"], meta["title"], extra],
        ensure_ascii=False, sort_keys=True,
    )
    return Chunk(
        chunk_id=hashlib.sha256(payload.encode()).hexdigest()[:24],
        doc_id=doc_id,
        source=doc.source,
        title=meta["title"],
        citation=citation,
        source_type=meta["source_type"],
        domain=meta["domain"],
        text=text,
        heading=heading,
        valid_from=meta.get("valid_from"),
        valid_to=meta.get("valid_to"),
        page=blocks[0].page,
        official_url=meta.get("official_url"),
        article=article,
        lid=lid,
        extra=extra,
    )


def _dedupe(chunks: Iterable[Chunk]) -> list[Chunk]:
    seen: set[str] = set()
    out = []
    for c in chunks:
        if c.chunk_id not in seen:
            seen.add(c.chunk_id)
            out.append(c)
    return out
