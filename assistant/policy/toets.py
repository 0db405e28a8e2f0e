"""The uitvoeringstoets of a draft rule: before a new version of a beleidsregel or verordening is
adopted, replay the approved cases and the precedents that cite it against the draft.

What is compared (assistant.policy.versions): the amounts per kostensoort, the sentences that set
conditions, duties and exceptions, and the room for professional judgement (the
afwijkingsbevoegdheid or hardheidsclausule and every power, "kan"). What a case contributes:
the rule and version it was decided under, its outcome, and the facts in its (pseudonymised)
situation, read by assistant.rules.facts. A case is judged only on what it records: where the
draft turns on a fact the case does not give, the effect is "niet te bepalen", counted apart and
never guessed.

The draft is a file outside the corpus folder: it is read here, never indexed, never answered
from.

Kept as one module (about 650 lines): the effect kinds are one decision procedure over one case
at a time, and reading them side by side is how a jurist checks that they do not overlap.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Sequence


from assistant.errors import MaatwerkError
from assistant.corpus.documents import front_matters
from assistant.retrieval.analysis import content_terms
from assistant.reporting.document import Doc, bar_chart
from assistant.policy.versions import (
    Changes,
    Item,
    Sentence,
    Version,
    VersionError,
    base_of,
    compare,
    corpus_versions,
    euro,
    load_version,
    version_on,
)
from assistant.privacy import contains_personal_data
from assistant.curation import rule_key
from assistant.reporting.knelpunten import group_knelpunt_cases
from assistant.reporting.model import DEVIATED, format_date
from assistant.rules.facts import read_facts

# Effect kinds, in the order the report lists them.
EFFECTS = {
    "overbodig": "afwijking niet meer nodig",
    "meer": "valt nu binnen de regel",
    "minder": "valt buiten de regel of krijgt minder",
    "blijft": "afwijking blijft nodig",
    "onbepaald": "niet te bepalen",
    "geen": "geen gevolg",
}
EFFECT_COLORS = {"overbodig": "#1f6f8b", "meer": "#7fb3c8", "minder": "#c0504d", "blijft": "#e0a458",
                 "onbepaald": "#9e9e9e", "geen": "#d9d9d9"}
_GENERIC_KEYWORDS = frozenset({"eerste", "maand", "maanden", "kosten", "vergoed"})


class ToetsError(MaatwerkError):
    """The toets cannot be made as asked; the Dutch message says why and nothing was written."""


# --------------------------------------------------------------------------- result model


@dataclass
class CaseEffect:
    ref: str  # "casus 12" or "MB-2025-030"
    kind: str  # "casus" | "precedent"
    version: str  # the version the case was decided under
    article: str | None
    uitkomst: str
    effect: str  # a key of EFFECTS
    reason: str  # Dutch, checkable against the case
    case_id: int | None = None

    @property
    def effect_label(self) -> str:
        return EFFECTS[self.effect]


@dataclass
class KnelpuntEffect:
    title: str
    article: str | None
    cases: list[int]
    status: str
    solution: str
    verdict: str  # "geadresseerd" | "gedeeltelijk" | "al in de huidige versie" | "blijft open"
    reason: str


@dataclass
class Toets:
    citation: str
    layer: str
    draft: Version
    current: Version
    changes: Changes
    effects: list[CaseEffect]
    knelpunten: list[KnelpuntEffect]
    generated_on: dt.date
    gemeente: str

    @property
    def cases(self) -> list[CaseEffect]:
        return [e for e in self.effects if e.kind == "casus"]

    @property
    def precedents(self) -> list[CaseEffect]:
        return [e for e in self.effects if e.kind == "precedent"]

    def counts(self, kind: str = "casus") -> dict[str, int]:
        got = Counter(e.effect for e in self.effects if e.kind == kind)
        return {k: got.get(k, 0) for k in EFFECTS}

    # ---- room -------------------------------------------------------------------------

    def room_lines(self) -> list[str]:
        """What the draft does to the room for professional judgement, in plain Dutch."""
        ch = self.changes
        out: list[str] = []
        arts = ", ".join(sorted({s.article for s in self.current.deviation}))
        new_arts = ", ".join(sorted({s.article for s in self.draft.deviation}))
        what = "hardheidsclausule" if self.layer == "verordening" else "afwijkingsbevoegdheid"
        if ch.deviation_before and ch.deviation_after:
            out.append(f"De {what} blijft (artikel {new_arts}).")
        elif ch.deviation_before:
            if self.layer == "beleidsregel":
                out.append(f"Het concept schrapt de {what} (nu artikel {arts}). Artikel 4:84 Awb blijft gelden: het "
                           f"college moet ook zonder dit artikel afwijken als de regel onevenredig uitpakt, maar de "
                           f"beleidsregel zegt het de professional niet meer.")
            else:
                out.append(f"Het concept schrapt de {what} (nu artikel {arts}). Daarmee vervalt de ruimte om af te "
                           f"wijken als de {self.layer} in een bijzonder geval onbillijk uitpakt.")
        elif ch.deviation_after:
            out.append(f"Het concept voegt een {what} toe (artikel {new_arts}).")
        else:
            out.append(f"Huidige versie en concept hebben geen eigen {what}"
                       + (" (artikel 4:84 Awb geldt wel)." if self.layer == "beleidsregel" else "."))
        for o, n in ch.power_to_duty:
            out.append(f"Bevoegdheid wordt plicht in artikel {n.article}: „{o.quoted}” wordt „{n.quoted}”.")
        for s in ch.powers_removed:
            out.append(f"Bevoegdheid of grond vervalt in artikel {s.article}: „{s.quoted}”.")
        for s in ch.exceptions_removed:
            out.append(f"Uitzondering vervalt in artikel {s.article}: „{s.quoted}”.")
        for s in ch.powers_added:
            out.append(f"Nieuwe bevoegdheid of grond in artikel {s.article}: „{s.quoted}”.")
        for s in ch.exceptions_added:
            out.append(f"Nieuwe uitzondering in artikel {s.article}: „{s.quoted}”.")
        return out

    @property
    def flags(self) -> list[str]:
        ch = self.changes
        out = []
        if ch.deviation_before and not ch.deviation_after:
            out.append("het concept schrapt de " + ("hardheidsclausule" if self.layer == "verordening"
                                                    else "afwijkingsbevoegdheid"))
        if ch.power_to_duty:
            out.append(f"{len(ch.power_to_duty)} bevoegdheid/bevoegdheden ('kan') worden een plicht")
        if ch.powers_removed:
            out.append(f"{len(ch.powers_removed)} bevoegdheid/bevoegdheden vervallen")
        if ch.exceptions_removed:
            out.append(f"{len(ch.exceptions_removed)} uitzondering(en) vervallen")
        return out

    def professional_lines(self) -> list[str]:
        """What changes for the professional: new amounts, new conditions to check, in plain Dutch."""
        ch = self.changes
        out = [a.describe() for a in ch.amounts]
        for o, n in ch.rule_changes(None):
            if o is None:
                what = "nieuwe voorwaarde om na te gaan" if (n.conditions or n.kinds & {"duty", "imperative"}) \
                    else "nieuwe bepaling"
                out.append(f"Artikel {n.article}, {what}: „{n.quoted}”.")
            elif n is None:
                out.append(f"Artikel {o.article}, vervalt: „{o.quoted}”.")
            else:
                out.append(f"Artikel {n.article}, gewijzigd: „{o.quoted}” wordt „{n.text}”.")
        return out

    def to_summary(self) -> dict[str, Any]:
        return {
            "regeling": self.citation, "laag": self.layer, "huidige_versie": self.current.valid_from,
            "concept": {"bestand": Path(self.draft.source).name, "geldig_vanaf": self.draft.valid_from},
            "casussen": len(self.cases), "precedenten": len(self.precedents),
            "gevolgen": self.counts("casus"), "gevolgen_precedenten": self.counts("precedent"),
            "afwijking_niet_meer_nodig": [e.ref for e in self.effects if e.effect == "overbodig"],
            "knelpunten": {v: sum(k.verdict == v for k in self.knelpunten)
                           for v in ("geadresseerd", "gedeeltelijk", "al in de huidige versie", "blijft open")},
            "ruimte_ingeperkt": self.changes.room_reduced, "signalen": self.flags,
            "bedragen": [a.describe() for a in self.changes.amounts],
        }


# --------------------------------------------------------------------------- replaying a case


def _article_of(citation: str, base: str) -> tuple[bool, str | None]:
    b, art = rule_key(citation)
    return b == base, art


def _head(item: Item) -> str:
    """The word that names a kostensoort: the label's first content word ('wasmachine',
    'woninginrichting' for 'eerste woninginrichting alleenstaande')."""
    words = [w for w in item.keywords if w not in _GENERIC_KEYWORDS]
    return words[0] if words else ""


def _matched_items(text: str, items: Iterable[Item]) -> list[Item]:
    """The kostensoorten a case names: an item whose head word occurs in the text, or whose
    compound head ends in a word of the text ('machine' for 'wasmachine'); among several, those
    whose other label words occur most ('alleenstaande'). Returns all tied candidates."""
    lower = text.lower()
    case_words = {w for w in re.findall(r"[a-zà-ÿ]+", lower) if len(w) >= 5}
    scored = []
    for it in items:
        head = _head(it)
        if not head:
            continue
        named = re.search(rf"\b{re.escape(head)}", lower) or any(head.endswith(w) for w in case_words)
        if named:
            rest = [w for w in it.keywords if w != head and w not in _GENERIC_KEYWORDS]
            scored.append((sum(bool(re.search(rf"\b{re.escape(w)}", lower)) for w in rest), it))
    if not scored:
        return []
    best = max(n for n, _ in scored)
    return [it for n, it in scored if n == best]


def _amounts_in(text: str, exclude: set[float]) -> list[float]:
    """Amounts in the facts that are not a period's income and not the rule's own maxima."""
    out = []
    for a in read_facts(text).amounts:
        if a.per is not None or a.value in exclude or a.value <= 0:
            continue
        if a.value not in out:
            out.append(a.value)
    return out


def judge(facts: str, uitkomst: str, basis: str, article: str | None, decided: Version | None,
          current: Version, changes: Changes, layer: str) -> tuple[str, str]:
    """(effect, reason) for one case or precedent. facts: its situation; decided: the version it
    was decided under (None: unknown)."""
    deviated = uitkomst in DEVIATED
    reasons: list[str] = []
    # Room the case relied on.
    if deviated and "hardheid" in (basis or "") and changes.deviation_before and not changes.deviation_after:
        return "minder", "afgeweken op grond van de hardheidsclausule, die het concept schrapt"
    amounts = [a for a in changes.amounts if article is None or a.article == article]
    other = changes.rule_changes(article)
    if not amounts and not other:
        where = f"artikel {article}" if article else "de regeling"
        return "geen", f"het concept wijzigt {where} niet"
    effect = None
    if amounts:
        items = {a.label.lower(): a for a in amounts}
        pool: dict[str, Item] = {}
        for v in (decided, current):
            for it in (v.items_in(article) if v else []):
                pool.setdefault(it.key, it)
        for a in amounts:
            pool.setdefault(a.label.lower(), Item(a.article, a.label, a.new or 0.0, ""))
        # A kostensoort counts when the case names it in a sentence that also gives an amount
        # (the rule's own maxima for it left out: "boven het maximum van € 450").
        def maxima_of(label: str) -> set[float]:
            found = {i.amount for v in (decided, current, changes.new) if v for i in v.items.values()
                     if i.label.lower() == label}
            return found | {x for a in amounts if a.label.lower() == label for x in (a.old, a.new) if x is not None}

        with_amount: dict[str, list[float]] = {}
        named_any: list[str] = []
        for sentence in (s for s in re.split(r"(?<=[.!?])\s+", facts) if s.strip()):
            its = _matched_items(sentence, pool.values())
            named_any += [it.label.lower() for it in its]
            for it in its:
                vals = _amounts_in(sentence, maxima_of(it.label.lower()))
                if vals:
                    got = with_amount.setdefault(it.label.lower(), [])
                    got += [v for v in vals if v not in got]
        where = f"artikel {article or amounts[0].article}"
        if not with_amount:
            if not other:
                named_changed = [lbl for lbl in dict.fromkeys(named_any) if lbl in items]
                if named_changed:
                    a = items[named_changed[0]]
                    return "onbepaald", (f"de casus noemt {a.label} maar geen bedrag daarvoor (maximum nu "
                                         f"{euro(a.old)}, concept {euro(a.new)})")
                return "onbepaald", (f"de casus noemt geen bedrag bij een kostensoort uit {where}; het concept "
                                     f"wijzigt daar " + ", ".join(f"{a.label} ({euro(a.old)} → {euro(a.new)})"
                                                                  for a in amounts[:3]))
        else:
            changed = [items[lbl] for lbl in with_amount if lbl in items]
            if not changed:
                labels = ", ".join(with_amount)
                if not other:
                    return "geen", f"de casus gaat over {labels}; dat bedrag wijzigt niet"
            elif len(changed) > 1:
                return "onbepaald", ("de casus noemt bedragen bij meer dan één kostensoort ("
                                     + ", ".join(a.label for a in changed) + ") die het concept wijzigt")
            else:
                a = changed[0]
                need = with_amount[a.label.lower()]
                was = next((i.amount for i in (decided.items.values() if decided else [])
                            if i.label.lower() == a.label.lower()), None)
                context = (f"{a.label}: " + ", ".join(euro(n) for n in need) + " in de casus" if need else "")
                limits = (f"maximum {('toen ' + euro(was) + ', ') if was is not None and was != a.old else ''}"
                          f"nu {euro(a.old)}, concept {euro(a.new)}")
                if a.new is None:
                    effect = ("minder", f"{a.label}: de kostensoort vervalt in het concept ({limits})")
                elif not need:
                    return "onbepaald", f"de casus noemt geen bedrag voor {a.label} ({limits})"
                else:
                    old = a.old if a.old is not None else 0.0
                    states = {(n <= old, n <= a.new) for n in need}
                    if len(states) > 1:
                        return "onbepaald", (f"{context}; die bedragen vallen onder het concept verschillend uit "
                                             f"({limits}), en de casus legt niet vast welk bedrag is verstrekt")
                    within_now, within_draft = states.pop()
                    if within_now and within_draft:
                        effect = ("geen", f"{context}: al binnen het maximum ({limits})")
                    elif not within_now and within_draft:
                        effect = (("overbodig", f"{context}: boven het maximum, binnen het concept ({limits})")
                                  if deviated else
                                  ("meer", f"{context}: boven het maximum, binnen het concept ({limits}); de regel "
                                           f"is toegepast, de inwoner krijgt nu meer"))
                    elif within_now and not within_draft:
                        effect = ("minder", f"{context}: binnen het maximum, boven dat van het concept ({limits})")
                    elif deviated:
                        effect = ("blijft", f"{context}: ook boven het maximum van het concept ({limits})")
                    elif a.new > old:
                        effect = ("meer", f"{context}: boven beide maxima ({limits}); de inwoner krijgt het hogere "
                                          f"maximum")
                    elif a.new < old:
                        effect = ("minder", f"{context}: boven beide maxima ({limits}); de inwoner krijgt het lagere "
                                            f"maximum")
                    else:
                        effect = ("geen", f"{context} ({limits})")
    if other:
        o, n = other[0]
        s = n or o
        what = ("voegt toe" if o is None else "schrapt" if n is None else "wijzigt")
        more = f" (en {len(other) - 1} andere wijziging(en))" if len(other) > 1 else ""
        reasons.append(f"het concept {what} in artikel {s.article}: „{_short(s.quoted)}”{more}; de casus legt niet "
                       f"vast wat dat voor haar betekent")
        if effect is None or effect[0] != "minder":
            prefix = f"{effect[1]}; maar " if effect else ""
            return "onbepaald", prefix + reasons[0]
    assert effect is not None
    return effect


def _short(text: str, limit: int = 140) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + " …"


# --------------------------------------------------------------------------- knelpunten


_AMOUNT_IN_TEXT = re.compile(r"€\s?\d{1,3}(?:\.\d{3})*(?:,\d{2})?")


def _addressed(changes: Changes, article: str | None, description: str, solution: str) -> tuple[str, str] | None:
    """Does a change address this knelpunt? (verdict, reason) or None."""
    text = f"{description} {solution}".lower()
    for a in changes.amounts:
        if article and a.article != article:
            continue
        head = _head(Item(a.article, a.label, 0, ""))
        if not head or not re.search(rf"\b{re.escape(head)}", text):
            continue
        if a.new is None or (a.old is not None and a.new <= a.old):
            continue
        proposed = [v for v in (_euro(m.group(0)) for m in _AMOUNT_IN_TEXT.finditer(solution)) if v]
        target = max(proposed) if proposed else None
        if target and a.new < target:
            return "gedeeltelijk", f"{a.describe()} Voorgesteld was {euro(target)}."
        return "geadresseerd", a.describe()
    want = content_terms(solution or description)
    best: tuple[float, Sentence | None] = (0.0, None)
    for o, n in changes.rule_changes(article):
        s = n or o
        if n is None:
            continue  # a removal does not add what the knelpunt asks for
        overlap = len(want & s.all_terms)
        score = overlap / max(len(s.all_terms), 1)
        if overlap >= 3 and score > best[0]:
            best = (score, s)
    if best[1] is not None:
        return "geadresseerd", f"artikel {best[1].article}: „{_short(best[1].quoted, 220)}”"
    return None


def _euro(raw: str) -> float | None:
    from assistant.rules.provisions import euro_value

    return euro_value(raw)


def knelpunt_effects(cases: Sequence, base: str, versions: Sequence[Version], current: Version,
                     changes: Changes) -> list[KnelpuntEffect]:
    out = []
    mine = [c for c in cases if c.knelpunt and any(_article_of(r.get("citation", ""), base)[0]
                                                   for r in c.rules or [] if isinstance(r, dict))]
    for _, members in group_knelpunt_cases(mine):
        latest = max(members, key=lambda c: (c.reviewed_at or c.updated_at, c.id))
        rule = next(r for r in latest.rules if isinstance(r, dict) and _article_of(r.get("citation", ""), base)[0])
        article = _article_of(rule["citation"], base)[1]
        description = " ".join(Counter(c.knelpunt_description or "" for c in members).most_common(1)[0][0].split())
        solution = " ".join(Counter(c.knelpunt_solution or "" for c in members).most_common(1)[0][0].split())
        from assistant.reporting.knelpunten import knelpunt_title as _title

        decided = version_on(versions, rule.get("version")) or version_on(versions, latest.peildatum)
        verdict = None
        if decided is not None and decided is not current:
            earlier = _addressed(compare(decided, current), article, description, solution)
            if earlier is not None:
                verdict = ("al in de huidige versie", f"sinds {current.valid_from}: {earlier[1]}")
                later = _addressed(changes, article, description, solution)
                if later is not None:
                    verdict = (verdict[0], f"{verdict[1]} Het concept gaat verder: {later[1]}")
        verdict = (verdict or _addressed(changes, article, description, solution)
                   or ("blijft open", "geen wijziging in het concept raakt dit knelpunt"))
        out.append(KnelpuntEffect(title=_title(description or solution or "knelpunt"), article=article,
                                  cases=sorted(c.id for c in members),
                                  status=latest.knelpunt_status or "open", solution=solution,
                                  verdict=verdict[0], reason=verdict[1]))
    order = {"geadresseerd": 0, "gedeeltelijk": 1, "al in de huidige versie": 2, "blijft open": 3}
    out.sort(key=lambda k: (order[k.verdict], -len(k.cases), k.title))
    return out


# --------------------------------------------------------------------------- precedents


def precedents_citing(corpus_dir: Path, base: str) -> list[dict[str, Any]]:
    """Maatwerkbesluiten in the corpus folder whose `regel` cites this regulation: id, rule,
    version, outcome, basis and the circumstances (front matter only)."""
    out = []
    for path, fm in front_matters(Path(corpus_dir)):
        if fm.get("source_type") != "besluit" or not fm.get("regel"):
            continue
        if str(fm.get("status", "")).lower() == "achterhaald":
            continue
        ok, _ = _article_of(str(fm["regel"]), base)
        if ok:
            out.append({"id": str(fm.get("id") or path.stem), "regel": str(fm["regel"]),
                        "versie": str(fm.get("regel_versie") or fm.get("valid_from") or ""),
                        "uitkomst": str(fm.get("uitkomst") or ""), "basis": str(fm.get("grondslag_afwijking") or ""),
                        "feiten": ". ".join(str(x) for x in fm.get("omstandigheden") or [])})
    return sorted(out, key=lambda p: p["id"])


# --------------------------------------------------------------------------- the toets


def _inside(path: Path, folder: Path) -> bool:
    try:
        return Path(path).resolve().is_relative_to(Path(folder).resolve())
    except OSError:
        return False


def load_draft(path: Path, corpus_dir: Path, max_chunk_chars: int = 1500,
               gemeente: str | None = None) -> tuple[Version, list[Version]]:
    """The draft and the corpus versions of the regulation it is a new version of. Refused (Dutch
    ToetsError) when the draft is not a newer version of a regulation in the corpus, or when
    nothing can be read from it."""
    path = Path(path)
    if not path.is_file():
        raise ToetsError(f"{path}: bestand bestaat niet.")
    if _inside(path, corpus_dir):
        raise ToetsError(f"{path.name} staat in de corpusmap ({corpus_dir}); daar zou het concept worden geïndexeerd "
                         "en in antwoorden gebruikt. Zet het concept buiten de corpusmap en probeer opnieuw.")
    try:
        draft = load_version(path, path.parent, max_chunk_chars, gemeente)
    except VersionError as exc:
        raise ToetsError(f"Het concept is niet te lezen: {exc}") from exc
    if draft.source_type not in ("beleidsregel", "verordening"):
        raise ToetsError(f"{path.name}: een uitvoeringstoets is er voor een beleidsregel of verordening; dit "
                         f"document is van het type '{draft.source_type}' (zet source_type in de front matter).")
    versions = corpus_versions(corpus_dir, draft.citation, max_chunk_chars, gemeente)
    if not versions:
        raise ToetsError(f"Het concept '{draft.citation}' is geen nieuwe versie van een regeling in het corpus: "
                         f"er staat geen regeling met die citeertitel in {corpus_dir}. Geef het concept dezelfde "
                         f"citeertitel (citation) als de regeling die het vervangt.")
    latest = versions[-1]
    if draft.valid_from and latest.valid_from and draft.valid_from <= latest.valid_from:
        raise ToetsError(f"Het concept is geen nieuwere versie: het gaat in op {draft.valid_from}, maar de laatste "
                         f"versie van '{latest.citation}' in het corpus gaat al in op {latest.valid_from}. Geef het "
                         f"concept een latere datum (valid_from) of laat die weg.")
    if not draft.extractable:
        raise ToetsError(f"Uit {path.name} zijn geen bedragen, voorwaarden of bevoegdheden te halen; er is niets om de "
                         "casussen tegen af te zetten. Controleer of het concept artikelen heeft ('## Artikel 4. ...') "
                         "met de tekst van de regels.")
    return draft, versions


def build_toets(draft: Version, versions: Sequence[Version], cases: Sequence, precedents: Sequence[dict],
                today: dt.date | None = None, gemeente: str = "") -> Toets:
    today = today or dt.date.today()
    current = version_on(versions, today) or versions[-1]
    changes = compare(current, draft)
    if changes.empty and current.deviation == draft.deviation:
        raise ToetsError(f"Het concept verschilt niet van de huidige versie van '{current.citation}' "
                         f"({current.label}): er is niets te toetsen.")
    base = base_of(draft.citation)
    layer = draft.source_type
    effects: list[CaseEffect] = []
    for case in cases:
        cited = [r for r in case.rules or [] if isinstance(r, dict) and _article_of(r.get("citation", ""), base)[0]]
        if not cited:
            continue
        rule = cited[0]
        article = _article_of(rule["citation"], base)[1]
        decided = version_on(versions, rule.get("version")) or version_on(versions, case.peildatum)
        basis = (case.afwijkingsruimte or {}).get("basis", "") if isinstance(case.afwijkingsruimte, dict) else ""
        effect, reason = judge(case.situation or "", case.uitkomst or "", basis, article, decided, current,
                               changes, layer)
        effects.append(CaseEffect(f"casus {case.id}", "casus", decided.valid_from if decided else
                                  str(rule.get("version") or ""), article, case.uitkomst or "onbekend", effect,
                                  reason, case_id=case.id))
    for p in precedents:
        article = _article_of(p["regel"], base)[1]
        decided = version_on(versions, p["versie"])
        effect, reason = judge(p["feiten"], p["uitkomst"], p["basis"], article, decided, current, changes, layer)
        effects.append(CaseEffect(p["id"], "precedent", decided.valid_from if decided else p["versie"], article,
                                  p["uitkomst"] or "onbekend", effect, reason))
    effects.sort(key=lambda e: (e.kind != "casus", list(EFFECTS).index(e.effect), e.case_id or 0, e.ref))
    return Toets(citation=current.citation, layer=layer, draft=draft, current=current, changes=changes,
                 effects=effects, knelpunten=knelpunt_effects(cases, base, versions, current, changes),
                 generated_on=today, gemeente=gemeente)


def uitvoeringstoets(log, draft_path: Path, corpus_dir: Path, *, today: dt.date | None = None,
                     gemeente: str = "", max_chunk_chars: int = 1500) -> Toets:
    """The toets of the draft at DRAFT_PATH against the approved cases in the case log and the
    precedents in the corpus folder."""
    draft, versions = load_draft(draft_path, corpus_dir, max_chunk_chars, gemeente or None)
    cases = log.approved_cases()
    precedents = precedents_citing(corpus_dir, base_of(draft.citation))
    return build_toets(draft, versions, cases, precedents, today=today, gemeente=gemeente)


# --------------------------------------------------------------------------- the document


def effect_chart(t: Toets) -> bytes:
    counts = t.counts("casus")
    keys = [k for k in EFFECTS if counts[k] or k in ("overbodig", "minder", "onbepaald")]
    return bar_chart([EFFECTS[k] for k in keys], [counts[k] for k in keys],
                     "Goedgekeurde casussen naar gevolg van het concept", "aantal casussen",
                     [EFFECT_COLORS[k] for k in keys])


def toets_document(t: Toets) -> Doc:
    draft_when = f"ingangsdatum {t.draft.valid_from}" if t.draft.valid_from else "nog zonder ingangsdatum"
    doc = Doc(title=f"Uitvoeringstoets: {t.citation}",
              subtitle=(f"Concept ({Path(t.draft.source).name}, {draft_when}) tegenover de huidige versie "
                        f"(geldend vanaf {t.current.valid_from or 'onbekend'}) · opgesteld "
                        f"{format_date(t.generated_on)} · alleen goedgekeurde, gepseudonimiseerde casussen"),
              footer=f"Uitvoeringstoets {t.citation} · concept, niet vastgesteld",
              author=f"Gemeente {t.gemeente}" if t.gemeente else "")
    counts = t.counts("casus")
    doc.figures([(str(len(t.cases)), "casussen bij deze regeling"),
                 (str(counts["overbodig"]), "afwijking niet meer nodig"),
                 (str(counts["minder"]), "buiten de regel of minder"),
                 (str(counts["onbepaald"]), "niet te bepalen")])
    for f in t.flags:
        doc.flag(f[:1].upper() + f[1:] + ". Zie ‘Ruimte voor professionele afweging’.")
    doc.h1("In het kort")
    parts = [f"{counts[k]} {label}" for k, label in (
        ("overbodig", "waarin de afwijking niet meer nodig is"), ("meer", "die nu binnen de regel vallen"),
        ("minder", "die buiten de regel vallen of minder krijgen"), ("blijft", "waarin afwijken nodig blijft"))
        if counts[k]]
    doc.p(f"Van de {len(t.cases)} goedgekeurde casussen bij {t.citation} zijn er "
          + (", ".join(parts[:-1]) + " en " + parts[-1] if len(parts) > 1 else parts[0] if parts else "geen die het "
             "concept anders zou uitkomen")
          + f". {counts['geen']} merken niets van het concept.")
    if counts["onbepaald"]:
        doc.p(f"Bij {counts['onbepaald']} {'casus' if counts['onbepaald'] == 1 else 'casussen'} is het gevolg niet te "
              f"bepalen: de casus legt het feit waar het concept op draait niet vast. Die zijn apart geteld en niet "
              f"geschat.")
    if t.knelpunten:
        by = Counter(k.verdict for k in t.knelpunten)
        said = [f"{n} {v}" for v, n in by.items()]
        doc.p(f"Van de {len(t.knelpunten)} gemelde knelpunten bij deze regeling: " + ", ".join(said) + ".")
    doc.image(effect_chart(t), "Goedgekeurde casussen bij deze regeling, naar wat het concept voor ze betekent.")

    doc.h1("Wat verandert voor de professional")
    lines = t.professional_lines()
    doc.bullets(lines) if lines else doc.p("Het concept verandert geen bedragen of voorwaarden.")

    doc.h1("Ruimte voor professionele afweging")
    doc.bullets(t.room_lines())

    doc.h1("Casussen")
    doc.note("Per casus: de versie waaronder is beslist, het artikel, de uitkomst, het gevolg van het concept en "
             "waarom, met de bedragen zoals de casus ze noemt, zodat elke regel met de hand is na te gaan.")
    for key in EFFECTS:
        rows = [e for e in t.cases if e.effect == key]
        if not rows:
            continue
        doc.h2(f"{EFFECTS[key][:1].upper() + EFFECTS[key][1:]} ({len(rows)})")
        if key == "geen":
            reasons: dict[str, list[CaseEffect]] = {}
            for e in rows:
                reasons.setdefault(e.reason, []).append(e)
            doc.table(["Waarom", "Casussen"], [[r[:1].upper() + r[1:], ", ".join(str(e.case_id) for e in es)]
                                               for r, es in reasons.items()], (70, 80))
            continue
        doc.table(["Casus", "Versie", "Art.", "Uitkomst", "Waarom"],
                  [[str(e.case_id), e.version or "?", e.article or "–", e.uitkomst, e.reason] for e in rows],
                  (12, 19, 9, 20, 100))
    if t.precedents:
        doc.h2(f"Precedenten ({len(t.precedents)})")
        doc.table(["Besluit", "Versie", "Art.", "Uitkomst", "Gevolg", "Waarom"],
                  [[e.ref, e.version or "?", e.article or "–", e.uitkomst, e.effect_label, e.reason]
                   for e in t.precedents], (22, 19, 9, 19, 22, 69))

    doc.h1("Knelpunten")
    if t.knelpunten:
        for k in t.knelpunten:
            doc.h3(f"{k.title} ({k.verdict})")
            doc.labelled("Artikel", f"artikel {k.article}" if k.article else t.citation)
            doc.labelled("Casussen", ", ".join(str(i) for i in k.cases) + f" (status {k.status})")
            if k.solution:
                doc.labelled("Voorgestelde oplossing", k.solution)
            doc.labelled("Toets", k.reason)
    else:
        doc.p("Bij deze regeling zijn geen knelpunten gemeld in goedgekeurde casussen.")
    doc.h2("Verantwoording")
    doc.note("Het concept is vergeleken met de versie die nu geldt, artikel voor artikel en zin voor zin, zoals het "
             "regelmodel ze leest: bedragen per kostensoort, voorwaarden, plichten, uitzonderingen en bevoegdheden. "
             "Een casus telt mee als een van haar regels deze regeling noemt; haar gevolg volgt uit de feiten in de "
             "vastgelegde situatie (bedragen en kostensoorten) en de versie waaronder is beslist. Noemt de casus "
             "niet wat het concept verandert, dan staat er ‘niet te bepalen’. Precedenten zijn de maatwerkbesluiten "
             "in het corpus die de regeling noemen. Het concept is niet geïndexeerd en wordt niet in antwoorden "
             "gebruikt.")
    return doc


def check_private(doc: Doc) -> list:
    """Findings of the personal-data detector in everything the document shows."""
    return contains_personal_data(doc.plain_text())
