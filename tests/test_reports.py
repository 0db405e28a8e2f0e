"""The knelpuntenrapportage: numbers that match the case log, the 'dit artikel knelt' signal,
national and local knelpunten in the right sections, all five formats (charts embedded), the
CLI, and no personal data in any output."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from assistant.cases import Case, CaseLog
from assistant.cases.demo import seed_cases
from assistant.privacy import contains_personal_data
from assistant.reporting import FORMATS, ReportError, build_report, knelpunten_report, write_report
from assistant.reporting.text import render_csv, render_markdown

END = dt.date(2026, 11, 27)
VAN, TOT = dt.date(2025, 11, 28), END


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def seeded(tmp_path_factory):
    root = tmp_path_factory.mktemp("report")
    db = root / "maatwerk.db"
    seed_cases(f"sqlite:///{db}", n=120, seed=11, end=END)
    log = CaseLog.from_url(f"sqlite:///{db}")
    report = knelpunten_report(log, VAN, TOT)
    yield db, log, report
    log.close()


@pytest.fixture(scope="module")
def outputs(seeded, tmp_path_factory):
    _, _, report = seeded
    out = tmp_path_factory.mktemp("out")
    return {fmt: write_report(report, fmt, out / f"knelpunten.{fmt}") for fmt in FORMATS}


_ids = iter(range(1, 10_000))


def case(rule="artikel 4 Beleidsregels testregel", uitkomst="afgeweken", knelpunt=False, owner=None, when=None,
         description=None, basis="beleidsregel-4:84-awb", situation="Een alleenstaande ouder met twee kinderen. "
         "Huurachterstand door een late toeslag.", domain="participatiewet", team="Team Inkomen") -> Case:
    when = when or dt.datetime(2026, 3, 10, 12)
    return Case(
        id=next(_ids), version=1, status="goedgekeurd", author="anna", author_name="anna", team=team, domain=domain,
        peildatum=when.date(), situation=situation, question="Mag ik afwijken?",
        rules=[{"citation": rule, "version": "2025-01-01"}],
        afwijkingsruimte={"basis": basis, "rule": rule, "layer": None}, uitkomst=uitkomst,
        motivering="De regel pakt hier onevenredig uit. Daarom is afgeweken.", precedents=[], ai_stance=None,
        ai_stance_reason=None, knelpunt=knelpunt,
        knelpunt_description=description or ("De regel houdt geen rekening met late toeslagen." if knelpunt else None),
        knelpunt_consequences="Inwoners raken in de schulden." if knelpunt else None,
        knelpunt_solution="Een uitzondering opnemen." if knelpunt else None,
        knelpunt_solution_type=("wet" if owner == "rijk" else "beleidsregel") if knelpunt else None,
        knelpunt_owner=owner if knelpunt else None, knelpunt_status="open" if knelpunt else None,
        reviewer="kim", created_at=when, updated_at=when, submitted_at=when, reviewed_at=when,
    )


# --------------------------------------------------------------------------- aggregation


def test_counts_match_a_direct_sql_query(seeded):
    db, _, report = seeded
    con = sqlite3.connect(db)
    try:
        lo, hi = f"{VAN.isoformat()} 00:00:00", f"{(TOT + dt.timedelta(days=1)).isoformat()} 00:00:00"
        where = "status = 'goedgekeurd' AND reviewed_at >= ? AND reviewed_at < ?"
        total = con.execute(f"SELECT count(*) FROM cases WHERE {where}", (lo, hi)).fetchone()[0]
        knelpunt = con.execute(f"SELECT count(*) FROM cases WHERE {where} AND knelpunt = 1", (lo, hi)).fetchone()[0]
        outcomes = dict(con.execute(f"SELECT uitkomst, count(*) FROM cases WHERE {where} GROUP BY uitkomst", (lo, hi)))
        per_rule = dict(((c, v), n) for c, v, n in con.execute(
            f"SELECT json_extract(r.value, '$.citation'), json_extract(r.value, '$.version'), count(*) "
            f"FROM cases, json_each(cases.rules) AS r WHERE {where} GROUP BY 1, 2", (lo, hi)))
        per_domain = dict(con.execute(f"SELECT domain, count(*) FROM cases WHERE {where} GROUP BY domain", (lo, hi)))
        knelpunt_per_rule_owner = dict(((c, o), n) for c, o, n in con.execute(
            f"SELECT json_extract(rules, '$[0].citation'), knelpunt_owner, count(*) FROM cases "
            f"WHERE {where} AND knelpunt = 1 GROUP BY 1, 2", (lo, hi)))
    finally:
        con.close()
    assert total > 80 and report.total_cases == total
    assert report.knelpunt_cases == knelpunt
    assert {u: n for u, n in report.uitkomsten.items() if n} == outcomes
    assert {(r.citation, r.version): r.cases for r in report.rules} == per_rule
    assert {g.name: g.cases for g in report.domains} == per_domain
    assert sum(m.cases for m in report.months) == total
    summed: dict = {}
    for k in report.knelpunten:
        summed[(k.rule, k.owner)] = summed.get((k.rule, k.owner), 0) + k.count
    assert summed == knelpunt_per_rule_owner
    # The numbers in the text are the same numbers.
    md = render_markdown(report, images={"regels": "r.png", "maanden": "m.png", "uitkomsten": "u.png"})
    assert f"keurden kwaliteitsmedewerkers {total} maatwerkcasussen goed" in md
    rows = render_csv(report).splitlines()
    assert len(rows) == len(report.knelpunten) + 1


def test_no_room_rules_and_clusters(seeded):
    _, _, report = seeded
    assert report.no_room_rules, "the corpus has rules without room (grondslag 'geen')"
    assert all(r.no_room and r.deviated == 0 for r in report.no_room_rules)
    assert report.clusters and all(c.cases >= 3 and c.name for c in report.clusters)


def test_knelt_signal_crosses_the_threshold():
    rule = "artikel 9 Beleidsregels voorbeeld"
    cases = [case(rule, "afgeweken") for _ in range(3)] + [case(rule, "niet afgeweken")]
    other = [case("artikel 2 Verordening anders", "afgeweken")] + [case("artikel 2 Verordening anders", "niet afgeweken")
                                                                 for _ in range(5)]
    report = build_report(cases + other, VAN, TOT, knelt_min_cases=3, knelt_min_share=0.5)
    stats = {r.citation: r for r in report.rules}
    assert stats[rule].knelt and stats[rule].deviated == 3 and stats[rule].share_deviated == 0.75
    assert not stats["artikel 2 Verordening anders"].knelt  # 1 of 6
    assert "dit artikel knelt" in " ".join(t for _, t in report.summary)
    # Just below either threshold: no signal.
    assert not {r.citation: r for r in build_report(cases, VAN, TOT, knelt_min_cases=4).rules}[rule].knelt
    assert not {r.citation: r for r in build_report(cases, VAN, TOT, knelt_min_share=0.8).rules}[rule].knelt
    # No room to deviate: the rule pinches through knelpunt cases, not deviations.
    wall = [case("artikel 22a Participatiewet", "niet afgeweken", knelpunt=True, owner="rijk", basis="geen")
            for _ in range(3)]
    r = build_report(wall, VAN, TOT).rules[0]
    assert r.knelt and r.no_room == 3 and r.layer == "wet"


def test_national_and_local_knelpunten_land_in_their_sections():
    national = [case("artikel 22a Participatiewet", "niet afgeweken", knelpunt=True, owner="rijk", basis="geen",
                     description="De kostendelersnorm kent geen uitzondering voor een thuiswonend volwassen kind.")
                for _ in range(2)]
    local = [case("artikel 5 Beleidsregels bijzondere bijstand Testdorp", knelpunt=True, owner="gemeente",
                  description="Het maximumbedrag voor een wasmachine ligt onder de marktprijs.") for _ in range(3)]
    report = build_report(national + local, VAN, TOT)
    assert [k.rule for k in report.national_knelpunten] == ["artikel 22a Participatiewet"]
    assert [k.rule for k in report.local_knelpunten] == ["artikel 5 Beleidsregels bijzondere bijstand Testdorp"]
    assert report.local_knelpunten[0].fixer == "college" and report.local_knelpunten[0].count == 3
    assert report.forwardable == report.national_knelpunten
    md = render_markdown(report, images={"regels": "r.png", "maanden": "m.png", "uitkomsten": "u.png"})
    local_part = md.split("### Op te lossen door de gemeente")[1].split("### Op te lossen door het Rijk")[0]
    national_part = md.split("### Op te lossen door het Rijk")[1].split("## Overzicht voor opvolging")[0]
    forward = md.split("## Door te sturen aan het Rijk")[1]
    assert "wasmachine" in local_part and "kostendelersnorm" not in local_part
    assert "kostendelersnorm" in national_part and "wasmachine" not in national_part
    assert "kostendelersnorm" in forward and "wasmachine" not in forward


def test_similar_descriptions_merge_and_stories_hide_placeholders():
    cases = [case(knelpunt=True, owner="gemeente", description="De regel houdt geen rekening met late toeslagen."),
             case(knelpunt=True, owner="gemeente", description="De regel houdt geen rekening met te late toeslagen."),
             case(knelpunt=True, owner="gemeente", situation="Een vader van in de dertig. Zijn werkgever [NAAM-1] "
                  "betaalde te laat.", description="De regel houdt geen rekening met late toeslagen van de Belastingdienst.")]
    report = build_report(cases, VAN, TOT)
    assert len(report.knelpunten) == 1 and report.knelpunten[0].count == 3
    stories = " ".join(s.text for s in report.knelpunten[0].stories)
    assert 2 <= len(report.knelpunten[0].stories) <= 3
    assert "[NAAM-1]" not in stories and "De klantmanager week af van de regel" in stories


def test_previous_period_gives_a_trend():
    rule = "artikel 4 Beleidsregels testregel"
    before = [case(rule, when=dt.datetime(2025, 6, 1, 12))]
    now = [case(rule) for _ in range(3)]
    report = build_report(now, VAN, TOT, previous=before)
    assert report.has_trend and report.rules[0].trend.startswith("stijgend (1 → 3")
    assert report.previous_van == dt.date(2024, 11, 28)
    with pytest.raises(ReportError):
        build_report(now, TOT, VAN)


# --------------------------------------------------------------------------- formats


def _texts(outputs) -> dict[str, str]:
    from docx import Document
    from pypdf import PdfReader

    from bs4 import BeautifulSoup

    texts = {fmt: outputs[fmt][0].read_text(encoding="utf-8-sig") for fmt in ("md", "html", "csv")}
    # HTML: check the text a reader sees, plus the raw markup minus the base64 charts.
    # HTML: the visible text, block by block as a reader sees it (headings, cells, paragraphs).
    soup = BeautifulSoup(texts["html"], "html.parser")
    blocks = soup.find_all(["h1", "h2", "h3", "h4", "p", "li", "th", "td", "dt", "dd", "blockquote", "figcaption"])
    texts["html"] = "\n\n".join(b.get_text(" ", strip=True) + "." for b in blocks)
    doc = Document(str(outputs["docx"][0]))
    parts = [p.text for p in doc.paragraphs]
    parts += [cell.text for t in doc.tables for row in t.rows for cell in row.cells]
    texts["docx"] = "\n\n".join(p.strip() + "." for p in parts if p.strip())  # one block per paragraph/cell
    texts["pdf"] = "\n".join(page.extract_text() for page in PdfReader(str(outputs["pdf"][0])).pages)
    # The red badge is a label on its own line, not the start of the sentence after it.
    texts["pdf"] = texts["pdf"].replace("DIT ARTIKEL KNELT", "DIT ARTIKEL KNELT.")
    return texts


def _pdf_fonts(reader) -> dict[str, bool]:
    """Every font the PDF's pages use, and whether its font file is embedded."""
    fonts = {}
    for page in reader.pages:
        for ref in page["/Resources"].get("/Font", {}).values():
            font = ref.get_object()
            described = font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font
            descriptor = described.get("/FontDescriptor")
            descriptor = descriptor.get_object() if descriptor is not None else {}
            fonts[str(font.get("/BaseFont"))] = any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))
    return fonts


