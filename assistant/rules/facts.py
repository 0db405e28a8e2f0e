"""Facts a question or casus gives, in the forms rules turn on: amounts (per period; apart, those
written without "€" or "euro"), durations, dates, counts of people, ages, the household. Read from
the pseudonymised text; every value keeps the words it came from, so an answer can show where a
number came from.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import NamedTuple

from assistant.retrieval.analysis import content_terms
from assistant.rules.provisions import _NUMBER_WORDS, euro_value

_PERIOD = r"(?:per|p\.?|in de|elke|iedere|a)\s*(?P<per>maand|mnd|week|wk|jaar|kalenderjaar|dag|kwartaal)"
_AMOUNT = re.compile(
    r"(?:€\s?(?P<a>\d{1,3}(?:[.\s]\d{3})*(?:,\d{1,2})?|\d+(?:,\d{1,2})?)"
    r"|(?P<b>\d{1,3}(?:\.\d{3})*(?:,\d{1,2})?|\d+)\s?(?:euro|eur)\b)"
    rf"(?:\s*(?:{_PERIOD}|/\s*(?P<per2>maand|mnd|week|jaar)))?",
    re.I,
)
_COUNT_WORDS = "|".join(sorted(_NUMBER_WORDS, key=len, reverse=True))
_DURATION = re.compile(
    rf"\b(?P<n>\d+|{_COUNT_WORDS})\s+(?P<unit>werkdagen|werkdag|dagen|dag|weken|week|maanden|maand|mnd|jaar|jaren)\b", re.I)
_PEOPLE = re.compile(
    rf"\b(?P<n>\d+|{_COUNT_WORDS})\s+(?P<who>kinderen|kids|kinderen|personen|gezinsleden|huisgenoten|medebewoners|zoons|dochters)\b",
    re.I)
_AGE = re.compile(r"\b(?P<n>\d{1,2})\s*(?:jaar|jr\.?|jarige?)\b(?!\s*(?:lang|geleden|bijstand|uitkering|onafgebroken|in de|op|open|oud\b(?!\s)))", re.I)
# The words before "N jaar" that make it a period ("pas na 10 jaar", "al 3 jaar", "binnen 5 jaar").
_SPAN_BEFORE = re.compile(r"\b(?:na|binnen|over|sinds|gedurende|al|ruim|bijna|ongeveer|circa|ca\.?|afgelopen|laatste|"
                          r"eerste|komende|elke|iedere|per|om de|minimaal|minstens|maximaal|max\.?|tot|voor|"
                          r"meer dan|minder dan|langer dan|korter dan)\s+$", re.I)
# "zoon van 24", "klant is 70", "meneer (35)": a person and a number that can only be an age.
_PERSON = (r"(?:zoon|dochter|broer|zus|zuster|moeder|vader|kind|klant|cliënt|client|meneer|mevrouw|man|vrouw|jongen|"
           # how a file note abbreviates them: "mw 29", "mevr. 57", "dhr (61)"
           r"mw\.?|mevr\.?|mvr\.?|dhr\.?|hr\.?|"
           r"meisje|oom|tante|neef|nicht|partner|vriend|vriendin|aanvrager|aanvraagster|inwoner|jongere|pleegkind|oma|opa)")
_PERSON_AGE = re.compile(
    rf"\b{_PERSON}\s+(?:is\s+|van\s+|wordt\s+|,?\s*)\(?(?P<n>\d{{1,2}})\)?(?!\s*(?:euro|eur|%|procent|maand|mnd|week|weken|dag|dagen|uur|kinderen|personen|[.,]\d"
    # "haar man is 18 feb overleden": a day of a month, not an age
    r"|(?:jan|feb|mrt|maa|apr|mei|jun|jul|aug|sep|okt|nov|dec)\w*\b))\b",
    re.I)
# The words just before an amount that quote it as a rule's limit, or as the text's own total.
_LIMIT_BEFORE = re.compile(r"\b(?:grens|grenzen|max\w*|maximum\w*|drempel\w*|norm|normbedrag|vrijlating|"
                          r"bovengrens|ondergrens|plafond|limiet|tot)\b[^.;?!]{0,30}$", re.I)
_DEBT = re.compile(r"\bschuld\w*|\blening\b|\bleenovereenkomst\w*|\bgeleend\b|\bstaat\s+(?:nog\s+)?[^,;]{0,20}open\b"
                   r"|\bachterstand\w*", re.I)
_TERM_BEFORE = re.compile(r"\btermijn\w*\b[^.;?!]{0,25}$", re.I)
_TOTAL_BEFORE = re.compile(r"\b(?:totaal|samen|bij elkaar|opgeteld|in het geheel)\b[^.;?!€\d]{0,15}$", re.I)
_HOURS = re.compile(r"(?<!\bom )\b(?P<n>\d{1,2}(?:[,.]\d)?)\s*(?:uur|u)\b(?:\s*(?:per\s+|p/?|/)\s*(?P<per>week|w|maand|mnd|m|dag|d)\b)?",
                    re.I)
_HOURS_PER = {"w": "week", "week": "week", "m": "maand", "mnd": "maand", "maand": "maand", "d": "dag", "dag": "dag"}
_PERCENT = re.compile(r"\b(?P<n>\d{1,3}(?:,\d+)?)\s?(?:%|procent)", re.I)

# An amount written without "€" or "euro", where nothing else can be meant: a Dutch thousands
# separator ("7.900 op de spaarrekening"), a monthly abbreviation ("150 pm"), or the price of
# something ("nieuwe kost 499", "kosten van 640"). A unit after the number (km, uur, %) makes it
# no amount.
_BARE_AMOUNT = re.compile(
    r"(?<![\d.,€/-])(?:(?P<t>\d{1,3}(?:\.\d{3})+)(?!\d)"
    r"|(?P<m>\d+(?:,\d{1,2})?)\s?(?:pm|p\.m\.|p/m)(?!\w)"
    r"|\b(?:kost|kosten|kostte|kostten|prijs|betaald|betaalt)\s+(?:van\s+|ca\.?\s+|ongeveer\s+|zo'n\s+|\()?"
    r"(?P<k>\d+(?:,\d{1,2})?)(?![\d.,]\d))"
    r"(?!\s*(?:%|procent|km|kilometer|kg|uur|uren|minuten|jaar|maanden|weken|dagen|kinderen|personen|m2|keer|x\b))",
    re.I)
_NEGATION = re.compile(r"\b(?:niet|geen|nooit|zonder)\b(?P<what>(?:\s+[^\s.,;:!?]+){1,4})", re.I)
# The household the text describes, in the categories the law's norms use (art. 4 Pw:
# alleenstaande, alleenstaande ouder, gezin): one adult alone, children, a partner.
_ALONE = re.compile(r"\balleenstaand\w*\b|\bwoont alleen\b|\balleenwonend\w*\b", re.I)
_CHILDREN = re.compile(r"\b(?:kind|kinderen|kids|zoon|zoons|dochter|dochters|alleenstaande ouder)\b", re.I)
_PARTNER = re.compile(r"\b(?:partner|echtgeno(?:ot|te)|man en vrouw|echtpaar|getrouwd|gehuwd\w*|samenwon\w*)\b", re.I)
# A date in the question ("in mei 2024", "20 november 2025"): the time since an event, to be
# measured against the peildatum.
_MONTH_NAMES = ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober",
                "november", "december")
_DATE = re.compile(rf"\b(?:(?P<d>\d{{1,2}})\s+)?(?P<m>{'|'.join(_MONTH_NAMES)})\s+(?P<y>(?:19|20)\d{{2}})\b", re.I)

# A day of a month, as professionals write it: "13 nov 2026", "do 26 nov" (the peildatum's year),
# "13-11-2026". For the terms a rule counts from a date ("binnen drie werkdagen").
_MONTH_ABBR = r"jan(?:uari)?|feb(?:ruari)?|mrt|maart|apr(?:il)?|mei|jun(?:i)?|jul(?:i)?|aug(?:ustus)?|" \
              r"sep(?:t(?:ember)?)?|okt(?:ober)?|nov(?:ember)?|dec(?:ember)?"
_DAY_DATE = re.compile(rf"\b(?P<d>\d{{1,2}})\s+(?P<m>{_MONTH_ABBR})\.?(?:\s+(?P<y>(?:19|20)\d{{2}}))?\b"
                       r"|\b(?P<d2>\d{1,2})[-/](?P<m2>\d{1,2})[-/](?P<y2>(?:19|20)\d{2})\b", re.I)

_PER_YEAR = {"maand": 12, "mnd": 12, "week": 52, "wk": 52, "jaar": 1, "kalenderjaar": 1, "dag": 365, "kwartaal": 4}


_MONTHS = {"dag": 1 / 30, "dagen": 1 / 30, "werkdag": 1 / 21, "werkdagen": 1 / 21, "week": 12 / 52, "weken": 12 / 52,
           "maand": 1, "maanden": 1, "mnd": 1,
           "jaar": 12, "jaren": 12}
# "14 mnd geleden": time since an event; "al 4 jaar in de bijstand", "staat al 5 jaar open": how
# long a state lasts (the kinds of provisions.period_kind).
_ELAPSED = re.compile(r"^\s*(?:geleden|terug|ervoor|eerder)\b", re.I)
_STATE = re.compile(r"\b(?:al|sinds|nu|inmiddels|ruim|bijna|zo'?n|ongeveer|langer dan|meer dan)\s*$", re.I)
_CLAUSE = re.compile(r"[.;:?!,()]|\s(?:maar|en|want|omdat|toen|terwijl)\s", re.I)


class Duration(NamedTuple):
    raw: str
    number: float
    unit: str
    kind: str = ""  # verstreken | duur | "" (the question does not say)
    about: str = ""  # the clause the period stands in: what it is the length of

    @property
    def months(self) -> float:
        return months(self.number, self.unit)


def unit_of(unit: str) -> str:
    """A unit of time in one spelling: "weken" -> "week", "werkdagen" -> "werkdag", "mnd" -> "maand"."""
    u = unit.lower()
    for key, forms in (("werkdag", ("werkdag", "werkdagen")), ("dag", ("dag", "dagen")), ("week", ("week", "weken")),
                       ("maand", ("maand", "maanden", "mnd")), ("jaar", ("jaar", "jaren"))):
        if u in forms:
            return key
    return u


def months(number: float, unit: str) -> float:
    unit = unit.lower()
    return number * next((v for k, v in _MONTHS.items() if unit == k or unit == "kalender" + k), 0)


def months_before(year: int, month: int, day: dt.date) -> int:
    """Whole calendar months from a month to the peildatum's month."""
    return (day.year - year) * 12 + day.month - month


