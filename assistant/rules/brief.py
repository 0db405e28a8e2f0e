"""The kort antwoord: what the professional reads first. Built from the chain, the room and
the facts of the question, deterministically: the governing provision, the deciding amount or
term (quoted verbatim from a cited passage), the arithmetic the rule asks for with the numbers
of the question, and the conditions the facts do not settle, as short questions.

Every sentence names the chunks it rests on; the answer layer turns them into [n] markers and
the verifier checks every quote, as for the rest of the answer. Nothing here decides: it says
what the rule says for these facts and what is still needed to judge.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Callable, Sequence

from assistant.corpus.documents import Chunk
from assistant.answering.generation import GENERIC_TERMS
from assistant.retrieval.analysis import content_terms
from assistant.rules.arithmetic import (arithmetic, built_norm, child_supplement, chunk_of as _chunk, claims,
                                         clean_quote as _clean_quote, current_version_of, deadline, share_of)
from assistant.rules.facts import Facts, fits_household
from assistant.rules.model import Article
from assistant.rules.provisions import Provision, Value, lid_text, own_text, period_kind
from assistant.rules.reasoning import Chain, Room, _defined_terms, _words_of

# What the question asks for: an amount, a term, a duty or a power. One cue each, from the
# words professionals use; a question without a cue is about the room to deviate.
_ASKS_AMOUNT = re.compile(r"\bhoe ?veel\b|\bhoe hoog\b|\bmax(?:imum|imaal|\.)?\b|\bwelk bedrag\b|\bbedrag\b"
                          r"|\bvergoed\w*\b|\bnorm\b|\bgrens\b|\bvrijla\w*\b", re.I)
_ASKS_TERM = re.compile(r"\bhoe lang\b|\btermijn\w*\b|\bbinnen hoeveel\b"
                        r"|\bhoeveel (?:tijd|dagen|werkdagen|weken|maanden|jaar|jaren|uur|uren|minuten)\b"
                        r"|\bwanneer\b|\bhoe snel\b|\buiterlijk\b|\bverjaar\w*\b", re.I)
_ASKS_MINUTES = re.compile(r"\bminuten\b|\bhoeveel\s+(?:tijd|uur)\b|\bnormtijd\b", re.I)
_ASKS_DUTY = re.compile(r"\bmoet(?:en)?\b|\bverplicht\w*\b|\bmelden\b|\bdoorgeven\b|\bplicht\b", re.I)
_LEAD_CONJ = re.compile(r"^(?:indien|mits|voor zover|voorzover|als|wanneer|zolang|tenzij)\s+", re.I)
# Finite verbs a condition clause ends on (Dutch subordinate clauses put the verb last).
_FINITE = frozenset("""is zijn heeft hebben wordt worden kan kunnen bestaat bestaan ontvangt ontvangen voldoet
    voldoen woont wonen verblijft verblijven doet doen blijft blijven gaat gaan leidt leiden zal zullen moet moeten
    mag mogen staat staan ontstaat beschikt beschikken geldt gelden hoeft hoeven voorziet voorzien verkeert verkeren
    betreft betreffen komt komen heeft""".split())
_QUESTION_WORD = re.compile(r"\b(?:moet|moeten|mag|mogen|kan|kunnen|kun|hoeveel|hoe|wat|wie|welke|wanneer|waar|is|zijn|"
                            r"klopt|geldt|telt|tellen)\b", re.I)


@dataclass
class Sentence:
    """One statement: Dutch text with {0}, {1} ... where the markers of `chunks` go."""

    text: str
    chunks: list[Chunk] = field(default_factory=list)


@dataclass
class OpenQuestion:
    text: str  # a short Dutch question
    chunk: Chunk | None = None  # the passage the condition comes from


@dataclass
class Brief:
    verdict: str  # ja | nee | ja, mits | hangt af van | binnen de regel | niet nodig | regel
    sentences: list[Sentence]
    deciding: Provision | None = None
    deciding_chunk: Chunk | None = None  # the passage the deciding provision is quoted from
    deciding_value: Value | None = None
    arithmetic: str | None = None
    consequence: str | None = None  # the effect of applying the rule, for "Gevolgen voor de inwoner"
    open_questions: list[OpenQuestion] = field(default_factory=list)
    facts_text: list[str] = field(default_factory=list)  # what the question says about the situation
    focus_sentences: dict[str, list[str]] = field(default_factory=dict)  # chunk_id -> sentences that carry it


def asks(question: str) -> str:
    if _ASKS_TERM.search(question):
        return "term"
    if _ASKS_AMOUNT.search(question):
        return "amount"
    if _ASKS_DUTY.search(question):
        return "duty"
    return "room"


def situation_of(question: str) -> list[str]:
    """The parts of the question that tell the situation, not the question itself: sentences
    that are not questions, and in a one-sentence question the clauses before the one that asks."""
    parts = [p.strip() for p in re.split(r"(?<=[.?!])\s+|\n+", question) if p.strip()]
    told = [p.rstrip(".!") for p in parts if not p.endswith("?")]
    if not told and parts:
        clauses = [c.strip() for c in re.split(r",\s*|\s+-\s+", parts[-1].rstrip("?")) if c.strip()]
        told = [c for c in clauses[:-1] if not _QUESTION_WORD.match(c)]
    return [t for t in told if len(t) > 3]


# How a professional's message opens before the case itself ("vraagje bijz. bijstand:", "hoi,").
_OPENING = re.compile(r"^(?:(?:vraag(?:je)?|hoi|hallo|goedemorgen|goedemiddag|beste)\b[^:]{0,40}:\s*|"
                      r"(?:vraag(?:je)?|hoi|hallo|goedemorgen|goedemiddag)\b[^:,]{0,40}$)", re.I)
# What continues a clause dropped for its voice ("collega zegt: ..., dus gewoon om niet toekennen").
_CONTINUES = re.compile(r"^(?:dus|en|want|omdat|maar|zodat|dan)\b", re.I)
# A colleague's claim runs to the end of its sentence ("TL zegt: ..., en dan ..., geen taxi").
_CLAIMANT = re.compile(r"^(?:(?:onze?|mijn|een|de)\s+)?(?:collega'?s?|teamleider|tl|leidinggevende|manager)\b", re.I)
_QUOTE_MARKS = re.compile(r"(?<!\w)['‘“\"]|['’”\"](?!\w)")
# What the professional sees or reads: the fact after it is the inwoner's.
_SEEN = re.compile(r"^(?:(?:ik|we|wij)\s+(?:zie|zien|lees|lezen|merk|merken|hoor|horen|constateer|constateren)\s+"
                   r"(?:\w+\s+){0,2}?dat\s+|(?:op|uit|in)\s[^,]{0,60}?\b(?:zie|lees|merk|blijkt)\s+(?:ik|we|wij\s+)?\s*dat\s+)",
                   re.I)
# A clause in the professional's or a colleague's own voice (what they want, plan or claim), not
# a circumstance of the inwoner.
_OWN_VOICE = re.compile(r"^(?:ik|we|wij|(?:onze?|mijn|een|de)\s+(?:collega'?s?|teamleider|tl|leidinggevende|manager|"
                        r"concept|voorstel|berekening|idee)|collega'?s?|teamleider|tl|leidinggevende|klopt|volgens\s+mij|"
                        # "(ik) wil even checken of ik goed reken": the professional, without the "ik"
                        r"(?:wil|wilde|zou)\s+(?:even|graag|nog)|even\s+(?:checken|vragen|navragen))\b", re.I)


def tells_situation(told: list[str]) -> bool:
    """Whether the question tells the inwoner's situation beyond the request itself ("klant wil
    een wasmachine van 600 euro"): at least three facts (clauses) about the inwoner."""
    return sum(len(c.split(", ")) for c in circumstances_of(told)) >= 3


