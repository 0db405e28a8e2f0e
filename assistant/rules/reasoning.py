"""Reasoning over the rule model for one question (its domain: assistant.rules.domains): which
provision it turns on, the chain of that provision (wet <-> verordening <-> beleidsregel), and the strongest
room to deviate along the chain, or the exemption that makes deviating unnecessary.

Deterministic and explainable: every step names the provision it rests on, so the answer can
cite it and a jurist can check it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import re
from dataclasses import dataclass, field
from typing import Sequence

from assistant.answering.generation import GENERIC_TERMS
from assistant.retrieval.analysis import content_terms, same_stem
from assistant.rules.facts import Facts, euro, fits_household, months, situation_total
from assistant.rules.model import LAW_TYPES, LOCAL_RULE_TYPES, Article, RuleModel
from assistant.rules.provisions import Provision, lid_text, own_text, period_kind
from assistant.rules.refs import ORDINAL_WORDS, find_refs

BASES = ("wettelijke-bevoegdheid", "hardheidsclausule", "beleidsregel-4:84-awb", "niet-nodig", "geen")


@dataclass
class Chain:
    focus: Article
    up: list[Article] = field(default_factory=list)  # wet side, nearest first
    down: list[Article] = field(default_factory=list)  # own gemeente's elaborations
    comparisons: list[Article] = field(default_factory=list)  # other gemeenten's, ter vergelijking

    def national(self) -> list[Article]:
        return [a for a in [self.focus, *self.up] if a.layer in LAW_TYPES]

    def members(self) -> list[Article]:
        seen, out = set(), []
        for a in [*self.up[::-1], self.focus, *self.down]:
            if a.key not in seen:
                seen.add(a.key)
                out.append(a)
        return out


def chain_of(model: RuleModel, art: Article, day: dt.date) -> Chain:
    up = [a for a in model.up(art, day) if a.regulation.domain != "algemeen" or a.layer not in LAW_TYPES]
    down = model.down(art, day)
    return Chain(art, up, down, model.comparisons(art, day))


def restates(local: Article, national: Sequence[Article]) -> Article | None:
    """The national article a local article only restates: every power, exemption, exception,
    amount and term it has is the law's own (its words and numbers come from the law), so it
    adds no norm of its own. Deviating from it is deviating from the law."""
    if local.layer not in LOCAL_RULE_TYPES or not national:
        return None
    law_text = " ".join(" ".join(c.text.split()) for a in national for c in a.chunks)
    law_terms = set().union(*(a.terms() for a in national))
    for p in local.provisions:
        if p.kind not in ("power", "exemption", "exception", "amount", "term"):
            continue
        if any(v.raw not in law_text for v in p.values):
            return None  # an amount or term the law does not set
        words = _words_of(p.text)
        if words and len(words & law_terms) / len(words) < 0.7:
            return None  # a power or exception in the local rule's own words
    own = local.terms()
    if own and len(own & law_terms) / len(own) >= 0.5:
        return max(national, key=lambda a: len(own & a.terms()))
    return None


@dataclass
class Room:
    basis: str
    article: Article | None  # the provision that grants the room (or the imperative rule, for geen)
    provision: Provision | None
    reason: str  # Dutch, one sentence on why this basis
    knelpunt: bool = False
    alternatives: list[Article] = field(default_factory=list)
    arithmetic: str = ""  # the question's number against the provision's limit, where that decided
    # A limit of an exemption the question's amount exceeds (the room then lies elsewhere): the
    # article, the provision, the arithmetic, and what the article says does not count towards it.
    exceeded: "Exceeded | None" = None
    # Room within the regeling itself: its own power ("kan ... afzien ... als:") and the grounds it
    # lists, one of which must apply (the professional says which).
    own_power: bool = False
    grounds: list[Provision] = field(default_factory=list)


@dataclass
class Exceeded:
    article: Article
    provision: Provision
    arithmetic: str  # "€ 410 + € 300 = € 710 ligt € 70 boven de grens van € 640"
    uncounted: list[Provision] = field(default_factory=list)  # "Niet meegeteld ... worden:" and its items


# A power to set the rule aside, as opposed to a power to apply it (weigeren, vaststellen).
_WAIVER = re.compile(r"afzien|af te zien|afwijk|in afwijking van|dringende redenen|buiten toepassing|ontheff|"
                     r"kwijtschel|buiten beschouwing", re.I)


def _overlap(p: Provision, terms: set[str]) -> int:
    return len(_words_of(p.text) & terms)


@functools.lru_cache(maxsize=16384)
def _words_of(text: str) -> frozenset[str]:
    # Cached by sentence: every question weighs the provisions of its chain and of the focus's
    # whole regeling, and a sentence's words do not change.
    return frozenset(content_terms(text) - GENERIC_TERMS)


def _covering(provs: Sequence[Provision], terms: set[str], minimum: int = 2) -> Provision | None:
    """The provision that shares the most words with the question, if it shares enough."""
    scored = [(_overlap(p, terms), -i, p) for i, p in enumerate(provs)]
    scored = [s for s in scored if s[0] >= minimum]
    return max(scored)[2] if scored else None


def _lid_of(prov: Provision, art: Article, day: dt.date) -> str | None:
    chunk = next((c for c in art.valid_chunks(day) if c.chunk_id == prov.chunk_id), None)
    if chunk is None:
        return None
    if chunk.lid:
        return chunk.lid
    # A whole-article chunk: the lid is the bold number before the sentence ("**8** Indien ...").
    before = chunk.text[: max(chunk.text.find(prov.text[:40]), 0)]
    nums = re.findall(r"\*\*(\d+)\*\*", before)
    return nums[-1] if nums else None


_CMP_WORDS = {"<": "minder dan", "<=": "ten hoogste", ">": "meer dan", ">=": "ten minste"}


def _per_year(text: str) -> bool:
    """Whether a provision's amount is a limit per (calendar) year."""
    return "kalenderjaar" in text.lower() or "per jaar" in text.lower()


