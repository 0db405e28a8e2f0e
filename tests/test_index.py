"""The hybrid index on a real (embedded) Chroma in a temporary directory."""

from __future__ import annotations

import datetime as dt
import shutil

import pytest

from assistant.retrieval.embeddings import HashingEmbeddings
from assistant.retrieval.store import EmbedderMismatch, IndexError_
from conftest import write


def sources(hits):
    return [h.chunk.source for h in hits]


def test_query_sharing_words_with_an_article_retrieves_it(small_corpus, make_index):
    index = make_index()
    report = index.index_paths([small_corpus], progress=False)
    assert report.ok and report.files_indexed == 5
    for mode in ("lexical", "dense", "hybrid"):
        hits = index.search("dringende redenen afzien van terugvordering", k=3, mode=mode)
        assert hits[0].chunk.citation == "artikel 58 Participatiewet", mode
    hit = index.search("maximum wasmachine", k=1)[0]
    assert hit.chunk.citation == "artikel 4 Beleidsregels bijzondere bijstand Testdorp"
    assert hit.to_dict()["text"].startswith("1. Voor een wasmachine")


def test_lexicon_bridges_lay_words(small_corpus, make_index):
    index = make_index()
    index.index_paths([small_corpus], progress=False)
    # "terugbetalen" never occurs in the corpus; the lexicon maps it to terugvordering.
    assert index.search("moet de klant terugbetalen", k=1, mode="lexical")[0].chunk.source == "pw/art-58.md"
    # "alleenstaande" is "ongehuwde" in the words of the law.
    hits = index.search("hoeveel krijgt een alleenstaande", k=1, mode="lexical", peildatum=dt.date(2026, 8, 1))
    assert hits[0].chunk.source == "pw/art-21.md"


@pytest.mark.parametrize("day,expected,excluded", [
    (dt.date(2025, 3, 1), "pw/art-21@2025.md", "pw/art-21.md"),
    (dt.date(2026, 8, 1), "pw/art-21.md", "pw/art-21@2025.md"),
])
def test_peildatum_never_returns_a_version_not_valid_then(small_corpus, make_index, day, expected, excluded):
    index = make_index()
    index.index_paths([small_corpus], progress=False)
    for mode in ("lexical", "dense", "hybrid"):
        hits = index.search("norm per kalendermaand ongehuwde belanghebbende", k=10, peildatum=day, mode=mode)
        assert expected in sources(hits), mode
        assert excluded not in sources(hits), mode
        assert all(h.chunk.valid_on(day) for h in hits), mode


def test_valid_to_is_exclusive(small_corpus, make_index):
    index = make_index()
    index.index_paths([small_corpus], progress=False)
    hits = index.search("norm ongehuwde", k=10, peildatum=dt.date(2025, 7, 1))
    assert "pw/art-21@2025.md" not in sources(hits)


def test_type_and_domain_filters(small_corpus, make_index):
    index = make_index()
    index.index_paths([small_corpus], progress=False)
    hits = index.search("bijstand", k=10, source_types=["beleidsregel"])
    assert hits and all(h.chunk.source_type == "beleidsregel" for h in hits)
    hits = index.search("normtijd minuten", k=10, domains=["wmo"])
    assert sources(hits) == ["wmo/hh.md"]
    with pytest.raises(IndexError_, match="onbekend type"):
        index.search("x", source_types=["roman"])