def circumstances_of(told: list[str]) -> list[str]:
    """The inwoner's circumstances in what the question tells, clause by clause, for the
    motivering's "Bijzondere omstandigheden": without the message's opening, what the
    professional or a colleague wants or claims, and what is asked."""
    out: list[str] = []
    opened = False
    for i, sentence in enumerate(told):
        sentence = sentence.strip()
        if opened:  # "vraagje bijz. bijstand: mevr 57": the opening's topic, cut off by its abbreviation
            sentence = re.sub(r"^[^:,]{1,25}:\s*", "", sentence)
        opened = bool(_OPENING.fullmatch(sentence))
        # A message that opens with its subject ("spoedje schuldhulp.", "bezwaarzaak."): a label.
        if i == 0 and len(sentence.split()) <= 3 and not re.search(r"\d", sentence) and len(told) > 1:
            continue
        sentence = _OPENING.sub("", sentence)
        kept: list[str] = []
        dropped = quoting = claim = False
        for part in re.split(r";\s+|,\s+(?=[a-zà-ÿ])(?![^(]*\))|\.\s+", sentence):
            part = _SEEN.sub("", part.strip().rstrip(".;,:")).strip()
            if claim or quoting or (dropped and _CONTINUES.match(part)):
                # the rest of what the colleague says, or of what they are quoted as saying
                quoting = quoting != (len(_QUOTE_MARKS.findall(part)) % 2 == 1)
                continue
            dropped = False
            if len(part) <= 3 or _OPENING.match(part) or _OWN_VOICE.match(part) or part.endswith("?"):
                dropped = True
                quoting = len(_QUOTE_MARKS.findall(part)) % 2 == 1  # a quote opened and not yet closed
                claim = bool(_CLAIMANT.match(part))
                continue
            kept.append(part)
        if kept:
            out.append(", ".join(kept))
    return out


