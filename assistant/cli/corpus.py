"""`maatwerk corpus ...`: the corpus registry on the command line (documents, versions,
official imports, precedents, impact), a few lines per command over assistant.curation.registry and
assistant.curation.importers. cli/main.py registers the group lazily: "corpus": "assistant.cli.corpus:corpus_group".
"""

from __future__ import annotations

import json
from contextlib import contextmanager
from pathlib import Path

import click

from assistant.app import App
from assistant.cli.common import UserError, parse_peildatum, pass_app
from assistant.config import Settings
from assistant.cli.identity import acting_user, identity_options
from assistant.privacy import PUBLIC_SOURCE_TYPES, format_counts


@contextmanager
def _registry(app: App):
    """The app's corpus registry (case log with the demo accounts in line, index, managed corpus)."""
    from assistant.cli.cases import open_caselog

    open_caselog(app)
    yield app.registry


def _me(settings: Settings, reg, as_user: str | None, password_stdin: bool) -> str:
    """The authenticated username behind a corpus change (MAATWERK_TOKEN, or --as with password)."""
    return acting_user(settings, reg.log, as_user, password_stdin).username
def _check_map(value: str | None) -> str | None:
    """--map is refused before anything else happens (no login asked for a path that cannot be used)."""
    from assistant.curation import check_subfolder

    if value is None:
        return None
    check_subfolder(value)
    return value


def _line(d) -> str:
    extra = ""
    if d.achterhaald_door:
        extra = f"  achterhaald door {d.achterhaald_door}"
    elif d.superseded_by_id:
        extra = f"  opgevolgd door {d.superseded_by_id}"
    return f"{d.id:>4}  {d.status:11} {d.source_type:13} {d.citation}  [geldig {d.period}]{extra}"


def _print_added(result) -> None:
    for d in result.added:
        click.echo(f"Toegevoegd: document {d.id}, {d.citation} (geldig {d.period}) -> {d.path}")
        counts = result.replaced_in(d)
        if counts or d.source_type not in PUBLIC_SOURCE_TYPES:
            # The file in the corpus folder is the original; the index (and so every passage an
            # LLM sees) holds the text with these values replaced by [BSN], [NAAM], ...
            click.echo(f"  Persoonsgegevens vervangen in de index: {format_counts(counts)}")
    for d in result.closed:
        click.echo(f"Vorige versie gesloten: document {d.id}, {d.citation}, geldig {d.period}")
    if result.unchanged:
        click.echo(f"Ongewijzigd, overgeslagen: {len(result.unchanged)} ({', '.join(result.unchanged[:5])}"
                   + (", …" if len(result.unchanged) > 5 else "") + ")")
    for w in result.warnings:
        click.echo(f"Let op (ander bestand in het corpus): {w}", err=True)


@click.group("corpus")
def corpus_group() -> None:
    """Het corpus als beheerde documenten: register, versies, officiële bronnen, precedenten, gevolgen."""


@corpus_group.command("list")
@click.option("--status", type=click.Choice(["geldend", "vervallen", "toekomstig", "concept", "achterhaald"]))
@click.option("--type", "source_type", help="Alleen dit type (wet, verordening, beleidsregel, besluit, ...).")
@click.option("--json", "as_json", is_flag=True, help="Uitvoer als JSON.")
@pass_app
def corpus_list(app: App, status, source_type, as_json) -> None:
    """Toon alle geregistreerde documenten (alle versies)."""
    with _registry(app) as reg:
        docs = reg.list(status=status, source_type=source_type)
    if as_json:
        click.echo(json.dumps([d.to_dict() for d in docs], ensure_ascii=False, indent=2))
        return
    if not docs:
        click.echo("Het register is leeg; voeg een document toe met `maatwerk corpus add PAD --as NAAM` "
                   "of registreer het bestaande corpus met `maatwerk corpus sync --as NAAM`.")
    for d in docs:
        click.echo(_line(d))


