"""The search index: Chroma for dense vectors (the store of record for chunks) and a BM25 index
(bm25s) over Dutch index terms derived from it, fused into one ranking, filtered by peildatum,
source type and domain. The only module that imports chromadb and bm25s.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import logging
import re
import os
import shutil
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence
from urllib.parse import urlparse

import numpy as np

from assistant.retrieval.analysis import Analyzer, Lexicon
from assistant.corpus.documents import SOURCE_TYPES, SPLITTER_VERSION, Chunk, Document, LoadError, file_fingerprint, find_files, load_document
from assistant.corpus.splitting import split_document
from assistant.retrieval.embeddings import NamedEmbeddings
from assistant.privacy import CORPUS_PRIVACY_VERSION, Pseudonymiser, corpus_kinds
from assistant.errors import MaatwerkError

log = logging.getLogger(__name__)

FAR_FUTURE = 99991231
MODES = ("hybrid", "lexical", "dense")
# Expansion terms from the lexicon are evidence, but weaker than the words the user typed.
EXPANSION_WEIGHT = 0.5
RRF_K = 60
DENSE_EXPANSIONS = 8
# Dense candidates fetched unfiltered per candidate needed (see Index._dense).
OVERFETCH = 2
LEXICAL_FORMAT = 4
# Chroma refuses statements with too many SQL variables: large updates and deletes go in batches.
WRITE_BATCH = 5000
# Hubness correction: passages close to the centroid of the collection ("hubs": long generic
# articles) surface for every query with an e5 model. Their dense score is lowered by this
# factor times their similarity to the centroid (measured: hybrid MRR@10 0.655 -> 0.676).
HUB_PENALTY = 0.3
# At most this share of a mixed top k may be earlier besluiten (see Index.search).
BESLUIT_SHARE = 0.4
# A besluit's fused score is multiplied by this unless the question asks for earlier decisions
# (measured on the sample corpus demo set: rule questions MRR@10 0.53 -> 0.80, R@5 0.89 -> 0.95).
BESLUIT_WEIGHT = 0.8
PRECEDENT_INTENT = re.compile(r"besluit|precedent|eerder|weleens|vergelijkba|hebben we|uitspra|jurisprudentie", re.I)
# Below this many passages a centroid says more about the few documents than about hubs.
HUB_MIN_CHUNKS = 200


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


def _translating(method):
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
class Hit:
    rank: int
    score: float
    chunk: Chunk
    dense_rank: int | None = None
    lexical_rank: int | None = None

    def to_dict(self) -> dict[str, Any]:
        c = self.chunk
        return {
            "rank": self.rank,
            "score": round(self.score, 6),
            "chunk_id": c.chunk_id,
            "doc_id": c.doc_id,
            "source": c.source,
            "citation": c.citation,
            "title": c.title,
            "source_type": c.source_type,
            "domain": c.domain,
            "valid_from": c.valid_from,
            "valid_to": c.valid_to,
            "page": c.page,
            "official_url": c.official_url,
            "heading": c.heading,
            "text": c.text,
            "dense_rank": self.dense_rank,
            "lexical_rank": self.lexical_rank,
        }


@dataclass
class IndexReport:
    files_seen: int = 0
    files_indexed: int = 0
    files_unchanged: int = 0
    files_removed: int = 0
    chunks_added: int = 0
    chunks_removed: int = 0
    errors: list[LoadError] = field(default_factory=list)
    seconds: float = 0.0
    # (old path, new path) of indexed folders found moved: their passages followed, unembedded.
    relocated: list[tuple[str, str]] = field(default_factory=list)
    # Personal data replaced before indexing, per file (source path) and kind: {"besluiten/x.md": {"BSN": 1}}.
    replaced: dict[str, dict[str, int]] = field(default_factory=dict)

    def replaced_total(self) -> dict[str, int]:
        total: Counter = Counter()
        for counts in self.replaced.values():
            total.update(counts)
        return dict(total)

    @property
    def ok(self) -> bool:
        return not self.errors


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


def _chunk_metadata(chunk: Chunk, root: str, file_hash: str, file_chunks: int | None = None) -> dict[str, Any]:
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
_KEEP_META = {"source_type", "domain", "domein", "valid_from", "valid_to", "official_url", "datum", "id"}


def scrub_document(doc: Document, pseudonymiser: Pseudonymiser) -> tuple[Document, Counter]:
    """The document as it may be indexed: personal data in its text and free-text metadata
    replaced by "[KIND]" placeholders before chunking, so that neither Chroma, the lexical index
    files, the passage ids nor a passage sent to an LLM hold it. Which kinds depends on the
    source type (privacy.corpus_kinds): a besluit loses names and addresses too, a law text only
    citizens' numbers and contact data."""
    kinds = corpus_kinds(doc.meta["source_type"])
    counts: Counter = Counter()

    def clean(value: Any) -> Any:
        if isinstance(value, str):
            text, found = pseudonymiser.scrub(value, kinds)
            counts.update(found)
            return text
        if isinstance(value, dict):
            return {k: clean(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [clean(v) for v in value]
        return value

    blocks = [replace(b, text=clean(b.text)) for b in doc.blocks]
    meta = {k: (v if k in _KEEP_META else clean(v)) for k, v in doc.meta.items()}
    return replace(doc, blocks=blocks, meta=meta), counts


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


Fused = list[tuple[str, float, int | None, int | None]]  # (chunk id, score, dense rank, lexical rank)


def rrf_fuse(dense: list[tuple[str, float]], lexical: list[tuple[str, float]], mode: str = "hybrid",
             dense_weight: float = 1.0, lexical_weight: float = 1.0) -> Fused:
    """Reciprocal rank fusion of the two rankings (or one of them, by mode), best first."""
    d_rank = {cid: r for r, (cid, _) in enumerate(dense, start=1)}
    l_rank = {cid: r for r, (cid, _) in enumerate(lexical, start=1)}
    if mode == "dense":
        return [(cid, s, d_rank[cid], None) for cid, s in dense]
    if mode == "lexical":
        return [(cid, s, None, l_rank[cid]) for cid, s in lexical]
    scores: dict[str, float] = {}
    for cid, r in d_rank.items():
        scores[cid] = scores.get(cid, 0.0) + dense_weight / (RRF_K + r)
    for cid, r in l_rank.items():
        scores[cid] = scores.get(cid, 0.0) + lexical_weight / (RRF_K + r)
    ordered = sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))
    return [(cid, s, d_rank.get(cid), l_rank.get(cid)) for cid, s in ordered]


