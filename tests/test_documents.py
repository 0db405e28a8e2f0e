"""Loaders and the legal-structure splitter."""

from __future__ import annotations

import datetime as dt

import pytest

from assistant.corpus.documents import LoadError, find_files, load_document
from assistant.corpus.splitting import base_citation, ordinal, split_document
from conftest import NATIONAL, write


def chunks_of(path, root, **kw):
    return split_document(load_document(path, root), **kw)


def test_single_article_file_split_per_lid_when_long(tmp_path):
    body = "\n\n".join(f"**{i}** " + f"Lid {i} regelt iets over de bijstand en de terugvordering. " * 12 for i in range(1, 9))
    p = tmp_path / "art-58.md"
    p.write_text("---\ntitle: Participatiewet, artikel 58\ncitation: artikel 58 Participatiewet\n"
                 "source_type: wet\nvalid_from: '2026-07-01'\n---\n" + body + "\n", encoding="utf-8")
    chunks = chunks_of(p, tmp_path, max_chars=1500)
    citations = [c.citation for c in chunks]
    assert citations[0] == "artikel 58, eerste lid, Participatiewet"
    assert "artikel 58, achtste lid, Participatiewet" in citations
    assert all(c.article == "58" for c in chunks)
    assert all(c.text.rstrip().endswith(".") for c in chunks), "never cut mid-sentence"


def test_short_article_is_one_chunk_with_article_citation(small_corpus):
    chunks = chunks_of(small_corpus / "pw/art-58.md", small_corpus)
    assert [c.citation for c in chunks] == ["artikel 58 Participatiewet"]
    assert chunks[0].source == "pw/art-58.md"
    assert chunks[0].valid_from == "2026-07-01" and chunks[0].valid_to is None


def test_multi_article_document_cites_each_article(small_corpus):
    chunks = chunks_of(small_corpus / "lokaal/beleidsregels-bb.md", small_corpus)
    assert [c.citation for c in chunks] == [
        "artikel 1 Beleidsregels bijzondere bijstand Testdorp",
        "artikel 4 Beleidsregels bijzondere bijstand Testdorp",
        "artikel 6 Beleidsregels bijzondere bijstand Testdorp",
    ]
    art4 = chunks[1]
    assert art4.heading == "Artikel 4. Maximumbedragen"
    assert "1. Voor een wasmachine" in art4.text and "2. Voor een koelkast" in art4.text, "leden stay together"
    assert art4.domain == "participatiewet" and art4.source_type == "beleidsregel"


@pytest.mark.parametrize("heading,num", [
    ("Artikel 4:84", "4:84"), ("Artikel 2.3.5", "2.3.5"), ("Artikel 3. Terugvordering", "3"),
    ("Artikel 58", "58"), ("Artikel 10a - Giften", "10a"),
])
def test_article_heading_forms(tmp_path, heading, num):
    p = write(tmp_path / "r.md", f"""
        ---
        citation: "Regeling X"
        source_type: verordening
        ---
        ## {heading}

        Tekst van het artikel.
        """)
    (chunk,) = chunks_of(p, tmp_path)
    assert chunk.article == num
    assert chunk.citation == f"artikel {num} Regeling X"


def test_citation_with_article_range_is_reduced_to_the_citeertitel():
    assert base_citation("Beleidsregel terugvordering Rotterdam 2017 (CVDR432303), artikelen 1-11") == (
        "Beleidsregel terugvordering Rotterdam 2017 (CVDR432303)", None)
    assert base_citation("artikel 4:84 Awb") == ("Awb", "4:84")
    assert ordinal("8*") == "achtste" and ordinal("2") == "tweede"


def test_sidecar_metadata_and_plain_text(tmp_path):
    p = write(tmp_path / "instructie.txt", "Verwijs warm door naar het UWV.\n")
    write(tmp_path / "instructie.txt.meta.yaml", """
        title: Werkinstructie
        source_type: werkinstructie
        valid_from: 2025-03-01
        """)
    (chunk,) = chunks_of(p, tmp_path)
    assert chunk.source_type == "werkinstructie" and chunk.valid_from == "2025-03-01"
    assert find_files(tmp_path) == [p], "sidecars are not documents themselves"


