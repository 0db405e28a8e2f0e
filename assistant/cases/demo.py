"""Demo data: a realistic, deterministic year of pseudonymised maatwerk cases over the sample
corpus, so the knelpuntenrapportage (and the UI) have something to show.

Every case is modelled on a maatwerkbesluit in corpus/besluiten (its rule, layer, basis for
deviating, outcome and knelpunt), with varied circumstances, teams and professionals. Cases go
through the real workflow (create -> submit -> review by a kwaliteit user, sometimes returned
and resubmitted, sometimes rejected). Dates are spread over twelve months through the case
log's clock= seam; all actions run in time order, so the audit trail stays chronological.
"""

from __future__ import annotations

import datetime as dt
import random
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from assistant.cases.log import CaseLog
from assistant.cases.model import CaseError

BESLUITEN_DIR = Path(__file__).resolve().parents[2] / "corpus" / "besluiten"

_FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n---\s*\n", re.S)

# Generic circumstances that recur across domains; they make the clustering in the report
# find patterns that are not tied to one rule.
EXTRA_CIRCUMSTANCES = {
    "participatiewet": [
        "schulden bij meerdere schuldeisers",
        "beperkte taalvaardigheid, brieven worden niet begrepen",
        "chronische ziekte, beperkt belastbaar",
        "dreigende huisuitzetting door huurachterstand",
        "mantelzorg voor een ouder",
        "net begonnen aan een parttime baan",
    ],
    "wmo": [
        "chronische ziekte, beperkt belastbaar",
        "mantelzorger overbelast",
        "inkomen net boven de bijstandsnorm",
        "beperkte taalvaardigheid, brieven worden niet begrepen",
        "woont alleen, geen netwerk in de buurt",
    ],
    "jeugd": [
        "ouder overbelast, mantelzorg voor een ander kind",
        "wachtlijst bij de gecontracteerde aanbieder",
        "inkomen net boven de bijstandsnorm",
        "schulden bij meerdere schuldeisers",
    ],
    "schuldhulp": [
        "schulden bij meerdere schuldeisers",
        "dreigende huisuitzetting door huurachterstand",
        "beperkte taalvaardigheid, brieven worden niet begrepen",
        "chronische ziekte, beperkt belastbaar",
        "net begonnen aan een parttime baan",
    ],
}

PROFESSIONAL_NOUN = {
    "participatiewet": "klantmanager",
    "wmo": "Wmo-consulent",
    "jeugd": "jeugdconsulent",
    "schuldhulp": "schuldhulpverlener",
}

QUESTION = {
    "afgeweken": "Mag ik in deze situatie afwijken van {regel}?",
    "gedeeltelijk": "Hoe ver mag ik in deze situatie afwijken van {regel}?",
    "niet afgeweken": "Is er ruimte om af te wijken van {regel}?",
}

# How a knelpunt's status develops once it has been reported (per template, picked once).
STATUS_PATHS = {
    "gemeente": [("open",), ("open", "in nieuw beleid"), ("open", "vraagt budget"),
                 ("open", "in nieuw beleid", "opgelost")],
    "rijk": [("open",), ("open", "vraagt afstemming")],
}


@dataclass(frozen=True)
class Template:
    """One maatwerkbesluit from the corpus, as a pattern for demo cases."""

    id: str
    domain: str
    team: str
    regel: str
    regel_versie: str
    regellaag: str
    grondslag: str
    grondslag_citatie: str
    uitkomst: str
    omstandigheden: tuple[str, ...]
    knelpunt: dict[str, Any] | None


@dataclass
class SeedSummary:
    cases: int = 0
    approved: int = 0
    returned_then_approved: int = 0
    rejected: int = 0
    knelpunten: int = 0
    users: list[str] = field(default_factory=list)
    van: dt.date | None = None
    tot: dt.date | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"cases": self.cases, "approved": self.approved,
                "returned_then_approved": self.returned_then_approved, "rejected": self.rejected,
                "knelpunten": self.knelpunten, "users": self.users,
                "van": self.van.isoformat() if self.van else None, "tot": self.tot.isoformat() if self.tot else None}


