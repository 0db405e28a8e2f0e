"""The knelpuntenrapportage: approved cases of a period -> where rules pinch, told as the stories
of how professionals acted and backed by numbers -> Markdown, HTML, DOCX, PDF (charts embedded)
and CSV. The only module that imports matplotlib, jinja2 and fpdf2; it also writes DOCX with
python-docx (documents.py only reads it).

Aggregation (build_report) is pure: it takes Case read models and returns a KnelpuntenReport;
knelpunten_report() fetches the cases of the period, of the previous period of equal length
(for trends) and the knelpunt history (for "sinds"). Everything the report says is
pseudonymised text from the case log; placeholders are shown as "[…]" and a story that still
trips the personal-data detector is left out rather than printed.
"""

from __future__ import annotations

import base64
import csv
import datetime as dt
import errno
import io
import re
import textwrap
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Sequence

from assistant.analysis import STOPWORDS, stem, words
from assistant.privacy import PLACEHOLDER_RE, contains_personal_data

FORMATS = ("md", "html", "docx", "pdf", "csv")
DEVIATED = ("afgeweken", "gedeeltelijk")
UITKOMST_ORDER = ("afgeweken", "gedeeltelijk", "niet afgeweken")
MONTHS = ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september",
          "oktober", "november", "december")
LAYER_LABELS = {
    "wet": "wet", "amvb": "AMvB", "ministeriele_regeling": "ministeriële regeling", "verordening": "verordening",
    "beleidsregel": "beleidsregel", "werkinstructie": "werkinstructie", "richtsnoer": "richtsnoer",
    "onbekend": "onbekend",
}
LAYER_ORDER = ("werkinstructie", "richtsnoer", "beleidsregel", "verordening", "ministeriele_regeling", "amvb", "wet",
               "onbekend")
PROFESSIONAL_NOUN = {"participatiewet": "klantmanager", "wmo": "Wmo-consulent", "jeugd": "jeugdconsulent",
                     "schuldhulp": "schuldhulpverlener"}
# Who can fix a knelpunt, by owner and the layer the solution lies in (richtsnoer, section 5).
FIXER = {
    ("gemeente", "werkinstructie"): "uitvoering (teamleider)",
    ("gemeente", "uitvoering"): "uitvoering (teamleider)",
    ("gemeente", "beleidsregel"): "college",
    ("gemeente", "verordening"): "gemeenteraad",
    ("gemeente", "wet"): "college, via een voorstel aan het Rijk",
    ("rijk", "uitvoering"): "landelijke uitvoeringsorganisatie",
}
CSV_COLUMNS = ("nr", "titel", "regel", "versie", "laag", "eigenaar", "wie_lost_op", "type_oplossing", "status",
               "aantal_casussen", "sinds", "laatst", "artikel_knelt", "domeinen", "teams", "wat_knelt",
               "gevolgen_voor_inwoners", "oplossingsrichting")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"„(])")


class ReportError(Exception):
    """The report cannot be made as asked; the Dutch message says why."""


# --------------------------------------------------------------------------- the report model


class _Counted:
    """Share deviated and trend, for anything counting cases, deviated and previous_cases."""

    cases: int
    deviated: int
    previous_cases: int
    compare: bool

    @property
    def share_deviated(self) -> float:
        return self.deviated / self.cases if self.cases else 0.0

    @property
    def trend(self) -> str:
        return trend_label(self.cases, self.previous_cases) if self.compare else "–"


@dataclass
class RuleStats(_Counted):
    """One rule (citation + version) in the period."""

    citation: str
    version: str
    layer: str
    cases: int = 0
    uitkomsten: dict[str, int] = field(default_factory=dict)
    deviated: int = 0
    knelpunten: int = 0
    no_room: int = 0  # cases whose afwijkingsruimte basis was "geen"
    pinch: int = 0  # cases that deviated or were logged as knelpunt
    previous_cases: int = 0
    previous_deviated: int = 0
    domains: list[str] = field(default_factory=list)
    knelt: bool = False
    compare: bool = True  # False when the previous period has no cases at all

    @property
    def layer_label(self) -> str:
        return LAYER_LABELS.get(self.layer, self.layer)

    @property
    def pinch_share(self) -> float:
        return self.pinch / self.cases if self.cases else 0.0

    @property
    def label(self) -> str:
        return self.citation + (f" (versie {self.version})" if self.version else "")


@dataclass
class GroupStats(_Counted):
    """Cases per domain, team or month."""

    name: str
    cases: int = 0
    deviated: int = 0
    knelpunten: int = 0
    previous_cases: int = 0
    compare: bool = True


@dataclass
class Cluster:
    """Circumstances that recur: phrases from situations grouped by shared terms."""

    name: str  # its characteristic words
    cases: int
    example: str
    rules: list[str]


@dataclass
class Story:
    heading: str
    text: str


@dataclass
class Knelpunt:
    nr: int
    titel: str
    rule: str
    version: str
    layer: str
    description: str
    consequences: str
    solution: str
    solution_type: str
    owner: str  # "gemeente" | "rijk"
    status: str
    count: int
    first_seen: dt.date
    last_seen: dt.date
    domains: list[str]
    teams: list[str]
    knelt: bool
    stories: list[Story] = field(default_factory=list)
    case_ids: list[int] = field(default_factory=list)

    @property
    def national(self) -> bool:
        return self.owner == "rijk"

    @property
    def layer_label(self) -> str:
        return LAYER_LABELS.get(self.layer, self.layer)

    @property
    def owner_label(self) -> str:
        return "Rijk" if self.national else "gemeente"

    @property
    def fixer(self) -> str:
        if self.national:
            return FIXER.get(("rijk", self.solution_type), "Rijk (wetgever of ministerie)")
        return FIXER.get(("gemeente", self.solution_type), "gemeente")

    def row(self) -> dict[str, Any]:
        return {
            "nr": self.nr, "titel": self.titel, "regel": self.rule, "versie": self.version,
            "laag": self.layer_label, "eigenaar": self.owner_label, "wie_lost_op": self.fixer,
            "type_oplossing": self.solution_type or "", "status": self.status, "aantal_casussen": self.count,
            "sinds": self.first_seen.isoformat(), "laatst": self.last_seen.isoformat(),
            "artikel_knelt": "ja" if self.knelt else "nee", "domeinen": ", ".join(self.domains),
            "teams": ", ".join(self.teams), "wat_knelt": self.description,
            "gevolgen_voor_inwoners": self.consequences, "oplossingsrichting": self.solution,
        }


@dataclass
class KnelpuntenReport:
    gemeente: str
    van: dt.date
    tot: dt.date
    previous_van: dt.date
    previous_tot: dt.date
    generated_on: dt.date
    knelt_min_cases: int
    knelt_min_share: float
    total_cases: int
    previous_total: int
    deviated: int
    knelpunt_cases: int
    uitkomsten: dict[str, int]
    rules: list[RuleStats]
    domains: list[GroupStats]
    teams: list[GroupStats]
    months: list[GroupStats]
    clusters: list[Cluster]
    knelpunten: list[Knelpunt]
    summary: list[tuple[str, str]] = field(default_factory=list)  # (lead, paragraph)
    _charts: dict[str, bytes] | None = field(default=None, repr=False)

    @property
    def period_label(self) -> str:
        return f"{format_date(self.van)} tot en met {format_date(self.tot)}"

    @property
    def local_knelpunten(self) -> list[Knelpunt]:
        return [k for k in self.knelpunten if not k.national]

    @property
    def national_knelpunten(self) -> list[Knelpunt]:
        return [k for k in self.knelpunten if k.national]

    @property
    def forwardable(self) -> list[Knelpunt]:
        """National knelpunten ready to send on: not solved yet."""
        return [k for k in self.national_knelpunten if k.status != "opgelost"]

    @property
    def has_trend(self) -> bool:
        return self.previous_total > 0

    @property
    def knelt_rules(self) -> list[RuleStats]:
        return [r for r in self.rules if r.knelt]

    @property
    def no_room_rules(self) -> list[RuleStats]:
        return [r for r in self.rules if r.no_room]

    @property
    def share_deviated(self) -> float:
        return self.deviated / self.total_cases if self.total_cases else 0.0

    @property
    def charts(self) -> dict[str, bytes]:
        if self._charts is None:
            self._charts = render_charts(self)
        return self._charts

    def to_summary(self) -> dict[str, Any]:
        return {
            "gemeente": self.gemeente, "van": self.van.isoformat(), "tot": self.tot.isoformat(),
            "vorige_periode": {"van": self.previous_van.isoformat(), "tot": self.previous_tot.isoformat(),
                               "casussen": self.previous_total},
            "casussen": self.total_cases, "afgeweken": self.deviated, "aandeel_afgeweken": round(self.share_deviated, 3),
            "casussen_met_knelpunt": self.knelpunt_cases, "uitkomsten": self.uitkomsten,
            "knelpunten": len(self.knelpunten), "knelpunten_gemeente": len(self.local_knelpunten),
            "knelpunten_rijk": len(self.national_knelpunten),
            "artikelen_die_knellen": [r.citation for r in self.knelt_rules],
            "regels_zonder_ruimte": [r.citation for r in self.no_room_rules],
            "drempels": {"knelt_min_cases": self.knelt_min_cases, "knelt_min_share": self.knelt_min_share},
        }


