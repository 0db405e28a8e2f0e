"""The composition root: the one place that builds the product's long-lived objects from Settings.

Every front end holds one ``App``: the command line puts it in click's context, the Streamlit app
caches one per configuration, the evals and benchmarks receive one. Each object is built on first
use, so `maatwerk search` never loads the case log and `maatwerk cases list` never loads the
embedding model; objects that should share state share it here (one pseudonymiser, whose name lists
take a moment to load, serves the index, the assistant and the case log)."""

from __future__ import annotations

import threading
from functools import cached_property
from typing import TYPE_CHECKING

from assistant.config import Settings

if TYPE_CHECKING:  # pragma: no cover
    from assistant.answering.generation import Generator
    from assistant.answering.pipeline import Assistant
    from assistant.cases import CaseLog
    from assistant.curation import Registry
    from assistant.ops import Installation
    from assistant.privacy import Pseudonymiser
    from assistant.retrieval.index import Index


class App:
    """Lazily built: index, pseudonymiser, generator, assistant, case log, registry, installation."""

    def __init__(self, settings: Settings):
        self.settings = settings
        # cached_property is not atomic: the app serves several sessions from one App.
        self._lock = threading.RLock()

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> "App":
        return cls(settings if settings is not None else Settings())

    # ---- limits derived from the settings -------------------------------------------------------

    @property
    def max_upload_bytes(self) -> int:
        return self.settings.max_upload_mb * 1_000_000

    # ---- the objects ----------------------------------------------------------------------------

    @cached_property
    def pseudonymiser(self) -> "Pseudonymiser":
        from assistant.privacy import Pseudonymiser

        with self._lock:
            return Pseudonymiser()

    @cached_property
    def index(self) -> "Index":
        from assistant.retrieval.index import Index
        from assistant.retrieval.lexical import load_lexicon
        from assistant.retrieval.embeddings import make_embedder

        s = self.settings
        with self._lock:
            embedder = make_embedder(s.embedder, s.embedder_model, s.threads)
            index = Index.open(s.data_dir, embedder, chroma_url=s.chroma_url, collection=s.collection,
                               max_chunk_chars=s.max_chunk_chars, dense_weight=s.dense_weight,
                               lexical_weight=s.lexical_weight, lexicon=load_lexicon(s.lexicon))
            index.use_pseudonymiser(self.pseudonymiser)
            return index

    @cached_property
    def generator(self) -> "Generator":
        from assistant.answering.generation import make_generator

        s = self.settings
        return make_generator(s.llm, s.llm_model, s.llm_base_url, s.llm_api_key, s.llm_timeout, s.llm_max_tokens)

    @cached_property
    def assistant(self) -> "Assistant":
        from assistant.answering.pipeline import Assistant

        with self._lock:
            return Assistant(self.index, self.generator, self.pseudonymiser, gemeente=self.settings.gemeente)

    @cached_property
    def caselog(self) -> "CaseLog":
        """The case log (migrated to the current schema), with the audit key of this installation.
        The data dir is made private (0700) first: it holds the database and the audit key."""
        from assistant.cases import CaseLog
        from assistant.integrity import AuditKey, private_dir

        s = self.settings
        with self._lock:
            if not s.database_url:
                private_dir(s.data_dir)
            return CaseLog.from_url(s.sqlalchemy_url, pseudonymiser=self.pseudonymiser,
                                    audit_key=AuditKey.from_settings(s))

    @cached_property
    def registry(self) -> "Registry":
        """The corpus registry over this app's case log and index. The managed corpus is prepared
        first (copied from the sample corpus on a first start; the sample is only read)."""
        from assistant.corpus.workspace import prepare
        from assistant.curation import Registry

        s = self.settings
        with self._lock:
            prepare(s)
            return Registry(self.caselog, self.index, s.corpus_dir, precedents_dir=s.precedents_dir,
                            max_bytes=self.max_upload_bytes, max_chunk_chars=s.max_chunk_chars)

    @cached_property
    def installation(self) -> "Installation":
        from assistant.ops import Installation

        return Installation.from_settings(self.settings)

    # ---- lifecycle ------------------------------------------------------------------------------

    def built(self, name: str) -> bool:
        """Whether an object was built already (without building it)."""
        return name in self.__dict__

    def close(self) -> None:
        """Release the database connections (the only objects that hold any)."""
        if self.built("caselog"):
            self.__dict__.pop("caselog").close()
        self.__dict__.pop("registry", None)
