"""BWB and CVDR importers on small XML fixtures in those formats (tests/fixtures): correctly
cited and dated articles, versions that close each other, bad XML refused with nothing
imported, the fetch seam (file and HTTP, the HTTP one never touching the network), and the
`corpus` command group end to end."""

from __future__ import annotations

import datetime as dt
import io
import urllib.error
from pathlib import Path

import pytest
from click.testing import CliRunner

from assistant.cases import CaseLog
from assistant.corpus.documents import load_document
from assistant.corpus.splitting import split_document
from assistant.retrieval.embeddings import HashingEmbeddings
from assistant.curation.importers import (
    FileFetcher,
    HttpFetcher,
    ImportFormatError,
    bwb_files,
    cvdr_file,
    import_bwb,
    import_cvdr,
    parse_bwb,
    parse_cvdr,
)
from assistant.retrieval.index import Index
from assistant.curation import Registry

FIXTURES = Path(__file__).parent / "fixtures"
BWB_2025 = FIXTURES / "bwb_participatiewet_2025-07-01.xml"
BWB_2026 = FIXTURES / "bwb_participatiewet_2026-01-01.xml"
CVDR_1 = FIXTURES / "cvdr_studietoeslag_lindewaarde_1.xml"
CVDR_2 = FIXTURES / "cvdr_studietoeslag_lindewaarde_2.xml"
STUDIETOESLAG = "Verordening individuele studietoeslag Lindewaarde 2024"


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    def refuse(*a, **k):
        raise AssertionError("tests never use the network")

    monkeypatch.setattr("urllib.request.urlopen", refuse)


@pytest.fixture
def reg(tmp_path):
    log = CaseLog.from_url(f"sqlite:///{(tmp_path / 'maatwerk.db').as_posix()}")
    log.add_user("jules", "jurist")
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    registry = Registry(log, Index.open(tmp_path / "data", HashingEmbeddings()), corpus,
                        today=lambda: dt.date(2026, 3, 1))
    yield registry
    log.close()


def chunks_of(name: str, text: str, tmp_path: Path):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return split_document(load_document(path, tmp_path))


# --------------------------------------------------------------------------- parsing


def test_bwb_toestand_becomes_cited_dated_articles(tmp_path):
    reg = parse_bwb(BWB_2025.read_bytes())
    assert (reg.identifier, reg.title, reg.source_type, reg.bevoegd_gezag) == ("BWBR0015703", "Participatiewet", "wet", "Rijk")
    assert [a.nr for a in reg.articles] == ["18", "21", "58"]  # vervallen artikel 36 is left out
    assert all(a.valid_from == dt.date(2025, 7, 1) and a.valid_to is None for a in reg.articles)
    files = dict(bwb_files(reg))
    assert sorted(files) == ["art-18.md", "art-21.md", "art-58.md"]
    chunks = chunks_of("art-58.md", files["art-58.md"], tmp_path)
    assert {c.citation for c in chunks} == {"artikel 58 Participatiewet"}
    c = chunks[0]
    assert (c.source_type, c.valid_from, c.valid_to, c.domain, c.article) == ("wet", "2025-07-01", None, "participatiewet", "58")
    assert c.official_url == "https://wetten.overheid.nl/BWBR0015703/2025-07-01#Artikel58"
    assert "dringende redenen" in c.text and "**8**" in files["art-58.md"]
    # Inline references keep their text; meta-data does not leak into the article.
    assert "artikel 8, eerste lid, onderdeel a" in files["art-18.md"] and "01-01-2015" not in files["art-18.md"]
    # Lists: one onderdeel per paragraph.
    assert "a. voor een ongehuwde belanghebbende € 1.345,45;" in files["art-21.md"]


def test_bwb_articles_keep_the_divisions_above_them_and_search_finds_them_by_those(tmp_path):
    reg = parse_bwb(BWB_2025.read_bytes())
    assert {a.nr: a.structuur for a in reg.articles} == {
        "18": "Hoofdstuk 3 Algemene bijstand › Paragraaf 3.2 Normen",
        "21": "Hoofdstuk 3 Algemene bijstand › Paragraaf 3.2 Normen",
        "58": "Hoofdstuk 6 Terugvordering en verhaal",
    }
    corpus = tmp_path / "corpus"
    for name, text in bwb_files(reg):
        (corpus / name).parent.mkdir(parents=True, exist_ok=True)
        (corpus / name).write_text(text, encoding="utf-8")
    chunk = chunks_of("art-58.md", (corpus / "art-58.md").read_text(encoding="utf-8"), tmp_path)[0]
    assert chunk.extra["structuur"] == "Hoofdstuk 6 Terugvordering en verhaal"
    assert "verhaal" not in chunk.text.lower() and "Terugvordering en verhaal" in chunk.index_text
    index = Index.open(tmp_path / "data", HashingEmbeddings())
    index.index_paths([corpus], progress=False)
    # Only the chapter's title says "verhaal": the article is found through it, in both rankers.
    for mode in ("lexical", "dense"):
        assert index.search("verhaal", k=1, mode=mode)[0].chunk.article == "58", mode


