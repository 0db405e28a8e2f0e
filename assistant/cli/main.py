"""The `maatwerk` command line: each command is a few lines over the public API. Messages to
users are Dutch; errors that users can cause exit non-zero with a message, never a traceback."""

from __future__ import annotations

import datetime as dt
import json
import sys
import textwrap
from pathlib import Path

import click

from assistant.app import App
from assistant.cli.common import MainGroup, UserError, parse_peildatum, parse_types, pass_app
from assistant.dutch import plural
from assistant.config import Settings
from assistant.corpus.documents import SOURCE_TYPES


@click.group(cls=MainGroup, context_settings={"help_option_names": ["-h", "--help"]},
             lazy={"ask": "assistant.cli.answers:ask",
                   "users": "assistant.cli.identity:users_group",
                   "cases": "assistant.cli.cases:cases_group",
                   "audit": "assistant.cli.cases:audit_group",
                   "report": "assistant.cli.reports:report_group",
                   "demo": "assistant.cli.reports:demo_group",
                   "corpus": "assistant.cli.corpus:corpus_group",
                   "serve": "assistant.cli.serve:serve",
                   "backup": "assistant.cli.ops:backup",
                   "restore": "assistant.cli.ops:restore",
                   "toets": "assistant.cli.policy:toets",
                   "export": "assistant.cli.policy:export_group",
                   "import": "assistant.cli.policy:import_group"})
@click.pass_context
def main(ctx: click.Context) -> None:
    """Maatwerkassistent: vind de ruimte voor maatwerk in regels, richtsnoeren en eerdere besluiten.

    Instellingen komen uit MAATWERK_*-omgevingsvariabelen (zie README)."""
    if ctx.obj is None:  # tests may hand in an App of their own (CliRunner.invoke(main, ..., obj=app))
        ctx.obj = App.from_settings(Settings())
    ctx.call_on_close(ctx.obj.close)


@main.command("index")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--rebuild", is_flag=True, help="Gooi de index weg en bouw hem opnieuw op.")
@click.option("--quiet", is_flag=True, help="Geen voortgangsbalk.")
@pass_app
def index_cmd(app: App, paths: tuple[Path, ...], rebuild: bool, quiet: bool) -> None:
    """Indexeer PATHS (standaard: de corpusmap). Ongewijzigde bestanden worden overgeslagen."""
    index = app.index
    if rebuild:
        index.reset()
    if not paths:
        from assistant.corpus.workspace import prepare

        prepare(app.settings)
    targets = list(paths) or [app.settings.corpus_dir]
    report = index.index_paths(targets, progress=not quiet, max_bytes=app.max_upload_bytes)
    for err in report.errors:
        click.echo(f"Fout: {err.path}: {err.reason}", err=True)
    for gone, here in report.relocated:
        click.echo(f"Verplaatst: {gone} staat nu op {here}; de index volgt (niets opnieuw ingebed).")
    click.echo(
        f"{plural(report.files_seen, 'bestand', 'bestanden')}: {report.files_indexed} geïndexeerd, "
        f"{report.files_unchanged} ongewijzigd, {report.files_removed} verwijderd, "
        f"{len(report.errors)} met fouten; {report.chunks_added} passages toegevoegd, "
        f"{report.chunks_removed} verwijderd; totaal {index.count()} passages "
        f"({report.seconds:.1f} s)."
    )
    if report.replaced:
        from assistant.privacy import format_counts

        click.echo(f"Persoonsgegevens vervangen in de index ({len(report.replaced)} bestanden): "
                   f"{format_counts(report.replaced_total())}")
    if report.errors:
        sys.exit(1)


@main.command("search")
@click.argument("vraag")
@click.option("--k", default=5, show_default=True, help="Aantal resultaten.")
@click.option("--peildatum", help="Alleen passages die op deze datum golden (JJJJ-MM-DD; standaard: vandaag).")
@click.option("--alle-versies", is_flag=True, help="Niet filteren op geldigheid.")
@click.option("--type", "types", help=f"Alleen deze typen, kommagescheiden ({', '.join(SOURCE_TYPES)}).")
@click.option("--domein", help="Alleen dit domein (participatiewet, wmo, jeugd, schuldhulp, algemeen).")
@click.option("--mode", type=click.Choice(["hybrid", "lexical", "dense"]), default="hybrid", show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Uitvoer als JSON.")
@pass_app
def search_cmd(app, vraag, k, peildatum, alle_versies, types, domein, mode, as_json) -> None:
    """Zoek passages bij VRAAG."""
    if not vraag.strip():
        raise UserError("de vraag is leeg")
    if k < 1:
        raise UserError("--k moet minstens 1 zijn")
    day = None if alle_versies else (parse_peildatum(peildatum) or dt.date.today())
    index = app.index
    if not index.count():
        raise UserError("de index is leeg: voer eerst `maatwerk index` uit")
    hits = index.search(vraag, k=k, peildatum=day, source_types=parse_types(types),
                        domains=[domein] if domein else None, mode=mode)
    if as_json:
        click.echo(json.dumps([h.to_dict() for h in hits], ensure_ascii=False, indent=2))
        return
    if not hits:
        click.echo("Geen passages gevonden" + (f" die op {day.isoformat()} golden." if day else "."))
        return
    for h in hits:
        c = h.chunk
        validity = f"{c.valid_from or '?'} – {c.valid_to or 'heden'}"
        click.echo(f"{h.rank}. {c.citation}  [{c.source_type}; geldig {validity}]")
        snippet = " ".join(c.text.split())
        click.echo(textwrap.fill(snippet[:300] + ("…" if len(snippet) > 300 else ""), width=100,
                                 initial_indent="   ", subsequent_indent="   "))
        click.echo(f"   bron: {c.source}" + (f", p. {c.page}" if c.page else ""))


if __name__ == "__main__":
    main()
