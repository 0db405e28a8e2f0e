"""Which retrieval signals generalise? The evidence behind the issue-17 section of
evals/RESULTS.md.

Every question of the development pool is scored once with both rankers exactly as
`Index.search` does (evals.fusion_study.score_all: lexicon expansions, hub correction, peildatum
filter); the scores are cached. Each signal is then a change on the same candidates, collapsed to
one place per document like the search, and reported per set next to the shipped fusion:

- definitions: begripsbepalingen read from the corpus ("wordt verstaan onder X: ..."); a question
  that describes what a definition says gets the defined term as an expansion;
- article-level aggregation over leden: an article's passages scored together;
- pseudo-relevance feedback for BM25 (RM3-style);
- a domain prior: the rule model's corpus-derived DomainModel reads the question's domain from its
  words (and optionally the domains of the fused top k); when one domain is clearly ahead, the
  candidates of that domain are favoured (a third RRF ranking, in-domain first, or off-domain
  candidates demoted; "algemeen", e.g. the Awb, never is).

    MAATWERK_DATA_DIR=/tmp/x python -m evals.signals_study --grid domain [--cache FILE]
        [--gold NAME=PATH ... --statute NAME]

Without --gold it reads the development pool (POOL below; set C is in the statute's vocabulary,
the others are situational). Each grid ends with a leave-one-set-out table: per situational
set, the variant that scores best on the other situational sets, scored on the one left out.
That is what "parameters chosen on the pool" is worth on questions they were not chosen on.

The shipped row must equal what `maatwerk eval retrieval` reports for hybrid (up to the
nondeterminism of the 4-bit embedder)."""

from __future__ import annotations

import argparse
import itertools
import pickle
from collections import Counter
from dataclasses import replace
from pathlib import Path

import numpy as np

from assistant.retrieval.analysis import content_terms
from assistant.retrieval.fusion import RRF_K, rrf_fuse
from assistant.rules.domains import DomainModel, domain_signal
from evals.definitions import definitions_in
from evals.fusion_study import DEPTH, first_rank, metrics, rankings, rrf, score_all, shipped_order
from evals.retrieval import load_gold

POOL = {
    "dev": "evals/gold/retrieval.yaml",
    "holdout": "evals/gold/retrieval-holdout.yaml",
    "B": "evals/gold/retrieval-blind-b.yaml",
    "C": "evals/gold/retrieval-blind-c.yaml",
    "D": "evals/gold/retrieval-blind-d.yaml",
    "E": "evals/gold/retrieval-blind-e.yaml",
    "F": "evals/gold/retrieval-blind-f.yaml",
    "G": "evals/gold/retrieval-blind-g.yaml",
}
STATUTE = ("C",)
BASE = "RRF (shipped)"


def load_pool(index, pool: dict[str, str], cache: Path | None):
    """(meta, {set name: scored questions}); the scores cached in `cache` for this pool and index."""
    key = (index.fingerprint, sorted(pool.items()))
    if cache and cache.exists():
        stored_key, data = pickle.loads(cache.read_bytes())
        if stored_key == key:
            return data
    sets = {}
    meta = None
    for name, path in pool.items():
        meta, questions = score_all(index, load_gold(Path(path)))
        sets[name] = questions
    chunks = {c.chunk_id: c for c in index.all_chunks()}
    meta["chunks"] = [chunks[cid] for cid in meta["ids"]]
    data = (meta, sets)
    if cache:
        cache.write_bytes(pickle.dumps((key, data)))
    return data


def shipped(q, meta):
    dense, lexical = rankings(q)
    return rrf(q, meta, dense, lexical)


def evaluate(sets, meta, fuse) -> dict[str, dict[str, float]]:
    out = {}
    for name, questions in sets.items():
        out[name] = metrics([first_rank(shipped_order(fuse(q, meta), meta, q), meta, q) for q in questions])
    return out


