"""The rule model on the real sample corpus and the real national law (corpus/landelijk): references, provisions per kind, chains, whose rule it is, and the room along a chain.
Built from split documents directly, so these tests need no embedding model."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest
import yaml

from assistant.corpus.documents import find_files, load_document
from assistant.corpus.splitting import split_document
from assistant.rules.facts import read_facts
from assistant.rules.model import RuleModel
from assistant.rules.reasoning import chain_of, decide_room
from assistant.rules.refs import find_refs, grondslag_refs
from assistant.retrieval.analysis import content_terms

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
NL = CORPUS / "landelijk"
OTHER_GEMEENTEN = ROOT / "evals" / "corpus-vergelijking"
TODAY = dt.date(2026, 12, 4)


def _chunks(root: Path, without: Path | None = None) -> list:
    out = []
    for path in find_files(root):
        if without is not None and path.is_relative_to(without):
            continue
        out.extend(split_document(load_document(path, root), 1500, root.name))
    return out


@pytest.fixture(scope="module")
def local_model() -> RuleModel:
    """The sample gemeente's own documents, without the national layer."""
    return RuleModel(_chunks(CORPUS, without=NL), gemeente="Lindewaarde")


@pytest.fixture(scope="module")
def model() -> RuleModel:
    """The whole default corpus (sample gemeente + national law) and two other gemeenten's rules."""
    return RuleModel(_chunks(CORPUS) + _chunks(OTHER_GEMEENTEN), gemeente="Lindewaarde")


# ---- references --------------------------------------------------------------------------------


def test_references_as_regulations_write_them():
    refs = find_refs("Het college kan op grond van artikel 58, achtste lid, van de wet geheel afzien.")
    assert [(r.article, r.lid, r.law) for r in refs] == [("58", "8", "wet")]
    refs = find_refs("Dit sluit aan bij artikel 31, tweede lid, onderdeel m, van de wet.")
    assert (refs[0].article, refs[0].lid, refs[0].onderdeel) == ("31", "2", "m")
    pre = grondslag_refs("gelet op de artikelen 58 tot en met 60 van de Participatiewet en artikel 4:81 van de "
                         "Algemene wet bestuursrecht;")
    assert [(r.article, r.law) for r in pre] == [("58", "Participatiewet"), ("59", "Participatiewet"),
                                                 ("60", "Participatiewet"), ("4:81", "Algemene wet bestuursrecht")]
    assert [r.article for r in find_refs("zie de artikelen 3 tot en met 6")] == ["3", "4", "5", "6"]


# ---- the sample corpus on its own --------------------------------------------------------------


def test_layers_gemeente_and_what_de_wet_means(local_model):
    reg = local_model.regulations["beleidsregels bijzondere bijstand lindewaarde"]
    assert (reg.layer, reg.gemeente, reg.domain, reg.wet) == ("beleidsregel", "Lindewaarde", "participatiewet",
                                                              "participatiewet")
    assert local_model.regulations["verordening maatschappelijke ondersteuning lindewaarde 2023"].wet == "wmo 2015"


def test_provisions_per_kind_on_the_sample_corpus(local_model):
    verordening = local_model.regulations["verordening participatiewet lindewaarde 2024"]
    clause = local_model.hardship_clause(verordening, TODAY)
    assert clause is not None and clause.number == "7"
    giften = local_model.find("Beleidsregels giften en schenkingen Participatiewet Lindewaarde 2025", "2")
    exemptions = giften.provisions_on(TODAY, ["exemption"])
    assert any(v.raw == "€ 1.200" for p in exemptions for v in p.values)
    assert any("voedselbanken" in p.text for p in exemptions)  # list items inherit "Niet meegeteld ... worden:"
    terug = local_model.find("Beleidsregels terugvordering en invordering Participatiewet Lindewaarde 2024", "3")
    assert any("afzien" in p.text for p in terug.provisions_on(TODAY, ["power"]))
    bb = local_model.regulations["beleidsregels bijzondere bijstand lindewaarde"]
    assert local_model.own_deviation_article(bb, TODAY).number == "6"
    # The version valid on the day: the wasmachine maximum of 2025 and of 2026.
    art4 = local_model.find("Beleidsregels bijzondere bijstand Lindewaarde", "4")
    amounts = lambda day: {v.raw for p in art4.provisions_on(day, ["amount"]) for v in p.values if "wasmachine" in p.text}
    assert amounts(dt.date(2025, 6, 1)) == {"€ 450"} and amounts(TODAY) == {"€ 525"}


def test_another_gemeente_is_never_the_own(local_model):
    from assistant.rules.model import Regulation

    other = Regulation("x", "Beleidsregel terugvordering Rotterdam 2017", "beleidsregel", "Rotterdam", "participatiewet")
    own = local_model.regulations["beleidsregels bijzondere bijstand lindewaarde"]
    assert local_model.is_foreign(other) and not local_model.is_foreign(own)
    assert not RuleModel([], gemeente="Rotterdam").is_foreign(other)


def test_a_jurist_correction_wins_over_extraction():
    chunks = _chunks(CORPUS)
    corr = [{"regeling": "Beleidsregels bijzondere bijstand Lindewaarde", "artikel": "4", "veld": "grondslag",
             "waarde": "artikel 35, tweede lid, van de wet", "versie": "2026-01-01"},
            {"regeling": "Beleidsregels bijzondere bijstand Lindewaarde", "artikel": "4", "veld": "geen-bevoegdheid",
             "versie": "2026-01-01"}]
    m = RuleModel(chunks, gemeente="Lindewaarde", corrections=corr)
    art = m.find("Beleidsregels bijzondere bijstand Lindewaarde", "4")
    assert any(lk.via == "jurist" for lk in art.links)
    assert not art.provisions_on(TODAY, ["power"]) and len(art.corrections) == 2
    other_version = [{**corr[1], "versie": "2019-01-01"}]
    assert RuleModel(chunks, "Lindewaarde", other_version).find(
        "Beleidsregels bijzondere bijstand Lindewaarde", "4").provisions_on(TODAY, ["power"])


def test_facts_from_a_question():
    f = read_facts("oma geeft elke maand 50 euro, gezin met 3 kinderen, al 36 maanden in de bijstand")
    assert f.amounts[0].value == 50 and f.amounts[0].per == "maand" and f.amounts[0].per_year == 600
    assert f.people[0][1] == 3 and any(d[1] == 36 for d in f.durations)


# ---- with the national law --------------------------------------------------------------------


def test_chain_from_a_beleidsregel_to_the_law_and_back(model):
    terug = model.find("Beleidsregels terugvordering en invordering Participatiewet Lindewaarde 2024", "3")
    chain = chain_of(model, terug, TODAY)
    assert [a.citation for a in chain.up] == ["artikel 58 Participatiewet"]
    art58 = model.find("Participatiewet", "58")
    assert terug.key in art58.elaborated_by
    # Rotterdam's elaboration of the same article is a comparison, never the own chain.
    assert all(a.regulation.gemeente == "Lindewaarde" for a in model.down(art58, TODAY))
    assert any(a.regulation.gemeente == "Rotterdam" for a in model.comparisons(art58, TODAY))


def test_room_is_the_strongest_along_the_chain(model):
    terms = content_terms("kan ik afzien van terugvordering bij dringende redenen")
    terug = model.find("Beleidsregels terugvordering en invordering Participatiewet Lindewaarde 2024", "3")
    room = decide_room(model, chain_of(model, terug, TODAY), terms, read_facts(""), TODAY)
    assert room.basis == "wettelijke-bevoegdheid" and room.article.citation == "artikel 58 Participatiewet"
    assert "dringende redenen" in room.provision.text
    # A beleidsregel's own norm: 4:84 Awb.
    art4 = model.find("Beleidsregels bijzondere bijstand Lindewaarde", "4")
    terms = content_terms("wasmachine boven het maximumbedrag")
    assert decide_room(model, chain_of(model, art4, TODAY), terms, read_facts(""), TODAY).basis == "beleidsregel-4:84-awb"
    # Giften within the yearly exemption: no deviation needed, with the arithmetic.
    giften = model.find("Beleidsregels giften en schenkingen Participatiewet Lindewaarde 2025", "2")
    room = decide_room(model, chain_of(model, giften, TODAY), content_terms("giften van oma"),
                       read_facts("oma geeft elke maand € 50"), TODAY)
    assert room.basis == "niet-nodig" and "12 × € 50 = € 600" in room.reason
    # A norm the law sets without room: geen, a knelpunt.
    art22a = model.find("Participatiewet", "22a")
    room = decide_room(model, chain_of(model, art22a, TODAY), content_terms("kostendelersnorm verlagen inwonende zoon"),
                       read_facts(""), TODAY)
    assert room.basis == "geen" and room.knelpunt