def test_all_formats_with_charts_and_without_personal_data(seeded, outputs):
    from docx import Document
    from pypdf import PdfReader

    _, _, report = seeded
    # Markdown: PNG charts beside it, linked relatively.
    md_files = outputs["md"]
    assert {p.name for p in md_files[1:]} == {"regels.png", "maanden.png", "uitkomsten.png"}
    assert all(p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for p in md_files[1:])
    assert "](knelpunten-grafieken/regels.png)" in md_files[0].read_text(encoding="utf-8")
    assert outputs["html"][0].read_text(encoding="utf-8").count("data:image/png;base64,") == 3
    doc = Document(str(outputs["docx"][0]))
    assert len(doc.inline_shapes) == 3
    reader = PdfReader(str(outputs["pdf"][0]))
    assert sum(len(page.images) for page in reader.pages) >= 3
    assert len(reader.pages) >= 5

    texts = _texts(outputs)
    for fmt, text in texts.items():
        assert "Samenvatting voor het bestuur" in text or fmt == "csv", fmt
        assert contains_personal_data(text) == [], fmt
        first = report.knelpunten[0]
        assert (first.titel[:40] in text) or (first.titel[:40].replace("€", "EUR") in text), fmt
    for fmt in ("md", "html", "docx", "pdf"):
        assert "Door te sturen aan het Rijk" in texts[fmt]
        assert "€" in texts[fmt] or "ë" in texts[fmt] or "é" in texts[fmt]
    # The PDF's text is extractable and its fonts travel with it (embedded font files), so it
    # reads the same on a machine without DejaVu.
    assert "Samenvatting voor het bestuur" in texts["pdf"]
    fonts = _pdf_fonts(reader)
    assert fonts and all(embedded for embedded in fonts.values()), fonts
    header = texts["csv"].splitlines()[0]
    assert header.startswith("nr,titel,regel,versie,laag")