def demote_besluiten(fused: Fused, doc_of: dict[str, tuple[str, str]], weight: float = BESLUIT_WEIGHT) -> Fused:
    """Unless the question asks for earlier decisions, a rule outranks the besluiten that
    apply it: they repeat its words and would otherwise come first."""
    out = [(cid, score * (weight if doc_of.get(cid, ("", ""))[1] == "besluit" else 1.0), d, l)
           for cid, score, d, l in fused]
    return sorted(out, key=lambda t: (-t[1], t[0]))


def collapse(fused: Fused, doc_of: dict[str, tuple[str, str]], k: int, per_doc: int | None = 1,
             max_besluiten: int | None = None) -> Fused:
    """The first k of fused, one place per unit (doc_of: chunk id -> (unit_key, source_type))
    and per_doc places per document, at most max_besluiten of them besluiten."""
    chosen: Fused = []
    taken: dict[str, int] = {}
    per_file: dict[str, int] = {}
    besluiten = 0
    for item in fused:
        unit, stype = doc_of.get(item[0], (item[0], ""))
        document = unit.split("#", 1)[0]
        # A document gets per_doc places, each for a different article or section: a second
        # lid of the same article adds less than the next article does.
        if per_doc and (taken.get(unit, 0) >= 1 or per_file.get(document, 0) >= per_doc):
            continue
        if stype == "besluit":
            if max_besluiten is not None and besluiten >= max_besluiten:
                continue
            besluiten += 1
        taken[unit] = taken.get(unit, 0) + 1
        per_file[document] = per_file.get(document, 0) + 1
        chosen.append(item)
        if len(chosen) == k:
            break
    return chosen