def _clause(text: str, start: int, end: int) -> str:
    """The words around a span up to the nearest clause boundary on either side."""
    left = [m.end() for m in _CLAUSE.finditer(text, 0, start)]
    right = _CLAUSE.search(text, end)
    return text[(left[-1] if left else 0):(right.start() if right else len(text))]


def _num(word: str) -> float:
    w = word.lower()
    return float(w) if w.isdigit() else float(_NUMBER_WORDS.get(w, 0))


@dataclass
class Amount:
    raw: str
    value: float
    per: str | None = None  # maand | week | jaar | ...
    at: int = -1  # where it stands in the text
    # "limit": quoted as a rule's limit ("de grens is € 8.000", "max 450"); "total": the text's own
    # sum ("totaal € 7.950", "samen is dat € 1.380"); None: an amount of the situation.
    role: str | None = None
    debt: bool = False  # the text calls it owed (a loan, an arrear): what vermogen is "verminderd met"

    @property
    def per_year(self) -> float | None:
        return self.value * _PER_YEAR[self.per] if self.per in _PER_YEAR else None


@dataclass
class Facts:
    amounts: list[Amount] = field(default_factory=list)
    durations: list[Duration] = field(default_factory=list)
    people: list[tuple[str, float, str]] = field(default_factory=list)
    ages: list[tuple[str, float]] = field(default_factory=list)
    percentages: list[tuple[str, float]] = field(default_factory=list)
    # Amounts written without "€" or "euro" ("7.900 op de spaarrekening", "150 pm", "kost 640"):
    # apart, so that what a rule's room is judged on (amounts) stays what the text marks as money.
    unmarked: list[Amount] = field(default_factory=list)
    household: set[str] = field(default_factory=set)  # alleen | kinderen | partner: what the text says
    dates: list[tuple[str, dt.date]] = field(default_factory=list)
    # Periods the text quotes as a rule's term ("de wettelijke termijn is 4 weken", "max 6 maanden").
    quoted_terms: list[Duration] = field(default_factory=list)
    # Days the text names ("vrijdag 13 nov 2026", "do 26 nov"), in its order: the dates a term of
    # a rule can run from.
    days: list[tuple[str, dt.date]] = field(default_factory=list)
    # Hours of help or care the text gives ("5 uur per week", "8 uur p/w"): (raw, hours, per).
    hours: list[tuple[str, float, str | None]] = field(default_factory=list)
    # The words the text says are not the case ("zit niet in de collectieve zorgverzekering",
    # "geen kinderen"): the content words of the few words after niet / geen / nooit.
    negated: set[str] = field(default_factory=set)

    @property
    def empty(self) -> bool:
        return not (self.amounts or self.durations or self.people or self.ages or self.percentages)

    @property
    def told_amounts(self) -> list[Amount]:
        """Every amount the text gives, marked or not, in the order of the text."""
        return sorted([*self.amounts, *self.unmarked], key=lambda a: a.at)

    def elapsed(self, day: dt.date) -> list[Duration]:
        """The time since each event the text tells: its periods "geleden" and, measured to the
        peildatum, its dates before the peildatum's month (a date in that month says when, not how
        long ago)."""
        out = [d for d in self.durations if d.kind == "verstreken"]
        for raw, when in self.dates:
            n = months_before(when.year, when.month, day)
            if n >= 1:
                out.append(Duration(raw, float(n), "maanden", "verstreken", raw))
        return out

    def describe(self) -> list[str]:
        """The facts as short Dutch phrases, in the words of the question."""
        out = [a.raw for a in self.amounts]
        out += [raw for raw, _, _ in self.people]
        out += [raw for raw, _, _ in self.durations if not any(raw in a for a in out)]
        return out