def test_bwb_einddatum_is_inclusive_and_becomes_an_exclusive_valid_to():
    xml = BWB_2025.read_bytes().replace(b'einddatum="9999-12-31"', b'einddatum="2025-12-31"')
    reg = parse_bwb(xml)
    assert {a.valid_to for a in reg.articles} == {dt.date(2026, 1, 1)}
    xml = BWB_2025.read_bytes().replace(b'<artikel label="Artikel 58">',
                                        b'<artikel label="Artikel 58" einddatum="2025-09-30">')
    assert {a.nr: a.valid_to for a in parse_bwb(xml).articles}["58"] == dt.date(2025, 10, 1)


def test_cvdr_regulation_becomes_one_file_with_articles(tmp_path):
    reg = parse_cvdr(CVDR_1.read_bytes())
    assert (reg.identifier, reg.title, reg.source_type) == ("CVDR700001_1", STUDIETOESLAG, "verordening")
    assert (reg.valid_from, reg.valid_to) == (dt.date(2024, 1, 1), dt.date(2026, 1, 1))
    assert reg.bevoegd_gezag == "gemeente Lindewaarde"
    assert reg.official_url == "https://lokaleregelgeving.overheid.nl/CVDR700001/1"
    assert [(a.nr, a.titel) for a in reg.articles] == [("1", "Begripsbepalingen"), ("2", "Hoogte en betaling"),
                                                       ("3", "Hardheidsclausule")]
    assert reg.articles[1].leden[0] == ("1", ["De studietoeslag bedraagt € 300 per maand voor een belanghebbende van 21 jaar of ouder."])
    name, text = cvdr_file(reg)
    assert name == "CVDR700001.md"
    chunks = chunks_of(name, text, tmp_path)
    assert {c.citation for c in chunks} == {f"artikel {n} {STUDIETOESLAG}" for n in ("1", "2", "3")}
    assert all((c.valid_from, c.valid_to, c.source_type, c.domain) == ("2024-01-01", "2026-01-01", "verordening",
                                                                      "participatiewet") for c in chunks)
    assert parse_cvdr(CVDR_1.read_bytes(), source_type="beleidsregel").source_type == "beleidsregel"


@pytest.mark.parametrize("data,parser,match", [
    (b"<toestand><wetgeving>", parse_bwb, "geen geldige XML"),
    (CVDR_1.read_bytes(), parse_bwb, "is geen BWB-toestand"),
    (BWB_2025.read_bytes(), parse_cvdr, "is geen CVDR-regeling"),
    ((FIXTURES / "bwb_geen_datum.xml").read_bytes(), parse_bwb, "inwerkingtreding"),
    ((FIXTURES / "cvdr_zonder_datum.xml").read_bytes(), parse_cvdr, "inwerkingtredingDatum"),
    (BWB_2025.read_bytes().replace(b'bwb-id="BWBR0015703" bwb-ng', b'bwb-ng'), parse_bwb, "bwb-id"),
    (BWB_2025.read_bytes().replace(b"<citeertitel", b"<x").replace(b"</citeertitel>", b"</x>"), parse_bwb, "citeertitel"),
    (BWB_2025.read_bytes().replace(b"<nr>58</nr>", b"").replace(b'label="Artikel 58"', b""), parse_bwb, "zonder nummer"),
    (CVDR_1.read_bytes().replace(b"CVDR700001_1", b"700001"), parse_cvdr, "identifier"),
    (b'<?xml version="1.0"?><!DOCTYPE t [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]><toestand>&b;</toestand>',
     parse_bwb, "DTD of entiteiten"),
])
def test_xml_that_does_not_follow_the_format_is_refused(data, parser, match):
    with pytest.raises(ImportFormatError, match=match):
        parser(data, "bron.xml")


# --------------------------------------------------------------------------- into the corpus


