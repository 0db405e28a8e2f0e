"""The corpus registry end to end on a real SQLite case log and a real Chroma index (hashing
embedder): add, a new version that closes the old one, peildatum search on both, diff, retire,
promote an approved case to a precedent, mark it achterhaald, the impact list, access, the
audit chain, and bad input that leaves files, registry and index exactly as they were."""

from __future__ import annotations

import datetime as dt
import textwrap
from pathlib import Path

import pytest
import yaml

from assistant.cases import CaseLog, PermissionDenied
from assistant.corpus.documents import split_front_matter
from assistant.retrieval.embeddings import HashingEmbeddings
from assistant.retrieval.index import Index
from assistant.curation import (
    SIGNAL_KNELPUNT,
    SIGNAL_OLD_PRECEDENT,
    Registry,
    RegistryError,
    rule_key,
)

TODAY = dt.date(2026, 3, 1)
CITATION = "Beleidsregels bijzondere bijstand Testdorp"


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return path


def beleidsregel(path: Path, valid_from: str | None, wasmachine: int, extra: str = "") -> Path:
    vf = f"valid_from: '{valid_from}'\n" if valid_from else ""
    return write(path, f"""
---
title: "{CITATION}"
citation: "{CITATION}"
source_type: beleidsregel
domain: participatiewet
{vf}{extra}---
# {CITATION}

## Artikel 1. Begripsbepalingen

In deze beleidsregels wordt verstaan onder wet: de Participatiewet.

## Artikel 4. Maximumbedragen

1. Voor een wasmachine bedraagt de bijzondere bijstand ten hoogste € {wasmachine}.

2. Voor een koelkast bedraagt de bijzondere bijstand ten hoogste € 400.

## Artikel 6. Afwijken

Het college kan afwijken van deze beleidsregels als toepassing onevenredige gevolgen heeft.
""")


@pytest.fixture
def env(tmp_path: Path):
    log = CaseLog.from_url(f"sqlite:///{(tmp_path / 'maatwerk.db').as_posix()}")
    for name, role in [("anna", "professional"), ("kim", "kwaliteit"), ("jules", "jurist"), ("beheer", "beheerder")]:
        log.add_user(name, role, team="Noord")
    index = Index.open(tmp_path / "data", HashingEmbeddings())
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    reg = Registry(log, index, corpus, today=lambda: TODAY)

    class Env:
        pass

    e = Env()
    e.log, e.index, e.corpus, e.reg, e.inbox = log, index, corpus, reg, tmp_path / "inbox"
    yield e
    log.close()


def snapshot(e) -> dict:
    """Everything a failed change must leave as it was."""
    files = {p.relative_to(e.corpus).as_posix(): p.read_bytes() for p in sorted(e.corpus.rglob("*")) if p.is_file()}
    return {
        "files": files,
        "registry": [d.to_dict() for d in e.reg.list()],
        "index": sorted((c.chunk_id, c.valid_to) for c in e.index.all_chunks()),
        "audit": len(e.log.audit_events()),
    }


def top_text(e, query: str, day: dt.date, **kw) -> str | None:
    hits = e.index.search(query, k=1, peildatum=day, **kw)
    return hits[0].chunk.text if hits else None


# --------------------------------------------------------------------------- lifecycle


