"""Eval of assistant/privacy/pseudonymiser.py against the labelled set evals/gold/privacy.yaml.

Usage:
    .venv/bin/python -m evals.privacy_eval                 # default backend (auto)
    .venv/bin/python -m evals.privacy_eval --variants --all   # format-variant set (issue 18)
    .venv/bin/python -m evals.privacy_eval --all           # rules / deduce lexicon / full deduce
    .venv/bin/python -m evals.privacy_eval --backend rules --verbose
"""

from __future__ import annotations

import argparse
import re
import sys
import time
import warnings
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from assistant.privacy import KINDS, Pseudonymiser  # noqa: E402

GOLD_PATH = ROOT / "evals" / "gold" / "privacy.yaml"
VARIANTS_PATH = ROOT / "evals" / "gold" / "privacy-variants.yaml"

# Kinds a gold file may label before the detector knows them: their recall is then
# simply 0 (the variant set was written before the rules for plates and document numbers).
GOLD_KINDS = tuple(dict.fromkeys((*KINDS, "KENTEKEN", "DOCUMENTNUMMER")))

# Names and street addresses are caught by several detectors (a name inside an
# e-mail address, a street found as a name); any kind removing them is a success.
ANY_KIND_OK = {"NAAM", "ADRES"}

TARGETS = {
    "recall": {"BSN": 0.98, "IBAN": 0.98, "EMAIL": 0.98, "TELEFOON": 0.98, "NAAM": 0.90, "ADRES+POSTCODE": 0.90},
    "max_non_pii_replaced": 0.02,
}


def load_gold(path: str | Path = GOLD_PATH) -> list[dict]:
    with open(path, encoding="utf-8") as fh:
        items = yaml.safe_load(fh)
    for item in items:
        item["entities"] = item.get("entities") or []
        for ent in item["entities"]:
            if ent["kind"] not in GOLD_KINDS:
                raise ValueError(f"unknown kind {ent['kind']!r} in {item['text']!r}")
            if ent["value"] not in item["text"]:
                raise ValueError(f"value {ent['value']!r} not in {item['text']!r}")
    return items


def gold_occurrences(item: dict) -> list[tuple[str, int, int, str]]:
    """Every occurrence (on word boundaries) of every gold value, as (kind, start, end, value)."""
    occ = []
    for ent in item["entities"]:
        pattern = rf"(?<![\w]){re.escape(ent['value'])}(?![\w])"
        hits = [(m.start(), m.end()) for m in re.finditer(pattern, item["text"])]
        if not hits:
            i = item["text"].index(ent["value"])
            hits = [(i, i + len(ent["value"]))]
        occ += [(ent["kind"], s, e, ent["value"]) for s, e in hits]
    return occ


def _covered(start: int, end: int, spans: list[tuple[int, int]]) -> bool:
    pos = start
    for s, e in sorted(spans):
        if s <= pos < e:
            pos = e
        if pos >= end:
            return True
    return pos >= end


def _overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def evaluate(gold_path: str | Path, pseudonymiser: Pseudonymiser, split: str | None = None) -> dict:
    """Entity-level recall/precision per kind and the share of non-PII tokens replaced.

    split: None = all sentences, "dev" = the set written before the detector,
    "holdout" = sentences written afterwards and never used to tune the rules.
    """
    items = load_gold(gold_path)
    if split is not None:
        items = [i for i in items if i.get("split", "dev") == split]
    kinds = GOLD_KINDS
    expected = {k: 0 for k in kinds}
    found = {k: 0 for k in kinds}
    predicted = {k: 0 for k in kinds}
    correct = {k: 0 for k in kinds}
    negatives = negatives_touched = 0
    variant_misses: dict[str, int] = {}
    tokens_all = tokens_all_hit = tokens_free = tokens_free_hit = 0
    leaked = 0
    misses: list[dict] = []
    false_positives: list[dict] = []
    elapsed = 0.0

    for item in items:
        text = item["text"]
        t0 = time.perf_counter()
        findings = pseudonymiser.find(text)
        elapsed += time.perf_counter() - t0
        occ = gold_occurrences(item)
        if not item["entities"]:
            negatives += 1
            negatives_touched += bool(findings)

        for kind, s, e, value in occ:
            expected[kind] += 1
            spans = [(f.start, f.end) for f in findings if f.kind == kind or kind in ANY_KIND_OK]
            if _covered(s, e, spans):
                found[kind] += 1
            else:
                misses.append({"kind": kind, "value": value, "text": text})
                if "variant" in item:
                    variant_misses[item["variant"]] = variant_misses.get(item["variant"], 0) + 1
            if not _covered(s, e, [(f.start, f.end) for f in findings]):
                leaked += 1

        for f in findings:
            predicted[f.kind] += 1
            if any(_overlaps((f.start, f.end), (s, e)) and (k == f.kind or k in ANY_KIND_OK) for k, s, e, _ in occ):
                correct[f.kind] += 1
            elif not any(_overlaps((f.start, f.end), (s, e)) for _, s, e, _ in occ):
                false_positives.append({"kind": f.kind, "value": f.value, "text": text})

        for m in re.finditer(r"\w+", text):
            tok = (m.start(), m.end())
            if any(_overlaps(tok, (s, e)) for _, s, e, _ in occ):
                continue
            hit = any(_overlaps(tok, (f.start, f.end)) for f in findings)
            tokens_all += 1
            tokens_all_hit += hit
            if not item["entities"]:
                tokens_free += 1
                tokens_free_hit += hit

    per_kind = {}
    for k in kinds:
        per_kind[k] = {
            "expected": expected[k],
            "found": found[k],
            "recall": found[k] / expected[k] if expected[k] else None,
            "predicted": predicted[k],
            "precision": correct[k] / predicted[k] if predicted[k] else None,
        }
    addr_exp = expected["ADRES"] + expected["POSTCODE"]
    addr_found = found["ADRES"] + found["POSTCODE"]
    addr_pred = predicted["ADRES"] + predicted["POSTCODE"]
    per_kind["ADRES+POSTCODE"] = {
        "expected": addr_exp,
        "found": addr_found,
        "recall": addr_found / addr_exp if addr_exp else None,
        "predicted": addr_pred,
        "precision": (correct["ADRES"] + correct["POSTCODE"]) / addr_pred if addr_pred else None,
    }
    total_exp = sum(expected.values())
    return {
        "backend": getattr(pseudonymiser, "name_backend", "?"),
        "split": split or "all",
        "sentences": len(items),
        "pii_free_sentences": sum(1 for i in items if not i["entities"]),
        "per_kind": per_kind,
        "overall_recall": sum(found.values()) / total_exp,
        "leaked": leaked,
        "leak_rate": leaked / total_exp,
        "negatives": negatives,
        "negatives_touched": negatives_touched,
        "variant_misses": variant_misses,
        "non_pii_tokens": tokens_all,
        "non_pii_replaced": tokens_all_hit / tokens_all if tokens_all else 0.0,
        "pii_free_tokens": tokens_free,
        "pii_free_replaced": tokens_free_hit / tokens_free if tokens_free else 0.0,
        "ms_per_sentence": 1000 * elapsed / len(items),
        "misses": misses,
        "false_positives": false_positives,
    }


