"""`maatwerk cases|audit ...`: the case log on the command line, a few lines per command over
assistant.cases.log. Every command that depends on who acts authenticates first (cli/identity.py:
MAATWERK_TOKEN, or --as with a password). cli/main.py registers them lazily by name."""

from __future__ import annotations

import json
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import click

from assistant.app import App
from assistant.cli.common import UserError, parse_peildatum, pass_app
from assistant.cli.identity import acting_user, identity_options


def open_caselog(app: App):
    """The app's case log, with the demo accounts brought in line with the demo mode first: when
    it is off they are deactivated here too, so the command line never accepts them."""
    from assistant.identity import auth

    log = app.caselog
    auth.sync_demo_accounts(log, app.settings.auth == "local" and auth.demo_mode(log, app.settings.demo))
    return log


@contextmanager
def caselog_of(app: App) -> Iterator:
    """``with caselog_of(app) as log``: the block reads as the commands did before the app held
    the log (the app closes it when the command ends)."""
    yield open_caselog(app)


def _print_case(case, as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps(case.to_dict(), ensure_ascii=False, indent=2))
        return
    click.echo(f"Casus {case.id} ({case.status}, versie {case.version})")
    click.echo(f"  auteur:     {case.author_name} ({case.author}), team {case.team or '-'}")
    click.echo(f"  domein:     {case.domain or '-'}; peildatum {case.peildatum.isoformat()}")
    click.echo(f"  vraag:      {case.question}")
    if case.situation:
        click.echo(f"  situatie:   {case.situation}")
    if case.rules:
        click.echo("  regels:     " + "; ".join(
            r.get("citation", str(r)) + (f" (versie {r['version']})" if r.get("version") else "")
            if isinstance(r, dict) else str(r) for r in case.rules))
    click.echo(f"  uitkomst:   {case.uitkomst or '-'}")
    if case.motivering:
        click.echo(f"  motivering: {case.motivering}")
    if case.ai_answers:
        trace = (case.ai_trace or {}).get("trace") or {}
        click.echo(f"  AI-antwoord: {len(case.ai_answers)}x vastgelegd (laatste: {trace.get('backend', '?')}, "
                   f"sha256 {case.ai_answers[-1].sha256[:12]}); oordeel: {case.ai_stance or '-'}")
    if case.knelpunt:
        click.echo(f"  knelpunt:   {case.knelpunt_description or '-'} [{case.knelpunt_status or 'open'}; "
                   f"{case.knelpunt_owner or '?'}]")
    if case.reviewer:
        click.echo(f"  beoordeeld door: {case.reviewer}")
    for c in case.comments:
        click.echo(f"  opmerking {c.author} ({c.kind}): {c.text}")


# --------------------------------------------------------------------------- cases


@click.group("cases")
def cases_group() -> None:
    """Casussen: vastleggen, indienen, beoordelen (vier ogen) en exporteren."""


def _case_fields(situatie, domein, peildatum, uitkomst, motivering, knelpunt) -> dict:
    fields = {}
    if situatie is not None:
        fields["situation"] = situatie
    if domein is not None:
        fields["domain"] = domein
    if peildatum is not None:
        fields["peildatum"] = parse_peildatum(peildatum)
    if uitkomst is not None:
        fields["uitkomst"] = uitkomst
    if motivering is not None:
        fields["motivering"] = motivering
    if knelpunt is not None:
        fields["knelpunt"] = True
        fields["knelpunt_description"] = knelpunt
    return fields


_UITKOMST = click.Choice(["afgeweken", "gedeeltelijk", "niet afgeweken"])


@cases_group.command("new")
@identity_options()
@click.option("--vraag", required=True, help="De vraag van de professional.")
@click.option("--situatie", help="De situatie (wordt gepseudonimiseerd).")
@click.option("--domein", help="participatiewet, wmo, jeugd, schuldhulp of algemeen.")
@click.option("--peildatum", help="JJJJ-MM-DD (standaard: vandaag).")
@click.option("--uitkomst", type=_UITKOMST, help="Voorgenomen besluit.")
@click.option("--motivering", help="Motivering van het besluit.")
@click.option("--knelpunt", help="Omschrijving van het knelpunt, als de regel knelt.")
@click.option("--json", "as_json", is_flag=True, help="Uitvoer als JSON.")
@pass_app
def cases_new(app, as_user, password_stdin, vraag, situatie, domein, peildatum, uitkomst, motivering, knelpunt, as_json) -> None:
    """Leg een nieuwe casus vast (status concept); drukt het casusnummer af."""
    fields = _case_fields(situatie, domein, peildatum, uitkomst, motivering, knelpunt)
    with caselog_of(app) as log:
        me = acting_user(app.settings, log, as_user, password_stdin)
        case = log.create_case(me.username, question=vraag, **fields)
    if as_json:
        click.echo(json.dumps(case.to_dict(), ensure_ascii=False, indent=2))
    else:
        click.echo(case.id)