def _holds(value: float, cmp: str, limit: float) -> bool:
    return {"<": value < limit, "<=": value <= limit, ">": value > limit, ">=": value >= limit}[cmp]


def exemption_applies(prov: Provision, facts: Facts, periods: bool = True,
                      terms: set[str] | None = None) -> tuple[bool | None, str]:
    """Does a fact of the question meet the limit the exemption or exception sets? An amount
    against a bedrag (yearly limits against a monthly amount: the arithmetic shown), an age
    against "jonger dan 27 jaar", a percentage against "120%": each compared the way the sentence
    says ("jonger dan", "ten hoogste", "of ouder"). None when the facts do not give what the limit
    turns on. Returns the comparison as Dutch text.

    A period only against a period of the same kind (provisions.period_kind): the time since an
    event ("14 mnd geleden" against "meer dan een jaar voor de constatering") or how long a state
    lasted ("al 4 jaar onafgebroken in de bijstand" against "in de 36 maanden voorafgaand ...
    onafgebroken"), and a duration only where its clause shares a word with the provision's: a
    question tells several periods, and numbers alone do not say which one a provision's period
    is about (comparing every period with every limit was tried and was right by accident as
    often as wrong: evals/RESULTS-answers.md)."""
    for limit in prov.values:
        if limit.number is None:
            continue
        if limit.kind == "termijn":
            kind, cmp = period_kind(prov.text, limit)
            # An exception's condition ("om niet als: ... in de 36 maanden voorafgaand ...
            # onafgebroken"): the state must have lasted at least that long.
            cmp = cmp or (">=" if kind == "duur" else "")
            if not periods or not kind or not cmp or not facts.durations:
                continue
            words = _words_of(prov.text)
            for d in facts.durations:
                if d.kind != kind:
                    continue
                if kind == "duur" and not _shares(content_terms(d.about) - GENERIC_TERMS, words):
                    continue
                told, limit_months = d.months, months(limit.number, limit.unit)
                return (_holds(told, cmp, limit_months),
                        f"{d.raw.strip()} tegen de grens {_CMP_WORDS[cmp]} {limit.raw}")
            continue
        if limit.kind == "bedrag" and facts.told_amounts:
            got = situation_total(facts, limit.number, yearly=_per_year(prov.text))
            if got is None:
                continue
            total, shown = got
            text = f"{shown}{',' if '=' in shown else ''} tegen de grens van {limit.raw}"
            return _holds(total, limit.cmp or "<=", limit.number), text
        if not limit.cmp:
            continue  # a period or age the sentence does not compare with says nothing here
        if limit.kind == "leeftijd" and facts.ages:
            held = [(raw, n) for raw, n in facts.ages if _holds(n, limit.cmp, limit.number)]
            raw, n = held[0] if held else facts.ages[0]
            told = raw if re.search(rf"\b{int(n)}\s*(?:jaar|jr)", raw) else f"{raw}: {int(n)} jaar"
            return bool(held), f"{told}, tegen de grens {_CMP_WORDS[limit.cmp]} {limit.raw}"
        if limit.kind == "percentage" and facts.percentages:
            # A percentage of what: "120% van de toepasselijke bijstandsnorm" says nothing about
            # a question's "110%" when the question never names the norm ("150 procent van het
            # benadelingsbedrag", a boete, was compared with an income at 110%).
            if terms is not None and not _shares(_of_what(prov.text, limit.raw), terms):
                continue
            raw, n = facts.percentages[0]
            return _holds(n, limit.cmp, limit.number), f"{raw} tegen de grens {_CMP_WORDS[limit.cmp]} {limit.raw}"
    return None, ""