def summary(rows: dict[str, dict[str, dict[str, float]]], situational: list[str]) -> str:
    """R@5 / MRR@10 per set and the mean over the situational sets, one row per variant."""
    names = list(next(iter(rows.values())))
    head = "| variant | " + " | ".join(names) + " | situational mean |"
    lines = [head, "|" + "---|" * (len(names) + 2)]
    for variant, res in rows.items():
        cells = [f"{res[n]['R@5']:.3f} / {res[n]['MRR@10']:.3f}" for n in names]
        r5 = np.mean([res[n]["R@5"] for n in situational])
        mrr = np.mean([res[n]["MRR@10"] for n in situational])
        lines.append(f"| {variant} | " + " | ".join(cells) + f" | {r5:.3f} / {mrr:.3f} |")
    return "\n".join(lines)


# ---- signals -------------------------------------------------------------------------------

def with_lexical(q, meta, lexical):
    """The shipped fusion with the lexical scores replaced."""
    return shipped(replace(q, lexical=lexical), meta)


class Study:
    """The signals, each a function (question, meta) -> fused ranking, on the cached scores."""

    def __init__(self, meta, lex):
        self.meta, self.lex, self.an = meta, lex, lex.analyzer
        self.terms = [self.an.terms(c.index_text) for c in meta["chunks"]]
        n = len(self.terms)
        df = Counter(t for ts in self.terms for t in set(ts))
        self.idf = {t: float(np.log((n - d + 0.5) / (d + 0.5) + 1)) for t, d in df.items()}
        self.defs = []
        for i, c in enumerate(meta["chunks"]):
            for d in definitions_in(c.text, c.chunk_id):
                term = tuple(dict.fromkeys(self.an.terms(d.term)))
                body = set(self.an.terms(d.body)) - set(term)
                if term and body:
                    self.defs.append((i, d.term, term, body))
        self._scores: dict[str, np.ndarray] = {}
        self._domains: DomainModel | None = None

    def term_scores(self, t: str) -> np.ndarray:
        if t not in self._scores:
            self._scores[t] = self.lex.bm25.get_scores([t])
        return self._scores[t]

    def bm25(self, terms, weights=None) -> np.ndarray:
        out = np.zeros(len(self.terms))
        for n, t in enumerate(terms):
            out += (1.0 if weights is None else weights[n]) * self.term_scores(t)
        return out

    # definitions: the question describes what a term means -> the term joins the lexical query
    def definition_terms(self, q, min_match=2, threshold=8.0, top=2, norm=False, own_only=False):
        own, extra = self.an.query_terms(q.text)
        qset = set(own) | (set() if own_only else set(extra))
        scored = []
        for i, name, term, body in self.defs:
            if not np.isfinite(q.dense[i]):
                continue  # not valid on the peildatum
            matched = (qset & body)
            if len(matched) < min_match:
                continue
            s = sum(self.idf.get(t, 0.0) for t in matched)
            if norm:
                s /= np.sqrt(sum(self.idf.get(t, 0.0) for t in body))
            if s >= threshold:
                scored.append((s, name, term))
        scored.sort(reverse=True)
        out = []
        for _, name, term in scored[:top]:
            out += [t for t in term if t not in set(own) | set(extra) and t not in out]
        return out

    def definitions(self, weight=0.5, **kw):
        def fuse(q, meta):
            extra = self.definition_terms(q, **kw)
            if not extra:
                return shipped(q, meta)
            lexical = q.lexical + weight * np.where(np.isfinite(q.dense), self.bm25(extra), 0.0)
            return with_lexical(q, meta, lexical)
        return fuse

    # the defining passage, when the fusion puts it near the top, links to the articles using its terms
    def definition_links(self, weight=0.5, top=5, own_only=True):
        by_chunk: dict[int, list] = {}
        for i, name, term, body in self.defs:
            by_chunk.setdefault(i, []).append((term, body))

        def fuse(q, meta):
            first = shipped(q, meta)
            own, extra = self.an.query_terms(q.text)
            qset = set(own) | (set() if own_only else set(extra))
            add: list[str] = []
            for cid, *_ in first[:top]:
                for term, body in by_chunk.get(meta["pos"][cid], []):
                    if qset & body:  # the question touches what this definition says
                        add += [t for t in term if t not in qset and t not in add]
            if not add:
                return first
            lexical = q.lexical + weight * np.where(np.isfinite(q.dense), self.bm25(add), 0.0)
            return with_lexical(q, meta, lexical)
        return fuse

    # article-level aggregation: the passages of one unit (article) scored together
    def aggregate(self, share=0.2, level="fused", second_only=False):
        doc_of = self.meta["doc_of"]
        ids = self.meta["ids"]

        canon: dict[str, str] = {}
        for cid in sorted(ids):
            canon.setdefault(doc_of[cid][0], cid)

        def agg(pairs, canonical=False):  # [(cid, score)] best first -> unit scores on one passage
            units: dict[str, list[float]] = {}
            best: dict[str, str] = {}
            for cid, s in pairs:
                u = doc_of[cid][0]
                units.setdefault(u, []).append(s)
                best.setdefault(u, canon[u] if canonical else cid)

            def rest(v):  # what the unit's other passages add
                if second_only:
                    return sorted(v)[-2] if len(v) > 1 else 0.0
                return sum(v) - max(v)

            out = [(best[u], max(v) + share * rest(v)) for u, v in units.items()]
            return sorted(out, key=lambda t: (-t[1], t[0]))

        def fuse(q, meta):
            dense, lexical = rankings(q)
            if level == "fused":
                fused = rrf(q, meta, dense, lexical)
                scored = agg([(cid, s) for cid, s, *_ in fused])
                return [(cid, s, None, None) for cid, s in scored]
            if not dense or not lexical:
                return rrf(q, meta, dense, lexical)
            d = agg([(ids[i], float(q.dense[i]) - float(q.dense[dense[-1]])) for i in dense], True)
            l = agg([(ids[i], float(q.lexical[i])) for i in lexical], True)
            return rrf_fuse(d, l)
        return fuse

    # the whole article as a third ranking: units by the mean of their passages' scores
    def article_mean(self, weight=0.5, which="dense", depth=DEPTH):
        doc_of, ids = self.meta["doc_of"], self.meta["ids"]
        unit_of = np.array([doc_of[c][0] for c in ids], dtype=object)
        units = sorted(set(unit_of))
        members = {u: np.flatnonzero(unit_of == u) for u in units}

        def fuse(q, meta):
            first = shipped(q, meta)
            score = {}
            for u, idx in members.items():
                if which == "dense":
                    v = q.dense[idx]
                    v = v[np.isfinite(v)]
                else:
                    v = q.lexical[idx][np.isfinite(q.dense[idx])]
                if v.size:
                    score[u] = float(v.mean())
            ranking = sorted(score, key=lambda u: -score[u])[:depth]
            rank = {u: r for r, u in enumerate(ranking, 1)}
            out = []
            seen = set()
            for cid, s, d, l in first:
                u = doc_of[cid][0]
                bonus = weight / (RRF_K + rank[u]) if u in rank and u not in seen else 0.0
                seen.add(u)
                out.append((cid, s + bonus, d, l))
            return sorted(out, key=lambda t: (-t[1], t[0]))
        return fuse

    # RM3-style feedback: terms of the top passages, weighted, as a second BM25 query
    def rm3(self, docs=5, terms=10, weight=0.3, source="lexical", mode="add"):
        def fuse(q, meta):
            dense, lexical = rankings(q)
            if source == "lexical":
                top = lexical[:docs]
                w = np.array([q.lexical[i] for i in top])
            else:
                fused = rrf(q, meta, dense, lexical)[:docs]
                top = [meta["pos"][cid] for cid, *_ in fused]
                w = np.array([s for _, s, *_ in fused])
            if not top:
                return shipped(q, meta)
            w = w / w.sum()
            own, extra = self.an.query_terms(q.text)
            seen = set(own) | set(extra)
            dist: Counter = Counter()
            for wi, i in zip(w, top):
                ts = self.terms[i]
                for t, n in Counter(ts).items():
                    if t not in seen and not t.isdigit():
                        dist[t] += wi * n / len(ts)
            chosen = dist.most_common(terms)
            if not chosen:
                return shipped(q, meta)
            total = sum(v for _, v in chosen)
            fb = self.bm25([t for t, _ in chosen], [v / total for _, v in chosen])
            fb = np.where(np.isfinite(q.dense), fb, 0.0)
            if mode == "add":
                top_own = q.lexical.max() or 1.0
                lexical2 = q.lexical + weight * fb * (top_own / (fb.max() or 1.0))
                return with_lexical(q, meta, lexical2)
            fbr = [(meta["ids"][i], float(fb[i])) for i in np.argsort(-fb, kind="stable")[:DEPTH] if fb[i] > 0]
            base = {cid: s for cid, s, *_ in shipped(q, meta)}
            for r, (cid, _) in enumerate(fbr, 1):
                base[cid] = base.get(cid, 0.0) + weight / (RRF_K + r)
            return [(cid, s, None, None) for cid, s in sorted(base.items(), key=lambda t: (-t[1], t[0]))]
        return fuse

    # domain prior: the question's domain (its words, optionally the fused top k) favours its passages
    @property
    def domains(self) -> DomainModel:
        """Built as the answering pipeline builds it (Catalogue: content_terms of index_text)."""
        if self._domains is None:
            self._domains = DomainModel(self.meta["chunks"], lambda c: content_terms(c.index_text))
        return self._domains

    def question_domain(self, q, first, margin=1.0, votes=0) -> str | None:
        """The domain one is clearly ahead in (domain_signal's rule: best > 0.5 and ahead of the
        second by `margin`; margin 1.0 is its own `confident`), else None. votes: how many of the
        shipped top (one place per document, as shown) vote with their domain, 1/(1 + rank)."""
        meta = self.meta
        hits = []
        if votes:
            order = shipped_order(first, meta, q, k=votes)
            hits = [(meta["chunks"][i], r) for r, i in enumerate(order, 1)]
        sig = domain_signal(self.domains, content_terms(q.text), hits)
        ranked = sorted(sig.scores.values(), reverse=True)
        if ranked[0] > 0.5 and ranked[0] - ranked[1] >= margin:
            return sig.domain
        return None

    def domain_prior(self, method="rrf", weight=0.5, margin=1.0, votes=0):
        """The shipped fusion, re-ranked by favour_domain when the question's domain is clear."""
        chunks = self.meta["chunks"]

        def fuse(q, meta):
            first = shipped(q, meta)
            dom = self.question_domain(q, first, margin, votes)
            if dom is None:
                return first
            return favour_domain(first, lambda cid: chunks[meta["pos"][cid]].domain, dom, method, weight)
        return fuse

    def domain_report(self, sets, settings) -> str:
        """The premise and the signal's precision: where the shipped top 1 is not relevant, is it
        of the relevant passage's domain or another's? And how often each setting is confident,
        and how often its domain is that of a relevant file."""
        chunks, meta = self.meta["chunks"], self.meta
        domain_of = {c.source: c.domain for c in chunks}
        kinds = ("right", "same domain", "other domain", "algemeen", "relevant is algemeen")
        lines = ["| shipped top 1 | " + " | ".join(sets) + " |", "|" + "---|" * (len(sets) + 1)]
        tally = {name: Counter() for name in sets}
        for name, questions in sets.items():
            for q in questions:
                order = shipped_order(shipped(q, meta), meta, q)
                rel = {domain_of.get(s) for s in q.relevant}
                top = chunks[order[0]].domain if order else None
                if first_rank(order, meta, q) == 1:
                    tally[name]["right"] += 1
                elif top in rel:
                    tally[name]["same domain"] += 1
                elif top == "algemeen":
                    tally[name]["algemeen"] += 1
                elif rel <= {"algemeen"}:
                    tally[name]["relevant is algemeen"] += 1
                else:
                    tally[name]["other domain"] += 1
        for kind in kinds:
            lines.append(f"| {kind} | " + " | ".join(str(tally[n][kind]) for n in sets) + " |")
        lines += ["", "| setting | " + " | ".join(sets) + " |", "|" + "---|" * (len(sets) + 1)]
        for margin, votes in settings:
            cells = []
            for questions in sets.values():
                conf = right = 0
                for q in questions:
                    dom = self.question_domain(q, shipped(q, meta), margin, votes)
                    if dom is not None:
                        conf += 1
                        right += dom in {domain_of.get(s) for s in q.relevant}
                cells.append(f"{conf}/{len(questions)} confident, {right} right")
            lines.append(f"| margin {margin}, votes {votes} | " + " | ".join(cells) + " |")
        return "\n".join(lines)


