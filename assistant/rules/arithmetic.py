"""The question's numbers against the rule's values: an amount against a limit (a maximum or
a grens, one-off amounts summed against a yearly limit), hours at an hourly rate, and a limit the
question quotes from another version of the rule than the one valid on the peildatum. Each
result is Dutch text for the kort antwoord; every number in it comes from the question or from a
quoted provision."""

from __future__ import annotations

import datetime as dt
import re

from assistant.corpus.documents import Chunk
from assistant.rules.facts import Facts, euro as _euro, situation_total, unit_of
from assistant.rules.model import Article
from assistant.rules.provisions import Provision, Value, lid_text, own_text
from assistant.rules.reasoning import Chain

# A maximum: the amount caps what is granted ("tot ten hoogste", "maximaal").
_MAXIMUM = re.compile(r"ten hoogste|maximaal|maximum|niet meer dan|hoogstens|tot een bedrag van", re.I)
_GRENS = re.compile(r"\w*grens\b", re.I)
_YEARLY = re.compile(r"per (?:kalender)?jaar|kalenderjaar|jaarlijks", re.I)
_MONTHLY = re.compile(r"per maand|maandelijks", re.I)
_THRESHOLD = re.compile(r"^\s*(?:niet\s+)?te\s+boven\s+(?:gaan|gaat)|^\s*(?:niet\s+)?(?:overschrijd|overstijg)", re.I)
_NUMBERS = re.compile(r"[\d.,]+")


def _spaced(raw: str) -> str:
    """An amount as the question wrote it, with a space after the euro sign ("€525" -> "€ 525")."""
    return re.sub(r"€(?=\d)", "€ ", raw)


def clean_quote(text: str) -> str:
    return text.strip().rstrip(";:,")


def chunk_of(art: Article, prov: Provision) -> Chunk | None:
    return next((c for c in art.chunks if c.chunk_id == prov.chunk_id), None)


def _in_other_version(chain: Chain, facts: Facts, day: dt.date):
    """(quoted amount, article, provision of another version holding it, the same sentence in the
    version of the peildatum or None) for the first limit the question quotes that is not the
    rule's own on the peildatum but an article of the chain held in another version."""
    for amount in (a for a in facts.told_amounts if a.role == "limit"):
        for art in [chain.focus, *chain.down, *chain.up]:
            valid = {c.chunk_id for c in art.valid_chunks(day)}
            now = [p for p in art.provisions if p.chunk_id in valid]
            if any(_same(v, "bedrag", amount.value, "") for p in now for v in p.values):
                break  # the quoted limit is the rule's own on the peildatum
            for prov in art.provisions:
                if prov.chunk_id in valid or not any(_same(v, "bedrag", amount.value, "") for v in prov.values):
                    continue
                # The same sentence on the peildatum: its words without the numbers (a sentence is
                # a provision of each kind it has: the one that carries the amount).
                same = next((p for p in now if p.citation == prov.citation and any(v.kind == "bedrag" for v in p.values)
                             and _NUMBERS.sub("", p.text) == _NUMBERS.sub("", prov.text)), None)
                return amount, art, prov, same
    return None


def other_version(chain: Chain, facts: Facts, day: dt.date, quoted: Provision | None = None
                  ) -> tuple[str, list[Chunk]] | None:
    """A limit the question quotes ("collega zegt: sinds 1 jan is het max € 525") that is not the
    rule's on the peildatum but stands in another version of an article of the chain: say which
    version it belongs to and what the version valid on the peildatum says (unless that is the
    provision already `quoted` as deciding): the sentence, with {0} and {1} where the markers of
    its passages go."""
    found = _in_other_version(chain, facts, day)
    if found is None or (then := chunk_of(found[1], found[2])) is None:
        return None
    amount, art, prov, same = found
    span = f"geldig vanaf {then.valid_from}" if then.valid_from else "een andere periode"
    if then.valid_to:
        span += f" tot {then.valid_to}"
    raw = _spaced(amount.raw)
    text = (f"{raw} uit de vraag staat in een andere versie van {prov.citation} ({span}) {{0}}; "
            f"op de peildatum ({day.strftime('%d-%m-%Y')}) geldt die versie niet.")
    chunks = [then]
    if same is not None and not (quoted is not None and (quoted.chunk_id, quoted.text) == (same.chunk_id, same.text)) \
            and (now_chunk := chunk_of(art, same)) is not None:
        text += f" Op die datum luidt de bepaling: „{clean_quote(same.text)}” {{1}}."
        chunks.append(now_chunk)
    return text, chunks


