"""Shared fixtures: small corpora written per test, and a real Chroma index in a temporary
directory with the deterministic hashing embedder (the real model runs in test_models.py)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from assistant.retrieval.embeddings import HashingEmbeddings
from assistant.retrieval.index import Index

REPO = Path(__file__).resolve().parents[1]
# The national layer of the corpus (Awb, Participatiewet, Wmo 2015, Jeugdwet, Wgs, rulings) and, for
# the evals, two other gemeenten's rules: together the files the retrieval gold sets name.
NATIONAL = REPO / "corpus" / "landelijk"
OTHER_GEMEENTEN = REPO / "evals" / "corpus-vergelijking"


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return path


@pytest.fixture
def small_corpus(tmp_path: Path) -> Path:
    root = tmp_path / "corpus"
    write(root / "pw/art-58.md", """
        ---
        title: "Participatiewet, artikel 58"
        citation: "artikel 58 Participatiewet"
        source_type: wet
        valid_from: '2026-07-01'
        ---
        # Participatiewet, artikel 58

        **1** Het college vordert de kosten van bijstand terug voor zover de bijstand ten onrechte is ontvangen door het niet nakomen van de inlichtingenplicht.

        **8** Indien daarvoor dringende redenen aanwezig zijn kan het college besluiten geheel of gedeeltelijk van terugvordering af te zien.
        """)
    write(root / "pw/art-21.md", """
        ---
        title: "Participatiewet, artikel 21"
        citation: "artikel 21 Participatiewet"
        source_type: wet
        valid_from: '2026-07-01'
        ---
        De norm bedraagt per kalendermaand voor een ongehuwde belanghebbende € 1.419,46.
        """)
    write(root / "pw/art-21@2025.md", """
        ---
        title: "Participatiewet, artikel 21"
        citation: "artikel 21 Participatiewet"
        source_type: wet
        valid_from: '2025-02-04'
        valid_to: '2025-07-01'
        ---
        De norm bedraagt per kalendermaand voor een ongehuwde belanghebbende € 1.345,45.
        """)
    write(root / "lokaal/beleidsregels-bb.md", """
        ---
        title: "Beleidsregels bijzondere bijstand Testdorp"
        citation: "Beleidsregels bijzondere bijstand Testdorp"
        source_type: beleidsregel
        domain: participatiewet
        valid_from: '2026-01-01'
        ---
        # Beleidsregels bijzondere bijstand Testdorp

        ## Artikel 1. Begripsbepalingen

        In deze beleidsregels wordt verstaan onder wet: de Participatiewet.

        ## Artikel 4. Maximumbedragen

        1. Voor een wasmachine bedraagt de bijzondere bijstand ten hoogste € 525.

        2. Voor een koelkast bedraagt de bijzondere bijstand ten hoogste € 400.

        ## Artikel 6. Afwijken

        Het college kan afwijken van deze beleidsregels als toepassing onevenredige gevolgen heeft.
        """)
    write(root / "wmo/hh.md", """
        ---
        title: "Beleidsregels huishoudelijke ondersteuning Testdorp"
        citation: "Beleidsregels huishoudelijke ondersteuning Testdorp"
        source_type: beleidsregel
        domain: wmo
        valid_from: '2024-01-01'
        ---
        ## Artikel 2. Schoon en leefbaar huis

        De normtijd voor een schoon en leefbaar huis bedraagt 120 minuten per week.
        """)
    return root


@pytest.fixture
def make_index(tmp_path: Path):
    def factory(embedder=None, name: str = "idx", **kwargs) -> Index:
        return Index.open(tmp_path / name, embedder or HashingEmbeddings(), **kwargs)

    return factory


def indexed_sample(base: Path, rels: list[str]) -> Index:
    """An index (hashing embedder) over a part of the sample corpus: the files or folders RELS of
    corpus/, copied under BASE/corpus so a test never writes into the checkout."""
    import shutil

    corpus = base / "corpus"
    for rel in rels:
        src, dst = REPO / "corpus" / rel, corpus / rel
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copytree(src, dst) if src.is_dir() else shutil.copy(src, dst)
    idx = Index.open(base / "data", HashingEmbeddings())
    assert idx.index_paths([corpus], progress=False).ok
    return idx