# An exemption whose limit another lid of the same article sets: "het aanwezige vermogen voorzover
# dit minder bedraagt dan de van toepassing zijnde vermogensgrens, genoemd in het derde lid".
_LID_REFERENCE = re.compile(r"\b(?:genoemd|bedoeld)\s+in\s+het\s+(?P<lid>" + "|".join(ORDINAL_WORDS) + r")\s+lid\b", re.I)
_NET = re.compile(r"verminderd met de aanwezige schulden", re.I)
_BELOW = re.compile(r"\bminder\s+(?:\w+\s+)?dan\b", re.I)


def _with_referred_limit(prov: Provision, art: Article, facts: Facts, day: dt.date) -> Provision:
    """The exemption with the limit it refers to: the amount of the lid it names ("genoemd in het
    derde lid") that fits the question's household. Only when that leaves one amount: without the
    household, "€ 8.000,00 voor een alleenstaande" and "€ 16.000,00 voor een alleenstaande ouder"
    say nothing about which one holds. The exemption as it stands otherwise."""
    if any(v.number is not None for v in prov.values):
        return prov
    m = _LID_REFERENCE.search(prov.text)
    if m is None:
        return prov
    lid = ORDINAL_WORDS[m.group("lid").lower()]
    amounts = [v for p in art.provisions_on(day) if p is not prov and _lid_of(p, art, day) == lid
               and fits_household(p.text, facts.household)
               for v in p.values if v.kind == "bedrag" and v.number is not None]
    if len({v.number for v in amounts}) != 1:
        return prov
    cmp = "<" if _BELOW.search(prov.text) else "<="
    return dataclasses.replace(prov, values=[*prov.values, dataclasses.replace(amounts[0], cmp=cmp)])


def _item_words(prov: Provision, art: Article, day: dt.date) -> frozenset[str]:
    """The words that say what this provision is about, apart from its neighbours: for an item of
    a list, its own words without those of the sentence that opens the list ("Niet als vermogen
    wordt in aanmerking genomen:" leads every item, so "vermogen" does not single out "het
    vermogen gebonden in de woning")."""
    chunk = next((c for c in art.valid_chunks(day) if c.chunk_id == prov.chunk_id), None)
    lead = own_text(lid_text(chunk, prov), prov)[1] if chunk is not None else ""
    return _words_of(prov.text) - _words_of(lead) if lead else _words_of(prov.text)


