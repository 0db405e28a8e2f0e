"""The one-overheid export: the knelpunten in rules of the Rijk, as a documented, versioned file
that any gemeente can send and any receiver can merge (schema: docs/signalen-schema.md).

`export_signalen` turns a period of approved cases into signals: per national rule (BWB id,
article, version) and problem, the counts, the clusters of circumstances, anonymised stories,
the proposed solution and the status. No case numbers, no team or professional, no personal
data: every text passes the personal-data detector or is left out. `merge_signalen` reads the
files of several gemeenten and merges them into one report, deduplicating by rule and solution.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence


from assistant.errors import MaatwerkError
from assistant.corpus.documents import front_matters
from assistant.retrieval.analysis import content_terms
from assistant.reporting.document import Doc
from assistant.privacy import PLACEHOLDER_RE, contains_personal_data
from assistant.curation import rule_key
from assistant.reporting.knelpunten import cluster_circumstances, knelpunten_report
from assistant.reporting.model import format_date

SCHEMA = "maatwerk-signalen"
SCHEMA_VERSION = 1
SUPPORTED_VERSIONS = (1,)
CSV_COLUMNS = ("schema", "schema_versie", "gemeente", "periode_van", "periode_tot", "citeertitel", "bwb_id",
               "artikel", "versie", "titel", "wat_knelt", "gevolgen", "aantal_casussen", "aantal_afgeweken",
               "omstandigheden", "verhalen", "voorstel", "type_oplossing", "status", "domeinen", "gemeld_sinds")
SAME_SOLUTION = 0.4  # word overlap of two proposals above which they are one proposal


class SignalenError(MaatwerkError):
    """Bad input for the export or import; the Dutch message says why and nothing was written."""


def _clean(text: str | None) -> str:
    return " ".join(PLACEHOLDER_RE.sub("[…]", text or "").split())


def _safe(text: str) -> str:
    """The text, or '' when the personal-data detector still finds something in it."""
    return "" if contains_personal_data(text) else text


def bwb_ids(corpus_dir: Path | None) -> dict[str, str]:
    """Regulation (as rule_key reads a citation) -> BWB id, from the front matter of the national
    laws in the corpus folder."""
    out: dict[str, str] = {}
    if corpus_dir is None or not Path(corpus_dir).is_dir():
        return out
    for _, fm in front_matters(Path(corpus_dir)):
        if fm.get("bwb_id") and fm.get("citation"):
            out.setdefault(rule_key(str(fm["citation"]))[0], str(fm["bwb_id"]))
    return out


# --------------------------------------------------------------------------- export


def export_signalen(log, van: dt.date, tot: dt.date, *, gemeente: str, corpus_dir: Path | None = None,
                    today: dt.date | None = None) -> dict[str, Any]:
    """The national knelpunten of [van, tot] as a signalen document (a dict in the schema)."""
    report = knelpunten_report(log, van, tot, gemeente=gemeente)
    if not report.total_cases:
        raise SignalenError(f"Van {format_date(van)} tot en met {format_date(tot)} is geen enkele casus goedgekeurd; "
                            "er zijn geen signalen te exporteren. Er is niets geschreven.")
    cases = {c.id: c for c in log.approved_cases(van, tot)}
    ids = bwb_ids(corpus_dir)
    signalen = []
    for k in report.national_knelpunten:
        members = [cases[i] for i in k.case_ids if i in cases]
        base, article = rule_key(k.rule)
        clusters = cluster_circumstances(members, min_cases=2, limit=5)
        stories = [s for s in (_safe(st.text) for st in k.stories) if s]
        signalen.append({
            "regel": {"citeertitel": k.rule, "bwb_id": ids.get(base), "artikel": article, "versie": k.version or None},
            "titel": _safe(_clean(k.titel)), "wat_knelt": _safe(_clean(k.description)),
            "gevolgen": _safe(_clean(k.consequences)),
            "aantal_casussen": k.count, "aantal_afgeweken": sum(c.uitkomst in ("afgeweken", "gedeeltelijk")
                                                               for c in members),
            "omstandigheden": [{"cluster": c.name, "voorbeeld": _safe(_clean(c.example)), "aantal": c.cases}
                               for c in clusters if _safe(c.name)],
            "verhalen": stories,
            "oplossing": {"voorstel": _safe(_clean(k.solution)), "type": k.solution_type or None},
            "status": k.status, "domeinen": k.domains, "gemeld_sinds": k.first_seen.strftime("%Y-%m"),
        })
    return {"schema": SCHEMA, "schema_versie": SCHEMA_VERSION, "gemeente": gemeente,
            "periode": {"van": van.isoformat(), "tot": tot.isoformat()},
            "aangemaakt": (today or dt.date.today()).isoformat(), "signalen": signalen}


def to_json(data: dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def to_csv(data: dict[str, Any]) -> str:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=CSV_COLUMNS)
    w.writeheader()
    for s in data["signalen"]:
        w.writerow({
            "schema": data["schema"], "schema_versie": data["schema_versie"], "gemeente": data["gemeente"],
            "periode_van": data["periode"]["van"], "periode_tot": data["periode"]["tot"],
            "citeertitel": s["regel"]["citeertitel"], "bwb_id": s["regel"]["bwb_id"] or "",
            "artikel": s["regel"]["artikel"] or "", "versie": s["regel"]["versie"] or "", "titel": s["titel"],
            "wat_knelt": s["wat_knelt"], "gevolgen": s["gevolgen"], "aantal_casussen": s["aantal_casussen"],
            "aantal_afgeweken": s["aantal_afgeweken"],
            "omstandigheden": "; ".join(f"{c['cluster']} ({c['aantal']})" for c in s["omstandigheden"]),
            "verhalen": " | ".join(s["verhalen"]), "voorstel": s["oplossing"]["voorstel"],
            "type_oplossing": s["oplossing"]["type"] or "", "status": s["status"],
            "domeinen": ", ".join(s["domeinen"]), "gemeld_sinds": s["gemeld_sinds"]})
    return buf.getvalue()


# --------------------------------------------------------------------------- import


def _from_csv(text: str, name: str) -> dict[str, Any]:
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    if not rows:
        raise SignalenError(f"{name}: het CSV-bestand heeft geen signalen.")
    first = rows[0]
    missing = [c for c in ("schema", "schema_versie", "gemeente", "citeertitel") if c not in first]
    if missing:
        raise SignalenError(f"{name}: dit is geen signalenbestand (kolom {', '.join(missing)} ontbreekt).")
    data = {"schema": first["schema"], "schema_versie": first["schema_versie"], "gemeente": first["gemeente"],
            "periode": {"van": first.get("periode_van"), "tot": first.get("periode_tot")}, "signalen": []}
    for r in rows:
        def num(key: str) -> int:
            try:
                return int(r.get(key) or 0)
            except ValueError:
                raise SignalenError(f"{name}: '{r.get(key)}' in kolom {key} is geen getal.") from None
        clusters = []
        for part in filter(None, (p.strip() for p in (r.get("omstandigheden") or "").split(";"))):
            m = re.match(r"(.*)\((\d+)\)$", part)
            clusters.append({"cluster": (m.group(1) if m else part).strip(), "aantal": int(m.group(2)) if m else 1})
        data["signalen"].append({
            "regel": {"citeertitel": r["citeertitel"], "bwb_id": r.get("bwb_id") or None,
                      "artikel": r.get("artikel") or None, "versie": r.get("versie") or None},
            "titel": r.get("titel", ""), "wat_knelt": r.get("wat_knelt", ""), "gevolgen": r.get("gevolgen", ""),
            "aantal_casussen": num("aantal_casussen"), "aantal_afgeweken": num("aantal_afgeweken"),
            "omstandigheden": clusters, "verhalen": [v for v in (r.get("verhalen") or "").split(" | ") if v],
            "oplossing": {"voorstel": r.get("voorstel", ""), "type": r.get("type_oplossing") or None},
            "status": r.get("status", ""), "domeinen": [d.strip() for d in (r.get("domeinen") or "").split(",")
                                                        if d.strip()],
            "gemeld_sinds": r.get("gemeld_sinds") or None})
    return data


def read_signalen(path: Path) -> dict[str, Any]:
    """One gemeente's signalen file (JSON or CSV), checked against the schema. SignalenError
    (Dutch) for anything else, including an unknown schema version."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SignalenError(f"{path}: bestand bestaat niet.") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SignalenError(f"{path.name}: niet te lezen als UTF-8-tekst ({exc.__class__.__name__}).") from None
    if path.suffix.lower() == ".csv":
        data = _from_csv(text, path.name)
    else:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise SignalenError(f"{path.name}: geen geldige JSON (regel {exc.lineno}: {exc.msg}).") from None
    if not isinstance(data, dict) or data.get("schema") != SCHEMA:
        raise SignalenError(f"{path.name}: dit is geen signalenbestand (het veld schema moet '{SCHEMA}' zijn).")
    try:
        version = int(str(data.get("schema_versie")))
    except ValueError:
        version = None
    if version not in SUPPORTED_VERSIONS:
        raise SignalenError(f"{path.name}: onbekende schemaversie '{data.get('schema_versie')}'; deze versie van de "
                            f"assistent leest versie {', '.join(map(str, SUPPORTED_VERSIONS))}. Vraag de afzender om "
                            f"een export in die versie, of werk de assistent bij.")
    if not str(data.get("gemeente") or "").strip():
        raise SignalenError(f"{path.name}: de gemeente ontbreekt.")
    if not isinstance(data.get("signalen"), list):
        raise SignalenError(f"{path.name}: de lijst signalen ontbreekt.")
    for i, s in enumerate(data["signalen"], 1):
        if not isinstance(s, dict) or not isinstance(s.get("regel"), dict) or not s["regel"].get("citeertitel"):
            raise SignalenError(f"{path.name}: signaal {i} heeft geen regel (regel.citeertitel).")
        if not isinstance(s.get("aantal_casussen"), int) or s["aantal_casussen"] < 0:
            raise SignalenError(f"{path.name}: signaal {i} heeft geen geldig aantal_casussen.")
    data["schema_versie"] = version
    return data


