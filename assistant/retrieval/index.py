"""The search index: Chroma for dense vectors (the store of record for chunks) and a BM25 index
(bm25s) over Dutch index terms derived from it, fused into one ranking, filtered by peildatum,
source type and domain. The only module that imports chromadb and bm25s.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import shutil
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

import numpy as np

from assistant.retrieval.analysis import Lexicon
from assistant.corpus.documents import SOURCE_TYPES, SPLITTER_VERSION, Chunk, Document, LoadError, file_fingerprint, find_files, load_document
from assistant.corpus.splitting import split_document
from assistant.retrieval.embeddings import NamedEmbeddings
from assistant.privacy import CORPUS_PRIVACY_VERSION, Pseudonymiser, corpus_kinds
from assistant.retrieval.store import EmbedderMismatch, Filters, IndexError_, KEEP_META, chunk_from_record, chunk_metadata, make_chroma_client, relocate_root, translating, unit_key
from assistant.retrieval.lexical import LexicalIndex
from assistant.retrieval.fusion import BESLUIT_SHARE, BESLUIT_WEIGHT, DENSE_EXPANSIONS, HUB_MIN_CHUNKS, HUB_PENALTY, MODES, OVERFETCH, PRECEDENT_INTENT, WRITE_BATCH, collapse, demote_besluiten, rrf_fuse

log = logging.getLogger(__name__)


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
    meta = {k: (v if k in KEEP_META else clean(v)) for k, v in doc.meta.items()}
    return replace(doc, blocks=blocks, meta=meta), counts


class Index:
    """Hybrid index over the corpus. Build with `Index.open(...)`; all collaborators are
    arguments so tests can use a temporary directory and the hashing embedder."""

    @translating
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
    @translating
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

    @translating
    def count(self) -> int:
        return self._collection.count()

    @translating
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

    @translating
    def all_chunks(self) -> list[Chunk]:
        got = self._records(include=("metadatas", "documents"))
        return [chunk_from_record(i, d, m) for i, d, m in zip(got["ids"], got["documents"], got["metadatas"])]

    @translating
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

    @translating
    def get_chunks(self, ids: Sequence[str]) -> dict[str, Chunk]:
        if not ids:
            return {}
        got = self._collection.get(ids=list(ids), include=["metadatas", "documents"])
        return {i: chunk_from_record(i, d, m) for i, d, m in zip(got["ids"], got["documents"], got["metadatas"])}

    # ---- building ----------------------------------------------------------------------------

    @translating
    def reset(self) -> None:
        self.client.delete_collection(self.collection_name)
        self._collection = self.client.get_or_create_collection(
            self.collection_name, metadata={"hnsw:space": "cosine"}, embedding_function=None
        )
        shutil.rmtree(self.lexical_dir, ignore_errors=True)
        self._lexical = None

    @translating
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
                to_add += [(c, chunk_metadata(c, root_key, doc.file_hash, len(chunks))) for c in chunks]
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

    @translating
    def add_chunks(self, chunks: Sequence[Chunk], root: str = "", file_hash: str = "",
                   progress: bool = False) -> None:
        """Add chunks that did not come from a file on disk (benchmarks, promoted precedents)."""
        self.check_embedder()
        self._embed_and_add([(c, chunk_metadata(c, root, file_hash)) for c in chunks], progress, None)
        self._stamp()
        self.refresh_lexical(force=True)

    @staticmethod
    def _moved_roots(root: Path, known: set[str]) -> list[str]:
        """Indexed folders that no longer exist and bear this folder's name: the same corpus,
        moved or restored elsewhere (a project copied to another disk, a restored backup)."""
        return sorted(r for r in known
                      if r and r != str(root) and Path(r).name == root.name and not Path(r).exists())

    @translating
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

    @translating
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

    @translating
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
