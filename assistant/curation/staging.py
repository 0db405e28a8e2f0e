"""What the registry does with files before and while it changes the corpus: a file is staged
and checked in full before anything is written, and every written file can be put back."""

from __future__ import annotations

import datetime as dt
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

import yaml


from assistant.corpus.documents import (
    Document,
)
from assistant.curation.model import RegistryError, TEXT_SUFFIXES


# --------------------------------------------------------------------------- file changes


class FileChanges:
    """Writes into the corpus folder that can be undone: every touched path's previous bytes are
    kept (None = did not exist), and directories created on the way are removed again."""

    def __init__(self) -> None:
        self.saved: dict[Path, bytes | None] = {}
        self.created_dirs: list[Path] = []

    def _remember(self, path: Path) -> None:
        if path not in self.saved:
            self.saved[path] = path.read_bytes() if path.exists() else None

    def write(self, path: Path, data: bytes) -> None:
        self._remember(path)
        missing = []
        parent = path.parent
        while not parent.exists():
            missing.append(parent)
            parent = parent.parent
        path.parent.mkdir(parents=True, exist_ok=True)
        self.created_dirs += reversed(missing)
        tmp = path.with_name(f".{path.name}.tmp")
        tmp.write_bytes(data)
        os.replace(tmp, path)

    def rollback(self) -> None:
        for path, data in reversed(list(self.saved.items())):
            try:
                if data is None:
                    path.unlink(missing_ok=True)
                else:
                    path.write_bytes(data)
            except OSError:
                pass
        for d in reversed(self.created_dirs):
            try:
                d.rmdir()
            except OSError:
                pass

    @property
    def touched(self) -> bool:
        return bool(self.saved)


# --------------------------------------------------------------------------- staging


@dataclass
class Staged:
    """A validated incoming document: its bytes, its merged metadata, where it will live."""

    src_name: str
    raw: bytes
    sidecar: dict[str, Any]  # what goes into the stored copy's sidecar (may be empty)
    meta: dict[str, Any]  # normalised by the loader
    body: str  # plain text of the blocks: to recognise an unchanged version
    file_hash: str
    dest_dir: str
    valid_from: dt.date
    valid_to: dt.date | None
    rel_path: str = ""
    predecessor: Any = None  # DocumentRow this version follows


def yaml_dump(data: Mapping[str, Any]) -> bytes:
    clean = {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in data.items()}
    return yaml.safe_dump(clean, allow_unicode=True, sort_keys=False).encode("utf-8")


def parse_date(value: Any, what: str, field: str | None = None) -> dt.date | None:
    """A date from a value; ``what`` names it in the message (or ``field``, an input the front end words)."""
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        name = "{" + field + "}" if field else what
        raise RegistryError(f"{name} '{value}' is geen datum in de vorm JJJJ-MM-DD.",
                            fields=(field,) if field else ()) from None


def sniff(raw: bytes, name: str) -> None:
    """A text file that is really a PDF, a ZIP/DOCX or binary: the loader would read it as
    garbage in cp1252, so refuse it here with the reason."""
    suffix = Path(name).suffix.lower()
    if suffix not in TEXT_SUFFIXES:
        return
    head = raw[:1024].lstrip()
    if head.startswith(b"%PDF"):
        found = "een PDF"
    elif head.startswith(b"PK\x03\x04"):
        found = "een ZIP- of DOCX-bestand"
    elif b"\x00" in raw[:4096]:
        found = "binaire gegevens"
    else:
        return
    raise RegistryError(f"{name}: is geen tekstbestand maar {found}; de extensie {suffix} past niet bij de inhoud.")


def check_subfolder(folder: str) -> str:
    """FOLDER (from --map or a form) as a clean relative path inside the corpus folder, or a
    RegistryError that says why not. Symlinks are checked where the folder is known
    (Registry._inside)."""
    text = str(folder).strip().replace("\\", "/")
    parts = [p for p in text.split("/") if p not in ("", ".")]
    problem = None
    if text.startswith("/") or re.match(r"^[A-Za-z]:", text) or text.startswith("~"):
        problem = "een absoluut pad"
    elif ".." in parts:
        problem = "'..'"
    elif any(p.startswith(".") for p in parts):
        problem = "een verborgen map (met een punt vooraan), die niet wordt geïndexeerd"
    elif any(ord(ch) < 32 for ch in text):
        problem = "een stuurteken"
    if problem:
        raise RegistryError(f"Map '{folder}' bevat {problem}: geef een submap binnen de corpusmap, "
                            "bijv. beleidsregels of besluiten/2026. Er is niets opgeslagen.")
    return "/".join(parts)


def safe_name(name: str) -> str:
    stem, dot, suffix = Path(name).name.rpartition(".")
    if not dot:
        stem, suffix = suffix, ""
    stem = re.sub(r"[^A-Za-z0-9@._-]+", "-", stem).strip("-.") or "document"
    return f"{stem}.{suffix.lower()}" if suffix else stem


def body_text(doc: Document) -> str:
    return "\n".join(" ".join(b.text.split()) for b in doc.blocks)