# Articles of national law that besluiten rightly cite but that the corpus does not hold: the
# national layer is an extract (Participatiewet up to article 60), not the whole law.
NOT_IN_CORPUS = {"artikel 60c Participatiewet"}


def test_every_citation_in_a_besluit_resolves(model):
    """The regel and grondslag a besluit names, and every article its text cites, exist."""
    problems = []
    for path in sorted((CORPUS / "besluiten").glob("*.md")):
        meta = yaml.safe_load(path.read_text(encoding="utf-8").split("---")[1])
        for field in ("regel", "grondslag_citatie"):
            value = meta.get(field)
            if value and value not in NOT_IN_CORPUS and model.article_for_citation(value) is None:
                problems.append(f"{path.name}: {field} {value!r}")
        regel = model.article_for_citation(meta.get("regel", "") or "")
        body = path.read_text(encoding="utf-8").split("---", 2)[2]
        context = regel.regulation if regel is not None else None
        for ref in find_refs(body):
            if context is None or ref.article.startswith("titel"):
                continue
            link = model._resolve(ref, context)
            if link is not None and link.dangling:
                problems.append(f"{path.name}: {ref.text!r}")
    assert problems == []


def _leden(art, valid_from: str | None) -> set[str]:
    """The lid numbers an article has in the version a besluit applied ("1." in a regeling,
    "**1**" in a law)."""
    import re as _re

    chunks = [c for c in art.chunks if valid_from is None or (c.valid_from or "") <= valid_from] or art.chunks
    latest = max((c.valid_from or "") for c in chunks)
    text = "\n".join(c.text for c in chunks if (c.valid_from or "") == latest)
    return {m.group(1) or m.group(2) for m in _re.finditer(r"(?m)^(?:\*\*(\d+)\*\*|(\d+)\.)\s", text)}


def test_every_lid_a_besluit_cites_exists(model):
    """"artikel 4, vijfde lid" and "volgens het vijfde lid" (after "Artikel 4 ... stelt ...")
    name a lid the article has, in the version the besluit applied: no decision rests on a lid
    that does not exist."""
    import re as _re

    from assistant.rules.refs import ORDINAL_WORDS

    bare = _re.compile(r"\bhet\s+(" + "|".join(ORDINAL_WORDS) + r")\s+lid\b", _re.I)
    problems = []
    for path in sorted((CORPUS / "besluiten").glob("*.md")):
        meta = yaml.safe_load(path.read_text(encoding="utf-8").split("---")[1])
        regel = model.article_for_citation(meta.get("regel", "") or "")
        if regel is None:
            continue
        version = str(meta.get("regel_versie") or meta.get("datum") or "") or None
        body = path.read_text(encoding="utf-8").split("---", 2)[2]
        for paragraph in body.split("\n\n"):
            last = None  # the article the paragraph last named
            events = [(r.start, "ref", r) for r in find_refs(paragraph)] + \
                     [(m.start(), "bare", m) for m in bare.finditer(paragraph)]
            for _, kind, item in sorted(events, key=lambda e: e[0]):
                if kind == "ref":
                    link = model._resolve(item, regel.regulation)
                    last = model.articles.get(link.target) if link is not None and link.target else None
                    lid = item.lid
                else:
                    lid = ORDINAL_WORDS[item.group(1).lower()]
                if last is None or lid is None or last.layer not in ("beleidsregel", "verordening"):
                    continue
                leden = _leden(last, version)
                if leden and lid not in leden:
                    problems.append(f"{path.name}: lid {lid} of {last.citation} (has {sorted(leden, key=int)})")
    assert problems == []


# ---- the kort antwoord ------------------------------------------------------------------------


def _brief(model, regulation, article, question, day=TODAY):
    from assistant.rules.brief import brief

    art = model.find(regulation, article)
    chain = chain_of(model, art, day)
    terms = content_terms(question)
    facts = read_facts(question)
    room = decide_room(model, chain, terms, facts, day)
    return brief(chain, room, question, terms, facts, day, lambda t: 1.0), room


def test_brief_states_the_deciding_amount_and_does_the_arithmetic(model):
    kb, room = _brief(model, "Beleidsregels bijzondere bijstand Lindewaarde", "4",
                      "wasmachine kapot, nieuwe kost 600 euro. hoeveel vergoeden we max?")
    assert kb.deciding_value.raw == "€ 525"  # the 2026 amount, not the reiskosten rate
    assert kb.arithmetic == "€ 600 ligt € 75 boven de grens van € 525"
    text = " ".join(s.text for s in kb.sentences)
    assert "„wasmachine: € 525”" in text and "4:84" in text
    assert "€ 75" in kb.consequence and "eigen rekening" in kb.consequence
    # Under the limit: no deviation needed, and no question about omstandigheden.
    kb, _ = _brief(model, "Beleidsregels bijzondere bijstand Lindewaarde", "4", "koelkast van 350 euro, hoeveel max?")
    assert kb.verdict == "binnen de regel" and "€ 350 blijft binnen de grens van € 400" in kb.arithmetic
    assert not any("omstandigheden" in q.text for q in kb.open_questions)
    # The peildatum picks the version: in 2025 the wasmachine maximum was € 450.
    kb, _ = _brief(model, "Beleidsregels bijzondere bijstand Lindewaarde", "4",
                   "wasmachine van 500 euro, hoeveel max?", day=dt.date(2025, 6, 1))
    assert kb.deciding_value.raw == "€ 450" and "€ 50 boven" in kb.arithmetic


def test_brief_names_the_amount_for_the_household_the_question_describes(model):
    """Two amounts of one list differ only by household: the one the question's household fits
    decides ("moeder met 2 kinderen" is no alleenstaande), whichever is listed first."""
    ask = "{} vraagt bb voor woninginrichting aan na haar scheiding. wat is het max?"
    kb, _ = _brief(model, "Beleidsregels bijzondere bijstand Lindewaarde", "4", ask.format("moeder met 2 kinderen"))
    assert kb.deciding_value.raw == "€ 4.000" and "meerpersoonshuishouden" in kb.deciding.text
    kb, _ = _brief(model, "Beleidsregels bijzondere bijstand Lindewaarde", "4", ask.format("alleenstaande vrouw"))
    assert kb.deciding_value.raw == "€ 3.000"
    kb, _ = _brief(model, "Beleidsregels bijzondere bijstand Lindewaarde", "4", ask.format("moeder met 2 kinderen"),
                   day=dt.date(2025, 9, 15))
    assert kb.deciding_value.raw == "€ 3.750"  # the older version on its peildatum


def test_brief_compares_an_amount_written_without_euro_with_the_limit_it_meets(model):
    """"7.900 op de spaarrekening" is an amount; the vermogensgrens for an alleenstaande (a list
    item, led by "De ... vermogensgrens is:") decides, not another amount of the article."""
    f = read_facts("alleenstaande aanvrager heeft 7.900 op de spaarrekening, de wasmachine kost 640, 150 pm")
    assert [(a.raw, a.value, a.per) for a in f.told_amounts] == [("7.900", 7900, None), ("640", 640, None),
                                                                  ("150 pm", 150, "maand")]
    assert not f.amounts  # what the room is judged on stays what the text marks as money
    assert not read_facts("ca 60 km enkele reis, 3x pw, artikel 4.1.2, 9 kg, in 2024").told_amounts
    kb, _ = _brief(model, "Participatiewet", "34", "alleenstaande aanvrager heeft 7.900 op de spaarrekening. "
                   "moet ik afwijzen wegens vermogen?")
    assert kb.deciding_value.raw == "€ 8.000,00"


def test_brief_reads_a_sentence_that_points_back_and_asks_how_much_time(model):
    """"Deze termijn bedraagt maximaal acht weken." is the termijn of the beschikking of the
    sentence before; "hoeveel tijd" asks for a term."""
    from assistant.rules.brief import asks

    assert asks("hoeveel tijd heb ik voor de beschikking?") == "term"
    kb, _ = _brief(model, "Wet gemeentelijke schuldhulpverlening", "4a",
                   "hoeveel tijd heb ik na het eerste gesprek voor de beschikking met het plan van aanpak?")
    assert kb.deciding_value.raw == "acht weken"
    assert "„Deze termijn bedraagt maximaal acht weken.”" in kb.sentences[0].text


