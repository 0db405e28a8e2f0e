"""Who acts on the command line, and `maatwerk users ...`. A command that changes data (or reads
what depends on who you are) acts as an authenticated user: a service token in MAATWERK_TOKEN, or
`--as NAAM` plus that account's password, asked with a hidden prompt or read from stdin
(`--password-stdin`). `--as` alone is never enough. Passwords are checked by assistant.identity.auth, with
the same throttling and lockout as the app. cli/main.py registers users_group lazily by name.
"""

from __future__ import annotations

import json
import sys

import click

from assistant.app import App
from assistant.cli.common import UserError, pass_app
from assistant.config import Settings

ROLE_CHOICE = click.Choice(["professional", "kwaliteit", "jurist", "beheerder"])
AS_HELP = ("Uw gebruikersnaam; u wordt om uw wachtwoord gevraagd (of --password-stdin). "
           "Niet nodig met een diensttoken in MAATWERK_TOKEN.")


def identity_options(as_help: str = AS_HELP):
    """--as and --password-stdin, the same on every command that needs to know who acts."""

    def decorate(f):
        f = click.option("--password-stdin", "password_stdin", is_flag=True,
                         help="Lees het wachtwoord (of de wachtwoorden, elk op een regel) van stdin, voor scripts.")(f)
        return click.option("--as", "as_user", help=as_help)(f)

    return decorate


def _stdin_line(what: str) -> str:
    # sys.stdin itself (not a fresh wrapper per call, which would read ahead and swallow the
    # next line): the acting user's password and a new password come on consecutive lines.
    line = sys.stdin.readline()
    if not line:
        raise UserError(f"--password-stdin: geen {what} op stdin.")
    return line.rstrip("\r\n")


def _prompt(text: str, **kwargs) -> str:
    try:
        return click.prompt(text, hide_input=True, err=True, **kwargs)
    except click.exceptions.Abort:
        raise UserError("Geen wachtwoord ingevoerd. Gebruik in een script --password-stdin of een diensttoken "
                        "(MAATWERK_TOKEN).") from None


def read_password(username: str, from_stdin: bool) -> str:
    if from_stdin:
        return _stdin_line(f"wachtwoord voor {username}")
    return _prompt(f"Wachtwoord van {username}")


def new_password(username: str, from_stdin: bool) -> str:
    if from_stdin:
        return _stdin_line(f"nieuw wachtwoord voor {username}")
    return _prompt(f"Nieuw wachtwoord voor {username} (minimaal 12 tekens)",
                   confirmation_prompt="Herhaal het nieuwe wachtwoord")


def demo_active(settings: Settings, log) -> bool:
    from assistant.identity import auth

    return settings.auth == "local" and auth.demo_mode(log, settings.demo)


def acting_user(settings: Settings, log, as_user: str | None, password_stdin: bool = False,
                roles: tuple[str, ...] | None = None, refusal: str | None = None):
    """The authenticated user behind this command (a cases.User), or a Dutch UserError.
    roles: the roles allowed; refusal: the message when the role is not among them."""
    from assistant.identity import auth
    from assistant.cases import CaseError

    token = settings.token.get_secret_value().strip() if settings.token is not None else ""
    try:
        if token:
            user = log.user_for_token(token)
            if as_user and as_user.strip().lower() != user.username:
                raise UserError(f"Het diensttoken in MAATWERK_TOKEN hoort bij '{user.username}', niet bij "
                                f"'{as_user.strip().lower()}'.")
        else:
            if not (as_user or "").strip():
                raise UserError("Zeg wie u bent: --as NAAM (u wordt om uw wachtwoord gevraagd) of een diensttoken "
                                "in MAATWERK_TOKEN.")
            if auth.is_demo_username(as_user) and not demo_active(settings, log):
                raise auth.AuthError("Demo-accounts zijn uitgeschakeld: de demostand staat uit (MAATWERK_DEMO=true, "
                                     "alleen op een casuslog zonder echte gebruikers).")
            password = read_password(as_user.strip().lower(), password_stdin)
            try:
                me = auth.login_local(log, as_user, password, demo_active(settings, log),
                                      max_failures=settings.login_max_attempts,
                                      lock_minutes=settings.login_lockout_minutes)
            except auth.AuthError as exc:
                raise UserError(str(exc)) from exc
            user = log.get_user(me.username)
    except (CaseError, auth.AuthError) as exc:
        raise UserError(str(exc)) from exc
    if roles is not None and user.role not in roles:
        raise UserError(refusal or f"Dit mag alleen een {' of '.join(roles)}.")
    return user