def current_version_of(chain: Chain, facts: Facts, day: dt.date) -> tuple[Article, Provision, Value] | None:
    """The provision whose other version holds the limit the question quotes (a colleague's
    € 176 of 2026 for a case of November 2025): the same sentence in the version of the peildatum
    and its amount. That sentence is what the question turns on."""
    found = _in_other_version(chain, facts, day)
    if found is None or found[3] is None:
        return None
    _, art, _, same = found
    return art, same, next(v for v in same.values if v.kind == "bedrag")


def _same(v: Value, kind: str, number: float, unit: str) -> bool:
    if v.kind != kind or v.number is None or abs(v.number - number) >= 0.005:
        return False
    return kind != "termijn" or unit_of(v.unit) == unit


def claims(chain: Chain, facts: Facts, day: dt.date, deciding: Provision | None = None,
           deciding_value: Value | None = None) -> list[tuple[str, list[Chunk]]]:
    """What the question quotes as the rule's amount or term ("collega zegt: max € 525", "de
    wettelijke termijn is 4 weken"), held against the chain on the peildatum, one sentence each:
    the deciding value itself; another provision's (the 4 weeks of art. 4, eerste lid, Wgs where a
    bedreigende situatie has three werkdagen); another version's (other_version); or none of the
    chain's. Sentences with {0} where the marker of the quoted passage goes."""
    quoted = [(_spaced(a.raw), "bedrag", a.value, "") for a in facts.told_amounts if a.role == "limit"]
    quoted += [(d.raw, "termijn", d.number, unit_of(d.unit)) for d in facts.quoted_terms]
    out: list[tuple[str, list[Chunk]]] = []
    articles = [chain.focus, *chain.down, *chain.up]
    for raw, kind, number, unit in quoted[:2]:
        what = "het bedrag" if kind == "bedrag" else "de termijn"
        if deciding is not None and deciding_value is not None and _same(deciding_value, kind, number, unit):
            continue  # the kort antwoord quotes it as deciding already
        found = next(((a, p) for a in articles for p in a.provisions_on(day)
                      if any(_same(v, kind, number, unit) for v in p.values)), None)
        if found is not None:
            art, prov = found
            text = f"{raw} uit de vraag is {what} van {prov.citation}: „{clean_quote(prov.text)}” {{0}}"
            if deciding is not None and deciding.text != prov.text:
                text += ("; doorslaggevend is hier de bepaling hierboven" if deciding.citation == prov.citation
                         else f"; doorslaggevend is hier {deciding.citation}")
            chunk = chunk_of(art, prov)
            out.append((text + ".", [chunk] if chunk is not None else []))
            continue
        if kind == "bedrag" and (versioned := other_version(chain, facts, day, deciding)) is not None:
            out.append(versioned)
            continue
        if deciding_value is not None and deciding_value.kind == kind and deciding is not None:
            out.append((f"{raw} uit de vraag vind ik niet in de regels van deze keten; op de peildatum "
                        f"({day.strftime('%d-%m-%Y')}) geldt {deciding_value.raw} ({deciding.citation}).", []))
    # (one sentence per quoted value: other_version answers for the first amount it finds)
    return list({t: (t, c) for t, c in out}.values())


def _hourly(prov: Provision, value: Value, facts: Facts) -> tuple[str, None, str] | None:
    """A rate per hour ("€ 23,50 per uur") and the hours the question gives ("5 uur per week"):
    what the hours come to at that rate. Neither within nor over a limit: a tariff."""
    at = prov.text.find(value.raw)
    if at < 0 or not re.match(r"\s*(?:per|p/)\s*uur\b", prov.text[at + len(value.raw):]) or not facts.hours:
        return None
    _, n, per = facts.hours[0]
    total = n * value.number
    count = f"{n:g}".replace(".", ",")
    shown = f"{count} uur × {value.raw} = {_euro(total)}" + (f" per {per}" if per else "")
    return shown, None, f"Tegen dit tarief: {shown}."