# Where a conditional clause ends: at a comma, or where the main clause's verb and subject follow
# without one ("Indien daarvoor dringende redenen aanwezig zijn kan het college ...").
_MAIN_CLAUSE = re.compile(r",|\s(?:kan|kunnen|stelt|vordert|verleent|verstrekt|wordt|worden|legt|neemt|houdt|mag)\s+"
                          r"(?:het college|de|het|burgemeester|hij|zij|er)\b"
                          # "Indien er sprake is van X vindt binnen drie werkdagen ... plaats"
                          r"|\s(?:vindt|vinden|geldt|gelden|bedraagt|bedragen)\s", re.I)
# "er sprake is van een bedreigende situatie": asked as "Is er sprake van ...?"
_SPRAKE = re.compile(r"^(?:er\s+)?sprake\s+is\s+van\s+(?P<what>.+)$", re.I)


def clause(condition: str) -> str:
    m = _MAIN_CLAUSE.search(condition)
    return condition[: m.start()] if m else condition


def as_question(condition: str) -> str:
    """'indien daarvoor dringende redenen aanwezig zijn' -> 'Zijn daarvoor dringende redenen
    aanwezig?'. A clause that does not end on a finite verb is asked as it is written."""
    c = _LEAD_CONJ.sub("", " ".join(clause(condition).split())).rstrip(" ,;:.")
    sprake = _SPRAKE.match(c)
    if sprake:
        return f"Is er sprake van {sprake.group('what')}?"
    words = c.split()
    if len(words) >= 2 and words[-1].lower() in _FINITE:
        return f"{words[-1].capitalize()} {' '.join(words[:-1])}?"
    return f"Is voldaan aan: „{c}”?" if c else ""


def _short(item: str) -> str:
    return item if len(item) <= 90 else item[:87].rsplit(" ", 1)[0] + " …"


def _matched(words: set[str], terms: set[str]) -> dict[str, float]:
    """The question's terms among a text's words, each with its weight: 1 for the same stem, 0.5
    for the first or last part of a compound ("vermogen" in "vermogensgrens", "ontruiming" in
    "woningontruiming"): the part names the thing less surely than the word itself ("gezin" in
    "gezinslid")."""
    out: dict[str, float] = {}
    for t in terms:
        if t in words:
            out[t] = 1.0
        elif len(t) >= 5 and any(len(w) > len(t) and (w.startswith(t) or w.endswith(t)) for w in words):
            out[t] = 0.5
        elif any(len(w) >= 6 and len(t) > len(w) and t.startswith(w) for w in words):
            out[t] = 0.5  # the question's compound ("energieleverancier") for the text's word ("energie")
    return out


