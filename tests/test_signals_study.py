"""The issue-17 signals study: the begripsbepalingen it reads from the corpus, and the study
itself run as it is run for evals/RESULTS.md (a subprocess over a real index)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from evals.definitions import definitions_in
from evals.signals_study import favour_domain


def terms(text: str) -> dict[str, str]:
    return {d.term: d.body for d in definitions_in(text, "c1")}


def test_a_lettered_list_after_verstaan_onder_gives_one_definition_per_item():
    text = ("In deze wet en de daarop berustende bepalingen wordt verstaan onder:\n\n"
            "a. college: het college van burgemeester en wethouders;\n\n"
            "b. inrichting:\n\n1°. een instelling voor verpleging;\n\n2°. een instelling voor opvang;\n\n"
            "k.\n\nl.\n\n"
            "m. pensioengerechtigde leeftijd: de leeftijd, bedoeld in artikel 7a van de Algemene Ouderdomswet;")
    found = terms(text)
    assert list(found) == ["college", "inrichting", "pensioengerechtigde leeftijd"]  # empty items k, l: none
    assert found["college"] == "het college van burgemeester en wethouders"
    assert "instelling voor opvang" in found["inrichting"]  # the sub-items belong to the item


def test_a_dashed_list_with_markup_and_items_on_one_line():
    text = ("**1** In deze wet wordt verstaan onder:\n\n- *alleenstaande:* de ongehuwde die geen gezamenlijke "
            "huishouding voert; - *alleenstaande ouder:* de ongehuwde die de volledige zorg heeft voor een kind;")
    found = terms(text)
    assert set(found) == {"alleenstaande", "alleenstaande ouder"}
    assert found["alleenstaande ouder"].startswith("de ongehuwde die de volledige zorg")


def test_inline_definitions_in_their_three_word_orders_end_at_their_sentence():
    text = ("**1** Onder besluit wordt verstaan: een schriftelijke beslissing van een bestuursorgaan. "
            "Dit is een andere zin.\n\n"
            "**2** In deze paragraaf wordt onder kostendelende medebewoner verstaan de persoon van 27 jaar of "
            "ouder die in dezelfde woning zijn hoofdverblijf heeft.\n\n"
            "**3** In dit artikel wordt verstaan onder toetsingsperiode: periode van vijf jaar.")
    found = terms(text)
    assert found == {
        "besluit": "een schriftelijke beslissing van een bestuursorgaan.",
        "kostendelende medebewoner": "de persoon van 27 jaar of ouder die in dezelfde woning zijn hoofdverblijf heeft.",
        "toetsingsperiode": "periode van vijf jaar.",
    }


def test_an_inline_definition_that_introduces_a_list_keeps_the_list_and_a_negated_one_defines_nothing():
    text = ("**1** Onder vermogen wordt verstaan:\n\na. de waarde van de bezittingen;\n\nb. middelen ontvangen "
            "tijdens de bijstand.\n\n**2** Onder een beroep op een voorliggende voorziening wordt niet verstaan "
            "het op verzoek van het college aanvragen van een lening.")
    found = terms(text)
    assert list(found) == ["vermogen"]
    assert "de waarde van de bezittingen" in found["vermogen"] and "middelen ontvangen" in found["vermogen"]
    assert "aanvragen van een lening" not in found["vermogen"]  # the next lid is not part of it


def test_a_passage_without_definitions_gives_none():
    assert definitions_in("**1** Het college vordert de kosten van bijstand terug. De norm bedraagt: € 1.419.") == []


def test_the_domain_prior_lifts_the_questions_domain_and_never_demotes_algemeen():
    # RRF scores of four candidates: a Participatiewet passage first, the Wmo one just behind it.
    fused = [("pw", 0.0330, 1, 1), ("awb", 0.0328, 2, 3), ("wmo", 0.0327, 3, 2), ("jeugd", 0.0300, 4, 4)]
    domain = {"pw": "participatiewet", "awb": "algemeen", "wmo": "wmo", "jeugd": "jeugd"}.get
    lifted = [cid for cid, *_ in favour_domain(fused, domain, "wmo", "rrf", 1.0)]
    assert lifted[0] == "wmo" and lifted.index("awb") < lifted.index("pw")  # algemeen ranks above off-domain
    assert [cid for cid, *_ in favour_domain(fused, domain, "wmo", "rrf", 0.0)] == ["pw", "awb", "wmo", "jeugd"]
    demoted = favour_domain(fused, domain, "wmo", "demote", 0.8)
    assert [cid for cid, *_ in demoted][:2] == ["awb", "wmo"]
    assert dict((cid, s) for cid, s, *_ in demoted)["awb"] == 0.0328  # algemeen is never demoted


def test_the_study_reports_each_signal_beside_the_search_as_it_ships(small_corpus, tmp_path):
    env = {**os.environ, "MAATWERK_DATA_DIR": str(tmp_path / "data"), "MAATWERK_EMBEDDER": "hashing"}

    def run(*args):
        return subprocess.run([sys.executable, *args], capture_output=True, text=True, env=env, timeout=300)

    assert run("-m", "assistant", "index", str(small_corpus), "--quiet").returncode == 0
    a, b = tmp_path / "a.yaml", tmp_path / "b.yaml"
    a.write_text('- {id: a1, question: "dringende redenen afzien van terugvordering", relevant: ["pw/art-58.md"]}\n'
                 '- {id: a2, question: "klant moet geld terugbetalen", relevant: ["wmo/hh.md"]}\n', encoding="utf-8")
    b.write_text('- {id: b1, question: "maximum voor een wasmachine", relevant: ["lokaal/beleidsregels-bb.md"]}\n'
                 '- {id: b2, question: "hulp bij het huishouden", relevant: ["pw/art-21.md"]}\n', encoding="utf-8")
    cache = tmp_path / "scores.pkl"
    outputs = {}
    for grid in ("rm3", "aggregate", "definitions", "domain"):
        done = run("-m", "evals.signals_study", "--grid", grid, "--gold", f"a={a}", "--gold", f"b={b}",
                   "--cache", str(cache))
        assert done.returncode == 0, done.stderr
        outputs[grid] = done.stdout
    assert cache.exists()
    for grid, out in outputs.items():
        rows = [line for line in out.splitlines() if line.startswith("| ")]
        assert rows[0].startswith("| variant | a | b |")
        assert any(r.startswith(f"| {grid.rstrip('s')}") or grid in r for r in rows[2:]), out
        assert "| left out | chosen on the others |" in out and "| mean change |" in out
    assert "| margin 1.0, votes 0 |" in outputs["domain"]  # how often the prior is confident, and right
    assert "| shipped top 1 |" in outputs["domain"] and "| other domain |" in outputs["domain"]
    # The study re-scores outside Index.search: its shipped row must be what the search gives.
    shipped = next(line for line in outputs["rm3"].splitlines() if line.startswith("| RRF (shipped)"))
    cells = [c.strip() for c in shipped.split("|")[2:4]]
    real = json.loads(run("-m", "assistant", "eval", "retrieval", "--gold", str(a), "--gold", str(b),
                          "--json").stdout)
    for cell, name in zip(cells, ("a.yaml", "b.yaml")):
        r5, mrr = (float(x) for x in cell.split(" / "))
        assert (r5, mrr) == pytest.approx((real[name]["hybrid"]["recall@5"], real[name]["hybrid"]["mrr@10"]),
                                          abs=1e-3)