def test_brief_reads_a_defined_term_by_its_definition(model):
    """Art. 4 Wgs: four weeks for the first conversation, three working days "indien er sprake is
    van een bedreigende situatie", which the lid defines ("Onder bedreigende situatie wordt
    verstaan gedwongen woningontruiming, ..."). A question about an eviction is about the second
    lid; the question's own "volgende week" does not match the first lid's "vier weken"."""
    from assistant.rules.provisions import classify

    assert "definition" in classify("Onder bedreigende situatie wordt verstaan gedwongen woningontruiming, "
                                    "beëindiging van de levering van gas.")
    kb, _ = _brief(model, "Wet gemeentelijke schuldhulpverlening", "4",
                   "klant belt, deurwaarder heeft ontruiming aangezegd voor volgende week. wanneer moet het "
                   "eerste gesprek schuldhulp plaatsvinden?")
    assert kb.deciding_value.raw == "drie werkdagen"
    kb, _ = _brief(model, "Wet gemeentelijke schuldhulpverlening", "4",
                   "inwoner meldt zich voor schuldhulp. binnen welke termijn moet het eerste gesprek plaatsvinden?")
    assert kb.deciding_value.raw == "vier weken"


def test_brief_measures_a_date_in_the_question_against_a_period_since_an_event(model):
    """"in mei 2024" is two and a half years before the peildatum: the provision that sets a
    time since an event decides ("meer dan twee jaar vóór de datum van verzending"); a date in the
    peildatum's own month says when, not how long ago. Its condition is asked as a question,
    without the reference ("als bedoeld in het tweede lid") taken for one."""
    q = "we ontdekten dat we in mei 2024 per ongeluk twee keer de uitkering hebben overgemaakt. kan ik nog terugvorderen?"
    assert [d.months for d in read_facts(q).elapsed(TODAY)] == [31]
    assert read_facts(q).elapsed(dt.date(2024, 5, 20)) == []
    kb, _ = _brief(model, "Participatiewet", "58", q)
    assert kb.deciding_value.raw == "twee jaar" and kb.deciding.citation.startswith("artikel 58")
    asked = [o.text for o in kb.open_questions]
    assert any("meer dan twee jaar vóór de datum van verzending" in t for t in asked)
    assert not any("bedoeld in het tweede lid”?" in t for t in asked)


def test_brief_asks_for_the_condition_of_a_power_as_a_question(model):
    from assistant.rules.brief import as_question

    kb, room = _brief(model, "Beleidsregels terugvordering en invordering Participatiewet Lindewaarde 2024", "3",
                      "kan ik afzien van terugvordering bij dringende redenen?")
    assert kb.verdict == "ja, mits" and kb.sentences[0].text.startswith("Ja, mits daarvoor dringende redenen aanwezig zijn")
    assert [q.text for q in kb.open_questions] == ["Zijn daarvoor dringende redenen aanwezig?"]
    assert as_question("indien de belanghebbende in een inrichting verblijft, stelt het college") == \
        "Verblijft de belanghebbende in een inrichting?"
    # Not verb-final: asked as written, never rephrased by guess.
    assert as_question("voor zover de kosten hoger zijn dan € 15 per maand") == \
        "Is voldaan aan: „de kosten hoger zijn dan € 15 per maand”?"


def test_brief_says_no_where_the_law_leaves_no_room(model):
    kb, room = _brief(model, "Participatiewet", "22a", "kostendelersnorm verlagen inwonende zoon")
    assert room.basis == "geen" and kb.verdict == "nee" and "knelpunt" in kb.sentences[-1].text


def test_brief_answers_a_must_question_under_a_beleidsregel_or_an_imperative_law(model):
    """"Moet ik ...?" asks whether the rule applies. Under a beleidsregel the rule is the starting
    point and 4:84 Awb the only way out, never "Ja, mits bijzondere omstandigheden" (which would
    say the rule applies only in special circumstances). Where no layer gives room, a bare "Nee"
    would read as "you need not": the answer says that deviating is not possible, and leaves
    whether the rule applies to its own conditions."""
    kb, room = _brief(model, "Beleidsregels bijzondere bijstand Lindewaarde", "4",
                      "klant vraagt bijzondere bijstand voor een wasmachine. moet ik het maximumbedrag aanhouden?")
    assert room.basis == "beleidsregel-4:84-awb"
    text = kb.sentences[-1].text
    assert text.startswith("In beginsel geldt de regel (artikel 4") and "4:84" in text
    assert kb.verdict == "hangt af van" and "Ja, mits" not in text
    kb, room = _brief(model, "Participatiewet", "22a", "inwonende zoon van 30, moet ik de kostendelersnorm toepassen?")
    assert room.basis == "geen" and kb.verdict == "regel"
    assert kb.sentences[-1].text.startswith("Afwijken kan niet: artikel 22a")
    kb, room = _brief(model, "Participatiewet", "22a", "kostendelersnorm verlagen inwonende zoon")
    assert kb.verdict == "nee" and kb.sentences[-1].text.startswith("Nee:")


def test_brief_compares_an_amount_with_a_limit_the_law_calls_a_grens(model):
    """"De ... bedoelde vermogensgrens is: a. voor een alleenstaande: € 8.000,00": savings below
    it stay within the rule, savings above it are counted for the part above."""
    kb, room = _brief(model, "Participatiewet", "34",
                      "alleenstaande aanvrager heeft 7.900 op de spaarrekening. moet ik afwijzen wegens vermogen?")
    assert kb.deciding_value.raw == "€ 8.000,00" and kb.verdict == "binnen de regel"
    assert kb.arithmetic == "€ 7.900 blijft binnen de grens van € 8.000,00"
    # The room reads the same: lid 2, onder b, leaves out vermogen below "de vermogensgrens, genoemd
    # in het derde lid", and lid 3 sets it at € 8.000,00 for an alleenstaande.
    assert room.basis == "niet-nodig" and not room.knelpunt
    assert room.provision.text.startswith("het aanwezige vermogen voorzover")
    assert "€ 7.900 tegen de grens van € 8.000,00" in room.reason
    # ... and the comparison is not asked again under "Nog nodig".
    assert not [q for q in kb.open_questions if "vermogensgrens" in q.text]
    kb, room = _brief(model, "Participatiewet", "34",
                      "alleenstaande aanvrager heeft 9.500 op de spaarrekening. moet ik afwijzen wegens vermogen?")
    assert kb.arithmetic == "€ 9.500 ligt € 1.500 boven de grens van € 8.000,00"
    assert "telt mee" in kb.consequence
    assert room.basis != "niet-nodig"
    # A question about something else than vermogen is not decided by the vermogensgrens because
    # its household fits the third lid ("alleenstaande"; review round 1, r03, a gift of 600 euro).
    _, room = _brief(model, "Participatiewet", "34",
                     "alleenstaande moeder kreeg in maart 600 euro van haar ouders voor een bril. telt dat mee?")
    assert room.basis != "niet-nodig"
    # Without the household, the third lid's limits differ (€ 8.000,00 or € 16.000,00): nothing is decided.
    _, room = _brief(model, "Participatiewet", "34",
                     "aanvrager heeft 9.500 op de spaarrekening. moet ik afwijzen wegens vermogen?")
    assert room.basis != "niet-nodig"


def test_situation_is_what_the_question_tells():
    from assistant.rules.brief import situation_of

    assert situation_of("klant wil wasmachine vervangen, oude is kapot. hoeveel max?") == [
        "klant wil wasmachine vervangen, oude is kapot"]
    assert situation_of("oma geeft elke maand 50 euro, moet dat van de bijstand af?") == ["oma geeft elke maand 50 euro"]
    assert situation_of("mag dat?") == []


def test_a_rule_after_its_condition_and_an_event_that_does_not_take_place(model):
    """Art. 40 Pw: "Indien ..., schort het college de betaling van de bijstand op." is the rule (the
    verb comes first after the condition), and "Geen opschorting vindt plaats indien:" makes its
    items exceptions, the mantelzorg one among them."""
    art = model.find("Participatiewet", "40")
    kinds = {(p.kind, p.text[:40]) for p in art.provisions_on(TODAY)}
    assert ("imperative", "Indien bij de beoordeling van het recht ") in kinds
    exceptions = [p.text for p in art.provisions_on(TODAY, ["exception"])]
    assert any(t.startswith("Geen opschorting vindt plaats indien") for t in exceptions)
    assert any("mantelzorg" in t for t in exceptions)


def test_a_negated_imperative_is_an_exception():
    from assistant.rules.provisions import classify

    assert "exception" in classify("Het college vordert een overige vordering van minder dan € 150 niet terug.")
    assert "exception" in classify("Het college ziet af van het opleggen van een verlaging als verwijtbaarheid ontbreekt.")
    assert "exception" not in classify("Het college vordert de kosten van bijstand terug.")


