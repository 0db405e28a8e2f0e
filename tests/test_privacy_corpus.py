"""Uploaded corpus documents are pseudonymised before indexing (issue 18): a besluit with a BSN,
IBAN, phone number, e-mail address, name and address keeps none of them in Chroma, in the
lexical index files on disk, or in the passages a (fake) LLM receives; law texts keep their
names, articles, amounts and citations but still lose a BSN. Real Chroma, real SQLite."""

from __future__ import annotations

import datetime as dt
import textwrap
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner

from assistant.answering.pipeline import Assistant
from assistant.cases import CaseLog
from assistant.retrieval.embeddings import HashingEmbeddings
from assistant.answering.generation import make_generator
from assistant.retrieval.index import Index
from assistant.curation import Registry

# Synthetic values: the BSN passes the elfproef, the IBAN mod-97.
SIX = {
    "BSN": "253-082-043",
    "IBAN": "NL68 ABNA 6024 6788 42",
    "TELEFOON": "+32 470 12 34 56",
    "EMAIL": "m.bakker at gmail punt com",
    "NAAM": "Marieke Bakker-Huisman",
    "ADRES": "Achter de Kerk 3",
}
# The same values as a search for them in raw bytes sees them (no separators either).
PROBES = sorted({*SIX.values(), "253082043", "NL68ABNA6024678842", "Bakker-Huisman", "Achter de Kerk"})

BESLUIT = f"""
---
title: "Maatwerkbesluit MB-2025-077: wasmachine bij incontinentie"
citation: "Maatwerkbesluit MB-2025-077"
source_type: besluit
id: MB-2025-077
datum: '2025-09-01'
domein: participatiewet
omstandigheden:
  - "aanvraag van mevrouw {SIX['NAAM']}, bereikbaar op {SIX['TELEFOON']}"
---
# Maatwerkbesluit MB-2025-077

## Feiten
Belanghebbende, mevrouw {SIX['NAAM']}, wonende te Lindewaarde, adres {SIX['ADRES']}, 4302 AB Lindewaarde,
burgerservicenummer {SIX['BSN']}, vraagt bijzondere bijstand voor een wasmachine met hygiëneprogramma.
Zij is bereikbaar op {SIX['TELEFOON']} en via {SIX['EMAIL']}.

## Besluit
Het college verleent op grond van artikel 4:84 Awb bijzondere bijstand van € 575,00 voor een
wasmachine, boven het maximum van artikel 4, eerste lid, Beleidsregels bijzondere bijstand
Lindewaarde (zie ook ECLI:NL:CRVB:2021:1234). Het bedrag wordt overgemaakt op {SIX['IBAN']}.
"""

LAW = """
---
title: "Participatiewet, artikel 35"
citation: "artikel 35 Participatiewet"
source_type: wet
valid_from: '2025-01-01'
---
# Participatiewet, artikel 35

**1** Onverminderd paragraaf 2.2 heeft de alleenstaande of het gezin recht op bijzondere bijstand.
De minister, W. Koolmees, stelt de norm vast op € 1.419,46. Voorbeeld in de toelichting: BSN 190 477 404.
"""


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return path


def leaks(text: str) -> list[str]:
    return [v for v in PROBES if v in text]


def chroma_text(index: Index) -> str:
    got = index._collection.get(include=["documents", "metadatas"])
    return "\n".join(got["documents"]) + "\n" + "\n".join(str(m) for m in got["metadatas"])


def lexical_files_text(index: Index) -> str:
    files = [p for p in index.lexical_dir.rglob("*") if p.is_file()]
    assert files, "the lexical index was written to disk"
    return "".join(p.read_bytes().decode("utf-8", "ignore") for p in files)


def test_besluit_values_reach_neither_chroma_nor_bm25_files_nor_the_llm(small_corpus, make_index):
    write(small_corpus / "besluiten/MB-2025-077.md", BESLUIT)
    index = make_index()
    report = index.index_paths([small_corpus], progress=False)
    assert report.ok

    # What was replaced, per kind, as the jurist is shown it.
    counts = report.replaced["besluiten/MB-2025-077.md"]
    for kind in ("BSN", "IBAN", "TELEFOON", "EMAIL", "NAAM", "ADRES"):
        assert counts.get(kind, 0) >= 1, (kind, counts)

    stored = chroma_text(index)
    assert "wasmachine met hygiëneprogramma" in stored  # the besluit is indexed
    assert leaks(stored) == []
    assert leaks(lexical_files_text(index)) == []
    # Legal text stays intact: articles, amounts, citations, the besluit's own number.
    for kept in ("artikel 4:84 Awb", "€ 575,00", "artikel 4, eerste lid", "ECLI:NL:CRVB:2021:1234",
                 "MB-2025-077", "[BSN]", "[IBAN]"):
        assert kept in stored, kept

    generator = make_generator("fake")
    generator.chat_model.enqueue("Ja, zie het eerdere besluit [1].")
    Assistant(index, generator).ask("Eerder besluit over bijzondere bijstand voor een wasmachine bij incontinentie?",
                                    peildatum="2026-08-01")
    sent = "\n".join(str(m.content) for call in generator.chat_model.history for m in call)
    assert "wasmachine" in sent and "MB-2025-077" in sent, "the besluit's passage reached the LLM"
    assert leaks(sent) == []