def test_write_report_errors(seeded, tmp_path: Path):
    _, _, report = seeded
    with pytest.raises(ReportError, match="Onbekend formaat"):
        write_report(report, "xls", tmp_path / "x.xls")
    with pytest.raises(ReportError, match="is een map"):
        write_report(report, "csv", tmp_path)
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(ReportError, match="Kan niet schrijven"):
        write_report(report, "csv", blocker / "sub" / "r.csv")


# --------------------------------------------------------------------------- CLI


@pytest.fixture
def cli(seeded, monkeypatch):
    from assistant.cli.main import main

    db, _, _ = seeded
    monkeypatch.setenv("MAATWERK_DATA_DIR", str(db.parent))

    def run(*args):
        return CliRunner().invoke(main, ["report", "knelpunten", *args])

    return run


@pytest.fixture
def report_tokens(seeded, monkeypatch):
    """The seeded demo log is a demo log; a real beheerder (users init) ends that, after which only
    real accounts act: a kwaliteit user with a service token, and a professional."""
    db, log, _ = seeded
    if not log.has_real_users():
        log.init_admin("beheer", "beheer-wachtwoord-1")
        log.add_user("kwal", "kwaliteit", by="beheer")
        log.add_user("prof", "professional", by="beheer")
    return {name: log.issue_token(name, by="beheer") for name in ("kwal", "prof")}