@dataclass
class MergedSignal:
    citation: str
    bwb_id: str | None
    article: str | None
    title: str
    problem: str
    consequences: str
    proposal: str
    solution_type: str | None
    cases: int = 0
    deviated: int = 0
    per_gemeente: dict[str, int] = field(default_factory=dict)
    statuses: dict[str, str] = field(default_factory=dict)
    clusters: Counter = field(default_factory=Counter)
    stories: list[tuple[str, str]] = field(default_factory=list)  # (gemeente, text)
    versions: set[str] = field(default_factory=set)


@dataclass
class Merged:
    files: list[dict[str, Any]]
    signals: list[MergedSignal]

    @property
    def gemeenten(self) -> list[str]:
        return sorted({f["gemeente"] for f in self.files})

    def to_dict(self) -> dict[str, Any]:
        return {"schema": SCHEMA + "-samengevoegd", "schema_versie": SCHEMA_VERSION, "gemeenten": self.gemeenten,
                "signalen": [{"regel": {"citeertitel": s.citation, "bwb_id": s.bwb_id, "artikel": s.article,
                                        "versies": sorted(s.versions)},
                              "titel": s.title, "wat_knelt": s.problem, "gevolgen": s.consequences,
                              "oplossing": {"voorstel": s.proposal, "type": s.solution_type},
                              "aantal_casussen": s.cases, "aantal_afgeweken": s.deviated,
                              "per_gemeente": s.per_gemeente, "status_per_gemeente": s.statuses,
                              "omstandigheden": [{"cluster": c, "aantal": n} for c, n in s.clusters.most_common()],
                              "verhalen": [{"gemeente": g, "tekst": t} for g, t in s.stories]}
                             for s in self.signals]}


