"""Helpers for the tests marked `server`: the Chroma server and PostgreSQL that .ci/services.sh
started (their URLs in MAATWERK_TEST_CHROMA_URL / MAATWERK_TEST_DATABASE_URL), a fresh database
and collection per test, and handles to stop and restart servers for the fault tests.
Not a conftest: only the server tests import it."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pytest

CHROMA_URL = os.environ.get("MAATWERK_TEST_CHROMA_URL") or None
DATABASE_URL = os.environ.get("MAATWERK_TEST_DATABASE_URL") or None

SKIP_REASON = (
    "no servers: MAATWERK_TEST_CHROMA_URL / MAATWERK_TEST_DATABASE_URL are not set; "
    "run `.ci/services.sh make test-server` to start a Chroma server and PostgreSQL"
)
# Module-level `pytestmark = SERVER` in every server test file.
SERVER = [pytest.mark.server, pytest.mark.skipif(not (CHROMA_URL and DATABASE_URL), reason=SKIP_REASON)]

VENV_BIN = Path(sys.executable).parent


def unique(prefix: str = "t") -> str:
    return f"{prefix}_{uuid.uuid4().hex[:12]}"


@contextmanager
def fresh_database(base_url: str | None = None) -> Iterator[str]:
    """A new, empty PostgreSQL database on the test server; dropped afterwards."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    url = make_url(base_url or DATABASE_URL)
    name = unique("maatwerk")
    admin = create_engine(url, isolation_level="AUTOCOMMIT", pool_pre_ping=True)
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(check, timeout: float = 30.0, what: str = "server") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except Exception:
            pass
        time.sleep(0.2)
    raise TimeoutError(f"{what} not ready within {timeout} s")


class ChromaServer:
    """A private `chroma run` on a free loopback port, for tests that stop and restart it
    (the shared server of services.sh stays up for the other tests)."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None

    def _ready(self) -> bool:
        urllib.request.urlopen(f"{self.url}/api/v2/heartbeat", timeout=1).read()
        return True

    def start(self) -> "ChromaServer":
        log = open(self.path.parent / f"chroma-{self.port}.log", "ab")
        self.proc = subprocess.Popen(
            [str(VENV_BIN / "chroma"), "run", "--path", str(self.path), "--host", "127.0.0.1",
             "--port", str(self.port)], stdout=log, stderr=subprocess.STDOUT)
        wait_until(self._ready, what="chroma")
        return self

    def stop(self, kill: bool = False) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.kill() if kill else self.proc.terminate()
            self.proc.wait(timeout=30)
        self.proc = None


class PostgresControl:
    """Stops and starts the cluster that .ci/services.sh created (its port is in its config)."""

    def __init__(self):
        self.pgdata = os.environ.get("MAATWERK_TEST_PGDATA")
        self.pgbin = os.environ.get("MAATWERK_TEST_PGBIN")
        self.user = os.environ.get("MAATWERK_TEST_PGUSER") or None

    @property
    def available(self) -> bool:
        return bool(self.pgdata and self.pgbin and Path(self.pgbin, "pg_ctl").exists())

    def _pg_ctl(self, *args: str) -> None:
        cmd = [str(Path(self.pgbin, "pg_ctl")), "-D", self.pgdata, "-w", "-t", "60", *args]
        if self.user and os.geteuid() == 0:
            cmd = [shutil.which("runuser") or "runuser", "-u", self.user, "--", *cmd]
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def stop(self, mode: str = "fast") -> None:
        self._pg_ctl("-m", mode, "stop")

    def start(self) -> None:
        self._pg_ctl("-l", str(Path(self.pgdata).parent / "pg.log"), "start")
