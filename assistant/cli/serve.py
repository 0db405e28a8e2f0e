"""`maatwerk serve`: bring the corpus and its index up to date (progress in the terminal), then
replace this process by Streamlit, so the port answers only when the app is ready and a stop
signal reaches the app itself. Nothing here needs a network or an API key."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from assistant.app import App
from assistant.cli.common import pass_app
from assistant.config import INDEX_READY_ENV
from assistant.dutch import plural

# The Streamlit script ships inside the package, so a wheel install can serve too.
APP = Path(__file__).resolve().parents[1] / "ui" / "streamlit_app.py"


def streamlit_command(port: int, address: str = "127.0.0.1", max_upload_mb: int = 25,
                      app: Path = APP) -> list[str]:
    """The exact command line, kept in one place so the tests start the app the same way."""
    return [
        sys.executable, "-m", "streamlit", "run", str(app),
        "--server.port", str(port),
        "--server.address", address,
        "--server.headless", "true",
        "--server.maxUploadSize", str(max(1, int(max_upload_mb))),
        "--server.fileWatcherType", "none",
        # No telemetry: the product runs without network and sends nothing anywhere.
        "--browser.gatherUsageStats", "false",
        "--client.toolbarMode", "minimal",
        "--theme.base", "light",
    ]


def login_banner(app: App) -> str:
    """What the operator should know about logging in: demo mode on (and its public password), or
    ignored because real users exist, or no users yet (then: `maatwerk users init`)."""
    from assistant.cli.cases import open_caselog
    from assistant.errors import MaatwerkError

    settings = app.settings
    try:
        real = open_caselog(app).has_real_users()
    except MaatwerkError:
        real = None
    if settings.demo and real is False:
        return ("*** DEMOSTAND (MAATWERK_DEMO=true) ***  Demo-accounts met het openbare wachtwoord "
                "'lindewaarde-demo' staan aan: niet voor echte casussen. Eigen gebruikers? `maatwerk users init NAAM` "
                "maakt de eerste beheerder; daarna staan de demo-accounts uit.")
    if settings.demo and real:
        return "MAATWERK_DEMO=true wordt genegeerd: deze casuslog heeft echte gebruikers (demo-accounts staan uit)."
    if real is False:
        return ("Nog geen gebruikers: maak de eerste beheerder aan met `maatwerk users init NAAM`. Alleen proberen? "
                "`make run` of MAATWERK_DEMO=true maatwerk serve start de demo.")
    return "Inloggen met lokale accounts (beheer: pagina Gebruikers of `maatwerk users`)."


def prepare_for_serving(app: App, echo=click.echo, progress: bool = True) -> int:
    """Managed corpus, database and index brought up to date; returns the number of passages.
    Raises a Dutch error when the app could not answer anything."""
    from assistant.cli.cases import open_caselog
    from assistant.cli.common import UserError
    from assistant.corpus.workspace import prepare

    settings = app.settings
    seeded = prepare(settings)
    if seeded.copied or seeded.updated or seeded.removed:
        echo(f"Voorbeeldcorpus ({settings.sample_corpus_dir}) naar de corpusmap {settings.corpus_dir}: "
             f"{len(seeded.copied)} nieuw, {len(seeded.updated)} bijgewerkt, {len(seeded.removed)} verwijderd.")
    open_caselog(app)  # migrations run now, not at the first login
    index = app.index
    index.check_embedder()
    echo(f"Index bijwerken met de corpusmap {settings.corpus_dir} …" if index.count()
         else f"Eerste start: het corpus in {settings.corpus_dir} wordt geïndexeerd …")
    report = index.index_paths([settings.corpus_dir], progress=progress, max_bytes=app.max_upload_bytes)
    for err in report.errors:
        echo(f"Let op: {err.path}: {err.reason}", err=True)
    total = index.count()
    if not total:
        raise UserError(f"er is niets geïndexeerd: de corpusmap {settings.corpus_dir} bevat geen bruikbare "
                        "documenten (MAATWERK_CORPUS_DIR, MAATWERK_SAMPLE_CORPUS_DIR)")
    echo(f"Index klaar: {plural(total, 'passage', 'passages')} "
         f"({plural(report.files_indexed, 'bestand', 'bestanden')} geïndexeerd, "
         f"{report.files_unchanged} ongewijzigd; {report.seconds:.0f} s).")
    return total


@click.command("serve")
@click.option("--port", default=8501, show_default=True, type=click.IntRange(1, 65535), help="Poort van de app.")
@click.option("--address", default="127.0.0.1", show_default=True,
              help="Adres waarop de app luistert (0.0.0.0 = ook vanaf andere machines; zet dan OIDC aan).")
@pass_app
def serve(app, port: int, address: str) -> None:
    """Start de Maatwerkassistent in de browser (http://localhost:POORT).

    Eerst wordt het corpus in de datamap bijgewerkt en geïndexeerd (voortgang hier in de terminal);
    pas daarna opent de poort. Stoppen met Ctrl+C of een stopsignaal."""
    prepare_for_serving(app)
    shown = "localhost" if address in ("127.0.0.1", "0.0.0.0") else address
    click.echo(f"Maatwerkassistent start op http://{shown}:{port}  (stoppen: Ctrl+C)")
    if app.settings.auth == "local":
        click.echo(login_banner(app))
    app.close()  # the database connections are not inherited by the app that replaces this process
    env = dict(os.environ, STREAMLIT_BROWSER_GATHER_USAGE_STATS="false", **{INDEX_READY_ENV: "1"})
    cmd = streamlit_command(port, address, app.settings.max_upload_mb)
    sys.stdout.flush()
    sys.stderr.flush()
    # Replace this process: the same pid becomes Streamlit, so a supervisor's SIGTERM (or Ctrl+C)
    # reaches the app and no child is left behind.
    os.execve(cmd[0], cmd, env)