# --------------------------------------------------------------------------- small helpers


def format_date(day: dt.date) -> str:
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def month_label(key: str) -> str:
    year, month = key.split("-")
    return f"{MONTHS[int(month) - 1]} {year}"


def percent(value: float) -> str:
    return f"{round(value * 100)}%"


def trend_label(now: int, before: int) -> str:
    if before == 0:
        return "nieuw" if now else "–"
    change = (now - before) / before
    if abs(change) < 0.1:
        return f"gelijk ({before} → {now})"
    return f"{'stijgend' if change > 0 else 'dalend'} ({before} → {now}, {'+' if change > 0 else ''}{round(change * 100)}%)"


def infer_layer(citation: str) -> str:
    text = citation.lower()
    if "werkinstructie" in text:
        return "werkinstructie"
    if "richtsnoer" in text:
        return "richtsnoer"
    if "beleidsregel" in text:
        return "beleidsregel"
    if "verordening" in text:
        return "verordening"
    if re.search(r"\bbesluit\b", text):
        return "amvb"
    if re.search(r"regeling\b", text):
        return "ministeriele_regeling"
    if re.search(r"wet\b|awb|wmo|jeugdwet", text):
        return "wet"
    return "onbekend"


def _clean(text: str | None) -> str:
    """Pseudonymised text as a reader sees it: placeholders become "[…]", whitespace tidy."""
    return " ".join(PLACEHOLDER_RE.sub("[…]", text or "").split())


def _first_sentence(text: str) -> str:
    return _SENTENCE_END.split(text.strip(), maxsplit=1)[0] if text else ""


def _shorten(text: str, limit: int) -> str:
    # Whole words only: never cut "Wlz-bijdrage" after its hyphen.
    return text if len(text) <= limit else textwrap.shorten(text, width=limit, placeholder=" …",
                                                            break_on_hyphens=False)


def _terms(text: str) -> set[str]:
    return {stem(w) for w in words(text) if w not in STOPWORDS and len(w) > 2 and not w.isdigit()}


def _jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


def _rules_of(case) -> list[tuple[str, str]]:
    out = []
    for r in case.rules or []:
        if isinstance(r, dict) and r.get("citation"):
            out.append((" ".join(str(r["citation"]).split()), str(r.get("version") or "")))
        elif isinstance(r, str) and r.strip():
            out.append((" ".join(r.split()), ""))
    if not out:
        ruimte = case.afwijkingsruimte if isinstance(case.afwijkingsruimte, dict) else {}
        out.append((ruimte.get("rule") or "(geen regel vastgelegd)", ""))
    return list(dict.fromkeys(out))


def _ruimte(case) -> dict:
    return case.afwijkingsruimte if isinstance(case.afwijkingsruimte, dict) else {}


def _no_room(case) -> bool:
    return _ruimte(case).get("basis") == "geen"


def _layer_of(case, citation: str) -> str:
    ruimte = _ruimte(case)
    layer = ruimte.get("layer")
    if layer in LAYER_LABELS and (not ruimte.get("rule") or ruimte.get("rule") == citation):
        return layer
    return infer_layer(citation)


def _month_key(moment: dt.datetime) -> str:
    return f"{moment.year:04d}-{moment.month:02d}"


def _months_between(van: dt.date, tot: dt.date) -> list[str]:
    keys, y, m = [], van.year, van.month
    while (y, m) <= (tot.year, tot.month):
        keys.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return keys


def previous_period(van: dt.date, tot: dt.date) -> tuple[dt.date, dt.date]:
    length = (tot - van).days + 1
    return van - dt.timedelta(days=length), van - dt.timedelta(days=1)


# --------------------------------------------------------------------------- aggregation


_WEAK_WORDS = frozenset("eerste tweede derde sprake begonnen besteed ruim circa kort net sinds gemiddeld "
                        "inmiddels blijvend zelf weer andere meerdere".split())


def cluster_circumstances(cases: Sequence, min_cases: int = 3, limit: int = 8, threshold: float = 0.5) -> list[Cluster]:
    """Group the phrases of the pseudonymised situations (and knelpunt descriptions) by term
    overlap (leader clustering on Jaccard similarity of stemmed content words) and name each
    group by its most characteristic words (frequent in the group, rare elsewhere)."""
    phrases: list[tuple[int, str, set[str], str]] = []
    for case in cases:
        rule = _rules_of(case)[0][0]
        for part in re.split(r"(?<=[.;])\s+", _clean(case.situation)):
            part = part.strip(" .;")
            terms = _terms(part)
            if len(terms) >= 2:
                phrases.append((case.id, part, terms, rule))
    groups: list[dict[str, Any]] = []
    for case_id, text, terms, rule in phrases:
        best, best_sim = None, threshold
        for g in groups:
            sim = _jaccard(terms, g["leader"])
            if sim >= best_sim:
                best, best_sim = g, sim
        if best is None:
            best = {"leader": terms, "items": []}
            groups.append(best)
        best["items"].append((case_id, text, terms, rule))
    doc_freq = Counter(t for _, _, terms, _ in phrases for t in terms)
    out = []
    for g in groups:
        case_ids = {i for i, _, _, _ in g["items"]}
        if len(case_ids) < min_cases:
            continue
        # Characteristic words: surface forms of the stems shared most within the group.
        in_group = Counter(t for _, _, terms, _ in g["items"] for t in terms)
        surface: dict[str, Counter] = defaultdict(Counter)
        for _, text, _, _ in g["items"]:
            for w in words(text):
                if w not in STOPWORDS and len(w) > 2:
                    surface[stem(w)][w] += 1
        score = {t: n * (1 + len(phrases) / (1 + doc_freq[t])) ** 0.5 for t, n in in_group.items()
                 if n >= len(g["items"]) / 2 and not (surface[t] and surface[t].most_common(1)[0][0] in _WEAK_WORDS)}
        top = sorted(score, key=lambda t: (-score[t], t))[:3]
        name = ", ".join(surface[t].most_common(1)[0][0] for t in top if surface[t])
        example = Counter(text for _, text, _, _ in g["items"]).most_common(1)[0][0]
        rules = [r for r, _ in Counter(r for _, _, _, r in g["items"]).most_common(2)]
        out.append(Cluster(name=name, cases=len(case_ids), example=example[:1].upper() + example[1:], rules=rules))
    out.sort(key=lambda c: (-c.cases, c.name))
    return out[:limit]


def _group_knelpunt_cases(cases: Sequence, threshold: float = 0.5) -> list[list]:
    """Knelpunt cases about the same rule, owner and (by term overlap) the same problem."""
    buckets: dict[tuple[str, str], list[list]] = defaultdict(list)
    for case in sorted(cases, key=lambda c: (c.reviewed_at or c.updated_at, c.id)):
        key = (_rules_of(case)[0][0], case.knelpunt_owner or "gemeente")
        terms = _terms(case.knelpunt_description or "")
        for group in buckets[key]:
            if _jaccard(terms, group[0]) >= threshold:
                group[1].append(case)
                break
        else:
            buckets[key].append([terms, [case]])
    return [(terms, members) for groups in buckets.values() for terms, members in groups]


_TITLE_BREAK = re.compile(r"[;:]|,\s+(?=(?:waardoor|terwijl|ook|omdat|zodat|maar|ook als|wanneer|als|en)\b)")


