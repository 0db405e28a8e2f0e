"""Hostile corpus files: zip bombs as DOCX, YAML alias bombs in front matter and sidecars, and a
file that blows up its parser. Each is refused with a Dutch reason, small in memory, and the
index run goes on with the other files. The files are built on the fly (evals/hostile.py)."""

from __future__ import annotations

import tracemalloc

import pytest

from assistant.corpus import documents
from assistant.corpus.documents import LoadError, load_document, load_yaml
from conftest import write
from evals.hostile import docx_bomb, docx_many_parts, pdf_bomb, plain_docx, yaml_bomb


def _load_traced(path, root):
    tracemalloc.start()
    try:
        with pytest.raises(LoadError) as info:
            load_document(path, root, max_bytes=25_000_000)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return info.value, peak


def test_docx_inflating_to_1_5_gb_is_refused_before_parsing(tmp_path):
    p = tmp_path / "bom.docx"
    p.write_bytes(docx_bomb(1_500_000_000))
    assert p.stat().st_size < 2_000_000  # small on disk
    err, peak = _load_traced(p, tmp_path)
    assert "zip-bom" in err.reason and "1499 MB" in err.reason
    assert peak < 30_000_000, f"{peak / 1e6:.0f} MB used to refuse a bomb"


def test_docx_with_a_highly_compressed_part_is_refused(tmp_path):
    p = tmp_path / "ratio.docx"
    p.write_bytes(docx_bomb(20_000_000))  # under the total limit, but 1000x compressed
    err, _ = _load_traced(p, tmp_path)
    assert "keer samengeperst" in err.reason and "word/document.xml" in err.reason


def test_docx_with_thousands_of_parts_is_refused(tmp_path):
    p = tmp_path / "veel.docx"
    p.write_bytes(docx_many_parts(5000))
    err, _ = _load_traced(p, tmp_path)
    assert "te veel onderdelen" in err.reason


def test_pdf_with_a_stream_inflating_to_1_5_gb_is_refused(tmp_path):
    p = tmp_path / "bom.pdf"
    p.write_bytes(pdf_bomb(1_500_000_000))
    err, _ = _load_traced(p, tmp_path)
    assert "zip-bom" in err.reason
    small = tmp_path / "klein.pdf"  # the same construction, small: read as usual
    small.write_bytes(pdf_bomb(2_000_000))
    assert [b.text for b in load_document(small, tmp_path).blocks] == ["Een regel over de bijstand."]


def test_an_ordinary_docx_still_loads(tmp_path):
    p = tmp_path / "gewoon.docx"
    p.write_bytes(plain_docx("Gewone tekst over de bijstand."))
    doc = load_document(p, tmp_path)
    assert [b.text for b in doc.blocks] == ["Gewone tekst over de bijstand."]


def test_yaml_without_aliases_loads_and_aliases_are_refused():
    assert load_yaml("title: X\nvalid_from: 2026-01-01\n")["title"] == "X"
    with pytest.raises(Exception) as info:
        load_yaml("a: &x [1, 2]\nb: *x\n")
    assert "niet toegestaan" in str(info.value)


def test_yaml_bomb_in_front_matter_is_refused(tmp_path):
    p = tmp_path / "bom.md"
    p.write_text("---\ntitle: Bom\n" + yaml_bomb(9, 9) + "---\nArtikel 1. Tekst.\n", encoding="utf-8")
    err, peak = _load_traced(p, tmp_path)
    assert "front matter" in err.reason and "niet toegestaan" in err.reason
    assert peak < 5_000_000


def test_yaml_bomb_in_sidecar_is_refused(tmp_path):
    p = write(tmp_path / "regel.md", "Artikel 1. Tekst over de bijstand.\n")
    (tmp_path / "regel.md.meta.yaml").write_text(yaml_bomb(9, 9), encoding="utf-8")
    err, _ = _load_traced(p, tmp_path)
    assert "regel.md.meta.yaml" in err.reason and "niet toegestaan" in err.reason


def test_index_run_reports_hostile_files_and_indexes_the_rest(small_corpus, make_index):
    (small_corpus / "bom.docx").write_bytes(docx_bomb(1_500_000_000))
    (small_corpus / "veel.docx").write_bytes(docx_many_parts(5000))
    (small_corpus / "lol.md").write_text("---\n" + yaml_bomb() + "---\nArtikel 1. Tekst.\n", encoding="utf-8")
    write(small_corpus / "zij.md", "Artikel 1. Tekst over huishoudelijke hulp.\n")
    (small_corpus / "zij.md.meta.yaml").write_text(yaml_bomb(), encoding="utf-8")
    (small_corpus / "gewoon.docx").write_bytes(plain_docx("Een gewone regel over de bijstand."))
    index = make_index()
    report = index.index_paths([small_corpus], progress=False)
    assert sorted(e.path for e in report.errors) == ["bom.docx", "lol.md", "veel.docx", "zij.md"]
    assert report.files_indexed == 6  # the five sample files and gewoon.docx
    assert "gewoon.docx" in {c.source for c in index.all_chunks()}


@pytest.mark.parametrize("exc", [MemoryError(), RecursionError("maximum recursion depth exceeded"),
                                 AttributeError("'NoneType' object has no attribute 'text'")])
def test_a_parser_blowing_up_on_one_file_does_not_end_the_run(small_corpus, make_index, monkeypatch, exc):
    real = documents.load_document

    def flaky(path, *args, **kwargs):
        if path.name == "art-21.md":
            raise exc
        return real(path, *args, **kwargs)

    monkeypatch.setattr("assistant.retrieval.index.load_document", flaky)
    index = make_index()
    report = index.index_paths([small_corpus], progress=False)
    assert [e.path for e in report.errors] == ["pw/art-21.md"]
    assert "overgeslagen" in report.errors[0].reason
    assert report.files_indexed == 4
