"""The `maatwerk` command line: each command is a few lines over the public API. Messages to
users are Dutch; errors that users can cause exit non-zero with a message, never a traceback."""

from __future__ import annotations

import datetime as dt
import json
import sys
import textwrap
from pathlib import Path

import click

from assistant.config import Settings
from assistant.documents import SOURCE_TYPES


def plural(n: int, one: str, many: str) -> str:
    """'1 bestand', '3 bestanden'."""
    return f"{n} {one if n == 1 else many}"


class UserError(click.ClickException):
    """A clear Dutch message and exit code 2."""

    exit_code = 2

    def format_message(self) -> str:
        return self.message

    def show(self, file=None) -> None:
        click.echo(f"Fout: {self.format_message()}", err=True)


def parse_peildatum(value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise UserError(f"'{value}' is geen geldige peildatum; gebruik JJJJ-MM-DD, bijv. 2026-03-01") from None


def parse_types(value: str | None) -> list[str] | None:
    if not value:
        return None
    types = [t.strip().lower() for t in value.split(",") if t.strip()]
    unknown = [t for t in types if t not in SOURCE_TYPES]
    if unknown:
        raise UserError(f"onbekend type: {', '.join(unknown)} (kies uit: {', '.join(SOURCE_TYPES)})")
    return types


def open_index(settings: Settings):
    from assistant.embeddings import EmbedderError
    from assistant.index import Index, IndexError_

    try:
        return Index.from_settings(settings)
    except (EmbedderError, IndexError_) as exc:
        raise UserError(str(exc)) from exc


class LazyGroup(click.Group):
    """A group whose commands live beside the modules they drive (answers_cli, cases_cli, ...)
    and are imported by name only when used: no import cycles with this module, and
    `maatwerk search` does not pay for loading the case log or the UI."""

    def __init__(self, *args, lazy: dict[str, str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.lazy = lazy or {}

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*super().list_commands(ctx), *self.lazy])

    def get_command(self, ctx: click.Context, name: str):
        if name in self.lazy:
            import importlib

            module, attr = self.lazy[name].split(":")
            return getattr(importlib.import_module(module), attr)
        return super().get_command(ctx, name)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]},
             lazy={"ask": "assistant.answers_cli:ask",
                   "users": "assistant.identity_cli:users_group",
                   "cases": "assistant.cases_cli:cases_group",
                   "audit": "assistant.cases_cli:audit_group",
                   "report": "assistant.reports_cli:report_group",
                   "demo": "assistant.reports_cli:demo_group",
                   "corpus": "assistant.corpus_cli:corpus_group",
                   "serve": "assistant.ui_cli:serve",
                   "backup": "assistant.ops_cli:backup",
                   "restore": "assistant.ops_cli:restore",
                   "toets": "assistant.policy.cli:toets",
                   "export": "assistant.policy.cli:export_group",
                   "import": "assistant.policy.cli:import_group"})
@click.pass_context
def main(ctx: click.Context) -> None:
    """Maatwerkassistent: vind de ruimte voor maatwerk in regels, richtsnoeren en eerdere besluiten.

    Instellingen komen uit MAATWERK_*-omgevingsvariabelen (zie README)."""
    ctx.obj = Settings()


@main.command("index")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--rebuild", is_flag=True, help="Gooi de index weg en bouw hem opnieuw op.")
@click.option("--quiet", is_flag=True, help="Geen voortgangsbalk.")
@click.pass_obj
def index_cmd(settings: Settings, paths: tuple[Path, ...], rebuild: bool, quiet: bool) -> None:
    """Indexeer PATHS (standaard: de corpusmap). Ongewijzigde bestanden worden overgeslagen."""
    from assistant.index import IndexError_

    index = open_index(settings)
    if rebuild:
        index.reset()
    if not paths:
        from assistant.workspace import WorkspaceError, prepare

        try:
            prepare(settings)
        except WorkspaceError as exc:
            raise UserError(str(exc)) from exc
    targets = list(paths) or [settings.corpus_dir]
    try:
        report = index.index_paths(targets, progress=not quiet, max_bytes=settings.max_upload_mb * 1_000_000)
    except IndexError_ as exc:
        raise UserError(str(exc)) from exc
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
@click.pass_obj
def search_cmd(settings, vraag, k, peildatum, alle_versies, types, domein, mode, as_json) -> None:
    """Zoek passages bij VRAAG."""
    from assistant.index import IndexError_

    if not vraag.strip():
        raise UserError("de vraag is leeg")
    if k < 1:
        raise UserError("--k moet minstens 1 zijn")
    day = None if alle_versies else (parse_peildatum(peildatum) or dt.date.today())
    index = open_index(settings)
    if not index.count():
        raise UserError("de index is leeg: voer eerst `maatwerk index` uit")
    try:
        hits = index.search(vraag, k=k, peildatum=day, source_types=parse_types(types),
                            domains=[domein] if domein else None, mode=mode)
    except IndexError_ as exc:
        raise UserError(str(exc)) from exc
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


@main.group("eval", cls=LazyGroup, lazy={"answers": "assistant.answers_cli:eval_answers"})
def eval_group() -> None:
    """Evaluaties op de gouden sets in evals/."""


@eval_group.command("retrieval")
@click.option("--gold", type=click.Path(exists=True, path_type=Path), multiple=True,
              default=[Path("evals/gold/retrieval.yaml")], show_default=True,
              help="Gouden set (YAML); herhaal voor meer sets: dan ook een tabel over alle vragen samen.")
@click.option("--k", default=10, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Uitvoer als JSON.")
@click.option("--verbose", is_flag=True, help="Toon per vraag de rang van de eerste relevante bron.")
@click.pass_obj
def eval_retrieval_cmd(settings, gold, k, as_json, verbose) -> None:
    """Recall@1/5/10 en MRR@10 voor lexicaal, dense en hybride, naast elkaar."""
    from evals.retrieval import combine, evaluate_modes, format_table, load_gold

    index = open_index(settings)
    if not index.count():
        raise UserError("de index is leeg: voer eerst `maatwerk index PAD` uit voor het corpus van de gouden set")
    runs = {path.name: evaluate_modes(index, load_gold(path), k=k) for path in gold}
    if len(runs) > 1:
        runs["samen"] = combine(list(runs.values()))
    if as_json:
        summaries = {name: {m: r.summary() for m, r in results.items()} for name, results in runs.items()}
        click.echo(json.dumps(summaries[gold[0].name] if len(gold) == 1 else summaries, indent=2))
        return
    for name, results in runs.items():
        if len(runs) > 1:
            click.echo(f"\n{name}")
        click.echo(format_table(results))
        if verbose and name != "samen":
            for qid, rank, q in results["hybrid"].per_question:
                other = {m: dict((i, r) for i, r, _ in res.per_question)[qid] for m, res in results.items()}
                click.echo(f"{qid:10} hybrid={rank or '-':>3} lexical={other['lexical'] or '-':>3} "
                           f"dense={other['dense'] or '-':>3}  {q[:70]}")


@main.command("bench", context_settings={"ignore_unknown_options": True})
@click.option("--sizes", default="1000,10000,100000", show_default=True, help="Aantallen passages, kommagescheiden.")
@click.option("--json", "as_json", is_flag=True, help="Uitvoer als JSON.")
def bench_cmd(sizes: str, as_json: bool) -> None:
    """Benchmark: indexeersnelheid, zoeklatentie (p50/p95) en piekgeheugen bij 1k/10k/100k passages."""
    from evals.bench import main as bench_main

    bench_main(["--sizes", sizes] + (["--json"] if as_json else []))


if __name__ == "__main__":
    main()