def test_pdf_keeps_page_numbers(tmp_path):
    fpdf = pytest.importorskip("fpdf")
    pdf = fpdf.FPDF()
    pdf.set_font("helvetica", size=11)
    for n, text in ((1, "Eerste pagina over bijstand."), (2, "Tweede pagina over terugvordering.")):
        pdf.add_page()
        pdf.cell(0, 10, f"Artikel {n}. Onderwerp {n}", new_x="LMARGIN", new_y="NEXT")
        pdf.multi_cell(0, 8, text)
    path = tmp_path / "regeling.pdf"
    pdf.output(str(path))
    write(tmp_path / "regeling.pdf.meta.yaml", "citation: Regeling Y\nsource_type: verordening\n")
    chunks = chunks_of(path, tmp_path)
    assert [(c.citation, c.page) for c in chunks] == [("artikel 1 Regeling Y", 1), ("artikel 2 Regeling Y", 2)]


def test_docx_and_html(tmp_path):
    docx = pytest.importorskip("docx")
    d = docx.Document()
    d.add_heading("Artikel 7. Hardheidsclausule", level=2)
    d.add_paragraph("Het college kan afwijken in bijzondere gevallen.")
    d.save(tmp_path / "v.docx")
    write(tmp_path / "v.docx.meta.yaml", "citation: Verordening Z\nsource_type: verordening\n")
    (c,) = chunks_of(tmp_path / "v.docx", tmp_path)
    assert c.citation == "artikel 7 Verordening Z" and "bijzondere gevallen" in c.text

    write(tmp_path / "b.html", "<html><head><title>Beleid</title></head><body><h2>Artikel 2. Norm</h2><p>De norm is 120 minuten.</p><script>x()</script></body></html>")
    (h,) = chunks_of(tmp_path / "b.html", tmp_path)
    assert h.citation == "artikel 2 Beleid" and h.text == "De norm is 120 minuten."


@pytest.mark.parametrize("name,content,reason", [
    ("leeg.md", b"", "leeg"),
    ("kapot.pdf", b"%PDF-1.4\n garbage without objects", "PDF"),
    ("nep.pdf", b"dit is geen pdf", "geen PDF"),
    ("nep.docx", b"platte tekst", "geen DOCX"),
    ("fout.md", b"---\ntitle: [niet gesloten\n---\ntekst", "YAML"),
    ("datum.md", b"---\nvalid_from: 2025-13-45\n---\ntekst", "JJJJ-MM-DD"),
    ("type.md", b"---\nsource_type: roman\n---\ntekst", "source_type"),
    ("alleenkop.md", b"---\ntitle: x\n---\n# Kop\n", "geen tekst"),
])
def test_bad_files_get_a_clear_message(tmp_path, name, content, reason):
    p = tmp_path / name
    p.write_bytes(content)
    with pytest.raises(LoadError) as err:
        load_document(p, tmp_path)
    assert err.value.path == name and reason in err.value.reason


def test_encrypted_pdf_is_refused(tmp_path):
    from pypdf import PdfWriter

    w = PdfWriter()
    w.add_blank_page(200, 200)
    w.encrypt("geheim")
    path = tmp_path / "dicht.pdf"
    with open(path, "wb") as fh:
        w.write(fh)
    with pytest.raises(LoadError, match="versleuteld"):
        load_document(path, tmp_path)


def test_too_large_file_is_refused(tmp_path):
    p = write(tmp_path / "groot.txt", "woord " * 1000)
    with pytest.raises(LoadError, match="te groot"):
        load_document(p, tmp_path, max_bytes=100)


def test_national_layer_loads_without_errors_and_versions_do_not_overlap():
    art7 = []
    for f in find_files(NATIONAL):
        for c in chunks_of(f, NATIONAL):
            assert c.citation and c.text.strip()
            if c.source.startswith(("participatiewet/art-7.md", "participatiewet/art-7@")):
                art7.append(c)
    assert {c.source for c in art7} == {"participatiewet/art-7.md", "participatiewet/art-7@2025-02-04.md"}
    for day, expected in ((dt.date(2025, 6, 1), "participatiewet/art-7@2025-02-04.md"),
                          (dt.date(2026, 8, 1), "participatiewet/art-7.md")):
        assert {c.source for c in art7 if c.valid_on(day)} == {expected}