class _Clock:
    """The case log's clock while seeding: set before each action."""

    def __init__(self) -> None:
        self.now = dt.datetime(2000, 1, 1)

    def __call__(self) -> dt.datetime:
        return self.now


def load_templates(directory: Path = BESLUITEN_DIR) -> list[Template]:
    out = []
    for path in sorted(directory.glob("*.md")):
        m = _FRONT_MATTER.match(path.read_text(encoding="utf-8"))
        if not m:
            continue
        fm = yaml.safe_load(m.group(1)) or {}
        if not fm.get("regel") or not fm.get("domein"):
            continue
        kp = fm.get("knelpunt") or {}
        out.append(Template(
            id=str(fm.get("id") or path.stem), domain=fm["domein"], team=str(fm.get("team") or "Team Sociaal Domein"),
            regel=fm["regel"], regel_versie=str(fm.get("regel_versie") or ""), regellaag=fm.get("regellaag") or "",
            grondslag=fm.get("grondslag_afwijking") or "geen", grondslag_citatie=fm.get("grondslag_citatie") or "",
            uitkomst=fm.get("uitkomst") or "afgeweken", omstandigheden=tuple(fm.get("omstandigheden") or ()),
            knelpunt=dict(kp) if kp.get("aanwezig") else None,
        ))
    return out


def _sentence(text: str) -> str:
    text = text.strip().rstrip(".")
    return text[:1].upper() + text[1:] + "."


def _situation(t: Template, rng: random.Random) -> str:
    first, rest = t.omstandigheden[0], list(t.omstandigheden[1:])
    first = first if re.match(r"(een|de|het)\b", first) else "een " + first
    chosen = rng.sample(rest, k=min(len(rest), rng.randint(2, 3)))
    chosen.sort(key=rest.index)
    if rng.random() < 0.5:
        chosen.append(rng.choice(EXTRA_CIRCUMSTANCES.get(t.domain, EXTRA_CIRCUMSTANCES["participatiewet"])))
    return " ".join(_sentence(s) for s in [first, *chosen])


_DEVIATED = (
    "Volledig toepassen van {regel} zou deze inwoner onevenredig treffen, terwijl het doel van de regel ook met "
    "minder wordt bereikt. Grondslag: {grond}; geschiktheid, noodzakelijkheid en evenwichtigheid zijn gewogen.",
    "Het doel van {regel} is hier niet gediend met strikte toepassing: de inwoner raakt er verder door in de "
    "problemen. Daarom is met {grond} als grondslag afgeweken.",
    "Na overleg met de kwaliteitsmedewerker is afgeweken op grond van {grond}: de gevolgen van {regel} staan hier "
    "niet in verhouding tot het doel.",
)
_APPLIED = (
    "Er is gewogen of {regel} hier onevenredig uitpakt; dat bleek niet zo, de gevolgen zijn zwaar maar "
    "te dragen. De regel is toegepast en de inwoner is gewezen op andere hulp.",
    "De omstandigheden zijn meegewogen, maar zijn niet bijzonder genoeg om van {regel} af te wijken; wel is een "
    "betalingsregeling aangeboden.",
)


def _motivering(t: Template, uitkomst: str, rng: random.Random) -> str:
    if uitkomst == "niet afgeweken" and t.grondslag == "geen":
        return (f"{_sentence(t.regel)[:-1]} laat geen ruimte om af te wijken; ook de evenredigheidstoets "
                f"(artikel 3:4 Awb) geeft geen bevoegdheid die de regel niet geeft. Binnen de regel is gezocht naar "
                f"wat wel kon, en het knelpunt is gemeld.")
    if uitkomst == "niet afgeweken":
        return rng.choice(_APPLIED).format(regel=t.regel)
    text = rng.choice(_DEVIATED).format(regel=t.regel, grond=t.grondslag_citatie or t.regel)
    return text.replace("afgeweken", "gedeeltelijk afgeweken", 1) if uitkomst == "gedeeltelijk" else text


