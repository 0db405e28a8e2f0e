"""Retrieval evaluation: Recall@1/5/10 and MRR@10 per search mode over a gold set.

A question counts as found at rank r when the r-th hit comes from one of its relevant source
files. Hits are taken exactly as `maatwerk search` returns them (chunks, not de-duplicated)."""

from __future__ import annotations

import datetime as dt
import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path

import yaml



@dataclass
class GoldQuestion:
    id: str
    question: str
    relevant: list[str]
    peildatum: dt.date | None = None
    citations: list[str] = field(default_factory=list)
    expect_text: str | None = None


def read_gold_items(path: Path) -> list[dict]:
    """The items of a gold-set YAML file, with `peildatum` parsed to a date (or None)."""
    items = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or []
    for item in items:
        pd = item.get("peildatum")
        item["peildatum"] = dt.date.fromisoformat(pd) if isinstance(pd, str) else pd
    return items


def load_gold(path: Path) -> list[GoldQuestion]:
    return [GoldQuestion(
        id=str(item["id"]), question=item["question"], relevant=list(item["relevant"]),
        peildatum=item["peildatum"], citations=list(item.get("citations") or []),
        expect_text=item.get("expect_text"),
    ) for item in read_gold_items(path)]


@dataclass
class ModeResult:
    mode: str
    ranks: list[int | None]
    latencies_ms: list[float]
    per_question: list[tuple[str, int | None, str]]

    def recall(self, n: int) -> float:
        return sum(1 for r in self.ranks if r is not None and r <= n) / len(self.ranks)

    def mrr(self, n: int = 10) -> float:
        return sum(1.0 / r for r in self.ranks if r is not None and r <= n) / len(self.ranks)

    def summary(self) -> dict[str, float]:
        lat = sorted(self.latencies_ms)
        return {
            "questions": len(self.ranks),
            "recall@1": round(self.recall(1), 3),
            "recall@5": round(self.recall(5), 3),
            "recall@10": round(self.recall(10), 3),
            "mrr@10": round(self.mrr(10), 3),
            "p50_ms": round(statistics.median(lat), 1),
            "p95_ms": round(lat[min(len(lat) - 1, int(0.95 * len(lat)))], 1),
        }


def first_relevant_rank(hits, relevant: set[str]) -> int | None:
    for h in hits:
        if h.chunk.source in relevant:
            return h.rank
    return None


def evaluate(index, gold: list[GoldQuestion], mode: str, k: int = 10, today: dt.date | None = None) -> ModeResult:
    today = today or dt.date.today()
    ranks, lat, per_q = [], [], []
    for q in gold:
        t0 = time.perf_counter()
        hits = index.search(q.question, k=k, peildatum=q.peildatum or today, mode=mode)
        lat.append((time.perf_counter() - t0) * 1000)
        rank = first_relevant_rank(hits, set(q.relevant))
        ranks.append(rank)
        per_q.append((q.id, rank, q.question))
    return ModeResult(mode, ranks, lat, per_q)


def evaluate_modes(index, gold: list[GoldQuestion], k: int = 10) -> dict[str, ModeResult]:
    index.refresh_lexical()  # load once, outside the timings
    return {mode: evaluate(index, gold, mode, k) for mode in ("lexical", "dense", "hybrid")}


def combine(runs: list[dict[str, ModeResult]]) -> dict[str, ModeResult]:
    """One result per mode over the questions of several gold sets together."""
    return {mode: ModeResult(mode, [r for run in runs for r in run[mode].ranks],
                             [t for run in runs for t in run[mode].latencies_ms],
                             [p for run in runs for p in run[mode].per_question])
            for mode in runs[0]}


def format_table(results: dict[str, ModeResult]) -> str:
    lines = ["| mode | n | Recall@1 | Recall@5 | Recall@10 | MRR@10 | p50 ms | p95 ms |",
             "|---|---|---|---|---|---|---|---|"]
    for mode, res in results.items():
        s = res.summary()
        lines.append(f"| {mode} | {s['questions']} | {s['recall@1']:.3f} | {s['recall@5']:.3f} | "
                     f"{s['recall@10']:.3f} | {s['mrr@10']:.3f} | {s['p50_ms']} | {s['p95_ms']} |")
    return "\n".join(lines)