def favour_domain(fused, domain_of, domain: str, method: str = "rrf", weight: float = 0.5):
    """The fused candidates re-ranked towards `domain` (domain_of: chunk id -> its domain).
    "rrf": a third RRF ranking, in-domain first, then "algemeen", then the rest (each tier in
    fused order), added with `weight`; "demote": the score of a candidate of another domain
    times `weight`. A candidate of "algemeen" (the Awb) is never demoted."""
    def tier(cid):
        d = domain_of(cid)
        return 0 if d == domain else 1 if d == "algemeen" else 2

    if method == "demote":
        out = [(cid, s * (weight if tier(cid) == 2 else 1.0), d, l) for cid, s, d, l in fused]
    else:
        order = sorted(range(len(fused)), key=lambda n: (tier(fused[n][0]), n))
        bonus = {fused[n][0]: weight / (RRF_K + r) for r, n in enumerate(order, 1)}
        out = [(cid, s + bonus[cid], d, l) for cid, s, d, l in fused]
    return sorted(out, key=lambda t: (-t[1], t[0]))


def main(argv: list[str] | None = None) -> None:
    from assistant.app import App
    from assistant.config import Settings

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--grid", choices=sorted(GRIDS), default="none")
    parser.add_argument("--gold", action="append", default=[], metavar="NAME=PATH",
                        help="a gold set (repeat); default: the development pool")
    parser.add_argument("--statute", action="append", default=None, metavar="NAME",
                        help="a set in the statute's vocabulary, left out of the situational mean (repeat)")
    parser.add_argument("--cache", type=Path, default=None, help="keep the scored questions in this file")
    args = parser.parse_args(argv)
    pool = dict(g.split("=", 1) for g in args.gold) if args.gold else POOL
    statute = args.statute if args.statute is not None else [n for n in STATUTE if n in pool]
    situational = [n for n in pool if n not in statute]
    index = App.from_settings(Settings()).index
    meta, sets = load_pool(index, pool, args.cache)
    study = Study(meta, index.refresh_lexical())
    rows = {BASE: evaluate(sets, meta, shipped)}
    for name, fuse in GRIDS[args.grid](study):
        rows[name] = evaluate(sets, meta, fuse)
    print(summary(rows, situational))
    if len(rows) > 1 and len(situational) > 1:
        print()
        print(leave_one_set_out(rows, situational))
    if args.grid == "domain":
        print()
        print(study.domain_report(sets, DOMAIN_SETTINGS))