def _ensure_users(log: CaseLog, templates: list[Template]) -> tuple[dict[str, list[str]], list[str]]:
    existing = {u.username for u in log.list_users()}
    per_team: dict[str, list[str]] = {}
    for team in sorted({t.team for t in templates}):
        slug = re.sub(r"[^a-z0-9]+", "-", team.lower().removeprefix("team ")).strip("-")
        for i in (1, 2, 3):
            name = f"demo.{slug}.{i}"[:64]
            if name not in existing:
                log.add_user(name, "professional", team=team, display_name=f"Professional {i} ({team})")
            per_team.setdefault(team, []).append(name)
    reviewers = []
    for i in (1, 2):
        name = f"demo.kwaliteit.{i}"
        if name not in existing:
            log.add_user(name, "kwaliteit", team="Kwaliteit Sociaal Domein", display_name=f"Kwaliteitsmedewerker {i}")
        reviewers.append(name)
    return per_team, reviewers


def seed_cases(url: str, n: int = 240, seed: int = 1, end: dt.date | None = None,
               templates: list[Template] | None = None, audit_key=None) -> SeedSummary:
    """Create n demo cases (reviewed within the twelve months ending on `end`, default today) in
    the case log at `url`. Same seed and end -> same cases. Users are created when missing. Refused
    (CaseError) on a case log with real accounts."""
    if n < 1:
        raise CaseError("Het aantal casussen moet minstens 1 zijn.")
    rng = random.Random(seed)
    end = end or dt.date.today()
    start = end - dt.timedelta(days=364)
    templates = templates or load_templates()
    if not templates:
        raise CaseError(f"Geen maatwerkbesluiten gevonden in {BESLUITEN_DIR} om casussen op te baseren.")
    clock = _Clock()
    log = CaseLog.from_url(url, clock=clock, audit_key=audit_key)
    try:
        # Demo users and fictitious cases never go into a production log: once a real account
        # exists (`maatwerk users init`), this is not a demo case log any more.
        if log.has_real_users():
            raise CaseError("Deze casuslog heeft echte gebruikers en is dus geen demo-casuslog; voorbeeldcasussen "
                            "worden alleen in een demo-omgeving geladen (gebruik een aparte MAATWERK_DATA_DIR).")
        return _seed(log, clock, rng, n, start, end, templates)
    finally:
        log.close()