def test_import_bwb_versions_skip_unchanged_articles_and_search_by_peildatum(reg):
    first = import_bwb(reg, BWB_2025.read_bytes(), "jules")
    assert sorted(d.citation for d in first.added) == [f"artikel {n} Participatiewet" for n in ("18", "21", "58")]
    assert {d.path for d in first.added} == {f"wetten/participatiewet/art-{n}.md" for n in ("18", "21", "58")}
    assert all(d.bevoegd_gezag == "Rijk" and d.source_url.startswith("https://wetten.overheid.nl/") for d in first.added)
    second = import_bwb(reg, BWB_2026.read_bytes(), "jules")
    assert [d.citation for d in second.added] == ["artikel 21 Participatiewet"]
    assert sorted(second.unchanged) == ["artikel 18 Participatiewet", "artikel 58 Participatiewet"]
    [closed] = second.closed
    assert closed.citation == "artikel 21 Participatiewet" and closed.valid_to == dt.date(2026, 1, 1)
    assert second.added[0].path == "wetten/participatiewet/art-21@2026-01-01.md"

    def norm(day):
        hits = reg.index.search("norm ongehuwde belanghebbende", k=1, peildatum=day)
        return hits[0].chunk

    assert "1.345,45" in norm(dt.date(2025, 9, 1)).text and norm(dt.date(2025, 9, 1)).valid_to == "2026-01-01"
    assert "1.401,26" in norm(dt.date(2026, 2, 1)).text and norm(dt.date(2026, 2, 1)).citation == "artikel 21 Participatiewet"
    diff = reg.diff("artikel 21 Participatiewet")
    assert "-a. voor een ongehuwde belanghebbende € 1.345,45;" in diff and "+a. voor een ongehuwde belanghebbende € 1.401,26;" in diff
    assert "Ongewijzigd" not in diff and reg.diff("Participatiewet", artikel="21") == diff
    # Importing the same toestand again changes nothing.
    again = import_bwb(reg, BWB_2026.read_bytes(), "jules")
    assert not again.added and len(again.unchanged) == 3
    assert [e["action"] for e in reg.log.audit_events()].count("corpus.imported_bwb") == 4
    assert reg.log.verify_audit().ok


def test_import_cvdr_versions_follow_each_other(reg):
    v1 = import_cvdr(reg, CVDR_1.read_bytes(), "jules").document
    v2 = import_cvdr(reg, CVDR_2.read_bytes(), "jules").document
    assert (v1.path, v2.path) == ("verordeningen/CVDR700001.md", "verordeningen/CVDR700001@2026-01-01.md")
    assert v2.supersedes_id == v1.id and v1.valid_to == dt.date(2026, 1, 1) and v2.valid_to is None
    assert v2.bevoegd_gezag == "gemeente Lindewaarde" and v2.layer == "gemeente"
    hit = lambda day: reg.index.search("hoogte studietoeslag per maand", k=1, peildatum=day)[0].chunk  # noqa: E731
    assert "€ 300" in hit(dt.date(2025, 6, 1)).text and "€ 325" in hit(dt.date(2026, 6, 1)).text
    assert hit(dt.date(2026, 6, 1)).citation == f"artikel 2 {STUDIETOESLAG}"


def test_bad_xml_imports_nothing(reg):
    import_bwb(reg, BWB_2025.read_bytes(), "jules")
    files = sorted(p for p in reg.corpus_dir.rglob("*"))
    ids = sorted(c.chunk_id for c in reg.index.all_chunks())
    for data, fn in [((FIXTURES / "bwb_geen_datum.xml").read_bytes(), import_bwb),
                     ((FIXTURES / "cvdr_zonder_datum.xml").read_bytes(), import_cvdr),
                     (b"niet eens xml", import_bwb)]:
        with pytest.raises(ImportFormatError):
            fn(reg, data, "jules")
    assert sorted(p for p in reg.corpus_dir.rglob("*")) == files
    assert sorted(c.chunk_id for c in reg.index.all_chunks()) == ids and len(reg.list()) == 3


# --------------------------------------------------------------------------- fetching


def test_file_fetcher_reads_from_a_folder():
    f = FileFetcher(FIXTURES)
    assert f.fetch("bwb", "bwb_participatiewet", dt.date(2025, 7, 1)) == BWB_2025.read_bytes()
    assert f.fetch("cvdr", "cvdr_studietoeslag_lindewaarde_1") == CVDR_1.read_bytes()
    with pytest.raises(ImportFormatError, match="staat niet in"):
        f.fetch("bwb", "BWBR0000000", dt.date(2025, 1, 1))


