"""`maatwerk serve`: start the Streamlit app on this machine. The app indexes the corpus on
first start (with progress in the browser); nothing here needs a network or an API key."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import click

APP = Path(__file__).resolve().parents[1] / "streamlit_app.py"


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


def login_banner(settings) -> str:
    """What the operator should know about logging in: demo mode on (and its public password), or
    ignored because real users exist, or no users yet (then: `maatwerk users init`)."""
    from assistant.cases import CaseError, CaseLog

    try:
        if not settings.database_url:
            Path(settings.data_dir).mkdir(parents=True, exist_ok=True)
        log = CaseLog.from_url(settings.sqlalchemy_url)
        try:
            real = log.has_real_users()
        finally:
            log.close()
    except CaseError:
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


@click.command("serve")
@click.option("--port", default=8501, show_default=True, type=click.IntRange(1, 65535), help="Poort van de app.")
@click.option("--address", default="127.0.0.1", show_default=True,
              help="Adres waarop de app luistert (0.0.0.0 = ook vanaf andere machines; zet dan OIDC aan).")
@click.pass_obj
def serve(settings, port: int, address: str) -> None:
    """Start de Maatwerkassistent in de browser (http://localhost:POORT).

    Bij de eerste start wordt het corpus geïndexeerd; de voortgang staat in de browser."""
    from assistant.config import Settings

    settings = settings or Settings()
    if not APP.exists():
        raise click.ClickException(f"{APP} ontbreekt; start `maatwerk serve` vanuit een checkout van het project.")
    shown = "localhost" if address in ("127.0.0.1", "0.0.0.0") else address
    click.echo(f"Maatwerkassistent start op http://{shown}:{port}  (stoppen: Ctrl+C)")
    if not (Path(settings.data_dir) / "chroma").exists():
        click.echo(f"Eerste start: het corpus in '{settings.corpus_dir}' wordt geïndexeerd zodra u de app opent.")
    if settings.auth == "local":
        click.echo(login_banner(settings))
    env = dict(os.environ, STREAMLIT_BROWSER_GATHER_USAGE_STATS="false")
    try:
        code = subprocess.call(streamlit_command(port, address, settings.max_upload_mb), env=env)
    except KeyboardInterrupt:
        code = 0
    sys.exit(code)
