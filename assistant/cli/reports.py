"""`maatwerk report knelpunten` and `maatwerk demo seed-cases`: the knelpuntenrapportage and its
demo data on the command line, a few lines over assistant.reporting.knelpunten and assistant.cases.demo. cli.py
registers report_group and demo_group lazily by name."""

from __future__ import annotations

import datetime as dt
import json
import time
from pathlib import Path

import click

from assistant.app import App
from assistant.cli.common import LazyGroup, UserError, pass_app
from assistant.cli.identity import acting_user, identity_options

REPORT_ROLES = ("kwaliteit", "beheerder")
_FORMATS = ("md", "html", "docx", "pdf", "csv")


def _date(value: str, option: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise UserError(f"{option} '{value}' is geen geldige datum; gebruik JJJJ-MM-DD, bijv. 2026-01-31.") from None


@click.group("report", cls=LazyGroup, lazy={"staat": "assistant.cli.policy:report_staat"})
def report_group() -> None:
    """Rapportages uit de casuslog."""


@report_group.command("knelpunten")
@click.option("--van", required=True, help="Eerste dag van de periode (JJJJ-MM-DD), op goedkeuringsdatum.")
@click.option("--tot", required=True, help="Laatste dag van de periode (JJJJ-MM-DD), inclusief.")
@click.option("--format", "fmt", default="md", show_default=True, help=f"Formaat: {', '.join(_FORMATS)}.")
@click.option("--out", "out", required=True, type=click.Path(path_type=Path), help="Uitvoerbestand.")
@identity_options("Uw gebruikersnaam (kwaliteit of beheerder); wachtwoord via prompt of --password-stdin, of MAATWERK_TOKEN.")
@click.option("--domein", help="Alleen dit domein (participatiewet, wmo, jeugd, schuldhulp).")
@click.option("--json", "as_json", is_flag=True, help="Samenvatting als JSON.")
@pass_app
def report_knelpunten(app: App, van: str, tot: str, fmt: str, out: Path, as_user: str | None,
                      password_stdin: bool, domein: str | None, as_json: bool) -> None:
    """Knelpuntenrapportage over de goedgekeurde casussen van --van tot en met --tot."""
    from assistant.cli.cases import open_caselog
    from assistant.reporting import knelpunten_report, write_report

    start, end = _date(van, "--van"), _date(tot, "--tot")
    if start > end:
        raise UserError(f"--van ({start.isoformat()}) ligt na --tot ({end.isoformat()}); draai ze om.")
    fmt = fmt.strip().lower()
    if fmt not in _FORMATS:
        raise UserError(f"onbekend formaat '{fmt}'; kies uit: {', '.join(_FORMATS)}.")
    if out.exists() and out.is_dir():
        raise UserError(f"{out} is een map; geef een bestandsnaam op, bijv. {out / ('knelpunten.' + fmt)}.")
    log = open_caselog(app)
    # Always: who asks decides whether the report may be made (no --as is no exemption).
    acting_user(app.settings, log, as_user, password_stdin, roles=REPORT_ROLES,
                refusal="Alleen een kwaliteitsmedewerker of beheerder mag de knelpuntenrapportage maken.")
    t0 = time.perf_counter()
    report = knelpunten_report(log, start, end, knelt_min_cases=app.settings.knelt_min_cases,
                               knelt_min_share=app.settings.knelt_min_share, domain=domein)
    written = write_report(report, fmt, out)
    seconds = time.perf_counter() - t0
    head = log.audit_head()  # printed with the report, so it is anchored wherever the report goes
    if as_json:
        click.echo(json.dumps({**report.to_summary(), "formaat": fmt, "bestanden": [str(p) for p in written],
                               "seconden": round(seconds, 2), "audittrail_kop": head}, ensure_ascii=False, indent=2))
        return
    click.echo(f"Knelpuntenrapportage {report.period_label}: {report.total_cases} casussen, "
               f"{len(report.knelpunten)} knelpunten ({len(report.national_knelpunten)} bij het Rijk), "
               f"{len(report.knelt_rules)} artikelen die knellen. Geschreven: {written[0]} ({seconds:.1f} s).")
    click.echo(f"Audittrail-kop bij deze rapportage: gebeurtenis {head['seq']}, MAC {head['mac']} "
               "(bewaar deze regel bij de rapportage; `maatwerk audit verify --anker` controleert hem later).")


@click.group("demo")
def demo_group() -> None:
    """Voorbeeldgegevens voor demonstraties en tests."""


@demo_group.command("seed-cases")
@click.option("--n", "n", default=240, show_default=True, help="Aantal casussen.")
@click.option("--seed", default=1, show_default=True, help="Startwaarde: dezelfde seed geeft dezelfde casussen.")
@click.option("--tot", "end", help="Laatste dag van het jaar aan casussen (JJJJ-MM-DD; standaard: vandaag).")
@click.option("--json", "as_json", is_flag=True, help="Samenvatting als JSON.")
@pass_app
def demo_seed_cases(app: App, n: int, seed: int, end: str | None, as_json: bool) -> None:
    """Vul de casuslog met een jaar gepseudonimiseerde voorbeeldcasussen over het voorbeeldcorpus.

    Alleen op een demo-casuslog (zonder echte gebruikers); een productielog wordt geweigerd."""
    from assistant.cases.demo import seed_cases

    if n < 1:
        raise UserError("--n moet minstens 1 zijn.")
    day = _date(end, "--tot") if end else None
    if not app.settings.database_url:
        from assistant.integrity import private_dir

        private_dir(app.settings.data_dir)  # 0700 when created: it holds the database and the audit key
    from assistant.integrity import AuditKey

    summary = seed_cases(app.settings.sqlalchemy_url, n=n, seed=seed, end=day, audit_key=AuditKey.from_settings(app.settings))
    if as_json:
        click.echo(json.dumps(summary.to_dict(), ensure_ascii=False, indent=2))
        return
    click.echo(f"{summary.cases} voorbeeldcasussen aangemaakt: {summary.approved} goedgekeurd "
               f"({summary.returned_then_approved} na terugsturen), {summary.rejected} afgewezen; "
               f"{summary.knelpunten} met een knelpunt. Goedgekeurd tussen {summary.van} en {summary.tot}.")
