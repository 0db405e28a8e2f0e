"""The corpus the app manages, under the data dir: the app never writes into a checkout.

The checkout's sample corpus (or MAATWERK_SAMPLE_CORPUS_DIR) is only read. Its files are copied
into the managed corpus folder on first start, and on every later start new and updated sample
files follow, unless the copy was changed here (a retire sidecar, an edited file): local work
wins. Which sample version each copy came from is kept in <data_dir>/corpus-sample.json.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from assistant.errors import MaatwerkError

MANIFEST_NAME = "corpus-sample.json"


class WorkspaceError(MaatwerkError):
    """The managed corpus cannot be prepared; the message (Dutch) says why."""


@dataclass
class SeedReport:
    copied: list[str] = field(default_factory=list)  # new in the managed corpus
    updated: list[str] = field(default_factory=list)  # sample changed, copy untouched here
    removed: list[str] = field(default_factory=list)  # gone from the sample, copy untouched here
    kept: list[str] = field(default_factory=list)  # sample changed, but the copy was changed here

    @property
    def changed(self) -> bool:
        return bool(self.copied or self.updated or self.removed)


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _sample_files(root: Path) -> dict[str, Path]:
    out = {}
    for p in sorted(root.rglob("*")):
        rel = p.relative_to(root)
        if p.is_file() and not any(part.startswith(".") for part in rel.parts):
            out[rel.as_posix()] = p
    return out


def prepare_corpus(corpus_dir: Path, sample_dir: Path | None, data_dir: Path) -> SeedReport:
    """Create the managed corpus folder and bring it up to date with the sample corpus."""
    corpus_dir, report = Path(corpus_dir), SeedReport()
    try:
        corpus_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise WorkspaceError(f"De corpusmap {corpus_dir} kan niet worden aangemaakt: {exc}") from exc
    if sample_dir is None or not Path(sample_dir).is_dir():
        return report
    sample_dir = Path(sample_dir)
    if sample_dir.resolve() == corpus_dir.resolve():
        return report  # the operator chose to manage the sample folder itself
    manifest_path = Path(data_dir) / MANIFEST_NAME
    try:
        manifest: dict[str, str] = json.loads(manifest_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        manifest = {}
    except (OSError, ValueError) as exc:
        raise WorkspaceError(f"{manifest_path} is onleesbaar ({exc}); verwijder het bestand om het "
                             "voorbeeldcorpus opnieuw te vergelijken.") from exc
    sample = _sample_files(sample_dir)
    try:
        for rel, src in sample.items():
            target = corpus_dir / rel
            new = _digest(src)
            if not target.exists():
                if rel in manifest:
                    continue  # copied before and removed here: stays removed
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(src, target)
                manifest[rel] = new
                report.copied.append(rel)
                continue
            if manifest.get(rel) == new:
                continue
            here = _digest(target)
            if here == new:
                manifest[rel] = new  # same content already (e.g. a managed folder from before)
            elif rel in manifest and here == manifest[rel]:
                shutil.copyfile(src, target)
                manifest[rel] = new
                report.updated.append(rel)
            else:
                report.kept.append(rel)
        for rel in sorted(set(manifest) - set(sample)):
            target = corpus_dir / rel
            if target.exists() and _digest(target) == manifest[rel]:
                target.unlink()
                report.removed.append(rel)
            del manifest[rel]
    except OSError as exc:
        raise WorkspaceError(f"Het voorbeeldcorpus kan niet naar {corpus_dir} worden gekopieerd: {exc}") from exc
    finally:
        manifest_path.parent.mkdir(parents=True, exist_ok=True)
        tmp = manifest_path.with_suffix(".tmp")
        tmp.write_text(json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True), encoding="utf-8")
        os.replace(tmp, manifest_path)
    return report


def prepare(settings) -> SeedReport:
    """prepare_corpus for the configured folders (the entry points call this)."""
    return prepare_corpus(settings.corpus_dir, settings.sample_corpus_dir, settings.data_dir)