def test_add_new_version_peildatum_diff_retire(env):
    e = env
    v1 = e.reg.add(beleidsregel(e.inbox / "bb.md", "2025-01-01", 525), "jules").document
    assert (v1.citation, v1.source_type, v1.layer, v1.status) == (CITATION, "beleidsregel", "gemeente", "geldend")
    assert v1.path == "beleidsregels/bb.md" and (e.corpus / v1.path).read_bytes() == (e.inbox / "bb.md").read_bytes()
    assert v1.bevoegd_gezag == "gemeente" and v1.added_by == "jules" and len(v1.file_hash) == 64
    assert "525" in top_text(e, "maximumbedrag wasmachine", dt.date(2025, 6, 1))

    # A new version: same citation, later valid_from. Same file name -> stored beside it.
    result = e.reg.add(beleidsregel(e.inbox / "bb.md", "2026-01-01", 600), "jules")
    v2 = result.document
    assert v2.path == "beleidsregels/bb@2026-01-01.md" and v2.supersedes_id == v1.id
    [closed] = result.closed
    assert closed.id == v1.id and closed.valid_to == dt.date(2026, 1, 1) and closed.status == "vervallen"
    assert closed.superseded_by_id == v2.id
    # The old file is untouched; its sidecar carries the new valid_to, so index and files agree.
    assert (e.corpus / "beleidsregels/bb.md").exists()
    assert yaml.safe_load((e.corpus / "beleidsregels/bb.md.meta.yaml").read_text()) == {"valid_to": "2026-01-01"}
    old_chunks = [c for c in e.index.all_chunks() if c.source == "beleidsregels/bb.md"]
    assert old_chunks and all(c.valid_to == "2026-01-01" for c in old_chunks)
    # Both versions stay searchable, each on its own peildatum.
    assert "525" in top_text(e, "maximumbedrag wasmachine", dt.date(2025, 6, 1))
    assert "600" in top_text(e, "maximumbedrag wasmachine", dt.date(2026, 2, 1))
    assert [d.id for d in e.reg.versions(CITATION)] == [v1.id, v2.id]
    assert e.reg.version_on(CITATION, "2025-12-31").id == v1.id and e.reg.version_on(CITATION, "2026-01-01").id == v2.id
    assert e.reg.version_on(CITATION, "2024-12-31") is None

    # Diff with Dutch labels, unified and side by side; per article.
    diff = e.reg.diff(CITATION, artikel="4")
    assert "geldig van 2025-01-01 tot 2026-01-01" in diff and "geldig vanaf 2026-01-01" in diff
    assert "-1. Voor een wasmachine bedraagt de bijzondere bijstand ten hoogste € 525." in diff
    assert "+1. Voor een wasmachine bedraagt de bijzondere bijstand ten hoogste € 600." in diff
    side = e.reg.diff(CITATION, artikel="4", side_by_side=True, width=160)
    assert "OUD:" in side and "NIEUW:" in side and "|" in side and "€ 600" in side
    assert "Geen verschil" in e.reg.diff(CITATION, artikel="6")
    with pytest.raises(RegistryError, match="Artikel 9 komt niet voor"):
        e.reg.diff(CITATION, artikel="9")

    # Retire per a date: registry, sidecar and index; earlier peildata still find it.
    retired = e.reg.retire(v2.id, "beheer", per="2026-07-01")
    assert retired.valid_to == dt.date(2026, 7, 1) and retired.stored_status == "vervallen"
    assert retired.status == "geldend"  # still in force on TODAY, until the per date
    assert retired.status_on(dt.date(2026, 7, 1)) == "vervallen"
    sidecar = yaml.safe_load((e.corpus / "beleidsregels/bb@2026-01-01.md.meta.yaml").read_text())
    assert sidecar["valid_to"] == "2026-07-01"
    assert "600" in top_text(e, "maximumbedrag wasmachine", dt.date(2026, 3, 1))
    assert top_text(e, "maximumbedrag wasmachine", dt.date(2026, 8, 1), source_types=["beleidsregel"]) is None
    with pytest.raises(RegistryError, match="geldt al niet meer"):
        e.reg.retire(v2.id, "beheer", per="2026-09-01")

    # Every change is in the audit chain, and the chain is intact.
    actions = [ev["action"] for ev in e.log.audit_events()]
    assert actions.count("corpus.document_added") == 2
    assert "corpus.version_closed" in actions and "corpus.document_retired" in actions
    assert e.log.verify_audit().ok


