"""`maatwerk users|cases|audit` end to end through click, on a real SQLite file in the data dir:
what each role may do, Dutch refusals with exit code 2, and `audit verify` exit codes."""

from __future__ import annotations

import json
import sqlite3

import pytest
from click.testing import CliRunner

from assistant.cli.main import main


ADMIN_PASSWORD = "beheer-wachtwoord-1"


@pytest.fixture
def run(tmp_path):
    """invoke(*args): `maatwerk ...` where `--as NAME` is backed by NAME's service token
    (MAATWERK_TOKEN), as a script would run it; the attacks on that are in test_identity.py."""
    from assistant.cases import CaseLog

    runner = CliRunner()
    data = tmp_path / "data"
    env = {"MAATWERK_DATA_DIR": str(data), "MAATWERK_DATABASE_URL": "", "MAATWERK_TOKEN": "",
           "MAATWERK_DEMO": "false"}
    data.mkdir()
    log = CaseLog.from_url(f"sqlite:///{data / 'maatwerk.db'}")
    log.init_admin("beheer", ADMIN_PASSWORD)
    tokens = {"beheer": log.issue_token("beheer", by="beheer")}
    for name, role in [("anna", "professional"), ("bram", "professional"), ("kim", "kwaliteit"),
                       ("jules", "jurist")]:
        log.add_user(name, role, team="Noord", by="beheer")
        tokens[name] = log.issue_token(name, by="beheer")
    log.close()

    def invoke(*args: str, input: str | None = None):
        extra = dict(env)
        if "--as" in args:
            extra["MAATWERK_TOKEN"] = tokens.get(args[args.index("--as") + 1], "")
        return runner.invoke(main, list(args), env=extra, input=input, catch_exceptions=False)

    invoke.db = data / "maatwerk.db"
    invoke.tokens = tokens
    return invoke


def new_case(run, user="anna", *extra: str) -> int:
    r = run("cases", "new", "--as", user, "--vraag", "Mag ik afzien van terugvordering?",
            "--situatie", "Mevrouw Jansen (BSN 111222333) meldde haar bijbaan te laat.",
            "--domein", "participatiewet", "--peildatum", "2026-03-01", *extra)
    assert r.exit_code == 0, r.output
    return int(r.output.strip())


def test_users_add_and_list(run):
    r = run("users", "list", "--as", "beheer")
    assert r.exit_code == 0 and "kim" in r.output and "kwaliteit" in r.output
    assert "aangemaakt door beheer" in r.output
    users = json.loads(run("users", "list", "--as", "beheer", "--json").output)
    assert {u["username"]: u["role"] for u in users}["jules"] == "jurist"
    r = run("users", "add", "anna", "--role", "professional", "--as", "beheer", "--password-stdin",
            input="anna-wachtwoord-1\n")
    assert r.exit_code == 2 and "bestaat al" in r.output
    r = run("users", "add", "x", "--role", "directeur", "--as", "beheer")
    assert r.exit_code == 2
    r = run("users", "add", "piet", "--role", "jurist", "--as", "beheer", "--password-stdin",
            input="piet-wachtwoord-1\n")
    assert r.exit_code == 0 and "piet toegevoegd als jurist" in r.output


def test_the_whole_workflow_on_the_command_line(run):
    case_id = new_case(run)
    shown = json.loads(run("cases", "show", str(case_id), "--as", "anna", "--json").output)
    assert shown["situation"] == "Mevrouw [NAAM-1] (BSN [BSN-1]) meldde haar bijbaan te laat."
    assert shown["status"] == "concept" and shown["peildatum"] == "2026-03-01"

    r = run("cases", "submit", str(case_id), "--as", "anna")
    assert r.exit_code == 2 and "niet compleet" in r.output and "uitkomst" in r.output
    r = run("cases", "edit", str(case_id), "--as", "anna", "--uitkomst", "afgeweken",
            "--motivering", "Dringende redenen.")
    assert r.exit_code == 0, r.output
    assert run("cases", "submit", str(case_id), "--as", "anna").exit_code == 0

    r = run("cases", "review", str(case_id), "--as", "kim", "--return")
    assert r.exit_code == 2 and "toelichting" in r.output
    r = run("cases", "review", str(case_id), "--as", "kim", "--return", "--comment", "Meer over de schuld.")
    assert r.exit_code == 0 and "teruggestuurd" in r.output
    assert run("cases", "edit", str(case_id), "--as", "anna", "--motivering", "Schuld leidt tot uitzetting.").exit_code == 0
    assert run("cases", "submit", str(case_id), "--as", "anna").exit_code == 0
    r = run("cases", "review", str(case_id), "--as", "kim", "--approve")
    assert r.exit_code == 0 and "goedgekeurd" in r.output

    r = run("cases", "show", str(case_id), "--as", "kim")
    assert "goedgekeurd" in r.output and "Meer over de schuld." in r.output
    listed = json.loads(run("cases", "list", "--as", "kim", "--status", "goedgekeurd", "--json").output)
    assert [c["id"] for c in listed] == [case_id]
    r = run("audit", "verify")
    # 1 init + 4 users + 5 tokens, then 7 case events
    assert r.exit_code == 0 and r.output.startswith("audittrail intact: 17 gebeurtenissen")


