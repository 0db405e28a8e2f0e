"""Backup and restore round trips: the embedded default (SQLite + embedded Chroma) here; the
server variant (PostgreSQL + Chroma server, and moving between the two) under marker `server`."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from assistant.cases import CaseLog
from assistant.config import Settings
from assistant.retrieval.embeddings import HashingEmbeddings
from assistant.retrieval.index import Index
from assistant.integrity import AuditKey
from assistant.ops import Installation, OpsError
from assistant.app import App
from assistant.cli.main import main

QUESTION = "Mag het college afzien van terugvordering bij dringende redenen?"


def populate(settings: Settings, corpus: Path) -> dict:
    """An installation in use: an indexed corpus, users, cases in several states, feedback."""
    shutil.copytree(corpus, settings.corpus_dir)
    index = Index.open(settings.data_dir, HashingEmbeddings(), chroma_url=settings.chroma_url,
                       collection=settings.collection)
    index.index_paths([settings.corpus_dir], progress=False)
    log = CaseLog.from_url(settings.sqlalchemy_url, audit_key=AuditKey.from_settings(settings))
    for name, role in (("anna", "professional"), ("kim", "kwaliteit"), ("beheer", "beheerder")):
        log.add_user(name, role)
    answer = {"answer": "Ja, art. 58 lid 8 [1].", "trace": {"backend": "grounded", "index_fingerprint": index.fingerprint}}
    ids = []
    for n in range(3):
        case = log.create_case("anna", question=f"{QUESTION} ({n})", situation="Mevrouw De Vries meldde te laat.",
                               uitkomst="gedeeltelijk", motivering="Dringende redenen.", ai_answer=answer,
                               ai_stance="overgenomen", peildatum=dt.date(2026, 3, 1), rules=["artikel 58 Participatiewet"])
        ids.append(case.id)
    log.submit(ids[0], "anna")
    log.review(ids[0], "kim", "approve", comment="Goed gemotiveerd.")
    log.add_feedback(ids[0], "kim", "up", reason="Klopt.")
    state = snapshot(settings)
    log.close()
    return state


def snapshot(settings: Settings) -> dict:
    log = CaseLog.from_url(settings.sqlalchemy_url, audit_key=AuditKey.from_settings(settings))
    index = Index.open(settings.data_dir, HashingEmbeddings(), chroma_url=settings.chroma_url,
                       collection=settings.collection)
    check = log.verify_audit()
    state = {
        "cases": [c.to_dict() for c in log.list_cases("beheer")],
        "users": [u.username for u in log.list_users()],
        "audit": (check.ok, check.n, check.head),
        "chunks": index.count(),
        "fingerprint": index.fingerprint,
        "hits": [(h.chunk.chunk_id, h.chunk.text) for h in index.search("dringende redenen terugvordering", k=3)],
        "lexical": [h.chunk.chunk_id for h in index.search("wasmachine", k=2, mode="lexical")],
        "files": sorted(p.relative_to(settings.corpus_dir).as_posix() for p in settings.corpus_dir.rglob("*") if p.is_file()),
    }
    log.close()
    return state


# One key for every installation in these tests, as MAATWERK_AUDIT_KEY shared by the machines a
# backup moves between (the key-file route is tested on its own below).
TEST_KEY = "test-auditsleutel-" + "0123456789abcdef" * 2


def embedded(root: Path, audit_key: str | None = TEST_KEY) -> Settings:
    return Settings(data_dir=root / "data", corpus_dir=root / "corpus", embedder="hashing", collection="maatwerk",
                    audit_key=audit_key)


def test_backup_and_restore_round_trip_embedded(small_corpus, tmp_path):
    source, target = embedded(tmp_path / "oud"), embedded(tmp_path / "nieuw")
    before = populate(source, small_corpus)
    assert before["audit"][0] and before["chunks"] > 0 and before["hits"]

    runner = CliRunner()
    made = runner.invoke(main, ["backup", str(tmp_path / "backup"), "--json"], obj=App(source))
    assert made.exit_code == 0, made.output
    manifest = json.loads((tmp_path / "backup" / "manifest.json").read_text())
    assert manifest["database"]["kind"] == "sqlite" and manifest["index"]["kind"] == "embedded"
    assert (tmp_path / "backup" / "database.sqlite").exists() and (tmp_path / "backup" / "chroma").is_dir()

    done = runner.invoke(main, ["restore", str(tmp_path / "backup")], obj=App(target))
    assert done.exit_code == 0, done.output
    assert "hoeft niets opnieuw" in done.output  # the corpus lies elsewhere now; the index follows it
    assert snapshot(target) == before
    index = Index.open(target.data_dir, HashingEmbeddings(), collection=target.collection)
    reindexed = index.index_paths([target.corpus_dir], progress=False)
    assert reindexed.files_indexed == 0 and reindexed.chunks_added == 0, "restored files are known, not new"
    assert snapshot(target) == before

    # Restoring over an installation in use needs --force; a backup never overwrites.
    again = runner.invoke(main, ["restore", str(tmp_path / "backup")], obj=App(target))
    assert again.exit_code == 2 and "--force" in again.output
    assert runner.invoke(main, ["restore", str(tmp_path / "backup"), "--force"], obj=App(target)).exit_code == 0
    assert snapshot(target) == before
    over = runner.invoke(main, ["backup", str(tmp_path / "backup")], obj=App(source))
    assert over.exit_code == 2 and "niet leeg" in over.output


def test_a_damaged_backup_is_refused(small_corpus, tmp_path):
    source = embedded(tmp_path / "oud")
    populate(source, small_corpus)
    Installation.from_settings(source).backup(tmp_path / "backup")
    victim = next((tmp_path / "backup" / "corpus").rglob("*.md"))
    victim.write_text(victim.read_text(encoding="utf-8") + "\nGewijzigd.", encoding="utf-8")
    with pytest.raises(OpsError, match="beschadigd"):
        Installation.from_settings(embedded(tmp_path / "nieuw")).restore(tmp_path / "backup")


def test_backup_refuses_a_broken_audit_chain(small_corpus, tmp_path):
    import sqlite3

    source = embedded(tmp_path / "oud")
    populate(source, small_corpus)
    con = sqlite3.connect(source.data_dir / "maatwerk.db")
    con.execute("UPDATE audit_events SET actor = 'mallory' WHERE seq = 2")
    con.commit()
    con.close()
    with pytest.raises(OpsError, match="audittrail"):
        Installation.from_settings(source).backup(tmp_path / "backup")
    assert not (tmp_path / "backup").exists()


# --------------------------------------------------------------------------- signed backups, private modes


def installed_state(settings: Settings) -> tuple:
    """What a refused restore must leave exactly as it was."""
    db = settings.data_dir / "maatwerk.db"
    files = sorted((p.relative_to(settings.corpus_dir).as_posix(), p.read_bytes())
                   for p in settings.corpus_dir.rglob("*") if p.is_file()) if settings.corpus_dir.exists() else []
    return snapshot(settings), files, db.stat().st_mtime_ns if db.exists() else None


@pytest.fixture
def signed_backup(small_corpus, tmp_path):
    source = embedded(tmp_path / "oud")
    populate(source, small_corpus)
    Installation.from_settings(source).backup(tmp_path / "backup")
    return source, tmp_path / "backup"


def test_backup_files_are_private_and_the_manifest_is_signed(signed_backup):
    import stat

    _, backup = signed_backup
    assert stat.S_IMODE(backup.stat().st_mode) == 0o700
    for p in backup.rglob("*"):
        assert stat.S_IMODE(p.stat().st_mode) == (0o700 if p.is_dir() else 0o600), p
    manifest = json.loads((backup / "manifest.json").read_text())
    assert manifest["format"] == 2 and manifest["signature"]["alg"] == "hmac-sha256"
    assert len(manifest["database"]["sha256"]) == 64 and "index.jsonl.gz" in manifest["index"]["files"]
    assert TEST_KEY not in (backup / "manifest.json").read_text()


def tamper_database(backup: Path) -> None:
    import sqlite3

    con = sqlite3.connect(backup / "database.sqlite")
    con.execute("UPDATE cases SET status = 'goedgekeurd' WHERE status = 'concept'")
    con.commit()
    con.close()


def test_a_tampered_database_in_a_backup_is_refused_and_nothing_is_overwritten(signed_backup, small_corpus, tmp_path):
    source, backup = signed_backup
    target = embedded(tmp_path / "nieuw")
    populate(target, small_corpus)  # an installation in use: --force would replace it
    before = installed_state(target)
    tamper_database(backup)
    result = CliRunner().invoke(main, ["restore", str(backup), "--force"], obj=App(target))
    assert result.exit_code == 2
    assert "De database in de back-up is beschadigd of gewijzigd" in result.output
    assert "niets hersteld of overschreven" in result.output
    assert installed_state(target) == before


def test_a_tampered_database_with_a_recomputed_checksum_fails_the_signature(signed_backup, tmp_path):
    _, backup = signed_backup
    tamper_database(backup)
    manifest = json.loads((backup / "manifest.json").read_text())
    import hashlib

    manifest["database"]["sha256"] = hashlib.sha256((backup / "database.sqlite").read_bytes()).hexdigest()
    (backup / "manifest.json").write_text(json.dumps(manifest))
    target = embedded(tmp_path / "nieuw")
    with pytest.raises(OpsError, match="handtekening van de back-up klopt niet"):
        Installation.from_settings(target).restore(backup)
    assert not (target.data_dir / "maatwerk.db").exists() and not target.corpus_dir.exists()


def test_a_file_smuggled_into_a_backup_is_refused(signed_backup, tmp_path):
    _, backup = signed_backup
    (backup / "corpus" / "extra.md").write_text("# Verzonnen regel\n", encoding="utf-8")
    target = embedded(tmp_path / "nieuw")
    with pytest.raises(OpsError, match="niet in het ondertekende manifest"):
        Installation.from_settings(target).restore(backup)
    assert not target.corpus_dir.exists()


def test_restoring_elsewhere_needs_the_key_of_the_installation_that_made_it(small_corpus, tmp_path):
    import stat

    source = embedded(tmp_path / "oud", audit_key=None)  # the key file in the data dir
    populate(source, small_corpus)
    Installation.from_settings(source).backup(tmp_path / "backup")
    key = source.data_dir / "audit.key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert stat.S_IMODE((source.data_dir / "maatwerk.db").stat().st_mode) == 0o600
    target = embedded(tmp_path / "nieuw", audit_key=None)
    with pytest.raises(OpsError, match="auditsleutel ontbreekt"):
        Installation.from_settings(target).restore(tmp_path / "backup")
    assert not (target.data_dir / "maatwerk.db").exists() and not key.with_name("x").exists()
    other = embedded(tmp_path / "ander")  # another key altogether
    with pytest.raises(OpsError, match="andere auditsleutel"):
        Installation.from_settings(other).restore(tmp_path / "backup")
    # With the key brought along (as an operator copies audit.key) the restore goes through.
    target.data_dir.mkdir(parents=True)
    shutil.copy(key, target.data_dir / "audit.key")
    report = Installation.from_settings(target).restore(tmp_path / "backup")
    assert report.audit_events > 0 and snapshot(target)["audit"][0]


def test_an_unsigned_old_backup_restores_only_when_asked(signed_backup, tmp_path):
    _, backup = signed_backup
    manifest = json.loads((backup / "manifest.json").read_text())
    manifest["format"] = 1
    del manifest["signature"]
    (backup / "manifest.json").write_text(json.dumps(manifest))
    target = embedded(tmp_path / "nieuw")
    refused = CliRunner().invoke(main, ["restore", str(backup)], obj=App(target))
    assert refused.exit_code == 2 and "niet ondertekend" in refused.output and "--ongetekend" in refused.output
    assert not (target.data_dir / "maatwerk.db").exists()
    done = CliRunner().invoke(main, ["restore", str(backup), "--ongetekend"], obj=App(target))
    assert done.exit_code == 0, done.output
    assert "niet ondertekend" in done.output
    # Stripping the signature does not get a tampered database past the checksums.
    tamper_database(backup)
    again = CliRunner().invoke(main, ["restore", str(backup), "--ongetekend", "--force"], obj=App(target))
    assert again.exit_code == 2 and "beschadigd of gewijzigd" in again.output


def test_a_format_1_backup_of_an_unkeyed_log_restores_and_is_switched_over(tmp_path):
    """A backup as the version before signed backups wrote it (manifest format 1, database at
    revision 0002 with an unkeyed chain): restored with --ongetekend, then keyed on opening."""
    import sqlite3

    legacy = Path(__file__).parent / "fixtures" / "legacy-audit.sqlite"
    backup = tmp_path / "oud-formaat"
    backup.mkdir()
    shutil.copy(legacy, backup / "database.sqlite")
    con = sqlite3.connect(backup / "database.sqlite")
    head, events = con.execute("SELECT last_hash, event_count FROM audit_head").fetchone()
    counts = {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
              for (t,) in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    con.close()
    (backup / "manifest.json").write_text(json.dumps({
        "format": 1, "created_at": "2026-11-30T02:30:00+00:00",
        "database": {"kind": "sqlite", "file": "database.sqlite", "tables": counts, "audit_events": events,
                     "audit_head": head, "revision": "0002_registry"},
        "index": {"kind": "none"}, "corpus": {"root": "/elders/corpus", "files": {}}}))
    target = embedded(tmp_path / "nieuw")
    report = Installation.from_settings(target).restore(backup, accept_unsigned=True)
    assert report.warnings and "niet ondertekend" in report.warnings[0]
    log = CaseLog.from_url(target.sqlalchemy_url, audit_key=AuditKey.from_settings(target))
    check = log.verify_audit()
    assert check.ok and check.n == events + 1 and check.cases == 3, check.reason
    assert log.audit_events()[-1]["after"]["legacy_last_hash"] == head
    log.close()


# --------------------------------------------------------------------------- server variant


@pytest.mark.server
def test_round_trip_on_servers_and_moving_between_setups(small_corpus, tmp_path):
    from servers import CHROMA_URL, DATABASE_URL, SKIP_REASON, fresh_database, unique

    if not (CHROMA_URL and DATABASE_URL):
        pytest.skip(SKIP_REASON)

    def on_server(root: Path, url: str) -> Settings:
        return Settings(data_dir=root / "data", corpus_dir=root / "corpus", embedder="hashing",
                        chroma_url=CHROMA_URL, database_url=url, collection=unique("col"), audit_key=TEST_KEY)

    with fresh_database() as db1, fresh_database() as db2:
        # PostgreSQL + Chroma server -> backup -> another database and collection.
        source = on_server(tmp_path / "a", db1)
        before = populate(source, small_corpus)
        Installation.from_settings(source).backup(tmp_path / "backup-server")
        manifest = json.loads((tmp_path / "backup-server" / "manifest.json").read_text())
        assert manifest["database"]["kind"] == "postgresql" and manifest["index"]["kind"] == "server"
        target = on_server(tmp_path / "b", db2)
        Installation.from_settings(target).restore(tmp_path / "backup-server")
        assert snapshot(target) == before
        # New cases continue after the restored ids (sequences reset) and the chain goes on.
        log = CaseLog.from_url(target.sqlalchemy_url, audit_key=AuditKey.from_settings(target))
        new = log.create_case("anna", question="Na herstel?", uitkomst="afgeweken", motivering="Ja.")
        assert new.id > max(c["id"] for c in before["cases"])
        assert log.verify_audit().ok
        log.close()

        # ... and back to a laptop: SQLite + embedded Chroma.
        laptop = embedded(tmp_path / "laptop")
        Installation.from_settings(laptop).restore(tmp_path / "backup-server")
        assert snapshot(laptop) == before

    # A laptop's backup moves onto the servers.
    with fresh_database() as db3:
        laptop_src = embedded(tmp_path / "laptop2")
        before = populate(laptop_src, small_corpus)
        Installation.from_settings(laptop_src).backup(tmp_path / "backup-laptop")
        server = on_server(tmp_path / "c", db3)
        Installation.from_settings(server).restore(tmp_path / "backup-laptop")
        assert snapshot(server) == before