def _beheerder(settings, log, as_user, password_stdin, what: str):
    return acting_user(settings, log, as_user, password_stdin, roles=("beheerder",),
                       refusal=f"Alleen een beheerder mag {what}.")


# --------------------------------------------------------------------------- users


@click.group("users")
def users_group() -> None:
    """Gebruikers (rollen: professional, kwaliteit, jurist, beheerder). Begin met `users init`.

    Alle commando's behalve `init` vragen wie u bent: --as NAAM met uw wachtwoord, of een
    diensttoken in MAATWERK_TOKEN."""


@users_group.command("init")
@click.argument("name")
@click.option("--naam", "display_name", help="Weergavenaam (standaard: NAME).")
@click.option("--team", help="Team van de beheerder.")
@click.option("--password-stdin", "password_stdin", is_flag=True, help="Lees het wachtwoord van stdin.")
@pass_app
def users_init(app: App, name: str, display_name: str | None, team: str | None, password_stdin: bool) -> None:
    """Maak de eerste beheerder NAME aan (met wachtwoord). Weigert zodra er echte gebruikers zijn."""
    from assistant.cli.cases import caselog_of

    with caselog_of(app) as log:
        if log.has_real_users():
            raise UserError("Er bestaan al gebruikers, dus de eerste beheerder is al aangemaakt. Een beheerder "
                            "voegt gebruikers toe met `maatwerk users add`.")
        user = log.init_admin(name, new_password(name, password_stdin), display_name=display_name, team=team)
        from assistant.identity import auth

        auth.sync_demo_accounts(log, demo_active(app.settings, log))
    click.echo(f"Beheerder {user.username} aangemaakt. Demo-accounts zijn vanaf nu uitgeschakeld; voeg gebruikers "
               f"toe met `maatwerk users add NAAM --role ROL --as {user.username}`.")


@users_group.command("add")
@click.argument("name")
@click.option("--role", required=True, type=ROLE_CHOICE)
@click.option("--team", help="Team van de gebruiker (bijv. 'Werk en Inkomen').")
@click.option("--naam", "display_name", help="Weergavenaam (standaard: NAME).")
@identity_options("Uw gebruikersnaam (beheerder); met --password-stdin eerst uw wachtwoord, dan dat van NAME.")
@pass_app
def users_add(app: App, name: str, role: str, team: str | None, display_name: str | None,
              as_user: str | None, password_stdin: bool) -> None:
    """Voeg gebruiker NAME toe met een wachtwoord (alleen een beheerder)."""
    from assistant.cli.cases import caselog_of

    with caselog_of(app) as log:
        admin = _beheerder(app.settings, log, as_user, password_stdin, "gebruikers toevoegen")
        user = log.add_user(name, role, team=team, display_name=display_name, by=admin.username,
                            password=new_password(name.strip().lower(), password_stdin))
    click.echo(f"Gebruiker {user.username} toegevoegd als {user.role}" + (f" (team {user.team})." if user.team else "."))


@users_group.command("passwd")
@click.argument("name")
@identity_options("Wie het wachtwoord zet (standaard: NAME zelf, met het huidige wachtwoord); een beheerder "
                  "voor een ander.")
@pass_app
def users_passwd(app: App, name: str, as_user: str | None, password_stdin: bool) -> None:
    """Zet een nieuw wachtwoord voor NAME (uzelf, of als beheerder voor een ander). Heft een blokkade op."""
    from assistant.cli.cases import caselog_of

    with caselog_of(app) as log:
        token_set = app.settings.token is not None and app.settings.token.get_secret_value().strip()
        me = acting_user(app.settings, log, as_user or (None if token_set else name), password_stdin)
        log.set_password(name, new_password(name.strip().lower(), password_stdin), by=me.username)
    click.echo(f"Wachtwoord van {name.strip().lower()} gewijzigd.")


