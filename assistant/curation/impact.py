"""The impact of a change: the precedents and open knelpunten that cite a rule, and the difference
between two versions of a document. A mixin of Registry."""

from __future__ import annotations

import datetime as dt
import difflib
import re
import textwrap

from sqlalchemy import select


from assistant.cases import CaseRow, PermissionDenied, UnitOfWork
from assistant.corpus.documents import LoadError, load_document
from assistant.corpus.splitting import split_document
from assistant.curation.model import IMPACT_ROLES, ImpactItem, ImpactReport, RegisteredDocument, RegistryError, SIGNAL_KNELPUNT, SIGNAL_OLD_PRECEDENT, cites, rule_key
from assistant.curation.staging import parse_date


class Impact:
    """Impact lists and version diffs (mixin of Registry)."""


    # ------------------------------------------------------------------ impact

    def impact(self, citation: str, by: str, artikel: str | None = None) -> ImpactReport:
        """Precedents and open knelpunten that cite CITATION (optionally one article of it). An
        item is affected when, after the version it relied on (regel_versie / the case's rule
        version, else its date), a version with a different text of the cited article came into
        force, or the rule was withdrawn. Versions come from the index (what answers see; every
        registry change is re-indexed), so unregistered files count too."""
        with self._read() as s:
            user = UnitOfWork.of(s).user(by)
            if user.role not in IMPACT_ROLES:
                raise PermissionDenied("Alleen kwaliteit, jurist of beheerder mag de gevolgen van een wijziging zien.")
        target = rule_key(citation)
        art = (artikel or "").strip().lower() or target[1]
        base = target[0]
        chunks = self.index.all_chunks()
        # (valid_from, valid_to) -> {article: text} for every version of the rule in the index.
        spans: dict[tuple[str | None, str | None], dict[str | None, list[str]]] = {}
        sources: dict[tuple[str | None, str | None], str] = {}
        for c in chunks:
            if c.source_type == "besluit":
                continue
            c_base, c_art = rule_key(c.citation)
            if c_base != base:
                continue
            a = (c.article or c_art or "").lower() or None
            if art and a != art:
                continue
            spans.setdefault((c.valid_from, c.valid_to), {}).setdefault(a, []).append(c.text)
            sources[(c.valid_from, c.valid_to)] = c.source
        ordered = sorted(spans, key=lambda k: k[0] or "")
        versions = [{"valid_from": vf, "valid_to": vt, "source": sources[(vf, vt)]} for vf, vt in ordered]
        open_ = any(vt is None for _, vt in ordered)
        ends = sorted(vt for _, vt in ordered if vt)
        retired_per = ends[-1] if ordered and not open_ else None

        def text_of(span, article):
            parts = spans[span]
            if article:
                return " ".join(" ".join(parts.get(article, [])).split()) or None
            return " ".join(" ".join(t for a in sorted(parts, key=str) for t in parts[a]).split())

        def judge(date: str | None, article: str | None) -> tuple[bool, str]:
            if not date:
                return False, "versie onbekend"
            current = [sp for sp in ordered if (sp[0] or "") <= date and (sp[1] is None or sp[1] > date)]
            was = text_of(current[-1], article) if current else None
            for sp in ordered:
                if (sp[0] or "") > date and (was is None or text_of(sp, article) != was):
                    return True, f"nieuwe versie met gewijzigde tekst vanaf {sp[0]} (gebruikt: versie van {date})"
            if retired_per and retired_per > date:
                return True, f"de regel is vervallen per {retired_per}"
            return False, "verwijst naar de laatste versie"

        items: list[ImpactItem] = []
        seen: set[str] = set()
        for c in chunks:
            if c.source_type != "besluit" or c.doc_id in seen:
                continue
            regel = str(c.extra.get("regel") or "")
            if not regel or not cites(rule_key(regel), target, art):
                continue
            seen.add(c.doc_id)
            version = str(c.extra.get("regel_versie") or "") or c.valid_from
            affected, reason = judge(version, rule_key(regel)[1])
            status = None
            if str(c.extra.get("status", "")).lower() == "achterhaald":
                status = "achterhaald"
                affected, reason = False, f"achterhaald door {c.extra.get('achterhaald_door')}; alleen geschiedenis"
            items.append(ImpactItem("precedent", str(c.extra.get("id") or c.citation), regel, version, affected,
                                    SIGNAL_OLD_PRECEDENT if affected else None, reason, status=status))
        with self._read() as s:
            stmt = select(CaseRow).where(CaseRow.knelpunt.is_(True), CaseRow.status != "afgewezen").order_by(CaseRow.id)
            for row in s.execute(stmt).unique().scalars():
                if (row.knelpunt_status or "open") == "opgelost":
                    continue
                for rule in row.rules or []:
                    cited = rule.get("citation") if isinstance(rule, dict) else str(rule)
                    if not cited or not cites(rule_key(cited), target, art):
                        continue
                    version = str((rule.get("version") if isinstance(rule, dict) else None) or row.peildatum.isoformat())
                    affected, reason = judge(version, rule_key(cited)[1])
                    items.append(ImpactItem("knelpunt", f"casus {row.id}", cited, version, affected,
                                            SIGNAL_KNELPUNT if affected else None, reason,
                                            status=row.knelpunt_status or "open", case_id=row.id,
                                            description=row.knelpunt_description))
                    break
        return ImpactReport(citation, artikel, versions, items)

    # ------------------------------------------------------------------ diff

    def article_text(self, doc: RegisteredDocument, artikel: str | None = None) -> str:
        try:
            loaded = load_document(self.path_of(doc), self.corpus_dir)
        except LoadError as exc:
            raise RegistryError(f"Versie {doc.id} ({doc.path}) is niet te lezen: {exc.reason}") from exc
        chunks = split_document(loaded, self.max_chunk_chars)
        if artikel:
            want = artikel.strip().lower()
            chunks = [c for c in chunks if (c.article or "").lower() == want]
            if not chunks:
                raise RegistryError(f"Artikel {artikel} komt niet voor in versie {doc.id} van {doc.citation} "
                                    f"({doc.period}).")
        parts: list[str] = []
        for c in chunks:
            text = c.text
            if c.heading and c.heading not in parts:
                parts.append(c.heading)
            parts.append(text)
        return "\n\n".join(dict.fromkeys(parts))

    def diff(self, citation: str, artikel: str | None = None, oud: dt.date | str | None = None,
             nieuw: dt.date | str | None = None, side_by_side: bool = False, width: int = 120) -> str:
        """Text diff between two versions (default: the last two) of CITATION, or of one article
        of it. A version is chosen by a date within its validity (--oud/--nieuw)."""
        versions = self.versions(citation)
        if not versions and artikel:
            versions = self.versions(f"artikel {artikel} {citation}")
            if versions:  # one article per file (BWB import): the article is the document
                citation, artikel = f"artikel {artikel} {citation}", None
        if len(versions) < 2:
            raise RegistryError(f"Van '{citation}' staan {len(versions)} versie(s) in het register; voor een "
                                "vergelijking zijn er twee nodig.")

        def pick(day, default):
            if day is None:
                return default
            day = parse_date(day, "datum")
            for v in versions:
                if (v.valid_from or dt.date.min) <= day < (v.valid_to or dt.date.max):
                    return v
            raise RegistryError(f"Op {day} gold geen versie van '{citation}'.")

        old, new = pick(oud, versions[-2]), pick(nieuw, versions[-1])
        a, b = _lines(self.article_text(old, artikel)), _lines(self.article_text(new, artikel))
        what = f"artikel {artikel} {citation}" if artikel else citation
        la = f"{what}, versie {old.id} (geldig {old.period})"
        lb = f"{what}, versie {new.id} (geldig {new.period})"
        if a == b:
            return f"Geen verschil in de tekst tussen\n  {la}\n  {lb}\n"
        if not side_by_side:
            out = list(difflib.unified_diff(a, b, fromfile=la, tofile=lb, lineterm="", n=2))
            legend = "Verschillen (- alleen in de oude versie, + alleen in de nieuwe versie)"
            return legend + "\n" + "\n".join(out) + "\n"
        return _side_by_side(a, b, la, lb, width)


