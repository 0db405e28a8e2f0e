"""Answer evaluation on practice questions (evals/gold/answers-practice.yaml and the blind
holdouts answers-holdout*.yaml): questions as professionals type them, labelled by a jurist with
the governing articles, the basis for deviating and the deciding amount or term.

Measures per set: in-scope refusal rate, correct refusals out of scope, expected-article recall
among the citations, afwijkingsruimte accuracy, whether the rule the answer turns on is a
governing article, answers whose "regel" is another gemeente's, the key amount or term named in
the answer, where an answer says no deviation is needed or names a power in the law: whether it
was labelled so and rests on a governing article, quotes verbatim, latency.

Index corpus/ (the sample gemeente and, in corpus/landelijk, the national law) and the other
gemeenten's rules before scoring:
  MAATWERK_DATA_DIR=/tmp/mw-practice maatwerk index corpus evals/corpus-vergelijking
  MAATWERK_DATA_DIR=/tmp/mw-practice python -m evals.answers_practice --gold evals/gold/answers-practice.yaml
"""

from __future__ import annotations

import re
import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from evals.answers import EvalResult, check_answer
from evals.retrieval import read_gold_items

# Where the gold files' prefixes point: the writer saw the national corpus as corpus-nl/ and the
# sample gemeente as lindewaarde/; the index stores paths relative to each indexed folder, so
# national law is "landelijk/participatiewet/..." when corpus/ is indexed as a whole.
_PREFIXES = ("corpus-nl/", "lindewaarde/", "corpus/", "landelijk/")


def _rel(path: str) -> str:
    for p in _PREFIXES:
        if path.startswith(p):
            return path[len(p):]
    return path


def _unversioned(path: str) -> str:
    return re.sub(r"@\d{4}-\d{2}-\d{2}", "", path)


def _money(text: str) -> str:
    """'€ 1.200,00' and '€ 1.200' compare equal; whitespace folded."""
    return re.sub(r",00\b|,-", "", " ".join(text.split())).lower()


@dataclass
class PracticeResult:
    rows: list[dict[str, Any]] = field(default_factory=list)
    checks: EvalResult = field(default_factory=EvalResult)

    def summary(self) -> dict[str, Any]:
        rows = self.rows
        ins = [r for r in rows if r["in_scope"]]
        outs = [r for r in rows if not r["in_scope"]]
        basis = [r for r in ins if r["expected_basis"]]
        keyed = [r for r in ins if r["key"]]
        answered = [r for r in ins if not r["refused"] and r["expected_articles"]]
        lat = sorted(r["latency_ms"] for r in rows)

        def share(n, d):
            return round(n / d, 3) if d else None

        exp = sum(r["expected_articles"] for r in ins)
        return {
            "questions": len(rows),
            "in_scope_refusal_rate": share(sum(r["refused"] for r in ins), len(ins)),
            "in_scope": len(ins),
            "correct_refusals": share(sum(r["refused"] for r in outs), len(outs)),
            "out_of_scope": len(outs),
            "article_recall": share(sum(r["found_articles"] for r in ins), exp),
            "expected_articles": exp,
            "afwijkingsruimte_accuracy": share(sum(r["basis"] == r["expected_basis"] for r in basis), len(basis)),
            "basis_questions": len(basis),
            "focus_governing": share(sum(r["focus_governing"] for r in answered), len(answered)),
            "answered_labelled": len(answered),
            "foreign_rule": sum(r["foreign_rule"] for r in rows),
            "key_named": share(sum(r["key_named"] for r in keyed), len(keyed)),
            "not_needed_said": len(said := [r for r in ins if r["basis"] == "niet-nodig"]),
            "not_needed_right": sum(r["expected_basis"] == "niet-nodig" for r in said),
            "not_needed_right_source": sum(r["expected_basis"] == "niet-nodig" and r["room_source_governing"]
                                           for r in said),
            "power_said": len(powers := [r for r in ins if r["basis"] == "wettelijke-bevoegdheid"]),
            "power_right": sum(r["expected_basis"] == "wettelijke-bevoegdheid" for r in powers),
            "power_right_source": sum(r["expected_basis"] == "wettelijke-bevoegdheid" and r["room_source_governing"]
                                      for r in powers),
            "key_questions": len(keyed),
            "quotes_verbatim": share(self.checks.quotes_verbatim, self.checks.quotes_total),
            "quotes_total": self.checks.quotes_total,
            "latency_p50_ms": round(statistics.median(lat), 1) if lat else None,
            "latency_p95_ms": round(lat[min(len(lat) - 1, int(0.95 * len(lat)))], 1) if lat else None,
        }


def _article_found(expected: dict, cited: list) -> bool:
    want_file = _rel(str(expected.get("file", "")))
    want_art = str(expected.get("article", "")).lower().strip()
    for chunk in cited:
        source = _unversioned(chunk.source)
        same_file = source == _unversioned(want_file) or source.endswith("/" + _unversioned(want_file))
        if same_file and (not want_art or (chunk.article or "").lower() == want_art or chunk.article is None):
            return True
    return False