def _of_what(text: str, raw: str) -> set[str]:
    """The content words of what a percentage is a percentage of: "120% van de toepasselijke
    bijstandsnorm" -> {toepasselijk, bijstandsnorm}. Empty when the sentence does not say."""
    at = text.find(raw)
    m = re.match(r"\s+van\s+(?:de|het|een|zijn|haar)?\s*((?:[\w-]+\s+){0,1}[\w-]+)", text[at + len(raw):]) if at >= 0 else None
    return (content_terms(m.group(1)) - GENERIC_TERMS) if m else set()


# A second condition beside the limit ("een inkomen ... niet hoger dan 120% ... en die deelneemt aan
# de collectieve zorgverzekering"): the number settles only the first.
_FURTHER_CONDITION = re.compile(r"\ben\s+(?:die|dat|indien|als|mits|zolang|voor\s+zover)\b|\bmits\b|\btenzij\b", re.I)


def _further_conditions_told(text: str, terms: set[str], facts: Facts) -> bool:
    """Does the question tell every further condition of the sentence, and none as not the case?
    A condition is told when two of its words (or all, if it has fewer) are the question's and
    none of them follows a "niet" or "geen" there ("zit niet in de collectieve
    zorgverzekering"). A sentence without a further condition: True."""
    for m in _FURTHER_CONDITION.finditer(text):
        clause = re.split(r"[;:]|\ben\s+(?:die|dat|indien|als)\b", text[m.end():], maxsplit=1)[0]
        words = _words_of(clause)
        shared = {t for t in terms if any(same_stem(t, w) for w in words)}
        if shared & facts.negated or len(shared) < min(2, len(words)):
            return False
    return True


_CONDITION_WORDS = re.compile(r"\balleen\b[^.;]*\b(?:als|indien)\b|\bmits\b", re.I)


def _shares(a: set[str], b: set[str]) -> bool:
    """A word in common, or one stem at the start of another ("bijstand" in "bijstandsnorm")."""
    return bool(a & b) or any(same_stem(x, y) for x in a for y in b)


def matching_exemption(model: RuleModel, chain: Chain, terms: set[str], facts: Facts,
                       day: dt.date) -> tuple[Article, Provision, str] | None:
    """The exemption or exception, in the chain or elsewhere in the focus's own regeling, whose
    limit a fact of the question meets (an amount, an age, a percentage), with the
    comparison. Only a number decides: matching a told situation to an exception by its words was
    measured and picked the wrong exception more often than the right one (evals/RESULTS-answers.md)."""
    if not (facts.told_amounts or facts.ages or facts.percentages or facts.durations):
        return None
    for art, prov, within, arithmetic in _exemption_verdicts(model, chain, terms, facts, day):
        if within and _further_conditions_told(prov.text, terms, facts):
            return art, prov, arithmetic
    return _outside_definition(model, chain, terms, facts, day)


def exceeded_exemption(model: RuleModel, chain: Chain, terms: set[str], facts: Facts,
                       day: dt.date) -> Exceeded | None:
    """The exemption with an amount limit (a jaargrens, a vermogensgrens) that the question's
    amount exceeds: the arithmetic the kort antwoord shows, and what its article says does not
    count towards the limit (asked under "Nog nodig": the sum may include such amounts)."""
    if not facts.told_amounts:
        return None
    for art, prov, within, _ in _exemption_verdicts(model, chain, terms, facts, day):
        limit = next((v for v in prov.values if v.kind == "bedrag" and v.number is not None), None)
        if within is not False or limit is None:
            continue
        got = situation_total(facts, limit.number, yearly=_per_year(prov.text), net_of_debts=any(
            _NET.search(c.text) for c in art.valid_chunks(day)))
        if got is None or got[0] <= limit.number:
            continue
        total, shown = got
        uncounted = [p for p in art.provisions_on(day, ["exemption", "exception"])
                     if not p.values and p.text != prov.text]
        return Exceeded(art, prov, f"{shown} ligt {euro(total - limit.number)} boven de grens van {limit.raw}",
                        uncounted)
    return None