def told_values(facts: Facts, day: dt.date) -> set[str]:
    """The kinds of value the question gives a number for: the values a provision's limit is
    compared with (a period only with one of its kind: _same_period). Not ages: the age a question
    tells is often another person's than the one a provision's age is about (a son of 32, "de
    belanghebbende van 21 jaar of ouder"); the room weighs ages against the law's definitions."""
    told = set()
    if facts.told_amounts:
        told.add("bedrag")
    if facts.percentages:
        told.add("percentage")
    if any(d.kind for d in [*facts.durations, *facts.elapsed(day)]):
        told.add("termijn")
    return told


def _same_period(prov: Provision, value: Value, facts: Facts, day: dt.date) -> bool:
    """Does the question tell a period of the kind this value measures? A duration only where
    its clause shares a word with the provision (a question tells several durations: how long in
    the bijstand, how long a debt stands open), as the room compares them."""
    kind = period_kind(prov.text, value)[0]
    if not kind:
        return False
    if kind == "verstreken":
        return bool(facts.elapsed(day))
    words = _words_of(prov.text)
    return any(d.kind == "duur" and bool(_matched(content_terms(d.about) - GENERIC_TERMS, words))
               for d in facts.durations)


def deciding_provision(chain: Chain, terms: set[str], kind: str, day: dt.date,
                       idf: Callable[[str], float], facts: Facts | None = None
                       ) -> tuple[Article, Provision, Value | None] | None:
    """The provision with the amount or term the question turns on: the one of the chain whose
    own words match the question best (idf-weighted; the other words of its lid count half),
    among those carrying the asked kind of value; the focus article and its local elaborations
    first.

    Without a question for an amount or a term, the kinds of value the question gives a number
    for (an amount, a percentage, a period since an event or of a state, each compared only with
    a period of its own kind: provisions.period_kind). A provision for another
    household than the question's ("alleenstaande" for a mother with children) is not chosen."""
    terms = terms - GENERIC_TERMS
    facts = facts or Facts()
    told = told_values(facts, day)
    want = {"term": ("termijn", "leeftijd"), "amount": ("bedrag", "percentage")}.get(kind, tuple(told))
    best = None
    for rank, art in enumerate([chain.focus, *chain.down, *chain.up]):
        chunks = {c.chunk_id: c for c in art.valid_chunks(day)}
        # The article's own definitions ("Onder bedreigende situatie wordt verstaan gedwongen
        # woningontruiming, ..."): a provision that uses a defined term says what its definition says.
        meanings = [(terms_, content_terms(d.text) - terms_ - GENERIC_TERMS)
                    for d in art.provisions_on(day, ["definition"]) if (terms_ := _defined_terms(d))]
        for i, prov in enumerate(art.provisions_on(day, ["amount", "term", "exemption", "exception"])):
            values = [v for v in prov.values if v.kind in want and (
                kind in ("amount", "term") or v.kind != "termijn" or _same_period(prov, v, facts, day))]
            if not values or not fits_household(prov.text, facts.household):
                continue
            lid = lid_text(chunks.get(prov.chunk_id), prov)
            own_words, lead_words = own_text(lid, prov)
            # The value's own words are what is sought, not what the question is about ("volgende
            # week" says nothing about "binnen vier weken").
            value_words = content_terms(" ".join(v.raw for v in prov.values))
            own = content_terms(own_words)
            shared = _matched(own - GENERIC_TERMS - value_words, terms)
            if not shared:
                continue  # the sentence itself must say something the question says
            meant = set().union(*(body for defined, body in meanings if defined <= own)) if meanings else set()
            for t, w in _matched((content_terms(lead_words) | meant) - GENERIC_TERMS, terms).items():
                shared[t] = max(w, shared.get(t, 0.0))
            around = {t: w for t, w in _matched(content_terms(lid) - GENERIC_TERMS - value_words, terms).items()
                      if t not in shared}
            score = sum(w * idf(t) for t, w in shared.items()) + 0.5 * sum(w * idf(t) for t, w in around.items()) \
                - 0.3 * rank - 0.001 * len(prov.text)
            if best is None or score > best[0]:
                best = (score, art, prov, values[0])
    return best[1:] if best else None


# "als bedoeld in het tweede lid", "zoals bedoeld in artikel 17": a reference, not a condition.
_REFERENCE = re.compile(r"^(?:als|zoals)\s+bedoeld\b", re.I)


_CONJUNCTION = re.compile(r"\b(?:indien|mits|voor zover|voorzover|tenzij|wanneer|zolang|als)\b(?!\s+bedoeld)", re.I)