_SEASON_MONTH = {"voorjaar": 4, "zomer": 7, "najaar": 10, "winter": 1, "begin": 1, "half": 6, "medio": 6, "eind": 12}
# "sinds voorjaar 2021", "sinds maart 2024", "sinds januari": a state that began then and lasts until the
# peildatum.
_SINCE = re.compile(rf"\bsinds\s+(?:(?P<season>{'|'.join(_SEASON_MONTH)})\s+)?(?P<month>{'|'.join(_MONTH_NAMES)})?"
                    r"\s*(?P<year>(?:19|20)\d{2})?\b", re.I)


def _since(text: str, day: dt.date) -> list[Duration]:
    out = []
    for m in _SINCE.finditer(text):
        if not (m.group("month") or m.group("year")):
            continue
        year = int(m.group("year")) if m.group("year") else day.year
        if m.group("month"):
            month = _MONTH_NAMES.index(m.group("month").lower()) + 1
        else:
            month = _SEASON_MONTH.get((m.group("season") or "").lower(), 7 if m.group("year") else day.month)
        if (year, month) > (day.year, day.month) and not m.group("year"):
            year -= 1  # "sinds november", asked in februari: last year's
        n = months_before(year, month, day)
        if n > 0:
            out.append(Duration(m.group(0).strip(), float(n), "maanden", "duur", _clause(text, m.start(), m.end())))
    return out