def test_an_exemption_elsewhere_in_the_regeling_decides_by_its_amount(local_model):
    """The question lands on the regeling's general article; the exemption in another article
    of the same regeling (small claims) decides, by the arithmetic, and only within its limit."""
    art2 = local_model.find("Beleidsregels terugvordering en invordering Participatiewet Lindewaarde 2024", "2")
    terms = content_terms("vordering terugvorderen geen fraude")
    room = decide_room(local_model, chain_of(local_model, art2, TODAY), terms, read_facts("een vordering van 120 euro"), TODAY)
    assert room.basis == "niet-nodig" and room.article.number == "4" and "€ 120" in room.reason
    room = decide_room(local_model, chain_of(local_model, art2, TODAY), terms, read_facts("een vordering van 900 euro"), TODAY)
    assert room.basis != "niet-nodig"


def test_domain_words_are_weighed_per_passage_of_each_domain():
    """A word every Wmo passage uses votes Wmo even though the Participatiewet has far more
    passages that use it now and then."""
    from types import SimpleNamespace

    from assistant.rules.domains import DomainModel

    chunks = ([SimpleNamespace(domain="participatiewet", source_type="wet", t={"bijstand", "hulp"})] * 2
              + [SimpleNamespace(domain="participatiewet", source_type="wet", t={"bijstand"})] * 98
              + [SimpleNamespace(domain="wmo", source_type="verordening", t={"hulp", "huishouden"})] * 4)
    dm = DomainModel(chunks, lambda c: c.t)
    scores = dm.scores({"hulp"})
    assert scores["wmo"] > 0 and scores["participatiewet"] == 0


# ---- limits and the facts they are compared with ------------------------------------------------


def test_a_limit_carries_the_comparison_its_sentence_makes():
    from assistant.rules.provisions import values_in

    def cmp(text):
        return [(v.kind, v.raw, v.cmp) for v in values_in(text)]

    assert cmp("op een persoon jonger dan 27 jaar") == [("leeftijd", "27 jaar", "<")]
    assert cmp("de persoon van 27 jaar of ouder die in dezelfde woning") == [("leeftijd", "27 jaar", ">=")]
    assert cmp("giften tot € 1.200 per kalenderjaar") == [("bedrag", "€ 1.200", "<=")]
    assert cmp("indien de aanvraag binnen drie maanden is ingediend") == [("termijn", "drie maanden", "<=")]
    assert cmp("ten minste 36 maanden een inkomen op bijstandsniveau") == [("termijn", "36 maanden", ">=")]
    assert cmp("gedurende een maand") == [("termijn", "een maand", "")]  # the length of a measure, no limit


def test_ages_and_percentages_from_a_question():
    f = read_facts("bijstandsmoeder, haar zoon van 24 komt weer thuis wonen; meneer 34 jr bij zijn moeder (61)")
    assert sorted(n for _, n in f.ages) == [24, 34, 61]
    assert not f.durations  # "34 jr" is an age, not a period
    assert read_facts("een inkomen van 115% van de bijstandsnorm").percentages == [("115%", 115.0)]
    assert read_facts("klant is 70 en heeft alleen AOW").ages == [("klant is 70", 70.0)]
    assert not read_facts("hij moet 24 euro per maand betalen").ages
    # A day of a month after a person is a date, not an age (review round 4: "man is 18 feb overleden").
    assert not read_facts("Haar man is 18 feb plotseling overleden.").ages
    assert not read_facts("vrouw van 30 mei 2024 ingeschreven").ages
    # A file note's abbreviations name the person ("mw 29", "dhr (61)"); a frequency after one is no age.
    assert sorted(n for _, n in read_facts("mw 29, moeder van zoon (4); dhr (61) ook").ages) == [4, 29, 61]
    assert not read_facts("mw 2x per week bij de dagbesteding").ages


def test_a_person_outside_the_laws_definition_needs_no_deviation(model):
    """The kostendelersnorm turns on the law's definition (art. 19a Pw: a kostendelende
    medebewoner is 27 or older). A son of 24: the norm does not reach him, no deviation is needed;
    a son of 32: it does, and the beleidsregel's own room stands."""
    art3 = model.find("Beleidsregels kostendelersnorm en tijdelijke opvang Lindewaarde 2024", "3")
    chain = chain_of(model, art3, TODAY)
    question = "haar zoon van {} komt weer thuis wonen, gaat haar uitkering omlaag ivm kostendelers?"
    young = decide_room(model, chain, content_terms(question.format(24)), read_facts(question.format(24)), TODAY)
    assert young.basis == "niet-nodig" and young.article.citation == "artikel 19a Participatiewet"
    assert "zoon van 24" in young.reason and "27 jaar" in young.reason
    older = decide_room(model, chain, content_terms(question.format(32)), read_facts(question.format(32)), TODAY)
    assert older.basis != "niet-nodig"


def test_a_definition_decides_by_its_age_only(model):
    """A definition's amount is not a limit: "indien ze een of meer ten laste komende kinderen
    hebben: € 755,98 plus ..." (art. 22a Pw) sets a norm, and a price of 4.650 in a question that
    names children is not "outside what the rule describes" (review round 1, r02)."""
    art4 = model.find("Beleidsregels bijzondere bijstand Lindewaarde", "4")
    question = ("vrouw 31 met 2 kinderen (3 en 6) heeft na de opvang een kale huurwoning, inrichting komt op 4.650. "
                "hoeveel kan ik geven en moet het als lening?")
    room = decide_room(model, chain_of(model, art4, TODAY), content_terms(question), read_facts(question), TODAY)
    assert room.basis == "beleidsregel-4:84-awb"


def test_a_period_says_what_it_measures():
    """The time since an event, or how long a state lasted; in a rule and in a question alike."""
    from assistant.rules.provisions import period_kind, values_in

    def kind(sentence):
        return [period_kind(sentence, v) for v in values_in(sentence) if v.kind == "termijn"]

    assert kind("Het college legt geen verlaging op als de gedraging meer dan een jaar voor de constatering "
                "ervan heeft plaatsgevonden.") == [("verstreken", ">")]
    assert kind("als de aanvraag binnen drie maanden na het maken van de kosten is ingediend") == [("verstreken", "<=")]
    assert kind("de belanghebbende in de 36 maanden voorafgaand aan de aanvraag onafgebroken een inkomen op of "
                "onder de bijstandsnorm had.") == [("duur", "")]
    assert kind("Het college kan afzien als de belanghebbende gedurende vijf jaar niet heeft afgelost.") == [("duur", ">=")]
    assert kind("De verlaging geldt voor maximaal zes maanden buiten beschouwing.") == [("", "<=")]
    told = read_facts("wasmachine kapot, klant zit al 4 jaar onafgebroken in de bijstand. bril 2 maanden geleden gekocht")
    assert [(d.kind, d.months) for d in told.durations] == [("duur", 48), ("verstreken", 2)]
    assert "bijstand" in told.durations[0].about and "wasmachine" not in told.durations[0].about


def test_a_period_decides_only_against_a_period_of_its_kind(local_model):
    """"4 jaar onafgebroken in de bijstand" meets the "36 maanden voorafgaand ... onafgebroken" on
    which a wasmachine is given om niet (an exception the beleidsregel makes): no deviation
    needed. "2 maanden geleden" meets "binnen drie maanden na het maken van de kosten"; five months
    ago does not, and a period of another kind ("al 4 jaar") is not compared with it."""
    art5 = local_model.find("Beleidsregels bijzondere bijstand Lindewaarde", "5")
    question = "wasmachine kapot, klant zit al {} onafgebroken in de bijstand. moet dat als lening?"
    for told, expected in (("4 jaar", "niet-nodig"), ("2 jaar", None)):
        q = question.format(told)
        room = decide_room(local_model, chain_of(local_model, art5, TODAY), content_terms(q), read_facts(q), TODAY)
        assert (room.basis == "niet-nodig") == (expected == "niet-nodig"), (told, room.basis)
    assert "4 jaar tegen de grens ten minste 36 maanden" in decide_room(
        local_model, chain_of(local_model, art5, TODAY), content_terms(question.format("4 jaar")),
        read_facts(question.format("4 jaar")), TODAY).reason
    art4 = local_model.find("Beleidsregels bijzondere bijstand Lindewaarde", "4")
    bril = "klant heeft {} een bril gekocht want de oude was gebroken, vraagt nu pas bb aan voor de kosten"
    for told, within in (("2 maanden geleden", True), ("5 maanden geleden", False), ("al 4 jaar", False)):
        q = bril.format(told)
        room = decide_room(local_model, chain_of(local_model, art4, TODAY), content_terms(q), read_facts(q), TODAY)
        assert (room.basis == "niet-nodig") == within, (told, room.basis, room.reason)


