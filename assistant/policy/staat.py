"""The staat van de uitvoering: one calendar year of approved cases in one document for the
gemeentesecretaris and the raad. Built on the knelpuntenrapportage of that year (volumes and
outcomes per domain and team, rules that pinch with their trend against the year before, the
stories), plus what became of the knelpunten during the year (their status over time) and a
vereenvoudigingsagenda: the rules ranked by the deviations and knelpunten they cause, each with
the proposed change and who can make it (college, raad, Rijk).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from assistant.errors import MaatwerkError
from assistant.reporting.document import Doc
from assistant.reporting.knelpunten import group_knelpunt_cases, knelpunten_report
from assistant.reporting.model import (
    FIXER,
    LAYER_LABELS,
    MONTHS,
    KnelpuntenReport,
    format_date,
    group_table,
    percent,
    rule_table,
)

# Who can change a rule of each layer (when no knelpunt names a solution).
MAKER = {"beleidsregel": "college", "verordening": "gemeenteraad", "wet": "Rijk (wetgever)",
         "amvb": "Rijk (kabinet)", "ministeriele_regeling": "Rijk (minister)",
         "werkinstructie": "uitvoering (teamleider)", "richtsnoer": "uitvoering (teamleider)"}


class StaatError(MaatwerkError):
    """The staat cannot be made as asked; the Dutch message says why and nothing was written."""


@dataclass
class StatusPath:
    nr: int
    title: str
    rule: str
    start: str  # status at the start of the year (or when first reported in it)
    end: str
    path: list[tuple[str, str]]  # (month, status) at each change

    @property
    def changed(self) -> bool:
        return self.start != self.end


@dataclass
class AgendaItem:
    rank: int
    rule: str
    layer: str
    cases: int
    deviated: int
    knelpunten: int
    trend: str
    proposal: str
    who: str


@dataclass
class Staat:
    jaar: int
    report: KnelpuntenReport
    statuses: list[StatusPath] = field(default_factory=list)
    agenda: list[AgendaItem] = field(default_factory=list)

    def to_summary(self) -> dict[str, Any]:
        r = self.report
        return {"jaar": self.jaar, "gemeente": r.gemeente, "casussen": r.total_cases, "afgeweken": r.deviated,
                "vorig_jaar": r.previous_total, "knelpunten": len(r.knelpunten),
                "knelpunten_met_nieuwe_status": sum(s.changed for s in self.statuses),
                "vereenvoudigingsagenda": [{"regel": a.rule, "afgeweken": a.deviated, "knelpunten": a.knelpunten,
                                            "wie": a.who} for a in self.agenda]}


def _month(moment: dt.datetime) -> str:
    return f"{MONTHS[moment.month - 1]} {moment.year}"


def status_paths(report: KnelpuntenReport, year_cases, history) -> list[StatusPath]:
    """Per knelpunt: its status when the year began (the last report before it) or when it was
    first reported in the year, every change after that, and its status at the end."""
    groups = group_knelpunt_cases([c for c in history if c.knelpunt] + [c for c in year_cases if c.knelpunt])
    out = []
    for k in report.knelpunten:
        members = next((m for _, m in groups if any(c.id in k.case_ids for c in m)), [])
        members = sorted(members, key=lambda c: (c.reviewed_at or c.updated_at, c.id))
        before = [c for c in members if c.id not in k.case_ids]
        inside = [c for c in members if c.id in k.case_ids]
        if not inside:
            continue
        start = (before[-1].knelpunt_status if before else inside[0].knelpunt_status) or "open"
        path, last = [], start
        for c in inside:
            status = c.knelpunt_status or "open"
            if status != last:
                path.append((_month(c.reviewed_at or c.updated_at), status))
                last = status
        out.append(StatusPath(k.nr, k.titel, k.rule, start, last, path))
    return out


def agenda(report: KnelpuntenReport, limit: int = 10) -> list[AgendaItem]:
    """The rules that cause the most deviations and knelpunten, with the proposed change (the
    knelpunten's own oplossingsrichting where there is one) and who can make it."""
    ranked = sorted((r for r in report.rules if r.deviated or r.knelpunten),
                    key=lambda r: (-(r.deviated + r.knelpunten), -r.cases, r.citation))
    merged: dict[str, Any] = {}
    for r in ranked:  # one line per rule, whatever its versions
        m = merged.setdefault(r.citation, {"layer": r.layer, "cases": 0, "deviated": 0, "knelpunten": 0,
                                           "trend": r.trend})
        m["cases"] += r.cases
        m["deviated"] += r.deviated
        m["knelpunten"] += r.knelpunten
    items = []
    for citation, m in sorted(merged.items(), key=lambda kv: (-(kv[1]["deviated"] + kv[1]["knelpunten"]),
                                                               -kv[1]["cases"], kv[0]))[:limit]:
        ks = [k for k in report.knelpunten if k.rule == citation]
        if ks:
            k = max(ks, key=lambda k: k.count)
            proposal = k.solution or "oplossingsrichting nog niet benoemd"
            who = k.fixer
        else:
            proposal = (f"Nog geen voorstel uit de casussen: nagaan waarom in {m['deviated']} van de {m['cases']} "
                        f"casussen is afgeweken, en of de regel dat zelf kan regelen.")
            who = MAKER.get(m["layer"], FIXER.get(("gemeente", m["layer"]), "gemeente"))
        items.append(AgendaItem(len(items) + 1, citation, m["layer"], m["cases"], m["deviated"], m["knelpunten"],
                                m["trend"], proposal, who))
    return items


def staat_van_de_uitvoering(log, jaar: int, *, knelt_min_cases: int = 3, knelt_min_share: float = 0.5,
                            gemeente: str = "Lindewaarde") -> Staat:
    if not 1900 < jaar < 3000:
        raise StaatError(f"'{jaar}' is geen geldig jaar; gebruik vier cijfers, bijv. 2026.")
    van, tot = dt.date(jaar, 1, 1), dt.date(jaar, 12, 31)
    report = knelpunten_report(log, van, tot, knelt_min_cases=knelt_min_cases, knelt_min_share=knelt_min_share,
                               gemeente=gemeente)
    if not report.total_cases:
        raise StaatError(f"In {jaar} is geen enkele casus goedgekeurd; er is geen staat van de uitvoering te maken. "
                         f"Er is niets geschreven. Kies een jaar met goedgekeurde casussen.")
    year_cases = log.approved_cases(van, tot)
    history = log.approved_cases(None, van - dt.timedelta(days=1), knelpunt_only=True)
    return Staat(jaar, report, status_paths(report, year_cases, history), agenda(report))


# --------------------------------------------------------------------------- the document


def staat_document(s: Staat) -> Doc:
    r = s.report
    doc = Doc(title=f"Staat van de uitvoering {s.jaar}",
              subtitle=(f"Sociaal domein gemeente {r.gemeente} · {r.period_label} · opgesteld "
                        f"{format_date(r.generated_on)} · voor de gemeentesecretaris en de raad · uit de casuslog, "
                        f"alleen goedgekeurde en gepseudonimiseerde casussen"),
              footer=f"Staat van de uitvoering {s.jaar} · gemeente {r.gemeente}", author=f"Gemeente {r.gemeente}")
    doc.figures([(str(r.total_cases), "goedgekeurde casussen"), (percent(r.share_deviated), "afgeweken van de regel"),
                 (str(len(r.knelpunten)), "knelpunten"), (str(len(s.agenda)), "regels op de agenda")])
    doc.h1("Het jaar in het kort")
    for lead, text in r.summary:
        doc.labelled(lead, text)
    changed = [p for p in s.statuses if p.changed]
    if s.statuses:
        doc.labelled("Opvolging", f"Van de {len(s.statuses)} knelpunten kregen er {len(changed)} in {s.jaar} een "
                                  f"nieuwe status; {sum(p.end == 'opgelost' for p in s.statuses)} zijn opgelost.")
    if s.agenda:
        top = "; ".join(a.rule for a in s.agenda[:3])
        doc.labelled("Vereenvoudigen", f"De meeste afwijkingen en knelpunten komen van: {top}. De "
                                       f"vereenvoudigingsagenda aan het eind noemt per regel het voorstel en wie het "
                                       f"kan uitvoeren.")

    doc.h1("Volumes en uitkomsten")
    doc.image(r.charts["maanden"], "Goedgekeurde casussen per maand, het deel waarin is afgeweken, en de "
                                   "knelpuntmeldingen.")
    doc.h2("Per domein")
    doc.table(*group_table("Domein", r.domains, r), (50, 20, 20, 20, 20, 40)[: 6 if r.has_trend else 5])
    doc.h2("Per team")
    doc.table(*group_table("Team", r.teams, r), (50, 20, 20, 20, 20, 40)[: 6 if r.has_trend else 5])

    doc.h1("Regels die knellen")
    doc.note(f"‘Knelt’: minstens {r.knelt_min_cases} casussen bij de regel knelden (afgeweken of knelpunt gemeld), en "
             f"dat is minstens {percent(r.knelt_min_share)} van de casussen bij die regel. De trend vergelijkt met "
             f"{s.jaar - 1}.")
    doc.image(r.charts["regels"], "Casussen per regel, naar uitkomst (top 10). ‘knelt’: het signaal is afgegeven.")
    headers, rows = rule_table(r)
    doc.table(headers, rows[:15], (50, 19, 17, 18, 14, 17, 26, 11) if r.has_trend else (70, 19, 17, 18, 14, 17, 12))

    doc.h1("Verhalen uit de uitvoering")
    doc.note("Zoals professionals de casussen vastlegden, gepseudonimiseerd; één per knelpunt, de grootste eerst.")
    shown = 0
    for k in sorted(r.knelpunten, key=lambda k: -k.count):
        if k.stories and shown < 5:
            st = k.stories[-1]
            doc.quote(f"{st.heading} — {k.titel}", st.text)
            shown += 1
    if not shown:
        doc.p("Er zijn dit jaar geen verhalen bij knelpunten vastgelegd.")

    doc.h1("Wat er met de knelpunten is gedaan")
    if s.statuses:
        doc.table(["Nr.", "Knelpunt", "Regel", "Begin", "Eind", "Verloop"],
                  [[str(p.nr), p.title, p.rule, p.start, p.end,
                    "; ".join(f"{m}: {st}" for m, st in p.path) or "ongewijzigd"] for p in s.statuses],
                  (7, 50, 36, 20, 20, 37))
    else:
        doc.p("Er zijn dit jaar geen knelpunten gemeld.")

    doc.h1("Vereenvoudigingsagenda")
    doc.note("Afw.: casussen waarin (gedeeltelijk) is afgeweken; Knelpunt: casussen met een knelpuntmelding. "
             "Regels gerangschikt naar het aantal afwijkingen plus knelpunten dat ze dit jaar veroorzaakten. Het "
             "voorstel komt uit de oplossingsrichting die professionals bij hun knelpunten noteerden; wie het kan "
             "uitvoeren volgt uit de laag van de regel (beleidsregel: college, verordening: raad, wet: Rijk).")
    if s.agenda:
        doc.table(["#", "Regel", "Laag", "Afw.", "Knelpunt", "Trend", "Voorstel", "Wie"],
                  [[str(a.rank), a.rule, LAYER_LABELS.get(a.layer, a.layer), str(a.deviated), str(a.knelpunten),
                    a.trend, a.proposal, a.who] for a in s.agenda], (7, 33, 19, 9, 14, 21, 49, 24))
    else:
        doc.p("Geen regel veroorzaakte dit jaar afwijkingen of knelpunten.")
    doc.h2("Verantwoording")
    per_domain = Counter(c for c in (d.name for d in r.domains))
    doc.note(f"Alle cijfers komen uit de casuslog van {r.gemeente}: casussen die in {s.jaar} volgens het "
             f"vier-ogenprincipe zijn goedgekeurd ({r.total_cases}, in {len(per_domain)} domeinen), vergeleken met "
             f"{s.jaar - 1} ({r.previous_total}). Teksten zijn bij het vastleggen gepseudonimiseerd; verhalen waarin de "
             f"detector nog een persoonsgegeven ziet, zijn weggelaten. Het verloop van een knelpunt volgt uit de "
             f"status die bij elke nieuwe melding is vastgelegd.")
    return doc