def read_facts(text: str, day: dt.date | None = None) -> Facts:
    """The facts of a question or casus; `day` (the peildatum) turns "sinds maart 2024" into a
    duration up to that day."""
    facts = Facts()
    for m in _AMOUNT.finditer(text):
        raw_num = m.group("a") or m.group("b")
        value = euro_value(raw_num.replace(" ", "")) if raw_num else None
        if value is None:
            continue
        per = (m.group("per") or m.group("per2") or "").lower() or None
        if per is None:  # "elke maand 50 euro": the period just before the amount
            before = re.search(r"(?:per|elke|iedere)\s+(maand|week|jaar|kalenderjaar)\s*$", text[max(0, m.start() - 25):m.start()], re.I)
            per = before.group(1).lower() if before else None
        facts.amounts.append(Amount(m.group(0).strip(), value, per, m.start()))
    spans = [(a.at, a.at + len(a.raw)) for a in facts.amounts]
    for m in _BARE_AMOUNT.finditer(text):
        group = next(g for g in ("t", "m", "k") if m.group(g))
        if any(s <= m.start(group) < e for s, e in spans):
            continue
        value = euro_value(m.group(group))
        if value is not None:
            raw = text[m.start(group):m.end()].strip() if group == "m" else m.group(group)
            facts.unmarked.append(Amount(raw, value, "maand" if group == "m" else None, m.start(group)))
    for m in _HOURS.finditer(text):
        per = _HOURS_PER.get((m.group("per") or "").lower())
        facts.hours.append((m.group(0).strip(), float(m.group("n").replace(",", ".")), per))
    for a in [*facts.amounts, *facts.unmarked]:
        before = text[max(0, a.at - 40):a.at]
        a.role = "limit" if _LIMIT_BEFORE.search(before) else "total" if _TOTAL_BEFORE.search(before) else None
        # An amount the clause calls owed ("een lening bij haar broer, daar staat nog € 250 van open").
        clause = re.split(r"[.;!?,]", text[max(0, a.at - 80):a.at])[-1] + re.split(r"[.;!?,]", text[a.at:a.at + 40])[0]
        a.debt = a.role is None and bool(_DEBT.search(clause))
    for m in _DURATION.finditer(text):
        if any(m.start() >= text.find(a.raw) and m.end() <= text.find(a.raw) + len(a.raw) for a in facts.amounts):
            continue
        after, before = text[m.end():m.end() + 20], text[max(0, m.start() - 25):m.start()]
        kind = "verstreken" if _ELAPSED.search(after) else "duur" if _STATE.search(before) else ""
        facts.durations.append(Duration(m.group(0), _num(m.group("n")), m.group("unit").lower(), kind,
                                        _clause(text, m.start(), m.end())))
    for m in _PEOPLE.finditer(text):
        facts.people.append((m.group(0), _num(m.group("n")), m.group("who").lower()))
    age_at: set[int] = set()  # where each age's number stands: one age, however it is phrased
    for m in [*_AGE.finditer(text), *_PERSON_AGE.finditer(text)]:
        if m.re is _AGE and _SPAN_BEFORE.search(text[max(0, m.start() - 20):m.start()]):
            continue  # "pas na 10 jaar", "al 3 jaar": a period, not an age
        if m.start("n") not in age_at:
            age_at.add(m.start("n"))
            facts.ages.append((m.group(0).rstrip("("), float(m.group("n"))))
    if day is not None:
        facts.durations.extend(_since(text, day))
    # An age is not also a duration ("zoon van 24 jaar").
    facts.durations = [d for d in facts.durations if not any(d[0] in raw for raw, _ in facts.ages)]
    for m in _PERCENT.finditer(text):
        facts.percentages.append((m.group(0), float(m.group("n").replace(",", "."))))
    if _ALONE.search(text):
        facts.household.add("alleen")
    if _CHILDREN.search(text) or any(who in ("kinderen", "kids", "zoons", "dochters") for _, _, who in facts.people):
        facts.household.add("kinderen")
    if _PARTNER.search(text):
        facts.household.add("partner")
    for m in _DATE.finditer(text):
        month = _MONTH_NAMES.index(m.group("m").lower()) + 1
        try:
            facts.dates.append((m.group(0), dt.date(int(m.group("y")), month, int(m.group("d") or 1))))
        except ValueError:
            continue
    for m in _NEGATION.finditer(text):
        facts.negated |= content_terms(m.group("what"))
    for d in facts.durations:
        at = text.find(d.raw)
        if at >= 0 and (_LIMIT_BEFORE.search(text[max(0, at - 40):at]) or _TERM_BEFORE.search(text[max(0, at - 40):at])):
            facts.quoted_terms.append(d)
    for m in _DAY_DATE.finditer(text):
        if m.group("d2"):
            y, mo, d = int(m.group("y2")), int(m.group("m2")), int(m.group("d2"))
        else:
            if not m.group("y") and day is None:
                continue
            y = int(m.group("y")) if m.group("y") else day.year
            mo = next(i for i, name in enumerate(_MONTH_NAMES, 1) if name.startswith(m.group("m").lower()[:3])
                      or (m.group("m").lower() == "mrt" and i == 3))
            d = int(m.group("d"))
        try:
            facts.days.append((m.group(0), dt.date(y, mo, d)))
        except ValueError:
            continue
    return facts


