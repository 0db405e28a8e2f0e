"""Fusing the dense and lexical rankings (reciprocal rank fusion), besluiten kept from crowding
out the rules, and one hit per document."""

from __future__ import annotations

import re



FAR_FUTURE = 99991231
MODES = ("hybrid", "lexical", "dense")
# Expansion terms from the lexicon are evidence, but weaker than the words the user typed.
EXPANSION_WEIGHT = 0.5
RRF_K = 60
DENSE_EXPANSIONS = 8
# Dense candidates fetched unfiltered per candidate needed (see Index._dense).
OVERFETCH = 2
LEXICAL_FORMAT = 4
# Chroma refuses statements with too many SQL variables: large updates and deletes go in batches.
WRITE_BATCH = 5000
# Hubness correction: passages close to the centroid of the collection ("hubs": long generic
# articles) surface for every query with an e5 model. Their dense score is lowered by this
# factor times their similarity to the centroid (measured: hybrid MRR@10 0.655 -> 0.676).
HUB_PENALTY = 0.3
# At most this share of a mixed top k may be earlier besluiten (see Index.search).
BESLUIT_SHARE = 0.4
# A besluit's fused score is multiplied by this unless the question asks for earlier decisions
# (measured on the sample corpus demo set: rule questions MRR@10 0.53 -> 0.80, R@5 0.89 -> 0.95).
BESLUIT_WEIGHT = 0.8
PRECEDENT_INTENT = re.compile(r"besluit|precedent|eerder|weleens|vergelijkba|hebben we|uitspra|jurisprudentie", re.I)
# Below this many passages a centroid says more about the few documents than about hubs.
HUB_MIN_CHUNKS = 200


Fused = list[tuple[str, float, int | None, int | None]]  # (chunk id, score, dense rank, lexical rank)


def rrf_fuse(dense: list[tuple[str, float]], lexical: list[tuple[str, float]], mode: str = "hybrid",
             dense_weight: float = 1.0, lexical_weight: float = 1.0) -> Fused:
    """Reciprocal rank fusion of the two rankings (or one of them, by mode), best first."""
    d_rank = {cid: r for r, (cid, _) in enumerate(dense, start=1)}
    l_rank = {cid: r for r, (cid, _) in enumerate(lexical, start=1)}
    if mode == "dense":
        return [(cid, s, d_rank[cid], None) for cid, s in dense]
    if mode == "lexical":
        return [(cid, s, None, l_rank[cid]) for cid, s in lexical]
    scores: dict[str, float] = {}
    for cid, r in d_rank.items():
        scores[cid] = scores.get(cid, 0.0) + dense_weight / (RRF_K + r)
    for cid, r in l_rank.items():
        scores[cid] = scores.get(cid, 0.0) + lexical_weight / (RRF_K + r)
    ordered = sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))
    return [(cid, s, d_rank.get(cid), l_rank.get(cid)) for cid, s in ordered]


def demote_besluiten(fused: Fused, doc_of: dict[str, tuple[str, str]], weight: float = BESLUIT_WEIGHT) -> Fused:
    """Unless the question asks for earlier decisions, a rule outranks the besluiten that
    apply it: they repeat its words and would otherwise come first."""
    out = [(cid, score * (weight if doc_of.get(cid, ("", ""))[1] == "besluit" else 1.0), d, l)
           for cid, score, d, l in fused]
    return sorted(out, key=lambda t: (-t[1], t[0]))


def collapse(fused: Fused, doc_of: dict[str, tuple[str, str]], k: int, per_doc: int | None = 1,
             max_besluiten: int | None = None) -> Fused:
    """The first k of fused, one place per unit (doc_of: chunk id -> (unit_key, source_type))
    and per_doc places per document, at most max_besluiten of them besluiten."""
    chosen: Fused = []
    taken: dict[str, int] = {}
    per_file: dict[str, int] = {}
    besluiten = 0
    for item in fused:
        unit, stype = doc_of.get(item[0], (item[0], ""))
        document = unit.split("#", 1)[0]
        # A document gets per_doc places, each for a different article or section: a second
        # lid of the same article adds less than the next article does.
        if per_doc and (taken.get(unit, 0) >= 1 or per_file.get(document, 0) >= per_doc):
            continue
        if stype == "besluit":
            if max_besluiten is not None and besluiten >= max_besluiten:
                continue
            besluiten += 1
        taken[unit] = taken.get(unit, 0) + 1
        per_file[document] = per_file.get(document, 0) + 1
        chosen.append(item)
        if len(chosen) == k:
            break
    return chosen