def evaluate_practice(assistant, items: list[dict]) -> PracticeResult:
    assistant.warm_up()
    rules = assistant.catalogue().rules
    result = PracticeResult()
    for item in items:
        started = time.perf_counter()
        answer = assistant.ask(item["question"], peildatum=item.get("peildatum"))
        latency = (time.perf_counter() - started) * 1000
        chunks = assistant.index.get_chunks([c.chunk_id for c in answer.citations])
        answer.__dict__["_chunk_texts"] = {i: c.text for i, c in chunks.items()}
        check_answer(answer, result.checks)
        cited = list(chunks.values())
        in_scope = bool(item.get("in_scope", True))
        refused = not answer.grounded
        governing = [g for g in (item.get("governing") or []) if isinstance(g, dict)]
        found = sum(_article_found(g, cited) for g in governing) if in_scope else 0
        ruimte = answer.afwijkingsruimte
        rule_art = rules.article_for_citation(ruimte.rule) if ruimte and ruimte.rule else None
        foreign = bool(rule_art is not None and rules.is_foreign(rule_art.regulation))
        # The rule the answer turns on (the focus of its chain): is it one the jurist labelled?
        focus = rules.article_for_citation(answer.trace["regel"]) if answer.trace.get("regel") else None
        focus_governing = bool(focus is not None and governing
                               and any(_article_found(g, focus.chunks) for g in governing))
        # Where the answer says no deviation is needed, or names a power in the law: does the
        # exemption or power it rests on stand in an article the jurist labelled? (A right label
        # on a wrong provision misleads.)
        source = rules.article_for_citation(ruimte.citation) if ruimte and ruimte.citation else None
        source_governing = bool(source is not None and governing
                                and any(_article_found(g, source.chunks) for g in governing))
        key = str(item.get("key") or "").strip()
        text = answer.answer + "\n" + "\n".join(t for _, t in answer.motivering)
        result.rows.append({
            "id": str(item["id"]), "question": item["question"], "in_scope": in_scope, "refused": refused,
            "expected_articles": len(governing) if in_scope else 0, "found_articles": found,
            "expected_basis": item.get("basis") if in_scope else None,
            "basis": ruimte.basis if (ruimte and answer.grounded) else None,
            "rule": ruimte.rule if ruimte else None, "foreign_rule": foreign,
            "focus": focus.citation if focus is not None else None, "focus_governing": focus_governing,
            "room_source": ruimte.citation if ruimte else None, "room_source_governing": source_governing,
            "key": key, "key_named": bool(key) and _money(key) in _money(text),
            "latency_ms": round(latency, 1),
        })
    return result


def format_practice(result: PracticeResult, verbose: bool = False) -> str:
    s = result.summary()

    def pct(v):
        return "n.v.t." if v is None else f"{100 * v:.1f}%"

    lines = [
        f"Vragen: {s['questions']} ({s['in_scope']} binnen de bronnen, {s['out_of_scope']} erbuiten)",
        f"Ten onrechte geweigerd (binnen de bronnen): {pct(s['in_scope_refusal_rate'])}",
        f"Terecht geweigerd (buiten de bronnen): {pct(s['correct_refusals'])}",
        f"Verwachte artikelen onder de citaties: {pct(s['article_recall'])} ({s['expected_articles']})",
        f"Afwijkingsruimte juist: {pct(s['afwijkingsruimte_accuracy'])} ({s['basis_questions']} vragen)",
        f"Gekozen regel is een maatgevend artikel: {pct(s['focus_governing'])} "
        f"({s['answered_labelled']} beantwoorde vragen)",
        f"Regel van een andere gemeente als 'de regel': {s['foreign_rule']}",
        f"Doorslaggevend bedrag of termijn genoemd: {pct(s['key_named'])} ({s['key_questions']} vragen)",
        f"'Afwijken niet nodig' gezegd: {s['not_needed_said']}x, waarvan zo gelabeld {s['not_needed_right']}, "
        f"en dan op een maatgevend artikel {s['not_needed_right_source']}",
        f"'Bevoegdheid in de wet' gezegd: {s['power_said']}x, waarvan zo gelabeld {s['power_right']}, "
        f"en dan op een maatgevend artikel {s['power_right_source']}",
        f"Citaten letterlijk: {pct(s['quotes_verbatim'])} ({s['quotes_total']})",
        f"Latentie p50 {s['latency_p50_ms']} ms, p95 {s['latency_p95_ms']} ms",
    ]
    if verbose:
        for r in result.rows:
            want = r["expected_basis"] or ("weigeren" if not r["in_scope"] else "-")
            got = r["basis"] or ("geweigerd" if r["refused"] else "-")
            ok = (got == want) or (want == "weigeren" and r["refused"])
            lines.append(f"{'OK ' if ok else 'FOUT'} {r['id']:5} verwacht={want:22} kreeg={got:22} "
                         f"art {r['found_articles']}/{r['expected_articles']} key={'ja' if r['key_named'] else '-'} "
                         f"regel={r['focus']} ({'maatgevend' if r['focus_governing'] else 'niet maatgevend'}); "
                         f"ruimte uit {r['rule']}; basis in {r['room_source']}")
    return "\n".join(lines)


def load_practice(path: Path) -> list[dict]:
    return read_gold_items(path)


if __name__ == "__main__":  # pragma: no cover
    import argparse

    from assistant.app import App
    from assistant.cli.answers import build_assistant
    from assistant.config import Settings

    parser = argparse.ArgumentParser()
    parser.add_argument("--gold", action="append", required=True)
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args()
    assistant = build_assistant(App.from_settings(Settings()))
    for gold in args.gold:
        print(f"== {gold}")
        print(format_practice(evaluate_practice(assistant, load_practice(Path(gold))), verbose=args.verbose))
