"""From cases back to policy: the uitvoeringstoets of a draft rule (one test per effect kind, the
room for professional judgement, knelpunten addressed or left open), the staat van de uitvoering,
the one-overheid signalen export and the merge of two gemeenten, the bad input of each (Dutch
message, nothing written), and no personal data in any output (the privacy detector)."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from assistant.cases import Case, CaseLog
from assistant.cases.demo import seed_cases
from assistant.reporting.document import FORMATS, render
from assistant.policy.signalen import (
    SignalenError,
    export_signalen,
    merge_signalen,
    merged_document,
    read_signalen,
    to_csv,
    to_json,
)
from assistant.policy.staat import StaatError, staat_document, staat_van_de_uitvoering
from assistant.policy.toets import (
    ToetsError,
    build_toets,
    load_draft,
    precedents_citing,
    toets_document,
    uitvoeringstoets,
)
from assistant.privacy import contains_personal_data
from assistant.rules.facts import read_facts

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO / "corpus"
BB = CORPUS / "beleidsregels" / "beleidsregels-bijzondere-bijstand-lindewaarde.md"
END = dt.date(2026, 11, 27)
TODAY = dt.date(2026, 12, 1)

# --------------------------------------------------------------------------- a small corpus

REGEL = """\
---
title: "Beleidsregels testregel"
citation: "Beleidsregels testregel"
source_type: {layer}
domain: participatiewet
gemeente: Testdorp
valid_from: '{valid_from}'
---
# Beleidsregels testregel

## Artikel 1. Begripsbepalingen

In deze beleidsregels wordt verstaan onder wet: de Participatiewet.

## Artikel 4. Maximumbedragen

1. Voor de volgende kostensoorten verleent het college bijzondere bijstand tot ten hoogste het genoemde bedrag:

a. wasmachine: € {wasmachine};

b. koelkast: € 400;
{extra_item}
## Artikel 5. Terugvordering

1. {terugvordering}

2. Het eerste lid is niet van toepassing als de belanghebbende een schuldregeling heeft.
{art5_extra}
## Artikel 6. {afwijk_kop}