def _rule_identity(s: dict[str, Any]) -> tuple[str, str]:
    r = s["regel"]
    base, art = rule_key(r["citeertitel"])
    return (r.get("bwb_id") or base, str(r.get("artikel") or art or "").lower())


def merge_signalen(files: Sequence[dict[str, Any]]) -> Merged:
    """One signal per rule and proposed solution: the same rule with proposals that share most
    of their words is one signal; counts, circumstances and stories are added up."""
    if not files:
        raise SignalenError("Geef minstens één signalenbestand op.")
    seen = Counter(f["gemeente"] for f in files)
    double = [g for g, n in seen.items() if n > 1]
    if double:
        raise SignalenError(f"Twee bestanden van dezelfde gemeente ({', '.join(double)}): dan telt alles dubbel. "
                            "Geef per gemeente één bestand op.")
    merged: list[tuple[tuple[str, str], set[str], MergedSignal]] = []
    for f in files:
        g = f["gemeente"]
        for s in f["signalen"]:
            ident = _rule_identity(s)
            proposal = (s.get("oplossing") or {}).get("voorstel") or ""
            terms = content_terms(proposal or s.get("wat_knelt") or "")
            target = None
            for key, t, m in merged:
                if key == ident and (len(terms & t) / len(terms | t) if terms and t else not terms and not t) \
                        >= SAME_SOLUTION:
                    target = m
                    break
            if target is None:
                r = s["regel"]
                target = MergedSignal(r["citeertitel"], r.get("bwb_id"), r.get("artikel"), s.get("titel") or "",
                                      s.get("wat_knelt") or "", s.get("gevolgen") or "", proposal,
                                      (s.get("oplossing") or {}).get("type"))
                merged.append((ident, terms, target))
            target.cases += int(s.get("aantal_casussen") or 0)
            target.deviated += int(s.get("aantal_afgeweken") or 0)
            target.per_gemeente[g] = target.per_gemeente.get(g, 0) + int(s.get("aantal_casussen") or 0)
            target.statuses[g] = s.get("status") or "onbekend"
            if s["regel"].get("versie"):
                target.versions.add(str(s["regel"]["versie"]))
            for c in s.get("omstandigheden") or []:
                target.clusters[c.get("cluster", "")] += int(c.get("aantal") or 0)
            for text in (s.get("verhalen") or [])[:2]:
                if text and not contains_personal_data(text):
                    target.stories.append((g, text))
    signals = sorted((m for _, _, m in merged), key=lambda m: (-len(m.per_gemeente), -m.cases, m.citation))
    return Merged(list(files), signals)


