"""`maatwerk serve`: ready means ready. The index is brought up to date (progress in the terminal)
before the port opens, then the process becomes Streamlit itself, so a stop signal reaches the
app and nothing is left running."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from conftest import REPO


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


def test_serve_indexes_first_then_execs_streamlit_and_stops_on_sigterm(tmp_path):
    port = free_port()
    data = tmp_path / "data"
    env = {**os.environ, "MAATWERK_DATA_DIR": str(data), "MAATWERK_EMBEDDER": "hashing",
           "MAATWERK_LLM": "grounded", "PYTHONUNBUFFERED": "1",
           "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}
    for key in ("MAATWERK_CORPUS_DIR", "MAATWERK_SAMPLE_CORPUS_DIR"):
        env.pop(key, None)
    proc = subprocess.Popen([sys.executable, "-m", "assistant", "serve", "--port", str(port)], cwd=tmp_path,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        lines: list[str] = []
        for line in proc.stdout:
            lines.append(line)
            if "start op http://" in line:
                break
            # Until serve announces the app, the index is being prepared and the port is closed.
            assert not port_open(port), "".join(lines)
        text = "".join(lines)
        assert "Eerste start" in text and "Index klaar:" in text, text
        assert text.index("Index klaar:") < text.index("start op http://")
        assert (data / "corpus").is_dir() and (data / "chroma").exists()

        deadline = time.monotonic() + 120
        while not port_open(port):
            assert proc.poll() is None, "".join(lines) + proc.stdout.read()
            assert time.monotonic() < deadline, "Streamlit did not open the port"
            time.sleep(0.5)
        # The same process is now Streamlit: exec, not a child.
        cmdline = Path(f"/proc/{proc.pid}/cmdline").read_bytes().split(b"\0")
        assert b"streamlit" in cmdline and b"run" in cmdline
        children = [p for p in Path("/proc").iterdir() if p.name.isdigit() and _ppid(p) == proc.pid]
        assert children == []
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=30) as resp:
            assert resp.status == 200

        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)
        assert not port_open(port)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def _ppid(proc_dir: Path) -> int | None:
    try:
        stat = (proc_dir / "stat").read_text()
    except OSError:
        return None
    return int(stat.rsplit(")", 1)[1].split()[1])


def test_serve_refuses_an_empty_corpus_with_a_dutch_message(tmp_path):
    env = {**os.environ, "MAATWERK_DATA_DIR": str(tmp_path / "data"), "MAATWERK_EMBEDDER": "hashing",
           "MAATWERK_CORPUS_DIR": str(tmp_path / "leeg")}
    env.pop("MAATWERK_SAMPLE_CORPUS_DIR", None)
    out = subprocess.run([sys.executable, "-m", "assistant", "serve", "--port", str(free_port())], cwd=REPO,
                         env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 2
    assert "er is niets geïndexeerd" in out.stderr and "Traceback" not in out.stderr