# The household categories of the law's norms (art. 4 Pw) as a provision names them, and which
# households they fit: an amount "voor een alleenstaande" is not the one for a mother with two
# children. A provision naming none fits every household.
_CATEGORIES = (
    (re.compile(r"\balleenstaande ouders?\b", re.I),
     lambda h: "partner" not in h and not ("alleen" in h and "kinderen" not in h)),
    (re.compile(r"\balleenstaanden?\b(?!\s+ouder)", re.I), lambda h: not ({"kinderen", "partner"} & h)),
    (re.compile(r"\b(?:gezin|gezinnen|gehuwden|echtgenoten|partners)\b", re.I), lambda h: "alleen" not in h),
    (re.compile(r"\bmeerpersoons\w*", re.I), lambda h: bool({"kinderen", "partner"} & h) or "alleen" not in h),
)


def fits_household(text: str, household: set[str]) -> bool:
    """Does a provision's household category (if it names one) fit the household the question
    describes? True when either says nothing."""
    named = [fits for pattern, fits in _CATEGORIES if pattern.search(text)]
    return not named or not household or any(fits(household) for fits in named)


def euro(value: float) -> str:
    whole = f"{int(value):,}".replace(",", ".")
    cents = round((value - int(value)) * 100)
    return f"€ {whole}" + (f",{cents:02d}" if cents else "")