@pytest.mark.parametrize("args, message", [
    (("cases", "list", "--as", "niemand", "--password-stdin"), "geen wachtwoord voor niemand op stdin"),
    (("cases", "new", "--vraag", "x?"), "Zeg wie u bent"),
    (("cases", "show", "1", "--as", "bram"), "niet van u"),
    (("cases", "submit", "1", "--as", "bram"), "niet van u"),
    (("cases", "review", "1", "--as", "anna", "--approve"), "kwaliteitsmedewerker of beheerder"),
    (("cases", "review", "1", "--as", "jules", "--reject"), "kwaliteitsmedewerker of beheerder"),
    (("cases", "review", "1", "--as", "kim", "--approve"), "alleen een ingediende casus"),
    (("cases", "review", "1", "--as", "kim"), "kies --approve, --return of --reject"),
    (("cases", "export", "--as", "anna", "--format", "csv"), "exporteren"),
    (("cases", "show", "99", "--as", "kim"), "Casus 99 bestaat niet"),
    (("cases", "new", "--as", "anna", "--vraag", "x?", "--peildatum", "morgen"), "geen geldige peildatum"),
    (("cases", "new", "--as", "anna", "--vraag", "x?", "--domein", "belasting"), "Onbekend domein"),
    (("audit", "purge", "--as", "kim"), "beheerder"),
    (("audit", "purge", "--as", "beheer", "--dagen", "30"), "minimaal 183"),
])
def test_refusals_are_dutch_with_exit_code_2(run, args, message):
    new_case(run)
    r = run(*args)
    assert r.exit_code == 2, r.output
    assert message in r.output and "Traceback" not in r.output
    assert r.output.startswith("Fout: ")


def test_the_author_cannot_approve_their_own_case(run):
    case_id = new_case(run, "kim", "--uitkomst", "afgeweken", "--motivering", "Omdat.")
    assert run("cases", "submit", str(case_id), "--as", "kim").exit_code == 0
    r = run("cases", "review", str(case_id), "--as", "kim", "--approve")
    assert r.exit_code == 2 and "eigen casus" in r.output


def test_list_shows_a_professional_only_own_cases(run):
    a, b = new_case(run, "anna"), new_case(run, "bram")
    assert [c["id"] for c in json.loads(run("cases", "list", "--as", "anna", "--json").output)] == [a]
    assert [c["id"] for c in json.loads(run("cases", "list", "--as", "jules", "--json").output)] == [a, b]
    assert "Mag ik afzien" in run("cases", "list", "--as", "bram").output


def test_export_csv_and_json_to_a_file(run, tmp_path):
    new_case(run)
    out = tmp_path / "export.csv"
    r = run("cases", "export", "--as", "kim", "--format", "csv", "--out", str(out))
    assert r.exit_code == 0
    text = out.read_text(encoding="utf-8")
    assert text.startswith("id,version,status") and "[BSN-1]" in text and "111222333" not in text
    data = json.loads(run("cases", "export", "--as", "beheer", "--format", "json").output)
    assert data[0]["question"] == "Mag ik afzien van terugvordering?"


def test_audit_verify_exits_1_naming_the_first_broken_event(run):
    new_case(run)
    con = sqlite3.connect(run.db)
    con.execute("UPDATE audit_events SET after_json = '{}' WHERE seq = 6")
    con.commit()
    con.close()
    r = run("audit", "verify")
    assert r.exit_code == 1
    assert "gebeurtenis 6" in r.output and "gewijzigd" in r.output