def test_metadata_from_sidecar_and_options(env):
    e = env
    src = write(e.inbox / "werkinstructie.txt", """
        Werkinstructie terugvordering

        Controleer eerst of de inlichtingenplicht is geschonden voordat u terugvordert.
        """)
    (e.inbox / "werkinstructie.txt.meta.yaml").write_text("citation: Werkinstructie terugvordering\nsource_type: werkinstructie\n")
    doc = e.reg.add(src, "jules", valid_from=dt.date(2025, 5, 1), bevoegd_gezag="gemeente Testdorp",
                    official_url="https://example.org/wi").document
    assert (doc.citation, doc.source_type, doc.valid_from, doc.bevoegd_gezag, doc.source_url) == (
        "Werkinstructie terugvordering", "werkinstructie", dt.date(2025, 5, 1), "gemeente Testdorp",
        "https://example.org/wi")
    stored = yaml.safe_load((e.corpus / "werkinstructies/werkinstructie.txt.meta.yaml").read_text())
    assert stored["valid_from"] == "2025-05-01" and stored["source_type"] == "werkinstructie"
    [listed] = e.reg.list()
    assert listed.to_dict()["status"] == "geldend" and e.reg.get(doc.id).path == doc.path


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize("case", ["not_pdf", "md_is_pdf", "duplicate", "overlap", "no_valid_from", "no_citation"])
def test_bad_input_leaves_corpus_registry_and_index_as_they_were(env, case):
    e = env
    e.reg.add(beleidsregel(e.inbox / "bb.md", "2025-01-01", 525), "jules")
    before = snapshot(e)
    if case == "not_pdf":
        bad, match = write(e.inbox / "regels.pdf", "gewone tekst"), "is geen PDF"
    elif case == "md_is_pdf":
        bad = e.inbox / "regels.md"
        bad.write_bytes(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n")
        match = "is geen tekstbestand maar een PDF"
    elif case == "duplicate":
        bad, match = e.inbox / "bb.md", "staat al in het corpus als document"
    elif case == "overlap":  # starts before the open version: would overlap it
        bad, match = beleidsregel(e.inbox / "ouder.md", "2024-06-01", 500), "overlapt met versie"
    elif case == "no_valid_from":
        bad, match = beleidsregel(e.inbox / "zonder.md", None, 550), r"valid_from\) ontbreekt"
    else:
        bad, match = write(e.inbox / "los.md", "Alleen tekst zonder front matter.\n"), "citeertitel"
    with pytest.raises(RegistryError, match=match):
        e.reg.add(bad, "jules", **({"valid_from": dt.date(2025, 1, 1)} if case == "no_citation" else {}))
    assert snapshot(e) == before


def test_a_closed_earlier_version_may_be_added_without_overlap(env):
    e = env
    e.reg.add(beleidsregel(e.inbox / "bb.md", "2025-01-01", 525), "jules")
    old = e.reg.add(beleidsregel(e.inbox / "oud.md", "2024-01-01", 500, extra="valid_to: '2025-01-01'\n"), "jules").document
    assert old.valid_to == dt.date(2025, 1, 1)
    assert "500" in top_text(e, "maximumbedrag wasmachine", dt.date(2024, 6, 1))
    with pytest.raises(RegistryError, match="overlapt"):
        e.reg.add(beleidsregel(e.inbox / "midden.md", "2024-06-01", 510, extra="valid_to: '2024-09-01'\n"), "jules")


def test_failed_indexing_rolls_back_files_registry_and_index(env, monkeypatch):
    e = env
    v1 = e.reg.add(beleidsregel(e.inbox / "bb.md", "2025-01-01", 525), "jules").document
    before = snapshot(e)
    real = e.index.index_paths
    calls = []

    def failing(paths, **kw):
        calls.append(1)
        if len(calls) == 1:
            real(paths, **kw)  # the change reached the index ...
            raise RuntimeError("schijf vol")  # ... and then something failed
        return real(paths, **kw)

    monkeypatch.setattr(e.index, "index_paths", failing)
    with pytest.raises(RuntimeError):
        e.reg.add(beleidsregel(e.inbox / "bb.md", "2026-01-01", 600), "jules")
    assert snapshot(e) == before
    assert e.reg.get(v1.id).valid_to is None and not (e.corpus / "beleidsregels/bb.md.meta.yaml").exists()


def test_only_juristen_and_beheerders_change_the_corpus(env):
    e = env
    src = beleidsregel(e.inbox / "bb.md", "2025-01-01", 525)
    for user in ("anna", "kim"):
        with pytest.raises(PermissionDenied, match="jurist of beheerder"):
            e.reg.add(src, user)
    doc = e.reg.add(src, "beheer").document
    with pytest.raises(PermissionDenied):
        e.reg.retire(doc.id, "anna")
    with pytest.raises(PermissionDenied):
        e.reg.impact(CITATION, "anna")
    with pytest.raises(PermissionDenied):
        e.reg.register_existing("kim")


def test_register_existing_files(env):
    e = env
    beleidsregel(e.corpus / "beleidsregels/bb.md", "2025-01-01", 525)
    write(e.corpus / "besluiten/MB-1.md", """
        ---
        title: "Maatwerkbesluit MB-1"
        citation: "Maatwerkbesluit MB-1"
        source_type: besluit
        id: MB-1
        datum: '2025-03-01'
        regel: "artikel 4 Beleidsregels bijzondere bijstand Testdorp"
        uitkomst: afgeweken
        ---
        ## Besluit
        Het college wijkt af.
        """)
    write(e.corpus / "kapot.pdf", "geen pdf")
    added, problems = e.reg.register_existing("jules")
    assert sorted(d.path for d in added) == ["beleidsregels/bb.md", "besluiten/MB-1.md"]
    assert [d.precedent_id for d in added if d.source_type == "besluit"] == ["MB-1"]
    assert len(problems) == 1 and "kapot.pdf" in problems[0]
    assert e.reg.register_existing("jules")[0] == []  # idempotent
    # A registered sample file can get a new version like any other.
    e.reg.index.index_paths([e.corpus], progress=False)
    result = e.reg.add(beleidsregel(e.inbox / "bb.md", "2026-01-01", 600), "jules")
    assert result.closed[0].path == "beleidsregels/bb.md"


# --------------------------------------------------------------------------- precedents + impact


def approved_case(log: CaseLog, *, rules, knelpunt=False, knelpunt_status=None, situation=None) -> int:
    fields = dict(
        question="Kan de bijzondere bijstand voor een wasmachine hoger zijn dan het maximumbedrag?",
        situation=situation or "Mevrouw Jansen (BSN 111222333) heeft een gezin van zes. Een gewone wasmachine "
                               "is te klein voor de hoeveelheid was.",
        uitkomst="afgeweken", motivering="Het maximumbedrag pakt hier onevenredig uit; afgeweken op grond van 4:84 Awb.",
        domain="participatiewet", peildatum=dt.date(2025, 6, 1), rules=rules,
        afwijkingsruimte={"basis": "beleidsregel-4:84-awb", "citation": "artikel 4:84 Awb",
                          "rule": rules[0]["citation"], "layer": "beleidsregel"},
        knelpunt=knelpunt,
    )
    if knelpunt:
        fields.update(knelpunt_description="Het maximumbedrag houdt geen rekening met grote gezinnen.",
                      knelpunt_status=knelpunt_status)
    case = log.create_case("anna", **fields)
    log.submit(case.id, "anna")
    return log.review(case.id, "kim", "approve").id


def test_promote_case_to_precedent_and_mark_it_achterhaald(env):
    e = env
    e.reg.add(beleidsregel(e.inbox / "bb.md", "2025-01-01", 525), "jules")
    rule = {"citation": f"artikel 4, eerste lid, {CITATION}", "version": "2025-01-01"}
    case_id = approved_case(e.log, rules=[rule])

    with pytest.raises(PermissionDenied):
        e.reg.promote_case(case_id, "kim")
    doc = e.reg.promote_case(case_id, "jules")
    year = dt.date.today().year  # reviewed_at is the real clock
    assert doc.precedent_id == f"MB-{year}-C{case_id:03d}" and doc.case_id == case_id
    assert doc.path == f"besluiten/MB-{year}-C{case_id:03d}.md" and doc.source_type == "besluit"
    text = (e.corpus / doc.path).read_text(encoding="utf-8")
    meta, body = split_front_matter(text)
    # The besluiten front-matter format, structured fields from the case.
    assert meta["source_type"] == "besluit" and meta["id"] == doc.precedent_id
    assert meta["regel"] == rule["citation"] and meta["regel_versie"] == "2025-01-01"
    assert meta["regellaag"] == "beleidsregel" and meta["grondslag_afwijking"] == "beleidsregel-4:84-awb"
    assert meta["uitkomst"] == "afgeweken" and meta["domein"] == "participatiewet" and meta["casus"] == case_id
    assert meta["knelpunt"] == {"aanwezig": False} and meta["omstandigheden"]
    assert meta["datum"] == meta["valid_from"]
    # Pseudonymised: no name, no BSN.
    assert "Jansen" not in text and "111222333" not in text
    assert "## Besluit" in body and "## Motivering" in body
    # Indexed, with its fields available to answers.
    hits = e.index.search("wasmachine gezin van zes", k=3, peildatum=dt.date.today(), source_types=["besluit"])
    assert hits and hits[0].chunk.extra["id"] == doc.precedent_id and hits[0].chunk.extra["uitkomst"] == "afgeweken"

    with pytest.raises(RegistryError, match="al vastgelegd als precedent"):
        e.reg.promote_case(case_id, "jules")
    concept = e.log.create_case("anna", question="Nog niet ingediend?")
    with pytest.raises(RegistryError, match="alleen een goedgekeurde casus"):
        e.reg.promote_case(concept.id, "jules")

    # Overturned in beroep: achterhaald, with the ECLI; still in the index as history.
    with pytest.raises(RegistryError, match="geen geldige ECLI"):
        e.reg.mark_achterhaald(doc.precedent_id, "jules", "vernietigd")
    marked = e.reg.mark_achterhaald(doc.precedent_id, "jules", "ECLI:NL:CRVB:2026:123", toelichting="vernietigd in beroep")
    assert marked.status == "achterhaald" and marked.achterhaald_door == "ECLI:NL:CRVB:2026:123"
    sidecar = yaml.safe_load((e.corpus / (doc.path + ".meta.yaml")).read_text())
    assert sidecar["status"] == "achterhaald" and sidecar["achterhaald_door"] == "ECLI:NL:CRVB:2026:123"
    chunks = [c for c in e.index.all_chunks() if c.source == doc.path]
    assert chunks and all(c.extra["status"] == "achterhaald" and c.extra["achterhaald_door"] == "ECLI:NL:CRVB:2026:123"
                          for c in chunks)
    assert e.index.search("wasmachine gezin van zes", k=3, peildatum=dt.date.today(), source_types=["besluit"])  # history
    with pytest.raises(RegistryError, match="al achterhaald"):
        e.reg.mark_achterhaald(doc.id, "jules", "ECLI:NL:CRVB:2026:124")
    with pytest.raises(RegistryError, match="geen besluit"):
        e.reg.mark_achterhaald(1, "jules", "ECLI:NL:CRVB:2026:124")

    events = [ev for ev in e.log.audit_events(case_id=case_id) if ev["action"].startswith("corpus.")]
    assert [ev["action"] for ev in events] == ["corpus.precedent_promoted", "corpus.precedent_achterhaald"]
    assert e.log.verify_audit().ok


def test_impact_of_a_new_version_and_of_retiring(env):
    e = env
    v1 = e.reg.add(beleidsregel(e.inbox / "bb.md", "2025-01-01", 525), "jules").document
    art4 = {"citation": f"artikel 4, eerste lid, {CITATION}", "version": "2025-01-01"}
    art1 = {"citation": f"artikel 1 {CITATION}", "version": "2025-01-01"}
    precedent_case = approved_case(e.log, rules=[art4])
    open_knelpunt = approved_case(e.log, rules=[art4], knelpunt=True, knelpunt_status="open")
    solved = approved_case(e.log, rules=[art4], knelpunt=True, knelpunt_status="opgelost")
    other_article = approved_case(e.log, rules=[art1], knelpunt=True)
    precedent = e.reg.promote_case(precedent_case, "jules")

    report = e.reg.impact(CITATION, "kim")
    refs = {i.ref: i for i in report.items}
    assert set(refs) == {precedent.precedent_id, f"casus {open_knelpunt}", f"casus {precedent_case}",
                         f"casus {other_article}"} - {f"casus {precedent_case}"}
    assert f"casus {solved}" not in refs
    assert not report.affected  # nothing changed yet

    e.reg.add(beleidsregel(e.inbox / "bb.md", "2026-01-01", 600), "jules")
    report = e.reg.impact(CITATION, "kim")
    refs = {i.ref: i for i in report.items}
    assert refs[precedent.precedent_id].signal == SIGNAL_OLD_PRECEDENT
    assert refs[f"casus {open_knelpunt}"].signal == SIGNAL_KNELPUNT
    assert "2026-01-01" in refs[f"casus {open_knelpunt}"].reason
    # Article 1 did not change between the versions: that knelpunt is not affected.
    assert not refs[f"casus {other_article}"].affected
    assert [v["valid_from"] for v in report.versions] == ["2025-01-01", "2026-01-01"]
    # Narrowed to one article; JSON-ready.
    only4 = e.reg.impact(CITATION, "kim", artikel="4")
    assert {i.ref for i in only4.items} == {precedent.precedent_id, f"casus {open_knelpunt}"}
    assert only4.to_dict()["items"][0]["signal"] in (SIGNAL_OLD_PRECEDENT, SIGNAL_KNELPUNT)
    assert {i.ref for i in e.reg.impact(f"artikel 4 {CITATION}", "kim").items} == {i.ref for i in only4.items}

    # An achterhaald precedent is history: listed, not affected.
    e.reg.mark_achterhaald(precedent.id, "jules", "ECLI:NL:CRVB:2026:7")
    item = {i.ref: i for i in e.reg.impact(CITATION, "kim").items}[precedent.precedent_id]
    assert item.status == "achterhaald" and not item.affected

    # Retiring the rule affects a knelpunt on the unchanged article too.
    e.reg.retire(e.reg.versions(CITATION)[-1].id, "jules", per="2026-06-01")
    refs = {i.ref: i for i in e.reg.impact(CITATION, "kim").items}
    assert refs[f"casus {other_article}"].signal == SIGNAL_KNELPUNT
    assert "vervallen per 2026-06-01" in refs[f"casus {other_article}"].reason
    assert v1.id in [d.id for d in e.reg.versions(CITATION)]


def test_rule_key_reads_dutch_citations():
    assert rule_key("artikel 58, achtste lid, Participatiewet") == ("participatiewet", "58")
    assert rule_key("artikel 4:84 Awb") == ("awb", "4:84")
    assert rule_key("Artikel 3, vierde lid, van de Beleidsregels X 2024") == ("beleidsregels x 2024", "3")
    assert rule_key("Beleidsregels X, artikelen 1-11") == ("beleidsregels x", None)
    assert rule_key("artikel 2.3.5 Verordening Y") == ("verordening y", "2.3.5")


def test_precedents_dir_must_be_inside_the_corpus(env, tmp_path):
    with pytest.raises(RegistryError, match="binnen de corpusmap"):
        Registry(env.log, env.index, env.corpus, precedents_dir=tmp_path / "elders")
    reg = Registry(env.log, env.index, env.corpus, precedents_dir=env.corpus / "precedenten", today=lambda: TODAY)
    env.reg.add(beleidsregel(env.inbox / "bb.md", "2025-01-01", 525), "jules")
    case_id = approved_case(env.log, rules=[{"citation": f"artikel 4 {CITATION}", "version": "2025-01-01"}])
    doc = reg.promote_case(case_id, "jules", precedent_id="MB-2026-900", omstandigheden=["gezin van zes"])
    assert doc.path == "precedenten/MB-2026-900.md"
    meta, _ = split_front_matter((env.corpus / doc.path).read_text(encoding="utf-8"))
    assert meta["omstandigheden"] == ["gezin van zes"] and meta["citation"] == "Maatwerkbesluit MB-2026-900"


# --------------------------------------------------------------------------- paths from users


@pytest.mark.parametrize("folder", ["../..", "../buiten", "beleidsregels/../../x", "/tmp/elders", "~/x",
                                    "C:/Windows", ".verborgen", "a/./../..", "..\\..\\x"])
def test_a_folder_outside_the_corpus_is_refused_and_nothing_is_written(env, tmp_path, folder):
    src = beleidsregel(env.inbox / "br.md", "2026-01-01", 525)
    before = sorted(p for p in tmp_path.rglob("*") if "data" not in p.parts)
    with pytest.raises(RegistryError) as info:
        env.reg.add(src, "jules", dest_dir=folder)
    assert "corpusmap" in str(info.value) and "niets opgeslagen" in str(info.value)
    assert sorted(p for p in tmp_path.rglob("*") if "data" not in p.parts) == before
    assert env.reg.list() == []


def test_a_symlink_inside_the_corpus_pointing_out_is_refused(env, tmp_path):
    outside = tmp_path / "elders"
    outside.mkdir()
    (env.corpus / "link").symlink_to(outside, target_is_directory=True)
    src = beleidsregel(env.inbox / "br.md", "2026-01-01", 525)
    with pytest.raises(RegistryError, match="buiten de corpusmap"):
        env.reg.add(src, "jules", dest_dir="link/sub")
    assert list(outside.iterdir()) == []


def test_a_subfolder_inside_the_corpus_is_accepted(env):
    src = beleidsregel(env.inbox / "br.md", "2026-01-01", 525)
    result = env.reg.add(src, "jules", dest_dir="./lokaal//beleid/")
    assert result.document.path == "lokaal/beleid/br.md"
    assert (env.corpus / "lokaal/beleid/br.md").is_file()


def test_an_uploaded_file_name_cannot_choose_a_folder():
    from assistant.curation import safe_name

    assert safe_name("../../etc/passwd.md") == "passwd.md"
    assert safe_name("..\\..\\x.md") == "x.md"
    assert safe_name("..") == "document"


def test_cli_corpus_add_with_map_outside_is_refused(tmp_path):
    from click.testing import CliRunner

    from assistant.cli.main import main

    env = {"MAATWERK_DATA_DIR": str(tmp_path / "data"), "MAATWERK_DATABASE_URL": "",
           "MAATWERK_CORPUS_DIR": str(tmp_path / "corpus"), "MAATWERK_EMBEDDER": "hashing"}
    runner = CliRunner()
    src = beleidsregel(tmp_path / "inbox" / "br.md", "2026-01-01", 525)
    # Refused while the options are read: before any login, database or index is touched.
    r = runner.invoke(main, ["corpus", "add", str(src), "--as", "jules", "--map", "../.."], env=env)
    assert r.exit_code == 2, r.output
    assert "Fout: Map '../..' bevat '..'" in r.output and "Traceback" not in r.output
    assert not (tmp_path / "br.md").exists() and not (tmp_path.parent / "br.md").exists()
    assert not (tmp_path / "data").exists()