@users_group.command("role")
@click.argument("name")
@click.option("--role", required=True, type=ROLE_CHOICE)
@identity_options("Uw gebruikersnaam (beheerder).")
@pass_app
def users_role(app: App, name: str, role: str, as_user: str | None, password_stdin: bool) -> None:
    """Geef NAME een andere rol (alleen een beheerder)."""
    from assistant.cli.cases import caselog_of

    with caselog_of(app) as log:
        admin = _beheerder(app.settings, log, as_user, password_stdin, "rollen wijzigen")
        user = log.set_role(name, role, by=admin.username)
    click.echo(f"Gebruiker {user.username} is nu {user.role}.")


@users_group.command("deactivate")
@click.argument("name")
@identity_options("Uw gebruikersnaam (beheerder).")
@pass_app
def users_deactivate(app: App, name: str, as_user: str | None, password_stdin: bool) -> None:
    """Deactiveer NAME: inloggen en diensttoken werken niet meer; casussen en audittrail blijven."""
    from assistant.cli.cases import caselog_of

    with caselog_of(app) as log:
        admin = _beheerder(app.settings, log, as_user, password_stdin, "accounts deactiveren")
        user = log.set_active(name, False, by=admin.username)
    click.echo(f"Gebruiker {user.username} gedeactiveerd.")


@users_group.command("activate")
@click.argument("name")
@identity_options("Uw gebruikersnaam (beheerder).")
@pass_app
def users_activate(app: App, name: str, as_user: str | None, password_stdin: bool) -> None:
    """Activeer NAME weer (geen demo-accounts: die volgen de demostand)."""
    from assistant.identity.auth import is_demo_username
    from assistant.cli.cases import caselog_of

    if is_demo_username(name):
        raise UserError("Demo-accounts volgen de demostand (MAATWERK_DEMO=true op een demo-casuslog); ze worden "
                        "niet met de hand geactiveerd.")
    with caselog_of(app) as log:
        admin = _beheerder(app.settings, log, as_user, password_stdin, "accounts activeren")
        user = log.set_active(name, True, by=admin.username)
    click.echo(f"Gebruiker {user.username} is weer actief.")


@users_group.command("token")
@click.argument("name")
@click.option("--intrekken", is_flag=True, help="Trek het diensttoken van NAME in.")
@identity_options("Uw gebruikersnaam (beheerder).")
@pass_app
def users_token(app: App, name: str, intrekken: bool, as_user: str | None, password_stdin: bool) -> None:
    """Geef NAME een (nieuw) diensttoken voor automatisering, of trek het in. Het token wordt één keer getoond;
    bewaard wordt alleen een hash."""
    from assistant.cli.cases import caselog_of

    with caselog_of(app) as log:
        admin = _beheerder(app.settings, log, as_user, password_stdin, "diensttokens beheren")
        if intrekken:
            log.revoke_token(name, by=admin.username)
            click.echo(f"Diensttoken van {name.strip().lower()} ingetrokken.")
            return
        token = log.issue_token(name, by=admin.username)
    click.echo(token)
    click.echo(f"Diensttoken voor {name.strip().lower()}: zet het als MAATWERK_TOKEN in de omgeving van het script. "
               "Het wordt niet nog eens getoond; een nieuw token vervangt dit.", err=True)


@users_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="Uitvoer als JSON.")
@identity_options("Uw gebruikersnaam (beheerder).")
@pass_app
def users_list(app: App, as_json: bool, as_user: str | None, password_stdin: bool) -> None:
    """Toon alle gebruikers (alleen een beheerder)."""
    from assistant.cli.cases import caselog_of

    with caselog_of(app) as log:
        _beheerder(app.settings, log, as_user, password_stdin, "de gebruikers bekijken")
        users = log.list_users()
    if as_json:
        click.echo(json.dumps([u.__dict__ for u in users], ensure_ascii=False, indent=2))
        return
    for u in users:
        flags = ", ".join(f for f, on in (("inactief", not u.active), ("token", u.has_token), ("oidc", u.oidc)) if on)
        click.echo(f"{u.username:20} {u.role:13} {u.team or '-':20} {u.display_name}"
                   + (f"  [{flags}]" if flags else "") + (f"  (aangemaakt door {u.created_by})" if u.created_by else ""))
