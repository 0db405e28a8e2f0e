"""The `maatwerk` CLI, run as users run it (a subprocess with MAATWERK_* settings)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

HIT_FIELDS = {"rank", "score", "chunk_id", "source", "citation", "title", "source_type", "valid_from", "valid_to", "text"}


@pytest.fixture
def run(tmp_path):
    env = {**os.environ, "MAATWERK_DATA_DIR": str(tmp_path / "data"), "MAATWERK_EMBEDDER": "hashing"}

    def _run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "assistant", *args], capture_output=True, text=True,
                              env=env, timeout=300)
    return _run


def test_index_then_search_json(run, small_corpus):
    done = run("index", str(small_corpus), "--quiet")
    assert done.returncode == 0, done.stderr
    assert "5 geïndexeerd" in done.stdout and "0 met fouten" in done.stdout
    again = run("index", str(small_corpus), "--quiet")
    assert "5 ongewijzigd" in again.stdout

    out = run("search", "wasmachine maximum", "--json", "--k", "2", "--peildatum", "2026-03-01")
    assert out.returncode == 0, out.stderr
    hits = json.loads(out.stdout)
    assert HIT_FIELDS <= set(hits[0]) and hits[0]["rank"] == 1
    assert hits[0]["citation"] == "artikel 4 Beleidsregels bijzondere bijstand Testdorp"

    table = run("search", "wasmachine maximum", "--type", "beleidsregel")
    assert "artikel 4 Beleidsregels bijzondere bijstand Testdorp" in table.stdout and "geldig 2026-01-01" in table.stdout


@pytest.mark.parametrize("args,message", [
    (("search", "  "), "de vraag is leeg"),
    (("search", "norm", "--peildatum", "01-03-2026"), "geen geldige peildatum"),
    (("search", "norm", "--type", "wet,roman"), "onbekend type: roman"),
    (("search", "norm", "--k", "0"), "--k"),
])
def test_bad_input_gets_a_clear_message_and_nonzero_exit(run, small_corpus, args, message):
    run("index", str(small_corpus), "--quiet")
    done = run(*args)
    assert done.returncode == 2 and message in done.stderr and "Traceback" not in done.stderr


def test_index_reports_bad_files_and_exits_nonzero(run, small_corpus):
    (small_corpus / "kapot.pdf").write_bytes(b"%PDF-1.4 rommel")
    done = run("index", str(small_corpus), "--quiet")
    assert done.returncode == 1
    assert "kapot.pdf: PDF is beschadigd of onleesbaar" in done.stderr
    assert "5 geïndexeerd" in done.stdout and "1 met fouten" in done.stdout


def test_search_on_empty_index_says_what_to_do(run):
    done = run("search", "wasmachine")
    assert done.returncode == 2 and "maatwerk index" in done.stderr


def test_peildatum_before_any_version(run, small_corpus):
    run("index", str(small_corpus), "--quiet")
    done = run("search", "norm ongehuwde", "--peildatum", "1990-01-01")
    assert done.returncode == 0 and "Geen passages gevonden die op 1990-01-01 golden" in done.stdout