def test_a_derogation_without_kan_is_an_exception_and_kan_slechts_is_no_power():
    from assistant.rules.provisions import classify

    kinds = classify("In afwijking van het tweede lid verleent het college bijzondere bijstand om niet als:")
    assert "exception" in kinds and "power" not in kinds
    assert "power" in classify("In afwijking van het eerste lid kan een beschikking achterwege blijven als de inwoner "
                               "afziet van verdere schuldhulpverlening.")
    assert "power" not in classify("Een vreemdeling kan voor het verlenen van schuldhulpverlening slechts in aanmerking "
                                   "komen indien hij een ingezetene is.")


def test_no_payment_due_is_an_exemption_and_a_negated_comparison_a_maximum():
    """"Geen bijdrage is verschuldigd voor: ... een inkomen dat niet hoger is dan 120% van de
    bijstandsnorm" (Wmo verordening): an exemption, whose limit is a maximum, so 115% needs no
    deviation and 125% does."""
    from assistant.rules.provisions import classify, values_in

    assert "exemption" in classify("Geen bijdrage is verschuldigd voor:")
    assert [(v.raw, v.cmp) for v in values_in("een inkomen dat niet hoger is dan 120% van de bijstandsnorm")] \
        == [("120%", "<=")]
    assert [v.cmp for v in values_in("niet meer dan € 500")] == ["<="]
    assert [v.cmp for v in values_in("niet minder dan drie maanden")] == [">="]
    assert [v.cmp for v in values_in("meer dan een jaar")] == [">"]


def test_an_income_under_the_wmo_limit_owes_no_bijdrage(local_model):
    art6 = local_model.find("Verordening maatschappelijke ondersteuning Lindewaarde 2023", "6")
    q = "mevrouw heeft een inkomen van {} van de bijstandsnorm en zit in de collectieve zorgverzekering. eigen bijdrage?"
    rooms = {pct: decide_room(local_model, chain_of(local_model, art6, TODAY), content_terms(q.format(pct)),
                              read_facts(q.format(pct)), TODAY) for pct in ("115%", "125%")}
    assert rooms["115%"].basis == "niet-nodig" and "120%" in rooms["115%"].reason
    assert rooms["125%"].basis == "hardheidsclausule"
    # The exemption has a second condition ("en die deelneemt aan de collectieve
    # zorgverzekering"): the percentage alone does not settle it (holdout 4, h10).
    for told in ("zit niet in de collectieve zorgverzekering", "heeft een eigen zorgverzekering"):
        q2 = f"mevrouw heeft een inkomen van 115% van de bijstandsnorm en {told}. eigen bijdrage?"
        room = decide_room(local_model, chain_of(local_model, art6, TODAY), content_terms(q2), read_facts(q2), TODAY)
        assert room.basis == "hardheidsclausule", told


def test_a_percentage_is_compared_only_with_a_percentage_of_the_same_thing(model):
    """A boete "van ten hoogste 150 procent van het benadelingsbedrag" says nothing about an
    income at 110% of the norm (holdout 4, h17)."""
    art41 = model.find("Participatiewet", "41")
    q = "man 51, inkomen zat vorig jaar 2 maanden boven die grens van 110%. aanvraag inkomenstoeslag afwijzen?"
    room = decide_room(model, chain_of(model, art41, TODAY), content_terms(q), read_facts(q), TODAY)
    assert not (room.basis == "niet-nodig" and "150 procent" in room.reason)


@pytest.fixture(scope="module")
def local_catalogue():
    from assistant.answering.scope import Catalogue

    return Catalogue(_chunks(CORPUS, without=NL), "Lindewaarde", ())


def test_the_doel_comes_from_the_toelichting_on_the_rules_own_lid(local_catalogue):
    """"Doel van het tweede lid is ..." is the doel of the second lid only; the first lid gets the
    article's general doel or, without one, the toelichting's "Algemeen"."""
    from assistant.answering.drafting import Drafting

    reg = "Beleidsregels terugvordering en invordering Participatiewet Lindewaarde 2024"
    whole = local_catalogue.rules.find(reg, "2").valid_chunks(TODAY)[0]  # the article in one passage
    _, second = Drafting._purpose(dataclasses.replace(whole, lid="2"), local_catalogue, TODAY)
    assert second.startswith("Doel van het tweede lid")
    for rule in (dataclasses.replace(whole, lid="1"), whole):
        _, doel = Drafting._purpose(rule, local_catalogue, TODAY)
        assert "tweede lid" not in doel and doel.startswith("Terugvordering dient ertoe")
    art3 = local_catalogue.rules.find(reg, "3")
    _, doel3 = Drafting._purpose(art3.valid_chunks(TODAY)[0], local_catalogue, TODAY)
    assert doel3.startswith("Doel van de regel is te voorkomen")


def test_the_milder_routes_are_those_the_regeling_itself_names(local_catalogue):
    from assistant.answering.drafting import Drafting

    rules = local_catalogue.rules
    terug = rules.find("Beleidsregels terugvordering en invordering Participatiewet Lindewaarde 2024", "3")
    options = Drafting._milder_options(chain_of(rules, terug, TODAY), TODAY, local_catalogue)
    assert "een betalingsregeling of een lagere aflossing" in options
    assert "een lening in plaats van om niet" not in options  # a lening there is a vordering, not a route
    bb = rules.find("Beleidsregels bijzondere bijstand Lindewaarde", "5")
    assert "een lening in plaats van om niet" in Drafting._milder_options(chain_of(rules, bb, TODAY), TODAY,
                                                                          local_catalogue)


def test_a_chain_goes_up_to_a_higher_layer_only(model):
    """The bijzondere-bijstand beleidsregel mentions the terugvordering beleidsregel (how a lening
    is repaid): a neighbour of the same layer, not what it rests on, so not in its chain."""
    bb5 = model.find("Beleidsregels bijzondere bijstand Lindewaarde", "5")
    chain = chain_of(model, bb5, TODAY)
    assert all(a.layer != "beleidsregel" for a in chain.up), [a.citation for a in chain.up]
    terug = model.find("Beleidsregels terugvordering en invordering Participatiewet Lindewaarde 2024", "3")
    assert [a.citation for a in chain_of(model, terug, TODAY).up] == ["artikel 58 Participatiewet"]


def test_since_a_date_is_a_duration_up_to_the_peildatum(local_model):
    """"sinds voorjaar 2021 onafgebroken in de bijstand", asked on 2026-02-16: 58 months, which
    meets the 36 months of the om-niet exception; without the peildatum no duration is read."""
    day = dt.date(2026, 2, 16)
    q = "koelkast kapot, klant zit sinds voorjaar 2021 onafgebroken in de bijstand. lening of om niet?"
    assert [(d.number, d.kind) for d in read_facts(q, day).durations] == [(58, "duur")]
    assert not read_facts(q).durations
    assert [d.number for d in read_facts("woont sinds november bij haar", day).durations] == [3]
    art5 = local_model.find("Beleidsregels bijzondere bijstand Lindewaarde", "5")
    room = decide_room(local_model, chain_of(local_model, art5, day), content_terms(q), read_facts(q, day), day)
    assert room.basis == "niet-nodig" and "36 maanden" in room.reason


def test_werkdagen_are_a_term():
    from assistant.rules.provisions import values_in

    assert [(v.raw, v.kind, v.cmp) for v in values_in("binnen drie werkdagen na de melding")] == \
        [("drie werkdagen", "termijn", "<=")]
    assert read_facts("wacht al 5 werkdagen op een gesprek").durations[0].months == pytest.approx(5 / 21)


def test_brief_answers_a_must_question_from_the_rule_then_the_power(model):
    """"Moeten we terugvorderen?" is not answered "Ja, mits dringende redenen": the rule is the
    starting point, the power in the law the way out."""
    kb, room = _brief(model, "Beleidsregels terugvordering en invordering Participatiewet Lindewaarde 2024", "3",
                      "het gezin zit diep in de schulden en dreigt uit huis gezet te worden. moeten we terugvorderen?")
    assert room.basis == "wettelijke-bevoegdheid"
    text = kb.sentences[-1].text
    assert text.startswith("In beginsel wel:") and "dringende redenen" in text and not text.startswith("Ja")
    assert kb.verdict == "hangt af van"