def share_of(prov: Provision, value: Value, facts: Facts, text: str) -> str | None:
    """A percentage of a named amount ("ten minste 50% van de restsom") worked out with the amount
    the question gives for it (the one whose clause names it: "restant incl. kosten nu € 6.380"),
    and the question's other amount held against the result: "50% van € 6.380 = € 3.190; € 3.000
    ligt € 190 daaronder"."""
    if value.kind != "percentage" or value.number is None:
        return None
    at = prov.text.find(value.raw)
    m = re.match(r"\s+van\s+(?:de|het|zijn|haar)\s+(\w+)", prov.text[at + len(value.raw):]) if at >= 0 else None
    if m is None:
        return None
    noun = m.group(1).lower()[:4]
    told = [a for a in facts.told_amounts if a.role != "limit"]
    base = next((a for a in told if any(w.lower().startswith(noun) for w in
                                        re.findall(r"\w+", text[max(0, a.at - 50):a.at]))), None)
    if base is None:
        return None
    share = base.value * value.number / 100
    out = f"{value.raw} van {_euro(base.value)} = {_euro(share)}"
    other = next((a for a in told if abs(a.value - base.value) > 0.005), None)
    if other is not None:
        if abs(other.value - share) < 0.005:
            out += f"; {_euro(other.value)} is precies dat"
        else:
            side = "daaronder" if other.value < share else "daarboven"
            out += f"; {_euro(other.value)} ligt {_euro(abs(share - other.value))} {side}"
    return out


def arithmetic(prov: Provision, chunk: Chunk | None, value: Value, facts: Facts) -> tuple[str, bool | None, str] | None:
    """(text, within, consequence) for an amount in the question against the limit of the
    provision; None when the question gives no amount or the provision sets no limit."""
    if value.kind != "bedrag" or value.number is None:
        return None
    rate = _hourly(prov, value, facts)
    if rate is not None:
        return rate
    if not facts.told_amounts:
        return None
    context = (chunk.text if chunk is not None else prov.text)
    is_max = bool(_MAXIMUM.search(prov.text) or _MAXIMUM.search(context))
    # A value the law calls a grens ("De ... vermogensgrens is: a. voor een alleenstaande:
    # € 8.000,00"): what stays below it is left out, what lies above it counts (a drempel works
    # the other way round and is not one).
    lead = own_text(lid_text(chunk, prov), prov)[1]
    is_exempt = prov.kind in ("exemption", "exception") or bool(_GRENS.search(prov.text) or _GRENS.search(lead))
    if not (is_max or is_exempt):
        # A threshold the sentence compares with ("kosten ... een bedrag van € 170,00 niet te boven
        # gaan"): the comparison, without saying what it means for the rule.
        at = prov.text.find(value.raw)
        if at < 0 or not _THRESHOLD.search(prov.text[at + len(value.raw):at + len(value.raw) + 30]):
            return None
        got = situation_total(facts, value.number, yearly=bool(_YEARLY.search(prov.text)),
                              monthly=bool(_MONTHLY.search(prov.text)))
        if got is None:
            return None
        total, shown = got
        if abs(total - value.number) < 0.005:
            return f"{shown} is gelijk aan {value.raw}", None, ""
        side = "boven" if total > value.number else "onder"
        return f"{shown} ligt {_euro(abs(total - value.number))} {side} {value.raw}", None, ""
    limit = value.number
    got = situation_total(facts, limit, yearly=bool(_YEARLY.search(prov.text)),
                          monthly=bool(_MONTHLY.search(prov.text)))
    if got is None:
        return None
    total, shown = got
    within = total <= limit + 0.005
    if within:
        text = f"{shown} blijft binnen de grens van {value.raw}"
        consequence = (f"Binnen de regel: {shown} blijft onder {value.raw}; toepassing van de regel heeft voor de "
                       "inwoner geen nadelig gevolg op dit punt.")
    else:
        over = total - limit
        text = f"{shown} ligt {_euro(over)} boven de grens van {value.raw}"
        if is_exempt:
            consequence = (f"Bij toepassing van de regel telt het deel boven {value.raw} ({_euro(over)}) mee; "
                           "dat gaat van de uitkering af of telt mee als middel.")
        else:
            consequence = (f"Bij toepassing van de regel ontvangt de inwoner ten hoogste {value.raw}; "
                           f"{_euro(over)} van {shown} blijft voor eigen rekening.")
    return text, within, consequence