def _title(description: str) -> str:
    """A heading from the description: its first clause, cut at a natural break, not mid-thought."""
    first = _first_sentence(description).rstrip(".")
    parts = _TITLE_BREAK.split(first)
    head = parts[0].strip()
    if len(head) < 35 and len(parts) > 1:
        head = first
    return _shorten(head, 125)


def _story(case) -> Story:
    when = case.reviewed_at or case.updated_at
    team = (case.team or "").strip()
    team = team[:1].lower() + team[1:] if team.lower().startswith("team ") else team
    heading = f"{MONTHS[when.month - 1].capitalize()} {when.year}" + (f", {team}" if team else "")
    noun = PROFESSIONAL_NOUN.get(case.domain or "", "professional")
    situation = _clean(case.situation)
    sentences = _SENTENCE_END.split(situation)
    situation = " ".join(sentences[:3])
    if situation and not situation.endswith((".", "!", "?")):
        situation += "."
    if case.uitkomst == "afgeweken":
        act = f"De {noun} week af van de regel"
    elif case.uitkomst == "gedeeltelijk":
        act = f"De {noun} week gedeeltelijk af van de regel"
    elif _no_room(case):
        act = f"De {noun} vond geen ruimte om af te wijken"
    else:
        act = f"De {noun} paste de regel toe"
    motivering = _shorten(_first_sentence(_clean(case.motivering)), 320)
    text = f"{situation} {act}" + (f". Uit de motivering: „{motivering.rstrip('.')}.”" if motivering else ".")
    return Story(heading=heading, text=text.strip())


def _pick_stories(members: Sequence, n: int = 3) -> list[Story]:
    """Two or three stories that differ from each other: newest first, then the least similar."""
    pool = sorted(members, key=lambda c: (c.reviewed_at or c.updated_at, c.id), reverse=True)
    chosen: list = []
    while pool and len(chosen) < n:
        if not chosen:
            pick = pool[0]
        else:
            pick = min(pool, key=lambda c: max(_jaccard(_terms(c.situation or ""), _terms(x.situation or ""))
                                               for x, _ in chosen))
        pool.remove(pick)
        story = _story(pick)
        if any(story.text == s.text for _, s in chosen):
            continue
        if contains_personal_data(story.heading + "\n" + story.text):
            continue  # never print what the detector still flags
        chosen.append((pick, story))
    chosen.sort(key=lambda cs: (cs[0].reviewed_at or cs[0].updated_at))
    return [s for _, s in chosen]


def build_report(cases: Sequence, van: dt.date, tot: dt.date, *, previous: Sequence = (),
                 history: Sequence = (), knelt_min_cases: int = 3, knelt_min_share: float = 0.5,
                 gemeente: str = "Lindewaarde", generated_on: dt.date | None = None) -> KnelpuntenReport:
    """Aggregate approved cases of [van, tot]. previous: approved cases of the previous period of
    equal length (for trends); history: earlier approved knelpunt cases (for "sinds").

    "Dit artikel knelt" when at least knelt_min_cases cases of the rule pinched (the professional
    deviated, or logged a knelpunt because there was no room) and they are at least
    knelt_min_share of the rule's cases: the count guards against reading much into one case,
    the share against a busy rule that is mostly applied as written."""
    if van > tot:
        raise ReportError("De begindatum ligt na de einddatum.")
    prev_van, prev_tot = previous_period(van, tot)
    rules: dict[tuple[str, str], RuleStats] = {}
    rule_domains: dict[tuple[str, str], Counter] = defaultdict(Counter)
    domains: dict[str, GroupStats] = {}
    teams: dict[str, GroupStats] = {}
    months = {k: GroupStats(k) for k in _months_between(van, tot)}
    uitkomsten: Counter = Counter()

    def bump(stats: GroupStats, case) -> None:
        stats.cases += 1
        stats.deviated += case.uitkomst in DEVIATED
        stats.knelpunten += bool(case.knelpunt)

    for case in cases:
        uitkomsten[case.uitkomst or "onbekend"] += 1
        bump(domains.setdefault(case.domain or "onbekend", GroupStats(case.domain or "onbekend")), case)
        bump(teams.setdefault(case.team or "onbekend", GroupStats(case.team or "onbekend")), case)
        when = case.reviewed_at or case.updated_at
        bump(months.setdefault(_month_key(when), GroupStats(_month_key(when))), case)
        for citation, version in _rules_of(case):
            r = rules.setdefault((citation, version), RuleStats(citation, version, _layer_of(case, citation)))
            r.cases += 1
            r.uitkomsten[case.uitkomst or "onbekend"] = r.uitkomsten.get(case.uitkomst or "onbekend", 0) + 1
            r.deviated += case.uitkomst in DEVIATED
            r.knelpunten += bool(case.knelpunt)
            r.no_room += _no_room(case)
            r.pinch += case.uitkomst in DEVIATED or bool(case.knelpunt)
            rule_domains[(citation, version)][case.domain or "onbekend"] += 1
    for case in previous:
        if case.domain in domains:
            domains[case.domain].previous_cases += 1
        if case.team in teams:
            teams[case.team].previous_cases += 1
        for key in _rules_of(case):
            if key in rules:
                rules[key].previous_cases += 1
                rules[key].previous_deviated += case.uitkomst in DEVIATED
    if not previous:
        for g in [*rules.values(), *domains.values(), *teams.values()]:
            g.compare = False
    for key, r in rules.items():
        r.domains = [d for d, _ in rule_domains[key].most_common()]
        r.knelt = r.pinch >= knelt_min_cases and r.pinch_share >= knelt_min_share
    rule_list = sorted(rules.values(), key=lambda r: (-r.pinch, -r.cases, r.citation))

    # Knelpunten: knelpunt cases grouped by rule, owner and problem.
    knelpunt_cases = [c for c in cases if c.knelpunt]
    history_groups = [(terms, members) for terms, members in _group_knelpunt_cases(
        [c for c in history if c.knelpunt] + knelpunt_cases)]
    knelpunten = []
    for terms, members in _group_knelpunt_cases(knelpunt_cases):
        latest = max(members, key=lambda c: (c.reviewed_at or c.updated_at, c.id))
        rule, version = _rules_of(latest)[0]
        owner = latest.knelpunt_owner or "gemeente"
        description = Counter(_clean(c.knelpunt_description) for c in members).most_common(1)[0][0]
        first = min((c.reviewed_at or c.updated_at) for c in members)
        for h_terms, h_members in history_groups:
            if latest in h_members:
                first = min(first, *((c.reviewed_at or c.updated_at) for c in h_members))
        def common(attr: str) -> str:
            values = [_clean(getattr(c, attr)) for c in members if getattr(c, attr)]
            return Counter(values).most_common(1)[0][0] if values else ""
        rule_stats = rules.get((rule, version))
        knelpunten.append(Knelpunt(
            nr=0, titel=_title(description), rule=rule, version=version,
            layer=rule_stats.layer if rule_stats else infer_layer(rule), description=description,
            consequences=common("knelpunt_consequences"), solution=common("knelpunt_solution"),
            solution_type=Counter(c.knelpunt_solution_type for c in members if c.knelpunt_solution_type).most_common(1)[0][0]
            if any(c.knelpunt_solution_type for c in members) else "",
            owner=owner, status=latest.knelpunt_status or "open", count=len(members), first_seen=first.date(),
            last_seen=max((c.reviewed_at or c.updated_at) for c in members).date(),
            domains=[d for d, _ in Counter(c.domain or "onbekend" for c in members).most_common()],
            teams=[t for t, _ in Counter(c.team or "onbekend" for c in members).most_common()],
            knelt=bool(rule_stats and rule_stats.knelt), stories=_pick_stories(members),
            case_ids=sorted(c.id for c in members),
        ))
    knelpunten.sort(key=lambda k: (k.national, not k.knelt, -k.count, LAYER_ORDER.index(k.layer)
                                   if k.layer in LAYER_ORDER else 99, k.titel))
    for i, k in enumerate(knelpunten, 1):
        k.nr = i

    report = KnelpuntenReport(
        gemeente=gemeente, van=van, tot=tot, previous_van=prev_van, previous_tot=prev_tot,
        generated_on=generated_on or dt.date.today(), knelt_min_cases=knelt_min_cases,
        knelt_min_share=knelt_min_share, total_cases=len(cases), previous_total=len(previous),
        deviated=sum(c.uitkomst in DEVIATED for c in cases), knelpunt_cases=len(knelpunt_cases),
        uitkomsten={u: uitkomsten.get(u, 0) for u in UITKOMST_ORDER} | {u: n for u, n in uitkomsten.items()
                                                                          if u not in UITKOMST_ORDER},
        rules=rule_list,
        domains=sorted(domains.values(), key=lambda g: (-g.cases, g.name)),
        teams=sorted(teams.values(), key=lambda g: (-g.cases, g.name)),
        months=[months[k] for k in sorted(months)],
        clusters=cluster_circumstances(cases), knelpunten=knelpunten,
    )
    report.summary = _summary(report)
    return report


