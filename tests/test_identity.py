"""Who acts: the identity attacks of issue 18 replayed against the real CLI (click, SQLite file in
a temporary data dir) and the case log, each refused: users added without a beheerder, `--as`
without a password, the published demo password in production, a self-made second account used
to approve one's own case, password guessing (lockout), telling accounts apart by timing (a
bcrypt check for unknown names too), demo data in a production log, and the upgrade of an
existing database."""

from __future__ import annotations

import datetime as dt
import hashlib
import sqlite3

import pytest
from click.testing import CliRunner

from assistant.identity import auth
from assistant.cases import CaseLog, LoginRefused, PermissionDenied
from assistant.cli.main import main

ADMIN_PW = "beheer-wachtwoord-1"
PASSWORDS = {"beheer": ADMIN_PW, "anna": "anna-wachtwoord-12", "kim": "kim-wachtwoord-123"}
CASE = ["--vraag", "Mag ik afzien van terugvordering?", "--uitkomst", "afgeweken", "--motivering", "Dringende redenen."]


@pytest.fixture
def env(tmp_path):
    data = tmp_path / "data"
    return {"MAATWERK_DATA_DIR": str(data), "MAATWERK_DATABASE_URL": "", "MAATWERK_TOKEN": "", "MAATWERK_DEMO": "false"}


def cli(env, *args: str, input: str | None = None, **extra: str):
    return CliRunner().invoke(main, list(args), env={**env, **extra}, input=input, catch_exceptions=False)


def as_(env, user: str, *args: str, password: str | None = None, extra_input: str = "", **kw):
    """`maatwerk ARGS --as USER --password-stdin` with USER's password (or the one given) on stdin."""
    pw = PASSWORDS[user] if password is None else password
    return cli(env, *args, "--as", user, "--password-stdin", input=f"{pw}\n{extra_input}", **kw)


def open_log(env) -> CaseLog:
    return CaseLog.from_url(f"sqlite:///{env['MAATWERK_DATA_DIR']}/maatwerk.db")


@pytest.fixture
def installed(env):
    """A fresh installation as the README tells it: users init, then a beheerder adds colleagues."""
    r = cli(env, "users", "init", "beheer", "--password-stdin", input=ADMIN_PW + "\n")
    assert r.exit_code == 0, r.output
    for name, role in (("anna", "professional"), ("kim", "kwaliteit")):
        r = as_(env, "beheer", "users", "add", name, "--role", role, extra_input=PASSWORDS[name] + "\n")
        assert r.exit_code == 0, r.output
    return env


def submitted_case(env, author: str = "anna") -> int:
    r = as_(env, author, "cases", "new", *CASE)
    assert r.exit_code == 0, r.output
    case_id = int(r.output.strip())
    assert as_(env, author, "cases", "submit", str(case_id)).exit_code == 0
    return case_id


# --------------------------------------------------------------------------- role attacks