@corpus_group.command("show")
@click.argument("ref")
@click.option("--json", "as_json", is_flag=True, help="Uitvoer als JSON.")
@pass_app
def corpus_show(app: App, ref: str, as_json: bool) -> None:
    """Toon document REF (nummer of kenmerk van een precedent) met al zijn versies."""
    with _registry(app) as reg:
        d = reg.get(ref)
        versions = reg.versions(d.citation)
    if as_json:
        click.echo(json.dumps({**d.to_dict(), "versies": [v.to_dict() for v in versions]}, ensure_ascii=False, indent=2))
        return
    labels = [("citeertitel", d.citation), ("titel", d.title), ("type", d.source_type), ("laag", d.layer),
              ("domein", d.domain), ("bevoegd gezag", d.bevoegd_gezag or "-"), ("geldig", d.period),
              ("status", d.status), ("bron", d.source_url or "-"), ("bestand", d.path), ("hash", d.file_hash[:16]),
              ("toegevoegd", f"{d.added_at:%Y-%m-%d %H:%M} door {d.added_by}")]
    if d.changed_by:
        labels.append(("gewijzigd", f"{d.changed_at:%Y-%m-%d %H:%M} door {d.changed_by}"))
    if d.case_id:
        labels.append(("casus", str(d.case_id)))
    if d.achterhaald_door:
        labels.append(("achterhaald door", d.achterhaald_door))
    if d.note:
        labels.append(("toelichting", d.note))
    click.echo(f"Document {d.id}")
    for k, v in labels:
        click.echo(f"  {k + ':':17} {v}")
    if len(versions) > 1:
        click.echo("  versies:")
        for v in versions:
            click.echo(f"    {'*' if v.id == d.id else ' '} {v.id:>4}  geldig {v.period}  ({v.status})")


@corpus_group.command("add")
@click.argument("path", type=click.Path(path_type=Path))
@identity_options("Uw gebruikersnaam (jurist of beheerder); wachtwoord via prompt of --password-stdin, of MAATWERK_TOKEN.")
@click.option("--citation", help="Citeertitel (anders uit front matter of PAD.meta.yaml).")
@click.option("--title", help="Titel.")
@click.option("--type", "source_type", help="Type: wet, amvb, ministeriele_regeling, verordening, beleidsregel, richtsnoer, werkinstructie, besluit, uitspraak, overig.")
@click.option("--domein", "domain", help="Domein (participatiewet, wmo, jeugd, schuldhulp, algemeen).")
@click.option("--valid-from", help="Geldig vanaf (JJJJ-MM-DD).")
@click.option("--valid-to", help="Geldig tot (JJJJ-MM-DD, exclusief).")
@click.option("--bevoegd-gezag", help="Bijv. 'Rijk' of 'gemeente Lindewaarde'.")
@click.option("--url", "official_url", help="Officiële vindplaats (URL).")
@click.option("--map", "dest_dir", callback=lambda ctx, param, value: _check_map(value),
              help="Submap binnen de corpusmap (standaard per type, bijv. beleidsregels); een pad naar buiten (.., /...) wordt geweigerd.")
@pass_app
def corpus_add(app: App, path, as_user, password_stdin, citation, title, source_type, domain, valid_from, valid_to,
               bevoegd_gezag, official_url, dest_dir) -> None:
    """Voeg PATH toe aan het corpus: kopiëren, registreren, indexeren. Dezelfde citeertitel = nieuwe versie.

    Persoonsgegevens worden vóór het indexeren vervangen ([BSN], [NAAM], ...); de uitvoer toont
    per soort hoeveel. Het bestand in de corpusmap blijft het origineel."""
    meta = {"citation": citation, "title": title, "source_type": source_type, "domain": domain,
            "valid_from": parse_peildatum(valid_from) if valid_from else None,
            "valid_to": parse_peildatum(valid_to) if valid_to else None,
            "bevoegd_gezag": bevoegd_gezag, "official_url": official_url}
    with _registry(app) as reg:
        as_user = _me(app.settings, reg, as_user, password_stdin)
        result = reg.add(path, as_user, dest_dir=dest_dir, **meta)
        _print_added(result)
        if result.closed:
            _print_impact(reg.impact(result.document.citation, as_user), brief=True)


