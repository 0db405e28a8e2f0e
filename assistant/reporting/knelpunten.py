"""The knelpuntenrapportage: approved cases of a period -> where rules pinch, told as the stories
of how professionals acted and backed by numbers -> Markdown, HTML, DOCX, PDF (charts embedded)
and CSV. The package
assistant.reporting is the only one that imports matplotlib (charts.py), jinja2 (text.py), fpdf2
(pdf.py) and writes DOCX with python-docx (word.py; corpus/documents.py only reads it).

Aggregation (build_report) is pure: it takes Case read models and returns a KnelpuntenReport;
knelpunten_report() fetches the cases of the period, of the previous period of equal length
(for trends) and the knelpunt history (for "sinds"). Everything the report says is
pseudonymised text from the case log; placeholders are shown as "[…]" and a story that still
trips the personal-data detector is left out rather than printed.
"""

from __future__ import annotations


import datetime as dt
import errno
import re
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any, Sequence

from assistant.retrieval.analysis import STOPWORDS, content_terms, stem, words
from assistant.privacy import contains_personal_data
from assistant.reporting.model import Cluster, DEVIATED, FORMATS, GroupStats, Knelpunt, KnelpuntenReport, LAYER_ORDER, MONTHS, PROFESSIONAL_NOUN, ReportError, RuleStats, Story, UITKOMST_ORDER, SENTENCE_END, clean, first_sentence, jaccard, layer_of, month_key, months_between, no_room, rules_of, shorten, infer_layer, percent, previous_period
from assistant.reporting.text import render_csv, render_html, render_markdown
from assistant.reporting.word import render_docx
from assistant.reporting.pdf import render_pdf

# --------------------------------------------------------------------------- aggregation


_WEAK_WORDS = frozenset("eerste tweede derde sprake begonnen besteed ruim circa kort net sinds gemiddeld "
                        "inmiddels blijvend zelf weer andere meerdere".split())


def cluster_circumstances(cases: Sequence, min_cases: int = 3, limit: int = 8, threshold: float = 0.5) -> list[Cluster]:
    """Group the phrases of the pseudonymised situations (and knelpunt descriptions) by term
    overlap (leader clustering on Jaccard similarity of stemmed content words) and name each
    group by its most characteristic words (frequent in the group, rare elsewhere)."""
    phrases: list[tuple[int, str, set[str], str]] = []
    for case in cases:
        rule = rules_of(case)[0][0]
        for part in re.split(r"(?<=[.;])\s+", clean(case.situation)):
            part = part.strip(" .;")
            terms = content_terms(part, drop_common=False)
            if len(terms) >= 2:
                phrases.append((case.id, part, terms, rule))
    groups: list[dict[str, Any]] = []
    for case_id, text, terms, rule in phrases:
        best, best_sim = None, threshold
        for g in groups:
            sim = jaccard(terms, g["leader"])
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


def group_knelpunt_cases(cases: Sequence, threshold: float = 0.5) -> list[list]:
    """Knelpunt cases about the same rule, owner and (by term overlap) the same problem."""
    buckets: dict[tuple[str, str], list[list]] = defaultdict(list)
    for case in sorted(cases, key=lambda c: (c.reviewed_at or c.updated_at, c.id)):
        key = (rules_of(case)[0][0], case.knelpunt_owner or "gemeente")
        terms = content_terms(case.knelpunt_description or "", drop_common=False)
        for group in buckets[key]:
            if jaccard(terms, group[0]) >= threshold:
                group[1].append(case)
                break
        else:
            buckets[key].append([terms, [case]])
    return [(terms, members) for groups in buckets.values() for terms, members in groups]


_TITLE_BREAK = re.compile(r"[;:]|,\s+(?=(?:waardoor|terwijl|ook|omdat|zodat|maar|ook als|wanneer|als|en)\b)")


def knelpunt_title(description: str) -> str:
    """A heading from the description: its first clause, cut at a natural break, not mid-thought."""
    first = first_sentence(description).rstrip(".")
    parts = _TITLE_BREAK.split(first)
    head = parts[0].strip()
    if len(head) < 35 and len(parts) > 1:
        head = first
    return shorten(head, 125)


def _story(case) -> Story:
    when = case.reviewed_at or case.updated_at
    team = (case.team or "").strip()
    team = team[:1].lower() + team[1:] if team.lower().startswith("team ") else team
    heading = f"{MONTHS[when.month - 1].capitalize()} {when.year}" + (f", {team}" if team else "")
    noun = PROFESSIONAL_NOUN.get(case.domain or "", "professional")
    situation = clean(case.situation)
    sentences = SENTENCE_END.split(situation)
    situation = " ".join(sentences[:3])
    if situation and not situation.endswith((".", "!", "?")):
        situation += "."
    if case.uitkomst == "afgeweken":
        act = f"De {noun} week af van de regel"
    elif case.uitkomst == "gedeeltelijk":
        act = f"De {noun} week gedeeltelijk af van de regel"
    elif no_room(case):
        act = f"De {noun} vond geen ruimte om af te wijken"
    else:
        act = f"De {noun} paste de regel toe"
    motivering = shorten(first_sentence(clean(case.motivering)), 320)
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
            pick = min(pool, key=lambda c: max(jaccard(content_terms(c.situation or "", drop_common=False), content_terms(x.situation or "", drop_common=False))
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
    months = {k: GroupStats(k) for k in months_between(van, tot)}
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
        bump(months.setdefault(month_key(when), GroupStats(month_key(when))), case)
        for citation, version in rules_of(case):
            r = rules.setdefault((citation, version), RuleStats(citation, version, layer_of(case, citation)))
            r.cases += 1
            r.uitkomsten[case.uitkomst or "onbekend"] = r.uitkomsten.get(case.uitkomst or "onbekend", 0) + 1
            r.deviated += case.uitkomst in DEVIATED
            r.knelpunten += bool(case.knelpunt)
            r.no_room += no_room(case)
            r.pinch += case.uitkomst in DEVIATED or bool(case.knelpunt)
            rule_domains[(citation, version)][case.domain or "onbekend"] += 1
    for case in previous:
        if case.domain in domains:
            domains[case.domain].previous_cases += 1
        if case.team in teams:
            teams[case.team].previous_cases += 1
        for key in rules_of(case):
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
    history_groups = [(terms, members) for terms, members in group_knelpunt_cases(
        [c for c in history if c.knelpunt] + knelpunt_cases)]
    knelpunten = []
    for terms, members in group_knelpunt_cases(knelpunt_cases):
        latest = max(members, key=lambda c: (c.reviewed_at or c.updated_at, c.id))
        rule, version = rules_of(latest)[0]
        owner = latest.knelpunt_owner or "gemeente"
        description = Counter(clean(c.knelpunt_description) for c in members).most_common(1)[0][0]
        first = min((c.reviewed_at or c.updated_at) for c in members)
        for h_terms, h_members in history_groups:
            if latest in h_members:
                first = min(first, *((c.reviewed_at or c.updated_at) for c in h_members))
        def common(attr: str) -> str:
            values = [clean(getattr(c, attr)) for c in members if getattr(c, attr)]
            return Counter(values).most_common(1)[0][0] if values else ""
        rule_stats = rules.get((rule, version))
        knelpunten.append(Knelpunt(
            nr=0, titel=knelpunt_title(description), rule=rule, version=version,
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
        raise ReportError("De begindatum ({van}) ligt na de einddatum ({tot}).", fields=("van", "tot"))
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
        raise ReportError(f"Kan niet schrijven naar {out}: {reason}. Kies een ander pad met {{out}}.", fields=("out",)) from exc
