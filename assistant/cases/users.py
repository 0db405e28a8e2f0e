"""Accounts of the case log: local users with bcrypt passwords and lockout, service tokens for the
command line, and accounts that sign in through OIDC (issuer + subject)."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import secrets

from sqlalchemy import (
    delete,
    func,
    select,
)
from sqlalchemy.orm import Session

from assistant.cases.model import CaseError, LoginRefused, PermissionDenied, ROLES, SYSTEM_ACTOR, User
from assistant.cases.schema import LoginFailureRow, UserRow, _user_model


_USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
TOKEN_PREFIX = "mw_"
_DUMMY_HASH: bytes | None = None


def _hash_password(password: str) -> str:
    """bcrypt reads at most 72 bytes, so longer passwords are refused rather than silently truncated."""
    import bcrypt

    raw = (password or "").encode("utf-8")
    if len(password or "") < 12:
        raise CaseError("Een wachtwoord heeft minimaal 12 tekens.")
    if len(raw) > 72:
        raise CaseError("Een wachtwoord is maximaal 72 bytes lang.")
    return bcrypt.hashpw(raw, bcrypt.gensalt()).decode("ascii")


def _check_password(password: str, hashed: str | None) -> bool:
    """bcrypt check; without a stored hash (unknown, inactive or password-less account) the same
    work is done against a dummy hash, so the time taken does not tell whether the account exists."""
    import bcrypt

    global _DUMMY_HASH
    if _DUMMY_HASH is None:
        _DUMMY_HASH = bcrypt.hashpw(secrets.token_bytes(16), bcrypt.gensalt())
    raw = (password or "").encode("utf-8")
    too_long = len(raw) > 72
    target = hashed.encode("ascii") if hashed and not too_long else _DUMMY_HASH
    ok = bcrypt.checkpw(raw[:72], target)
    return ok and target is not _DUMMY_HASH


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _locked_message(until: dt.datetime, now: dt.datetime) -> str:
    minutes = max(1, int((until - now).total_seconds() + 59) // 60)
    local = until.replace(tzinfo=dt.timezone.utc).astimezone()
    return (f"Te veel onjuiste wachtwoorden: inloggen met deze naam is geblokkeerd tot {local:%H:%M} "
            f"(over {minutes} minuten). Probeer het daarna opnieuw, of vraag een beheerder uw wachtwoord "
            "opnieuw in te stellen.")


class UserAccounts:
    """The user methods of CaseLog (a mixin: it uses the log's sessions, clock and audit)."""

    # ------------------------------------------------------------------ users

    def _user(self, s: Session, username: str) -> UserRow:
        row = s.execute(select(UserRow).where(UserRow.username == (username or "").strip().lower())).scalar_one_or_none()
        if row is None or not row.active:
            raise PermissionDenied(f"Onbekende gebruiker '{username}'; een beheerder kan hem toevoegen met `maatwerk users add`.")
        return row

    def _admin(self, s: Session, by: str, what: str) -> UserRow:
        admin = self._user(s, by)
        if admin.role != "beheerder":
            raise PermissionDenied(f"Alleen een beheerder mag {what}.")
        return admin

    @staticmethod
    def _valid_new_user(username: str, role: str) -> str:
        name = (username or "").strip().lower()
        if not _USERNAME_RE.match(name):
            raise CaseError("Een gebruikersnaam bestaat uit 2-64 kleine letters, cijfers, punt, streepje of liggend streepje.")
        if role not in ROLES:
            raise CaseError(f"Onbekende rol '{role}'; kies uit: {', '.join(ROLES)}.")
        return name

    def add_user(self, username: str, role: str, team: str | None = None, display_name: str | None = None,
                 by: str | None = None, password: str | None = None) -> User:
        """A new account. by: the beheerder who creates it (recorded as created_by, so four eyes can
        tell that the two accounts are one person's doing); None is the system itself (first OIDC
        login, demo seeding, tests); the command line and the app always pass a beheerder."""
        from assistant.identity.auth import is_demo_username

        name = self._valid_new_user(username, role)
        if by is not None and is_demo_username(name):
            raise CaseError("Namen die met 'demo-' of 'demo.' beginnen zijn voor demo-accounts; kies een andere naam.")
        hashed = _hash_password(password) if password is not None else None
        with self._write() as s:
            actor, created_by = SYSTEM_ACTOR, None
            if by is not None:
                actor = created_by = self._admin(s, by, "gebruikers toevoegen").username
            if s.execute(select(UserRow.id).where(UserRow.username == name)).first():
                raise CaseError(f"Gebruiker '{name}' bestaat al.")
            row = UserRow(username=name, display_name=(display_name or name).strip(), role=role,
                          team=(team or None), created_at=self._now(), active=True, created_by=created_by,
                          password_hash=hashed)
            s.add(row)
            self._append_event(s, actor, "user.created", None, {}, {
                "username": name, "display_name": row.display_name, "role": role, "team": row.team,
                "created_by": created_by, "password": hashed is not None})
            return _user_model(row)

    def has_real_users(self) -> bool:
        """Whether any account other than a demo account exists (active or not)."""
        from assistant.identity.auth import is_demo_username

        return any(not is_demo_username(u.username) for u in self.list_users())

    def init_admin(self, username: str, password: str, display_name: str | None = None,
                   team: str | None = None) -> User:
        """The first beheerder of a new installation (`maatwerk users init`). Refused as soon as any
        real account exists, so it can never be used to add a second, unchecked beheerder."""
        from assistant.identity.auth import is_demo_username

        name = self._valid_new_user(username, "beheerder")
        if is_demo_username(name):
            raise CaseError("De eerste beheerder mag geen demo-naam hebben (demo-… of demo.…).")
        hashed = _hash_password(password)
        with self._write() as s:
            names = s.execute(select(UserRow.username)).scalars().all()
            if any(not is_demo_username(n) for n in names):
                raise PermissionDenied("Er bestaan al gebruikers, dus de eerste beheerder is al aangemaakt. "
                                       "Een beheerder voegt gebruikers toe met `maatwerk users add`.")
            row = UserRow(username=name, display_name=(display_name or name).strip(), role="beheerder",
                          team=(team or None), created_at=self._now(), active=True, password_hash=hashed)
            s.add(row)
            self._append_event(s, SYSTEM_ACTOR, "user.created", None, {}, {
                "username": name, "display_name": row.display_name, "role": "beheerder", "team": row.team,
                "created_by": None, "password": True, "init": True})
            return _user_model(row)

    def _active_beheerders(self, s: Session) -> int:
        return s.execute(select(func.count()).select_from(UserRow).where(
            UserRow.role == "beheerder", UserRow.active.is_(True))).scalar_one()

    def set_role(self, username: str, role: str, by: str) -> User:
        if role not in ROLES:
            raise CaseError(f"Onbekende rol '{role}'; kies uit: {', '.join(ROLES)}.")
        with self._write() as s:
            admin = self._admin(s, by, "rollen wijzigen")
            row = self._user(s, username)
            if row.role == role:
                return _user_model(row)
            if row.role == "beheerder" and self._active_beheerders(s) <= 1:
                raise PermissionDenied("Dit is de laatste actieve beheerder; maak eerst een andere beheerder aan.")
            before = row.role
            row.role = role
            self._append_event(s, admin.username, "user.role_changed", None,
                               {"username": row.username, "role": before}, {"username": row.username, "role": role})
            return _user_model(row)

    def set_active(self, username: str, active: bool, by: str | None = None) -> User:
        """(De)activate an account; its cases and audit trail stay. by=None is the system (demo
        accounts when demo mode ends)."""
        name = (username or "").strip().lower()
        with self._write() as s:
            actor = SYSTEM_ACTOR if by is None else self._admin(s, by, "accounts (de)activeren").username
            row = s.execute(select(UserRow).where(UserRow.username == name)).scalar_one_or_none()
            if row is None:
                raise PermissionDenied(f"Onbekende gebruiker '{username}'.")
            if row.active == active:
                return _user_model(row)
            if not active and row.role == "beheerder" and by is not None and self._active_beheerders(s) <= 1:
                raise PermissionDenied("Dit is de laatste actieve beheerder; maak eerst een andere beheerder aan.")
            row.active = active
            self._append_event(s, actor, "user.activated" if active else "user.deactivated", None,
                               {"username": row.username, "active": not active},
                               {"username": row.username, "active": active})
            return _user_model(row)

    def get_user(self, username: str) -> User:
        with self._read() as s:
            return _user_model(self._user(s, username))

    def list_users(self) -> list[User]:
        with self._read() as s:
            return [_user_model(r) for r in s.execute(select(UserRow).order_by(UserRow.username)).scalars()]

    def set_password(self, username: str, password: str, by: str | None = None) -> None:
        """Store a bcrypt hash (never the password); by=None is the user themself. Setting a
        password also lifts a lockout on that name."""
        hashed = _hash_password(password)
        with self._write() as s:
            row = self._user(s, username)
            actor = row.username if by is None else self._user(s, by).username
            if actor != row.username and self._user(s, actor).role != "beheerder":
                raise PermissionDenied("Alleen een beheerder mag het wachtwoord van een ander instellen.")
            row.password_hash = hashed
            s.execute(delete(LoginFailureRow).where(LoginFailureRow.username == row.username))
            self._append_event(s, actor, "user.password_set", None, {}, {"username": row.username})

    def verify_password(self, username: str, password: str) -> bool:
        """The bare check, without throttling (see authenticate). An unknown, inactive or
        password-less account costs one bcrypt check all the same."""
        with self._read() as s:
            row = s.execute(select(UserRow).where(UserRow.username == (username or "").strip().lower())).scalar_one_or_none()
        hashed = row.password_hash if row is not None and row.active else None
        return _check_password(password, hashed)

    def authenticate(self, username: str, password: str, max_failures: int = 5, lock_minutes: int = 15) -> User:
        """Log in with a password, throttled per name tried: after max_failures wrong passwords in
        a row the name is locked for lock_minutes (doubling with each further lockout, at most 64x).
        Unknown names are counted and hashed exactly like real ones, so neither the answer nor its
        timing tells whether an account exists. Raises LoginRefused with a Dutch message."""
        name = (username or "").strip().lower()[:200]
        if not name or not password:
            raise LoginRefused("Vul uw gebruikersnaam en wachtwoord in.")
        now = self._now()
        with self._read() as s:
            fail = s.get(LoginFailureRow, name)
            row = s.execute(select(UserRow).where(UserRow.username == name)).scalar_one_or_none()
        if fail is not None and fail.locked_until is not None and fail.locked_until > now:
            raise LoginRefused(_locked_message(fail.locked_until, now))
        hashed = row.password_hash if row is not None and row.active else None
        if _check_password(password, hashed):
            if fail is not None:
                with self._write() as s:
                    s.execute(delete(LoginFailureRow).where(LoginFailureRow.username == name))
            return _user_model(row)
        with self._write() as s:
            # Names tried once and long ago (typos, guesses at names) are forgotten.
            s.execute(delete(LoginFailureRow).where(
                LoginFailureRow.last_failed_at < now - dt.timedelta(hours=24),
                (LoginFailureRow.locked_until.is_(None)) | (LoginFailureRow.locked_until < now)))
            fail = s.execute(self._lock(select(LoginFailureRow).where(LoginFailureRow.username == name))).scalar_one_or_none()
            if fail is None:
                fail = LoginFailureRow(username=name, failures=0, lockouts=0, last_failed_at=now)
                s.add(fail)
            elif now - fail.last_failed_at > dt.timedelta(hours=24):
                fail.failures, fail.lockouts = 0, 0  # an old streak is forgiven
            fail.failures += 1
            fail.last_failed_at = now
            locked = fail.failures >= max(1, max_failures)
            if locked:
                fail.lockouts += 1
                fail.failures = 0
                fail.locked_until = now + dt.timedelta(minutes=lock_minutes * 2 ** min(fail.lockouts - 1, 6))
                if row is not None:
                    self._append_event(s, SYSTEM_ACTOR, "user.locked", None, {}, {
                        "username": row.username, "until": fail.locked_until.isoformat(timespec="seconds")})
            left = max(1, max_failures) - fail.failures
            until = fail.locked_until
        if locked:
            raise LoginRefused(_locked_message(until, now))
        hint = f" Nog {left} poging{'en' if left != 1 else ''} voordat inloggen tijdelijk wordt geblokkeerd." if left <= 2 else ""
        # One message for unknown user and wrong password: no hint which of the two it was.
        raise LoginRefused("Gebruikersnaam of wachtwoord onjuist." + hint)

    # ------------------------------------------------------------------ service tokens and OIDC

    def issue_token(self, username: str, by: str) -> str:
        """A new service token for automation (MAATWERK_TOKEN); replaces the previous one. Only the
        SHA-256 is stored: the token is shown once."""
        from assistant.identity.auth import is_demo_username

        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        with self._write() as s:
            admin = self._admin(s, by, "diensttokens uitgeven")
            row = self._user(s, username)
            if is_demo_username(row.username):
                raise PermissionDenied("Demo-accounts krijgen geen diensttoken.")
            row.token_hash, row.token_created_at = _token_hash(token), self._now()
            self._append_event(s, admin.username, "user.token_issued", None, {}, {"username": row.username})
        return token

    def revoke_token(self, username: str, by: str) -> None:
        with self._write() as s:
            admin = self._admin(s, by, "diensttokens intrekken")
            row = self._user(s, username)
            if row.token_hash is None:
                return
            row.token_hash = row.token_created_at = None
            self._append_event(s, admin.username, "user.token_revoked", None, {}, {"username": row.username})

    def user_for_token(self, token: str) -> User:
        digest = _token_hash((token or "").strip())
        with self._read() as s:
            row = s.execute(select(UserRow).where(UserRow.token_hash == digest)).scalar_one_or_none()
        if row is None or not row.active or not hmac.compare_digest(row.token_hash, digest):
            raise PermissionDenied("Het diensttoken (MAATWERK_TOKEN) is ongeldig, ingetrokken of van een "
                                   "gedeactiveerd account.")
        return _user_model(row)

    def oidc_user(self, issuer: str, subject: str) -> User | None:
        with self._read() as s:
            row = s.execute(select(UserRow).where(UserRow.oidc_issuer == issuer,
                                                  UserRow.oidc_subject == subject)).scalar_one_or_none()
        return _user_model(row) if row is not None else None

    def add_oidc_user(self, issuer: str, subject: str, preferred: str, role: str, display_name: str) -> User:
        """The account for an OIDC identity seen for the first time, bound to issuer + subject. The
        username is the preferred one, or the first free preferred-2, -3, ...: a token whose
        username claim equals an existing account never takes that account over."""
        name = self._valid_new_user(preferred, role)
        with self._write() as s:
            taken = set(s.execute(select(UserRow.username).where(UserRow.username.like(f"{name[:60]}%"))).scalars())
            candidate, n = name, 1
            while candidate in taken:
                n += 1
                candidate = f"{name[:60]}-{n}"
            row = UserRow(username=candidate, display_name=(display_name or candidate).strip(), role=role,
                          team=None, created_at=self._now(), active=True, oidc_issuer=issuer, oidc_subject=subject)
            s.add(row)
            self._append_event(s, SYSTEM_ACTOR, "user.created", None, {}, {
                "username": candidate, "display_name": row.display_name, "role": role, "team": None,
                "created_by": None, "oidc_issuer": issuer, "oidc_subject": subject})
            return _user_model(row)
