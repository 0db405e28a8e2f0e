"""Faults (marker `server`): the Chroma server or PostgreSQL stops in the middle of a run and
comes back. While down: a clear Dutch error of the existing types (IndexError_, DatabaseUnavailable).
Afterwards: nothing corrupted or lost, and the same objects work again without manual repair."""

from __future__ import annotations

import datetime as dt
import threading
import time
from pathlib import Path

import pytest

from assistant.cases import CONNECTION_LOST_MSG, CaseLog, DatabaseUnavailable
from assistant.integrity import AuditKey
from assistant.retrieval.embeddings import HashingEmbeddings
from assistant.retrieval.index import Index
from assistant.retrieval.store import IndexError_
from conftest import write
from servers import SERVER, ChromaServer, PostgresControl, fresh_database

pytestmark = SERVER


@pytest.fixture
def chroma(tmp_path: Path):
    server = ChromaServer(tmp_path / "chroma-server").start()
    yield server
    server.stop()


def snapshot(index: Index) -> dict[str, tuple[str, str]]:
    got = index._collection.get(include=["metadatas", "documents"])
    return {i: (m["file_hash"], d) for i, m, d in zip(got["ids"], got["metadatas"], got["documents"])}


def test_chroma_down_gives_dutch_error_and_the_same_index_recovers(small_corpus, tmp_path, chroma):
    index = Index.open(tmp_path / "a", HashingEmbeddings(), chroma_url=chroma.url, collection="faults")
    index.index_paths([small_corpus], progress=False)
    before = [h.chunk.chunk_id for h in index.search("dringende redenen terugvordering", k=3)]
    stored = snapshot(index)

    chroma.stop()
    for call in (lambda: index.search("dringende redenen terugvordering", k=3),
                 lambda: index.index_paths([small_corpus], progress=False),
                 lambda: index.count(),
                 lambda: Index.open(tmp_path / "b", HashingEmbeddings(), chroma_url=chroma.url)):
        with pytest.raises(IndexError_) as err:
            call()
        message = str(err.value)
        assert "Chroma-server" in message and "niet bereikbaar" in message and chroma.url in message

    chroma.start()  # same port, same data
    assert [h.chunk.chunk_id for h in index.search("dringende redenen terugvordering", k=3)] == before
    assert snapshot(index) == stored
    assert index.index_paths([small_corpus], progress=False).files_unchanged == 5


class KillingEmbedder(HashingEmbeddings):
    """Kills the Chroma server (SIGKILL, like a crash) once `after` batches were embedded."""

    def __init__(self, server: ChromaServer, after: int):
        super().__init__()
        self.server, self.after, self.calls = server, after, 0

    def embed_documents(self, texts):
        self.calls += 1
        if self.calls > self.after:
            self.server.stop(kill=True)
        return super().embed_documents(texts)


def test_indexing_interrupted_by_a_chroma_crash_is_completed_by_running_it_again(small_corpus, tmp_path, chroma):
    index = Index.open(tmp_path / "a", HashingEmbeddings(), chroma_url=chroma.url, collection="faults")
    index.index_paths([small_corpus], progress=False)
    # New files of three passages each (embedding batches of 16 split some of them) and a changed article.
    for n in range(40):
        write(small_corpus / "nieuw" / f"regel-{n:02}.md", f"""
            ---
            title: "Nadere regel {n}"
            citation: "artikel {n} Nadere regels Testdorp"
            source_type: beleidsregel
            valid_from: '2026-01-01'
            ---
            ## Artikel 1. Doel

            Deze regel {n} gaat over het kwijtscheldingsonderwerp{n} en niets anders.

            ## Artikel 2. Hoogte

            Het bedrag voor onderwerp{n} is ten hoogste € {100 + n}.

            ## Artikel 3. Afwijken

            Het college kan bij onderwerp{n} afwijken als de regel onevenredig uitpakt.
            """)
    art58 = small_corpus / "pw" / "art-58.md"
    art58.write_text(art58.read_text(encoding="utf-8").replace("dringende redenen", "zeer dringende redenen"),
                     encoding="utf-8")

    crashing = Index.open(tmp_path / "a", KillingEmbedder(chroma, after=2), chroma_url=chroma.url,
                          collection="faults")
    with pytest.raises(IndexError_, match="niet bereikbaar"):
        crashing.index_paths([small_corpus], progress=False)

    chroma.start()
    partial = index.count()
    assert 7 < partial < 7 + 120  # some of the new passages arrived before the crash, not all
    report = index.index_paths([small_corpus], progress=False)
    assert report.ok and report.files_indexed >= 1

    clean = Index.open(tmp_path / "clean", HashingEmbeddings())  # embedded, built in one go
    clean.index_paths([small_corpus], progress=False)
    assert snapshot(index) == snapshot(clean)
    assert index.fingerprint == clean.fingerprint
    hits = index.search("kwijtscheldingsonderwerp39", k=1, mode="lexical", peildatum=dt.date(2026, 8, 1))
    assert hits and hits[0].chunk.source == "nieuw/regel-39.md"
    assert index.index_paths([small_corpus], progress=False).files_unchanged == 45


@pytest.mark.parametrize("mode", ["fast", "immediate"])
def test_postgres_stopped_mid_run_loses_nothing_and_recovers(mode):
    pg = PostgresControl()
    if not pg.available:
        pytest.skip("MAATWERK_TEST_PGDATA/_PGBIN not set: the cluster is not ours to stop")
    with fresh_database() as url:
        key = AuditKey(secret="fouten-" + "0123456789abcdef" * 2)
        log = CaseLog.from_url(url, audit_key=key)
        log.add_user("anna", "professional")
        log.add_user("kim", "kwaliteit")
        stored: list[int] = []
        errors: list[str] = []
        stop = threading.Event()

        def writer() -> None:
            n = 0
            while not stop.is_set():
                n += 1
                try:
                    case = log.create_case("anna", question=f"Vraag {n}?", uitkomst="afgeweken",
                                           motivering="Onevenredig.", peildatum=dt.date(2026, 3, 1))
                    log.submit(case.id, "anna")
                    stored.append(case.id)
                except DatabaseUnavailable as exc:
                    errors.append(str(exc))
                    time.sleep(0.05)

        thread = threading.Thread(target=writer)
        thread.start()
        try:
            time.sleep(1.0)
            pg.stop(mode)
            time.sleep(1.0)
            with pytest.raises(DatabaseUnavailable) as down:
                CaseLog.from_url(url, audit_key=key)  # a new process starting now
            assert str(down.value) == CONNECTION_LOST_MSG
        finally:
            pg.start()
        time.sleep(1.0)
        stop.set()
        thread.join(timeout=60)

        assert errors and set(errors) == {CONNECTION_LOST_MSG}
        before_stop = len(stored)
        assert before_stop > 0
        # Every case that was reported stored is there, once, and submitted; at most the one
        # write in flight when the server went away may be stored without having been reported.
        cases = {c.id: c for c in log.list_cases("kim")}
        assert set(stored) <= set(cases) and len(stored) == len(set(stored))
        assert len(cases) - len(stored) <= 1
        assert all(cases[i].status == "ingediend" for i in stored)
        check = log.verify_audit()
        assert check.ok, check.reason
        # And the same CaseLog keeps working.
        log.submit(log.create_case("anna", question="Na herstel?", uitkomst="afgeweken",
                                   motivering="Ja.").id, "anna")
        assert log.verify_audit().ok
        log.close()