def test_law_text_keeps_names_and_amounts_but_loses_a_bsn(small_corpus, make_index):
    write(small_corpus / "pw/art-35.md", LAW)
    index = make_index()
    report = index.index_paths([small_corpus], progress=False)
    assert report.replaced == {"pw/art-35.md": {"BSN": 1}}
    stored = chroma_text(index)
    assert "190 477 404" not in stored and "[BSN]" in stored
    assert "W. Koolmees" in stored and "€ 1.419,46" in stored and "paragraaf 2.2" in stored


def test_an_index_built_before_pseudonymisation_is_scrubbed_on_the_next_run(small_corpus, make_index, monkeypatch):
    import assistant.retrieval.index as index_module

    write(small_corpus / "besluiten/MB-2025-077.md", BESLUIT)
    index = make_index()
    real = index_module.scrub_document
    monkeypatch.setattr(index_module, "scrub_document", lambda doc, ps: (doc, Counter()))
    index.index_paths([small_corpus], progress=False)
    index._collection.modify(metadata={k: v for k, v in index.meta.items()
                                       if k != "privacy" and not k.startswith("hnsw:")})
    assert leaks(chroma_text(index)), "the old index holds the raw besluit (so the check below can fail)"

    monkeypatch.setattr(index_module, "scrub_document", real)
    report = index.index_paths([small_corpus], progress=False)  # nothing changed on disk
    assert "besluiten/MB-2025-077.md" in report.replaced
    assert leaks(chroma_text(index)) == [] and leaks(lexical_files_text(index)) == []


@pytest.fixture
def registry(tmp_path: Path):
    log = CaseLog.from_url(f"sqlite:///{(tmp_path / 'maatwerk.db').as_posix()}")
    log.add_user("jules", "jurist")
    index = Index.open(tmp_path / "data", HashingEmbeddings())
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    yield Registry(log, index, corpus, today=lambda: dt.date(2026, 3, 1)), index, tmp_path
    log.close()


def test_corpus_add_reports_what_was_replaced(registry):
    reg, index, tmp_path = registry
    upload = write(tmp_path / "inbox/MB-2025-077.md", BESLUIT)
    result = reg.add(upload, "jules")
    counts = result.replaced_in(result.document)
    assert {k for k, v in counts.items() if v} >= {"BSN", "IBAN", "TELEFOON", "EMAIL", "NAAM", "ADRES"}
    assert leaks(chroma_text(index)) == []
    # The jurist's original file stays as uploaded in the corpus folder.
    assert SIX["BSN"] in (reg.corpus_dir / result.document.path).read_text(encoding="utf-8")


def test_cli_corpus_add_prints_the_count_per_kind(tmp_path, monkeypatch):
    from assistant.cli.main import main

    monkeypatch.setenv("MAATWERK_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("MAATWERK_CORPUS_DIR", str(tmp_path / "corpus"))
    monkeypatch.setenv("MAATWERK_EMBEDDER", "hashing")
    (tmp_path / "corpus").mkdir()
    runner = CliRunner()
    # Acting on the corpus takes an authenticated jurist (issue 18): the first beheerder adds one.
    assert runner.invoke(main, ["users", "init", "beheer", "--password-stdin"],
                         input="beheer-wachtwoord\n").exit_code == 0
    assert runner.invoke(main, ["users", "add", "jules", "--role", "jurist", "--as", "beheer", "--password-stdin"],
                         input="beheer-wachtwoord\njules-wachtwoord\n").exit_code == 0
    upload = write(tmp_path / "inbox/MB-2025-077.md", BESLUIT)
    out = runner.invoke(main, ["corpus", "add", str(upload), "--as", "jules", "--password-stdin"],
                        input="jules-wachtwoord\n")
    assert out.exit_code == 0, out.output
    line = next(l for l in out.output.splitlines() if "Persoonsgegevens vervangen" in l)
    for kind in ("BSN", "IBAN", "TELEFOON", "EMAIL", "NAAM", "ADRES"):
        assert f" {kind}" in line, line
    assert leaks(out.output) == []


def test_llm_gets_scrubbed_passages_even_from_an_index_built_without(small_corpus, make_index, monkeypatch):
    """An index from before corpus pseudonymisation (until its next run): the prompt is scrubbed."""
    import assistant.retrieval.index as index_module

    write(small_corpus / "besluiten/MB-2025-077.md", BESLUIT)
    monkeypatch.setattr(index_module, "scrub_document", lambda doc, ps: (doc, Counter()))
    index = make_index()
    index.index_paths([small_corpus], progress=False)
    assert leaks(chroma_text(index)), "the index holds the raw besluit (so the check below can fail)"

    generator = make_generator("fake")
    generator.chat_model.enqueue("Ja, zie het eerdere besluit [1].")
    Assistant(index, generator).ask("Eerder besluit over bijzondere bijstand voor een wasmachine bij incontinentie?",
                                    peildatum="2026-08-01")
    sent = "\n".join(str(m.content) for call in generator.chat_model.history for m in call)
    assert "wasmachine" in sent and "[IBAN]" in sent
    assert leaks(sent) == []