def test_the_law_withholds_what_no_hardheidsclausule_can_grant(model):
    """Art. 36 Pw grants the individuele inkomenstoeslag "op aanvraag van een persoon van 21 jaar
    of ouder": a mother of 20 is outside it, and the verordening's hardheidsclausule cannot give
    what the law withholds (review round 3, w06). A mother of 35 is inside it."""
    art5 = model.find("Verordening Participatiewet Lindewaarde 2024", "5")
    chain = chain_of(model, art5, TODAY)
    q = ("alleenstaande moeder van {} met een dochtertje van 2, al jaren een minimuminkomen zonder uitzicht op "
         "inkomensverbetering. kan ik de individuele inkomenstoeslag toekennen?")
    young = decide_room(model, chain, content_terms(q.format(20)), read_facts(q.format(20)), TODAY)
    assert young.basis == "geen" and young.article.citation == "artikel 36 Participatiewet"
    assert "20 jaar" in young.reason and "21 jaar" in young.reason
    kb, _ = _brief(model, "Verordening Participatiewet Lindewaarde 2024", "5", q.format(20))
    assert kb.verdict == "nee" and "artikel 36 Participatiewet" in kb.sentences[-1].text
    assert "21 jaar" in kb.sentences[-1].text
    older = decide_room(model, chain, content_terms(q.format(35)), read_facts(q.format(35)), TODAY)
    assert older.basis != "geen"


def test_an_article_about_a_defined_term_elaborates_the_provision_that_defines_it(model):
    """Art. 1 of the Verordening Participatiewet defines "individuele inkomenstoeslag: de toeslag
    als bedoeld in artikel 36 van de wet"; art. 5 ("Individuele inkomenstoeslag: voorwaarden")
    names no article itself, so it elaborates art. 36 through the term. An article that only
    uses a defined term in its text does not elaborate the term's provision."""
    art5 = model.find("Verordening Participatiewet Lindewaarde 2024", "5")
    assert [a.citation for a in chain_of(model, art5, TODAY).up] == ["artikel 36 Participatiewet"]
    assert any(lk.via == "begrip" for lk in art5.links)
    art36 = model.find("Participatiewet", "36")
    assert art5.key in art36.elaborated_by
    for art in model.articles.values():
        for lk in art.links:
            if lk.via == "begrip":
                assert art.heading and art.regulation.layer not in ("wet", "amvb"), art.citation


def test_a_power_in_the_law_must_say_something_of_its_own_that_the_question_says(model):
    """Art. 35, vierde lid, Pw ("In afwijking van het eerste lid kan bijzondere bijstand ook ...
    worden verleend in de vorm van een eenmalige energietoeslag") shares "bijzondere bijstand" and
    "alleenstaande" with every lid and every bijzondere-bijstand question; it is no power to pay
    more for a wasmachine than the beleidsregel's maximum (review round 5, y01)."""
    art4 = model.find("Beleidsregels bijzondere bijstand Lindewaarde", "4")
    q = "alleenstaande vrouw in de bijstand, wasmachine kapot, goedkoopste kost 479. mag ik boven het maximum bijzondere bijstand geven?"
    room = decide_room(model, chain_of(model, art4, TODAY), content_terms(q), read_facts(q), TODAY)
    assert "energietoeslag" not in (room.provision.text if room.provision else "")
    assert room.basis == "beleidsregel-4:84-awb"
    q = "klant had een sterk gestegen energierekening, kan ze bijzondere bijstand krijgen als eenmalige energietoeslag?"
    room = decide_room(model, chain_of(model, art4, TODAY), content_terms(q), read_facts(q), TODAY)
    assert room.basis == "wettelijke-bevoegdheid" and "energietoeslag" in room.provision.text


def test_earlier_besluiten_vote_for_the_rule_they_were_taken_under(local_catalogue):
    """Among articles that match a question equally well, the one the most similar earlier
    besluiten were taken under (their "regel") is the rule the question turns on."""
    from types import SimpleNamespace

    from assistant.answering.pipeline import Assistant
    from assistant.retrieval.index import Hit

    rules = local_catalogue.rules
    art2 = rules.find("Beleidsregels bijzondere bijstand Lindewaarde", "2")
    art4 = rules.find("Beleidsregels bijzondere bijstand Lindewaarde", "4")
    hits = [Hit(0, 1.0, art2.valid_chunks(TODAY)[0]), Hit(1, 0.9, art4.valid_chunks(TODAY)[0])]
    signal = SimpleNamespace(confident=False, domain=None)

    def weigh(chunk):  # both articles match the question equally well
        return 5.0 if chunk.chunk_id in {h.chunk.chunk_id for h in hits} else 0.0

    plain = Assistant._choose(hits, weigh, local_catalogue, TODAY, signal)
    assert plain.key == art2.key  # the better search rank breaks the tie
    voted = Assistant._choose(hits, weigh, local_catalogue, TODAY, signal, votes={art4.key: 1.0})
    assert voted.key == art4.key


def test_the_situations_amount_against_a_limit():
    """One-off amounts add up against a limit per year; the text's own total wins; an amount the
    text quotes as a limit is never the situation's."""
    from assistant.rules.facts import situation_total

    gifts = read_facts("feb tante energie €410 betaald, mei broer €300 cash, okt ouders €320 overgemaakt")
    assert situation_total(gifts, 1200, yearly=True) == (1030, "€ 410 + € 300 + € 320 = € 1.030")
    assert situation_total(gifts, 1200)[0] == 410  # a maximum for one purchase: no sum
    total = read_facts("€6.420 op de spaarrekening en €1.530 op de betaalrekening, totaal €7.950; hij zegt "
                       "dat de grens €8.000 is")
    assert situation_total(total, 7770) == (7950, "€ 7.950")
    monthly = read_facts("zijn zus geeft hem elke maand 85 euro")
    assert situation_total(monthly, 1200, yearly=True) == (1020, "12 × € 85 = € 1.020 per jaar")


def test_gifts_over_the_jaargrens_are_added_up_and_what_does_not_count_is_asked(model):
    """Gifts that together exceed the giften rules' jaargrens: no "niet nodig" on the first gift
    alone; the room carries the sum and the article's list of what does not count."""
    art4 = model.find("Beleidsregels giften en schenkingen Participatiewet Lindewaarde 2025", "4")
    chain = chain_of(model, art4, TODAY)
    question = ("giften: ze heeft dit jaar van familie gekregen: €410 voor de energierekening, €300 cash en €320 op haar "
                "rekening en €240 kleding. moet ik verrekenen?")
    room = decide_room(model, chain, content_terms(question), read_facts(question), TODAY)
    assert room.basis != "niet-nodig"
    assert room.exceeded is not None
    assert "= € 1.270 ligt € 70 boven de grens van € 1.200" in room.exceeded.arithmetic
    assert any("voedselbank" in p.text for p in room.exceeded.uncounted)
    few = question.replace("€300 cash en €320 op haar rekening en ", "")
    assert decide_room(model, chain, content_terms(few), read_facts(few), TODAY).basis == "niet-nodig"


def test_a_condition_of_being_in_a_situation_is_asked_as_such():
    from assistant.rules.brief import as_question

    assert as_question("Indien er sprake is van een bedreigende situatie vindt binnen drie werkdagen het eerste "
                       "gesprek plaats") == "Is er sprake van een bedreigende situatie?"
    assert as_question("indien daarvoor dringende redenen aanwezig zijn kan het college") == \
        "Zijn daarvoor dringende redenen aanwezig?"


def test_hours_at_an_hourly_rate(model):
    """'5 uur per week' at the verordening's pgb rate per hour: what it comes to, shown as a
    tariff (neither within nor over a limit); a clock time is no number of hours."""
    from assistant.rules.arithmetic import arithmetic
    from assistant.rules.provisions import values_in

    assert read_facts("om 14u komt ze, 3 uur p/w").hours == [("3 uur p/w", 3.0, "week")]
    art = model.find("Verordening jeugdhulp Lindewaarde 2023", "4")
    prov = next(p for p in art.provisions_on(TODAY, ["amount"]) if "niet tot het huishouden" in p.text)
    value = next(v for v in values_in(prov.text) if v.kind == "bedrag")
    text, within, consequence = arithmetic(prov, None, value, read_facts("oma doet het, 5 uur per week"))
    assert text == "5 uur × € 23,50 = € 117,50 per week" and within is None and "117,50" in consequence
    assert arithmetic(prov, None, value, read_facts("oma doet het")) is None


