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


def test_eval_retrieval_over_two_gold_sets(run, small_corpus, tmp_path):
    assert run("index", str(small_corpus), "--quiet").returncode == 0
    first, second = tmp_path / "a.yaml", tmp_path / "b.yaml"
    first.write_text('- id: a1\n  question: "dringende redenen om af te zien van terugvordering"\n'
                     '  relevant: ["pw/art-58.md"]\n', encoding="utf-8")
    second.write_text('- id: b1\n  question: "maximum voor een wasmachine"\n  relevant: ["lokaal/beleidsregels-bb.md"]\n'
                      '- id: b2\n  question: "normtijd schoon huis"\n  relevant: ["bestaat/niet.md"]\n', encoding="utf-8")
    done = run("eval", "retrieval", "--gold", str(first), "--gold", str(second), "--json")
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert set(out) == {"a.yaml", "b.yaml", "samen"}
    assert out["a.yaml"]["hybrid"]["recall@1"] == 1.0 and out["b.yaml"]["hybrid"]["questions"] == 2
    assert out["b.yaml"]["hybrid"]["recall@10"] == 0.5  # the second question's file is not in the index
    assert out["samen"]["hybrid"]["questions"] == 3 and out["samen"]["hybrid"]["recall@10"] == round(2 / 3, 3)
    table = run("eval", "retrieval", "--gold", str(first))
    assert table.returncode == 0 and "| hybrid | 1 |" in table.stdout and "samen" not in table.stdout


def test_fusion_study_compares_rrf_learned_ranking_and_oracle(run, small_corpus, tmp_path):
    assert run("index", str(small_corpus), "--quiet").returncode == 0
    gold = tmp_path / "g.yaml"
    gold.write_text(
        '- {id: q1, question: "dringende redenen afzien van terugvordering", relevant: ["pw/art-58.md"]}\n'
        '- {id: q2, question: "maximum voor een wasmachine", relevant: ["lokaal/beleidsregels-bb.md"]}\n'
        '- {id: q3, question: "normtijd schoon huis", relevant: ["wmo/hh.md"]}\n'
        '- {id: q4, question: "hoeveel krijgt een alleenstaande", relevant: ["pw/art-21.md"]}\n'
        # two whose labelled file is not the best match, so the ranks below 1 are compared too
        '- {id: q5, question: "klant moet geld terugbetalen", relevant: ["wmo/hh.md"]}\n'
        '- {id: q6, question: "hulp bij het huishouden", relevant: ["pw/art-21.md"]}\n', encoding="utf-8")
    env = {**os.environ, "MAATWERK_DATA_DIR": str(tmp_path / "data"), "MAATWERK_EMBEDDER": "hashing"}
    done = subprocess.run([sys.executable, "-m", "evals.fusion_study", "--gold", str(gold), "--folds", "2"],
                          capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr
    rows = [line for line in done.stdout.splitlines() if line.startswith("| ") and "ranking" not in line]
    assert [r.split("|")[1].strip().split(" ")[0] for r in rows] == ["RRF", "learned", "learned,", "learned,", "oracle:"]
    # The study re-scores outside Index.search: its RRF row must be what the search really gives.
    real = json.loads(run("eval", "retrieval", "--gold", str(gold), "--json").stdout)["hybrid"]
    shipped = [float(x) for x in rows[0].split("|")[2:6]]
    assert shipped == pytest.approx([real["recall@1"], real["recall@5"], real["recall@10"], real["mrr@10"]], abs=1e-3)


def test_a_gemeente_lexicon_replaces_the_shipped_one_and_a_bad_one_is_refused(run, small_corpus, tmp_path):
    assert run("index", str(small_corpus), "--quiet").returncode == 0
    query = ("search", "schoonmaakmachine", "--mode", "lexical", "--json", "--k", "1")
    own = tmp_path / "lexicon.yaml"
    own.write_text("groups:\n  - [schoonmaakmachine, wasmachine]\n", encoding="utf-8")
    env = {**os.environ, "MAATWERK_DATA_DIR": str(tmp_path / "data"), "MAATWERK_EMBEDDER": "hashing"}

    def search(lexicon):
        return subprocess.run([sys.executable, "-m", "assistant", *query], capture_output=True, text=True,
                              env={**env, "MAATWERK_LEXICON": str(lexicon)}, timeout=300)
    hits = json.loads(search(own).stdout)
    assert hits[0]["source"] == "lokaal/beleidsregels-bb.md"  # only the gemeente's lexicon knows the word
    shipped = run(*query)
    assert shipped.returncode == 0 and json.loads(shipped.stdout) == []  # the shipped lexicon does not
    for text, reason in (("groups: [kapot\n", "geen geldige lijst"), ("groups: {a: 1}\n", "geen geldige lijst")):
        own.write_text(text, encoding="utf-8")
        bad = search(own)
        assert bad.returncode == 2 and reason in bad.stderr, bad.stderr
    missing = search(tmp_path / "nergens.yaml")
    assert missing.returncode == 2 and "bestaat niet" in missing.stderr
    assert "5 ongewijzigd" in run("index", str(small_corpus), "--quiet").stdout  # nothing lost


def test_a_domain_error_is_one_dutch_line_with_exit_code_2(tmp_path):
    """Errors users cause are MaatwerkErrors raised deep in the product (here: the index cannot
    open the lexicon the settings name); the CLI words them once, with exit code 2, no traceback."""
    missing = tmp_path / "bestaat-niet.yaml"
    out = subprocess.run([sys.executable, "-m", "assistant", "search", "wasmachine"], capture_output=True,
                         text=True, timeout=300,
                         env={**os.environ, "MAATWERK_DATA_DIR": str(tmp_path / "data"), "MAATWERK_EMBEDDER": "hashing",
                              "MAATWERK_LEXICON": str(missing)})
    assert out.returncode == 2, out.stderr
    assert out.stderr.startswith("Fout: ") and "bestaat niet" in out.stderr and "MAATWERK_LEXICON" in out.stderr
    assert "Traceback" not in out.stderr


def test_an_error_names_its_input_as_each_front_end_does():
    from assistant.curation import RegistryError
    from assistant.errors import form_label

    exc = RegistryError("x.md: de datum ontbreekt; geef hem op met {valid_from} (JJJJ-MM-DD).", fields=("valid_from",))
    assert str(exc) == "x.md: de datum ontbreekt; geef hem op met --valid-from (JJJJ-MM-DD)."
    assert exc.worded(form_label) == "x.md: de datum ontbreekt; geef hem op met ‘Geldig vanaf’ (JJJJ-MM-DD)."
    # A user's text with braces is left alone.
    assert str(RegistryError("{citeertitel} ontbreekt")) == "{citeertitel} ontbreekt"