def _lines(text: str) -> list[str]:
    """One sentence per line, so that a changed amount shows as one changed sentence."""
    lines: list[str] = []
    for para in text.split("\n\n"):
        merged: list[str] = []
        for piece in re.split(r"(?<=[.;:])\s+(?=[A-Z0-9(])", " ".join(para.split())):
            if merged and re.fullmatch(r"(?:\d{1,3}[a-z]?|[a-z]{1,2})\.", merged[-1]):
                merged[-1] += " " + piece  # a lid number or onderdeel letter stays with its text
            elif piece:
                merged.append(piece)
        lines += merged
        lines.append("")
    return lines[:-1] if lines else lines


def _side_by_side(a: list[str], b: list[str], la: str, lb: str, width: int) -> str:
    col = max(30, (width - 3) // 2)

    def rows(left: str, mark: str, right: str) -> list[str]:
        lw = textwrap.wrap(left, col) or [""]
        rw = textwrap.wrap(right, col) or [""]
        n = max(len(lw), len(rw))
        lw += [""] * (n - len(lw))
        rw += [""] * (n - len(rw))
        return [f"{lw[i]:<{col}} {mark if i == 0 else ' '} {rw[i]}".rstrip() for i in range(n)]

    out = [f"{'OUD: ' + la:<{col}}   NIEUW: {lb}",
           "(| gewijzigd, < alleen oud, > alleen nieuw)", "-" * (2 * col + 3)]
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if op == "equal":
            for x in a[i1:i2]:
                out += rows(x, " ", x)
        elif op == "replace":
            left, right = a[i1:i2], b[j1:j2]
            for k in range(max(len(left), len(right))):
                lx = left[k] if k < len(left) else ""
                rx = right[k] if k < len(right) else ""
                out += rows(lx, "|" if lx and rx else ("<" if lx else ">"), rx)
        elif op == "delete":
            for x in a[i1:i2]:
                out += rows(x, "<", "")
        else:
            for x in b[j1:j2]:
                out += rows("", ">", x)
    return "\n".join(out) + "\n"