def test_users_add_without_a_beheerder_is_refused(installed):
    env = installed
    attempts = [
        cli(env, "users", "add", "x", "--role", "beheerder", input="x-wachtwoord-123\n"),  # no identity
        as_(env, "anna", "users", "add", "x", "--role", "beheerder", password="geraden-wachtwoord",
            extra_input="x-wachtwoord-123\n"),  # wrong password
        as_(env, "x", "users", "add", "x", "--role", "beheerder", password="x-wachtwoord-123",
            extra_input="x-wachtwoord-123\n"),  # an account that does not exist
        as_(env, "kim", "users", "add", "x", "--role", "beheerder", extra_input="x-wachtwoord-123\n"),  # not beheerder
        as_(env, "kim", "users", "role", "kim", "--role", "beheerder"),  # promoting oneself
        as_(env, "anna", "users", "token", "anna"),
        as_(env, "anna", "users", "deactivate", "kim"),
        as_(env, "anna", "users", "passwd", "kim", extra_input="overgenomen-wachtwoord\n"),
    ]
    for r in attempts:
        assert r.exit_code == 2 and r.output.splitlines()[-1].startswith("Fout: "), r.output
    assert [a.output.splitlines()[-1] for a in attempts[:4]] == [
        "Fout: Zeg wie u bent: --as NAAM (u wordt om uw wachtwoord gevraagd) of een diensttoken in MAATWERK_TOKEN.",
        "Fout: Gebruikersnaam of wachtwoord onjuist.",
        "Fout: Gebruikersnaam of wachtwoord onjuist.",
        "Fout: Alleen een beheerder mag gebruikers toevoegen.",
    ]
    log = open_log(env)
    try:
        users = {u.username: u for u in log.list_users()}
        assert set(users) == {"beheer", "anna", "kim"} and users["kim"].role == "kwaliteit"
        assert not users["anna"].has_token and users["kim"].active
        assert log.verify_password("kim", PASSWORDS["kim"])
        # The audit names the beheerder who did it, never "systeem".
        created = {e["after"]["username"]: e["actor"] for e in log.audit_events() if e["action"] == "user.created"}
        assert created == {"beheer": "systeem", "anna": "beheer", "kim": "beheer"}
    finally:
        log.close()


def test_as_alone_is_never_enough(installed):
    env = installed
    case_id = submitted_case(env)
    for args in (("cases", "review", str(case_id), "--as", "kim", "--approve"),
                 ("cases", "list", "--as", "kim"), ("audit", "purge", "--as", "beheer")):
        r = cli(env, *args)  # no password on stdin, no terminal: nothing happens
        assert r.exit_code == 2 and "Geen wachtwoord ingevoerd" in r.output, r.output
    r = cli(env, "cases", "review", str(case_id), "--approve")
    assert r.exit_code == 2 and "Zeg wie u bent" in r.output
    # The hidden prompt (what a person at a terminal gets) works with the right password.
    r = cli(env, "cases", "review", str(case_id), "--as", "kim", "--approve", input=PASSWORDS["kim"] + "\n")
    assert r.exit_code == 0 and "goedgekeurd" in r.output


def test_approving_as_demo_beheerder_is_refused_when_demo_mode_is_off(env):
    log = open_log(env)
    auth.sync_demo_accounts(log, True)  # the log was a demo once: the demo accounts exist, with the published password
    log.close()
    r = cli(env, "users", "init", "beheer", "--password-stdin", input=ADMIN_PW + "\n")
    assert r.exit_code == 0 and "Demo-accounts zijn vanaf nu uitgeschakeld" in r.output
    for name, role in (("anna", "professional"), ("kim", "kwaliteit")):
        assert as_(env, "beheer", "users", "add", name, "--role", role, extra_input=PASSWORDS[name] + "\n").exit_code == 0
    case_id = submitted_case(env)
    for demo in ("false", "true"):  # MAATWERK_DEMO=true does not bring them back on a real log
        r = as_(env, "demo-beheerder", "cases", "review", str(case_id), "--approve", password=auth.DEMO_PASSWORD,
                MAATWERK_DEMO=demo)
        assert r.exit_code == 2 and "Demo-accounts zijn uitgeschakeld" in r.output, r.output
        r = as_(env, "demo-kwaliteit", "cases", "review", str(case_id), "--approve", password=auth.DEMO_PASSWORD,
                MAATWERK_DEMO=demo)
        assert r.exit_code == 2
    log = open_log(env)
    try:
        demo_users = [u for u in log.list_users() if auth.is_demo_username(u.username)]
        assert len(demo_users) == len(auth.DEMO_ACCOUNTS) and not any(u.active for u in demo_users)
        # Deactivated in the case log itself: the Python API refuses them as well.
        with pytest.raises(PermissionDenied, match="Onbekende gebruiker"):
            log.review(case_id, "demo-beheerder", "approve")
        assert log.get_case(case_id, "kim").status == "ingediend"
    finally:
        log.close()