def _seed(log: CaseLog, clock: _Clock, rng: random.Random, n: int, start: dt.date, end: dt.date,
          templates: list[Template]) -> SeedSummary:
    per_team, reviewers = _ensure_users(log, templates)
    status_path = {t.id: rng.choice(STATUS_PATHS["rijk" if (t.knelpunt or {}).get("wie") == "rijk" else "gemeente"])
                   for t in templates}
    # Some rules pinch more as the year goes on (a trend the report should show).
    rising = {t.id for t in rng.sample([t for t in templates if t.knelpunt], k=min(3, sum(1 for t in templates if t.knelpunt)))}
    span_days = (end - start).days

    plans = []
    for i in range(n):
        # The longest chain (return + resubmit + approve) takes at most 16 days: all fits before `end`.
        day_offset = rng.randint(0, span_days - 17)
        progress = day_offset / max(span_days, 1)
        weights = [(1.4 if t.knelpunt else 1.0) * ((0.3 + 2.4 * progress) if t.id in rising else 1.0) for t in templates]
        t = rng.choices(templates, weights=weights)[0]
        created = dt.datetime.combine(start + dt.timedelta(days=day_offset), dt.time(8, 30)) + dt.timedelta(
            minutes=rng.randint(0, 8 * 60))
        submitted = created + dt.timedelta(hours=rng.randint(1, 72))
        reviewed = submitted + dt.timedelta(hours=rng.randint(2, 7 * 24))
        uitkomst = t.uitkomst
        if t.grondslag != "geen" and not t.knelpunt and rng.random() < 0.5:
            # Where a rule does not pinch, weighing often ends in applying it as written.
            uitkomst = "niet afgeweken"
        elif t.grondslag != "geen" and rng.random() < 0.25:
            uitkomst = rng.choice([u for u in ("afgeweken", "gedeeltelijk", "niet afgeweken") if u != t.uitkomst])
        knelpunt = t.knelpunt is not None and (t.grondslag == "geen" or rng.random() < 0.6)
        r = rng.random()
        review = "approve" if r < 0.80 else ("return" if r < 0.92 else "reject")
        resubmitted = submitted + dt.timedelta(hours=rng.randint(24, 96)) if review == "return" else None
        plans.append(dict(i=i, t=t, created=created, submitted=submitted, reviewed=reviewed, uitkomst=uitkomst,
                          knelpunt=knelpunt, review=review, resubmitted=resubmitted,
                          author=rng.choice(per_team[t.team]), reviewer=rng.choice(reviewers),
                          situation=_situation(t, rng), progress=progress,
                          motivering=_motivering(t, uitkomst, rng)))

    # One timeline of actions, run in time order so audit events are chronological.
    events = []
    for p in plans:
        events.append((p["created"], 0, p["i"], "create"))
        events.append((p["submitted"], 1, p["i"], "submit"))
        if p["review"] == "return":
            events.append((p["reviewed"], 2, p["i"], "return"))
            later = p["reviewed"] + dt.timedelta(hours=rng.randint(4, 72))
            events.append((later, 3, p["i"], "resubmit"))
            events.append((later + dt.timedelta(hours=rng.randint(2, 72)), 4, p["i"], "approve"))
        else:
            events.append((p["reviewed"], 2, p["i"], p["review"]))
    events.sort(key=lambda e: (e[0], e[2], e[1]))

    summary = SeedSummary(users=sorted({u for us in per_team.values() for u in us} | set(reviewers)))
    ids: dict[int, int] = {}
    for when, _, i, action in events:
        clock.now = when
        p = plans[i]
        t: Template = p["t"]
        if action == "create":
            fields: dict[str, Any] = dict(
                question=QUESTION[p["uitkomst"]].format(regel=t.regel), situation=p["situation"], domain=t.domain,
                peildatum=p["created"].date(), uitkomst=p["uitkomst"],
                motivering=p["motivering"],
                rules=[{"citation": t.regel, "version": t.regel_versie}],
                afwijkingsruimte={"basis": t.grondslag, "citation": t.grondslag_citatie or t.regel, "rule": t.regel,
                                  "layer": t.regellaag, "knelpunt": t.grondslag == "geen"},
            )
            if p["knelpunt"]:
                kp = t.knelpunt or {}
                path = status_path[t.id]
                status = path[min(len(path) - 1, int(p["progress"] * len(path) * 1.2))]
                fields.update(knelpunt=True, knelpunt_description=kp.get("omschrijving"),
                              knelpunt_consequences=kp.get("gevolgen"), knelpunt_solution=kp.get("oplossingsrichting"),
                              knelpunt_solution_type=kp.get("type_oplossing"), knelpunt_owner=kp.get("wie"),
                              knelpunt_status=status)
            ids[i] = log.create_case(p["author"], **fields).id
            summary.cases += 1
            summary.knelpunten += bool(p["knelpunt"])
        elif action in ("submit", "resubmit"):
            log.submit(ids[i], p["author"])
        elif action == "return":
            log.review(ids[i], p["reviewer"], "return",
                       comment="Graag de evenredigheidstoets per onderdeel uitschrijven en het doel van de regel noemen.")
        elif action == "approve":
            log.review(ids[i], p["reviewer"], "approve")
            summary.approved += 1
            summary.returned_then_approved += p["review"] == "return"
        elif action == "reject":
            log.review(ids[i], p["reviewer"], "reject",
                       comment="De afwijking is onvoldoende gemotiveerd; de regel blijft van toepassing.")
            summary.rejected += 1
    approved = log.approved_cases()
    if approved:
        summary.van = min(c.reviewed_at for c in approved).date()
        summary.tot = max(c.reviewed_at for c in approved).date()
    return summary
