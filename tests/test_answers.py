"""Assistant.ask over a real Chroma index (hashing embedder) built from sample-corpus files and
national-law files; the only fake is the LLM."""

from __future__ import annotations

import datetime as dt
import json
import textwrap
import re
import shutil
from pathlib import Path

import pytest

from assistant.answering.pipeline import Assistant
from assistant.answering.model import BASES, AnswerError, MAX_QUESTION_CHARS
from assistant.retrieval.embeddings import HashingEmbeddings
from assistant.answering.generation import ChatModelGenerator
from evals.fakes import FakeChatModel
from assistant.retrieval.index import Index
from assistant.privacy import Pseudonymiser

ROOT = Path(__file__).resolve().parent.parent
NL = ROOT / "corpus" / "landelijk"  # the national layer, in the repository
LOCAL_FILES = [
    "beleidsregels/beleidsregels-kostendelersnorm-lindewaarde-2024.md",
    "verordeningen/verordening-wmo-lindewaarde-2023.md",
    "richtsnoeren/richtsnoer-maatwerk-en-afwijken.md",
    "besluiten/MB-2024-041.md", "besluiten/MB-2025-024.md", "besluiten/MB-2026-011.md",
    "besluiten/MB-2025-039.md", "besluiten/MB-2025-003.md",
    "beleidsregels/beleidsregels-bijzondere-bijstand-lindewaarde.md",
]
NL_FILES = ["awb/art-4-84.md", "awb/art-3-4.md", "participatiewet/art-58.md",
            "participatiewet/art-21.md", "participatiewet/art-22a.md", "participatiewet/art-35.md"]


