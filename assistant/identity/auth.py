"""Who is using the app: local accounts (bcrypt hashes kept by the case log), the demo accounts
of the embedded default, and the mapping from OIDC claims to a role. No Streamlit here, so the
rules are unit-tested without a browser.

Demo accounts exist only to try the product on one laptop. They are recognisable by name
(demo-..., or demo.... for the users of assistant.cases.demo's seeded cases) and team ("demo"). Demo
mode is explicit: the setting MAATWERK_DEMO=true, and only on a demo case log (one without real
accounts). An empty user table never implies it; and once a real account exists (`maatwerk users
init`), demo mode is off even with MAATWERK_DEMO=true. Whenever demo mode is off, the demo
accounts are deactivated in the case log itself (sync_demo_accounts), so neither the app nor the
command line accepts them, whatever password is published.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Mapping

from assistant.errors import MaatwerkError

ROLES = ("professional", "kwaliteit", "jurist", "beheerder")
ROLE_LABELS = {
    "professional": "Professional",
    "kwaliteit": "Kwaliteitsmedewerker",
    "jurist": "Jurist",
    "beheerder": "Beheerder",
}
# When an OIDC token carries several roles, one is chosen: the case log stores one role per
# user, and the most specialised role is the one the person was given the account for.
ROLE_PRIORITY = ("beheerder", "kwaliteit", "jurist", "professional")

DEMO_PREFIX = "demo-"
DEMO_TEAM = "demo"
# Shown on the login page in demo mode; that is its purpose. Never used outside demo mode.
DEMO_PASSWORD = "lindewaarde-demo"
DEMO_ACCOUNTS: tuple[tuple[str, str, str], ...] = (
    ("demo-professional", "professional", "Demo klantmanager Participatiewet"),
    ("demo-consulent", "professional", "Demo Wmo-consulent"),
    ("demo-kwaliteit", "kwaliteit", "Demo kwaliteitsmedewerker"),
    ("demo-jurist", "jurist", "Demo jurist"),
    ("demo-beheerder", "beheerder", "Demo beheerder"),
)

DEFAULT_ROLE_MAP = "maatwerk-professional=professional,maatwerk-kwaliteit=kwaliteit,maatwerk-jurist=jurist,maatwerk-beheerder=beheerder"
_USERNAME_OK = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")


class AuthError(MaatwerkError):
    """Login refused for a reason the user may see (Dutch)."""


@dataclass(frozen=True)
class Identity:
    username: str
    display_name: str
    role: str
    demo: bool = False
    via: str = "lokaal"  # "lokaal" | "oidc"

    @property
    def role_label(self) -> str:
        return ROLE_LABELS.get(self.role, self.role)


def is_demo_username(username: str) -> bool:
    # "demo." is what assistant.cases.demo gives the professionals of its seeded demo cases.
    return (username or "").strip().lower().startswith((DEMO_PREFIX, "demo."))


# ---- local accounts ---------------------------------------------------------------------------


def demo_mode(caselog, demo_setting: bool) -> bool:
    """Demo mode: asked for explicitly (MAATWERK_DEMO=true) on a case log without real accounts."""
    return bool(demo_setting) and not caselog.has_real_users()


def demo_ignored(caselog, demo_setting: bool) -> bool:
    """MAATWERK_DEMO=true on a case log that has real accounts: the setting is ignored (say so)."""
    return bool(demo_setting) and caselog.has_real_users()


def ensure_demo_accounts(caselog) -> list[str]:
    """Create the missing demo accounts (bcrypt-hashed password); returns the names created."""
    existing = {u.username for u in caselog.list_users()}
    created = []
    for username, role, name in DEMO_ACCOUNTS:
        if username in existing:
            continue
        caselog.add_user(username, role, team=DEMO_TEAM, display_name=name)
        caselog.set_password(username, DEMO_PASSWORD)
        created.append(username)
    return created


def sync_demo_accounts(caselog, demo_active: bool) -> None:
    """Demo mode on: the demo accounts exist and are active. Off: every demo account (also the
    demo.* users of seeded cases) is deactivated in the case log, so the CLI refuses them too."""
    users = caselog.list_users()
    if demo_active:
        ensure_demo_accounts(caselog)
        for u in users:
            if is_demo_username(u.username) and not u.active:
                caselog.set_active(u.username, True)
        return
    for u in users:
        if is_demo_username(u.username) and u.active:
            caselog.set_active(u.username, False)


def login_local(caselog, username: str, password: str, demo_active: bool, max_failures: int = 5,
                lock_minutes: int = 15) -> Identity:
    """Password login, for the app and the command line alike (throttled and locked out per name
    by CaseLog.authenticate; unknown names cost a bcrypt check too)."""
    from assistant.cases import LoginRefused

    name = (username or "").strip().lower()
    if not name or not password:
        raise AuthError("Vul uw gebruikersnaam en wachtwoord in.")
    if is_demo_username(name) and not demo_active:
        raise AuthError("Demo-accounts zijn uitgeschakeld: de demostand staat uit (MAATWERK_DEMO=true, alleen op "
                        "een casuslog zonder echte gebruikers).")
    try:
        user = caselog.authenticate(name, password, max_failures=max_failures, lock_minutes=lock_minutes)
    except LoginRefused as exc:
        raise AuthError(str(exc)) from exc
    return Identity(user.username, user.display_name, user.role, demo=is_demo_username(name))


def identity_for(caselog, username: str, demo_active: bool) -> Identity | None:
    """The identity of an account that is still active, for a login restored from a signed
    session (no password: the signature proves it was given); None when it may not log in now."""
    try:
        user = caselog.get_user(username)
    except Exception:  # PermissionDenied for unknown/inactive users
        return None
    demo = is_demo_username(user.username)
    if not user.active or (demo and not demo_active):
        return None
    return Identity(user.username, user.display_name, user.role, demo=demo)


def still_valid(caselog, identity: Identity, demo_active: bool) -> bool:
    """Checked on every run: the account still exists, is active, has the same role, and a demo
    account is only good while demo mode lasts."""
    if identity.demo and not demo_active:
        return False
    try:
        user = caselog.get_user(identity.username)
    except Exception:  # PermissionDenied for unknown/inactive users
        return False
    return user.active and user.role == identity.role


# ---- OIDC -------------------------------------------------------------------------------------


def parse_role_map(text: str | None) -> dict[str, str]:
    """'groep-a=professional, groep-b=kwaliteit' -> {'groep-a': 'professional', ...}. A claim
    value may map to a role only once; unknown roles are an error naming the setting."""
    out: dict[str, str] = {}
    for part in (text or "").split(","):
        part = part.strip()
        if not part:
            continue
        value, sep, role = part.rpartition("=")
        value, role = value.strip(), role.strip().lower()
        if not sep or not value:
            raise ValueError(f"MAATWERK_OIDC_ROLE_MAP: '{part}' is geen paar claimwaarde=rol")
        if role not in ROLES:
            raise ValueError(f"MAATWERK_OIDC_ROLE_MAP: onbekende rol '{role}' (kies uit: {', '.join(ROLES)})")
        out[value] = role
    return out


def _claim(claims: Mapping[str, Any], path: str) -> Any:
    """A claim by name, or a dotted path into nested claims (Keycloak: realm_access.roles)."""
    if path in claims:
        return claims[path]
    value: Any = claims
    for key in path.split("."):
        if not isinstance(value, Mapping) or key not in value:
            return None
        value = value[key]
    return value


def role_from_claims(claims: Mapping[str, Any], claim: str, role_map: Mapping[str, str]) -> str | None:
    """The role for these token claims, or None (no access). The claim may be a string, a
    space- or comma-separated string, or a list; values are matched exactly (case-insensitive
    as a fallback). With several matching roles the most specialised wins (ROLE_PRIORITY)."""
    raw = _claim(claims, claim)
    if raw is None:
        return None
    values = [str(v) for v in raw] if isinstance(raw, (list, tuple, set)) else re.split(r"[\s,]+", str(raw))
    lowered = {k.lower(): v for k, v in role_map.items()}
    found = set()
    for v in values:
        v = v.strip()
        if not v:
            continue
        role = role_map.get(v) or lowered.get(v.lower())
        if role:
            found.add(role)
    return next((r for r in ROLE_PRIORITY if r in found), None)


def username_from_claims(claims: Mapping[str, Any], claim: str = "preferred_username") -> str:
    """A case-log username from the token: the configured claim, else email, else sub;
    lower-cased, '@' becomes '.', other characters outside [a-z0-9._-] are dropped."""
    raw = _claim(claims, claim) or claims.get("email") or claims.get("sub") or ""
    name = str(raw).strip().lower().replace("@", ".")
    name = re.sub(r"[^a-z0-9._-]", "", name)[:64].lstrip("._-")
    if not _USERNAME_OK.match(name):
        raise AuthError("Het identiteitsbewijs van de organisatie bevat geen bruikbare gebruikersnaam.")
    if is_demo_username(name):
        raise AuthError("Een organisatie-account mag niet met 'demo-' of 'demo.' beginnen.")
    return name


def identity_from_claims(caselog, claims: Mapping[str, Any], claim: str, role_map: Mapping[str, str],
                         username_claim: str = "preferred_username") -> Identity:
    """Map OIDC claims to an Identity. The account is found by issuer + subject (iss, sub), never by
    the username claim, which the identity provider may reuse or let users choose; the first login
    creates the account (no password: OIDC users never log in locally), under the preferred name
    or, if that is taken, preferred-2, -3, ... A role that differs from the stored one is refused
    until a beheerder aligns them, so a token can never silently change who may review."""
    role = role_from_claims(claims, claim, role_map)
    if role is None:
        raise AuthError("Uw account heeft geen rol voor de Maatwerkassistent. Vraag een beheerder om toegang.")
    issuer, subject = str(claims.get("iss") or "").strip(), str(claims.get("sub") or "").strip()
    if not issuer or not subject:
        raise AuthError("Het identiteitsbewijs van de organisatie mist de uitgever (iss) of het kenmerk (sub).")
    user = caselog.oidc_user(issuer, subject)
    if user is None:
        username = username_from_claims(claims, username_claim)
        display = str(claims.get("name") or username)
        user = caselog.add_oidc_user(issuer, subject, username, role, display)
    elif not user.active:
        raise AuthError("Uw account is gedeactiveerd. Vraag een beheerder om toegang.")
    if user.role != role:
        raise AuthError(f"Uw rol bij de organisatie ({ROLE_LABELS[role]}) verschilt van de rol in de "
                        f"Maatwerkassistent ({ROLE_LABELS.get(user.role, user.role)}). Vraag een beheerder dit recht te zetten.")
    return Identity(user.username, user.display_name, user.role, demo=False, via="oidc")
