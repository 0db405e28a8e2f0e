"""How far can fusion and re-ranking of our two rankers go? The evidence behind the retrieval
figures in evals/RESULTS.md.

For every gold question it scores every passage once, with the dense and the lexical side
exactly as `Index.search` does (lexicon expansions, hub correction, peildatum filter), and then
compares, on the same candidates and with the same collapsing to one place per document:

- the shipped fusion (reciprocal rank fusion, equal weights);
- the same fusion with its two weights learned;
- learning to rank: a logistic regression over eleven features of both rankers (ranks, raw and
  normalised scores, unexpanded dense score, definitions article, length, besluit), trained and
  scored with k-fold cross-validation over the questions, pointwise and pairwise;
- an oracle that per question takes the better of the dense and the lexical ranking.

    python -m evals.fusion_study [--gold evals/gold/retrieval.yaml] [--folds 8]

Run it on an index of ../shared/corpus-nl (`make eval` builds one in .maatwerk/eval-nl) with
MAATWERK_DATA_DIR pointing at it. Needs scikit-learn (in the dev extra)."""

from __future__ import annotations

import argparse
import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from assistant.config import Settings
from assistant.retrieval.fusion import DENSE_EXPANSIONS, EXPANSION_WEIGHT, PRECEDENT_INTENT
from assistant.retrieval.fusion import BESLUIT_SHARE, HUB_PENALTY, RRF_K, collapse, demote_besluiten, rrf_fuse
from assistant.retrieval.store import Filters
from evals.retrieval import load_gold

DEPTH = 40  # what Index.search uses for k=10
DEFINITIONS = re.compile(r"begripsbepaling|definitie", re.I)
FEATURES = ["rrf_dense", "rrf_lexical", "dense_z", "dense_gap", "lexical_norm", "own_norm", "extra_norm",
            "unexpanded_z", "definitions", "log_length", "besluit"]


@dataclass
class Question:
    id: str
    text: str
    relevant: set[str]
    dense: np.ndarray       # hub-corrected cosine, -inf where filtered out
    lexical: np.ndarray     # BM25 own + EXPANSION_WEIGHT * expansions, 0 where filtered out
    own: np.ndarray
    extra: np.ndarray
    unexpanded: np.ndarray  # dense score of the question without lexicon expansions


def score_all(index, gold) -> tuple[dict, list[Question]]:
    lex = index.refresh_lexical()
    chunks = {c.chunk_id: c for c in index.all_chunks()}
    ordered = [chunks[cid] for cid in lex.ids]
    got = index._collection.get(ids=lex.ids, include=["embeddings"])
    by_id = dict(zip(got["ids"], got["embeddings"]))
    vectors = np.asarray([by_id[cid] for cid in lex.ids], dtype=np.float32)
    hub = HUB_PENALTY * (vectors @ lex.centroid) if lex.centroid is not None else np.zeros(len(ordered))
    meta = {
        "ids": list(lex.ids),
        "pos": {cid: i for i, cid in enumerate(lex.ids)},
        "doc_of": lex.doc_of,  # chunk id -> (unit, source type), as the search reads it
        "source": [c.source for c in ordered],
        "besluit": np.array([c.source_type == "besluit" for c in ordered]),
        "definitions": np.array([bool(DEFINITIONS.search(c.heading or "")) for c in ordered], dtype=float),
        "log_length": np.log1p([len(c.text) for c in ordered]),
    }
    questions = []
    for q in gold:
        mask = lex.mask(Filters(q.peildatum or dt.date.today(), None, None))
        own_terms, extra_terms = lex.analyzer.query_terms(q.question)
        own = lex.bm25.get_scores(own_terms) if own_terms else np.zeros(len(ordered))
        extra = lex.bm25.get_scores(extra_terms) if extra_terms else np.zeros(len(ordered))
        expansions = index.lexicon.expansions(q.question)
        text = f"{q.question} ({', '.join(expansions[:DENSE_EXPANSIONS])})" if expansions else q.question
        dense = vectors @ np.asarray(index.embedder.embed_query(text), dtype=np.float32) - hub
        plain = vectors @ np.asarray(index.embedder.embed_query(q.question), dtype=np.float32) - hub
        questions.append(Question(q.id, q.question, set(q.relevant), np.where(mask, dense, -np.inf),
                                  np.where(mask, own + EXPANSION_WEIGHT * extra, 0.0), own, extra,
                                  np.where(mask, plain, np.nan)))
    return meta, questions