def knelpunten_report(log, van: dt.date, tot: dt.date, *, knelt_min_cases: int = 3, knelt_min_share: float = 0.5,
                      domain: str | None = None, gemeente: str = "Lindewaarde") -> KnelpuntenReport:
    """The report for [van, tot] straight from a CaseLog (approved cases only)."""
    if van > tot:
        raise ReportError("De begindatum (--van) ligt na de einddatum (--tot).")
    prev_van, prev_tot = previous_period(van, tot)
    return build_report(
        log.approved_cases(van, tot, domain=domain), van, tot,
        previous=log.approved_cases(prev_van, prev_tot, domain=domain),
        history=log.approved_cases(None, van - dt.timedelta(days=1), knelpunt_only=True, domain=domain),
        knelt_min_cases=knelt_min_cases, knelt_min_share=knelt_min_share, gemeente=gemeente,
    )


def _summary(r: KnelpuntenReport) -> list[tuple[str, str]]:
    """The page for bestuurders: what happened, where it pinches, what is asked of whom."""
    if not r.total_cases:
        return [("Geen casussen", f"In de periode {r.period_label} is geen enkel maatwerkbesluit goedgekeurd. Er is daarom "
                "niets te rapporteren; controleer of de periode klopt.")]
    out = []
    trend = (" Over de even lange periode daarvoor staan geen goedgekeurde casussen in de casuslog; trends "
             "ontbreken daarom.")
    if r.previous_total:
        change = (r.total_cases - r.previous_total) / r.previous_total
        trend = (f" Dat is {'meer' if change > 0 else 'minder'} dan in de even lange periode daarvoor "
                 f"({r.previous_total}; {'+' if change > 0 else ''}{round(change * 100)}%)." if abs(change) >= 0.1
                 else f" Dat is ongeveer evenveel als in de even lange periode daarvoor ({r.previous_total}).")
    out.append(("Wat er gebeurde",
        f"Van {r.period_label} keurden kwaliteitsmedewerkers {r.total_cases} maatwerkcasussen goed. "
        f"In {r.deviated} daarvan ({percent(r.share_deviated)}) weken professionals geheel of gedeeltelijk af van "
        f"een regel, omdat die voor de inwoner onevenredig uitpakte. In {r.knelpunt_cases} casussen meldden zij "
        f"dat de regel zelf knelt.{trend}"))
    knelt = r.knelt_rules
    if knelt:
        names = "; ".join(f"{k.citation} ({k.pinch} van {k.cases} casussen)" for k in knelt[:4])
        more = f" en nog {len(knelt) - 4}" if len(knelt) > 4 else ""
        out.append(("Waar het knelt", f"Bij {len(knelt)} {'regel' if len(knelt) == 1 else 'regels'} is het signaal ‘dit artikel knelt’ "
                   f"afgegeven: {names}{more}. Bij deze regels knelde het in minstens {percent(r.knelt_min_share)} van de "
                   f"casussen: professionals weken af of meldden dat de regel knelt. Maatwerk is daar geen "
                   f"uitzondering meer maar vaste praktijk."))
    local, national = r.local_knelpunten, r.national_knelpunten
    if r.knelpunten:
        per_fixer = Counter(k.fixer for k in local)
        fixers = ", ".join(f"{n} bij {f}" for f, n in per_fixer.most_common())
        out.append(("Wie aan zet is", f"De meldingen zijn gebundeld tot {len(r.knelpunten)} knelpunten. {len(local)} kan de gemeente "
                   f"zelf oplossen" + (f" ({fixers})" if fixers else "") + f"; {len(national)} "
                   f"{'ligt' if len(national) == 1 else 'liggen'} bij het Rijk"
                   + (f"; {'die is' if len(national) == 1 else 'ze zijn'} klaar" if len(r.forwardable) == len(national)
                      else f", waarvan {len(r.forwardable)} klaar")
                   + " om door te sturen via de VNG of het meldpunt voor signalen uit de uitvoering."))
        status = Counter(k.status for k in r.knelpunten)
        out.append(("Stand van zaken", "Van de knelpunten zijn er " + ", ".join(
            f"{n} {s}" if s in ("open", "opgelost") else f"{n} met status ‘{s}’" for s, n in status.most_common()) + "."))
    if r.no_room_rules:
        names = ", ".join(f"{x.citation} ({x.no_room})" for x in r.no_room_rules)
        out.append(("Geen ruimte", f"Bij {len(r.no_room_rules)} {'regel' if len(r.no_room_rules) == 1 else 'regels'} was er geen "
                   f"enkele ruimte om af te wijken; professionals konden de situatie alleen als knelpunt vastleggen: "
                   f"{names}."))
    if r.clusters:
        top = "; ".join(f"{c.example.lower().rstrip('.')} ({c.cases}×)" for c in r.clusters[:3])
        out.append(("Wat terugkomt", f"Omstandigheden die steeds terugkomen: {top}."))
    if r.knelpunten:
        ask = []
        if any(k.fixer == "college" for k in local):
            ask.append("het college besluit over de voorgestelde aanpassing van beleidsregels")
        if any(k.fixer == "gemeenteraad" for k in local):
            ask.append("de raad krijgt voorstellen tot wijziging van verordeningen")
        if r.forwardable:
            ask.append("de landelijke knelpunten gaan naar het Rijk")
        if ask:
            out.append(("Gevraagd", "; ".join(ask)[:1].upper() + "; ".join(ask)[1:] + "."))
    return out


# --------------------------------------------------------------------------- charts

_PALETTE = {"afgeweken": "#1f6f8b", "gedeeltelijk": "#7fb3c8", "niet afgeweken": "#c9c9c9", "knelpunt": "#c0504d"}


def _short_rule(citation: str, width: int = 40) -> str:
    text = re.sub(r"^artikel\s+", "art. ", citation, flags=re.I)
    return "\n".join(textwrap.wrap(text, width=width)[:2])


def render_charts(report: KnelpuntenReport) -> dict[str, bytes]:
    """PNG charts: deviations per rule, cases per month, outcomes (matplotlib, Agg backend)."""
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    plt.rcParams.update({"font.family": "DejaVu Sans", "font.size": 9, "axes.spines.top": False,
                         "axes.spines.right": False})

    def png(fig) -> bytes:
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=150, bbox_inches="tight")
        plt.close(fig)
        return buf.getvalue()

    charts: dict[str, bytes] = {}
    rules = sorted(report.rules, key=lambda r: (-r.cases, r.citation))[:10][::-1]
    fig, ax = plt.subplots(figsize=(7.2, 0.42 * max(len(rules), 3) + 1.0))
    left = [0] * len(rules)
    labels = [_short_rule(r.citation) for r in rules]
    for uitkomst in UITKOMST_ORDER:
        values = [r.uitkomsten.get(uitkomst, 0) for r in rules]
        ax.barh(labels, values, left=left, color=_PALETTE[uitkomst], label=uitkomst, height=0.65)
        left = [a + b for a, b in zip(left, values)]
    for i, r in enumerate(rules):
        if r.knelt:
            ax.text(left[i] + 0.3, i, "knelt", va="center", ha="left", fontsize=8, color=_PALETTE["knelpunt"],
                    fontweight="bold")
    ax.set_xlabel("aantal goedgekeurde casussen")
    ax.set_title("Casussen per regel, naar uitkomst (top 10)", loc="left", fontsize=10)
    ax.legend(loc="lower right", frameon=False, fontsize=8)
    ax.set_xlim(0, max(left + [1]) * 1.15)
    ax.tick_params(axis="y", labelsize=8)
    charts["regels"] = png(fig)

    fig, ax = plt.subplots(figsize=(7.2, 2.5))
    names = [month_label(m.name) for m in report.months]
    short = [f"{n.split()[0][:3]} {n.split()[1][2:]}" for n in names]
    ax.bar(short, [m.cases for m in report.months], color="#d9e6ee", label="goedgekeurde casussen")
    ax.bar(short, [m.deviated for m in report.months], color=_PALETTE["afgeweken"], width=0.5, label="waarvan afgeweken")
    ax.plot(short, [m.knelpunten for m in report.months], color=_PALETTE["knelpunt"], marker="o", linewidth=1.5,
            label="knelpunt gemeld")
    ax.set_title("Casussen per maand", loc="left", fontsize=10)
    ax.legend(frameon=False, fontsize=8, ncol=3, loc="upper left", bbox_to_anchor=(0, -0.12))
    ax.tick_params(axis="x", labelsize=7.5)
    ax.set_ylim(0, max([m.cases for m in report.months] + [1]) * 1.15)
    charts["maanden"] = png(fig)

    fig, ax = plt.subplots(figsize=(7.2, 1.8))
    items = [(u, n) for u, n in report.uitkomsten.items() if n or u in UITKOMST_ORDER]
    total = max(report.total_cases, 1)
    ax.barh([u for u, _ in items][::-1], [n for _, n in items][::-1],
            color=[_PALETTE.get(u, "#999999") for u, _ in items][::-1], height=0.6)
    for i, (u, n) in enumerate(items[::-1]):
        ax.text(n + total * 0.01, i, f"{n} ({round(100 * n / total)}%)", va="center", fontsize=8)
    ax.set_xlim(0, max([n for _, n in items] + [1]) * 1.2)
    ax.set_title("Uitkomsten", loc="left", fontsize=10)
    ax.set_xlabel("aantal goedgekeurde casussen")
    charts["uitkomsten"] = png(fig)
    return charts