def test_an_older_version_only_where_the_corpus_holds_one(local_catalogue):
    """A besluit 'on an older version of the rule' only where the corpus has another text of the
    article for the besluit's date; a file's valid_from alone (the date of its consolidated text)
    says nothing about a change."""
    from assistant.answering.drafting import Drafting

    rules = local_catalogue.rules
    art4 = rules.find("Beleidsregels bijzondere bijstand Lindewaarde", "4")
    current = next(c for c in art4.chunks if c.valid_from == "2026-01-01")
    assert Drafting._older_version_on(current, "2025-03-01", local_catalogue)
    assert not Drafting._older_version_on(current, "2024-03-01", local_catalogue)  # before any version
    art3 = rules.find("Beleidsregels kostendelersnorm en tijdelijke opvang Lindewaarde 2024", "3")
    assert not Drafting._older_version_on(art3.chunks[0], "2024-03-01", local_catalogue)


def test_the_exemption_that_decided_is_the_deciding_provision(model):
    """When the facts fall under an exemption (gifts under the € 1.200 of art. 31, tweede lid, Pw),
    the kort antwoord quotes that exemption, not another item of the list that shares the
    question's words ("alleenstaande ouder" in the earnings disregard of € 177,66)."""
    from assistant.rules.brief import brief

    art31 = model.find("Participatiewet", "31")
    chain = chain_of(model, art31, TODAY)
    q = ("giften. mw 40, alleenstaande ouder, bijstand. dit jaar van familie gekregen: tante betaalde energie €410, "
         "broer €300 cash, ouders €320 op haar rekening. is ze over de grens?")
    facts = read_facts(q, TODAY)
    room = decide_room(model, chain, content_terms(q), facts, TODAY)
    assert room.basis == "niet-nodig"
    kb = brief(chain, room, q, content_terms(q), facts, TODAY, lambda t: 1.0)
    assert "1.200" in kb.deciding.text and "giften" in kb.deciding.text
    assert kb.verdict == "binnen de regel" and "€ 410 + € 300 + € 320 = € 1.030" in kb.arithmetic


def test_a_limit_quoted_from_another_version_is_named_as_such(model):
    """A colleague's "sinds 1 jan is het max € 525" for an aanvraag of December 2025: the kort
    antwoord says € 525 belongs to the version valid from 2026 and keeps € 450 as the rule; a
    quoted limit that is the rule's own on the peildatum gets no such sentence."""
    day = dt.date(2025, 12, 18)
    q = "wasmachine kapot, goedkoopste is €499. collega zegt sinds 1 jan is het max €525. klopt dat?"
    kb, _ = _brief(model, "Beleidsregels bijzondere bijstand Lindewaarde", "4", q, day=day)
    assert kb.deciding_value.raw == "€ 450"
    said = [s for s in kb.sentences if "andere versie" in s.text]
    assert len(said) == 1 and "€ 525 uit de vraag" in said[0].text and "2026-01-01" in said[0].text
    assert said[0].chunks[0].valid_from == "2026-01-01" and "€ 525" in said[0].chunks[0].text
    kb, _ = _brief(model, "Beleidsregels bijzondere bijstand Lindewaarde", "4",
                   q.replace("€525", "€450"), day=day)
    assert not any("andere versie" in s.text for s in kb.sentences)
    # The national layer too: the vermogensgrens of 2026 quoted for a casus of 2025.
    kb, _ = _brief(model, "Participatiewet", "34", "hij zegt de grens is €8.000 en hij had totaal €7.950, "
                   "alleenstaand. wie heeft gelijk?", day=dt.date(2025, 11, 3))
    said = [s for s in kb.sentences if "andere versie" in s.text]
    assert len(said) == 1 and "€ 8.000 uit de vraag" in said[0].text


def test_passages_outside_the_chain_are_set_apart(model):
    """What the answer rests on (the chain, its local regeling, what the room and kort antwoord
    use) is not set apart; another article of the same law, outside the chain, is."""
    from assistant.answering.pipeline import Assistant

    art4 = model.find("Beleidsregels bijzondere bijstand Lindewaarde", "4")
    chain = chain_of(model, art4, TODAY)
    assert "artikel 35 Participatiewet" in [a.citation for a in chain.members()]
    art34 = model.find("Participatiewet", "34")
    art35 = model.find("Participatiewet", "35")
    toelichting = next(c for c in _chunks(CORPUS)
                       if c.source.endswith("bijzondere-bijstand-lindewaarde.md") and c.article is None)
    body = [art4.valid_chunks(TODAY)[0], art35.valid_chunks(TODAY)[0], art34.valid_chunks(TODAY)[0], toelichting]
    outside = Assistant._outside_chain(body, chain, model, set())
    assert outside == {art34.valid_chunks(TODAY)[0].chunk_id}
    # Used by the room or the kort antwoord: not set apart, wherever it stands.
    assert not Assistant._outside_chain(body, chain, model, {c.chunk_id for c in body})
    assert not Assistant._outside_chain(body, None, model, set())


def test_the_regelings_own_power_to_waive_needs_no_deviation(model):
    """A beleidsregel that itself lets the college waive ("kan geheel of gedeeltelijk afzien van
    verrekening of terugvordering als: a. ...; c. de overschrijding gering is ...") needs no 4:84:
    the room is "niet nodig", the grounds are asked, and the sum over the jaargrens is still shown.
    A question about the rule's norm itself, sharing no words with such a power, keeps 4:84."""
    q = ("giften. mw 40, bijstand. ze kwam zelf melden: tante betaalde energie €410, broer €300 cash, ouders €320 "
         "en €240. is ze over de grens? moet ik dan verrekenen of terugvorderen of kan ik het laten zitten?")
    kb, room = _brief(model, "Beleidsregels giften en schenkingen Participatiewet Lindewaarde 2025", "4", q)
    assert room.basis == "niet-nodig" and room.own_power
    assert "afzien van verrekening of terugvordering" in room.provision.text
    assert any("overschrijding gering" in g.text for g in room.grounds)
    assert kb.verdict == "niet nodig"
    text = " ".join(s.text for s in kb.sentences)
    assert "€ 1.270" in text and "zelf de bevoegdheid" in text and "geen plicht" in text
    assert any(q_.text.startswith("Welke grond van") and "overschrijding gering" in q_.text for q_ in kb.open_questions)
    assert not any(q_.text == "Is voldaan aan: „als”?" for q_ in kb.open_questions)
    _, room = _brief(model, "Beleidsregels bijzondere bijstand Lindewaarde", "4",
                     "wasmachine kapot, nieuwe kost 600 euro. mag ik boven het maximum gaan?")
    assert room.basis == "beleidsregel-4:84-awb" and not room.own_power


def test_a_period_of_years_is_not_an_age():
    """"pas na 10 jaar" and "al 3 jaar" are periods; "zoon van 24 jaar" and "klant 45 jaar" are
    ages. (A fraudevordering question with "pas na 10 jaar" was held against "jonger dan 21 jaar".)"""
    assert read_facts("collega zegt: bij fraude nooit, pas na 10 jaar. klopt dat?").ages == []
    assert read_facts("hij zit al 3 jaar in de bijstand").ages == []
    assert [n for _, n in read_facts("zoon van 24 jaar woont thuis").ages] == [24.0]
    assert [n for _, n in read_facts("klant 45 jaar, alleenstaand").ages] == [45.0]


def test_the_circumstances_leave_out_what_colleagues_claim_and_the_professional_plans():
    """What a teamleider or colleague claims runs to the end of its sentence, and a quote to its
    closing mark; the professional's own plan and opinion are not the inwoner's circumstances."""
    from assistant.rules.brief import circumstances_of, situation_of

    q = ("Hoi, wil even checken of ik goed reken. Mevr 38 met MS, zit in een rolstoel. Mijn concept: 120 min basis "
         "+ 60 = 180 min. TL zegt: vervoer is eigen kracht, dus alleen via de hardheidsclausule, en dan OV, geen "
         "taxi. Mijn TL: 'vrijstelling alleen in de collectieve, voorwaarde is voorwaarde, geen uitzondering'. "
         "Collega B zegt: we beslissen pas in januari, dan is de grens € 8.000. Volgens mij klopt dat niet. "
         "Ze heeft 4 kinderen van 2, 5, 8 en 10. Klopt dat?")
    told = circumstances_of(situation_of(q))
    assert told == ["Mevr 38 met MS, zit in een rolstoel", "Ze heeft 4 kinderen van 2, 5, 8 en 10"]


