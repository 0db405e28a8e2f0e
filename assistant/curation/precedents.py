"""Precedents: approved cases promoted to documents in the corpus (besluiten front matter), and
precedents marked achterhaald. A mixin of Registry."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path
from typing import Any, Sequence

import yaml
from sqlalchemy import select


from assistant.cases import motivering_gaps
from assistant.curation.model import DocumentRow, ECLI_RE, RegisteredDocument, RegistryError, cites, rule_key


class Precedents:
    """Promote approved cases, withdraw or overturn precedents (mixin of Registry)."""


    # ------------------------------------------------------------------ precedents

    def promote_case(self, case_id: int, by: str, *, precedent_id: str | None = None,
                     omstandigheden: Sequence[str] | None = None, title: str | None = None) -> RegisteredDocument:
        """Turn an approved case into a precedent document (besluiten front-matter format),
        written to the precedents folder, registered and indexed. Only jurist/beheerder; the
        case's texts are pseudonymised already and are checked once more."""
        with self._read() as s:
            self._editor(s, by)
            if s.execute(select(DocumentRow).where(DocumentRow.case_id == case_id,
                                                   DocumentRow.source_type == "besluit")).first():
                existing = s.execute(select(DocumentRow).where(DocumentRow.case_id == case_id)).scalars().first()
                raise RegistryError(f"Casus {case_id} is al vastgelegd als precedent "
                                    f"{existing.precedent_id or existing.id}.")
        case = self.log.get_case(case_id, as_user=by)
        if case.status != "goedgekeurd":
            raise RegistryError(f"Casus {case_id} heeft status '{case.status}'; alleen een goedgekeurde casus "
                                "kan een precedent worden.")
        gaps = motivering_gaps(case.motivering)
        if gaps:  # approved before the check existed: never a precedent with placeholders
            raise RegistryError(f"Casus {case_id} kan geen precedent worden: de motivering is nog niet af ("
                                + "; ".join(gaps) + ").")
        text, pid = self._precedent_markdown(case, precedent_id, omstandigheden, title)
        with tempfile.TemporaryDirectory(prefix="maatwerk-precedent-") as tmp:
            path = Path(tmp) / f"{pid}.md"
            path.write_text(text, encoding="utf-8")
            result = self.add_many([(path, {})], by, dest_dir=self.precedents_rel,
                                   audit_action="corpus.precedent_promoted", case_id=case.id, precedent_id=pid)
        return result.document

    def _precedent_markdown(self, case, precedent_id, omstandigheden, title) -> tuple[str, str]:
        from assistant.privacy import PlaceholderMap, contains_personal_data

        day = (case.reviewed_at or case.updated_at).date()
        pid = (precedent_id or f"MB-{day.year}-C{case.id:03d}").strip()
        if not re.match(r"^[A-Za-z0-9][A-Za-z0-9._-]{1,58}$", pid):
            raise RegistryError(f"'{pid}' is geen geldig kenmerk voor een precedent (letters, cijfers, - . _).")
        mapping = PlaceholderMap()

        def clean(value: str | None) -> str:
            text = self.log.pseudonymiser.pseudonymise((value or "").strip(), mapping)
            if contains_personal_data(text):
                raise RegistryError(f"Casus {case.id} bevat nog persoonsgegevens; pas de casus aan voordat hij "
                                    "een precedent wordt.")
            return text

        rules = [r if isinstance(r, dict) else {"citation": str(r)} for r in (case.rules or [])]
        ruimte = case.afwijkingsruimte if isinstance(case.afwijkingsruimte, dict) else {}
        regel = str(rules[0].get("citation") or "") if rules else str(ruimte.get("rule") or "")
        regel_versie = rules[0].get("version") if rules else None
        regellaag = ruimte.get("layer") or self._layer_of_rule(regel)
        circumstances = [clean(o) for o in omstandigheden] if omstandigheden else [
            clean(p) for p in re.split(r"(?<=[.;!?])\s+", case.situation or "") if p.strip()][:6]
        question = clean(case.question)
        meta: dict[str, Any] = {
            "title": f"Maatwerkbesluit {pid}: {clean(title) if title else question[:120].rstrip('?')}",
            "citation": f"Maatwerkbesluit {pid}",
            "source_type": "besluit",
            "id": pid,
            "datum": day.isoformat(),
            "valid_from": day.isoformat(),
            "domein": case.domain or "algemeen",
            "team": case.team,
            "regel": regel,
            "regel_versie": str(regel_versie) if regel_versie else None,
            "regellaag": regellaag,
            "grondslag_afwijking": ruimte.get("basis") or ("geen" if case.uitkomst == "niet afgeweken" else None),
            "grondslag_citatie": ruimte.get("citation"),
            "uitkomst": case.uitkomst,
            "omstandigheden": circumstances,
            "knelpunt": {"aanwezig": bool(case.knelpunt)},
            "casus": case.id,
        }
        if len(rules) > 1:
            meta["regels"] = [{"citation": r.get("citation"), "version": r.get("version")} for r in rules]
        if case.knelpunt:
            meta["knelpunt"].update({k: v for k, v in {
                "omschrijving": clean(case.knelpunt_description) or None,
                "gevolgen": clean(case.knelpunt_consequences) or None,
                "oplossingsrichting": clean(case.knelpunt_solution) or None,
                "type_oplossing": case.knelpunt_solution_type,
                "wie": case.knelpunt_owner,
                "status": case.knelpunt_status,
            }.items() if v})
        meta = {k: v for k, v in meta.items() if v not in (None, "")}
        front = yaml.safe_dump(meta, allow_unicode=True, sort_keys=False, width=1000)
        uitkomst = {"afgeweken": "Het college wijkt af van de regel.",
                    "gedeeltelijk": "Het college wijkt gedeeltelijk af van de regel.",
                    "niet afgeweken": "Het college wijkt niet af van de regel."}.get(case.uitkomst or "", "")
        body = [f"# Maatwerkbesluit {pid}", "", "## Feiten", clean(case.situation) or "Niet vastgelegd.", "",
                "## Vraag", question, ""]
        if regel:
            body += ["## Toetsing", f"Regel: {regel}" + (f" (versie {regel_versie})" if regel_versie else "") + "."
                     + (f" Grondslag voor afwijken: {ruimte['citation']}." if ruimte.get("citation") else ""), ""]
        body += ["## Besluit", uitkomst or "Zie de motivering.", "", "## Motivering", clean(case.motivering), ""]
        return f"---\n{front}---\n" + "\n".join(body), pid

    def _layer_of_rule(self, regel: str) -> str | None:
        if not regel:
            return None
        key = rule_key(regel)
        for d in self.list():
            if d.source_type != "besluit" and cites(key, rule_key(d.citation), None):
                return d.source_type
        return None

    def mark_achterhaald(self, ref: int | str, by: str, ecli: str, toelichting: str | None = None) -> RegisteredDocument:
        """A precedent overturned in bezwaar/beroep: `status: achterhaald` + `achterhaald_door:
        ECLI` in its sidecar and the registry; it stays in the index as history."""
        ecli = (ecli or "").strip().upper()
        if not ECLI_RE.match(ecli):
            raise RegistryError(f"'{ecli}' is geen geldige ECLI (bijv. ECLI:NL:CRVB:2026:123).")
        with self._change() as (s, files):
            user = self._editor(s, by)
            row = self._row(s, ref)
            if row.source_type != "besluit":
                raise RegistryError(f"Document {row.id} is geen besluit; alleen een precedent kan achterhaald zijn.")
            if row.status == "achterhaald":
                raise RegistryError(f"Precedent {row.precedent_id or row.id} is al achterhaald door {row.achterhaald_door}.")
            before = self._snapshot(row)
            row.status, row.achterhaald_door = "achterhaald", ecli
            row.changed_by, row.changed_at = user.username, self._now()
            if toelichting:
                row.note = toelichting
            s.flush()
            self._set_sidecar(files, row.path, status="achterhaald", achterhaald_door=ecli,
                              achterhaald_op=self.today().isoformat(), achterhaald_toelichting=toelichting)
            self._audit(s, user.username, "corpus.precedent_achterhaald", before,
                        {**self._snapshot(row), "toelichting": toelichting}, case_id=row.case_id)
            self._reindex([row.path])
            return self._model(row, s)