def load_lexicon(path: Path | None) -> Lexicon:
    """The shipped lexicon, or the one a gemeente keeps itself (MAATWERK_LEXICON)."""
    if path is None:
        return Lexicon.load()
    try:
        return Lexicon.load(Path(path))
    except FileNotFoundError as exc:
        raise IndexError_(f"Het lexicon {path} bestaat niet (MAATWERK_LEXICON).") from exc
    except OSError as exc:
        raise IndexError_(f"Het lexicon {path} is niet te lezen (MAATWERK_LEXICON).") from exc
    except ValueError as exc:
        raise IndexError_(f"Het lexicon {path} is geen geldige lijst synoniemgroepen "
                          "(verwacht: `groups:` met lijsten van termen).") from exc


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


class LexicalIndex:
    """BM25 over Dutch index terms, with per-chunk filter columns kept beside it so that the
    peildatum and type filters apply before ranking, not after."""

    def __init__(self, analyzer: Analyzer, bm25, ids: list[str], columns: dict[str, np.ndarray], stamp: str,
                 centroid: np.ndarray | None = None):
        self.analyzer, self.bm25, self.ids, self.columns, self.stamp = analyzer, bm25, ids, columns, stamp
        # Mean passage vector of the dense index: kept here because, like BM25, it is derived
        # from what Chroma holds and rebuilt with it.
        self.centroid = centroid
        self.doc_of = dict(zip(ids, zip(columns["unit"].tolist(), columns["source_type"].tolist())))

    @classmethod
    def build(cls, chunks: list[Chunk], stamp: str, lexicon: Lexicon | None = None,
              centroid: np.ndarray | None = None) -> "LexicalIndex":
        import bm25s

        texts = [c.index_text for c in chunks]
        analyzer = Analyzer.fit(texts, lexicon=lexicon)
        bm25 = bm25s.BM25()
        corpus_terms = [analyzer.terms(t) or ["_leeg_"] for t in texts]
        if chunks:
            bm25.index(corpus_terms, show_progress=False)
        columns = {
            "vf": np.array([date_int(c.valid_from, 0) for c in chunks], dtype=np.int64),
            "vt": np.array([date_int(c.valid_to, FAR_FUTURE) for c in chunks], dtype=np.int64),
            "source_type": np.array([c.source_type for c in chunks], dtype=object),
            "domain": np.array([c.domain for c in chunks], dtype=object),
            "unit": np.array([unit_key(c.doc_id, c.source_type, c.article, c.heading) for c in chunks], dtype=object),
        }
        return cls(analyzer, bm25, [c.chunk_id for c in chunks], columns, stamp, centroid)

    def save(self, directory: Path) -> None:
        # Several processes may share one data dir (web workers): each writes its own tmp dir.
        tmp = directory.with_name(f"{directory.name}.tmp-{os.getpid()}-{threading.get_ident()}")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        if self.ids:
            self.bm25.save(str(tmp / "bm25"))
        (tmp / "meta.json").write_text(json.dumps({
            "format": LEXICAL_FORMAT,
            "stamp": self.stamp,
            "ids": self.ids,
            "vocabulary": sorted(self.analyzer.vocabulary),
            "centroid": self.centroid.tolist() if self.centroid is not None else None,
            "columns": {k: v.tolist() for k, v in self.columns.items()},
        }), encoding="utf-8")
        # Swap in one step so a reader never sees half an index.
        old = directory.with_name(f"{directory.name}.old-{os.getpid()}-{threading.get_ident()}")
        try:
            if directory.exists():
                directory.rename(old)
            tmp.rename(directory)
        except OSError as exc:
            # Another process swapped at the same moment; the copy on disk is only a cache
            # (rebuilt from Chroma when its stamp is stale), the one in memory is complete.
            log.info("lexicale index niet weggeschreven (%s); een ander proces schreef tegelijk", exc)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
            shutil.rmtree(old, ignore_errors=True)

    @classmethod
    def load(cls, directory: Path, lexicon: Lexicon | None = None) -> "LexicalIndex | None":
        import bm25s

        meta_path = directory / "meta.json"
        if not meta_path.exists():
            return None
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        if meta.get("format") != LEXICAL_FORMAT:
            return None  # written by another version: rebuilt from Chroma by the caller
        bm25 = bm25s.BM25.load(str(directory / "bm25")) if meta["ids"] else bm25s.BM25()
        columns = {
            "vf": np.array(meta["columns"]["vf"], dtype=np.int64),
            "vt": np.array(meta["columns"]["vt"], dtype=np.int64),
            "source_type": np.array(meta["columns"]["source_type"], dtype=object),
            "domain": np.array(meta["columns"]["domain"], dtype=object),
            "unit": np.array(meta["columns"]["unit"], dtype=object),
        }
        analyzer = Analyzer(meta["vocabulary"], lexicon if lexicon is not None else Lexicon.load())
        centroid = np.array(meta["centroid"], dtype=np.float32) if meta.get("centroid") else None
        return cls(analyzer, bm25, meta["ids"], columns, meta["stamp"], centroid)

    def mask(self, filters: Filters) -> np.ndarray:
        keep = np.ones(len(self.ids), dtype=bool)
        if filters.peildatum:
            day = date_int(filters.peildatum, 0)
            keep &= (self.columns["vf"] <= day) & (self.columns["vt"] > day)
        if filters.source_types:
            keep &= np.isin(self.columns["source_type"], list(filters.source_types))
        if filters.domains:
            keep &= np.isin(self.columns["domain"], list(filters.domains))
        return keep

    def search(self, query: str, filters: Filters, depth: int) -> list[tuple[str, float]]:
        if not self.ids:
            return []
        own, extra = self.analyzer.query_terms(query)
        scores = np.zeros(len(self.ids), dtype=np.float64)
        if own:
            scores += self.bm25.get_scores(own)
        if extra:
            scores += EXPANSION_WEIGHT * self.bm25.get_scores(extra)
        scores[~self.mask(filters)] = 0.0
        candidates = np.flatnonzero(scores > 0)
        if candidates.size == 0:
            return []
        top = candidates[np.argsort(-scores[candidates], kind="stable")[:depth]]
        return [(self.ids[i], float(scores[i])) for i in top]


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