def _exemption_verdicts(model: RuleModel, chain: Chain, terms: set[str], facts: Facts, day: dt.date):
    """(article, provision, within, arithmetic) for each exemption or exception, in the chain or
    elsewhere in the focus's own regeling, that is about what the question says and whose limit a
    fact of the question can be held against."""
    articles = _chain_and_regeling(model, chain)
    chain_keys = {a.key for a in (chain.focus, *chain.up, *chain.down)}
    for art in articles:
        definitions = {p.text for p in art.provisions_on(day, ["definition"])}
        exempting = art.provisions_on(day, ["exemption", "exception"])
        # A period the rule itself sets as its condition ("alleen ... als de aanvraag binnen
        # drie maanden na het maken van de kosten is ingediend"): a situation within it is within
        # the rule.
        exempting_texts = {e.text for e in exempting}
        conditions = [p for p in art.provisions_on(day, ["term"])
                      if _CONDITION_WORDS.search(p.text) and p.text not in exempting_texts]
        for prov in [*exempting, *conditions]:
            if prov.text in definitions:
                continue
            resolved = _with_referred_limit(prov, art, facts, day)
            # An item whose limit another lid sets ("het aanwezige vermogen voorzover dit minder
            # bedraagt dan de ... vermogensgrens, genoemd in het derde lid") is the list's general
            # case: it is about what the list is about. Any other item must say something of its own.
            words = _words_of(prov.text) if resolved is not prov else _item_words(prov, art, day)
            if not words & terms:
                continue
            prov = resolved
            # A period only in the chain itself or in a local regeling (one subject): a law's
            # other articles set many periods about other things (a boete's "vijf jaar
            # voorafgaand" answered a question about ten years of paying off a debt).
            within, arithmetic = exemption_applies(prov, facts,
                                                   periods=art.key in chain_keys or art.layer in LOCAL_RULE_TYPES,
                                                   terms=terms)
            yield art, prov, within, arithmetic


def _chain_and_regeling(model: RuleModel, chain: Chain) -> list[Article]:
    return [chain.focus, *chain.up, *chain.down, *model.siblings(chain.focus)]


def _outside_definition(model: RuleModel, chain: Chain, terms: set[str], facts: Facts,
                        day: dt.date) -> tuple[Article, Provision, str] | None:
    articles = _chain_and_regeling(model, chain)
    # A definition that sets an age ("kostendelende medebewoner: de persoon van 27 jaar of
    # ouder"): a person the question describes outside it is not what the rule is about.
    # Also the definitions in the laws of the chain whose term the question names ("kostendelers"
    # for "kostendelende medebewoner"; Dutch inflects, so a stem may stand at the start of a word).
    laws = {a.regulation.key for a in [chain.focus, *chain.up] if a.layer in LAW_TYPES}
    def named(stem: str) -> bool:
        return any(same_stem(t, stem) for t in terms if len(t) >= 5)

    defining = [a for a in model.articles.values()
                if a.regulation.key in laws and a not in articles
                and any(any(named(s) for s in _defined_terms(p) if len(s) >= 5)
                        for p in a.provisions_on(day, ["definition"]))]
    for art in [*articles, *defining]:
        # "Niet als kostendelende medebewoner tellen mee: ..." reads like a definition but is an
        # exemption; it was weighed as one above.
        exempting = {p.text for p in art.provisions_on(day, ["exemption", "exception"])}
        for prov in art.provisions_on(day, ["definition"]):
            if prov.text in exempting:
                continue
            # Only an age: a question tells many periods (how long in bijstand, since when, how
            # long ago), and which one a definition's period is about cannot be read from numbers.
            if not any(v.cmp and v.kind == "leeftijd" for v in prov.values):
                continue
            if not any(named(s) for s in _defined_terms(prov) if len(s) >= 5):
                continue  # the definition of a term the question does not name
            ages = dataclasses.replace(prov, values=[v for v in prov.values if v.kind == "leeftijd"])
            within, arithmetic = exemption_applies(ages, facts)
            if within is False:
                return art, prov, arithmetic
    return None