def merged_document(m: Merged, today: dt.date | None = None) -> Doc:
    today = today or dt.date.today()
    names = ", ".join(m.gemeenten)
    periods = sorted({f"{f['periode'].get('van')} – {f['periode'].get('tot')}" for f in m.files
                      if isinstance(f.get("periode"), dict)})
    doc = Doc(title="Signalen uit de uitvoering voor het Rijk",
              subtitle=(f"Samengevoegd uit de exports van {len(m.gemeenten)} gemeenten ({names}) · periode "
                        f"{'; '.join(periods) or 'onbekend'} · opgesteld {format_date(today)} · zonder "
                        f"casusnummers of persoonsgegevens"),
              footer=f"Signalen uit de uitvoering · {names}")
    doc.figures([(str(len(m.signals)), "signalen"), (str(sum(s.cases for s in m.signals)), "casussen"),
                 (str(len(m.gemeenten)), "gemeenten"),
                 (str(sum(len(s.per_gemeente) > 1 for s in m.signals)), "in meer dan één gemeente")])
    doc.h1("Overzicht")
    doc.note("Eén signaal per landelijke regel en voorgestelde oplossing: meldingen van verschillende gemeenten over "
             "dezelfde regel met (grotendeels) hetzelfde voorstel zijn samengevoegd; aantallen zijn opgeteld.")
    doc.table(["#", "Regel", "BWB", "Gemeenten", "Aantal", "Voorstel"],
              [[str(i), s.citation, s.bwb_id or "–", ", ".join(f"{g} ({n})" for g, n in sorted(s.per_gemeente.items())),
                str(s.cases), s.proposal or "nog niet benoemd"] for i, s in enumerate(m.signals, 1)],
              (6, 34, 22, 36, 14, 58))
    doc.h1("De signalen")
    for i, s in enumerate(m.signals, 1):
        doc.h2(f"{i}. {s.title or s.problem[:100]}")
        doc.labelled("Regel", f"{s.citation}" + (f" ({s.bwb_id})" if s.bwb_id else "")
                     + (f", versie {', '.join(sorted(s.versions))}" if s.versions else ""))
        doc.labelled("Wat knelt", s.problem or "niet beschreven")
        doc.labelled("Gevolgen voor inwoners", s.consequences or "niet beschreven")
        doc.labelled("Omvang", f"{s.cases} casussen in {len(s.per_gemeente)} "
                               f"{'gemeente' if len(s.per_gemeente) == 1 else 'gemeenten'}, waarvan {s.deviated} met "
                               f"een (gedeeltelijke) afwijking")
        if s.clusters:
            doc.labelled("Omstandigheden die terugkomen",
                         "; ".join(f"{c} ({n}×)" for c, n in s.clusters.most_common(4) if c))
        for g, text in s.stories[:3]:
            doc.quote(f"Gemeente {g}", text)
        doc.labelled("Voorstel", (s.proposal or "nog niet benoemd") + (f" (type: {s.solution_type})"
                                                                       if s.solution_type else ""))
        doc.labelled("Status", "; ".join(f"{g}: {st}" for g, st in sorted(s.statuses.items())))
    doc.h2("Verantwoording")
    doc.note(f"Elke gemeente exporteerde haar landelijke knelpunten met `maatwerk export signalen` (schema "
             f"{SCHEMA}, versie {SCHEMA_VERSION}; zie docs/signalen-schema.md): alleen goedgekeurde casussen, zonder "
             f"casusnummers, teams of namen; verhalen zijn gepseudonimiseerd en gecontroleerd op persoonsgegevens.")
    return doc
