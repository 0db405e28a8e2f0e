"""The sample corpus of Lindewaarde: it all loads, and the versioned beleidsregel answers by
peildatum (the real model's figures for the demo questions are in evals/RESULTS.md)."""

from __future__ import annotations

import datetime as dt

from conftest import REPO

CORPUS = REPO / "corpus"


def test_sample_corpus_indexes_with_zero_errors(make_index):
    index = make_index()
    report = index.index_paths([CORPUS], progress=False)
    assert report.errors == []
    assert report.files_indexed == report.files_seen >= 40
    types = {c.source_type for c in index.all_chunks()}
    assert {"verordening", "beleidsregel", "richtsnoer", "werkinstructie", "besluit"} <= types
    besluiten = {c.source for c in index.all_chunks() if c.source_type == "besluit"}
    assert len(besluiten) >= 24
    pdf_pages = {c.page for c in index.all_chunks() if c.source.endswith(".pdf")}
    assert len(pdf_pages) > 1, "PDF passages keep their page numbers"


def test_wasmachine_maximum_follows_the_peildatum(make_index):
    index = make_index()
    index.index_paths([CORPUS / "beleidsregels"], progress=False)
    for day, source, amount in ((dt.date(2025, 6, 1), "beleidsregels-bijzondere-bijstand-lindewaarde@2025-01-01.md", "450"),
                                (dt.date(2026, 3, 1), "beleidsregels-bijzondere-bijstand-lindewaarde.md", "525")):
        hits = index.search("maximumbedrag wasmachine bijzondere bijstand", k=10, peildatum=day, per_doc=None)
        assert {h.chunk.source for h in hits if "bijzondere-bijstand" in h.chunk.source} == {source}
        art4 = [h.chunk for h in hits if h.chunk.citation.startswith("artikel 4, eerste lid, Beleidsregels bijzondere bijstand")]
        assert art4 and f"wasmachine: € {amount}" in art4[0].text