def test_per_unit_cap_collapses_leden_not_articles(small_corpus, make_index):
    leden = "\n\n".join(f"{i}. Lid {i} over de wasmachine en de bijzondere bijstand. " + "Uitleg. " * 60
                         for i in range(1, 5))
    write(small_corpus / "lokaal/lang.md", "---\ncitation: Lange regeling\nsource_type: beleidsregel\n---\n"
          "## Artikel 1. Wasmachine\n\n" + leden + "\n\n## Artikel 2. Ook wasmachine\n\nDe wasmachine nogmaals.\n")
    index = make_index()
    index.index_paths([small_corpus], progress=False)
    capped = [h.chunk for h in index.search("wasmachine bijzondere bijstand", k=10, per_doc=1)]
    assert len({c.source for c in capped}) == len(capped), "one place per document"
    two = [(h.chunk.source, h.chunk.article) for h in index.search("wasmachine bijzondere bijstand", k=10, per_doc=2)]
    assert len(two) == len(set(two)), "the second place of a document goes to another article"
    assert {("lokaal/lang.md", "1"), ("lokaal/lang.md", "2")} <= set(two)
    uncapped = [h.chunk for h in index.search("wasmachine bijzondere bijstand", k=10, per_doc=None)]
    assert sum(1 for c in uncapped if (c.source, c.article) == ("lokaal/lang.md", "1")) >= 3


def test_incremental_reindex(small_corpus, make_index):
    index = make_index()
    first = index.index_paths([small_corpus], progress=False)
    total = index.count()
    again = index.index_paths([small_corpus], progress=False)
    assert again.files_unchanged == 5 and again.chunks_added == 0 and index.count() == total
    fingerprint = index.fingerprint

    # change one file, remove another, add a third
    hh = small_corpus / "wmo/hh.md"
    hh.write_text(hh.read_text(encoding="utf-8").replace("120 minuten", "150 minuten"), encoding="utf-8")
    (small_corpus / "pw/art-21@2025.md").unlink()
    write(small_corpus / "wmo/nieuw.md", "---\ncitation: Nieuw\nsource_type: richtsnoer\n---\nEen nieuw richtsnoer over mantelzorg.\n")
    report = index.index_paths([small_corpus], progress=False)
    assert (report.files_indexed, report.files_removed, report.files_unchanged) == (2, 1, 3)
    assert index.count() == total  # +1 new, -1 removed, changed file replaced 1:1
    assert index.fingerprint != fingerprint
    assert "150 minuten" in index.search("normtijd schoon huis", k=1)[0].chunk.text
    assert "pw/art-21@2025.md" not in {c.source for c in index.all_chunks()}
    assert first.chunks_added == total


def test_a_moved_corpus_folder_is_followed_not_indexed_twice(small_corpus, make_index, tmp_path):
    index = make_index()
    index.index_paths([small_corpus], progress=False)
    ids = {c.chunk_id for c in index.all_chunks()}
    moved = tmp_path / "elders" / "corpus"  # the project copied to another disk: same folder name
    moved.parent.mkdir()
    shutil.move(str(small_corpus), str(moved))
    report = index.index_paths([moved], progress=False)
    assert report.relocated == [(str(small_corpus), str(moved))]
    assert (report.files_unchanged, report.files_indexed, report.chunks_added) == (5, 0, 0)
    assert {c.chunk_id for c in index.all_chunks()} == ids
    hits = index.search("dringende redenen afzien van terugvordering", k=5)
    assert len({h.chunk.chunk_id for h in hits}) == len(hits) and len({h.chunk.source for h in hits}) == len(hits)
    # The moved folder is now the indexed one: a file removed there leaves the index.
    (moved / "pw/art-58.md").unlink()
    again = index.index_paths([moved], progress=False)
    assert again.files_removed == 1 and "pw/art-58.md" not in {c.source for c in index.all_chunks()}


def test_a_second_folder_with_the_same_name_is_its_own_corpus(small_corpus, make_index, tmp_path):
    index = make_index()
    index.index_paths([small_corpus], progress=False)
    before = index.count()
    other = tmp_path / "tweede" / "corpus"
    write(other / "wmo/eigen.md", "---\ncitation: Eigen richtsnoer\nsource_type: richtsnoer\n---\nOver mantelzorg.\n")
    report = index.index_paths([other], progress=False)
    assert report.relocated == [] and report.files_indexed == 1
    assert index.count() == before + 1  # the first folder still exists: nothing of it is taken over
    assert index.index_paths([small_corpus], progress=False).files_unchanged == 5


