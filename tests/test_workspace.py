"""Data stays in the data dir: the sample corpus is only read; the app's corpus changes (uploads,
retire sidecars, new folders, promoted precedents) land in the managed corpus under the data dir,
and sample updates follow only where the copy was not changed here."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.cases import CaseLog
from assistant.config import CHECKOUT_CORPUS, Settings
from assistant.retrieval.embeddings import HashingEmbeddings
from assistant.retrieval.index import Index
from assistant.curation import Registry
from assistant.corpus.workspace import MANIFEST_NAME, WorkspaceError, prepare, prepare_corpus
from conftest import REPO, write
from test_registry import CITATION, approved_case, beleidsregel


def snapshot(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture
def sample(tmp_path: Path) -> Path:
    root = tmp_path / "sample"
    beleidsregel(root / "beleidsregels" / "bb.md", "2025-01-01", 525)
    write(root / "README.md", "# Voorbeeldcorpus\n")
    write(root / ".hidden", "niet kopiëren\n")
    return root


def test_settings_default_to_a_managed_corpus_seeded_from_the_checkout(tmp_path):
    s = Settings(data_dir=tmp_path / "data")
    assert s.corpus_dir == tmp_path / "data" / "corpus"
    assert s.sample_corpus_dir == CHECKOUT_CORPUS == REPO / "corpus"
    # An operator's own corpus folder is used as is and never seeded with the sample gemeente.
    own = Settings(data_dir=tmp_path / "data", corpus_dir=tmp_path / "eigen")
    assert own.corpus_dir == tmp_path / "eigen" and own.sample_corpus_dir is None
    assert prepare(own).copied == [] and not any((tmp_path / "eigen").iterdir())
    # The settings survive the round trip the app uses to key its caches.
    assert Settings.model_validate_json(s.model_dump_json()).corpus_dir == s.corpus_dir


def test_first_start_copies_the_sample_and_later_starts_follow_it_where_untouched(tmp_path, sample):
    data, corpus = tmp_path / "data", tmp_path / "data" / "corpus"
    before = snapshot(sample)
    first = prepare_corpus(corpus, sample, data)
    assert sorted(first.copied) == ["README.md", "beleidsregels/bb.md"]
    assert not (corpus / ".hidden").exists()
    assert set(json.loads((data / MANIFEST_NAME).read_text())) == {"README.md", "beleidsregels/bb.md"}
    assert not prepare_corpus(corpus, sample, data).changed  # second start: nothing to do

    # The sample gains a file and changes one; the copy follows.
    beleidsregel(sample / "beleidsregels" / "bb.md", "2025-01-01", 600)
    write(sample / "nieuw" / "werkinstructie.md", "---\ntitle: W\ncitation: W\n---\nTekst.\n")
    second = prepare_corpus(corpus, sample, data)
    assert second.copied == ["nieuw/werkinstructie.md"] and second.updated == ["beleidsregels/bb.md"]
    assert "€ 600" in (corpus / "beleidsregels" / "bb.md").read_text(encoding="utf-8")

    # Changed here (the app edits its copy): a later sample change does not overwrite it.
    (corpus / "beleidsregels" / "bb.md").write_text("lokaal gewijzigd", encoding="utf-8")
    beleidsregel(sample / "beleidsregels" / "bb.md", "2025-01-01", 700)
    third = prepare_corpus(corpus, sample, data)
    assert third.kept == ["beleidsregels/bb.md"] and not third.changed
    assert (corpus / "beleidsregels" / "bb.md").read_text(encoding="utf-8") == "lokaal gewijzigd"

    # Removed from the copy here: stays removed. Removed from the sample: the untouched copy goes.
    (corpus / "README.md").unlink()
    (sample / "nieuw" / "werkinstructie.md").unlink()
    fourth = prepare_corpus(corpus, sample, data)
    assert not (corpus / "README.md").exists() and fourth.removed == ["nieuw/werkinstructie.md"]
    assert not (corpus / "nieuw" / "werkinstructie.md").exists()


def test_an_unreadable_manifest_is_a_dutch_error_and_nothing_is_overwritten(tmp_path, sample):
    data = tmp_path / "data"
    prepare_corpus(data / "corpus", sample, data)
    (data / MANIFEST_NAME).write_text("{kapot", encoding="utf-8")
    with pytest.raises(WorkspaceError, match="onleesbaar"):
        prepare_corpus(data / "corpus", sample, data)
    assert (data / MANIFEST_NAME).read_text(encoding="utf-8") == "{kapot"


def test_every_corpus_change_of_the_app_lands_in_the_data_dir_never_in_the_sample(tmp_path, sample):
    settings = Settings(data_dir=tmp_path / "data", sample_corpus_dir=sample, embedder="hashing")
    before = snapshot(sample)
    prepare(settings)
    log = CaseLog.from_url(f"sqlite:///{(tmp_path / 'data' / 'maatwerk.db').as_posix()}")
    try:
        for name, role in [("anna", "professional"), ("kim", "kwaliteit"), ("jules", "jurist")]:
            log.add_user(name, role, team="Noord")
        index = Index.open(settings.data_dir, HashingEmbeddings())
        index.index_paths([settings.corpus_dir], progress=False)
        reg = Registry(log, index, settings.corpus_dir, precedents_dir=settings.precedents_dir)
        reg.register_existing("jules")
        sample_doc = next(d for d in reg.list() if d.path == "beleidsregels/bb.md")
        # Upload into a new folder, retire a sample document (sidecar), promote a precedent.
        upload = write(tmp_path / "inbox" / "overig.md", "---\ntitle: Overig\ncitation: Werkinstructie X\n"
                                                         "source_type: werkinstructie\nvalid_from: '2025-01-01'\n---\n# X\n\nTekst.\n")
        reg.add(upload, "jules", dest_dir="overig")
        reg.retire(sample_doc.id, "jules", per="2026-01-01", reden="vervangen")
        rule = {"citation": f"artikel 4, eerste lid, {CITATION}", "version": "2025-01-01"}
        precedent = reg.promote_case(approved_case(log, rules=[rule]), "jules")
    finally:
        log.close()
    assert snapshot(sample) == before
    corpus = settings.corpus_dir
    assert (corpus / "overig" / "overig.md").exists()
    assert (corpus / "beleidsregels" / "bb.md.meta.yaml").exists()
    assert (corpus / precedent.path).exists() and precedent.path.startswith("besluiten/")


@pytest.mark.skipif(not (REPO / ".git").exists(), reason="needs a git checkout")
def test_cli_corpus_commands_leave_the_checkout_clean(tmp_path):
    """`maatwerk index` and `maatwerk corpus` with the defaults (only MAATWERK_DATA_DIR set, as in
    `make run`) write nothing into the repository."""
    def status() -> str:
        return subprocess.run(["git", "status", "--porcelain", "--untracked-files=all", "corpus"], cwd=REPO,
                              capture_output=True, text=True, check=True).stdout

    before = status()
    env = {**os.environ, "MAATWERK_DATA_DIR": str(tmp_path / "data"), "MAATWERK_EMBEDDER": "hashing"}
    env.pop("MAATWERK_CORPUS_DIR", None)
    env.pop("MAATWERK_SAMPLE_CORPUS_DIR", None)
    def run(*args, stdin: str | None = None):
        return subprocess.run([sys.executable, "-m", "assistant", *args], cwd=REPO, env=env, input=stdin,
                              capture_output=True, text=True, timeout=600)

    out = run("index", "--quiet")
    assert out.returncode == 0, out.stderr
    upload = write(tmp_path / "nieuw.md", "---\ntitle: Nieuw\ncitation: Werkinstructie Nieuw\n"
                                          "source_type: werkinstructie\nvalid_from: '2025-01-01'\n---\n# Nieuw\n\nTekst.\n")
    # Acting on the corpus takes an authenticated jurist: the first beheerder, then a jurist.
    out = run("users", "init", "beheer", "--password-stdin", stdin="beheer-wachtwoord\n")
    assert out.returncode == 0, out.stderr
    out = run("users", "add", "jules", "--role", "jurist", "--as", "beheer", "--password-stdin",
              stdin="beheer-wachtwoord\njules-wachtwoord\n")
    assert out.returncode == 0, out.stderr
    out = run("corpus", "add", str(upload), "--as", "jules", "--password-stdin", "--map", "overig",
              stdin="jules-wachtwoord\n")
    assert out.returncode == 0, out.stdout + out.stderr
    assert (tmp_path / "data" / "corpus" / "overig" / "nieuw.md").exists()
    assert status() == before


def test_an_index_built_from_the_sample_folder_moves_to_the_managed_copy_without_duplicates(tmp_path):
    """Installations from before indexed the checkout's corpus/ itself; the managed copy takes
    over those passages (same ids), nothing is embedded twice or found twice."""
    import shutil

    sample = tmp_path / "checkout" / "corpus"
    shutil.copytree(REPO / "corpus", sample)
    index = Index.open(tmp_path / "data", HashingEmbeddings())
    index.index_paths([sample], progress=False)
    before = index.count()
    settings = Settings(data_dir=tmp_path / "data", sample_corpus_dir=sample)
    prepare(settings)
    report = index.index_paths([settings.corpus_dir], progress=False)
    assert report.chunks_added == 0 and index.count() == before
    roots = {m["root"] for m in index._collection.get(include=["metadatas"])["metadatas"]}
    assert roots == {str(settings.corpus_dir.resolve())}