CHART_CAPTIONS = {
    "regels": "Casussen per regel, naar uitkomst. ‘knelt’: het signaal ‘dit artikel knelt’ is afgegeven.",
    "maanden": "Goedgekeurde casussen per maand, het deel waarin is afgeweken, en het aantal knelpuntmeldingen.",
    "uitkomsten": "Uitkomsten van alle goedgekeurde casussen in de periode.",
}


# --------------------------------------------------------------------------- Markdown / HTML


def _jinja(autoescape: bool):
    import jinja2

    env = jinja2.Environment(loader=jinja2.PackageLoader("assistant", "templates"), autoescape=autoescape,
                             trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
                             undefined=jinja2.StrictUndefined)
    env.filters.update(percent=percent, datum=format_date, maand=month_label,
                       mdcell=lambda s: str(s).replace("|", "/").replace("\n", " "))
    return env


def _context(report: KnelpuntenReport, images: dict[str, str]) -> dict[str, Any]:
    return {"r": report, "images": images, "captions": CHART_CAPTIONS, "layer_labels": LAYER_LABELS,
            "forward_lines": _forward_lines,
            "method_note": _method_note(report)}


def render_markdown(report: KnelpuntenReport, images: dict[str, str] | None = None) -> str:
    """Markdown; images maps chart name -> link (default: embedded data URIs)."""
    images = images or {k: "data:image/png;base64," + base64.b64encode(v).decode("ascii")
                        for k, v in report.charts.items()}
    return _jinja(False).get_template("knelpunten.md.j2").render(**_context(report, images))


def render_html(report: KnelpuntenReport) -> str:
    """One self-contained HTML file (charts as data URIs)."""
    images = {k: "data:image/png;base64," + base64.b64encode(v).decode("ascii") for k, v in report.charts.items()}
    return _jinja(True).get_template("knelpunten.html.j2").render(**_context(report, images))