def rankings(q: Question) -> tuple[list[int], list[int]]:
    dense = [int(i) for i in np.argsort(-q.dense, kind="stable")[:DEPTH] if np.isfinite(q.dense[i])]
    lexical = [int(i) for i in np.argsort(-q.lexical, kind="stable")[:DEPTH] if q.lexical[i] > 0]
    return dense, lexical


def ranked(scored: list[tuple[int, float]], meta: dict, q: Question, k: int = 10, demote: bool = True) -> list[int]:
    """Passages (by position) scored any way, collapsed exactly as Index.search collapses: its
    own functions, besluiten demoted unless asked for, one place per unit and per document."""
    fused = sorted([(meta["ids"][i], s, None, None) for i, s in scored], key=lambda t: (-t[1], t[0]))
    return shipped_order(fused, meta, q, k, demote)


def shipped_order(fused, meta: dict, q: Question, k: int = 10, demote: bool = True) -> list[int]:
    if demote and not PRECEDENT_INTENT.search(q.text):
        fused = demote_besluiten(fused, meta["doc_of"])
    chosen = collapse(fused, meta["doc_of"], k, per_doc=1, max_besluiten=max(1, int(k * BESLUIT_SHARE)))
    return [meta["pos"][cid] for cid, *_ in chosen]


def first_rank(order: list[int], meta: dict, q: Question) -> int | None:
    return next((r for r, i in enumerate(order, 1) if meta["source"][i] in q.relevant), None)


def rrf(q: Question, meta: dict, dense: list[int], lexical: list[int]):
    """The shipped fusion (Index.search's rrf_fuse) of the two rankings."""
    ids = meta["ids"]
    return rrf_fuse([(ids[i], float(q.dense[i])) for i in dense], [(ids[i], float(q.lexical[i])) for i in lexical])


def features(q: Question, meta: dict) -> tuple[list[int], np.ndarray]:
    dense, lexical = rankings(q)
    cand = list(dict.fromkeys(dense + lexical))
    d_rank = {i: r for r, i in enumerate(dense, 1)}
    l_rank = {i: r for r, i in enumerate(lexical, 1)}
    d = q.dense[cand]
    d = np.where(np.isfinite(d), d, np.nanmin(np.where(np.isfinite(d), d, np.nan)))
    plain = np.nan_to_num(q.unexpanded[cand], nan=np.nanmin(q.unexpanded[cand]))
    top = q.lexical[lexical[0]] if lexical else 1.0

    def z(v):
        return (v - v.mean()) / (v.std() + 1e-9)

    def norm(v):
        return v / max(float(v.max()), 1e-9)

    cols = [
        [1 / (RRF_K + d_rank[i]) if i in d_rank else 0.0 for i in cand],
        [1 / (RRF_K + l_rank[i]) if i in l_rank else 0.0 for i in cand],
        z(d), d - d.max(), q.lexical[cand] / max(top, 1e-9), norm(q.own[cand]), norm(q.extra[cand]), z(plain),
        meta["definitions"][cand], meta["log_length"][cand], meta["besluit"][cand].astype(float),
    ]
    return cand, np.column_stack(cols)


def metrics(ranks: list[int | None]) -> dict[str, float]:
    n = len(ranks)
    return {
        "R@1": sum(1 for r in ranks if r and r <= 1) / n,
        "R@5": sum(1 for r in ranks if r and r <= 5) / n,
        "R@10": sum(1 for r in ranks if r and r <= 10) / n,
        "MRR@10": sum(1 / r for r in ranks if r and r <= 10) / n,
    }


