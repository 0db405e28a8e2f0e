"""`maatwerk backup PATH` / `maatwerk restore PATH`: a few lines over assistant.ops. cli.py
registers them lazily by name (backup, restore)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from assistant.app import App
from assistant.cli.common import pass_app
from assistant.dutch import plural


def _installation(app: App):
    if not app.settings.database_url:
        from assistant.integrity import private_dir

        private_dir(app.settings.data_dir)  # 0700 when created: it holds the database and the audit key
    return app.installation


def _show(report, as_json: bool, verb: str) -> None:
    if as_json:
        click.echo(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
        return
    rows = sum(report.tables.values())
    click.echo(f"{verb}: {report.path}")
    click.echo(f"  database: {report.database}, {rows} rijen in {len(report.tables)} tabellen, "
               f"audittrail {report.audit_events} gebeurtenissen (keten gecontroleerd)")
    click.echo(f"  index: {report.index}, {report.chunks} passages, vingerafdruk {report.fingerprint or '-'}")
    click.echo(f"  corpus: {plural(report.corpus_files, 'bestand', 'bestanden')} ({report.seconds:.1f} s)")
    for warning in report.warnings:
        click.echo(f"Let op: {warning}", err=True)


@click.command("backup")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Uitvoer als JSON.")
@pass_app
def backup(app, path, as_json: bool) -> None:
    """Maak een back-up in de (nieuwe) map PATH: database, index en corpus.

    SQLite via de backup-API, PostgreSQL als logische dump; de ingebedde Chroma-index als kopie
    van de map plus een export, een Chroma-server als export. De audittrail wordt eerst gecontroleerd;
    het manifest draagt een controlesom per bestand en een handtekening (HMAC met de auditsleutel).
    Bestanden 0600, mappen 0700. De sleutel zelf zit er niet in: bewaar audit.key apart."""
    report = _installation(app).backup(path)
    _show(report, as_json, "Back-up gemaakt")


@click.command("restore")
@click.argument("path", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Vervang een niet-lege database, index of corpusmap.")
@click.option("--ongetekend", "accept_unsigned", is_flag=True,
              help="Herstel ook een niet-ondertekende back-up van een oudere versie (alleen als niemand hem kon wijzigen).")
@click.option("--json", "as_json", is_flag=True, help="Uitvoer als JSON.")
@pass_app
def restore(app, path, force: bool, accept_unsigned: bool, as_json: bool) -> None:
    """Herstel de back-up in PATH naar de ingestelde database, index en corpusmap.

    Eerst worden de handtekening (HMAC met de auditsleutel) en de controlesom van elk bestand
    gecontroleerd; klopt er iets niet, dan wordt niets hersteld of overschreven. Op een andere
    machine is de audit.key van de oorspronkelijke installatie nodig (of MAATWERK_AUDIT_KEY).
    Kan tussen opstellingen: een back-up van SQLite + ingebedde Chroma herstelt ook naar
    PostgreSQL + Chroma-server (MAATWERK_DATABASE_URL, MAATWERK_CHROMA_URL) en omgekeerd.
    Na afloop worden de audittrail en de index tegen de back-up gecontroleerd."""
    report = _installation(app).restore(path, force=force, accept_unsigned=accept_unsigned)
    _show(report, as_json, "Hersteld uit")