@corpus_group.command("retire")
@click.argument("ref")
@identity_options("Uw gebruikersnaam (jurist of beheerder); wachtwoord via prompt of --password-stdin, of MAATWERK_TOKEN.")
@click.option("--per", help="Vervalt per deze datum (JJJJ-MM-DD; standaard vandaag).")
@click.option("--reden", help="Toelichting.")
@pass_app
def corpus_retire(app: App, ref, as_user, password_stdin, per, reden) -> None:
    """Trek document REF in per een datum; het blijft vindbaar voor eerdere peildata."""
    with _registry(app) as reg:
        as_user = _me(app.settings, reg, as_user, password_stdin)
        d = reg.retire(ref, as_user, per=parse_peildatum(per) if per else None, reden=reden)
        click.echo(f"Document {d.id} ({d.citation}) vervalt per {d.valid_to}; geldig {d.period}.")
        _print_impact(reg.impact(d.citation, as_user), brief=True)


@corpus_group.command("diff")
@click.argument("citation")
@click.option("--artikel", help="Alleen dit artikel (bijv. 4 of 4:84).")
@click.option("--oud", help="De versie die gold op deze datum (standaard: de voorlaatste).")
@click.option("--nieuw", help="De versie die gold op deze datum (standaard: de laatste).")
@click.option("--naast-elkaar", "side", is_flag=True, help="Naast elkaar in plaats van unified diff.")
@click.option("--breedte", default=120, show_default=True, help="Breedte voor --naast-elkaar.")
@pass_app
def corpus_diff(app: App, citation, artikel, oud, nieuw, side, breedte) -> None:
    """Verschil tussen twee versies van CITATION (of één artikel ervan)."""
    with _registry(app) as reg:
        click.echo(reg.diff(citation, artikel=artikel, oud=parse_peildatum(oud) if oud else None,
                            nieuw=parse_peildatum(nieuw) if nieuw else None, side_by_side=side, width=breedte),
                   nl=False)


def _print_impact(report, brief: bool = False) -> None:
    if brief and not report.affected:
        return
    what = f"artikel {report.artikel} {report.citation}" if report.artikel else report.citation
    if not brief:
        click.echo(f"Gevolgen van wijzigingen in {what}")
        for v in report.versions:
            click.echo(f"  versie geldig {'van ' + (v['valid_from'] or '?') + ' tot ' + v['valid_to'] if v['valid_to'] else 'vanaf ' + (v['valid_from'] or '?')}  ({v['source']})")
    if not report.items:
        click.echo("Geen precedenten of open knelpunten verwijzen hiernaar.")
        return
    items = report.affected if brief else report.items
    if brief:
        click.echo(f"Geraakt door deze wijziging ({len(items)}):")
    for i in items:
        signal = f"{i.signal}: " if i.signal else ""
        status = f" [{i.status}]" if i.status else ""
        click.echo(f"  - {i.ref}{status} ({i.cites}, versie {i.version or '?'}): {signal}{i.reason}")
        if i.description and not brief:
            click.echo(f"      knelpunt: {i.description}")