def test_a_term_counted_from_the_day_the_question_names(model):
    """"Binnen drie werkdagen" (art. 4, tweede lid, Wgs) from "do 26 nov" (the peildatum's year):
    uiterlijk dinsdag 1 december, weekends skipped; the later days the question names that fall
    after it are said to (review 6, z03). Weeks and months count on the calendar."""
    from assistant.rules.arithmetic import deadline
    from assistant.rules.provisions import Value

    day = dt.date(2026, 12, 7)
    facts = read_facts("kwam vandaag (do 26 nov) aan het loket, levering stopt per 4 december, eerste vrije plek "
                       "di 15 december", day)
    assert [d for _, d in facts.days] == [dt.date(2026, 11, 26), dt.date(2026, 12, 4), dt.date(2026, 12, 15)]
    art4 = model.find("Wgs", "4")
    lid2 = next(p for p in art4.provisions_on(day, ["term"]) if "drie werkdagen" in p.text)
    said = deadline(lid2, lid2.values[0], facts)
    assert said.startswith("binnen drie werkdagen vanaf 26 nov is uiterlijk dinsdag 01-12-2026")
    assert "4 december en 15 december uit de vraag liggen daarna" in said
    weeks = next(p for p in art4.provisions_on(day, ["term"]) if "vier weken" in p.text)
    assert "uiterlijk vrijdag 11-12-2026" in deadline(weeks, weeks.values[0], read_facts("melding 13-11-2026", day))
    assert deadline(lid2, lid2.values[0], read_facts("geen datum genoemd", day)) is None
    # A term not counted "binnen" a period ("bedraagt maximaal acht weken") has no start in the question.
    art4a = model.find("Wgs", "4a")
    eight = next(p for p in art4a.provisions_on(day, ["term"]) if "acht weken" in p.text)
    assert deadline(eight, eight.values[0], facts) is None
    assert deadline(lid2, Value("bedrag", "€ 50", 50.0), facts) is None


def test_a_term_the_question_quotes_points_to_the_article_that_sets_it(model):
    """"Teamleider zegt: de wettelijke termijn is 4 weken": a quoted term, like a quoted amount,
    points to the article that sets it (art. 4 Wgs, "binnen vier weken"); a period of the
    situation does not."""
    from assistant.answering.pipeline import Assistant
    from assistant.rules.facts import unit_of

    quoted = read_facts("teamleider zegt dat dat mag want de wettelijke termijn is 4 weken. hij zit al 3 weken thuis")
    assert [(d.number, unit_of(d.unit)) for d in quoted.quoted_terms] == [(4.0, "week")]
    assert Assistant._sets(model.find("Wgs", "4"), set(), {(4.0, "week")})
    assert not Assistant._sets(model.find("Wgs", "4"), set(), {(5.0, "week")})
    assert not Assistant._sets(model.find("Wgs", "4a"), set(), {(4.0, "week")})
    assert Assistant._sets(model.find("Participatiewet", "34"), {8000.0})


def test_what_the_question_quotes_as_the_rule_is_checked_against_the_chain(model):
    """A colleague's "de drempel is € 176" for a case of November 2025: the drempel of art. 35,
    tweede lid, Pw in the version of the peildatum (€ 170) is the deciding provision, with the
    question's € 173 against it and € 176 named as another version's. A teamleider's "4 weken"
    where a bedreigende situatie has three werkdagen: the 4 weeks are named as the other lid's."""
    day = dt.date(2025, 11, 20)
    q = "nota tandarts € 173, aanvraag 20 nov 2025. collega zegt de drempel is € 176 dus weigeren. klopt dat?"
    kb, _ = _brief(model, "Participatiewet", "35", q, day=day)
    assert kb.deciding_value.raw == "€ 170,00"
    text = " ".join(s.text for s in kb.sentences)
    assert "€ 173 ligt € 3 boven € 170,00" in text
    assert "€ 176 uit de vraag staat in een andere versie van artikel 35, tweede lid, Participatiewet" in text
    q = ("energieleverancier stopt de levering, bedreigende situatie. teamleider zegt de wettelijke termijn is 4 weken. "
         "hoe snel moet het eerste gesprek?")
    kb, _ = _brief(model, "Wgs", "4", q, day=dt.date(2026, 12, 7))
    assert "drie werkdagen" in kb.deciding.text
    text = " ".join(s.text for s in kb.sentences)
    assert "4 weken uit de vraag is de termijn van artikel 4 Wgs" in text and "doorslaggevend is hier de bepaling" in text


def test_a_norm_built_from_a_base_and_increments_is_counted_with_the_questions_numbers(model):
    """The normtijd of huishoudelijke ondersteuning: 120 minutes for one or two persons and one
    bedroom, + 10 per extra bedroom in use, + 15 per person above two; the toeslag per child under
    12 up to 45. What the question does not say is named, not guessed; rooms not in use do not count."""
    from assistant.rules.arithmetic import built_norm, child_supplement

    day = dt.date(2026, 12, 7)
    art2 = model.find("Beleidsregels huishoudelijke ondersteuning Lindewaarde 2024", "2")
    art3 = model.find("Beleidsregels huishoudelijke ondersteuning Lindewaarde 2024", "3")
    q = "alleenstaande moeder van 3 kinderen van 10, 7 en 4. woonkamer, keuken, hal en 3 slaapkamers in gebruik"
    assert built_norm(art2, q, read_facts(q, day), day) == \
        "120 + 2 × 10 (extra slaapkamers) + 2 × 15 (personen boven twee) = 170 minuten per week"
    assert child_supplement(art3, q, day).startswith("3 × 15 = 45: 45 minuten per week")
    five = "alleen met 5 kinderen (2, 2, 4, 7 en 10), hoeveel minuten?"
    said = built_norm(art2, five, read_facts(five, day), day)
    assert said.startswith("120 + 4 × 15 (personen boven twee) = 180") and "10 per extra slaapkamer" in said
    assert "ten hoogste 45: 45 minuten" in child_supplement(art3, five, day)
    alone = "mevrouw woont alleen in een eengezinswoning met 3 slaapkamers, gebruikt er maar 1. hoeveel minuten?"
    assert built_norm(art2, alone, read_facts(alone, day), day) == "120 minuten per week"
    kids = "moeder met 2 slaapkamers in gebruik en kinderen, hoeveel minuten?"  # how many children: not said
    assert "15 per persoon boven twee" in built_norm(art2, kids, read_facts(kids, day), day)
    assert built_norm(model.find("Participatiewet", "34"), q, read_facts(q, day), day) is None


def test_vermogen_is_counted_net_of_the_debts_the_question_tells(model):
    """Art. 34 Pw counts bezittingen "verminderd met de aanwezige schulden": the € 250 still open
    on a loan comes off the € 8.150 on the accounts, and the vermogensgrens of the peildatum
    (€ 7.770 in December 2025) is exceeded by € 130, not € 380. An amount in a colleague's
    sentence about debts is not itself a debt."""
    from assistant.rules.facts import situation_total

    day = dt.date(2025, 12, 10)
    q = ("intake bijstand, aanvraag 10 dec 2025, alleenstaand. Op haar rekeningen staat samen € 8.150. Ze heeft een leenovereenkomst met "
         "haar broer, daar staat nog € 250 van open. Collega zegt: schulden aan familie tellen niet, dus 8.150 en dat "
         "is boven de grens. Kan ik iets doen?")
    facts = read_facts(q, day)
    assert [a.raw for a in facts.told_amounts if a.debt] == ["€ 250"]
    assert situation_total(facts, 7770.0, net_of_debts=True) == (7900.0, "€ 8.150 − € 250 (schuld) = € 7.900")
    assert situation_total(facts, 7770.0)[0] == 8150.0
    kb, room = _brief(model, "Participatiewet", "34", q, day=day)
    assert room.exceeded is not None and "€ 7.900 ligt € 130 boven de grens van € 7.770,00" in room.exceeded.arithmetic
    assert "7.770" in kb.deciding_value.raw


def test_a_percentage_of_a_named_amount_is_worked_out(model):
    """"Ten minste 50% van de restsom in één keer": the question's "restant ... € 6.380" is the
    restsom, so 50% is € 3.190, and the € 3.000 offered lies € 190 below it."""
    from assistant.rules.arithmetic import share_of

    art6 = model.find("Beleidsregels terugvordering en invordering Participatiewet Lindewaarde 2024", "6")
    prov = next(p for p in art6.provisions_on(TODAY) if "50% van de restsom" in p.text and p.values)
    value = next(v for v in prov.values if v.kind == "percentage")
    q = "Hij lost sinds 2021 af, restant incl. kosten nu € 6.380. Zijn moeder wil eenmalig € 3.000 betalen."
    assert share_of(prov, value, read_facts(q), q) == "50% van € 6.380 = € 3.190; € 3.000 ligt € 190 daaronder"
    q = "Zijn moeder wil eenmalig € 3.000 betalen."  # no amount named as the restsom
    assert share_of(prov, value, read_facts(q), q) is None
