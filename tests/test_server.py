"""The integration suite against a real Chroma server and a real PostgreSQL (marker `server`;
skipped without MAATWERK_TEST_CHROMA_URL / MAATWERK_TEST_DATABASE_URL, see tests/servers.py).
Only the two URLs change; everything else is the product as it runs on one laptop."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from assistant.cases import CaseLog, ConcurrentChange, InvalidTransition
from assistant.retrieval.embeddings import HashingEmbeddings
from assistant.retrieval.index import Index
from assistant.integrity import AuditKey
from conftest import write
from servers import CHROMA_URL, SERVER, fresh_database, unique

pytestmark = SERVER

USERS = [("anna", "professional", "Werk en Inkomen"), ("bram", "professional", "Wmo"),
         ("kim", "kwaliteit", None), ("koen", "kwaliteit", None), ("beheer", "beheerder", None)]

NEW_FILE = """
    ---
    title: "Beleidsregel energietoeslag Testdorp"
    citation: "artikel 3 Beleidsregel energietoeslag Testdorp"
    source_type: beleidsregel
    domain: participatiewet
    valid_from: '2026-01-01'
    ---
    ## Artikel 3. Hoogte

    De zonnepaneelcompensatie bedraagt eenmalig € 350 per huishouden.
    """


def server_index(tmp_path: Path, collection: str, name: str = "a") -> Index:
    return Index.open(tmp_path / name, HashingEmbeddings(), chroma_url=CHROMA_URL, collection=collection)


def complete(**extra) -> dict:
    fields = dict(question="Mag ik afzien van terugvordering?", situation="Inwoner meldde een bijbaan te laat.",
                  uitkomst="gedeeltelijk", motivering="Dringende redenen.", domain="participatiewet",
                  peildatum=dt.date(2026, 3, 1))
    fields.update(extra)
    return fields


# A database server has no data dir next to it: the key comes from the settings (here: fixed).
AUDIT_KEY = "server-tests-" + "0123456789abcdef" * 2


@pytest.fixture
def pg_log():
    with fresh_database() as url:
        log = CaseLog.from_url(url, audit_key=AuditKey(secret=AUDIT_KEY))
        for username, role, team in USERS:
            log.add_user(username, role, team=team)
        yield log
        log.close()


def cli(env_extra: dict, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "MAATWERK_EMBEDDER": "hashing", **env_extra}
    return subprocess.run([sys.executable, "-m", "assistant", *args], env=env, capture_output=True,
                          text=True, timeout=300)


# --------------------------------------------------------------------------- index on a server


def test_index_on_chroma_server_searches_in_every_mode(small_corpus, tmp_path):
    index = server_index(tmp_path, unique("col"))
    report = index.index_paths([small_corpus], progress=False)
    assert report.ok and report.files_indexed == 5
    for mode in ("lexical", "dense", "hybrid"):
        hits = index.search("dringende redenen afzien van terugvordering", k=3, mode=mode)
        assert hits[0].chunk.citation == "artikel 58 Participatiewet", mode
    # Nothing is stored locally but the derived lexical cache.
    assert not (tmp_path / "a" / "chroma").exists()
    assert (tmp_path / "a" / "lexical" / "meta.json").exists()
    again = index.index_paths([small_corpus], progress=False)
    assert again.files_unchanged == 5 and again.chunks_added == 0


def test_process_a_indexes_process_b_sees_it_lexically(small_corpus, tmp_path):
    """Two OS processes (the CLI), each with its own data dir, one Chroma server: after A indexes
    a new file, B's next lexical search finds it (B's BM25 is rebuilt on the new fingerprint).
    A third, long-lived Index in this process sees it too."""
    collection = unique("col")
    env_a = {"MAATWERK_CHROMA_URL": CHROMA_URL, "MAATWERK_COLLECTION": collection,
             "MAATWERK_DATA_DIR": str(tmp_path / "a")}
    env_b = {**env_a, "MAATWERK_DATA_DIR": str(tmp_path / "b")}
    done = cli(env_a, "index", str(small_corpus), "--quiet")
    assert done.returncode == 0, done.stderr

    def lexical_sources(env) -> list[str]:
        out = cli(env, "search", "zonnepaneelcompensatie", "--mode", "lexical", "--json",
                  "--alle-versies")
        assert out.returncode == 0, out.stderr
        return [h["source"] for h in json.loads(out.stdout)]

    long_lived = server_index(tmp_path, collection, name="c")
    assert long_lived.search("zonnepaneelcompensatie", k=3, mode="lexical") == []
    assert lexical_sources(env_b) == []  # B has built and persisted its BM25 now
    stamp_before = json.loads((tmp_path / "b" / "lexical" / "meta.json").read_text())["stamp"]

    write(small_corpus / "lokaal" / "energietoeslag.md", NEW_FILE)
    done = cli(env_a, "index", str(small_corpus), "--quiet")
    assert done.returncode == 0, done.stderr

    assert lexical_sources(env_b) == ["lokaal/energietoeslag.md"]
    stamp_after = json.loads((tmp_path / "b" / "lexical" / "meta.json").read_text())["stamp"]
    assert stamp_after != stamp_before
    hits = long_lived.search("zonnepaneelcompensatie", k=3, mode="lexical")
    assert [h.chunk.source for h in hits] == ["lokaal/energietoeslag.md"]


def test_two_processes_sharing_one_data_dir_do_not_break_the_lexical_cache(small_corpus, tmp_path):
    """Web workers on one host share the data dir: concurrent rebuilds of the cache must not fail."""
    collection = unique("col")
    server_index(tmp_path, collection).index_paths([small_corpus], progress=False)
    env = {"MAATWERK_CHROMA_URL": CHROMA_URL, "MAATWERK_COLLECTION": collection,
           "MAATWERK_DATA_DIR": str(tmp_path / "shared")}
    procs = [subprocess.Popen([sys.executable, "-m", "assistant", "search", "wasmachine", "--mode", "lexical",
                               "--json", "--alle-versies"], env={**os.environ, "MAATWERK_EMBEDDER": "hashing", **env},
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(4)]
    for p in procs:
        out, err = p.communicate(timeout=300)
        assert p.returncode == 0, err
        assert json.loads(out)[0]["source"] == "lokaal/beleidsregels-bb.md"


# --------------------------------------------------------------------------- case log on PostgreSQL


def test_case_workflow_and_audit_chain_on_postgres(pg_log):
    case = pg_log.create_case("anna", **complete(situation="Mevrouw Jansen (BSN 123456782) meldde te laat."))
    assert "Jansen" not in (case.situation or "") and "123456782" not in (case.situation or "")
    pg_log.submit(case.id, "anna")
    approved = pg_log.review(case.id, "kim", "approve")
    assert approved.status == "goedgekeurd" and approved.reviewer == "kim"
    check = pg_log.verify_audit()
    assert check.ok, check.reason


def test_concurrent_writers_on_postgres_store_every_case_once(pg_log):
    errors: list[BaseException] = []
    ids: list[int] = []
    lock = threading.Lock()

    def worker(n: int) -> None:
        try:
            for i in range(5):
                c = pg_log.create_case("anna", **complete(question=f"Vraag {n}-{i}?"))
                pg_log.submit(c.id, "anna")
                with lock:
                    ids.append(c.id)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert len(ids) == len(set(ids)) == 40 == pg_log.count_cases()
    questions = {c.question for c in pg_log.list_cases("kim")}
    assert questions == {f"Vraag {n}-{i}?" for n in range(8) for i in range(5)}
    check = pg_log.verify_audit()
    assert check.ok and check.n == len(USERS) + 80, check.reason


def test_two_reviewers_race_one_wins_on_postgres(pg_log):
    """Two engines (as two processes would have) review one case at once: SELECT ... FOR UPDATE
    makes exactly one win; the other gets a clear error, and the chain stays intact."""
    other = CaseLog.from_url(pg_log.engine.url.render_as_string(hide_password=False), migrate=False,
                             audit_key=pg_log.audit_key)
    case = pg_log.create_case("anna", **complete())
    pg_log.submit(case.id, "anna")
    results: list[object] = []
    barrier = threading.Barrier(2)

    def review(log: CaseLog, who: str, action: str) -> None:
        barrier.wait()
        try:
            results.append(log.review(case.id, who, action, comment="graag aanvullen"))
        except (InvalidTransition, ConcurrentChange) as exc:
            results.append(exc)

    threads = [threading.Thread(target=review, args=(pg_log, "kim", "approve")),
               threading.Thread(target=review, args=(other, "koen", "return"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    other.close()
    won = [r for r in results if not isinstance(r, Exception)]
    lost = [r for r in results if isinstance(r, Exception)]
    assert len(won) == 1 and len(lost) == 1
    assert "al" in str(lost[0])  # "is al goedgekeurd door kim" / "teruggestuurd door koen"
    assert pg_log.verify_audit().ok


def test_tampering_on_postgres_is_detected(pg_log):
    """The keyed chain and the case-row check are dialect-neutral: the same SQL edits as on SQLite
    (a case row edited, the tail deleted and the head row moved back) fail verify on PostgreSQL."""
    from sqlalchemy import text

    case = pg_log.create_case("anna", **complete())
    pg_log.submit(case.id, "anna")
    pg_log.review(case.id, "kim", "approve", comment="Prima.")
    assert pg_log.verify_audit().ok
    with pg_log.engine.begin() as conn:
        conn.execute(text("UPDATE cases SET status = 'afgewezen' WHERE id = :id"), {"id": case.id})
    check = pg_log.verify_audit()
    assert not check.ok and check.problems[0].startswith(f"casus {case.id}: status is 'afgewezen'")
    with pg_log.engine.begin() as conn:
        conn.execute(text("UPDATE cases SET status = 'goedgekeurd' WHERE id = :id"), {"id": case.id})
        seq, mac = conn.execute(text("SELECT seq, hash FROM audit_events ORDER BY seq DESC OFFSET 2 LIMIT 1")).one()
        conn.execute(text("DELETE FROM audit_events WHERE seq > :s"), {"s": seq})
        conn.execute(text("UPDATE audit_head SET last_seq = :s, last_hash = :h, event_count = :s"), {"s": seq, "h": mac})
    check = pg_log.verify_audit()
    assert not check.ok and "kop van de audittrail" in check.reason


# --------------------------------------------------------------------------- the whole product


def test_settings_urls_switch_index_and_database_and_nothing_else(small_corpus, tmp_path):
    from assistant.app import App
    from assistant.config import Settings

    with fresh_database() as url:
        settings = Settings(data_dir=tmp_path / "data", chroma_url=CHROMA_URL, database_url=url,
                            collection=unique("col"), embedder="hashing")
        assistant = App.from_settings(settings).assistant
        assistant.index.index_paths([small_corpus], progress=False)
        answer = assistant.ask("Mag het college afzien van terugvordering bij dringende redenen?",
                               peildatum=dt.date(2026, 8, 1))
        assert any("58" in c.citation for c in answer.citations)
        log = CaseLog.from_url(settings.sqlalchemy_url, audit_key=AuditKey.from_settings(settings))
        log.add_user("anna", "professional")
        case = log.create_case("anna", ai_answer=answer.to_dict(), **complete(ai_stance="overgenomen"))
        log.submit(case.id, "anna")
        stored = log.get_case(case.id, "anna")
        assert stored.status == "ingediend" and stored.ai_answers[0].answer["trace"]["index_fingerprint"]
        assert log.verify_audit().ok
        log.close()
        assert not (tmp_path / "data" / "maatwerk.db").exists()  # the database is PostgreSQL