class Index:
    """Hybrid index over the corpus. Build with `Index.open(...)`; all collaborators are
    arguments so tests can use a temporary directory and the hashing embedder."""

    @_translating
    def __init__(self, client, collection_name: str, embedder: NamedEmbeddings, lexical_dir: Path,
                 max_chunk_chars: int = 1500, dense_weight: float = 1.0, lexical_weight: float = 1.0,
                 lexicon: Lexicon | None = None, chroma_url: str | None = None):
        self.chroma_url = chroma_url  # only for messages
        self.client = client
        self.collection_name = collection_name
        self.embedder = embedder
        self.lexical_dir = Path(lexical_dir)
        self.max_chunk_chars = max_chunk_chars
        self.dense_weight, self.lexical_weight = dense_weight, lexical_weight
        self.lexicon = lexicon if lexicon is not None else Lexicon.load()
        self.besluit_weight = BESLUIT_WEIGHT
        self._lexical: LexicalIndex | None = None
        self._lock = threading.Lock()
        self._pseudonymiser: Pseudonymiser | None = None
        self._collection = client.get_or_create_collection(
            collection_name,
            metadata={"hnsw:space": "cosine"},
            embedding_function=None,  # vectors are always ours: Chroma's default downloads a model
        )

    @classmethod
    def open(cls, data_dir: Path, embedder: NamedEmbeddings, chroma_url: str | None = None,
             collection: str = "maatwerk", **kwargs) -> "Index":
        client = make_chroma_client(Path(data_dir) / "chroma", chroma_url)
        return cls(client, collection, embedder, Path(data_dir) / "lexical", chroma_url=chroma_url, **kwargs)

    # ---- state -------------------------------------------------------------------------------

    @property
    @_translating
    def meta(self) -> dict[str, Any]:
        self._collection = self.client.get_collection(self.collection_name)
        return dict(self._collection.metadata or {})

    @property
    def fingerprint(self) -> str:
        return self.meta.get("fingerprint", "")

    def use_pseudonymiser(self, pseudonymiser: Pseudonymiser) -> None:
        """Share the app's pseudonymiser (its name lists take a moment to load)."""
        self._pseudonymiser = pseudonymiser

    @property
    def pseudonymiser(self) -> Pseudonymiser:
        if self._pseudonymiser is None:
            self._pseudonymiser = Pseudonymiser()
        return self._pseudonymiser

    @_translating
    def count(self) -> int:
        return self._collection.count()

    @_translating
    def check_embedder(self) -> None:
        built_with = self.meta.get("embedder")
        if built_with and built_with != self.embedder.identity and self.count():
            raise EmbedderMismatch(
                f"De index is gebouwd met embedder '{built_with}', maar nu is "
                f"'{self.embedder.identity}' ingesteld. Zet MAATWERK_EMBEDDER terug, of "
                "herindexeer met `maatwerk index --rebuild`."
            )

    def _records(self, where: dict | None = None, include=("metadatas",), page: int = 5000) -> dict[str, Any]:
        """Everything (or what `where` selects), read in pages: one unpaged get() of ~100k
        records fails inside Chroma ("too many SQL variables")."""
        out: dict[str, list] = {"ids": [], **{k: [] for k in include}}
        offset = 0
        while True:
            got = self._collection.get(where=where, include=list(include), limit=page, offset=offset)
            out["ids"] += got["ids"]
            for k in include:
                out[k] += list(got[k])
            if len(got["ids"]) < page:
                return out
            offset += page

    @_translating
    def all_chunks(self) -> list[Chunk]:
        got = self._records(include=("metadatas", "documents"))
        return [chunk_from_record(i, d, m) for i, d, m in zip(got["ids"], got["documents"], got["metadatas"])]

    @_translating
    def source_chunks(self, source: str) -> list[Chunk]:
        """The passages of one file (its path relative to the indexed folder)."""
        got = self._records(where={"source": source}, include=("metadatas", "documents"))
        return [chunk_from_record(i, d, m) for i, d, m in zip(got["ids"], got["documents"], got["metadatas"])]

    def _centroid(self, batch: int = 5000) -> np.ndarray | None:
        total, acc = 0, None
        for offset in range(0, self.count(), batch):
            got = self._collection.get(include=["embeddings"], limit=batch, offset=offset)
            vectors = np.asarray(got["embeddings"], dtype=np.float32)
            if vectors.size:
                acc = vectors.sum(0) if acc is None else acc + vectors.sum(0)
                total += len(vectors)
        return acc / total if total >= HUB_MIN_CHUNKS else None

    @_translating
    def get_chunks(self, ids: Sequence[str]) -> dict[str, Chunk]:
        if not ids:
            return {}
        got = self._collection.get(ids=list(ids), include=["metadatas", "documents"])
        return {i: chunk_from_record(i, d, m) for i, d, m in zip(got["ids"], got["documents"], got["metadatas"])}

    # ---- building ----------------------------------------------------------------------------

    @_translating
    def reset(self) -> None:
        self.client.delete_collection(self.collection_name)
        self._collection = self.client.get_or_create_collection(
            self.collection_name, metadata={"hnsw:space": "cosine"}, embedding_function=None
        )
        shutil.rmtree(self.lexical_dir, ignore_errors=True)
        self._lexical = None

    @_translating
    def index_paths(self, paths: Iterable[Path], progress: bool = True, max_bytes: int | None = None,
                    on_progress: Callable[[int, int], None] | None = None) -> IndexReport:
        """Incremental: unchanged files are skipped by content hash, changed files replace their
        chunks, files gone from an indexed folder are removed. A file that fails to load keeps
        whatever was indexed for it before."""
        self.check_embedder()
        started = time.perf_counter()
        report = IndexReport()
        existing = self._records()
        by_file: dict[tuple[str, str], dict[str, Any]] = {}
        for cid, meta in zip(existing["ids"], existing["metadatas"]):
            entry = by_file.setdefault((meta["root"], meta["source"]), {"hash": meta["file_hash"], "ids": set(),
                                                                       "n": meta.get("file_chunks")})
            entry["ids"].add(cid)
            if entry["hash"] != meta["file_hash"] or entry["n"] != meta.get("file_chunks"):
                entry["hash"] = ""  # half-written by an interrupted run: index the file again
        rescrub = bool(by_file) and self.meta.get("privacy") != CORPUS_PRIVACY_VERSION
        for entry in by_file.values():
            if entry["n"] is not None and entry["n"] != len(entry["ids"]):
                entry["hash"] = ""  # some of its passages never arrived (interrupted run)
            if rescrub:
                entry["hash"] = ""  # built before (this version of) the corpus pseudonymisation

        to_add: list[tuple[Chunk, dict[str, Any]]] = []
        to_delete: set[str] = set()
        for path in paths:
            path = Path(path).resolve()
            if not path.exists():
                report.errors.append(LoadError(path, "pad bestaat niet"))
                continue
            root = path if path.is_dir() else path.parent
            root_key = str(root)
            if path.is_dir():
                for gone in self._moved_roots(root, {r for r, _ in by_file}):
                    self.relocate(gone, root_key)
                    report.relocated.append((gone, root_key))
                    for (r, source) in [k for k in by_file if k[0] == gone]:
                        by_file[(root_key, source)] = by_file.pop((r, source))
            files = find_files(path)
            report.files_seen += len(files)
            present = set()
            for f in files:
                source = f.relative_to(root).as_posix()
                present.add(source)
                old = by_file.get((root_key, source))
                try:
                    digest = file_fingerprint(f)
                    if old and old["hash"] == digest:
                        report.files_unchanged += 1
                        continue
                    doc, counts = scrub_document(load_document(f, root, max_bytes=max_bytes), self.pseudonymiser)
                    chunks = split_document(doc, self.max_chunk_chars, root_name=root.name)
                    if counts:
                        report.replaced[source] = dict(counts)
                except LoadError as exc:
                    report.errors.append(exc)
                    continue
                except OSError as exc:
                    report.errors.append(LoadError(source, f"bestand niet leesbaar ({exc})"))
                    continue
                except (MemoryError, RecursionError) as exc:
                    # A hostile or pathological file must not end the run for all the others.
                    report.errors.append(LoadError(source, f"te groot of te diep genest om te verwerken "
                                                           f"({type(exc).__name__}); overgeslagen"))
                    continue
                except Exception as exc:  # a parser bug on one odd file: report it, go on
                    report.errors.append(LoadError(source, f"kon niet worden gelezen ({type(exc).__name__}: "
                                                           f"{str(exc)[:200]}); overgeslagen"))
                    continue
                report.files_indexed += 1
                new_ids = {c.chunk_id for c in chunks}
                old_ids = old["ids"] if old else set()
                to_delete |= old_ids - new_ids
                # Unchanged passages keep their vectors, but carry the new file hash.
                to_add += [(c, _chunk_metadata(c, root_key, doc.file_hash, len(chunks))) for c in chunks]
            if path.is_dir():
                for (r, source), entry in by_file.items():
                    if r == root_key and source not in present:
                        to_delete |= entry["ids"]
                        report.files_removed += 1

        existing_ids = set(existing["ids"])
        fresh = [(c, m) for c, m in to_add if c.chunk_id not in existing_ids]
        kept = [(c, m) for c, m in to_add if c.chunk_id in existing_ids]
        # Order matters when a run is interrupted (Chroma server gone): new passages first, then
        # the new hash on kept ones, then deletions; until the end some passage of the file still
        # carries the old hash or the count is off, so the next run indexes the file again.
        self._embed_and_add(fresh, progress, on_progress)
        if kept:
            for start in range(0, len(kept), WRITE_BATCH):
                part = kept[start:start + WRITE_BATCH]
                self._collection.update(ids=[c.chunk_id for c, _ in part], metadatas=[m for _, m in part])
        report.chunks_added = len(fresh)
        if to_delete:
            doomed = sorted(to_delete)
            for start in range(0, len(doomed), WRITE_BATCH):
                self._collection.delete(ids=doomed[start:start + WRITE_BATCH])
            report.chunks_removed = len(to_delete)
        if fresh or to_delete or kept or not self.fingerprint or self.meta.get("chunks") != self.count():
            self._stamp()  # the last test catches a run interrupted between its writes and its stamp
        self.refresh_lexical(force=bool(fresh or to_delete or kept))
        report.seconds = time.perf_counter() - started
        return report

    @_translating
    def add_chunks(self, chunks: Sequence[Chunk], root: str = "", file_hash: str = "",
                   progress: bool = False) -> None:
        """Add chunks that did not come from a file on disk (benchmarks, promoted precedents)."""
        self.check_embedder()
        self._embed_and_add([(c, _chunk_metadata(c, root, file_hash)) for c in chunks], progress, None)
        self._stamp()
        self.refresh_lexical(force=True)

    @staticmethod
    def _moved_roots(root: Path, known: set[str]) -> list[str]:
        """Indexed folders that no longer exist and bear this folder's name: the same corpus,
        moved or restored elsewhere (a project copied to another disk, a restored backup)."""
        return sorted(r for r in known
                      if r and r != str(root) and Path(r).name == root.name and not Path(r).exists())

    @_translating
    def relocate(self, old_root: str, new_root: str) -> int:
        """Point the passages indexed from old_root at new_root (see relocate_root)."""
        return relocate_root(self._collection, old_root, new_root)

    def _embed_and_add(self, items: list[tuple[Chunk, dict[str, Any]]], progress: bool,
                       on_progress: Callable[[int, int], None] | None, batch: int = 16) -> None:
        batch = max(batch, getattr(self.embedder, "batch_size", batch))
        if not items:
            return
        bar = None
        if progress:
            from tqdm import tqdm

            bar = tqdm(total=len(items), unit="passage", desc="Embedden", file=sys.stderr,
                       dynamic_ncols=True)
        seen: set[str] = set()
        n_files = len({c.source for c, _ in items})
        for start in range(0, len(items), batch):
            part = items[start:start + batch]
            vectors = self.embedder.embed_documents([c.index_text for c, _ in part])
            self._collection.upsert(
                ids=[c.chunk_id for c, _ in part],
                embeddings=vectors,
                documents=[c.text for c, _ in part],
                metadatas=[m for _, m in part],
            )
            if bar is not None:
                seen.update(c.source for c, _ in part)
                bar.set_postfix_str(f"bestand {len(seen)}/{n_files}: {part[-1][0].source[-40:]}", refresh=False)
                bar.update(len(part))
            if on_progress:
                on_progress(min(start + batch, len(items)), len(items))
        if bar is not None:
            bar.close()

    def _stamp(self) -> None:
        ids = sorted(self._records(include=())["ids"])
        digest = hashlib.sha256()
        digest.update(f"{self.embedder.identity}|splitter-{SPLITTER_VERSION}|".encode())
        for i in ids:
            digest.update(i.encode())
        meta = {k: v for k, v in self.meta.items() if not k.startswith("hnsw:")}
        meta.update({
            "embedder": self.embedder.identity,
            "splitter": SPLITTER_VERSION,
            "privacy": CORPUS_PRIVACY_VERSION,
            "fingerprint": digest.hexdigest()[:16],
            "chunks": len(ids),
            "built_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        })
        self._collection.modify(metadata=meta)

    @_translating
    def refresh_lexical(self, force: bool = False) -> LexicalIndex:
        """The lexical index is derived from Chroma; it is rebuilt when Chroma's fingerprint
        changed (another process may have re-indexed)."""
        with self._lock:
            stamp = f"{self.fingerprint}:{self.lexicon.digest}"
            if not force:
                if self._lexical is not None and self._lexical.stamp == stamp:
                    return self._lexical
                try:
                    loaded = LexicalIndex.load(self.lexical_dir, self.lexicon)
                except (OSError, ValueError, KeyError):
                    loaded = None  # another process is swapping it in: rebuild from Chroma
                if loaded is not None and loaded.stamp == stamp:
                    self._lexical = loaded
                    return loaded
            lexical = LexicalIndex.build(self.all_chunks(), stamp, self.lexicon, self._centroid())
            lexical.save(self.lexical_dir)
            self._lexical = lexical
            return lexical

    # ---- searching ---------------------------------------------------------------------------

    @_translating
    def search(self, query: str, k: int = 5, peildatum: dt.date | None = None,
               source_types: Sequence[str] | None = None, domains: Sequence[str] | None = None,
               mode: str = "hybrid", depth: int = 30, per_doc: int | None = 1,
               besluit_share: float | None = BESLUIT_SHARE) -> list[Hit]:
        """Top k passages. per_doc caps the places one document (a file: an article of a wet,
        a whole beleidsregel) may take, each for a different unit (article, section: see
        unit_key), so that five leden of one article do not push out the other rules that
        apply (measured: one place per document scores best on the gold set); None lifts the
        cap. besluit_share caps the share of earlier besluiten
        in a mixed result: they quote the rule they apply at length and would otherwise bury
        the rule itself (not applied when the caller asks for besluiten only)."""
        if mode not in MODES:
            raise ValueError(f"unknown mode {mode}")
        unknown = [t for t in (source_types or []) if t not in SOURCE_TYPES]
        if unknown:
            raise IndexError_(f"onbekend type: {', '.join(unknown)} (kies uit: {', '.join(SOURCE_TYPES)})")
        self.check_embedder()
        filters = Filters(peildatum, source_types, domains)
        depth = max(depth, 4 * k)
        dense: list[tuple[str, float]] = []
        lexical: list[tuple[str, float]] = []
        doc_of: dict[str, tuple[str, str]] = {}
        if mode in ("hybrid", "dense") and self.count():
            dense, doc_of = self._dense(query, filters, depth)
        if mode in ("hybrid", "lexical"):
            lexical = self.refresh_lexical().search(query, filters, depth)
        fused = rrf_fuse(dense, lexical, mode, self.dense_weight, self.lexical_weight)
        doc_of.update(self._lexical_docs(lexical))
        if besluit_share is not None and self.besluit_weight != 1.0 and not PRECEDENT_INTENT.search(query):
            fused = demote_besluiten(fused, doc_of, self.besluit_weight)
        # Collapse per unit (and cap per document) before fetching, so only the k passages
        # shown are read back.
        mixed = besluit_share is not None and list(source_types or []) != ["besluit"]
        chosen = collapse(fused, doc_of, k, per_doc, max(1, int(k * besluit_share)) if mixed else k)
        chunks = self.get_chunks([cid for cid, *_ in chosen])
        return [Hit(rank, score, chunks[cid], d_rank, l_rank)
                for rank, (cid, score, d_rank, l_rank) in enumerate(
                    [c for c in chosen if c[0] in chunks], start=1)]

    def _dense(self, query: str, filters: Filters, depth: int) -> tuple[list[tuple[str, float]], dict[str, tuple[str, str]]]:
        # The lexicon bridges lay words and the words of the law for the dense model too: the
        # query is embedded with its expansions appended (measured: dense Recall@5 0.70 -> 0.83).
        expansions = self.lexicon.expansions(query)
        if expansions:
            query = f"{query} ({', '.join(expansions[:DENSE_EXPANSIONS])})"
        vector = self.embedder.embed_query(query)
        centroid = self.refresh_lexical().centroid
        total = self.count()
        want = 2 * depth if centroid is not None else depth
        include = ["distances", "metadatas"]
        # Chroma's metadata filter makes a query ~10x slower (88 ms vs 9 ms at 10k passages):
        # fetch more without it and filter here; only when too few survive (a filter that
        # excludes most of the index) ask Chroma to filter. Either way the filter holds.
        where = filters.chroma_where()
        res = self._collection.query(query_embeddings=[vector], n_results=min(OVERFETCH * want, total),
                                     include=include)
        keep = [i for i, m in enumerate(res["metadatas"][0]) if filters.accepts(m)]
        if where is not None and len(keep) < want and OVERFETCH * want < total:
            res = self._collection.query(query_embeddings=[vector], n_results=min(want, total), where=where,
                                         include=include)
            keep = list(range(len(res["ids"][0])))
        keep = keep[:want]
        ids = [res["ids"][0][i] for i in keep]
        metas = [res["metadatas"][0][i] for i in keep]
        scores = 1.0 - np.asarray([res["distances"][0][i] for i in keep], dtype=np.float64)
        if centroid is not None and ids:
            # Vectors only for the candidates kept: fetching them with the over-fetched query
            # costs more than this second, small read.
            got = self._collection.get(ids=ids, include=["embeddings"])
            by_id = dict(zip(got["ids"], got["embeddings"]))
            vectors = np.asarray([by_id[i] for i in ids], dtype=np.float32)
            scores = scores - HUB_PENALTY * (vectors @ centroid)
        order = np.argsort(-scores, kind="stable")[:depth]
        docs = {cid: (unit_key(m["doc_id"], m["source_type"], m.get("article"), m.get("heading")), m["source_type"])
                for cid, m in zip(ids, metas)}
        return [(ids[i], float(scores[i])) for i in order], docs

    def _lexical_docs(self, lexical: list[tuple[str, float]]) -> dict[str, tuple[str, str]]:
        lex = self._lexical
        if lex is None or not lexical:
            return {}
        return {cid: lex.doc_of[cid] for cid, _ in lexical if cid in lex.doc_of}  # (unit, type)