def conditions_of(prov: Provision) -> list[str]:
    """A provision's conditions without the references its condition-finder took for one: "als
    bedoeld in het eerste lid af te zien, indien de persoon ..." is the condition "indien de
    persoon ..."."""
    out = []
    for c in prov.conditions:
        if _REFERENCE.match(c):
            m = _CONJUNCTION.search(c, 3)
            if m is None:
                continue
            c = c[m.start():]
        out.append(c)
    return out


# A condition that compares with a limit ("voorzover dit minder bedraagt dan de ... vermogensgrens").
_COMPARISON = re.compile(r"\b(?:minder|meer|hoger|lager)\b[^,;]*?\bdan\b|\bten (?:hoogste|minste)\b", re.I)


def _condition_questions(provs: Sequence[tuple[Provision, Chunk | None]], settled: set[str],
                         compared: Provision | None = None) -> list[OpenQuestion]:
    """The conditions of the provisions as questions, without those the question's numbers
    answered: a condition holding a value the arithmetic used, or the comparison of the provision
    the room compared the facts with (`compared`; its limit may stand in another lid)."""
    out: list[OpenQuestion] = []
    seen: set[str] = set()
    for prov, chunk in provs:
        for cond in conditions_of(prov):
            if any(v.raw in cond for v in prov.values if v.raw in settled):
                continue  # the arithmetic answered it
            if prov is compared and _COMPARISON.search(cond):
                continue  # the room's arithmetic answered it
            if len(clause(cond).split()) < 3:
                continue  # "als middelen" ("buiten beschouwing als middelen"): a comparison, not a condition
            q = as_question(cond)
            if q and q.lower() not in seen and 3 <= len(q.split()) <= 30:
                seen.add(q.lower())
                out.append(OpenQuestion(q, chunk))
    return out


