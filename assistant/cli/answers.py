"""`maatwerk ask`: a thin command over Assistant.ask()."""

from __future__ import annotations

import json
import textwrap

import click

from assistant.app import App
from assistant.cli.common import UserError, parse_peildatum, pass_app


def build_assistant(app: App):
    """The app's assistant, once its index is known to be usable for answering."""
    assistant = app.assistant
    if not assistant.index.count():
        raise UserError("de index is leeg: voer eerst `maatwerk index` uit")
    assistant.index.check_embedder()
    return assistant


def _wrap(text: str, indent: str = "") -> str:
    out = []
    for line in text.splitlines():
        if not line.strip():
            out.append("")
            continue
        lead = indent + ("  " if line.lstrip().startswith(("- ", "1.", "2.", "3.")) else "")
        out.append(textwrap.fill(line, width=100, initial_indent=indent, subsequent_indent=lead))
    return "\n".join(out)


def render(answer) -> str:
    """Readable Dutch output, grouped: answer, afwijkingsruimte, precedents, motivering, sources."""
    lines = [_wrap(answer.answer), ""]
    if answer.afwijkingsruimte is not None and answer.grounded:
        r = answer.afwijkingsruimte
        lines.append(f"Grondslag om af te wijken: {r.basis}" + (f" ({r.citation})" if r.citation else ""))
        if r.knelpunt:
            lines.append("Geen ruimte: leg de casus vast als knelpunt.")
        lines.append("")
    if answer.motivering and answer.grounded:
        lines.append("Concept-motivering (om te bewerken, niet definitief):")
        for kop, tekst in answer.motivering:
            lines.append(f"  {kop}:")
            lines.append(_wrap(tekst, "    "))
        lines.append("")
    if answer.citations:
        lines.append("Bronnen:")
        for c in answer.citations:
            validity = f"geldig {c.valid_from or '?'} – {c.valid_to or 'heden'}"
            lines.append(f"  [{c.n}] {c.citation} ({validity}; {c.source})")
        lines.append("")
    for w in answer.warnings:
        lines.append(f"Let op: {w}")
    return "\n".join(lines).rstrip()


@click.command("ask")
@click.argument("vraag")
@click.option("--peildatum", help="Beantwoord naar de regels die op deze datum golden (JJJJ-MM-DD; standaard: vandaag).")
@click.option("--voorgestelde-uitkomst", help="Uitkomst die u overweegt (afwijken / niet afwijken): getoetst aan eerdere besluiten.")
@click.option("--json", "as_json", is_flag=True, help="Uitvoer als JSON.")
@pass_app
def ask(app, vraag, peildatum, voorgestelde_uitkomst, as_json) -> None:
    """Vraag of en op welke grondslag u van een regel mag afwijken; antwoord met bronnen."""
    from assistant.answering.model import MAX_QUESTION_CHARS

    if not vraag.strip():
        raise UserError("de vraag is leeg")
    if len(vraag) > MAX_QUESTION_CHARS:
        raise UserError(f"de vraag is te lang ({len(vraag)} tekens, maximaal {MAX_QUESTION_CHARS})")
    day = parse_peildatum(peildatum)
    assistant = build_assistant(app)
    casus = {"voorgestelde_uitkomst": voorgestelde_uitkomst} if voorgestelde_uitkomst else None
    answer = assistant.ask(vraag, peildatum=day, casus=casus)
    if as_json:
        click.echo(json.dumps(answer.to_dict(), ensure_ascii=False, indent=2))
    else:
        click.echo(render(answer))