def leave_one_set_out(rows, situational: list[str]) -> str:
    """An honest estimate of 'parameters chosen on the pool': per situational set, the variant
    that scores best on the other situational sets (mean of R@5 and MRR@10), scored on this one,
    against the shipped fusion."""
    base = rows[BASE]
    variants = {k: v for k, v in rows.items() if k != BASE}
    lines = ["| left out | chosen on the others | R@5 shipped -> chosen | MRR@10 shipped -> chosen |",
             "|---|---|---|---|"]
    gains = []
    for held in situational:
        others = [n for n in situational if n != held]

        def fit(res):
            return np.mean([res[n]["R@5"] + res[n]["MRR@10"] for n in others])

        name = max(variants, key=lambda k: fit(variants[k]))
        r = variants[name][held]
        gains.append((r["R@5"] - base[held]["R@5"], r["MRR@10"] - base[held]["MRR@10"]))
        lines.append(f"| {held} | {name} | {base[held]['R@5']:.3f} -> {r['R@5']:.3f} | "
                     f"{base[held]['MRR@10']:.3f} -> {r['MRR@10']:.3f} |")
    lines.append(f"| mean change | | {np.mean([g[0] for g in gains]):+.3f} | {np.mean([g[1] for g in gains]):+.3f} |")
    return "\n".join(lines)


