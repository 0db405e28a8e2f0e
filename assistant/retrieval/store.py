"""The Chroma side of the index: the client (embedded or a server), Dutch errors for a store that
is down or built with another embedder, chunks as Chroma records (metadata) and back, and the
peildatum/type/domain filters. The only module that imports chromadb."""

from __future__ import annotations

import datetime as dt
import functools
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence
from urllib.parse import urlparse


from assistant.corpus.documents import Chunk
from assistant.errors import MaatwerkError
from assistant.retrieval.fusion import FAR_FUTURE, WRITE_BATCH

class IndexError_(MaatwerkError):
    """The index cannot serve this request; the message (Dutch) says what to do."""


class EmbedderMismatch(IndexError_):
    pass


class ChromaUnavailable(IndexError_):
    """The Chroma server did not answer; the failed call changed nothing."""


CHROMA_DOWN = ("De Chroma-server{where} is niet bereikbaar ({reason}). Controleer of hij draait "
               "(`chroma run --path MAP --port POORT`) en of MAATWERK_CHROMA_URL klopt, en probeer het "
               "daarna opnieuw; een onderbroken indexering kunt u gewoon herhalen.")


def _is_connection_error(exc: BaseException) -> bool:
    import httpx

    if isinstance(exc, httpx.TransportError):  # refused, reset, timed out, closed mid-response
        return True
    return isinstance(exc, ValueError) and "could not connect to a chroma server" in str(exc).lower()


def _chroma_down(exc: BaseException, url: str | None = None) -> ChromaUnavailable:
    reason = type(exc).__name__ if not str(exc) else f"{type(exc).__name__}: {str(exc)[:120]}"
    return ChromaUnavailable(CHROMA_DOWN.format(where=f" op {url}" if url else "", reason=reason))


def translating(method):
    """Turn a lost connection to the Chroma server into a Dutch IndexError_ (only the HTTP
    client raises these; the embedded client never does)."""

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except IndexError_:
            raise
        except Exception as exc:
            if _is_connection_error(exc):
                raise _chroma_down(exc, getattr(self, "chroma_url", None)) from exc
            raise

    return wrapper


def date_int(value: str | dt.date | None, default: int) -> int:
    if value in (None, ""):
        return default
    if isinstance(value, str):
        value = dt.date.fromisoformat(value)
    return value.year * 10000 + value.month * 100 + value.day


@dataclass
class Filters:
    peildatum: dt.date | None = None
    source_types: Sequence[str] | None = None
    domains: Sequence[str] | None = None

    def accepts(self, meta: dict[str, Any]) -> bool:
        """The same test as chroma_where(), on one record's metadata."""
        if self.peildatum:
            day = date_int(self.peildatum, 0)
            if not (meta["vf"] <= day < meta["vt"]):
                return False
        if self.source_types and meta["source_type"] not in self.source_types:
            return False
        return not (self.domains and meta["domain"] not in self.domains)

    def chroma_where(self) -> dict[str, Any] | None:
        clauses: list[dict[str, Any]] = []
        if self.peildatum:
            day = date_int(self.peildatum, 0)
            clauses += [{"vf": {"$lte": day}}, {"vt": {"$gt": day}}]
        if self.source_types:
            clauses.append({"source_type": {"$in": list(self.source_types)}})
        if self.domains:
            clauses.append({"domain": {"$in": list(self.domains)}})
        if not clauses:
            return None
        return clauses[0] if len(clauses) == 1 else {"$and": clauses}


def chunk_metadata(chunk: Chunk, root: str, file_hash: str, file_chunks: int | None = None) -> dict[str, Any]:
    # file_chunks: how many passages the file has, so an interrupted run shows as incomplete.
    extra = {"file_chunks": file_chunks} if file_chunks is not None else {}
    return {
        **extra,
        "doc_id": chunk.doc_id,
        "source": chunk.source,
        "root": root,
        "file_hash": file_hash,
        "title": chunk.title,
        "citation": chunk.citation,
        "heading": chunk.heading,
        "source_type": chunk.source_type,
        "domain": chunk.domain,
        "valid_from": chunk.valid_from or "",
        "valid_to": chunk.valid_to or "",
        "vf": date_int(chunk.valid_from, 0),
        "vt": date_int(chunk.valid_to, FAR_FUTURE),
        "page": chunk.page if chunk.page is not None else -1,
        "official_url": chunk.official_url or "",
        "article": chunk.article or "",
        "lid": chunk.lid or "",
        "extra": json.dumps(chunk.extra, ensure_ascii=False),
    }


# Metadata that identifies or dates a document: never rewritten (the registry matches on it).
KEEP_META = {"source_type", "domain", "domein", "valid_from", "valid_to", "official_url", "datum", "id"}


def unit_key(doc_id: str, source_type: str, article: str | None, heading: str | None) -> str:
    """What one hit stands for when results are collapsed: an article (its leden collapse into
    it), a section of guidance, or a whole besluit or uitspraak."""
    if article:
        return f"{doc_id}#art{article}"
    if source_type in ("richtsnoer", "werkinstructie", "overig") and heading:
        return f"{doc_id}#{heading}"
    return doc_id


def chunk_from_record(chunk_id: str, text: str, meta: dict[str, Any]) -> Chunk:
    return Chunk(
        chunk_id=chunk_id,
        doc_id=meta["doc_id"],
        source=meta["source"],
        title=meta["title"],
        citation=meta["citation"],
        source_type=meta["source_type"],
        domain=meta["domain"],
        text=text,
        heading=meta.get("heading", ""),
        valid_from=meta.get("valid_from") or None,
        valid_to=meta.get("valid_to") or None,
        page=meta["page"] if meta.get("page", -1) >= 0 else None,
        official_url=meta.get("official_url") or None,
        article=meta.get("article") or None,
        lid=meta.get("lid") or None,
        extra=json.loads(meta.get("extra") or "{}"),
    )


def relocate_root(collection, old_root: str, new_root: str, page: int = 5000) -> int:
    """Point the passages indexed from folder old_root at new_root. Passage and document ids
    do not depend on where the folder lies, so nothing is embedded again."""
    moved = 0
    while True:
        ids = collection.get(where={"root": old_root}, include=[], limit=page)["ids"]
        if not ids:
            return moved
        for start in range(0, len(ids), WRITE_BATCH):
            part = ids[start:start + WRITE_BATCH]
            collection.update(ids=part, metadatas=[{"root": new_root}] * len(part))
        moved += len(ids)


def make_chroma_client(chroma_dir: Path | None = None, url: str | None = None):
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    settings = ChromaSettings(anonymized_telemetry=False)
    if url:
        parsed = urlparse(url)
        if not parsed.hostname:
            raise IndexError_(f"MAATWERK_CHROMA_URL '{url}' is geen geldige URL (bijv. http://localhost:8000)")
        try:
            return chromadb.HttpClient(
                host=parsed.hostname,
                port=parsed.port or (443 if parsed.scheme == "https" else 8000),
                ssl=parsed.scheme == "https",
                settings=settings,
            )
        except Exception as exc:
            if _is_connection_error(exc):
                raise _chroma_down(exc, url) from exc
            raise
    assert chroma_dir is not None
    chroma_dir.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(chroma_dir), settings=settings)