{afwijk_tekst}
"""
DEFAULTS = dict(layer="beleidsregel", valid_from="2026-01-01", wasmachine="525", extra_item="\nc. stofzuiger: € 110;\n",
                terugvordering="Het college kan de bijstand terugvorderen als de inlichtingenplicht niet is nagekomen.",
                art5_extra="", afwijk_kop="Afwijken van deze beleidsregels",
                afwijk_tekst="Het college handelt volgens deze beleidsregels, tenzij dat voor een belanghebbende gevolgen "
                             "zou hebben die onevenredig zijn (artikel 4:84 van de Algemene wet bestuursrecht).")


def regel(**changes) -> str:
    return REGEL.format(**{**DEFAULTS, **changes})


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    root = tmp_path / "corpus"
    (root / "beleidsregels").mkdir(parents=True)
    (root / "beleidsregels" / "testregel.md").write_text(regel(), encoding="utf-8")
    (root / "beleidsregels" / "testregel@2025.md").write_text(
        regel(valid_from="2025-01-01", wasmachine="450").replace("valid_from: '2025-01-01'",
                                                                 "valid_from: '2025-01-01'\nvalid_to: '2026-01-01'"),
        encoding="utf-8")
    return root


def draft(tmp_path: Path, name: str = "concept.md", **changes) -> Path:
    path = tmp_path / "concepten" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(regel(**{"valid_from": "2027-01-01", **changes}), encoding="utf-8")
    return path


_ids = iter(range(1, 100_000))


def case(situation: str, uitkomst: str = "afgeweken", article: str = "4", version: str = "2026-01-01",
         knelpunt: str | None = None, solution: str | None = None, basis: str = "beleidsregel-4:84-awb",
         citation: str = "Beleidsregels testregel", owner: str = "gemeente", status: str = "open",
         when: dt.datetime | None = None) -> Case:
    when = when or dt.datetime(2026, 3, 10, 12)
    rule = f"artikel {article} {citation}"
    return Case(
        id=next(_ids), version=1, status="goedgekeurd", author="anna", author_name="anna", team="Team Inkomen",
        domain="participatiewet", peildatum=when.date(), situation=situation, question="Mag ik afwijken?",
        rules=[{"citation": rule, "version": version}], afwijkingsruimte={"basis": basis, "rule": rule},
        uitkomst=uitkomst, motivering="De regel pakt hier onevenredig uit.", precedents=[], ai_stance=None,
        ai_stance_reason=None, knelpunt=bool(knelpunt), knelpunt_description=knelpunt,
        knelpunt_consequences="Inwoners komen tekort." if knelpunt else None, knelpunt_solution=solution,
        knelpunt_solution_type="beleidsregel" if knelpunt else None, knelpunt_owner=owner if knelpunt else None,
        knelpunt_status=status if knelpunt else None, reviewer="kim", created_at=when, updated_at=when,
        submitted_at=when, reviewed_at=when)


def run_toets(corpus: Path, path: Path, cases) -> object:
    d, versions = load_draft(path, corpus)
    return build_toets(d, versions, cases, precedents_citing(corpus, "beleidsregels testregel"), today=TODAY)


def effect_of(t, c: Case):
    return next(e for e in t.effects if e.case_id == c.id)


# --------------------------------------------------------------------------- effects, one per kind


def test_a_higher_maximum_makes_a_deviation_unnecessary_and_says_why(corpus, tmp_path):
    c = case("Gezin van zes. Wasmachine met grote trommel kost € 640, boven het maximum van € 525.")
    t = run_toets(corpus, draft(tmp_path, wasmachine="700"), [c])
    e = effect_of(t, c)
    assert e.effect == "overbodig"
    assert "€ 640" in e.reason and "€ 525" in e.reason and "€ 700" in e.reason
    assert t.counts()["overbodig"] == 1


def test_a_lower_maximum_or_a_removed_kostensoort_puts_a_case_outside_the_rule(corpus, tmp_path):
    within = case("Koelkast defect; een nieuwe koelkast kost € 380.", uitkomst="niet afgeweken")
    vacuum = case("Stofzuiger kapot; een nieuwe stofzuiger kost € 100.", uitkomst="niet afgeweken")
    path = draft(tmp_path, extra_item="")
    path.write_text(path.read_text(encoding="utf-8").replace("koelkast: € 400", "koelkast: € 300"), encoding="utf-8")
    t = run_toets(corpus, path, [within, vacuum])
    assert effect_of(t, within).effect == "minder" and "€ 380" in effect_of(t, within).reason
    assert effect_of(t, vacuum).effect == "minder" and "vervalt" in effect_of(t, vacuum).reason


def test_applied_rule_now_gives_more_and_a_deviation_that_stays_needed(corpus, tmp_path):
    applied = case("Wasmachine kost € 600.", uitkomst="niet afgeweken")
    still = case("Wasmachine met droger kost € 900.", uitkomst="afgeweken")
    t = run_toets(corpus, draft(tmp_path, wasmachine="700"), [applied, still])
    assert effect_of(t, applied).effect == "meer"
    assert effect_of(t, still).effect == "blijft" and "€ 900" in effect_of(t, still).reason


def test_without_the_fact_the_effect_is_not_guessed_but_counted_apart(corpus, tmp_path):
    no_amount = case("Wasmachine onherstelbaar defect, groot gezin.")
    two_ways = case("Gevraagd: wasmachine van € 750. Goedkoopste passende wasmachine kost € 600.")
    nothing = case("Alleenstaande ouder met schulden.")
    t = run_toets(corpus, draft(tmp_path, wasmachine="700"), [no_amount, two_ways, nothing])
    assert {effect_of(t, c).effect for c in (no_amount, two_ways, nothing)} == {"onbepaald"}
    assert "geen bedrag" in effect_of(t, no_amount).reason
    assert "verschillend" in effect_of(t, two_ways).reason
    assert t.counts()["onbepaald"] == 3 and t.counts()["overbodig"] == 0


def test_a_case_on_an_unchanged_article_has_no_effect(corpus, tmp_path):
    other = case("Terugvordering na te laat gemelde inkomsten.", article="5")
    t = run_toets(corpus, draft(tmp_path, wasmachine="700"), [other])
    assert effect_of(t, other).effect == "geen" and "artikel 5" in effect_of(t, other).reason


def test_a_case_on_an_article_with_a_new_condition_is_not_to_be_determined(corpus, tmp_path):
    c = case("Terugvordering na te laat gemelde inkomsten.", article="5", uitkomst="niet afgeweken")
    path = draft(tmp_path, art5_extra="\n3. De belanghebbende meldt een wijziging binnen twee weken.\n")
    t = run_toets(corpus, path, [c])
    e = effect_of(t, c)
    assert e.effect == "onbepaald" and "twee weken" in e.reason
    assert any("nieuwe voorwaarde" in line and "twee weken" in line for line in t.professional_lines())


# --------------------------------------------------------------------------- room for professional judgement


def test_removing_the_afwijkingsbevoegdheid_is_flagged(corpus, tmp_path):
    path = draft(tmp_path, afwijk_kop="Slotbepaling", afwijk_tekst="Deze beleidsregels treden in werking op 1 januari 2027.")
    t = run_toets(corpus, path, [])
    assert t.changes.deviation_before and not t.changes.deviation_after
    assert any("afwijkingsbevoegdheid" in f for f in t.flags)
    assert any("4:84 Awb blijft gelden" in line for line in t.room_lines())
    text = toets_document(t).plain_text()
    assert "LET OP" in render(toets_document(t), "md").decode() and "schrapt" in text


def test_a_power_that_becomes_a_duty_and_a_removed_exception_are_flagged(corpus, tmp_path):
    path = draft(tmp_path, terugvordering="Het college vordert de bijstand terug als de inlichtingenplicht niet is "
                                          "nagekomen.")
    path.write_text(path.read_text(encoding="utf-8").replace(
        "2. Het eerste lid is niet van toepassing als de belanghebbende een schuldregeling heeft.", ""),
        encoding="utf-8")
    t = run_toets(corpus, path, [])
    assert len(t.changes.power_to_duty) == 1 and "vordert" in t.changes.power_to_duty[0][1].text
    assert [s.text for s in t.changes.exceptions_removed] == [
        "Het eerste lid is niet van toepassing als de belanghebbende een schuldregeling heeft."]
    assert t.changes.room_reduced and len(t.flags) == 2
    assert t.changes.deviation_after  # the afwijkingsbevoegdheid itself stays


def test_a_verordening_without_hardheidsclausule_puts_deviations_on_it_outside(tmp_path):
    root = tmp_path / "corpus"
    (root / "v").mkdir(parents=True)
    hard = "Het college kan in bijzondere gevallen deze verordening buiten toepassing laten (hardheidsclausule)."
    (root / "v" / "v.md").write_text(regel(layer="verordening", afwijk_kop="Hardheidsclausule", afwijk_tekst=hard),
                                     encoding="utf-8")
    c = case("Terugvordering bij een schuldregeling.", article="5", basis="verordening-hardheidsclausule")
    path = draft(tmp_path, layer="verordening", afwijk_kop="Slotbepaling", afwijk_tekst="Inwerkingtreding 2027.")
    d, versions = load_draft(path, root)
    t = build_toets(d, versions, [c], [], today=TODAY)
    assert effect_of(t, c).effect == "minder" and "hardheidsclausule" in effect_of(t, c).reason
    assert any("hardheidsclausule" in f for f in t.flags)


# --------------------------------------------------------------------------- knelpunten


def test_knelpunten_addressed_partly_and_left_open(corpus, tmp_path):
    addressed = case("Wasmachine kost € 600.", knelpunt="Het maximum voor een wasmachine is te laag.",
                     solution="Maximum voor de wasmachine verhogen naar € 650.")
    other = case("Terugvordering.", article="5", knelpunt="Terugvordering houdt geen rekening met schulden.",
                 solution="Een uitzondering voor schuldhulptrajecten opnemen.")
    t = run_toets(corpus, draft(tmp_path, wasmachine="700"), [addressed, other])
    verdicts = {k.cases[0]: k.verdict for k in t.knelpunten}
    assert verdicts == {addressed.id: "geadresseerd", other.id: "blijft open"}
    t2 = run_toets(corpus, draft(tmp_path, "c2.md", wasmachine="600"), [addressed, other])
    k = next(k for k in t2.knelpunten if k.cases == [addressed.id])
    assert k.verdict == "gedeeltelijk" and "€ 650" in k.reason


# --------------------------------------------------------------------------- bad input: Dutch, nothing written


def test_bad_drafts_are_refused_in_dutch(corpus, tmp_path):
    with pytest.raises(ToetsError, match="geen nieuwere versie"):
        load_draft(draft(tmp_path, "oud.md", valid_from="2025-06-01"), corpus)
    other = draft(tmp_path, "ander.md").read_text(encoding="utf-8").replace("Beleidsregels testregel",
                                                                            "Beleidsregels onbekend")
    (tmp_path / "concepten" / "ander.md").write_text(other, encoding="utf-8")
    with pytest.raises(ToetsError, match="geen nieuwe versie van een regeling in het corpus"):
        load_draft(tmp_path / "concepten" / "ander.md", corpus)
    empty = tmp_path / "concepten" / "leeg.md"
    empty.write_text("---\ncitation: \"Beleidsregels testregel\"\nsource_type: beleidsregel\nvalid_from: '2027-01-01'"
                     "\n---\n# Beleidsregels testregel\n\nDeze tekst volgt nog.\n", encoding="utf-8")
    with pytest.raises(ToetsError, match="geen bedragen, voorwaarden of bevoegdheden"):
        load_draft(empty, corpus)
    inside = corpus / "beleidsregels" / "concept.md"
    inside.write_text(regel(valid_from="2027-01-01"), encoding="utf-8")
    with pytest.raises(ToetsError, match="staat in de corpusmap"):
        load_draft(inside, corpus)
    inside.unlink()
    same = draft(tmp_path, "gelijk.md")
    d, versions = load_draft(same, corpus)
    with pytest.raises(ToetsError, match="verschilt niet"):
        build_toets(d, versions, [], [], today=TODAY)


# --------------------------------------------------------------------------- the demo data (done when)


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    root = tmp_path_factory.mktemp("policy-demo")
    url = f"sqlite:///{root / 'maatwerk.db'}"
    seed_cases(url, n=120, seed=11, end=END)
    log = CaseLog.from_url(url)
    yield root, url, log
    log.close()


def bb_draft(tmp_path: Path, name: str, transform) -> Path:
    text = BB.read_text(encoding="utf-8").replace("valid_from: '2026-01-01'", "valid_from: '2027-01-01'")
    path = tmp_path / name
    path.write_text(transform(text), encoding="utf-8")
    return path


def test_demo_higher_appliance_maximum_lists_checkable_deviations(demo, tmp_path):
    _, _, log = demo
    path = bb_draft(tmp_path, "bb-hoger.md", lambda t: t.replace("a. wasmachine: € 525;", "a. wasmachine: € 700;"))
    t = uitvoeringstoets(log, path, CORPUS, today=TODAY, gemeente="Lindewaarde")
    made_unnecessary = [e for e in t.cases if e.effect == "overbodig"]
    assert made_unnecessary, "the demo year holds deviations on the washing machine maximum"
    cases = {c.id: c for c in log.approved_cases()}
    for e in made_unnecessary:  # checkable by hand: the amounts in the reason are the case's own
        c = cases[e.case_id]
        assert c.uitkomst in ("afgeweken", "gedeeltelijk") and e.article == "4"
        stated = re.match(r"wasmachine: (.*?) in de casus", e.reason).group(1)
        named = [float(x.replace(".", "")) for x in re.findall(r"€ ([\d.]+)", stated)]
        in_case = {a.value for a in read_facts(c.situation).amounts}
        assert set(named) <= in_case and all(525 < v <= 700 for v in named), (e.reason, c.situation)
    precedent = next(e for e in t.precedents if e.ref == "MB-2025-030")
    assert precedent.effect == "overbodig"
    for fmt in FORMATS:
        data = render(toets_document(t), fmt)
        assert data
    md = render(toets_document(t), "md").decode()
    assert not contains_personal_data(toets_document(t).plain_text())
    assert all(f"| {e.case_id} |" in md for e in made_unnecessary)


def test_demo_draft_without_afwijkingsartikel_is_flagged(demo, tmp_path):
    _, _, log = demo
    path = bb_draft(tmp_path, "bb-zonder-6.md", lambda t: re.sub(
        r"## Artikel 6\. Afwijken van deze beleidsregels.*?(?=## Artikel 7)", "", t, flags=re.S))
    t = uitvoeringstoets(log, path, CORPUS, today=TODAY)
    assert t.flags == ["het concept schrapt de afwijkingsbevoegdheid"]


# --------------------------------------------------------------------------- staat and signalen


def test_staat_renders_with_agenda_and_without_personal_data(demo):
    _, _, log = demo
    s = staat_van_de_uitvoering(log, 2026)
    assert s.report.total_cases == len(log.approved_cases(dt.date(2026, 1, 1), dt.date(2026, 12, 31)))
    assert s.agenda and s.agenda[0].deviated + s.agenda[0].knelpunten >= s.agenda[-1].deviated + s.agenda[-1].knelpunten
    assert {a.who for a in s.agenda} & {"college", "gemeenteraad"}
    assert any(a.who.startswith("Rijk") for a in s.agenda)
    doc = staat_document(s)
    assert not contains_personal_data(doc.plain_text())
    for fmt in FORMATS:
        assert render(doc, fmt)
    with pytest.raises(StaatError, match="geen enkele casus"):
        staat_van_de_uitvoering(log, 2019)


def _second_gemeente(root: Path) -> CaseLog:
    """Demo data for a second gemeente: its own case log, another year of cases."""
    url = f"sqlite:///{root / 'rivierdal.db'}"
    seed_cases(url, n=80, seed=23, end=END)
    return CaseLog.from_url(url)


def test_signalen_export_merge_of_two_gemeenten(demo, tmp_path):
    root, _, log = demo
    van, tot = dt.date(2026, 1, 1), dt.date(2026, 12, 31)
    a = export_signalen(log, van, tot, gemeente="Lindewaarde", corpus_dir=CORPUS)
    other = _second_gemeente(root)
    try:
        b = export_signalen(other, van, tot, gemeente="Rivierdal", corpus_dir=CORPUS)
    finally:
        other.close()
    assert a["signalen"] and all(s["regel"]["bwb_id"] for s in a["signalen"] if "Participatiewet" in
                                 s["regel"]["citeertitel"])
    text = to_json(a) + to_csv(b)
    assert not contains_personal_data(text)
    assert "casus " not in text and not re.search(r"\"(case_id|id|casus)\"", text)  # no case numbers
    (tmp_path / "a.json").write_text(to_json(a), encoding="utf-8")
    (tmp_path / "b.csv").write_text("\ufeff" + to_csv(b), encoding="utf-8")
    merged = merge_signalen([read_signalen(tmp_path / "a.json"), read_signalen(tmp_path / "b.csv")])
    assert merged.gemeenten == ["Lindewaarde", "Rivierdal"]
    both = [s for s in merged.signals if len(s.per_gemeente) == 2]
    assert both, "the same national rule and proposal from two gemeenten is one signal"
    assert len({(s.citation, s.proposal) for s in merged.signals}) == len(merged.signals)
    total = sum(s["aantal_casussen"] for s in a["signalen"]) + sum(s["aantal_casussen"] for s in b["signalen"])
    assert sum(s.cases for s in merged.signals) == total
    doc = merged_document(merged)
    assert not contains_personal_data(doc.plain_text())
    for fmt in FORMATS:
        assert render(doc, fmt)


def test_signalen_files_of_an_unknown_version_or_shape_are_refused(tmp_path):
    good = {"schema": "maatwerk-signalen", "schema_versie": 1, "gemeente": "X", "periode": {}, "signalen": []}
    cases = {
        "v9.json": ({**good, "schema_versie": 9}, "onbekende schemaversie '9'"),
        "anders.json": ({**good, "schema": "iets"}, "geen signalenbestand"),
        "kapot.json": ("{niet json", "geen geldige JSON"),
        "zonder.json": ({**good, "signalen": [{"aantal_casussen": 1}]}, "heeft geen regel"),
    }
    for name, (content, message) in cases.items():
        (tmp_path / name).write_text(content if isinstance(content, str) else json.dumps(content), encoding="utf-8")
        with pytest.raises(SignalenError, match=re.escape(message)):
            read_signalen(tmp_path / name)


# --------------------------------------------------------------------------- the commands


@pytest.fixture
def cli(demo, monkeypatch):
    from assistant.cli.main import main

    root, _, log = demo
    monkeypatch.setenv("MAATWERK_DATA_DIR", str(root))
    monkeypatch.setenv("MAATWERK_CORPUS_DIR", str(CORPUS))  # read only: no sample corpus is copied
    if not log.has_real_users():
        log.init_admin("beheer", "beheer-wachtwoord-1")
        for name, role in (("jur", "jurist"), ("kwal", "kwaliteit"), ("prof", "professional")):
            log.add_user(name, role, by="beheer")
    tokens = {n: log.issue_token(n, by="beheer") for n in ("jur", "kwal", "prof")}

    def run(who: str | None, *args):
        if who:
            monkeypatch.setenv("MAATWERK_TOKEN", tokens[who])
        else:
            monkeypatch.delenv("MAATWERK_TOKEN", raising=False)
        return CliRunner().invoke(main, list(args))

    return run


def test_cli_toets_staat_export_import(cli, tmp_path):
    path = bb_draft(tmp_path, "bb.md", lambda t: t.replace("a. wasmachine: € 525;", "a. wasmachine: € 700;"))
    r = cli("jur", "toets", str(path), "--format", "pdf", "--out", str(tmp_path / "toets.pdf"), "--json")
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)["gevolgen"]["overbodig"] >= 1
    assert (tmp_path / "toets.pdf").read_bytes().startswith(b"%PDF")
    r = cli("kwal", "report", "staat", "--jaar", "2026", "--format", "docx", "--out", str(tmp_path / "staat.docx"))
    assert r.exit_code == 0, r.output
    r = cli("kwal", "export", "signalen", "--jaar", "2026", "--out", str(tmp_path / "s.json"))
    assert r.exit_code == 0, r.output
    data = json.loads((tmp_path / "s.json").read_text(encoding="utf-8"))
    b = {**data, "gemeente": "Rivierdal"}
    (tmp_path / "b.json").write_text(json.dumps(b), encoding="utf-8")
    r = cli(None, "import", "signalen", str(tmp_path / "s.json"), str(tmp_path / "b.json"), "--format", "html",
            "--out", str(tmp_path / "samen.html"))
    assert r.exit_code == 0, r.output
    assert "2 gemeenten" in r.output and (tmp_path / "samen.html").exists()


@pytest.mark.parametrize("who, args, message", [
    ("prof", ["toets", "{draft}"], "Alleen een jurist, kwaliteitsmedewerker of beheerder"),
    ("jur", ["toets", "{old}"], "geen nieuwere versie"),
    ("jur", ["toets", "{draft}", "--format", "xls"], "onbekend formaat"),
    ("jur", ["report", "staat", "--jaar", "2026"], "Alleen een kwaliteitsmedewerker of beheerder"),
    ("kwal", ["report", "staat", "--jaar", "2019"], "In 2019 is geen enkele casus goedgekeurd"),
    ("kwal", ["export", "signalen"], "Geef de periode"),
    (None, ["import", "signalen", "{v9}"], "onbekende schemaversie"),
])
def test_cli_bad_input_writes_nothing(cli, tmp_path, who, args, message):
    d = bb_draft(tmp_path, "d.md", lambda t: t.replace("a. wasmachine: € 525;", "a. wasmachine: € 700;"))
    old = bb_draft(tmp_path, "old.md", lambda t: t.replace("valid_from: '2027-01-01'", "valid_from: '2025-06-01'"))
    v9 = tmp_path / "v9.json"
    v9.write_text(json.dumps({"schema": "maatwerk-signalen", "schema_versie": 9, "gemeente": "X", "signalen": []}))
    out = tmp_path / "uit" / "bestand.md"
    filled = [a.format(draft=d, old=old, v9=v9) for a in args]
    r = cli(who, *filled, "--out", str(out))
    assert r.exit_code == 2 and message in r.output and "Traceback" not in r.output
    assert not out.exists() and not out.parent.exists()