def brief(chain: Chain, room: Room, question: str, terms: set[str], facts: Facts, day: dt.date,
          idf: Callable[[str], float], casus_circumstances: bool = False,
          regeling: Sequence[Article] = ()) -> Brief:
    """The kort antwoord for a question whose rule and room are known. `regeling`: the other
    articles of the focus's own regeling (a norm built up in one article, its toeslagen in the next)."""
    kind = asks(question)
    focus = chain.focus
    focus_chunk = next(iter(focus.valid_chunks(day)), None)
    out = Brief(verdict="regel", sentences=[], facts_text=situation_of(question))

    # The deciding amount or term: when the question asks for one, or gives a number (an amount,
    # a percentage, a period) the rule's limit must be compared with.
    # A limit the question quotes from another version of a provision: that provision, in the
    # version of the peildatum, is what the question turns on.
    quoted_now = current_version_of(chain, facts, day)
    found = quoted_now or (deciding_provision(chain, terms, kind, day, idf, facts)
                                                      if (kind in ("amount", "term") or told_values(facts, day))
                                                      else None)
    if room.basis == "niet-nodig" and room.arithmetic and room.article is not None and room.provision is not None \
            and room.provision.values and quoted_now is None:
        # The exemption the facts fall under decided: it is the deciding provision, not another
        # sentence of the chain that happens to share the question's words.
        found = (room.article, room.provision,
                 next((v for v in room.provision.values if v.number is not None), room.provision.values[0]))
    calc = None
    settled: set[str] = set()
    # (only an exemption of the rule's own chain or regeling: elsewhere, words shared by accident
    # can make any limit "exceeded")
    exceeded = room.exceeded is not None and quoted_now is None and (
        room.exceeded.article in chain.members()
        or (room.exceeded.article.regulation is focus.regulation and focus.layer in ("verordening", "beleidsregel")))
    if exceeded:
        # The exemption whose limit the question's amounts exceed decides (its arithmetic follows
        # below, with what the rule counts: "verminderd met de aanwezige schulden").
        ex = room.exceeded
        found = (ex.article, ex.provision,
                 next((v for v in ex.provision.values if v.kind == "bedrag" and v.number is not None), None))
    if found is not None:
        art, prov, value = found
        chunk = _chunk(art, prov)
        out.deciding, out.deciding_value, out.deciding_chunk = prov, value, chunk
        if chunk is not None:
            out.focus_sentences.setdefault(chunk.chunk_id, []).append(prov.text)
            out.sentences.append(Sentence(f"Doorslaggevend is {prov.citation}: „{_clean_quote(prov.text)}” {{0}}.",
                                          [chunk]))
        if value is not None and not exceeded:
            calc = arithmetic(prov, chunk, value, facts)
            if calc is not None:
                settled.add(value.raw)
                out.arithmetic, out.consequence = calc[0], calc[2] or None
                if calc[1] is None:  # a tariff or a threshold: the numbers, not a verdict
                    out.sentences.append(Sentence(f"Met de gegevens uit de vraag: {calc[0]}.", []))
            elif (part := share_of(prov, value, facts, question)) is not None:
                settled.add(value.raw)
                out.arithmetic = part
                out.sentences.append(Sentence(f"Met de bedragen uit de vraag: {part}.", []))
            elif (until := deadline(prov, value, facts)) is not None:
                settled.add(value.raw)
                out.arithmetic = until
                out.sentences.append(Sentence(f"Met de datum uit de vraag: {until}.", []))

    # A norm the focus's article builds up from a base and increments, counted with the question's
    # numbers, and a toeslag per kind in its regeling (the normtijd of huishoudelijke ondersteuning).
    if kind == "amount" or _ASKS_MINUTES.search(question):
        for art in [chain.focus, *regeling]:
            built = built_norm(art, question, facts, day)
            if built is not None:
                c = next(iter(art.valid_chunks(day)), None)
                out.sentences.append(Sentence(f"Met de gegevens uit de vraag, volgens {art.citation} {{0}}: {built}.",
                                              [c] if c is not None else []))
                break
        for art in [chain.focus, *regeling]:
            extra = child_supplement(art, question, day)
            if extra is not None:
                c = next(iter(art.valid_chunks(day)), None)
                out.sentences.append(Sentence(f"Toeslag volgens {art.citation} {{0}}, als aan de voorwaarde daar is "
                                              f"voldaan: {extra}.", [c] if c is not None else []))
                break

    # What the question quotes as the rule's amount or term (a colleague's "max € 525", "de
    # wettelijke termijn is 4 weken"), held against the chain on the peildatum.
    for said in claims(chain, facts, day, out.deciding, out.deciding_value):
        out.sentences.append(Sentence(*said))

    # The room, in one sentence, with the arithmetic where it decides.
    rc = _chunk(room.article, room.provision) if room.article is not None and room.provision is not None else None
    if rc is None and room.article is not None:
        rc = next(iter(room.article.valid_chunks(day)), None)
    if rc is not None and room.provision is not None:
        out.focus_sentences.setdefault(rc.chunk_id, []).append(room.provision.text)
    cite = [rc] if rc is not None else []
    ref = "{0}" if rc is not None else ""
    # 4:84 Awb is the basis even where the index does not hold its text: name it all the same.
    room_cite = room.article.citation if room.article is not None else (
        "artikel 4:84 Awb" if room.basis == "beleidsregel-4:84-awb" else "")
    conds = conditions_of(room.provision) if room.provision else []
    mits = _LEAD_CONJ.sub("", " ".join(clause(conds[0]).split())).rstrip(" ,;:.") if conds else ""

    # The sum over an exemption's limit, when it is the arithmetic shown (what "Nog nodig" and the
    # verdict below turn on).
    sum_shown = calc is None and out.arithmetic is None and room.exceeded is not None
    if sum_shown:
        # No deciding amount in the chain itself, but an exemption of the regeling (a jaargrens)
        # that the question's amounts exceed: that is the arithmetic that decides.
        ex = room.exceeded
        ec = _chunk(ex.article, ex.provision)
        if ec is not None:
            out.focus_sentences.setdefault(ec.chunk_id, []).append(ex.provision.text)
        out.arithmetic = ex.arithmetic
        out.consequence = out.consequence or (f"Met de bedragen uit de vraag: {ex.arithmetic}; het meerdere telt "
                                              "mee.")
        out.sentences.append(Sentence(f"Met de bedragen uit de vraag: {ex.arithmetic} "
                                      + ("{0}" if ec is not None else "") + "; binnen de vrijlating past dat niet.",
                                      [ec] if ec is not None else []))
    if calc is not None and calc[1] is True:
        out.verdict = "binnen de regel"
        out.sentences.append(Sentence(f"Met de bedragen uit de vraag: {calc[0]}. Dat past binnen de regel; "
                                      "afwijken is hiervoor niet nodig.", []))
    elif room.basis == "niet-nodig" and room.own_power and room.provision is not None:
        out.verdict = "niet nodig"
        out.sentences.append(Sentence(f"Afwijken is niet nodig: {room_cite} {ref} geeft het college zelf de "
                                      f"bevoegdheid: „{_clean_quote(room.provision.text)}"
                                      + (" …" if room.grounds else "") + "”. Het is een bevoegdheid, "
                                      "geen plicht: motiveer welke grond van toepassing is en waarom het college haar "
                                      "gebruikt.", cite))
    elif room.basis == "niet-nodig":
        out.verdict = "niet nodig"
        out.sentences.append(Sentence(f"Afwijken is niet nodig: de situatie valt onder {room_cite} {ref}"
                                      f" ({room.arithmetic or room.reason.split('(', 1)[-1].split(')')[0]}).", cite))
    else:
        if calc is not None and calc[1] is not None:
            out.sentences.append(Sentence(f"Met de bedragen uit de vraag: {calc[0]}; binnen de regel past dat "
                                          "niet.", []))
        if room.basis == "wettelijke-bevoegdheid" and kind == "duty":
            # "Moet ik terugvorderen?": the rule is the starting point; the power is the way out.
            out.verdict = "hangt af van" if mits else "ja, mits"
            out.sentences.append(Sentence(
                f"In beginsel wel: {focus.citation} is de regel. Maar {room_cite} {ref} geeft het college zelf de "
                "bevoegdheid om hiervan af te wijken of af te zien" + (f", als {mits}" if mits else "") + ".", cite))
        elif room.basis == "wettelijke-bevoegdheid":
            out.verdict = "ja, mits" if mits else "ja"
            head = f"Ja, mits {mits}" if mits else "Ja"
            out.sentences.append(Sentence(f"{head}: {room_cite} {ref} geeft het college zelf de bevoegdheid om "
                                          "hiervan af te wijken of af te zien.", cite))
        elif room.basis == "hardheidsclausule":
            # "Moet ik ...?": the verordening is the starting point, the clause the way out.
            out.verdict = "hangt af van" if kind == "duty" else "ja, mits"
            start = f"In beginsel geldt de regel ({focus.citation}). " if kind == "duty" else ""
            out.sentences.append(Sentence(f"{start}Alleen met de hardheidsclausule: {room_cite} {ref} laat het college "
                                          "afwijken" + (f", mits {mits}" if mits else " als toepassing van de "
                                                         "verordening onbillijk uitpakt") + ".", cite))
        elif room.basis == "beleidsregel-4:84-awb":
            if kind == "duty":
                # "Moet ik korten?" is not answered "Ja, mits bijzondere omstandigheden ...": the
                # beleidsregel binds the college unless its consequences are disproportionate.
                out.verdict = "hangt af van"
                out.sentences.append(Sentence(f"In beginsel geldt de regel ({focus.citation}). Alleen als bijzondere "
                                              "omstandigheden de gevolgen voor de inwoner onevenredig maken, wijkt het "
                                              f"college daarvan af op grond van {room_cite} {ref}.", cite))
            else:
                out.verdict = "ja, mits"
                lead = "Afwijken kan alleen" if calc is not None or room.exceeded is not None else "Ja, mits"
                out.sentences.append(Sentence(f"{lead} als bijzondere omstandigheden de gevolgen voor de inwoner "
                                              f"onevenredig maken: dan wijkt het college af van de beleidsregel op grond "
                                              f"van {room_cite} {ref}.".replace("Ja, mits als", "Ja, mits"), cite))
        elif room.arithmetic and room.article is not None and room.article is not focus:
            # The law withholds it (an age limit the situation does not meet): say which law and why.
            out.verdict = "nee" if kind == "room" else "regel"
            out.consequence = out.consequence or (f"Met de gegevens uit de vraag valt de situatie buiten de grens van "
                                                  f"{room_cite} ({room.arithmetic}).")
            out.sentences.append(Sentence(
                f"{'Nee' if kind == 'room' else 'Dat kan niet'}: {room_cite} {ref} geeft de bevoegdheid alleen binnen een "
                f"grens die de situatie niet haalt ({room.arithmetic}); {focus.citation} en een hardheidsclausule of "
                "beleidsregel daaronder kunnen daar niet van afwijken. Pakt dat onevenredig uit, meld het dan als "
                "knelpunt.", cite))
        else:  # geen
            fc = [focus_chunk] if focus_chunk is not None else []
            alt = ""
            if room.alternatives:
                alt = " Kijk wel naar " + "; ".join(a.citation for a in room.alternatives[:2]) + "."
            # "Moet ik ...?", "wanneer ...?", "hoeveel ...?": a bare "Nee" would answer the question
            # asked, not the room. Whether the rule applies to the situation turns on its own
            # conditions and exceptions; that it leaves no room is what is certain.
            lead, out.verdict, report = (("Nee", "nee", "Meld het als knelpunt.") if kind == "room" else
                                         ("Afwijken kan niet", "regel",
                                          "Pakt de regel onevenredig uit, meld het dan als knelpunt."))
            out.sentences.append(Sentence(f"{lead}: {focus.citation} {{0}} laat hier geen ruimte; geen laag in de keten "
                                          f"geeft een bevoegdheid om af te wijken. {report}" + alt, fc))

    # Nog nodig: the conditions the facts do not settle.
    provs: list[tuple[Provision, Chunk | None]] = []
    if room.provision is not None and room.basis not in ("beleidsregel-4:84-awb", "hardheidsclausule") \
            and not room.grounds:  # (a power's listed grounds: asked below)
        provs.append((room.provision, rc))  # (4:84's and a hardheidsclausule's condition: asked below)
    if out.deciding is not None and found is not None:
        provs.append((out.deciding, _chunk(found[0], out.deciding)))
    compared = room.provision if room.basis == "niet-nodig" and room.arithmetic else None
    out.open_questions = _condition_questions(provs, settled, compared)
    if room.own_power and room.grounds:
        # The regeling's own power lists its grounds: which one applies is the professional's to say.
        listed = "; ".join(_short(_clean_quote(g.text)) for g in room.grounds[:4])
        out.open_questions.insert(0, OpenQuestion(f"Welke grond van {room_cite} is van toepassing: {listed}?", rc))
    if sum_shown and room.exceeded.uncounted:
        # The sum may hold amounts the regeling does not count ("Niet meegeteld ... worden: ...").
        ex = room.exceeded
        lead = next((p.text for p in ex.uncounted if p.text.rstrip().endswith(":")), "")
        items = [_clean_quote(p.text) for p in ex.uncounted if not p.text.rstrip().endswith(":")]
        listed = "; ".join(_short(i) for i in items[:3])
        out.open_questions.insert(0, OpenQuestion(
            "Tellen alle bedragen mee? " + (f"{_clean_quote(lead)}: " if lead else "Niet mee tellen: ") + listed + ".",
            _chunk(ex.article, ex.uncounted[0])))
    if out.deciding is not None and out.deciding_value is not None and out.deciding_value.kind == "bedrag" \
            and calc is None and not facts.told_amounts:
        out.open_questions.append(OpenQuestion("Om welk bedrag gaat het (kosten of inkomen, per maand of per jaar)?"))
    if room.basis in ("beleidsregel-4:84-awb", "hardheidsclausule") and not (calc and calc[1]) \
            and not casus_circumstances and not tells_situation(out.facts_text):
        # Asked only when neither the casus nor the question tells the situation: what the
        # question tells is weighed in the motivering, not asked back.
        out.open_questions.append(OpenQuestion(
            "Welke bijzondere omstandigheden maken toepassing van de regel voor deze inwoner onevenredig?"))
    if sum_shown and room.exceeded.uncounted and out.verdict != "niet nodig":
        out.verdict = "hangt af van"  # of what counts towards the limit
    if out.verdict in ("ja, mits",) and out.open_questions:
        out.verdict = "hangt af van" if len(out.open_questions) > 1 else out.verdict
    out.open_questions = out.open_questions[:4]
    return out