def test_failed_file_keeps_what_was_indexed_and_batch_continues(small_corpus, make_index):
    index = make_index()
    index.index_paths([small_corpus], progress=False)
    before = {c.chunk_id for c in index.all_chunks() if c.source == "pw/art-58.md"}
    (small_corpus / "pw/art-58.md").write_text("---\nsource_type: [kapot\n---\ntekst", encoding="utf-8")
    (small_corpus / "kapot.pdf").write_bytes(b"%PDF-1.4 rommel")
    write(small_corpus / "pw/art-59.md", "---\ncitation: artikel 59 Participatiewet\nsource_type: wet\n---\nTerugvordering van gezinsleden.\n")
    report = index.index_paths([small_corpus], progress=False)
    assert sorted(e.path for e in report.errors) == ["kapot.pdf", "pw/art-58.md"]
    assert report.files_indexed == 1  # art-59 went in despite the two failures
    after = {c.chunk_id for c in index.all_chunks() if c.source == "pw/art-58.md"}
    assert after == before


def test_index_survives_reopen_and_rebuilds_lost_lexical_index(small_corpus, make_index, tmp_path):
    index = make_index()
    index.index_paths([small_corpus], progress=False)
    expected = [h.chunk.chunk_id for h in index.search("wasmachine", k=3)]
    shutil.rmtree(index.lexical_dir)
    reopened = make_index()
    assert [h.chunk.chunk_id for h in reopened.search("wasmachine", k=3)] == expected


class OtherEmbedder(HashingEmbeddings):
    def __init__(self):
        super().__init__(dimension=256)


def test_searching_with_another_embedder_is_refused(small_corpus, make_index):
    make_index().index_paths([small_corpus], progress=False)
    other = make_index(embedder=OtherEmbedder())
    with pytest.raises(EmbedderMismatch, match="herindexeer"):
        other.search("wasmachine")
    with pytest.raises(EmbedderMismatch):
        other.index_paths([small_corpus], progress=False)
    other.reset()
    assert other.index_paths([small_corpus], progress=False).ok
    assert other.search("wasmachine", k=1)


def test_empty_index_searches_return_nothing(make_index):
    assert make_index().search("wasmachine") == []


def test_records_are_read_in_pages(small_corpus, make_index):
    index = make_index()
    index.index_paths([small_corpus], progress=False)
    paged = index._records(page=2)["ids"]
    assert sorted(paged) == sorted(index._collection.get(include=[])["ids"]) and len(set(paged)) == len(paged)


def test_dense_filter_holds_when_most_of_the_index_is_filtered_out(make_index):
    """Dense candidates are fetched unfiltered and filtered here; when too few survive, Chroma
    filters instead. Either way no passage outside the peildatum comes back."""
    from assistant.corpus.documents import Chunk

    def chunk(i, valid_to):
        return Chunk(chunk_id=f"c{i}", doc_id=f"d{i}", source=f"s{i}.md", title="Regeling", citation=f"artikel {i} X",
                     source_type="beleidsregel", domain="wmo", text=f"Huishoudelijke hulp normtijd variant {i}.",
                     valid_from="2020-01-01", valid_to=valid_to)

    index = make_index()
    index.add_chunks([chunk(i, "2021-01-01") for i in range(300)] + [chunk(900, None), chunk(901, None)])
    hits = index.search("huishoudelijke hulp normtijd", k=2, depth=4, mode="dense", peildatum=dt.date(2026, 1, 1))
    assert sorted(h.chunk.chunk_id for h in hits) == ["c900", "c901"]


def test_source_chunks_returns_one_files_passages(small_corpus, make_index):
    index = make_index()
    index.index_paths([small_corpus], progress=False)
    got = index.source_chunks("lokaal/beleidsregels-bb.md")
    assert sorted(c.article for c in got) == ["1", "4", "6"]
    assert index.source_chunks("bestaat/niet.md") == []
