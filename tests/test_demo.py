"""Demo seeding: a deterministic, realistic year of cases through the real workflow."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from click.testing import CliRunner

from assistant.cases import CaseLog
from assistant.cases.demo import load_templates, seed_cases

END = dt.date(2026, 11, 27)


def _fingerprint(url: str) -> list[tuple]:
    log = CaseLog.from_url(url)
    try:
        return [(c.situation, c.uitkomst, c.reviewed_at, json.dumps(c.rules), c.knelpunt_status, c.team)
                for c in log.approved_cases()]
    finally:
        log.close()


def test_templates_come_from_the_corpus():
    templates = load_templates()
    assert len(templates) >= 25
    assert {t.domain for t in templates} >= {"participatiewet", "wmo", "jeugd", "schuldhulp"}
    assert any(t.grondslag == "geen" for t in templates)
    assert any((t.knelpunt or {}).get("wie") == "rijk" for t in templates)


def test_seed_is_realistic_and_deterministic(tmp_path: Path):
    url_a, url_b = f"sqlite:///{tmp_path / 'a.db'}", f"sqlite:///{tmp_path / 'b.db'}"
    summary = seed_cases(url_a, n=60, seed=7, end=END)
    assert summary.cases == 60
    assert summary.approved + summary.rejected == 60
    assert summary.rejected >= 1 and summary.returned_then_approved >= 1
    assert 0.15 <= summary.knelpunten / summary.cases <= 0.6

    log = CaseLog.from_url(url_a)
    try:
        cases = log.approved_cases()
        assert len(cases) == summary.approved
        months = {(c.reviewed_at.year, c.reviewed_at.month) for c in cases}
        assert len(months) >= 8  # spread over the year
        assert all(END - dt.timedelta(days=365) <= c.reviewed_at.date() <= END for c in cases)
        assert all(c.created_at <= c.submitted_at <= c.reviewed_at for c in cases)
        assert len({c.team for c in cases}) >= 4 and len({c.author for c in cases}) >= 6
        assert all(c.reviewer and c.reviewer.startswith("demo.kwaliteit") for c in cases)
        assert all(c.rules and c.rules[0]["citation"] and c.rules[0]["version"] for c in cases)
        assert any(c.afwijkingsruimte["basis"] == "geen" for c in cases)
        assert log.verify_audit().ok
        events = log.audit_events()
        stamps = [e["occurred_at"] for e in events if e["action"].startswith("case.")]
        assert stamps == sorted(stamps)  # the clock never ran backwards
    finally:
        log.close()

    seed_cases(url_b, n=60, seed=7, end=END)
    assert _fingerprint(url_a) == _fingerprint(url_b)


def test_seed_twice_adds_cases_and_reuses_users(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'c.db'}"
    first = seed_cases(url, n=5, seed=1, end=END)
    second = seed_cases(url, n=5, seed=2, end=END)
    assert first.users == second.users
    log = CaseLog.from_url(url)
    try:
        assert log.count_cases() == 10
    finally:
        log.close()


def test_cli_seed_cases(tmp_path: Path, monkeypatch):
    from assistant.cli.main import main

    monkeypatch.setenv("MAATWERK_DATA_DIR", str(tmp_path / "data"))
    result = CliRunner().invoke(main, ["demo", "seed-cases", "--n", "4", "--seed", "3", "--tot", "2026-11-27", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["cases"] == 4
    bad = CliRunner().invoke(main, ["demo", "seed-cases", "--n", "0"])
    assert bad.exit_code == 2 and "minstens 1" in bad.output