def test_cli_report(cli, seeded, report_tokens, tmp_path: Path, monkeypatch):
    _, _, report = seeded
    out = tmp_path / "r.csv"
    monkeypatch.setenv("MAATWERK_TOKEN", report_tokens["kwal"])
    result = cli("--van", VAN.isoformat(), "--tot", TOT.isoformat(), "--format", "csv", "--out", str(out), "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["casussen"] == report.total_cases and summary["knelpunten"] == len(report.knelpunten)
    assert out.exists()


@pytest.mark.parametrize("args, message", [
    (["--van", "2026-02-30", "--tot", "2026-03-01"], "geen geldige datum"),
    (["--van", "2026-03-01", "--tot", "2026-01-01"], "ligt na --tot"),
    (["--van", "2026-01-01", "--tot", "2026-03-01", "--format", "xls"], "onbekend formaat"),
    (["--van", "2026-01-01", "--tot", "2026-03-01"], "Zeg wie u bent"),
    (["--van", "2026-01-01", "--tot", "2026-03-01", "--as", "demo.kwaliteit.1", "--password-stdin"],
     "Demo-accounts zijn uitgeschakeld"),
    (["--van", "2026-01-01", "--tot", "2026-03-01", "--as", "niemand", "--password-stdin"], "geen wachtwoord"),
])
def test_cli_errors(cli, tmp_path: Path, args, message):
    result = cli(*args, "--out", str(tmp_path / "r.md"))
    assert result.exit_code == 2 and message in result.output


def test_cli_report_refuses_a_professional_and_never_skips_the_role_check(cli, report_tokens, tmp_path: Path,
                                                                            monkeypatch):
    monkeypatch.setenv("MAATWERK_TOKEN", report_tokens["prof"])
    result = cli("--van", "2026-01-01", "--tot", "2026-03-01", "--out", str(tmp_path / "r.md"))
    assert result.exit_code == 2 and "kwaliteitsmedewerker of beheerder" in result.output
    assert not (tmp_path / "r.md").exists()


def test_cli_unwritable_path(cli, report_tokens, tmp_path: Path, monkeypatch):
    monkeypatch.setenv("MAATWERK_TOKEN", report_tokens["kwal"])
    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = cli("--van", "2026-01-01", "--tot", "2026-03-01", "--format", "csv", "--out", str(blocker / "r.csv"))
    assert result.exit_code == 2 and "Kan niet schrijven" in result.output
