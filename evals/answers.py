"""Answer evaluation over evals/gold/answers.yaml: citations that resolve to a retrieved
passage, quotes found verbatim, afwijkingsruimte accuracy, correct refusals, latency.

Run: maatwerk eval answers   (or: python -m evals.answers [--gold FILE])
"""

from __future__ import annotations

import datetime as dt
import re
import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


from evals.retrieval import read_gold_items

QUOTE_RE = re.compile(r"„([^„“”\"]{3,}?)[“”\"]")


@dataclass
class GoldAnswer:
    id: str
    question: str
    peildatum: dt.date | None = None
    basis: str | None = None
    citation: str | None = None
    grounded: bool = True


def load_gold(path: Path) -> list[GoldAnswer]:
    return [GoldAnswer(str(item["id"]), item["question"], item["peildatum"], item.get("basis"),
                       item.get("citation"), bool(item.get("grounded", True)))
            for item in read_gold_items(path)]


@dataclass
class EvalResult:
    rows: list[dict[str, Any]] = field(default_factory=list)
    citations_total: int = 0
    citations_resolved: int = 0
    quotes_total: int = 0
    quotes_verbatim: int = 0
    latencies_ms: list[float] = field(default_factory=list)

    def _share(self, num: int, den: int) -> float | None:
        return round(num / den, 4) if den else None

    def summary(self) -> dict[str, Any]:
        basis_rows = [r for r in self.rows if r["expected_basis"]]
        refusal_rows = [r for r in self.rows if not r["expected_grounded"]]
        lat = sorted(self.latencies_ms)
        return {
            "questions": len(self.rows),
            "citations_resolved": self._share(self.citations_resolved, self.citations_total),
            "citations_total": self.citations_total,
            "quotes_verbatim": self._share(self.quotes_verbatim, self.quotes_total),
            "quotes_total": self.quotes_total,
            "afwijkingsruimte_accuracy": self._share(sum(r["basis_ok"] for r in basis_rows), len(basis_rows)),
            "afwijkingsruimte_questions": len(basis_rows),
            "correct_refusals": self._share(sum(r["refusal_ok"] for r in refusal_rows), len(refusal_rows)),
            "refusal_questions": len(refusal_rows),
            "false_refusals": sum(1 for r in basis_rows if not r["grounded"]),
            "latency_p50_ms": round(statistics.median(lat), 1) if lat else None,
            "latency_p95_ms": round(lat[min(len(lat) - 1, int(0.95 * len(lat)))], 1) if lat else None,
        }


def _normal(text: str) -> str:
    return " ".join(text.split())


def check_answer(answer, result: EvalResult) -> None:
    """Independent of the assistant's own verifier: every citation's chunk must be one the
    answer retrieved or looked up, every „quote“ in the text must be in the chunk it cites."""
    retrieved = {h["chunk_id"] for h in answer.hits} | {c.chunk_id for c in answer.citations}
    by_n = {c.n: c for c in answer.citations}
    texts = answer.__dict__.get("_chunk_texts", {})
    for c in answer.citations:
        result.citations_total += 1
        result.citations_resolved += c.chunk_id in retrieved
    bodies = [answer.answer] + [t for _, t in answer.motivering]
    for body in bodies:
        for line in body.splitlines():
            markers = [int(m) for m in re.findall(r"\[(\d+)\]", line)]
            for q in QUOTE_RE.findall(line):
                result.quotes_total += 1
                chunk_texts = [texts.get(by_n[n].chunk_id, "") for n in markers if n in by_n]
                if any(_normal(q).strip(" .,;…") in _normal(t) for t in chunk_texts):
                    result.quotes_verbatim += 1


def evaluate(assistant, gold: list[GoldAnswer]) -> EvalResult:
    assistant.warm_up()
    result = EvalResult()
    for g in gold:
        started = time.perf_counter()
        answer = assistant.ask(g.question, peildatum=g.peildatum)
        result.latencies_ms.append((time.perf_counter() - started) * 1000)
        ids = [c.chunk_id for c in answer.citations]
        chunks = assistant.index.get_chunks(ids)
        answer.__dict__["_chunk_texts"] = {i: c.text for i, c in chunks.items()}
        check_answer(answer, result)
        got = answer.afwijkingsruimte.basis if (answer.afwijkingsruimte and answer.grounded) else None
        got_cit = answer.afwijkingsruimte.citation if answer.afwijkingsruimte else None
        basis_ok = bool(g.basis) and answer.grounded and got == g.basis and (
            not g.citation or (got_cit is not None and g.citation.lower() in got_cit.lower()))
        refusal_ok = (not g.grounded) and (not answer.grounded) and not answer.citations
        result.rows.append({
            "id": g.id, "question": g.question, "expected_basis": g.basis, "expected_grounded": g.grounded,
            "grounded": answer.grounded, "basis": got, "citation": got_cit,
            "rule": answer.afwijkingsruimte.rule if answer.afwijkingsruimte else None,
            "basis_ok": basis_ok, "refusal_ok": refusal_ok,
            "latency_ms": round(result.latencies_ms[-1], 1),
        })
    return result


def format_report(result: EvalResult, verbose: bool = False) -> str:
    s = result.summary()

    def pct(v):
        return "n.v.t." if v is None else f"{100 * v:.1f}%"

    lines = [
        f"Vragen: {s['questions']}",
        f"Citaties die naar een opgehaalde passage wijzen: {pct(s['citations_resolved'])} ({s['citations_total']})",
        f"Citaten letterlijk in de geciteerde passage: {pct(s['quotes_verbatim'])} ({s['quotes_total']})",
        f"Afwijkingsruimte juist: {pct(s['afwijkingsruimte_accuracy'])} ({s['afwijkingsruimte_questions']} vragen; "
        f"{s['false_refusals']} ten onrechte geweigerd)",
        f"Terecht geweigerd (geen onderbouwd antwoord, geen bronnen): {pct(s['correct_refusals'])} ({s['refusal_questions']} vragen)",
        f"Latentie p50 {s['latency_p50_ms']} ms, p95 {s['latency_p95_ms']} ms",
    ]
    if verbose:
        for r in result.rows:
            ok = r["basis_ok"] if r["expected_basis"] else r["refusal_ok"]
            want = r["expected_basis"] or "weigeren (geen bronnen)"
            lines.append(f"{'OK ' if ok else 'FOUT'} {r['id']:4} verwacht={want:24} kreeg={str(r['basis']):24} "
                         f"regel={r['rule']}  ({r['latency_ms']} ms)")
    return "\n".join(lines)


if __name__ == "__main__":  # pragma: no cover
    import argparse

    from assistant.app import App
    from assistant.cli.answers import build_assistant
    from assistant.config import Settings

    parser = argparse.ArgumentParser()
    parser.add_argument("--gold", default="evals/gold/answers.yaml")
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args()
    res = evaluate(build_assistant(App.from_settings(Settings())), load_gold(Path(args.gold)))
    print(format_report(res, verbose=args.verbose))
