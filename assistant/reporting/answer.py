"""One answer, for the professional: copy it as Markdown."""

from __future__ import annotations


from typing import Any


# ---- one answer, for the professional: copy as Markdown, the draft motivering as DOCX -----------

def answer_markdown(answer: dict[str, Any]) -> str:
    """One answer (Answer.to_dict()) as the professional copies it into a dossier: kort antwoord,
    what is still needed, the room, the precedents in one line each, the sources with version."""
    lines = [f"# Vraag\n\n{answer.get('question', '')}", f"Peildatum: {answer.get('peildatum', '')}"]
    if answer.get("kort_antwoord"):
        lines.append(f"## Kort antwoord ({answer.get('oordeel') or 'zie toelichting'})\n\n{answer['kort_antwoord']}")
    if answer.get("nog_nodig"):
        lines.append("## Nog nodig om te beoordelen\n\n" + "\n".join(f"- {x}" for x in answer["nog_nodig"]))
    r = answer.get("afwijkingsruimte") or {}
    if r:
        lines.append(f"## Afwijkingsruimte\n\n{r.get('toelichting', '')}")
    precedents = [p.get("regel_kort") or p.get("id") for p in answer.get("precedents") or []]
    if precedents:
        lines.append("## Eerdere besluiten\n\n" + "\n".join(f"- {x}" for x in precedents))
    if answer.get("motivering"):
        lines.append("## Concept-motivering\n\n" + "\n\n".join(f"**{s['kop']}**\n\n{s['tekst']}"
                                                            for s in answer["motivering"]))
    cites = answer.get("citations") or []
    if cites:
        lines.append("## Bronnen\n\n" + "\n".join(
            f"[{c['n']}] {c['citation']}" + (f" (geldig vanaf {c['valid_from']})" if c.get("valid_from") else "")
            for c in cites))
    lines.append("De professional beslist; dit antwoord is een hulpmiddel, geen besluit.")
    return "\n\n".join(lines) + "\n"
