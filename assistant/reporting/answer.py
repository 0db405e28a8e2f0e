"""One answer, for the professional: its parts in the order the app shows them, and as Markdown
(word.answer_docx and word.motivering_docx write the Word versions)."""

from __future__ import annotations

from typing import Any


def answer_sections(answer: dict[str, Any]) -> list[tuple[str, list[str] | str]]:
    """One answer (Answer.to_dict()) in the order the app shows it, each part once: (heading,
    paragraph text or a list of items). Shared by the Markdown and DOCX exports."""
    from assistant.answering import parts as answer_parts

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
