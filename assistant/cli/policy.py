"""`maatwerk toets`, `maatwerk report staat`, `maatwerk export signalen` and `maatwerk import
signalen`: a few lines each over assistant.policy. cli/main.py registers toets/export/import lazily by
name; cli/reports.py adds `staat` to the report group."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import click

from assistant.app import App
from assistant.cli.common import UserError, pass_app
from assistant.config import Settings
from assistant.cli.identity import acting_user, identity_options

TOETS_ROLES = ("jurist", "kwaliteit", "beheerder")
STAAT_ROLES = ("kwaliteit", "beheerder")
SIGNALEN_ROLES = ("kwaliteit", "beheerder")
DOC_FORMATS = ("md", "html", "docx", "pdf")


def _format(fmt: str, allowed: tuple[str, ...], out: Path) -> str:
    fmt = fmt.strip().lower()
    if fmt not in allowed:
        raise UserError(f"onbekend formaat '{fmt}'; kies uit: {', '.join(allowed)}.")
    if out.exists() and out.is_dir():
        raise UserError(f"{out} is een map; geef een bestandsnaam op, bijv. {out / ('uitvoer.' + fmt)}.")
    return fmt


def _corpus_dir(settings: Settings) -> Path:
    from assistant.corpus.workspace import prepare

    prepare(settings)  # the managed corpus folder, filled from the sample corpus on first use
    return Path(settings.corpus_dir)


def _document_options(who: str):
    """The options every command that writes a policy document shares: --format, --out, who acts
    (WHO names the roles that may) and --json."""
    def wrap(command):
        command = click.option("--json", "as_json", is_flag=True, help="Samenvatting als JSON.")(command)
        command = identity_options(f"Uw gebruikersnaam ({who}); wachtwoord via prompt of --password-stdin, "
                                   "of MAATWERK_TOKEN.")(command)
        command = click.option("--out", "out", required=True, type=click.Path(path_type=Path),
                               help="Uitvoerbestand.")(command)
        return click.option("--format", "fmt", default="md", show_default=True,
                            help=f"Formaat: {', '.join(DOC_FORMATS)}.")(command)
    return wrap


@click.command("toets")
@click.argument("pad", type=click.Path(path_type=Path))
@_document_options("jurist, kwaliteit of beheerder")
@pass_app
def toets(app: App, pad: Path, fmt: str, out: Path, as_user: str | None, password_stdin: bool,
          as_json: bool) -> None:
    """Uitvoeringstoets van een concept (PAD): wat betekent de nieuwe versie van een beleidsregel of
    verordening voor de goedgekeurde casussen en precedenten onder de huidige versie?

    PAD is een concept buiten de corpusmap, met dezelfde citeertitel als de regeling die het
    vervangt; het wordt niet geïndexeerd en niet in antwoorden gebruikt. De toets noemt per casus
    (op nummer) het gevolg: afwijking niet meer nodig, valt binnen of buiten de regel, afwijking
    blijft nodig, of niet te bepalen (apart geteld); verder de knelpunten die het concept aanpakt,
    wat het doet met de ruimte voor professionele afweging (hardheidsclausule,
    afwijkingsbevoegdheid, 'kan' wordt 'moet', uitzonderingen) en wat er voor de professional
    verandert."""
    from assistant.cli.cases import open_caselog
    from assistant.reporting.document import check_out_path, write_document
    from assistant.policy.toets import check_private, toets_document, uitvoeringstoets

    fmt = _format(fmt, DOC_FORMATS, out)
    corpus = _corpus_dir(app.settings)
    log = open_caselog(app)
    acting_user(app.settings, log, as_user, password_stdin, roles=TOETS_ROLES,
                refusal="Alleen een jurist, kwaliteitsmedewerker of beheerder mag een uitvoeringstoets maken.")
    check_out_path(out, fmt, "uitvoeringstoets")
    result = uitvoeringstoets(log, pad, corpus, gemeente=app.settings.gemeente,
                              max_chunk_chars=app.settings.max_chunk_chars)
    doc = toets_document(result)
    if check_private(doc):
        raise UserError("De toets bevat nog iets dat op een persoonsgegeven lijkt; er is niets geschreven.")
    written = write_document(doc, fmt, out)
    summary = result.to_summary()
    if as_json:
        click.echo(json.dumps({**summary, "formaat": fmt, "bestanden": [str(p) for p in written]},
                              ensure_ascii=False, indent=2))
        return
    g = summary["gevolgen"]
    click.echo(f"Uitvoeringstoets {result.citation}: {summary['casussen']} casussen; afwijking niet meer nodig "
               f"{g['overbodig']}, binnen de regel {g['meer']}, buiten de regel of minder {g['minder']}, afwijking "
               f"blijft nodig {g['blijft']}, niet te bepalen {g['onbepaald']}, geen gevolg {g['geen']}.")
    for flag in result.flags:
        click.echo(f"Let op: {flag}.")
    click.echo(f"Geschreven: {written[0]}")


@click.command("staat")
@click.option("--jaar", required=True, type=int, help="Het kalenderjaar (JJJJ), op goedkeuringsdatum.")
@_document_options("kwaliteit of beheerder")
@pass_app
def report_staat(app: App, jaar: int, fmt: str, out: Path, as_user: str | None, password_stdin: bool,
                 as_json: bool) -> None:
    """Staat van de uitvoering over --jaar: volumes en uitkomsten per domein en team, regels die
    knellen met trend, verhalen, wat er met knelpunten is gedaan, en een vereenvoudigingsagenda
    (regels naar afwijkingen en knelpunten, met voorstel en wie het kan: college, raad, Rijk)."""
    from assistant.cli.cases import open_caselog
    from assistant.reporting.document import check_out_path, write_document
    from assistant.policy.staat import staat_document, staat_van_de_uitvoering
    from assistant.privacy import contains_personal_data

    fmt = _format(fmt, DOC_FORMATS, out)
    log = open_caselog(app)
    acting_user(app.settings, log, as_user, password_stdin, roles=STAAT_ROLES,
                refusal="Alleen een kwaliteitsmedewerker of beheerder mag de staat van de uitvoering maken.")
    check_out_path(out, fmt, f"staat-{jaar}")
    staat = staat_van_de_uitvoering(log, jaar, knelt_min_cases=app.settings.knelt_min_cases,
                                    knelt_min_share=app.settings.knelt_min_share, gemeente=app.settings.gemeente)
    doc = staat_document(staat)
    if contains_personal_data(doc.plain_text()):
        raise UserError("De staat bevat nog iets dat op een persoonsgegeven lijkt; er is niets geschreven.")
    written = write_document(doc, fmt, out)
    if as_json:
        click.echo(json.dumps({**staat.to_summary(), "formaat": fmt, "bestanden": [str(p) for p in written]},
                              ensure_ascii=False, indent=2))
        return
    r = staat.report
    click.echo(f"Staat van de uitvoering {jaar}: {r.total_cases} casussen ({r.previous_total} in {jaar - 1}), "
               f"{len(r.knelpunten)} knelpunten, {len(staat.agenda)} regels op de vereenvoudigingsagenda. "
               f"Geschreven: {written[0]}")


@click.group("export")
def export_group() -> None:
    """Exports voor partners buiten de gemeente."""


@export_group.command("signalen")
@click.option("--jaar", type=int, help="Kalenderjaar (JJJJ); of gebruik --van en --tot.")
@click.option("--van", help="Eerste dag (JJJJ-MM-DD), op goedkeuringsdatum.")
@click.option("--tot", help="Laatste dag (JJJJ-MM-DD), inclusief.")
@click.option("--format", "fmt", default="json", show_default=True, help="Formaat: json of csv.")
@click.option("--out", "out", required=True, type=click.Path(path_type=Path), help="Uitvoerbestand.")
@identity_options("Uw gebruikersnaam (kwaliteit of beheerder); wachtwoord via prompt of --password-stdin, of "
                  "MAATWERK_TOKEN.")
@pass_app
def export_signalen_cmd(app: App, jaar: int | None, van: str | None, tot: str | None, fmt: str, out: Path,
                        as_user: str | None, password_stdin: bool) -> None:
    """De landelijke knelpunten (regels van het Rijk) als signalenbestand volgens het schema in
    docs/signalen-schema.md: per regel (BWB-id, artikel, versie) de aantallen, terugkerende
    omstandigheden, geanonimiseerde verhalen, het voorstel en de status. Zonder casusnummers of
    persoonsgegevens."""
    from assistant.cli.cases import open_caselog
    from assistant.reporting.document import check_out_path, write_bytes
    from assistant.policy.signalen import export_signalen, to_csv, to_json
    from assistant.privacy import contains_personal_data
    from assistant.cli.reports import _date

    fmt = _format(fmt, ("json", "csv"), out)
    if jaar is not None and (van or tot):
        raise UserError("Kies --jaar of --van/--tot, niet beide.")
    if jaar is not None:
        start, end = dt.date(jaar, 1, 1), dt.date(jaar, 12, 31)
    elif van and tot:
        start, end = _date(van, "--van"), _date(tot, "--tot")
    else:
        raise UserError("Geef de periode: --jaar JJJJ, of --van en --tot (JJJJ-MM-DD).")
    if start > end:
        raise UserError(f"--van ({start.isoformat()}) ligt na --tot ({end.isoformat()}); draai ze om.")
    corpus = _corpus_dir(app.settings)
    log = open_caselog(app)
    acting_user(app.settings, log, as_user, password_stdin, roles=SIGNALEN_ROLES,
                refusal="Alleen een kwaliteitsmedewerker of beheerder mag signalen exporteren.")
    check_out_path(out, fmt, "signalen")
    data = export_signalen(log, start, end, gemeente=app.settings.gemeente, corpus_dir=corpus)
    text = to_json(data) if fmt == "json" else "\ufeff" + to_csv(data)
    if contains_personal_data(text):
        raise UserError("De export bevat nog iets dat op een persoonsgegeven lijkt; er is niets geschreven.")
    write_bytes(out, text.encode("utf-8"))
    click.echo(f"{len(data['signalen'])} landelijke signalen van {app.settings.gemeente} "
               f"({start.isoformat()} tot en met {end.isoformat()}) geschreven naar {out}.")


@click.group("import")
def import_group() -> None:
    """Bestanden van partners inlezen."""


@import_group.command("signalen")
@click.argument("bestanden", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--format", "fmt", default="md", show_default=True,
              help=f"Formaat van het samengevoegde rapport: {', '.join(DOC_FORMATS)} of json.")
@click.option("--out", "out", required=True, type=click.Path(path_type=Path), help="Uitvoerbestand.")
def import_signalen_cmd(bestanden: tuple[Path, ...], fmt: str, out: Path) -> None:
    """Voeg de signalenbestanden (JSON of CSV) van meerdere gemeenten samen tot één rapport: één
    signaal per regel en voorgestelde oplossing, aantallen opgeteld. Leest alleen de opgegeven
    bestanden; een bestand met een onbekende schemaversie wordt geweigerd en er wordt niets
    geschreven."""
    from assistant.reporting.document import check_out_path, write_bytes, write_document
    from assistant.policy.signalen import merge_signalen, merged_document, read_signalen, to_json

    fmt = _format(fmt, DOC_FORMATS + ("json",), out)
    check_out_path(out, fmt, "signalen-samengevoegd")
    merged = merge_signalen([read_signalen(p) for p in bestanden])
    if fmt == "json":
        written = [write_bytes(out, to_json(merged.to_dict()).encode("utf-8"))]
    else:
        written = write_document(merged_document(merged), fmt, out)
    click.echo(f"{len(merged.signals)} signalen uit {len(merged.gemeenten)} gemeenten ({', '.join(merged.gemeenten)}) "
               f"samengevoegd. Geschreven: {written[0]}")