def test_a_second_account_one_created_cannot_approve_ones_own_case(installed):
    env = installed
    # The beheerder makes a second account for themself and approves their own case with it.
    assert as_(env, "beheer", "users", "add", "b.tweede", "--role", "kwaliteit",
               extra_input="tweede-wachtwoord-1\n").exit_code == 0
    PASSWORDS["b.tweede"] = "tweede-wachtwoord-1"
    own = submitted_case(env, "beheer")
    r = as_(env, "b.tweede", "cases", "review", str(own), "--approve")
    assert r.exit_code == 2 and "u hebt het account van de auteur aangemaakt, of de auteur het uwe" in r.output
    # The other way round: a case written under an account the reviewer created.
    assert as_(env, "beheer", "users", "add", "b.derde", "--role", "professional",
               extra_input="derde-wachtwoord-12\n").exit_code == 0
    PASSWORDS["b.derde"] = "derde-wachtwoord-12"
    puppet = submitted_case(env, "b.derde")
    r = as_(env, "beheer", "cases", "review", str(puppet), "--approve")
    assert r.exit_code == 2 and "vier-ogenprincipe vraagt twee verschillende mensen" in r.output
    # Two colleagues whom the beheerder both created review each other as usual.
    r = as_(env, "kim", "cases", "review", str(submitted_case(env, "anna")), "--approve")
    assert r.exit_code == 0 and "goedgekeurd" in r.output
    log = open_log(env)
    try:
        assert log.get_case(own, "kim").status == "ingediend" and log.get_case(puppet, "kim").status == "ingediend"
    finally:
        log.close()


def test_users_init_only_on_a_log_without_real_users(env):
    log = open_log(env)
    auth.sync_demo_accounts(log, True)  # demo accounts alone do not count as real users
    log.close()
    assert cli(env, "users", "init", "beheer", "--password-stdin", input=ADMIN_PW + "\n").exit_code == 0
    r = cli(env, "users", "init", "overnemer", "--password-stdin", input="overnemer-wachtwoord\n")
    assert r.exit_code == 2 and "al gebruikers" in r.output
    r = cli(env, "users", "init", "demo-baas", "--password-stdin", input="overnemer-wachtwoord\n")
    assert r.exit_code == 2
    log = open_log(env)
    try:
        assert [u.username for u in log.list_users() if u.role == "beheerder" and u.active] == ["beheer"]
        with pytest.raises(PermissionDenied):
            log.init_admin("overnemer", "overnemer-wachtwoord")
    finally:
        log.close()


def test_the_last_beheerder_cannot_be_demoted_or_deactivated(installed):
    env = installed
    r = as_(env, "beheer", "users", "role", "beheer", "--role", "jurist")
    assert r.exit_code == 2 and "laatste actieve beheerder" in r.output
    r = as_(env, "beheer", "users", "deactivate", "beheer")
    assert r.exit_code == 2 and "laatste actieve beheerder" in r.output
    r = as_(env, "beheer", "users", "role", "kim", "--role", "beheerder")
    assert r.exit_code == 0 and "kim is nu beheerder" in r.output
    assert as_(env, "kim", "users", "deactivate", "anna").exit_code == 0
    r = as_(env, "anna", "cases", "list")
    assert r.exit_code == 2 and "onjuist" in r.output


# --------------------------------------------------------------------------- passwords and tokens


def test_passwd_for_oneself_with_the_current_password_or_by_a_beheerder(installed):
    env = installed
    r = as_(env, "anna", "users", "passwd", "anna", extra_input="anna-nieuw-wachtwoord\n")
    assert r.exit_code == 0 and "Wachtwoord van anna gewijzigd" in r.output
    r = cli(env, "users", "passwd", "anna", "--password-stdin", input="anna-wachtwoord-12\nweer-een-ander-ww\n")
    assert r.exit_code == 2 and "onjuist" in r.output  # the old password no longer works
    r = as_(env, "beheer", "users", "passwd", "anna", extra_input="door-beheer-gezet\n")
    assert r.exit_code == 0
    r = as_(env, "beheer", "users", "passwd", "anna", extra_input="kort\n")
    assert r.exit_code == 2 and "minimaal 12 tekens" in r.output
    log = open_log(env)
    try:
        assert log.verify_password("anna", "door-beheer-gezet") and not log.verify_password("anna", "anna-nieuw-wachtwoord")
    finally:
        log.close()