@pytest.fixture(scope="module")
def index(tmp_path_factory) -> Index:
    base = tmp_path_factory.mktemp("answers")
    corpus = base / "corpus"
    for rel in LOCAL_FILES:
        (corpus / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / "corpus" / rel, corpus / rel)
    nl = base / "nl"
    for rel in NL_FILES:
        src = NL / rel
        if not src.exists():
            pytest.skip(f"{src} ontbreekt")
        (nl / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(src, nl / rel)
    idx = Index.open(base / "data", HashingEmbeddings())
    report = idx.index_paths([corpus, nl], progress=False)
    assert report.ok, report.errors
    return idx


@pytest.fixture(scope="module")
def assistant(index) -> Assistant:
    return Assistant(index, pseudonymiser=Pseudonymiser(use_deduce=False))


def assert_traceable(answer, index: Index) -> None:
    """Every citation resolves to a chunk the answer retrieved or looked up, and every quote
    in the text occurs verbatim in the chunk its marker names."""
    chunks = index.get_chunks([c.chunk_id for c in answer.citations])
    by_n = {c.n: chunks[c.chunk_id] for c in answer.citations}
    for body in [answer.answer] + [t for _, t in answer.motivering]:
        for line in body.splitlines():
            markers = [int(n) for n in re.findall(r"\[(\d+)\]", line)]
            assert all(n in by_n for n in markers), line
            for quote in re.findall(r"„([^“]+)“", line):
                assert any(" ".join(quote.split()).strip(" .…") in " ".join(by_n[n].text.split())
                           for n in markers), (quote, line)


def test_beleidsregel_gets_4_84_awb_and_its_own_afwijk_article(assistant, index):
    a = assistant.ask("Klant vangt haar dakloze zoon op; de zes maanden zonder kostendelersnorm zijn om. "
                      "Kan de tijdelijke opvang langer?", peildatum="2026-11-01")
    assert a.grounded
    r = a.afwijkingsruimte
    assert r.basis == "beleidsregel-4:84-awb"
    assert r.citation == "artikel 4:84 Awb"
    assert "Beleidsregels kostendelersnorm" in r.rule
    cited = {c.citation for c in a.citations}
    assert "artikel 4:84 Awb" in cited
    assert "artikel 5 Beleidsregels kostendelersnorm en tijdelijke opvang Lindewaarde 2024" in cited
    assert "Gemeentelijke regels:" in a.answer
    assert_traceable(a, index)


def test_verordening_gets_its_hardheidsclausule(assistant, index):
    a = assistant.ask("Kan de bijdrage in de kosten uit de Wmo-verordening vervallen als de partner in "
                      "een verpleeghuis een hoge Wlz-bijdrage betaalt?", peildatum="2026-11-01")
    r = a.afwijkingsruimte
    assert r.basis == "hardheidsclausule"
    assert r.citation == "artikel 7 Verordening maatschappelijke ondersteuning Lindewaarde 2023"
    assert_traceable(a, index)


@pytest.mark.parametrize("question, article", [
    ("Mag ik afwijken van de kostendelersnorm van artikel 22a Participatiewet voor een zoon die thuis woont?", "22a"),
    ("Kan ik de bijstandsnorm van art. 21 Pw verhogen voor een klant met hoge woonlasten?", "21"),
])
def test_wet_without_discretion_gives_geen_and_a_knelpunt(assistant, index, question, article):
    a = assistant.ask(question, peildatum="2026-11-01")
    r = a.afwijkingsruimte
    assert r.basis == "geen" and r.knelpunt
    assert f"artikel {article}" in r.citation
    assert "knelpunt" in r.toelichting
    assert_traceable(a, index)


def test_wet_with_dringende_redenen_cites_the_lid(assistant, index):
    a = assistant.ask("Mag het college op grond van artikel 58 Participatiewet afzien van terugvordering "
                      "als er dringende redenen zijn?", peildatum="2026-11-01")
    r = a.afwijkingsruimte
    assert r.basis == "wettelijke-bevoegdheid"
    assert r.citation == "artikel 58, achtste lid, Participatiewet"
    assert "dringende redenen" in r.toelichting
    assert_traceable(a, index)


@pytest.mark.parametrize("question", ["Wat is de hoofdstad van Frankrijk?", "Hoe laat gaat de bibliotheek open?"])
def test_out_of_scope_is_not_grounded_and_cites_nothing(assistant, question):
    a = assistant.ask(question)
    assert a.grounded is False
    assert a.citations == [] and a.afwijkingsruimte is None
    assert a.answer.startswith("Dit staat niet in de bronnen")


def test_bad_input_gets_clear_dutch_errors(assistant):
    with pytest.raises(AnswerError, match="leeg"):
        assistant.ask("   ")
    with pytest.raises(AnswerError, match="te lang"):
        assistant.ask("kostendelersnorm " * (MAX_QUESTION_CHARS // 10))
    with pytest.raises(AnswerError, match="peildatum"):
        assistant.ask("kostendelersnorm", peildatum="gisteren")


def test_peildatum_before_any_version(assistant):
    a = assistant.ask("Mag ik afwijken van de kostendelersnorm?", peildatum="1990-01-01")
    assert not a.grounded and not a.citations
    assert "1990-01-01" in a.answer and a.warnings


def test_precedents_consistency_and_pattern_flag(assistant, index):
    a = assistant.ask("Dakloze zoon opgevangen, termijn van zes maanden zonder kostendelersnorm verstreken; "
                      "kan de tijdelijke opvang langer?", peildatum="2026-11-01",
                      casus={"voorgestelde_uitkomst": "afwijken"})
    same = [p for p in a.precedents if p.zelfde_regel]
    assert {p.id for p in same} >= {"MB-2024-041", "MB-2025-024", "MB-2026-011"}
    assert all(p.uitkomst for p in a.precedents)
    assert re.search(r"In \d van \d eerdere besluiten over dezelfde regel", a.consistency)
    assert "MB-2026-011" in a.consistency and "verschilde in" in a.consistency
    # 2 of 3 deviated: proposing 'niet afwijken' breaks the pattern, 'afwijken' does not.
    assert not any("patroon" in w for w in a.warnings)
    b = assistant.ask("Dakloze zoon opgevangen, termijn van zes maanden zonder kostendelersnorm verstreken; "
                      "kan de tijdelijke opvang langer?", peildatum="2026-11-01",
                      casus={"voorgestelde_uitkomst": "niet afwijken"})
    assert any("patroon" in w for w in b.warnings)
    assert_traceable(a, index)


def test_motivering_draft_has_all_parts_with_citations(assistant):
    a = assistant.ask("Kan de tijdelijke opvang van een dakloze zoon zonder kostendelersnorm langer duren?",
                      peildatum="2026-11-01", casus={"omstandigheden": ["zoon staat op wachtlijst woning"]})
    heads = [k for k, _ in a.motivering]
    assert heads == ["Regel en versie", "Doel van de regel", "Bijzondere omstandigheden",
                     "Gevolgen voor de inwoner", "Belangenafweging", "Vergelijkbare besluiten", "Conclusie"]
    text = dict(a.motivering)
    assert "Doel van de regel is dakloosheid voorkomen" in text["Doel van de regel"]
    for step in ("Geschiktheid", "Noodzakelijkheid", "Evenwichtigheid"):
        assert step in text["Belangenafweging"]
    assert "artikel 3:4" in text["Belangenafweging"]
    assert "wachtlijst" in text["Bijzondere omstandigheden"]
    assert "professional" in text["Conclusie"]
    assert "A. Afwijken" in text["Conclusie"] and "B. Niet afwijken" in text["Conclusie"]
    assert re.search(r"\[\d+\]", text["Regel en versie"])


def test_kort_antwoord_and_motivering_use_the_facts_of_the_question(assistant):
    """The facts the question gives reach the kort antwoord (the arithmetic) and the motivering
    (omstandigheden, gevolgen); no placeholder where the question gave the facts."""
    a = assistant.ask("Klant moet verhuizen, de verhuiskosten zijn 950 euro. Hoeveel vergoeden we maximaal?")
    assert a.oordeel and "€ 800" in a.kort_antwoord and "€ 150 boven de grens" in a.kort_antwoord
    assert a.answer.startswith("Kort antwoord:")
    text = dict(a.motivering)
    assert "verhuiskosten zijn 950 euro" in text["Bijzondere omstandigheden"]
    assert "€ 150" in text["Gevolgen voor de inwoner"]
    for head in ("Bijzondere omstandigheden", "Gevolgen voor de inwoner"):
        assert "[in te vullen" not in text[head]
    # The question tells the request, not a situation: what makes it special is asked.
    assert any("Welke bijzondere omstandigheden" in q for q in a.nog_nodig)
    assert_traceable(a, assistant.index)


def test_motivering_quotes_the_deciding_passage_and_the_inwoners_circumstances(assistant):
    """"Regel en versie" quotes the provision the kort antwoord calls deciding (not another lid
    of the article); "Bijzondere omstandigheden" lists the inwoner's facts, without the message's
    opening or what a colleague claims."""
    a = assistant.ask("vraagje bijz. bijstand: mevr 57, alleenstaand, al jaren bijstand. wasmachine kapot, de "
                      "goedkoopste kost € 579. collega zegt dat het max € 450 is. welk maximum geldt?")
    text = dict(a.motivering)
    assert "€ 525" in text["Regel en versie"] and "eerste lid" in text["Regel en versie"]
    omst = text["Bijzondere omstandigheden"]
    assert "- mevr 57, alleenstaand, al jaren bijstand" in omst and "€ 579" in omst
    assert "vraagje" not in omst and "collega" not in omst and "€ 450" not in omst
    # What the question tells is weighed in the motivering, not asked back under "Nog nodig".
    assert not any("Welke bijzondere omstandigheden" in q for q in a.nog_nodig)
    assert_traceable(a, assistant.index)


def test_without_a_situation_the_circumstances_are_asked(assistant):
    a = assistant.ask("Mag ik afwijken van het maximumbedrag voor een wasmachine?")
    assert a.afwijkingsruimte is not None and a.afwijkingsruimte.basis == "beleidsregel-4:84-awb"
    assert any("Welke bijzondere omstandigheden" in q for q in a.nog_nodig)


def test_to_dict_has_the_promised_fields(assistant):
    a = assistant.ask("Kan de tijdelijke opvang van een dakloze zoon zonder kostendelersnorm langer duren?",
                      peildatum="2026-11-01")
    d = json.loads(json.dumps(a.to_dict(), ensure_ascii=False))
    for key in ("answer", "grounded", "citations", "hits", "afwijkingsruimte", "precedents", "motivering",
                "warnings", "trace"):
        assert key in d
    assert set(d["citations"][0]) >= {"n", "chunk_id", "source", "citation", "quote", "valid_from", "valid_to"}
    assert d["afwijkingsruimte"]["basis"] in BASES
    assert {"backend", "model", "prompt", "index_fingerprint", "peildatum"} <= set(d["trace"])
    assert d["trace"]["backend"] == "grounded" and d["trace"]["index_fingerprint"]


def test_fake_llm_fabrications_are_removed_and_reported(index):
    fake = FakeChatModel()
    assistant = Assistant(index, ChatModelGenerator(fake, "fake", "fake"), Pseudonymiser(use_deduce=False))
    question = "Mevrouw Jansen vangt haar dakloze zoon op; kan de tijdelijke opvang zonder kostendelersnorm langer?"
    # An answer without a single valid marker is not used at all.
    fake.enqueue("Dat mag gewoon, dat staat in de regels.")
    first = assistant.ask(question, peildatum="2026-11-01")
    assert first.trace["fallback"] == "grounded" and any("geen geldige bronverwijzingen" in w for w in first.warnings)
    prompt_text = "\n".join(m.content for m in fake.history[-1])
    assert "Jansen" not in prompt_text and "[NAAM-1]" in prompt_text  # pseudonymised before sending
    # What was sent holds the numbered passages: take one and quote it correctly.
    m = re.search(r"^\[(\d+)\] (artikel 3, \w+ lid, Beleidsregels kostendelersnorm[^(]*)\(.*\n(?:\d+\. )?([^.]+\.)",
                  prompt_text, re.M)
    n, real = int(m.group(1)), m.group(3)
    fake.enqueue(f"Volgens de beleidsregel: „{real}“ [{n}]. Ook staat er „de gemeente betaalt altijd alles“ "
                 f"[{n}]. Zie ook [99].")
    a = assistant.ask(question, peildatum="2026-11-01")
    assert "fallback" not in a.trace
    assert "[99]" not in a.answer and any("[99]" in w for w in a.warnings)
    assert "betaalt altijd alles" not in a.answer and any("betaalt altijd alles" in w for w in a.warnings)
    assert f"„{real}“ [{n}]" in a.answer
    assert n in {c.n for c in a.citations}
    assert a.trace["prompt"]["name"] == "antwoord" and len(a.trace["prompt"]["hash"]) == 16
    assert a.trace["backend"] == "fake"
    assert_traceable(a, index)


def test_llm_failure_falls_back_to_grounded_with_a_warning(index):
    fake = FakeChatModel().enqueue(ConnectionError("Connection refused"))
    assistant = Assistant(index, ChatModelGenerator(fake, "ollama", "x"), Pseudonymiser(use_deduce=False))
    a = assistant.ask("Kan de tijdelijke opvang van een dakloze zoon zonder kostendelersnorm langer?",
                      peildatum="2026-11-01")
    assert a.grounded and a.trace["fallback"] == "grounded"
    assert any("niet bereikbaar" in w and "samengesteld uit de gevonden passages" in w for w in a.warnings)
    assert not any("grounded" in w for w in a.warnings)  # no backend jargon in what the professional reads


def test_cli_ask_json_and_errors(index, monkeypatch, tmp_path):
    """`maatwerk ask` as users run it: the real command and the real build path (the app's
    composition root opens the index on disk, with its embedder, pseudonymiser and generator)."""
    from click.testing import CliRunner

    from assistant.cli.main import main

    monkeypatch.setenv("MAATWERK_DATA_DIR", str(index.lexical_dir.parent))
    monkeypatch.setenv("MAATWERK_EMBEDDER", "hashing")
    monkeypatch.setenv("MAATWERK_LLM", "grounded")
    runner = CliRunner()
    res = runner.invoke(main, ["ask", "Kan de tijdelijke opvang van een dakloze zoon zonder kostendelersnorm "
                                      "langer duren?", "--peildatum", "2026-11-01", "--json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.output)["afwijkingsruimte"]["basis"] == "beleidsregel-4:84-awb"
    res = runner.invoke(main, ["ask", "Kan de tijdelijke opvang van een dakloze zoon zonder kostendelersnorm langer duren?",
                               "--peildatum", "2026-11-01"])
    assert res.exit_code == 0 and "Grondslag om af te wijken" in res.output and "Bronnen:" in res.output
    res = runner.invoke(main, ["ask", " "])
    assert res.exit_code == 2 and "leeg" in res.output and "Traceback" not in res.output
    res = runner.invoke(main, ["ask", "x", "--peildatum", "morgen"])
    assert res.exit_code == 2 and "peildatum" in res.output


def test_achterhaald_precedent_is_history_not_support(tmp_path):
    """A besluit marked achterhaald (overturned in beroep) is shown, but neither counted in the
    consistency summary nor offered as support in the motivering."""
    corpus = tmp_path / "corpus"
    (corpus / "besluiten").mkdir(parents=True)
    shutil.copy(ROOT / "corpus/beleidsregels/beleidsregels-kostendelersnorm-lindewaarde-2024.md", corpus / "br.md")
    for name, status in (("MB-2024-041.md", None), ("MB-2025-024.md", "achterhaald")):
        text = (ROOT / "corpus/besluiten" / name).read_text(encoding="utf-8")
        if status:
            text = text.replace("source_type: besluit", "source_type: besluit\nstatus: achterhaald\n"
                                "achterhaald_door: ECLI:NL:CRVB:2026:123", 1)
        (corpus / "besluiten" / name).write_text(text, encoding="utf-8")
    idx = Index.open(tmp_path / "data", HashingEmbeddings())
    assert idx.index_paths([corpus], progress=False).ok
    answer = Assistant(idx, pseudonymiser=False).ask(
        "dakloze zoon tijdelijk opvangen, kostendelersnorm na zes maanden verlengen?", peildatum="2026-03-01")
    by_id = {p.id: p for p in answer.precedents}
    assert by_id["MB-2025-024"].achterhaald_door == "ECLI:NL:CRVB:2026:123"
    assert by_id["MB-2024-041"].achterhaald_door is None
    assert "van 1 eerdere besluiten" in answer.consistency
    assert "MB-2025-024" in answer.consistency and "telt niet mee" in answer.consistency
    motivering = dict(answer.motivering)["Vergelijkbare besluiten"]
    assert "niet als steun gebruiken" in motivering.split("MB-2025-024")[1].splitlines()[0]


def test_a_lay_word_counts_where_the_law_uses_its_lexicon_term(index):
    """'korten' is found in a passage that says 'verlagen': the question is covered by the
    rule, not refused for using the professional's word instead of the law's."""
    from assistant.retrieval.analysis import Lexicon
    from assistant.answering.scope import question_aliases

    lexicon = Lexicon([["verlaging", "verlagen", "korten"]])
    aliases = question_aliases(lexicon, "mag ik de uitkering korten", {"kort", "uitker"})
    assert frozenset({"verlag"}) in aliases["kort"] and "uitker" not in aliases


def test_no_rule_to_tie_the_question_to_offers_the_nearest_as_suggestions(tmp_path):
    """Search finds the question's subject only in a regeling's toelichting (never the rule
    itself): the answer says it cannot tie the question to one rule and offers the nearest."""
    corpus = tmp_path / "corpus"
    (corpus / "beleidsregels").mkdir(parents=True)
    (corpus / "beleidsregels" / "br.md").write_text(textwrap.dedent("""\
        ---
        title: "Beleidsregels wasgoed Testdorp"
        citation: "Beleidsregels wasgoed Testdorp"
        source_type: beleidsregel
        domain: wmo
        gemeente: Lindewaarde
        valid_from: '2026-01-01'
        ---
        # Beleidsregels wasgoed Testdorp

        ## Toelichting

        De wasservice ophalen en wegbrengen van wasgoed voor inwoners met een beperking.
        """), encoding="utf-8")
    for rel in ("beleidsregels/beleidsregels-kostendelersnorm-lindewaarde-2024.md",
                "beleidsregels/beleidsregels-bijzondere-bijstand-lindewaarde.md"):  # words for the idf
        shutil.copy(ROOT / "corpus" / rel, corpus / rel)
    idx = Index.open(tmp_path / "data", HashingEmbeddings())
    assert idx.index_paths([corpus], progress=False).ok
    answer = Assistant(idx, pseudonymiser=False).ask("wasservice ophalen wegbrengen wasgoed beperking?")
    assert answer.grounded and answer.afwijkingsruimte is None
    assert "niet aan één regel koppelen" in answer.answer
    assert answer.suggestions == ["Beleidsregels wasgoed Testdorp, Toelichting"]
    assert answer.to_dict()["suggestions"] == answer.suggestions


# ---- the pipeline's named steps, each on its own ----------------------------------------------


def test_prepare_checks_and_pseudonymises(assistant):
    prep = assistant.prepare("Mevrouw Jansen (BSN 111222333) vraagt om bijzondere bijstand.", "2026-11-01",
                             {"situatie": "Zij woont op de Dorpsstraat 12."})
    assert prep.day == dt.date(2026, 11, 1)
    assert "111222333" not in prep.q and "Jansen" not in prep.q and "Dorpsstraat" not in prep.casus_text
    assert "[" not in prep.search  # placeholders say nothing about the rule: search goes without them
    assert prep.mapping.reidentify(prep.q).startswith("Mevrouw Jansen")
    for bad, message in ((" ", "leeg"), ("x" * 2001, "te lang")):
        with pytest.raises(AnswerError, match=message):
            assistant.prepare(bad)
    with pytest.raises(AnswerError, match="geen geldige peildatum"):
        assistant.prepare("kan ik afwijken?", "morgen")


def test_scope_keeps_the_relevant_hits_and_refuses_what_is_not_in_the_sources(assistant):
    cat = assistant.catalogue()
    inside = assistant.prepare("Mag het college afzien van terugvordering bij dringende redenen?", "2026-11-01")
    found = assistant.retrieve(inside, cat)
    scope = assistant.scope(found, cat, inside.day)
    assert scope.in_scope and scope.relevant and {id(h) for h in scope.relevant} <= {id(h) for h, _, _ in found.scored}
    outside = assistant.prepare("Wat is de hoofdstad van Frankrijk?", "2026-11-01")
    assert not assistant.scope(assistant.retrieve(outside, cat), cat, outside.day).in_scope


def test_choose_rule_follows_the_chain_to_the_power_in_the_law(assistant):
    cat = assistant.catalogue()
    prep = assistant.prepare("Mag het college afzien van terugvordering bij dringende redenen?", "2026-11-01")
    found = assistant.retrieve(prep, cat)
    choice = assistant.choose_rule(prep, found, assistant.scope(found, cat, prep.day), cat)
    assert choice.chain is not None and choice.room is not None
    assert "artikel 58 Participatiewet" in [a.citation for a in choice.chain.members()]
    assert choice.room.basis == "wettelijke-bevoegdheid" and "dringende redenen" in choice.room.provision.text


def test_a_laws_begripsbepalingen_are_never_the_rule_a_question_turns_on():
    """A law's articles carry no heading; its definitions article says what it is in its first
    sentence ("wordt verstaan onder:"), and the focus skips it as it skips a regeling's
    "Begripsbepalingen"."""
    from assistant.answering.choice import _DEFINITIONS

    assert _DEFINITIONS.search((NL / "participatiewet" / "art-4.md").read_text(encoding="utf-8"))
    for rel in NL_FILES:
        assert not _DEFINITIONS.search((NL / rel).read_text(encoding="utf-8")[:2000]), rel


def test_the_gevolgen_the_question_tells_fill_the_motivering(assistant):
    """What the question says applying the rule does to the inwoner goes into "Gevolgen voor de
    inwoner" and the evenwichtigheid step; no placeholder there."""
    a = assistant.ask("Kan de tijdelijke opvang van een dakloze zoon zonder kostendelersnorm langer duren? "
                      "Zonder opvang dreigt hij weer op straat te belanden, want hij kan geen kamer betalen.",
                      peildatum="2026-11-01")
    text = dict(a.motivering)
    assert "dreigt hij weer op straat" in text["Gevolgen voor de inwoner"]
    assert "[in te vullen" not in text["Gevolgen voor de inwoner"]
    assert "Belang van de inwoner" in text["Belangenafweging"] and "Belang van de regel" in text["Belangenafweging"]


def test_a_precedent_says_the_difference_only_where_the_cases_share_something():
    from assistant.answering.model import Precedent
    from assistant.retrieval.analysis import content_terms
    from assistant.rules.facts import read_facts

    def line(omstandigheden, question):
        p = Precedent(id="MB-1", citation="MB-1", n=3, datum="2025-01-01", regel="artikel 3", uitkomst="afgeweken",
                      grondslag_afwijking=None, omstandigheden=omstandigheden, zelfde_regel=True)
        facts = read_facts(question, dt.date(2026, 12, 7))
        p.compare(content_terms(question), [n for _, n in facts.ages], [d.months for d in facts.durations],
                  facts.negated)
        return p.regel_kort

    both = line(["dreigende huisuitzetting", "drie minderjarige kinderen"], "verhuurder dreigt met huisuitzetting")
    assert "ook hier: dreigende huisuitzetting" in both and "anders dan hier: drie minderjarige kinderen" in both
    # One circumstance that packs several facts: each part weighed on its own.
    packed = line(["echtpaar met vijf minderjarige kinderen, ruim zes jaar bijstand naar gezinsnorm; wasmachine "
                   "onherstelbaar defect"], "echtpaar met vijf kinderen, sinds kort in de bijstand, wasmachine kapot")
    assert "echtpaar met vijf minderjarige kinderen" in packed.split("ook hier:")[1].split("anders dan hier")[0]
    assert "ruim zes jaar bijstand naar gezinsnorm" in packed.split("anders dan hier:")[1]
    # A part is shared only when most of it is: one word in common claims too much (sex and age here).
    single = line(["alleenstaande vrouw van in de vijftig", "zes weken tijdelijk werk"],
                  "klant heeft 7.900 op de spaarrekening, alleenstaand")
    assert "ook hier" not in single and "dezelfde omstandigheden" not in single
    # An age the besluit states is shared only with a casus of that age.
    young = line(["alleenstaande moeder van in de vijftig met bijstand"], "jonge moeder van 20 jaar met bijstand")
    assert "ook hier" not in young and "dezelfde omstandigheden" not in young
    fifties = line(["alleenstaande moeder van in de vijftig met bijstand"], "alleenstaande moeder van 52 met bijstand")
    assert "dezelfde omstandigheden als hier: alleenstaande moeder van in de vijftig" in fifties
    # So is how long something lasted: "ruim een jaar bijstand" is not a casus of five years in the bijstand.
    years = line(["ruim een jaar bijstand, lost af op lening"], "mw zit sinds sept 2021 in de bijstand, lost af op lening")
    assert "ruim een jaar bijstand" in years.split("anders dan hier:")[1] and "ook hier: lost af op lening" in years
    recent = line(["ruim een jaar bijstand"], "mw zit sinds juli 2025 in de bijstand")
    assert "dezelfde omstandigheden als hier: ruim een jaar bijstand" in recent
    none = line(["echtpaar met vijf kinderen", "energieachterstand"], "klant heeft een koelkast nodig")
    assert "ook hier" not in none and "anders dan hier" not in none
    # What the besluit says was not the case is shared only where the casus says so too.
    fraud = line(["bijstandsvordering zonder fraude", "lost al jaren af"],
                 "fraudevordering: hij had inkomsten verzwegen, bij fraude nooit afkopen? hij lost al jaren af")
    assert "bijstandsvordering zonder fraude" in fraud.split("anders dan hier:")[1]
    clean = line(["bijstandsvordering zonder fraude", "lost al jaren af"],
                 "vordering zonder fraude, ons eigen fout, hij lost al jaren af")
    assert "dezelfde omstandigheden als hier: bijstandsvordering zonder fraude" in clean


def test_an_article_named_without_its_law_is_the_one_law_that_has_it(assistant):
    cat, day = assistant.catalogue(), dt.date(2026, 11, 1)
    rule = cat.explicit_rule("familie wil 4000 in een keer betalen, valt dat onder art 58 lid 7?", day)
    assert rule is not None and rule.citation.startswith("artikel 58") and "Participatiewet" in rule.citation
    assert rule.lid in ("7", None)  # the named lid where the law is split by lid
    assert cat.explicit_rule("kan ik art 4:84 toepassen?", day).citation == "artikel 4:84 Awb"
    assert cat.explicit_rule("staat dat in artikel 3 van de verordening?", day) is None  # a local rule's article
    assert cat.explicit_rule("geldt art 999 hier?", day) is None


def test_numbers_within_the_rule_are_no_knelpunt(tmp_path):
    """Savings under the vermogensgrens: the kort antwoord says the situation is within the rule,
    and the room, the knelpunt box and the conclusion say the same."""
    from conftest import indexed_sample

    index = indexed_sample(tmp_path, ["landelijk/participatiewet", "landelijk/awb"])
    a = Assistant(index, pseudonymiser=Pseudonymiser(use_deduce=False)).ask(
        "alleenstaande aanvrager heeft 7.900 op de spaarrekening. moet ik afwijzen wegens vermogen?",
        peildatum="2026-11-01")
    assert a.oordeel == "binnen de regel"
    # The room reads the law's own exemption (lid 2, onder b, with the grens of lid 3): no
    # deviation needed, no knelpunt.
    assert a.afwijkingsruimte.basis == "niet-nodig" and not a.afwijkingsruimte.knelpunt
    assert "€ 7.900 tegen de grens van € 8.000,00" in a.afwijkingsruimte.toelichting
    assert "knelpunt" not in a.afwijkingsruimte.toelichting
    assert dict(a.motivering)["Conclusie"].startswith("Afwijken is niet nodig")
    # Nothing to weigh, and no placeholders for the professional to clear.
    weighing = dict(a.motivering)["Belangenafweging"]
    assert weighing.startswith("Niet aan de orde") and "€ 7.900" in weighing and "..." not in weighing


def test_the_motivering_leans_only_on_besluiten_about_the_same_rule(assistant):
    """A besluit about another rule is no support for this decision: in the motivering it is
    marked as a comparison, and where no besluit is about this rule or its chain, that is said."""
    answer = assistant.ask("dakloze broer tijdelijk opvangen, hoe lang zonder kostendelersnorm?", peildatum="2026-03-01")
    others = [p for p in answer.precedents if not p.zelfde_regel]
    assert others, [(p.id, p.zelfde_regel) for p in answer.precedents]
    text = dict(answer.motivering)["Vergelijkbare besluiten"]
    for p in others:
        assert "alleen ter vergelijking" in text.split(p.id)[1].splitlines()[0]
    if not any(p.zelfde_regel for p in answer.precedents):
        assert "Geen eerdere besluiten over deze regel of haar keten." in text


def test_an_amount_quoted_as_a_limit_points_to_the_article_that_sets_it(tmp_path):
    """"Zijn advocaat schrijft dat de grens € 8.000 is": the vermogensgrens of art. 34 Pw (in its
    2026 version; in May 2025 it was € 7.770) is what the bezwaar is about, not the terugvordering
    rules that share the case's other words (review round 5, y06)."""
    from conftest import indexed_sample

    index = indexed_sample(tmp_path, ["landelijk/participatiewet", "landelijk/awb", "beleidsregels"])
    q = ("bezwaarzaak. dhr 58, alleenstaand, melding en aanvraag 12 mei 2025, afgewezen omdat hij toen € 7.900 op "
         "zijn spaarrekening had (geen schulden, geen auto, verder niks). zijn advocaat schrijft in bezwaar dat de "
         "grens € 8.000 is, dat het hooguit om 'een paar tientjes' gaat en vraagt om redelijkheid. hij is inmiddels "
         "door zijn spaargeld heen. kan ik in bezwaar alsnog toekennen vanaf mei, of mag ik hier coulant zijn?")
    a = Assistant(index, pseudonymiser=Pseudonymiser(use_deduce=False)).ask(q, peildatum="2025-05-12")
    assert a.trace["regel"] == "artikel 34 Participatiewet"


def test_the_article_with_the_quoted_limit_is_not_displaced_by_a_more_specific_layer():
    """Among rules that match about as well, the most specific layer wins, except over the
    article that sets the limit the question quotes ("hij zegt de grens is € 8.000"): a
    beleidsregel that shares the case's other words does not take its place (review round 6, z06)."""
    from conftest import REPO
    from assistant.answering.scope import Catalogue
    from assistant.retrieval.index import Hit
    from assistant.rules.domains import DomainSignal
    from assistant.corpus.documents import find_files, load_document
    from assistant.corpus.splitting import split_document

    chunks = [c for f in find_files(REPO / "corpus") for d in [load_document(f)] for c in split_document(d)]
    cat = Catalogue(chunks, "Lindewaarde", ())
    day = dt.date(2025, 11, 3)
    law = next(c for c in chunks if c.article == "34" and "Participatiewet" in c.citation
               and c.valid_on(day) and "7.770" in c.text)
    local = next(c for c in chunks if c.article == "4" and "giften" in c.citation and c.valid_on(day))
    # With the rank factor: 8 x 1.5 x 1.15 = 13.8 for the law, 10.5 x 1.1 = 11.55 (within 0.8) for the beleidsregel.
    weights = {law.chunk_id: 8.0, local.chunk_id: 10.5}
    hits = [Hit(1, 1.0, law), Hit(2, 0.9, local)]
    signal = DomainSignal("participatiewet", {}, True)
    chosen = Assistant._choose(hits, lambda c: weights.get(c.chunk_id, 0.0), cat, day, signal, amounts={8000.0})
    assert chosen.citation == "artikel 34 Participatiewet"
    without = Assistant._choose(hits, lambda c: weights.get(c.chunk_id, 0.0), cat, day, signal)
    assert without.citation == "artikel 4 Beleidsregels giften en schenkingen Participatiewet Lindewaarde 2025"


def test_the_rule_that_sets_a_quoted_limit_is_a_candidate_even_if_search_missed_it():
    """"Collega B zegt: in januari is de grens € 8.000" without the word vermogen: search may not
    rank art. 34 Pw at all. The own rule that sets that exact amount (in any version) is added as
    a candidate and, setting the quoted limit, chosen over a better-matching rule that does not
    (review 7, u03); a rule of another gemeente never is."""
    from conftest import REPO
    from assistant.answering.scope import Catalogue
    from assistant.retrieval.index import Hit
    from assistant.rules.domains import DomainSignal
    from assistant.corpus.documents import find_files, load_document
    from assistant.corpus.splitting import split_document

    chunks = [c for f in find_files(REPO / "corpus") for d in [load_document(f)] for c in split_document(d)]
    cat = Catalogue(chunks, "Lindewaarde", ())
    day = dt.date(2025, 12, 10)
    local = next(c for c in chunks if c.article == "6" and "Verordening Participatiewet" in c.citation)
    hits = [Hit(1, 1.0, local)]
    added = Assistant._setting({8000.0}, hits, cat, day)
    assert [cat.rules.article_of(h.chunk).citation for h in added] == ["artikel 34 Participatiewet"]
    assert added[0].chunk.valid_on(day) and added[0].rank > 1  # the version of the peildatum, after search's hits
    assert not Assistant._setting({8000.0}, hits + added, cat, day)  # already a candidate
    assert not Assistant._setting(set(), hits, cat, day)
    weights = {local.chunk_id: 14.0}
    signal = DomainSignal("participatiewet", {}, True)
    chosen = Assistant._choose(hits + added, lambda c: weights.get(c.chunk_id, 5.0), cat, day, signal,
                               amounts={8000.0})
    assert chosen.citation == "artikel 34 Participatiewet"


def test_a_past_peildatum_still_cites_the_awb_basis(assistant):
    """Art. 4:84 Awb has been the same text since 1998 (the jurist set its valid_from; the
    harvest's date is the 2026-07-01 toestand): a casus of 2025 cites it as the basis, without
    the note that the index lacks it for that date."""
    a = assistant.ask("Kan de tijdelijke opvang van een dakloze zoon zonder kostendelersnorm langer duren?",
                      peildatum="2025-06-01")
    assert a.afwijkingsruimte is not None and a.afwijkingsruimte.basis == "beleidsregel-4:84-awb"
    assert any(c.citation == "artikel 4:84 Awb" for c in a.citations)
    assert not any("niet in de index" in w for w in a.warnings)
    assert_traceable(a, assistant.index)


def test_under_a_power_of_the_law_the_conclusion_uses_the_power(assistant):
    """Art. 58, achtste lid, Pw is a power of the law: the college uses it (or not); it does not
    'deviate from' the beleidsregel that elaborates it."""
    a = assistant.ask("Mag ik afzien van terugvordering van bijstand als de inwoner door schulden in de problemen komt?")
    assert a.afwijkingsruimte is not None and a.afwijkingsruimte.basis == "wettelijke-bevoegdheid"
    conclusie = dict(a.motivering)["Conclusie"]
    assert "A. De bevoegdheid gebruiken" in conclusie and "artikel 58" in conclusie
    assert "B. De bevoegdheid niet gebruiken" in conclusie and "A. Afwijken" not in conclusie