def render_csv(report: KnelpuntenReport) -> str:
    """The follow-up table: one row per knelpunt."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=CSV_COLUMNS)
    writer.writeheader()
    for k in report.knelpunten:
        writer.writerow(k.row())
    return buf.getvalue()


# --------------------------------------------------------------------------- DOCX

_TABLE_KNELPUNTEN = ("nr", "titel", "regel", "laag", "wie_lost_op", "status", "aantal_casussen", "sinds")
_TABLE_HEADERS = {"nr": "Nr.", "titel": "Knelpunt", "regel": "Regel", "laag": "Laag", "wie_lost_op": "Wie lost op",
                  "status": "Status", "aantal_casussen": "Aantal", "sinds": "Sinds"}


def _rule_table(report: KnelpuntenReport) -> tuple[list[str], list[list[str]]]:
    headers = ["Regel", "Laag", "Casussen", "Afgeweken", "Aandeel", "Knelpunt", "Knelt"]
    seen = Counter(r.citation for r in report.rules)  # a rule in two versions shows its version
    rows = [[r.label if seen[r.citation] > 1 else r.citation, r.layer_label, str(r.cases), str(r.deviated), percent(r.share_deviated), str(r.knelpunten),
             "ja" if r.knelt else ""] for r in report.rules]
    if report.has_trend:
        headers.insert(6, "Trend")
        for row, r in zip(rows, report.rules):
            row.insert(6, r.trend)
    return headers, rows


def _group_table(first: str, groups: Iterable[GroupStats], report: KnelpuntenReport,
                 months: bool = False) -> tuple[list[str], list[list[str]]]:
    trend = report.has_trend and not months
    headers = [first, "Casussen", "Afgeweken", "Aandeel", "Knelpunt"] + (["Trend"] if trend else [])
    rows = [[month_label(g.name) if months else g.name, str(g.cases), str(g.deviated), percent(g.share_deviated),
             str(g.knelpunten)] + ([g.trend] if trend else []) for g in groups]
    return headers, rows


def render_docx(report: KnelpuntenReport) -> bytes:
    from docx import Document
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.shared import Cm, Pt

    doc = Document()
    section = doc.sections[0]
    section.left_margin = section.right_margin = Cm(2.2)
    doc.styles["Normal"].font.name = "Calibri"
    doc.styles["Normal"].font.size = Pt(10.5)

    def table(headers: list[str], rows: list[list[str]], widths: list[float] | None = None) -> None:
        t = doc.add_table(rows=1, cols=len(headers))
        t.style = "Light Grid Accent 1"
        t.alignment = WD_TABLE_ALIGNMENT.LEFT
        for cell, text in zip(t.rows[0].cells, headers):
            cell.text = text
        for row in rows:
            cells = t.add_row().cells
            for cell, text in zip(cells, row):
                cell.text = str(text)
        for row in t.rows:
            for i, cell in enumerate(row.cells):
                for p in cell.paragraphs:
                    for run in p.runs:
                        run.font.size = Pt(8.5)
                if widths:
                    cell.width = Cm(widths[i])

    def labelled(label: str, text: str) -> None:
        p = doc.add_paragraph()
        p.add_run(label + ": ").bold = True
        p.add_run(text)

    doc.add_heading(f"Knelpuntenrapportage sociaal domein {report.gemeente}", level=0)
    doc.add_paragraph(f"Periode: {report.period_label}. Opgesteld op {format_date(report.generated_on)} uit de "
                      f"casuslog (alleen goedgekeurde casussen; geanonimiseerd).")
    doc.add_heading("Samenvatting voor het bestuur", level=1)
    for lead, text in report.summary:
        p = doc.add_paragraph()
        p.add_run(lead + ". ").bold = True
        p.add_run(text)
    doc.add_heading("In cijfers", level=1)
    for name in ("regels", "maanden", "uitkomsten"):
        doc.add_picture(io.BytesIO(report.charts[name]), width=Cm(16))
        doc.add_paragraph(CHART_CAPTIONS[name], style="Caption")
    doc.add_heading("Per regel", level=2)
    table(*_rule_table(report))
    doc.add_heading("Per domein", level=2)
    table(*_group_table("Domein", report.domains, report))
    doc.add_heading("Per team", level=2)
    table(*_group_table("Team", report.teams, report))
    doc.add_heading("Per maand", level=2)
    table(*_group_table("Maand", report.months, report, months=True))
    if report.clusters:
        doc.add_heading("Omstandigheden die terugkomen", level=2)
        table(["Kenmerkende woorden", "Casussen", "Voorbeeld", "Vooral bij"],
              [[c.name, str(c.cases), c.example, "; ".join(c.rules)] for c in report.clusters])
    if report.no_room_rules:
        doc.add_heading("Regels zonder ruimte om af te wijken", level=2)
        for r in report.no_room_rules:
            doc.add_paragraph(f"{r.citation} ({r.layer_label}): {r.no_room} van {r.cases} casussen konden alleen als "
                              f"knelpunt worden vastgelegd.", style="List Bullet")
    doc.add_heading("De knelpunten", level=1)
    for heading, items in (("Op te lossen door de gemeente", report.local_knelpunten),
                           ("Op te lossen door het Rijk", report.national_knelpunten)):
        if not items:
            continue
        doc.add_heading(heading, level=2)
        for k in items:
            doc.add_heading(f"{k.nr}. {k.titel}" + ("  (dit artikel knelt)" if k.knelt else ""), level=3)
            labelled("De regel", f"{k.rule}" + (f", versie {k.version}" if k.version else "") + f" ({k.layer_label})")
            labelled("Wat knelt", k.description)
            labelled("Gevolgen voor inwoners", k.consequences or "niet vastgelegd")
            labelled("Hoe vaak", f"{k.count} {'casus' if k.count == 1 else 'casussen'} in deze periode; "
                                 f"gemeld sinds {format_date(k.first_seen)}")
            for s in k.stories:
                p = doc.add_paragraph(style="Quote")
                p.add_run(s.heading + ". ").bold = True
                p.add_run(s.text)
            labelled("Oplossingsrichting", (k.solution or "nog niet benoemd")
                     + (f" (type: {k.solution_type})" if k.solution_type else ""))
            labelled("Wie kan het oplossen", k.fixer)
            labelled("Status", k.status)
    doc.add_heading("Overzicht voor opvolging", level=1)
    table([_TABLE_HEADERS[c] for c in _TABLE_KNELPUNTEN],
          [[str(k.row()[c]) for c in _TABLE_KNELPUNTEN] for k in report.knelpunten],
          [0.9, 4.8, 3.6, 1.6, 2.2, 1.7, 1.4, 1.9])
    doc.add_heading("Door te sturen aan het Rijk", level=1)
    if report.forwardable:
        doc.add_paragraph("Deze knelpunten liggen in landelijke wet- of regelgeving of bij een landelijke "
                          "uitvoeringsorganisatie. De gemeente kan ze niet zelf oplossen; ze zijn klaar om te melden "
                          "via de VNG, het meldpunt voor signalen uit de uitvoering of het ministerie.")
        for k in report.forwardable:
            doc.add_heading(f"{k.nr}. {k.titel}", level=3)
            for label, text in _forward_lines(k):
                labelled(label, text)
    else:
        doc.add_paragraph("Er zijn in deze periode geen landelijke knelpunten om door te sturen.")
    doc.add_heading("Verantwoording", level=1)
    doc.add_paragraph(_method_note(report))
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def _forward_lines(k: Knelpunt) -> list[tuple[str, str]]:
    """What a signal to the Rijk needs, without repeating the title."""
    lines = [("De regel", f"{k.rule} ({k.layer_label})")]
    if k.description.rstrip(".") != k.titel.rstrip("."):
        lines.append(("Wat knelt", k.description))
    lines += [("Gevolg voor inwoners", k.consequences or "niet vastgelegd"),
              ("Voorstel", k.solution or "nog niet benoemd"),
              ("Omvang", f"{k.count} {'casus' if k.count == 1 else 'casussen'} in deze periode, gemeld sinds "
                         f"{format_date(k.first_seen)}; status: {k.status}")]
    return lines


def _method_note(r: KnelpuntenReport) -> str:
    return (f"De cijfers komen uit de casuslog van {r.gemeente}: alleen casussen die in de periode door een kwaliteitsmedewerker zijn "
            f"goedgekeurd (vier ogen). Alle teksten zijn bij het vastleggen gepseudonimiseerd; waar een vervangen "
            f"gegeven stond, staat ‘[…]’. ‘Afgeweken’ telt geheel en gedeeltelijk afwijken. Het signaal ‘dit artikel "
            f"knelt’ gaat af als minstens {r.knelt_min_cases} casussen bij een regel knelden (afgeweken of knelpunt "
            f"gemeld) en dat minstens {percent(r.knelt_min_share)} van de casussen bij die regel is. Trends vergelijken "
            f"met de even lange periode ervoor ({format_date(r.previous_van)} tot en met {format_date(r.previous_tot)}). "
            f"Knelpuntmeldingen over dezelfde regel en hetzelfde probleem (woordoverlap) zijn samengevoegd; "
            f"terugkerende omstandigheden zijn gevonden door zinsdelen uit de situaties te groeperen op gedeelde "
            f"woorden.")


# --------------------------------------------------------------------------- PDF


def _font_dir() -> Path:
    import matplotlib

    return Path(matplotlib.get_data_path()) / "fonts" / "ttf"


def render_pdf(report: KnelpuntenReport) -> bytes:
    """A4 PDF with fpdf2 and the DejaVu fonts that ship with matplotlib (so € and ë render)."""
    from fpdf import FPDF
    from fpdf.fonts import FontFace

    fonts = _font_dir()
    title = f"Knelpuntenrapportage sociaal domein {report.gemeente}"

    class PDF(FPDF):
        def footer(self) -> None:
            self.set_y(-13)
            self.set_font("DejaVu", "", 7.5)
            self.set_text_color(110, 110, 110)
            self.cell(0, 5, f"{title} · {report.period_label}", align="L")
            self.set_x(self.l_margin)
            self.cell(0, 5, f"pagina {self.page_no()} van {{nb}}", align="R")
            self.set_text_color(0, 0, 0)

    pdf = PDF(format="A4")
    pdf.set_title(title)
    pdf.set_author(f"Gemeente {report.gemeente}, knelpuntenoverleg sociaal domein")
    pdf.set_creator("Maatwerkassistent")
    pdf.add_font("DejaVu", "", str(fonts / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(fonts / "DejaVuSans-Bold.ttf"))
    pdf.add_font("DejaVu", "I", str(fonts / "DejaVuSans-Oblique.ttf"))
    pdf.add_font("DejaVu", "BI", str(fonts / "DejaVuSans-BoldOblique.ttf"))
    pdf.set_margins(20, 18, 20)
    pdf.set_auto_page_break(True, margin=18)
    accent = (31, 111, 139)
    width = pdf.w - pdf.l_margin - pdf.r_margin

    def h1(text: str, new_page: bool = True) -> None:
        if new_page:
            pdf.add_page()
        pdf.start_section(text, level=0)
        pdf.set_font("DejaVu", "B", 15)
        pdf.set_text_color(*accent)
        pdf.multi_cell(0, 8, text, align="L", new_x="LMARGIN", new_y="NEXT")
        pdf.set_text_color(0, 0, 0)
        pdf.ln(2)

    def h2(text: str) -> None:
        if pdf.get_y() > pdf.h - 45:
            pdf.add_page()
        pdf.ln(2)
        pdf.start_section(text, level=1)
        pdf.set_font("DejaVu", "B", 11.5)
        pdf.set_text_color(*accent)
        pdf.multi_cell(0, 6, text, align="L", new_x="LMARGIN", new_y="NEXT")
        pdf.set_text_color(0, 0, 0)
        pdf.ln(1)

    def para(text: str, size: float = 9.5, style: str = "", gap: float = 2.0, indent: float = 0) -> None:
        pdf.set_font("DejaVu", style, size)
        if indent:
            pdf.set_x(pdf.l_margin + indent)
        pdf.multi_cell(width - indent, size * 0.52, text, align="L", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(gap)

    def labelled(label: str, text: str) -> None:
        pdf.set_font("DejaVu", "", 9.5)
        pdf.multi_cell(0, 4.9, f"**{label}:** {text}", markdown=True, align="L", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1.2)

    def table(headers: Sequence[str], rows: Sequence[Sequence[str]], widths: Sequence[float], size: float = 7.5) -> None:
        pdf.set_font("DejaVu", "", size)
        pdf.set_draw_color(200, 200, 200)
        heading = FontFace(emphasis="BOLD", fill_color=(223, 235, 241))
        # Numbers and percentages right-aligned, text left.
        align = tuple("RIGHT" if rows and all(re.fullmatch(r"[\d%.,–-]*", str(r[i])) for r in rows) else "LEFT"
                      for i in range(len(headers)))
        with pdf.table(col_widths=widths, width=width, text_align=align, line_height=size * 0.5,
                       headings_style=heading, padding=1.2, borders_layout="HORIZONTAL_LINES",
                       cell_fill_color=(246, 249, 251), cell_fill_mode="ROWS") as t:
            for row in [headers, *rows]:
                r = t.row()
                for cell in row:
                    r.cell(str(cell))
        pdf.ln(3)

    def image(name: str, w: float = 170) -> None:
        from PIL import Image

        with Image.open(io.BytesIO(report.charts[name])) as im:
            height = w * im.height / im.width
        if pdf.get_y() + height + 10 > pdf.h - pdf.b_margin:
            pdf.add_page()
        pdf.image(io.BytesIO(report.charts[name]), x=pdf.l_margin, w=w)
        pdf.set_font("DejaVu", "I", 8)
        pdf.set_text_color(90, 90, 90)
        pdf.multi_cell(0, 4, CHART_CAPTIONS[name], align="L", new_x="LMARGIN", new_y="NEXT")
        pdf.set_text_color(0, 0, 0)
        pdf.ln(3)

    # Page 1: title and the summary for bestuurders.
    pdf.add_page()
    pdf.set_font("DejaVu", "B", 19)
    pdf.set_text_color(*accent)
    pdf.multi_cell(0, 9, title, align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(80, 80, 80)
    pdf.set_font("DejaVu", "", 10)
    pdf.multi_cell(0, 5.5, f"Periode {report.period_label} · opgesteld {format_date(report.generated_on)} · "
                   "uit de casuslog, alleen goedgekeurde en geanonimiseerde casussen", align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(0, 0, 0)
    pdf.ln(4)
    # Key figures in a row of boxes.
    figures = [(str(report.total_cases), "goedgekeurde casussen"),
               (percent(report.share_deviated), "afgeweken van de regel"),
               (str(len(report.knelpunten)), "knelpunten"),
               (str(len(report.knelt_rules)), "artikelen die knellen")]
    box = (width - 3 * 4) / 4
    y = pdf.get_y()
    for i, (value, label) in enumerate(figures):
        x = pdf.l_margin + i * (box + 4)
        pdf.set_fill_color(234, 242, 246)
        pdf.rect(x, y, box, 19, style="F")
        pdf.set_xy(x, y + 2)
        pdf.set_font("DejaVu", "B", 15)
        pdf.set_text_color(*accent)
        pdf.cell(box, 8, value, align="C")
        pdf.set_xy(x, y + 11)
        pdf.set_font("DejaVu", "", 7.5)
        pdf.set_text_color(60, 60, 60)
        pdf.cell(box, 5, label, align="C")
    pdf.set_text_color(0, 0, 0)
    pdf.set_xy(pdf.l_margin, y + 25)
    pdf.start_section("Samenvatting voor het bestuur", level=0)
    pdf.set_font("DejaVu", "B", 13)
    pdf.set_text_color(*accent)
    pdf.cell(0, 7, "Samenvatting voor het bestuur", align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(0, 0, 0)
    pdf.ln(1)
    for lead, text in report.summary:
        pdf.set_font("DejaVu", "", 9.5)
        pdf.multi_cell(0, 5.0, f"**{lead}.** {text}", markdown=True, align="L", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(2.2)

    h1("In cijfers")
    for name in ("regels", "maanden", "uitkomsten"):
        image(name)
    h2("Per regel")
    headers, rows = _rule_table(report)
    table(headers, rows, (50, 19, 17, 18, 14, 17, 26, 11) if report.has_trend else (70, 19, 17, 18, 14, 17, 12), size=7)
    group_widths = (50, 20, 20, 20, 20, 40) if report.has_trend else (70, 25, 25, 25, 25)
    h2("Per domein")
    table(*_group_table("Domein", report.domains, report), group_widths[: 6 if report.has_trend else 5])
    h2("Per team")
    table(*_group_table("Team", report.teams, report), group_widths[: 6 if report.has_trend else 5])
    h2("Per maand")
    table(*_group_table("Maand", report.months, report, months=True), (70, 25, 25, 25, 25))
    if report.clusters:
        h2("Omstandigheden die terugkomen")
        table(["Kenmerkende woorden", "Aantal", "Voorbeeld", "Vooral bij"],
              [[c.name, str(c.cases), c.example, "; ".join(c.rules)] for c in report.clusters], (38, 16, 61, 55))
    if report.no_room_rules:
        h2("Regels zonder ruimte om af te wijken")
        for r in report.no_room_rules:
            para(f"•  {r.citation} ({r.layer_label}): {r.no_room} van {r.cases} casussen konden alleen als knelpunt "
                 f"worden vastgelegd.", gap=1)

    h1("De knelpunten")
    para("Per knelpunt: de regel en de laag waarin die staat, wat knelt, de gevolgen voor inwoners, hoe vaak en "
         "sinds wanneer, en enkele casussen zoals professionals ze vastlegden. Daarna de oplossingsrichting, wie "
         "het kan oplossen en de stand van zaken.", size=9, style="I")
    for heading, items in (("Op te lossen door de gemeente", report.local_knelpunten),
                           ("Op te lossen door het Rijk", report.national_knelpunten)):
        if not items:
            continue
        h2(heading)
        for k in items:
            if pdf.get_y() > pdf.h - 70:
                pdf.add_page()
            pdf.start_section(f"{k.nr}. {k.titel}", level=2)
            pdf.set_font("DejaVu", "B", 10.5)
            pdf.multi_cell(0, 5.4, f"{k.nr}. {k.titel}", align="L", new_x="LMARGIN", new_y="NEXT")
            if k.knelt:
                pdf.set_font("DejaVu", "B", 7.5)
                pdf.set_fill_color(192, 80, 77)
                pdf.set_text_color(255, 255, 255)
                pdf.cell(pdf.get_string_width("DIT ARTIKEL KNELT") + 4, 4.5, "DIT ARTIKEL KNELT", fill=True,
                         align="C", new_x="LMARGIN", new_y="NEXT")
                pdf.set_text_color(0, 0, 0)
                pdf.set_fill_color(255, 255, 255)
            pdf.ln(1.5)
            labelled("De regel", f"{k.rule}" + (f", versie {k.version}" if k.version else "") + f" ({k.layer_label})")
            labelled("Wat knelt", k.description)
            labelled("Gevolgen voor inwoners", k.consequences or "niet vastgelegd")
            labelled("Hoe vaak", f"{k.count} {'casus' if k.count == 1 else 'casussen'} in deze periode; gemeld sinds "
                                 f"{format_date(k.first_seen)}")
            for s in k.stories:
                pdf.set_font("DejaVu", "I", 8.8)
                needed = pdf.multi_cell(width - 8, 4.5, f"**{s.heading}.** {s.text}", markdown=True,
                                        dry_run=True, output="HEIGHT")
                if pdf.get_y() + needed > pdf.h - pdf.b_margin:
                    pdf.add_page()  # keep a story (and its margin line) on one page
                pdf.set_x(pdf.l_margin + 5)
                pdf.set_draw_color(*accent)
                y0 = pdf.get_y()
                pdf.multi_cell(width - 8, 4.5, f"**{s.heading}.** {s.text}", markdown=True,
                               align="L", new_x="LMARGIN", new_y="NEXT")
                if pdf.get_y() > y0:
                    pdf.line(pdf.l_margin + 2.5, y0 + 0.5, pdf.l_margin + 2.5, pdf.get_y() - 0.5)
                pdf.ln(1.5)
            labelled("Oplossingsrichting", (k.solution or "nog niet benoemd")
                     + (f" (type: {k.solution_type})" if k.solution_type else ""))
            labelled("Wie kan het oplossen", k.fixer)
            labelled("Status", k.status)
            pdf.ln(3)

    h1("Overzicht voor opvolging")
    table([_TABLE_HEADERS[c] for c in _TABLE_KNELPUNTEN],
          [[str(k.row()[c]) for c in _TABLE_KNELPUNTEN] for k in report.knelpunten],
          (7, 44, 32, 19, 22, 17, 12, 17), size=6.8)
    h1("Door te sturen aan het Rijk")
    if report.forwardable:
        para("Deze knelpunten liggen in landelijke wet- of regelgeving of bij een landelijke uitvoeringsorganisatie. "
             "De gemeente kan ze niet zelf oplossen; ze zijn klaar om te melden via de VNG, het meldpunt voor "
             "signalen uit de uitvoering of het ministerie.")
        for k in report.forwardable:
            if pdf.get_y() > pdf.h - 55:
                pdf.add_page()
            pdf.set_font("DejaVu", "B", 9.5)
            pdf.multi_cell(0, 5, f"{k.nr}. {k.titel}", align="L", new_x="LMARGIN", new_y="NEXT")
            pdf.ln(0.8)
            for label, text in _forward_lines(k):
                labelled(label, text)
            pdf.ln(2)
    else:
        para("Er zijn in deze periode geen landelijke knelpunten om door te sturen.")
    h2("Verantwoording")
    para(_method_note(report), size=8.5)
    return bytes(pdf.output())


# --------------------------------------------------------------------------- writing files


def render(report: KnelpuntenReport, fmt: str) -> bytes:
    """The report in one format, as bytes (text formats UTF-8; Markdown with embedded images)."""
    if fmt not in FORMATS:
        raise ReportError(f"Onbekend formaat '{fmt}'; kies uit: {', '.join(FORMATS)}.")
    if fmt == "md":
        return render_markdown(report).encode("utf-8")
    if fmt == "html":
        return render_html(report).encode("utf-8")
    if fmt == "csv":
        return ("\ufeff" + render_csv(report)).encode("utf-8")  # BOM: Excel opens it as UTF-8
    if fmt == "docx":
        return render_docx(report)
    return render_pdf(report)


def write_report(report: KnelpuntenReport, fmt: str, out: Path) -> list[Path]:
    """Write the report to out; Markdown gets its charts as PNG files in a folder beside it.
    Returns the files written."""
    if fmt not in FORMATS:
        raise ReportError(f"Onbekend formaat '{fmt}'; kies uit: {', '.join(FORMATS)}.")
    out = Path(out)
    if out.exists() and out.is_dir():
        raise ReportError(f"{out} is een map; geef een bestandsnaam op, bijv. {out / ('knelpunten.' + fmt)}.")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        written = []
        if fmt == "md":
            image_dir = out.with_name(out.stem + "-grafieken")
            image_dir.mkdir(exist_ok=True)
            links = {}
            for name, data in report.charts.items():
                path = image_dir / f"{name}.png"
                path.write_bytes(data)
                written.append(path)
                links[name] = f"{image_dir.name}/{name}.png"
            out.write_text(render_markdown(report, links), encoding="utf-8")
        else:
            out.write_bytes(render(report, fmt))
        written.insert(0, out)
        return written
    except OSError as exc:
        reason = {errno.ENOENT: "de map bestaat niet en kan niet worden aangemaakt",
                  errno.EACCES: "u hebt geen schrijfrechten", errno.EPERM: "u hebt geen schrijfrechten",
                  errno.EROFS: "het bestandssysteem is alleen-lezen", errno.ENOSPC: "de schijf is vol",
                  errno.EISDIR: "dat is een map", errno.ENOTDIR: "een deel van het pad is geen map"}.get(
                      exc.errno, "het besturingssysteem weigert het")
        raise ReportError(f"Kan niet schrijven naar {out}: {reason}. Kies een ander pad met --out.") from exc


# ---- one answer, for the professional: copy as Markdown, the draft motivering as DOCX -----------

def answer_sections(answer: dict[str, Any]) -> list[tuple[str, list[str] | str]]:
    """One answer (Answer.to_dict()) in the order the app shows it, each part once: (heading,
    paragraph text or a list of items). Shared by the Markdown and DOCX exports."""
    from assistant import answer_parts

    out: list[tuple[str, list[str] | str]] = []
    if answer.get("kort_antwoord"):
        out.append((f"Kort antwoord ({answer.get('oordeel') or 'zie toelichting'})", answer["kort_antwoord"]))
    if answer.get("warnings"):
        out.append(("Let op", list(answer["warnings"])))
    if answer.get("nog_nodig"):
        out.append(("Nog nodig om te beoordelen", list(answer["nog_nodig"])))
    r = answer.get("afwijkingsruimte") or {}
    if r:
        out.append(("Afwijkingsruimte", r.get("toelichting", "")))
    chain = answer_parts.chain_line(answer)
    if chain:
        out.append(("Keten van de regel", chain))
    precedents = [p.get("regel_kort") or p.get("id") for p in answer.get("precedents") or []]
    if precedents:
        out.append(("Eerdere besluiten", precedents))
    body = answer_parts.body(answer)
    if body:
        out.append(("Onderbouwing" if (answer.get("trace") or {}).get("backend") not in (None, "grounded")
                    else "Citaten per laag", body))
    if answer.get("motivering"):
        out.append(("Concept-motivering", "\n\n".join(f"{s['kop']}:\n{s['tekst']}" for s in answer["motivering"])))
    cites = answer.get("citations") or []
    if cites:
        out.append(("Bronnen", [f"[{c['n']}] {c['citation']}"
                                + (f" (geldig vanaf {c['valid_from']})" if c.get("valid_from") else "") for c in cites]))
    return out


def answer_markdown(answer: dict[str, Any]) -> str:
    """One answer as the professional copies it into a dossier: kort antwoord, what to watch out
    for, what is still needed, the room, the chain, the precedents in one line each, the quotes
    per layer, the draft motivering and the sources with version."""
    lines = [f"# Vraag\n\n{answer.get('question', '')}", f"Peildatum: {answer.get('peildatum', '')}"]
    for head, content in answer_sections(answer):
        if head == "Concept-motivering":
            content = "\n\n".join(f"**{s['kop']}**\n\n{s['tekst']}" for s in answer["motivering"])
        text = "\n".join(f"- {x}" for x in content) if isinstance(content, list) else content
        lines.append(f"## {head}\n\n{text}")
    lines.append("De professional beslist; dit antwoord is een hulpmiddel, geen besluit.")
    return "\n\n".join(lines) + "\n"


def answer_docx(answer: dict[str, Any]) -> bytes:
    """One answer as a Word document, the same parts as answer_markdown."""
    from docx import Document
    from docx.shared import Pt

    doc = Document()
    doc.styles["Normal"].font.name = "Calibri"
    doc.styles["Normal"].font.size = Pt(10.5)
    doc.add_heading("Antwoord van de Maatwerkassistent", level=1)
    p = doc.add_paragraph()
    p.add_run("Vraag: ").bold = True
    p.add_run(str(answer.get("question", "")))
    doc.add_paragraph(f"Peildatum: {answer.get('peildatum', '')}")
    for head, content in answer_sections(answer):
        doc.add_heading(head, level=2)
        if head == "Concept-motivering":
            for sec in answer["motivering"]:
                doc.add_heading(sec["kop"], level=3)
                for para in str(sec["tekst"]).split("\n"):
                    if para.strip():
                        doc.add_paragraph(para.strip())
        elif isinstance(content, list):
            for item in content:
                doc.add_paragraph(str(item), style="List Bullet")
        else:
            for para in str(content).split("\n"):
                if para.startswith("- "):
                    doc.add_paragraph(para[2:], style="List Bullet")
                elif para.strip():
                    doc.add_paragraph(para.strip())
    doc.add_paragraph("De professional beslist; dit antwoord is een hulpmiddel, geen besluit.")
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def motivering_docx(answer: dict[str, Any]) -> bytes:
    """The draft motivering of one answer as a Word document, with the sources it cites."""
    from docx import Document
    from docx.shared import Pt

    doc = Document()
    doc.styles["Normal"].font.name = "Calibri"
    doc.styles["Normal"].font.size = Pt(10.5)
    doc.add_heading("Concept-motivering", level=1)
    p = doc.add_paragraph()
    p.add_run("Vraag: ").bold = True
    p.add_run(str(answer.get("question", "")))
    doc.add_paragraph(f"Peildatum: {answer.get('peildatum', '')}")
    if answer.get("kort_antwoord"):
        doc.add_heading("Kort antwoord", level=2)
        doc.add_paragraph(answer["kort_antwoord"])
    for sec in answer.get("motivering") or []:
        doc.add_heading(sec["kop"], level=2)
        for para in str(sec["tekst"]).split("\n"):
            if para.strip():
                doc.add_paragraph(para.strip())
    if answer.get("citations"):
        doc.add_heading("Bronnen", level=2)
        for c in answer["citations"]:
            doc.add_paragraph(f"[{c['n']}] {c['citation']}"
                              + (f" (geldig vanaf {c['valid_from']})" if c.get("valid_from") else ""))
    doc.add_paragraph("Concept van de Maatwerkassistent. De professional beslist.")
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()