@corpus_group.command("impact")
@click.argument("citation")
@identity_options("Uw gebruikersnaam (kwaliteit, jurist of beheerder); wachtwoord via prompt of --password-stdin, of MAATWERK_TOKEN.")
@click.option("--artikel", help="Alleen dit artikel.")
@click.option("--json", "as_json", is_flag=True, help="Uitvoer als JSON.")
@pass_app
def corpus_impact(app: App, citation, as_user, password_stdin, artikel, as_json) -> None:
    """Precedenten en open knelpunten die CITATION aanhalen, en of een nieuwe versie of intrekking ze raakt."""
    with _registry(app) as reg:
        as_user = _me(app.settings, reg, as_user, password_stdin)
        report = reg.impact(citation, as_user, artikel=artikel)
    if as_json:
        click.echo(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
        return
    _print_impact(report)


@corpus_group.command("promote")
@click.argument("case_id", type=int)
@identity_options("Uw gebruikersnaam (jurist of beheerder); wachtwoord via prompt of --password-stdin, of MAATWERK_TOKEN.")
@click.option("--id", "precedent_id", help="Kenmerk van het precedent (standaard MB-JJJJ-C<casus>).")
@click.option("--omstandigheid", "omstandigheden", multiple=True, help="Omstandigheid (herhaalbaar); standaard uit de situatie.")
@pass_app
def corpus_promote(app: App, case_id, as_user, password_stdin, precedent_id, omstandigheden) -> None:
    """Maak van goedgekeurde casus CASE_ID een precedent (gepseudonimiseerd) in het corpus."""
    with _registry(app) as reg:
        as_user = _me(app.settings, reg, as_user, password_stdin)
        d = reg.promote_case(case_id, as_user, precedent_id=precedent_id, omstandigheden=list(omstandigheden) or None)
    click.echo(f"Casus {case_id} is precedent {d.precedent_id} (document {d.id}) -> {d.path}")


@corpus_group.command("achterhaald")
@click.argument("ref")
@identity_options("Uw gebruikersnaam (jurist of beheerder); wachtwoord via prompt of --password-stdin, of MAATWERK_TOKEN.")
@click.option("--ecli", required=True, help="De uitspraak die het besluit achterhaalt (ECLI:NL:...).")
@click.option("--toelichting", help="Bijv. 'vernietigd in beroep'.")
@pass_app
def corpus_achterhaald(app: App, ref, as_user, password_stdin, ecli, toelichting) -> None:
    """Markeer precedent REF als achterhaald; het blijft zichtbaar als geschiedenis."""
    with _registry(app) as reg:
        as_user = _me(app.settings, reg, as_user, password_stdin)
        d = reg.mark_achterhaald(ref, as_user, ecli, toelichting=toelichting)
    click.echo(f"Precedent {d.precedent_id or d.id} is achterhaald door {d.achterhaald_door}.")


@corpus_group.command("sync")
@identity_options("Uw gebruikersnaam (jurist of beheerder); wachtwoord via prompt of --password-stdin, of MAATWERK_TOKEN.")
@pass_app
def corpus_sync(app: App, as_user, password_stdin) -> None:
    """Registreer bestanden die al in de corpusmap staan maar nog niet in het register."""
    with _registry(app) as reg:
        as_user = _me(app.settings, reg, as_user, password_stdin)
        added, problems = reg.register_existing(as_user)
    click.echo(f"{len(added)} bestaande documenten geregistreerd.")
    for p in problems:
        click.echo(f"Overgeslagen: {p}", err=True)


@corpus_group.command("import")
@click.argument("bron", type=click.Choice(["bwb", "cvdr"]))
@click.argument("xml", required=False, type=click.Path(path_type=Path))
@identity_options("Uw gebruikersnaam (jurist of beheerder); wachtwoord via prompt of --password-stdin, of MAATWERK_TOKEN.")
@click.option("--id", "identifier", help="Ophalen in plaats van een bestand: BWBR... of CVDR..._versie.")
@click.option("--datum", help="Voor BWB met --id: datum van de toestand (JJJJ-MM-DD).")
@click.option("--map", "folder", type=click.Path(path_type=Path),
              help="Met --id: lees <id>[_<datum>].xml uit deze map in plaats van te downloaden.")
@click.option("--type", "source_type", help="Voor CVDR: verordening of beleidsregel (standaard uit de titel).")
@pass_app
def corpus_import(app: App, bron, xml, as_user, password_stdin, identifier, datum, folder, source_type) -> None:
    """Importeer een regeling uit officiële XML: BWB (wetten.overheid.nl) of CVDR (lokaleregelgeving.overheid.nl)."""
    from assistant.curation.importers import FileFetcher, HttpFetcher, import_bwb, import_cvdr

    if (xml is None) == (identifier is None):
        raise UserError("Geef een XML-bestand of --id (niet allebei).")
    with _registry(app) as reg:
        as_user = _me(app.settings, reg, as_user, password_stdin)
        if xml is not None:
            if not xml.is_file():
                raise UserError(f"{xml}: bestand bestaat niet.")
            data, source = xml.read_bytes(), xml.name
        else:
            fetcher = FileFetcher(folder) if folder else HttpFetcher()
            data, source = fetcher.fetch(bron, identifier, parse_peildatum(datum) if datum else None), identifier
        if bron == "bwb":
            result = import_bwb(reg, data, as_user, source=source)
        else:
            result = import_cvdr(reg, data, as_user, source=source, source_type=source_type)
        _print_added(result)
        for d in result.closed:
            _print_impact(reg.impact(d.citation, as_user), brief=True)