_DEFINED = (re.compile(r"\bonder\s+(?P<t>[a-zë\- ]{3,60}?)\s+(?:wordt\s+)?verstaan\b", re.I),
            # "alleenstaande: ..." defines a term; "indien ze ... kinderen hebben: € 755,98" or "voor
            # een alleenstaande: € 8.000,00" is a case of a norm, not a definition.
            re.compile(r"^(?:[a-z]{1,2}\.\s*|-\s*)?\*?(?!(?:indien|als|wanneer|voor|bij|in geval|ingeval|zolang|"
                       r"gedurende|met|zonder|tot|vanaf|na)\b)(?P<t>[a-zë\- ]{3,60}?)\*?:\s", re.I))


_OWN_WAIVER = re.compile(r"afzien|af te zien|kwijtschel|buiten beschouwing|buiten toepassing", re.I)


def _own_waiver(model: RuleModel, focus: Article, terms: set[str], day: dt.date
                ) -> tuple[Article, Provision, list[Provision]] | None:
    """A power of the focus's own regeling (not its hardheidsclausule or deviation article, not
    a power it takes from the law) to waive what the question is about: one whose own words (those
    no other lid of its article uses) the question shares and that shares three words with it.
    A power that lists its grounds ("kan ... afzien ... als: a. ...; c. de overschrijding gering
    is ...") is read with each ground: (article, the power, its grounds). When the power that
    shares most is one the regeling takes from the law, the room is not the regeling's own."""
    best: tuple[int, int, Article, Provision, list[Provision]] | None = None
    n = 0
    for art in [focus, *model.siblings(focus)]:
        if art.is_meta():
            continue
        provs = art.provisions_on(day, ["power"])
        for i, prov in enumerate(provs):
            if not _OWN_WAIVER.search(prov.text) or not (_own_words(prov, art, day) & terms):
                continue
            grounds = []
            if prov.text.rstrip().endswith(":"):
                for item in provs[i + 1:]:
                    if item.chunk_id != prov.chunk_id or not item.text[:1].islower():
                        break
                    grounds.append(item)
            shared = max(len((_words_of(prov.text) | _words_of(g.text)) & terms) for g in grounds or [prov])
            n -= 1  # the first of equals wins
            if shared >= 3 and (best is None or (shared, n) > best[:2]):
                best = (shared, n, art, prov, grounds)
    if best is None or find_refs(best[3].text):
        return None  # a power the regeling takes from the law ("op grond van artikel 58, achtste lid"): not its own
    return best[2:]


def _defined_terms(prov: Provision) -> frozenset[str]:
    """The content words of the term a definition defines ("onder kostendelende medebewoner
    verstaan", "alleenstaande: ..."); empty if the sentence does not name one."""
    return _defined_in(prov.text)


@functools.lru_cache(maxsize=8192)
def _defined_in(text: str) -> frozenset[str]:
    # Cached by sentence: every question scans the definitions of the laws in its chain.
    for pattern in _DEFINED:
        m = pattern.search(text)
        if m:
            return frozenset(content_terms(m.group("t")))
    return frozenset()


def _own_words(prov: Provision, art: Article, day: dt.date) -> frozenset[str]:
    """The words of a provision that no other lid of its article uses."""
    lid = _lid_of(prov, art, day)
    others = set().union(*(_words_of(c.text) for c in art.valid_chunks(day) if c.lid and c.lid != lid)) \
        if any(c.lid for c in art.valid_chunks(day)) else \
        set().union(*(_words_of(p.text) for p in art.provisions_on(day) if _lid_of(p, art, day) != lid))
    return _words_of(prov.text) - others


def _age_barred(chain: Chain, terms: set[str], facts: Facts,
                day: dt.date) -> tuple[Article, Provision, str] | None:
    """A power of a law in the chain, about what the question asks, that only reaches persons of
    an age (a leeftijd the sentence compares with) which none of the ages the question tells
    meets. None when the question tells no age, or one meets it."""
    if not facts.ages:
        return None
    for art in chain.national():
        provisions = art.provisions_on(day)
        for prov in [p for p in provisions if p.kind == "power"]:
            # The sentence's values stand on its other readings ("Op aanvraag van een persoon van
            # 21 jaar of ouder ... kan het college": a power, and a term with the age).
            limits = [v for p in provisions if p.text == prov.text for v in p.values if v.kind == "leeftijd" and v.cmp]
            if not limits or _overlap(prov, terms) < 2:
                continue
            ages = dataclasses.replace(prov, values=limits)
            within, arithmetic = exemption_applies(ages, facts)
            if within is False:
                return art, prov, arithmetic
    return None


