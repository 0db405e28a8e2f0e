"""The knelpuntenrapportage's model: what a report holds (rules, groups, clusters, stories,
knelpunten) and the small helpers that read cases and word dates, shares and trends."""

from __future__ import annotations


import datetime as dt
import re
import textwrap
from dataclasses import dataclass, field
from collections import Counter
from typing import Any, Iterable

from assistant.privacy import PLACEHOLDER_RE
from assistant.errors import MaatwerkError

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
SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"„(])")


class ReportError(MaatwerkError):
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
            from assistant.reporting.charts import render_charts  # charts.py reads this model

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


def clean(text: str | None) -> str:
    """Pseudonymised text as a reader sees it: placeholders become "[…]", whitespace tidy."""
    return " ".join(PLACEHOLDER_RE.sub("[…]", text or "").split())


def first_sentence(text: str) -> str:
    return SENTENCE_END.split(text.strip(), maxsplit=1)[0] if text else ""


def shorten(text: str, limit: int) -> str:
    # Whole words only: never cut "Wlz-bijdrage" after its hyphen.
    return text if len(text) <= limit else textwrap.shorten(text, width=limit, placeholder=" …",
                                                            break_on_hyphens=False)


def jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


def rules_of(case) -> list[tuple[str, str]]:
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


def no_room(case) -> bool:
    return _ruimte(case).get("basis") == "geen"


def layer_of(case, citation: str) -> str:
    ruimte = _ruimte(case)
    layer = ruimte.get("layer")
    if layer in LAYER_LABELS and (not ruimte.get("rule") or ruimte.get("rule") == citation):
        return layer
    return infer_layer(citation)


def month_key(moment: dt.datetime) -> str:
    return f"{moment.year:04d}-{moment.month:02d}"


def months_between(van: dt.date, tot: dt.date) -> list[str]:
    keys, y, m = [], van.year, van.month
    while (y, m) <= (tot.year, tot.month):
        keys.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return keys


def previous_period(van: dt.date, tot: dt.date) -> tuple[dt.date, dt.date]:
    length = (tot - van).days + 1
    return van - dt.timedelta(days=length), van - dt.timedelta(days=1)


# --------------------------------------------------------------------------- shared by the renderers


TABLE_KNELPUNTEN = ("nr", "titel", "regel", "laag", "wie_lost_op", "status", "aantal_casussen", "sinds")
TABLE_HEADERS = {"nr": "Nr.", "titel": "Knelpunt", "regel": "Regel", "laag": "Laag", "wie_lost_op": "Wie lost op",
                  "status": "Status", "aantal_casussen": "Aantal", "sinds": "Sinds"}


def rule_table(report: KnelpuntenReport) -> tuple[list[str], list[list[str]]]:
    headers = ["Regel", "Laag", "Casussen", "Afgeweken", "Aandeel", "Knelpunt", "Knelt"]
    seen = Counter(r.citation for r in report.rules)  # a rule in two versions shows its version
    rows = [[r.label if seen[r.citation] > 1 else r.citation, r.layer_label, str(r.cases), str(r.deviated), percent(r.share_deviated), str(r.knelpunten),
             "ja" if r.knelt else ""] for r in report.rules]
    if report.has_trend:
        headers.insert(6, "Trend")
        for row, r in zip(rows, report.rules):
            row.insert(6, r.trend)
    return headers, rows


def group_table(first: str, groups: Iterable[GroupStats], report: KnelpuntenReport,
                 months: bool = False) -> tuple[list[str], list[list[str]]]:
    trend = report.has_trend and not months
    headers = [first, "Casussen", "Afgeweken", "Aandeel", "Knelpunt"] + (["Trend"] if trend else [])
    rows = [[month_label(g.name) if months else g.name, str(g.cases), str(g.deviated), percent(g.share_deviated),
             str(g.knelpunten)] + ([g.trend] if trend else []) for g in groups]
    return headers, rows


def forward_lines(k: Knelpunt) -> list[tuple[str, str]]:
    """What a signal to the Rijk needs, without repeating the title."""
    lines = [("De regel", f"{k.rule} ({k.layer_label})")]
    if k.description.rstrip(".") != k.titel.rstrip("."):
        lines.append(("Wat knelt", k.description))
    lines += [("Gevolg voor inwoners", k.consequences or "niet vastgelegd"),
              ("Voorstel", k.solution or "nog niet benoemd"),
              ("Omvang", f"{k.count} {'casus' if k.count == 1 else 'casussen'} in deze periode, gemeld sinds "
                         f"{format_date(k.first_seen)}; status: {k.status}")]
    return lines


def method_note(r: KnelpuntenReport) -> str:
    return (f"De cijfers komen uit de casuslog van {r.gemeente}: alleen casussen die in de periode door een kwaliteitsmedewerker zijn "
            f"goedgekeurd (vier ogen). Alle teksten zijn bij het vastleggen gepseudonimiseerd; waar een vervangen "
            f"gegeven stond, staat ‘[…]’. ‘Afgeweken’ telt geheel en gedeeltelijk afwijken. Het signaal ‘dit artikel "
            f"knelt’ gaat af als minstens {r.knelt_min_cases} casussen bij een regel knelden (afgeweken of knelpunt "
            f"gemeld) en dat minstens {percent(r.knelt_min_share)} van de casussen bij die regel is. Trends vergelijken "
            f"met de even lange periode ervoor ({format_date(r.previous_van)} tot en met {format_date(r.previous_tot)}). "
            f"Knelpuntmeldingen over dezelfde regel en hetzelfde probleem (woordoverlap) zijn samengevoegd; "
            f"terugkerende omstandigheden zijn gevonden door zinsdelen uit de situaties te groeperen op gedeelde "
            f"woorden.")