def _definitions_grid(study):
    for w, thr, mm, top, norm in itertools.product((0.3, 0.5, 1.0), (6.0, 9.0, 12.0), (2, 3), (1, 2), (False,)):
        yield f"definitions w={w} thr={thr} min={mm} top={top}", study.definitions(w, min_match=mm, threshold=thr,
                                                                                    top=top, norm=norm)
    for w, top in itertools.product((0.3, 0.5, 1.0), (3, 5, 10)):
        yield f"definition links from the fused top {top}, w={w}", study.definition_links(w, top)
    # stricter matching: the question's own words only, score relative to the definition's length
    for w, thr, mm in itertools.product((0.5, 1.0), (0.6, 0.9, 1.2), (2, 3)):
        yield (f"definitions own words, normalised w={w} thr={thr} min={mm}",
               study.definitions(w, min_match=mm, threshold=thr, top=1, norm=True, own_only=True))


def _aggregate_grid(study):
    for level in ("fused", "ranker"):
        for share in ((0.002, 0.005, 0.01, 0.02, 0.05) if level == "fused" else (0.0, 0.05, 0.1, 0.2, 0.5)):
            yield f"aggregate {level} share={share}", study.aggregate(share, level)
    for which, w in itertools.product(("dense", "lexical"), (0.25, 0.5, 1.0)):
        yield f"article mean ({which}) as a third ranking, w={w}", study.article_mean(w, which)
    for share in (0.05, 0.1, 0.2, 0.3, 0.5):
        yield f"aggregate fused, best + share x second best, share={share}", study.aggregate(share, "fused", True)


def _rm3_grid(study):
    for source, mode in (("lexical", "add"), ("fused", "add"), ("fused", "rrf"), ("lexical", "rrf")):
        for docs, terms, weight in itertools.product((3, 5, 10), (10, 20), (0.2, 0.5) if mode == "add" else (0.5, 1.0)):
            yield f"rm3 {source}/{mode} docs={docs} terms={terms} w={weight}", study.rm3(docs, terms, weight, source, mode)


# (margin by which the question's domain must lead, how many of the shipped top k vote)
DOMAIN_SETTINGS = ((1.0, 0), (2.0, 0), (1.0, 5), (2.0, 5))


def _domain_grid(study):
    for (margin, votes), (method, weight) in itertools.product(
            DOMAIN_SETTINGS, (("rrf", 0.5), ("rrf", 1.0), ("demote", 0.8))):
        yield (f"domain {method} w={weight} margin={margin} votes={votes}",
               study.domain_prior(method, weight, margin, votes))


GRIDS = {"none": lambda s: [], "definitions": _definitions_grid, "aggregate": _aggregate_grid, "rm3": _rm3_grid,
         "domain": _domain_grid}


if __name__ == "__main__":
    main()
