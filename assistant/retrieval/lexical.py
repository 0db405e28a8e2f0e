"""The lexical side of the index: BM25 (bm25s) over Dutch index terms, with the lexicon's
expansions, stored beside Chroma and rebuilt from it. The only module that imports bm25s."""

from __future__ import annotations

import json
import logging
import os
import shutil
import threading
from pathlib import Path

import numpy as np

from assistant.retrieval.analysis import Analyzer, Lexicon
from assistant.corpus.documents import Chunk
from assistant.retrieval.store import Filters, IndexError_, date_int, unit_key
from assistant.retrieval.fusion import EXPANSION_WEIGHT, FAR_FUTURE, LEXICAL_FORMAT

log = logging.getLogger(__name__)


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