_WEEKDAYS = ("maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag")


def _after(start: dt.date, n: int, unit: str) -> dt.date | None:
    """The day a term of n units ends, counted from start: werkdagen skip Saturday and Sunday
    (public holidays are not counted out: the text says so)."""
    unit = unit.lower()
    if unit.startswith("werkdag"):
        day, left = start, n
        while left:
            day += dt.timedelta(days=1)
            if day.weekday() < 5:
                left -= 1
        return day
    if unit.startswith("dag"):
        return start + dt.timedelta(days=n)
    if unit.startswith("we"):
        return start + dt.timedelta(weeks=n)
    if unit.startswith("maand"):
        month = start.month - 1 + n
        year, month = start.year + month // 12, month % 12 + 1
        last = (dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)).day
        return dt.date(year, month, min(start.day, last))
    return None


def deadline(prov: Provision, value: Value, facts: Facts) -> str | None:
    """A term the provision sets "binnen" ("vindt binnen drie werkdagen het eerste gesprek
    plaats") counted from the first day the question names: the last day, and the later days the
    question names that fall after it. None without such a term or day."""
    if value.kind != "termijn" or value.number is None or not facts.days:
        return None
    at = prov.text.find(value.raw)
    if at < 0 or not re.search(r"\bbinnen\s+(?:de\s+)?$", prov.text[max(0, at - 12):at]):
        return None
    (raw, start), later = facts.days[0], facts.days[1:]
    end = _after(start, int(value.number), value.unit)
    if end is None:
        return None
    shown = f"{_WEEKDAYS[end.weekday()]} {end.strftime('%d-%m-%Y')}"
    text = f"binnen {value.raw} vanaf {raw} is uiterlijk {shown}"
    if value.unit.lower().startswith("werkdag"):
        text += " (feestdagen niet meegeteld)"
    beyond = [r for r, d in later if d > end]
    if beyond:
        text += "; " + " en ".join(beyond) + " uit de vraag " + ("ligt" if len(beyond) == 1 else "liggen") + " daarna"
    return text


# A norm built up from a base and increments "voor iedere X" (the normtijd of huishoudelijke
# ondersteuning: 120 minuten + 10 per extra slaapkamer in gebruik + 15 per persoon boven twee),
# and a toeslag "per kind" with its maximum: counted with the numbers the question gives.
_INCREMENT = re.compile(r"^(?P<n>\d+)\s+minuten\s+per\s+week\s+voor\s+iedere\s+(?P<extra>extra\s+)?(?P<what>\w+)"
                        r"(?P<rest>[^.;]*)", re.I)
_PER_CHILD = re.compile(r"kinderen\s+jonger\s+dan\s+(?P<age>\d+)\s+jaar.*?(?P<n>\d+)\s+minuten\s+per\s+week\s+per\s+kind,?"
                        r"\s+tot\s+ten\s+hoogste\s+(?P<max>\d+)\s+minuten", re.I)
_COUNT_WORD = {"een": 1, "één": 1, "twee": 2, "drie": 3, "vier": 4, "vijf": 5, "zes": 6}
# "3 slaapkamers in gebruik", "gebruikt er maar 1": the bedrooms in use (a number of bedrooms
# without "in gebruik" may count rooms that stand empty).
_BEDROOMS = re.compile(r"\b(?P<n>\d+|een|één|twee|drie|vier|vijf|zes)\s+slaapkamers?\s+in\s+gebruik\b"
                       r"|\bgebruikt\s+er\s+(?:maar\s+|slechts\s+)?(?P<m>\d+|een|één|twee|drie)\b", re.I)