@cases_group.command("edit")
@click.argument("case_id", type=int)
@identity_options()
@click.option("--vraag")
@click.option("--situatie")
@click.option("--domein")
@click.option("--peildatum")
@click.option("--uitkomst", type=_UITKOMST)
@click.option("--motivering")
@click.option("--knelpunt", help="Omschrijving van het knelpunt.")
@click.option("--versie", type=int, help="De versie die u bewerkt (weigert als iemand anders hem intussen wijzigde).")
@pass_app
def cases_edit(app, case_id, as_user, password_stdin, vraag, situatie, domein, peildatum, uitkomst, motivering, knelpunt, versie) -> None:
    """Bewerk een concept of teruggestuurde casus."""
    fields = _case_fields(situatie, domein, peildatum, uitkomst, motivering, knelpunt)
    if vraag is not None:
        fields["question"] = vraag
    if not fields:
        raise UserError("geef minstens één veld om te wijzigen (bijv. --motivering)")
    with caselog_of(app) as log:
        me = acting_user(app.settings, log, as_user, password_stdin)
        case = log.update_case(case_id, me.username, expected_version=versie, **fields)
    click.echo(f"Casus {case.id} bijgewerkt (versie {case.version}).")


@cases_group.command("list")
@identity_options()
@click.option("--status", type=click.Choice(["concept", "ingediend", "goedgekeurd", "teruggestuurd", "afgewezen"]))
@click.option("--json", "as_json", is_flag=True, help="Uitvoer als JSON.")
@pass_app
def cases_list(app, as_user, password_stdin, status, as_json) -> None:
    """Toon de casussen die u mag zien."""
    with caselog_of(app) as log:
        me = acting_user(app.settings, log, as_user, password_stdin)
        cases = log.list_cases(me.username, status=status)
    if as_json:
        click.echo(json.dumps([c.to_dict() for c in cases], ensure_ascii=False, indent=2))
        return
    if not cases:
        click.echo("Geen casussen gevonden.")
    for c in cases:
        vraag = c.question if len(c.question) <= 70 else c.question[:67] + "..."
        click.echo(f"{c.id:>5}  {c.status:13} {c.author:15} {c.peildatum.isoformat()}  {vraag}")


@cases_group.command("show")
@click.argument("case_id", type=int)
@identity_options()
@click.option("--json", "as_json", is_flag=True, help="Uitvoer als JSON.")
@pass_app
def cases_show(app, case_id, as_user, password_stdin, as_json) -> None:
    """Toon casus CASE_ID."""
    with caselog_of(app) as log:
        me = acting_user(app.settings, log, as_user, password_stdin)
        case = log.get_case(case_id, me.username)
    _print_case(case, as_json)


@cases_group.command("submit")
@click.argument("case_id", type=int)
@identity_options()
@pass_app
def cases_submit(app, case_id, as_user, password_stdin) -> None:
    """Dien casus CASE_ID in voor beoordeling."""
    with caselog_of(app) as log:
        me = acting_user(app.settings, log, as_user, password_stdin)
        case = log.submit(case_id, me.username)
    click.echo(f"Casus {case.id} ingediend voor beoordeling.")


@cases_group.command("review")
@click.argument("case_id", type=int)
@identity_options("Uw gebruikersnaam (kwaliteit of beheerder); wachtwoord via prompt of --password-stdin, of MAATWERK_TOKEN.")
@click.option("--approve", "action", flag_value="approve", help="Keur goed.")
@click.option("--return", "action", flag_value="return", help="Stuur terug naar de auteur (met --comment).")
@click.option("--reject", "action", flag_value="reject", help="Wijs af.")
@click.option("--comment", help="Toelichting (verplicht bij --return).")
@click.option("--versie", type=int, help="De versie die u beoordeelde.")
@pass_app
def cases_review(app, case_id, as_user, password_stdin, action, comment, versie) -> None:
    """Beoordeel casus CASE_ID: --approve, --return --comment ... of --reject."""
    if action is None:
        raise UserError("kies --approve, --return of --reject")
    with caselog_of(app) as log:
        me = acting_user(app.settings, log, as_user, password_stdin)
        case = log.review(case_id, me.username, action, comment, expected_version=versie)
    click.echo(f"Casus {case.id} {case.status}.")


@cases_group.command("export")
@identity_options("Uw gebruikersnaam (kwaliteit, jurist of beheerder); wachtwoord via prompt of --password-stdin, of MAATWERK_TOKEN.")
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), default="json", show_default=True)
@click.option("--status", type=click.Choice(["concept", "ingediend", "goedgekeurd", "teruggestuurd", "afgewezen"]))
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Bestand (standaard: scherm).")
@pass_app
def cases_export(app, as_user, password_stdin, fmt, status, out) -> None:
    """Exporteer de casussen (gepseudonimiseerd) als CSV of JSON."""
    with caselog_of(app) as log:
        me = acting_user(app.settings, log, as_user, password_stdin)
        text = log.export(me.username, fmt, status=status)
    if out is None:
        click.echo(text, nl=False)
        return
    try:
        out.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise UserError(f"kan {out} niet schrijven: {exc.strerror}") from exc
    click.echo(f"Export geschreven naar {out}.", err=True)


