"""Integrity of what an installation stores: the audit key (kept outside the database), the keyed
MACs (HMAC-SHA256) that anchor the audit chain and sign backups, and private file modes
(files 0600, directories 0700) for the database, the key and backups.

Where the key comes from (the first that is set wins):
1. MAATWERK_AUDIT_KEY (Settings.audit_key): for a key kept apart from the data directory
   (a secret store, a systemd credential); the content of an audit.key file works as is.
2. <data_dir>/audit.key: 32 random bytes as hex, created with mode 0600 the first time a case
   log is created or migrated to the keyed chain ("first use"), never overwritten.

Without the key nobody can recompute a MAC, so an edited, deleted or truncated audit trail
cannot be made to verify again by someone who can only write to the database. The key is
never stored in the database nor in a backup: keep a copy of it apart from the backups.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
from pathlib import Path

from assistant.errors import MaatwerkError

KEY_FILE = "audit.key"
MIN_SECRET_CHARS = 32
_HEX64 = re.compile(r"^[0-9a-fA-F]{64}$")


class KeyProblem(MaatwerkError):
    """The audit key is missing or unusable; the message (Dutch) says what to do."""


def _material(text: str) -> bytes:
    text = text.strip()
    if _HEX64.match(text):
        return bytes.fromhex(text)
    if len(text) < MIN_SECRET_CHARS:
        raise KeyProblem(f"MAATWERK_AUDIT_KEY is te kort: gebruik minstens {MIN_SECRET_CHARS} tekens "
                         "(bijv. de uitvoer van `python -c \"import secrets; print(secrets.token_hex(32))\"`).")
    return text.encode("utf-8")


class AuditKey:
    """The secret behind every audit MAC and backup signature. Loaded lazily: only creating a new
    keyed chain may create the key file (create=True); everything else needs it to exist."""

    def __init__(self, path: Path | None = None, secret: str | None = None):
        if path is None and not secret:
            raise ValueError("AuditKey needs a key file path or a secret")
        self.path = Path(path) if path is not None else None
        self._secret = secret or None
        self._material: bytes | None = _material(secret) if secret else None

    @classmethod
    def from_settings(cls, settings) -> "AuditKey":
        secret = settings.audit_key.get_secret_value() if settings.audit_key is not None else None
        return cls(Path(settings.data_dir) / KEY_FILE, secret=secret)

    @classmethod
    def ephemeral(cls) -> "AuditKey":
        """A throw-away key (an in-memory database that dies with the process)."""
        return cls(secret=secrets.token_hex(32))

    @property
    def source(self) -> str:
        return "MAATWERK_AUDIT_KEY" if self._secret else str(self.path)

    def exists(self) -> bool:
        return self._material is not None or (self.path is not None and self.path.exists())

    def load(self, create: bool = False) -> bytes:
        if self._material is not None:
            return self._material
        assert self.path is not None
        if not self.path.exists():
            if not create:
                raise KeyProblem(
                    f"De auditsleutel ontbreekt ({self.path}). Zet het bestand audit.key van deze installatie "
                    "terug of stel MAATWERK_AUDIT_KEY in; zonder sleutel kan de audittrail niet worden "
                    "gecontroleerd of aangevuld, en er is niets opgeslagen.")
            create_key_file(self.path)
        try:
            text = self.path.read_text(encoding="ascii").strip()
        except (OSError, UnicodeDecodeError) as exc:
            raise KeyProblem(f"De auditsleutel {self.path} is niet te lezen ({exc.__class__.__name__}); "
                             "controleer het bestand en zijn rechten.") from exc
        if not _HEX64.match(text):
            raise KeyProblem(f"De auditsleutel {self.path} is beschadigd (verwacht 64 hexadecimale tekens).")
        self._material = bytes.fromhex(text)
        return self._material

    @property
    def key_id(self) -> str:
        """A public name for the key (not the key): tells 'wrong key' apart from 'tampered'."""
        return hmac.new(self.load(), b"maatwerk-audit-key-id", hashlib.sha256).hexdigest()[:16]

    def mac(self, data: bytes) -> str:
        return hmac.new(self.load(), data, hashlib.sha256).hexdigest()

    def matches(self, data: bytes, mac: str | None) -> bool:
        return bool(mac) and hmac.compare_digest(self.mac(data), mac)


def create_key_file(path: Path) -> None:
    """A new random 256-bit key, written as 64 hex characters to a file of mode 0600 (in a 0700
    folder when that is made here). A file another process created a moment ago is kept."""
    private_dir(path.parent)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return  # use theirs
    with os.fdopen(fd, "w", encoding="ascii") as f:
        f.write(secrets.token_hex(32) + "\n")


# --------------------------------------------------------------------------- private file modes


def private_dir(path: Path) -> Path:
    """Create a directory (and parents) with mode 0700; an existing directory is left as it is
    (it may be shared on purpose), except that a directory created here is never group-readable."""
    path = Path(path)
    if not path.exists():
        path.mkdir(parents=True, mode=0o700, exist_ok=True)
        os.chmod(path, 0o700)
    return path


def private_file(path: Path) -> None:
    """Take group and other permissions off an existing file (database files made by an older
    version); the owner's own bits stay as they are. A file of another owner is left alone."""
    try:
        mode = Path(path).stat().st_mode
        if mode & 0o077:
            os.chmod(path, mode & 0o700)
    except OSError:
        pass


def create_private_file(path: Path) -> None:
    """Create an empty file with mode 0600 if it is not there (SQLite then opens it as a new
    database and gives its -wal and -shm files the same mode)."""
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        private_file(path)
    except OSError:
        pass  # a read-only directory: SQLite reports that itself, in Dutch via the case log


def make_tree_private(root: Path) -> None:
    """Directories 0700 and files 0600 under root (a backup before it is published)."""
    root = Path(root)
    os.chmod(root, 0o700)
    for dirpath, dirnames, filenames in os.walk(root):
        for d in dirnames:
            os.chmod(os.path.join(dirpath, d), 0o700)
        for f in filenames:
            p = os.path.join(dirpath, f)
            if not os.path.islink(p):
                os.chmod(p, 0o600)


# --------------------------------------------------------------------------- signed app sessions

SESSION_KEY_FILE = "session.key"


class SessionSigner:
    """A login that survives a browser reload: a cookie holding the username and an expiry,
    signed with HMAC-SHA256 under a key in the data dir (session.key, 0600, made on first use).
    The cookie proves who logged in and until when; every run still checks that the account is
    active and has the same role (auth.still_valid). A new key (delete the file) ends every
    session."""

    def __init__(self, secret: bytes):
        self._secret = secret

    @classmethod
    def from_data_dir(cls, data_dir: Path) -> "SessionSigner":
        path = Path(data_dir) / SESSION_KEY_FILE
        if not path.exists():
            create_key_file(path)
        return cls(bytes.fromhex(path.read_text(encoding="ascii").strip()))

    def _mac(self, payload: str) -> str:
        return hmac.new(self._secret, payload.encode("utf-8"), hashlib.sha256).hexdigest()

    def issue(self, username: str, expires: float) -> str:
        payload = f"{username}|{int(expires)}"
        return f"{payload}|{self._mac(payload)}"

    def read(self, token: str | None, now: float) -> tuple[str, float] | None:
        """(username, expiry) of a valid, unexpired token; None for anything else."""
        if not token or token.count("|") != 2:
            return None
        username, expires, mac = token.split("|")
        if not hmac.compare_digest(mac, self._mac(f"{username}|{expires}")):
            return None
        try:
            until = float(expires)
        except ValueError:
            return None
        return (username, until) if until > now and username else None