def fit(items, pairwise: bool):
    """Weights for the raw features. They are standardised for fitting (the RRF terms are ~0.01,
    the others ~1: unscaled, the regularisation would silence the RRF terms)."""
    from sklearn.linear_model import LogisticRegression

    X = np.vstack([x for _, _, x, _ in items])
    mu, sd = X.mean(axis=0), X.std(axis=0) + 1e-9
    scaled = [(q, cand, (x - mu) / sd, y) for q, cand, x, y in items]
    if not pairwise:
        y = np.concatenate([y for _, _, _, y in scaled])
        model = LogisticRegression(max_iter=2000, class_weight="balanced").fit((X - mu) / sd, y)
        return model.coef_[0] / sd
    rng = np.random.default_rng(0)
    diffs, labels = [], []
    for _, _, x, y in scaled:
        for p in np.flatnonzero(y == 1):
            for n in np.flatnonzero(y == 0):
                sign = 1 if rng.random() < 0.5 else -1
                diffs.append(sign * (x[p] - x[n]))
                labels.append(int(sign == 1))
    model = LogisticRegression(max_iter=2000, fit_intercept=False).fit(np.array(diffs), np.array(labels))
    return model.coef_[0] / sd


def learned_ranks(items, meta, folds: int, seeds=(0, 1, 2), pairwise: bool = False,
                  cols: list[int] | None = None) -> list[dict[str, float]]:
    from sklearn.model_selection import KFold

    if cols is not None:
        items = [(q, cand, x[:, cols], y) for q, cand, x, y in items]
    out = []
    for seed in seeds:
        ranks: dict[str, int | None] = {}
        for train, test in KFold(folds, shuffle=True, random_state=seed).split(items):
            w = fit([items[i] for i in train], pairwise)
            for i in test:
                q, cand, x, _ = items[i]
                s = x @ w
                ranks[q.id] = first_rank(ranked(list(zip(cand, s - s.min() + 1e-3)), meta, q), meta, q)
        out.append(metrics(list(ranks.values())))
    return out


def main(argv: list[str] | None = None) -> None:
    from assistant.app import App

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--gold", type=Path, default=Path("evals/gold/retrieval.yaml"))
    parser.add_argument("--folds", type=int, default=8)
    args = parser.parse_args(argv)
    index = App.from_settings(Settings()).index
    meta, questions = score_all(index, load_gold(args.gold))

    rows: dict[str, dict[str, float]] = {}
    shipped, dense_only, lexical_only = [], [], []
    items = []
    for q in questions:
        dense, lexical = rankings(q)
        shipped.append(first_rank(shipped_order(rrf(q, meta, dense, lexical), meta, q), meta, q))
        # Each ranker alone, collapsed the same way, to depth 40: the oracle's two inputs.
        dense_only.append(first_rank(ranked([(i, -r) for r, i in enumerate(dense)], meta, q, k=DEPTH,
                                              demote=False), meta, q))
        lexical_only.append(first_rank(ranked([(i, -r) for r, i in enumerate(lexical)], meta, q, k=DEPTH,
                                                demote=False), meta, q))
        cand, x = features(q, meta)
        items.append((q, cand, x, np.array([meta["source"][i] in q.relevant for i in cand], dtype=int)))
    rows["RRF (shipped)"] = metrics(shipped)
    runs = learned_ranks(items, meta, args.folds, cols=[0, 1])
    rows[f"learned RRF weights only ({args.folds}-fold CV, 3 seeds)"] = {k: float(np.mean([r[k] for r in runs]))
                                                                       for k in runs[0]}
    for pairwise in (False, True):
        runs = learned_ranks(items, meta, args.folds, pairwise=pairwise)
        name = f"learned, {'pairwise' if pairwise else 'pointwise'} ({args.folds}-fold CV, 3 seeds)"
        rows[name] = {k: float(np.mean([r[k] for r in runs])) for k in runs[0]}

    def best(d, l):
        return min(r for r in (d, l) if r) if (d or l) else None

    rows["oracle: better of dense and lexical"] = metrics([best(d, l) for d, l in zip(dense_only, lexical_only)])
    print(f"{args.gold} ({len(questions)} questions), features: {', '.join(FEATURES)}\n")
    print("| ranking | R@1 | R@5 | R@10 | MRR@10 |\n|---|---|---|---|---|")
    for name, m in rows.items():
        print(f"| {name} | {m['R@1']:.3f} | {m['R@5']:.3f} | {m['R@10']:.3f} | {m['MRR@10']:.3f} |")
    missing = sum(1 for d, l in zip(dense_only, lexical_only) if not best(d, l) or best(d, l) > 10)
    print(f"\nquestions whose relevant file neither ranker puts in its top 10: {missing}")


if __name__ == "__main__":
    main()