# --------------------------------------------------------------------------- audit


@click.group("audit")
def audit_group() -> None:
    """De audittrail: controleren, de kop exporteren en (na de bewaartermijn) opschonen.

    Elke gebeurtenis draagt een HMAC-SHA256 met de auditsleutel (MAATWERK_AUDIT_KEY, anders
    audit.key in de datamap); de sleutel staat nooit in de database."""


def _read_anchor(path: Path) -> dict:
    """An exported head: the JSON of `audit head --out`, or any text holding its line
    "gebeurtenis N, MAC <64 hex>" (as printed by `audit head` and `report knelpunten`)."""
    import re

    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"kan {path} niet lezen ({exc.__class__.__name__}).") from exc
    try:
        data = json.loads(text)
        if isinstance(data, dict) and "seq" in data and "mac" in data:
            return data
    except ValueError:
        pass
    found = re.findall(r"gebeurtenis (\d+), MAC ([0-9a-f]{64})", text)
    if not found:
        raise UserError(f"{path} bevat geen kop van de audittrail (uitvoer van `maatwerk audit head`).")
    seq, mac = found[-1]
    return {"seq": int(seq), "mac": mac}


def _head_line(head: dict) -> str:
    return (f"gebeurtenis {head['seq']}, MAC {head['mac']} ({head['events']} gebeurtenissen, "
            f"laatste {head['occurred_at'] or '-'}, sleutel-id {head['key_id'] or '-'})")


@audit_group.command("verify")
@click.option("--anker", "anchor", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Een eerder geëxporteerde kop (`maatwerk audit head --out`): staat die gebeurtenis er nog ongewijzigd in?")
@pass_app
def audit_verify(app: App, anchor: Path | None) -> None:
    """Controleer de audittrail (exit 1 bij een afwijking): de sleutel-MAC van elke gebeurtenis en
    van de kop, de keten, en elke casus in de tabel cases tegen haar laatste gebeurtenissen."""
    anchored = None
    if anchor is not None:
        anchored = _read_anchor(anchor)
    with caselog_of(app) as log:
        check = log.verify_audit()
        anchor_ok, anchor_why = log.check_anchor(anchored) if anchored is not None else (True, "")
    if check.ok:
        click.echo(f"audittrail intact: {check.n} gebeurtenissen, {check.cases} casussen gecontroleerd "
                   f"(kop: gebeurtenis {check.head_seq}, MAC {check.head[:16]}…)")
    else:
        where = f"gebeurtenis {check.first_bad}" if check.first_bad is not None else (
            "de tabel cases" if check.problems else "de kop")
        click.echo(f"audittrail gebroken bij {where}: {check.reason}", err=True)
        for problem in check.problems[1:]:
            click.echo(f"  ook: {problem}", err=True)
    if anchored is not None:
        click.echo(f"anker {'klopt' if anchor_ok else 'klopt niet'}: {anchor_why}", err=not anchor_ok)
    if not (check.ok and anchor_ok):
        sys.exit(1)


@audit_group.command("head")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path),
              help="Schrijf de kop ook als JSON naar dit bestand (bewaar het buiten deze server).")
@click.option("--json", "as_json", is_flag=True, help="Uitvoer als JSON.")
@pass_app
def audit_head(app: App, out: Path | None, as_json: bool) -> None:
    """Toon de kop van de audittrail (laatste gebeurtenis en haar MAC) om elders vast te leggen.

    Wie later de database vervangt door een oudere of de keten herschrijft, valt op met
    `maatwerk audit verify --anker BESTAND`."""
    with caselog_of(app) as log:
        head = log.audit_head()
    text = json.dumps(head, ensure_ascii=False, indent=2)
    if out is not None:
        try:
            out.write_text(text + "\n", encoding="utf-8")
        except OSError as exc:
            raise UserError(f"kan {out} niet schrijven: {exc.strerror}") from exc
    click.echo(text if as_json else f"Audittrail-kop: {_head_line(head)}")


@audit_group.command("purge")
@identity_options("Uw gebruikersnaam (beheerder); wachtwoord via prompt of --password-stdin, of MAATWERK_TOKEN.")
@click.option("--dagen", type=int, help="Bewaartermijn in dagen (standaard: MAATWERK_AUDIT_RETENTION_DAYS; minimaal 183).")
@pass_app
def audit_purge(app: App, as_user: str | None, password_stdin: bool, dagen: int | None) -> None:
    """Verwijder auditgebeurtenissen ouder dan de bewaartermijn; legt de opschoning zelf vast."""
    days = dagen if dagen is not None else app.settings.audit_retention_days
    with caselog_of(app) as log:
        me = acting_user(app.settings, log, as_user, password_stdin)
        count = log.purge_audit(me.username, days)
    click.echo(f"{count} auditgebeurtenissen ouder dan {days} dagen verwijderd; de keten is opnieuw verankerd.")