_KIDS_AGES = re.compile(r"\b(?:kinderen|kids)\s*(?:van\s+|\(\s*)(?P<ages>\d{1,2}(?:\s*(?:,|en)\s*\d{1,2})+)", re.I)
_LODGERS = re.compile(r"\binwonende?\s+(?:zoon|dochter|moeder|vader|broer|zus|kind|kleinkind)\b", re.I)


def children_ages(text: str) -> list[int]:
    """The ages a text lists for its children ("3 kinderen van 10, 7 en 4", "kids (9 en 13)")."""
    m = _KIDS_AGES.search(text)
    return [int(n) for n in re.findall(r"\d{1,2}", m.group("ages"))] if m else []


def household_size(text: str, facts: Facts) -> int | None:
    """How many people the household the text describes counts: one adult, or two with a
    partner; the children it counts or lists; those it says live in ("inwonende dochter")."""
    if not facts.household:
        return None
    adults = 2 if "partner" in facts.household else 1
    counted = max([int(n) for _, n, who in facts.people if who in ("kinderen", "kids")] + [len(children_ages(text))])
    lodgers = len(_LODGERS.findall(text))
    if "kinderen" in facts.household and not counted and not lodgers:
        return None  # children, but not how many
    return adults + counted + lodgers


def built_norm(art: Article, text: str, facts: Facts, day: dt.date) -> str | None:
    """The norm of an article that sets a base and increments "voor iedere X", counted with the
    question's numbers: "120 + 2 × 10 (extra slaapkamers) + 2 × 15 (personen boven twee) = 170
    minuten per week". None when the article has no such increments or the question does not give
    what they count."""
    provs = art.provisions_on(day)
    base = next((p for p in provs if p.values and re.search(r"\bbedraagt\s+\d+\s+minuten\s+per\s+week\s+voor\s+een\s+huishouden",
                                               p.text)), None)
    if base is None:
        return None
    total = base.values[0].number if base.values and base.values[0].number is not None else None
    if total is None:
        return None
    parts = [f"{int(total)}"]
    size = household_size(text, facts)
    unknown: list[str] = []
    counted = 0
    for p in provs:
        m = _INCREMENT.match(p.text.strip())
        if m is None:
            continue
        n, what = int(m.group("n")), m.group("what").lower()
        if what.startswith("slaapkamer"):
            label = "extra slaapkamers" if m.group("extra") else "slaapkamers"
            b = _BEDROOMS.search(text)
            if b is None:
                unknown.append(f"{n} per {label.rstrip('s')}")
                continue
            raw = (b.group("n") or b.group("m")).lower()
            count = _COUNT_WORD.get(raw) or int(raw)
            count -= 1 if m.group("extra") else 0  # the base counts one slaapkamer
        elif what.startswith("persoon"):
            above = re.search(r"boven\s+de\s+(\w+)\s+personen", m.group("rest"))
            if above is None:
                continue
            label = f"personen boven {above.group(1)}"
            if size is None:
                unknown.append(f"{n} per persoon boven {above.group(1)}")
                continue
            count = size - (_COUNT_WORD.get(above.group(1).lower()) or 0)
        else:
            continue
        counted += 1
        if count > 0:
            total += count * n
            parts.append(f"{count} × {n} ({label})")
    if not counted:
        return None
    out = f"{' + '.join(parts)} = {int(total)} minuten per week" if len(parts) > 1 else f"{int(total)} minuten per week"
    if unknown:
        out += " (nog niet meegeteld, de vraag zegt niet hoeveel: " + "; ".join(unknown) + ")"
    return out


def child_supplement(art: Article, text: str, day: dt.date) -> str | None:
    """A toeslag "per kind" for children under an age, up to a maximum, for the children the
    question lists: "3 × 15 = 45 minuten per week (ten hoogste 45)"."""
    ages = children_ages(text)
    for p in art.provisions_on(day):
        m = _PER_CHILD.search(p.text)
        if m is None or not ages:
            continue
        young = sum(a < int(m.group("age")) for a in ages)
        if not young:
            return None
        n, cap = int(m.group("n")), int(m.group("max"))
        got = min(young * n, cap)
        return (f"{young} × {n} = {young * n}" + (f", ten hoogste {cap}" if young * n > cap else "")
                + f": {got} minuten per week (kinderen jonger dan {m.group('age')} jaar)")
    return None