def situation_total(facts: Facts, limit: float | None, yearly: bool = False,
                    monthly: bool = False, net_of_debts: bool = False) -> tuple[float, str] | None:
    """The situation's amount to hold against a limit, and how it is reached, in Dutch: the
    text's own total where it gives one ("totaal € 7.950"); several one-off amounts against a
    limit per year added up ("€ 410 + € 300 = € 710"); a monthly amount against a yearly limit
    times twelve; else the first amount. Never an amount the text quotes as a limit, nor the
    limit itself. None when the text gives no amount."""
    told = [a for a in facts.told_amounts if a.role != "limit"
            and (limit is None or abs(a.value - limit) > 0.005)]
    owed = [a for a in told if a.debt and not any(abs(a.value - t.value) < 0.005 for t in told if t.role == "total")] \
        if net_of_debts else []
    told = [a for a in told if a not in owed]
    if not told:
        return None
    totals = [a for a in told if a.role == "total"]
    if totals and owed:
        # A rule that counts what one owns "verminderd met de aanwezige schulden" (art. 34 Pw).
        net = totals[-1].value - sum(a.value for a in owed)
        return net, f"{euro(totals[-1].value)} − " + " − ".join(euro(a.value) for a in owed) + f" (schuld) = {euro(net)}"
    if totals:
        a = totals[-1]
    else:
        if yearly and len(told) >= 2 and all(x.per is None for x in told):
            total = sum(x.value for x in told)
            return total, " + ".join(euro(x.value) for x in told) + f" = {euro(total)}"
        a = told[0]
    if yearly and a.per and a.per not in ("jaar", "kalenderjaar") and a.per_year is not None:
        return a.per_year, f"{round(a.per_year / a.value)} × {euro(a.value)} = {euro(a.per_year)} per jaar"
    if monthly and a.per in ("jaar", "kalenderjaar"):
        return a.value / 12, f"{euro(a.value)} per jaar = {euro(a.value / 12)} per maand"
    return a.value, euro(a.value)