def test_service_tokens_are_stored_hashed_bound_to_one_user_and_revocable(installed):
    env = installed
    r = as_(env, "beheer", "users", "token", "kim")
    assert r.exit_code == 0
    token = r.output.splitlines()[0]
    assert token.startswith("mw_") and len(token) > 40
    case_id = submitted_case(env)
    r = cli(env, "cases", "review", str(case_id), "--as", "anna", "--return", "--comment", "x", MAATWERK_TOKEN=token)
    assert r.exit_code == 2 and "hoort bij 'kim', niet bij 'anna'" in r.output
    r = cli(env, "cases", "list", "--json", MAATWERK_TOKEN=token + "x")
    assert r.exit_code == 2 and "ongeldig" in r.output
    r = cli(env, "cases", "review", str(case_id), "--approve", MAATWERK_TOKEN=token)
    assert r.exit_code == 0 and "goedgekeurd" in r.output
    db = (env["MAATWERK_DATA_DIR"] + "/maatwerk.db")
    con = sqlite3.connect(db)
    stored = con.execute("SELECT token_hash FROM users WHERE username = 'kim'").fetchone()[0]
    con.close()
    assert stored == hashlib.sha256(token.encode()).hexdigest()
    raw = b"".join(p.read_bytes() for p in __import__("pathlib").Path(env["MAATWERK_DATA_DIR"]).glob("maatwerk.db*"))
    assert token.encode() not in raw
    r = as_(env, "beheer", "users", "token", "demo-beheerder")
    assert r.exit_code == 2
    assert as_(env, "beheer", "users", "token", "kim", "--intrekken").exit_code == 0
    r = cli(env, "cases", "list", MAATWERK_TOKEN=token)
    assert r.exit_code == 2 and "ingetrokken" in r.output
    token2 = as_(env, "beheer", "users", "token", "kim").output.splitlines()[0]
    assert as_(env, "beheer", "users", "deactivate", "kim").exit_code == 0
    r = cli(env, "cases", "list", MAATWERK_TOKEN=token2)
    assert r.exit_code == 2 and "gedeactiveerd" in r.output


# --------------------------------------------------------------------------- login throttling


def test_cli_lockout_after_five_wrong_passwords_with_a_dutch_message(installed):
    env = installed
    for i in range(4):
        r = as_(env, "anna", "cases", "list", password=f"geraden-wachtwoord-{i}")
        assert r.exit_code == 2 and "onjuist" in r.output
    assert "Nog 1 poging" in r.output
    r = as_(env, "anna", "cases", "list", password="geraden-wachtwoord-9")
    assert r.exit_code == 2 and "geblokkeerd tot" in r.output and "(over 15 minuten)" in r.output
    r = as_(env, "anna", "cases", "list")  # the right password while locked
    assert r.exit_code == 2 and "geblokkeerd tot" in r.output
    # A beheerder resetting the password lifts the lockout.
    assert as_(env, "beheer", "users", "passwd", "anna", extra_input="anna-wachtwoord-13\n").exit_code == 0
    assert as_(env, "anna", "cases", "list", password="anna-wachtwoord-13").exit_code == 0


class Clock:
    def __init__(self):
        self.now = dt.datetime(2026, 12, 1, 9, 0)

    def __call__(self):
        return self.now