def target_failures(result: dict) -> list[str]:
    failures = []
    for kind, minimum in TARGETS["recall"].items():
        recall = result["per_kind"][kind]["recall"]
        if recall is None or recall < minimum:
            failures.append(f"recall {kind} {recall} < {minimum}")
    if result["non_pii_replaced"] > TARGETS["max_non_pii_replaced"]:
        failures.append(f"non-PII replaced {result['non_pii_replaced']:.3f} > {TARGETS['max_non_pii_replaced']}")
    return failures


def _fmt(x: float | None) -> str:
    return "  -  " if x is None else f"{x:.3f}"


def format_table(result: dict, load_seconds: float | None = None) -> str:
    lines = [
        f"backend: {result['backend']}   split: {result['split']}   sentences: {result['sentences']} "
        f"({result['pii_free_sentences']} without personal data)",
        f"{'kind':<16}{'expected':>9}{'found':>7}{'recall':>8}{'predicted':>10}{'precision':>10}",
    ]
    for kind in (*GOLD_KINDS, "ADRES+POSTCODE"):
        r = result["per_kind"][kind]
        if not r["expected"] and not r["predicted"]:
            continue
        lines.append(
            f"{kind:<16}{r['expected']:>9}{r['found']:>7}{_fmt(r['recall']):>8}"
            f"{r['predicted']:>10}{_fmt(r['precision']):>10}"
        )
    lines += [
        f"overall recall: {result['overall_recall']:.3f}   PII surviving (no finding of any kind): "
        f"{result['leaked']} ({result['leak_rate']:.1%})",
        f"non-PII tokens replaced: {result['non_pii_replaced']:.2%} of {result['non_pii_tokens']} overall, "
        f"{result['pii_free_replaced']:.2%} of {result['pii_free_tokens']} in PII-free sentences; "
        f"negative sentences with any replacement: {result['negatives_touched']} of {result['negatives']}",
        f"time: {result['ms_per_sentence']:.2f} ms/sentence"
        + (f", load {load_seconds:.2f} s" if load_seconds is not None else ""),
    ]
    failures = target_failures(result)
    lines.append("targets: " + ("all met" if not failures else "NOT met: " + "; ".join(failures)))
    return "\n".join(lines)


BACKENDS = {"auto": None, "rules": False, "lexicon": True, "full": "full"}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--gold", default=None, help=f"labelled set (default {GOLD_PATH.name})")
    parser.add_argument("--variants", action="store_true",
                        help=f"use the format-variant set {VARIANTS_PATH.name} (issue 18)")
    parser.add_argument("--backend", choices=sorted(BACKENDS), default="auto")
    parser.add_argument("--all", action="store_true", help="run rules, lexicon and full deduce")
    parser.add_argument("--split", choices=["all", "dev", "holdout"], default=None,
                        help="default: print dev, holdout and all")
    parser.add_argument("--verbose", action="store_true", help="list misses and false positives")
    args = parser.parse_args(argv)
    gold = args.gold or str(VARIANTS_PATH if args.variants else GOLD_PATH)
    if args.variants and not args.split:
        args.split = "all"  # the variant set has no dev/holdout split

    status = 0
    for backend in (["rules", "lexicon", "full"] if args.all else [args.backend]):
        t0 = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            pseudonymiser = Pseudonymiser(use_deduce=BACKENDS[backend])
            if backend == "full":
                try:
                    pseudonymiser.find("Mevrouw Jansen.")  # the deduce model loads on first use
                except ImportError as exc:
                    print(f"backend full: not available ({exc})\n")
                    continue
        load = time.perf_counter() - t0
        for split in [args.split] if args.split else ["dev", "holdout", "all"]:
            result = evaluate(gold, pseudonymiser, None if split == "all" else split)
            print(format_table(result, load))
            if args.variants:
                print(f"variants with a miss: {len(result['variant_misses'])}")
            if args.verbose:
                for m in result["misses"]:
                    print(f"  MISS {m['kind']:<14} {m['value']!r:<28} | {m['text']}")
                for f in result["false_positives"]:
                    print(f"  FP   {f['kind']:<14} {f['value']!r:<28} | {f['text']}")
            print()
            if split == "all":
                status |= bool(target_failures(result))
    return status


if __name__ == "__main__":
    sys.exit(main())