def decide_room(model: RuleModel, chain: Chain, terms: set[str], facts: Facts, day: dt.date,
                lexicon_terms: frozenset[str] | set[str] = frozenset()) -> Room:
    """The strongest room along the chain that covers the question (_decide_room); where it is
    not "niet nodig", the limit of an exemption the question's amount exceeds goes with it."""
    room = _decide_room(model, chain, terms, facts, day, lexicon_terms)
    if room.basis != "niet-nodig" or room.own_power:
        room.exceeded = exceeded_exemption(model, chain, terms - GENERIC_TERMS, facts, day)
    return room


def _decide_room(model: RuleModel, chain: Chain, terms: set[str], facts: Facts, day: dt.date,
                 lexicon_terms: frozenset[str] | set[str] = frozenset()) -> Room:
    """The strongest room along the chain that covers the question.

    Order: an exemption that already covers the facts (no deviation needed) > a power in the
    law itself (also when a local rule elaborates it) > the verordening's hardheidsclausule >
    4:84 Awb for a beleidsregel's own norm > none (imperative; a knelpunt)."""
    focus = chain.focus
    terms = terms - GENERIC_TERMS
    # 1. An exemption in the chain (or elsewhere in the focus's own regeling) whose limit the
    #    question's amount stays within.
    found = matching_exemption(model, chain, terms, facts, day)
    if found is not None:
        art, prov, arithmetic = found
        if prov.kind == "definition":
            return Room("niet-nodig", art, prov,
                        f"De situatie valt buiten wat de regel omschrijft ({arithmetic}); de regel is dan niet van "
                        "toepassing en afwijken is niet nodig.", arithmetic=arithmetic)
        return Room("niet-nodig", art, prov,
                    f"De situatie valt onder een vrijlating of uitzondering ({arithmetic}); afwijken is dan niet nodig.",
                    arithmetic=arithmetic)
    # 1b. The law grants what the question asks only to persons of an age no one in the question
    #     has ("Op aanvraag van een persoon van 21 jaar of ouder ... kan het college ... verlenen"
    #     for a mother of 20): no verordening or beleidsregel below it, and no hardheidsclausule,
    #     can grant what the law withholds.
    barred = _age_barred(chain, terms, facts, day)
    if barred is not None:
        art, prov, arithmetic = barred
        return Room("geen", art, prov,
                    f"De wet verleent deze bevoegdheid alleen binnen een leeftijdsgrens die de situatie niet haalt "
                    f"({arithmetic}); een verordening of beleidsregel kan daarvan niet afwijken.",
                    knelpunt=True, alternatives=[a for a in chain.down if a.layer in LOCAL_RULE_TYPES],
                    arithmetic=arithmetic)
    # 2. A statutory power that covers the question: one a local rule restates and names ("kan
    #    op grond van artikel 58, achtste lid, van de wet ... afzien"), or one in the national
    #    provision the question turns on.
    if focus.layer in LOCAL_RULE_TYPES:
        # The focus's own powers, and those of the articles of the same regeling it refers to
        # ("afzien ... als dat volgt uit de artikelen 3 tot en met 6").
        related = [focus] + [model.articles[lk.target] for lk in focus.links
                             if lk.via == "intern" and lk.target in model.articles]
        for prov in [p for a in related for p in a.provisions_on(day, ["power"])]:
            if _overlap(prov, terms) < 1:
                continue
            context = model.articles[model._by_chunk[prov.chunk_id]].regulation if prov.chunk_id in model._by_chunk \
                else focus.regulation
            for ref in find_refs(prov.text):
                link = model._resolve(ref, context)
                target = model.articles.get(link.target) if link is not None and link.target else None
                if target is None or target.layer not in LAW_TYPES:
                    continue
                powers = target.provisions_on(day, ["power"])
                lid_powers = [p for p in powers if ref.lid and _lid_of(p, target, day) == ref.lid] or powers
                if lid_powers:
                    return Room("wettelijke-bevoegdheid", target, lid_powers[0],
                                f"De wet geeft hier zelf een bevoegdheid, die {focus.citation} uitwerkt.")
        # A power in the law the local rule rests on that says what the question asks.
        for art in chain.national():
            # A lid that says something of its own that the question says too: the words every
            # lid of the article shares ("bijzondere bijstand", "alleenstaande of gezin") make
            # "in afwijking van het eerste lid ... eenmalige energietoeslag" cover a wasmachine.
            waivers = [p for p in art.provisions_on(day, ["power"]) if _WAIVER.search(p.text)
                       and _own_words(p, art, day) & (terms | lexicon_terms)]
            prov = _covering(waivers, terms, 3)
            if prov is not None:
                return Room("wettelijke-bevoegdheid", art, prov,
                            f"De wet geeft hier zelf een bevoegdheid, die {focus.citation} uitwerkt.")
        # The regeling's own power to waive or set aside ("Het college kan geheel of gedeeltelijk
        #    afzien van verrekening of terugvordering als: ... c. de overschrijding gering is"): what
        #    the question asks lies within the rule, no deviation is needed.
        own = _own_waiver(model, focus, terms, day)
        if own is not None:
            art, prov, grounds = own
            return Room("niet-nodig", art, prov,
                        "De regeling geeft het college hier zelf de bevoegdheid; afwijken van de regel is dan niet "
                        "nodig, wel een motivering waarom het college haar gebruikt.", own_power=True, grounds=grounds)
    national_focus = focus if focus.layer in LAW_TYPES else restates(focus, chain.up)
    if national_focus is not None:
        need = 1 if len(terms) <= 3 else 2
        # The law's words for what the question asks in its own ("korten" where the law says
        # "verlagen"): the lexicon's terms count when matching a power of the law.
        prov = _covering(national_focus.provisions_on(day, ["power"]), terms | (lexicon_terms - GENERIC_TERMS), need)
        if prov is not None:
            return Room("wettelijke-bevoegdheid", national_focus, prov, "De wet geeft hier zelf een bevoegdheid.")
        if national_focus is not focus:
            return Room("geen", national_focus, None,
                        f"{focus.citation} herhaalt hier de wet ({national_focus.citation}); daarvan kan een "
                        "beleidsregel of verordening niet afwijken en de wet geeft geen ruimte.",
                        knelpunt=True, alternatives=[a for a in chain.down if a is not focus])
    # 3. The focus's own layer.
    if focus.layer == "verordening":
        clause = model.hardship_clause(focus.regulation, day)
        if clause is not None:
            prov = clause.provisions_on(day, ["hardship"])[0]
            return Room("hardheidsclausule", clause, prov,
                        f"De regel staat in een verordening; die verordening heeft een hardheidsclausule.")
        return Room("geen", focus, None, "De verordening heeft geen hardheidsclausule in de gevonden tekst.",
                    knelpunt=True)
    if focus.layer == "beleidsregel":
        awb = model.find("Awb", "4:84")
        prov = awb.provisions_on(day)[0] if awb and awb.provisions_on(day) else None
        return Room("beleidsregel-4:84-awb", awb, prov,
                    "De regel is een beleidsregel van het college; afwijken kan op grond van artikel 4:84 Awb.")
    # 4. A national rule: local elaborations that carry their own room are alternatives, not a
    #    basis to deviate from the law.
    alternatives = [a for a in chain.down if a.layer in LOCAL_RULE_TYPES]
    return Room("geen", focus, None,
                "De wet schrijft dit dwingend voor en geen laag in de keten geeft ruimte om af te wijken.",
                knelpunt=True, alternatives=alternatives)