def test_lockout_expires_doubles_and_a_success_resets_the_count(tmp_path):
    clock = Clock()
    log = CaseLog.from_url(f"sqlite:///{tmp_path / 'c.db'}", clock=clock)
    log.init_admin("beheer", ADMIN_PW)

    def wrong(n):
        for _ in range(n):
            with pytest.raises(LoginRefused):
                log.authenticate("beheer", "fout-wachtwoord-1", max_failures=3, lock_minutes=10)

    wrong(2)
    log.authenticate("beheer", ADMIN_PW, max_failures=3, lock_minutes=10)  # resets the streak
    wrong(2)
    assert log.authenticate("beheer", ADMIN_PW, max_failures=3).username == "beheer"
    wrong(3)
    with pytest.raises(LoginRefused, match="over 10 minuten"):
        log.authenticate("beheer", ADMIN_PW, max_failures=3, lock_minutes=10)
    clock.now += dt.timedelta(minutes=11)
    wrong(3)  # a second lockout in a row lasts twice as long
    with pytest.raises(LoginRefused, match="over 20 minuten"):
        log.authenticate("beheer", ADMIN_PW, max_failures=3, lock_minutes=10)
    clock.now += dt.timedelta(minutes=21)
    assert log.authenticate("beheer", ADMIN_PW, max_failures=3, lock_minutes=10).username == "beheer"
    locks = [e for e in log.audit_events() if e["action"] == "user.locked"]
    assert len(locks) == 2 and log.verify_audit().ok
    log.close()


def test_unknown_names_cost_a_bcrypt_check_and_lock_out_like_real_ones(tmp_path, monkeypatch):
    import bcrypt

    log = CaseLog.from_url(f"sqlite:///{tmp_path / 'c.db'}")
    log.init_admin("beheer", ADMIN_PW)
    log.add_user("oud", "jurist", by="beheer", password="oud-wachtwoord-12")
    log.set_active("oud", False, by="beheer")
    log.add_user("zonder", "jurist", by="beheer")  # no password
    calls = []
    real = bcrypt.checkpw
    monkeypatch.setattr(bcrypt, "checkpw", lambda pw, hashed: calls.append(hashed) or real(pw, hashed))
    messages = {}
    for name in ("beheer", "niemand", "oud", "zonder"):
        calls.clear()
        with pytest.raises(LoginRefused) as exc:
            log.authenticate(name, "fout-wachtwoord-1")
        assert len(calls) == 1, name  # one bcrypt check, whether or not the account exists
        messages[name] = str(exc.value)
    assert len(set(messages.values())) == 1  # the same answer for every kind of name
    for name in ("beheer", "niemand"):
        for _ in range(4):
            with pytest.raises(LoginRefused):
                log.authenticate(name, "fout-wachtwoord-1")
    with pytest.raises(LoginRefused) as real_lock:
        log.authenticate("beheer", "fout-wachtwoord-1")
    with pytest.raises(LoginRefused) as unknown_lock:
        log.authenticate("niemand", "fout-wachtwoord-1")
    assert "geblokkeerd tot" in str(real_lock.value) and str(real_lock.value) == str(unknown_lock.value)
    log.close()


# --------------------------------------------------------------------------- demo data


def test_demo_seed_cases_refuses_a_log_with_real_users(installed):
    env = installed
    r = cli(env, "demo", "seed-cases", "--n", "3")
    assert r.exit_code == 2 and "geen demo-casuslog" in r.output
    log = open_log(env)
    try:
        assert log.count_cases() == 0 and {u.username for u in log.list_users()} == {"beheer", "anna", "kim"}
    finally:
        log.close()


# --------------------------------------------------------------------------- upgrade of an existing database