def test_http_fetcher_builds_official_urls_and_uses_only_its_opener():
    seen = []

    class Response(io.BytesIO):
        def __enter__(self):
            return self

        def __exit__(self, *a):
            return False

    def opener(request, timeout):
        seen.append((request.full_url, timeout, request.get_header("User-agent")))
        return Response(b"<toestand/>")

    http = HttpFetcher(timeout=5, opener=opener)
    assert http.fetch("bwb", "BWBR0015703", dt.date(2026, 1, 1)) == b"<toestand/>"
    assert seen == [("https://repository.officiele-overheidspublicaties.nl/bwb/BWBR0015703/2026-01-01_0/xml/"
                     "BWBR0015703_2026-01-01_0.xml", 5, "maatwerkassistent/0.1")]
    assert http.url("cvdr", "CVDR641811_2") == \
        "https://repository.officiele-overheidspublicaties.nl/CVDR/CVDR641811/2/xml/CVDR641811_2.xml"
    for args, match in [(("bwb", "BWBR0015703"), "datum"), (("bwb", "wet"), "geen BWB-id"),
                        (("cvdr", "CVDR641811"), "met versie")]:
        with pytest.raises(ImportFormatError, match=match):
            http.url(*args)

    def offline(request, timeout):
        raise urllib.error.URLError("Name or service not known")

    with pytest.raises(ImportFormatError, match="offline"):
        HttpFetcher(opener=offline).fetch("cvdr", "CVDR641811_2")
    assert HttpFetcher().opener is not None  # the real opener exists but is never called here


# --------------------------------------------------------------------------- the CLI group


def test_corpus_cli_end_to_end(tmp_path):
    from pydantic import SecretStr

    from assistant.config import Settings
    from assistant.app import App
    from assistant.cli.main import main

    settings = Settings(data_dir=tmp_path / "data", corpus_dir=tmp_path / "corpus", embedder="hashing",
                        database_url=None, _env_file=None)
    runner = CliRunner()

    log = CaseLog.from_url(settings.sqlalchemy_url)
    log.init_admin("beheer", "beheer-wachtwoord-1")
    log.add_user("jules", "jurist", by="beheer")
    log.add_user("anna", "professional", by="beheer")
    tokens = {name: log.issue_token(name, by="beheer") for name in ("jules", "anna")}
    log.close()

    def run(*args):
        # --as NAME backed by NAME's service token, as a script would run it
        token = tokens[args[args.index("--as") + 1]] if "--as" in args else None
        obj = settings.model_copy(update={"token": SecretStr(token) if token else None})
        return runner.invoke(main, ["corpus", *args], obj=App(obj), catch_exceptions=False)

    r = run("import", "bwb", str(BWB_2025), "--as", "jules")
    assert r.exit_code == 0, r.output
    assert "Toegevoegd: document 1, artikel 18 Participatiewet (geldig vanaf 2025-07-01)" in r.output
    r = run("import", "bwb", "--id", "bwb_participatiewet", "--datum", "2026-01-01", "--map", str(FIXTURES), "--as", "jules")
    assert r.exit_code == 0 and "Vorige versie gesloten" in r.output and "Ongewijzigd, overgeslagen: 2" in r.output
    r = run("list")
    assert "artikel 21 Participatiewet  [geldig van 2025-07-01 tot 2026-01-01]  opgevolgd door 4" in r.output
    assert run("list", "--json").output.count('"citation"') == 4
    r = run("show", "2")
    assert "bevoegd gezag:    Rijk" in r.output and "versies:" in r.output
    r = run("diff", "artikel 21 Participatiewet", "--naast-elkaar")
    assert r.exit_code == 0 and "OUD:" in r.output and "1.401,26" in r.output

    src = tmp_path / "regels.md"
    src.write_text("---\ncitation: Werkinstructie X\nsource_type: werkinstructie\n---\nTekst over terugvordering.\n")
    r = run("add", str(src), "--as", "anna")
    assert r.exit_code == 2 and "Fout: Alleen een jurist of beheerder" in r.output
    r = run("add", str(src), "--as", "jules")
    assert r.exit_code == 2 and "valid_from" in r.output
    r = run("add", str(src), "--as", "jules", "--valid-from", "2026-01-01")
    assert r.exit_code == 0 and "werkinstructies/regels.md" in r.output
    r = run("add", str(src), "--as", "jules", "--valid-from", "2026-01-01")
    assert r.exit_code == 2 and "staat al in het corpus" in r.output
    r = run("retire", "5", "--as", "jules", "--per", "2026-02-01")
    assert r.exit_code == 0 and "vervalt per 2026-02-01" in r.output
    r = run("impact", "artikel 21 Participatiewet", "--as", "jules", "--json")
    assert r.exit_code == 0 and '"versions"' in r.output
    r = run("import", "cvdr", str(FIXTURES / "cvdr_zonder_datum.xml"), "--as", "jules")
    assert r.exit_code == 2 and "inwerkingtredingDatum" in r.output