def test_an_existing_database_is_migrated_and_keeps_working(tmp_path):
    import bcrypt
    from alembic import command
    from alembic.config import Config

    from assistant.cases import MIGRATIONS_LOCATION, make_engine

    url = f"sqlite:///{tmp_path / 'oud.db'}"
    engine = make_engine(url)
    cfg = Config()
    cfg.set_main_option("script_location", MIGRATIONS_LOCATION)
    with engine.execution_options(maatwerk_write=True).begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0002_registry")  # the schema before this change
    hashed = bcrypt.hashpw(b"oude-beheerder-pw", bcrypt.gensalt()).decode()
    with engine.begin() as conn:
        for i, (name, role) in enumerate((("beheer", "beheerder"), ("anna", "professional"), ("kim", "kwaliteit"))):
            conn.exec_driver_sql(
                "INSERT INTO users (id, username, display_name, role, team, password_hash, active, created_at) "
                "VALUES (?, ?, ?, ?, NULL, ?, 1, '2026-01-01 00:00:00')",
                (i + 1, name, name, role, hashed if name == "beheer" else None))
    engine.dispose()

    log = CaseLog.from_url(url)  # upgrades to head
    try:
        con = sqlite3.connect(tmp_path / "oud.db")
        assert con.execute("SELECT version_num FROM alembic_version").fetchall() == [("0004_keyed_audit",)]
        columns = {r[1] for r in con.execute("PRAGMA table_info(users)")}
        assert {"created_by", "token_hash", "token_created_at", "oidc_issuer", "oidc_subject"} <= columns
        assert con.execute("SELECT count(*) FROM login_failures").fetchone() == (0,)
        con.close()
        users = {u.username: u for u in log.list_users()}
        assert users["anna"].created_by is None and not users["beheer"].has_token
        assert log.authenticate("beheer", "oude-beheerder-pw").role == "beheerder"
        assert log.has_real_users()
        with pytest.raises(PermissionDenied):
            log.init_admin("nieuw", "nieuw-wachtwoord-1")
        case = log.create_case("anna", question="Mag ik afzien?", uitkomst="afgeweken", motivering="Omdat.")
        log.submit(case.id, "anna")
        assert log.review(case.id, "kim", "approve").status == "goedgekeurd"
        assert log.verify_audit().ok
    finally:
        log.close()


def test_serve_tells_the_operator_about_demo_mode_and_users_init(tmp_path):
    from assistant.config import Settings
    from assistant.app import App
    from assistant.cli.serve import login_banner

    def banner(demo: bool) -> str:
        return login_banner(App(Settings(data_dir=tmp_path, database_url=None, demo=demo, _env_file=None)))

    assert "DEMOSTAND" in banner(True) and "lindewaarde-demo" in banner(True)  # what `make run` shows first
    assert "maatwerk users init" in banner(False) and "DEMOSTAND" not in banner(False)
    CaseLog.from_url(f"sqlite:///{tmp_path / 'maatwerk.db'}").init_admin("beheer", ADMIN_PW)
    assert "wordt genegeerd" in banner(True)
    assert banner(False).startswith("Inloggen met lokale accounts")


def test_a_beheerder_cannot_create_accounts_with_demo_names(installed):
    r = as_(installed, "beheer", "users", "add", "demo-baas", "--role", "beheerder", extra_input="demo-baas-wachtwoord\n")
    assert r.exit_code == 2 and "demo-accounts" in r.output


def test_a_session_token_is_signed_and_expires(tmp_path):
    import os

    from assistant.integrity import SESSION_KEY_FILE, SessionSigner

    signer = SessionSigner.from_data_dir(tmp_path)
    assert oct(os.stat(tmp_path / SESSION_KEY_FILE).st_mode & 0o777) == "0o600"
    token = signer.issue("anna", expires=1_000)
    assert signer.read(token, now=999) == ("anna", 1000.0)
    assert signer.read(token, now=1_001) is None  # expired
    assert signer.read(token.replace("anna|", "beheer|"), now=999) is None  # another name, old MAC
    assert signer.read(token.replace("|1000|", "|9999|"), now=999) is None  # a longer life, old MAC
    assert signer.read("", now=0) is None and signer.read("x|y", now=0) is None
    assert SessionSigner.from_data_dir(tmp_path).read(token, now=999) == ("anna", 1000.0)  # same key file
    (tmp_path / SESSION_KEY_FILE).unlink()
    assert SessionSigner.from_data_dir(tmp_path).read(token, now=999) is None  # a new key ends every session
