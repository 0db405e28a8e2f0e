"""The domain of a question (Participatiewet, Wmo, Jeugdwet, schuldhulp): from the words each
domain's regulations and besluiten use in the corpus, together with the domains of the rules
search found. Nothing is listed by hand."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Callable, Sequence

from assistant.answering.generation import GENERIC_TERMS
from assistant.corpus.documents import Chunk
from assistant.rules.model import RULE_TYPES

DOMAINS = ("participatiewet", "wmo", "jeugd", "schuldhulp")


class DomainModel:
    """P(domain | word) from the corpus itself: the words each domain's regulations and
    besluiten use. A question's domain is the one its words point to, together with the domains
    of the rules search found. Nothing is listed by hand."""

    def __init__(self, chunks: Sequence[Chunk], terms_of: Callable[[Chunk], set[str]]):
        self.counts: dict[str, Counter[str]] = defaultdict(Counter)
        self.totals: Counter[str] = Counter()
        for c in chunks:
            if c.domain not in DOMAINS or c.source_type not in RULE_TYPES + ("besluit", "uitspraak"):
                continue
            for t in terms_of(c):
                self.counts[t][c.domain] += 1
            self.totals[c.domain] += 1

    def scores(self, terms: set[str]) -> dict[str, float]:
        """One vote per word that (nearly) only one domain uses, and uses more than once:
        'bijstand', 'kostendelersnorm', 'jeugdhulp'. Words every domain shares ('moeder',
        'woont') and words too rare to say anything do not vote."""
        out = {d: 0.0 for d in DOMAINS}
        for t in terms:
            row = self.counts.get(t)
            if not row or sum(row.values()) < 3:
                continue
            # Counts damped by the square root of each domain's size, so that the domain with
            # the most passages (the Participatiewet) does not win every shared word by its
            # size alone, nor a small one (the Wgs) every word it happens to use. On the
            # practice set: raw counts 60/77 right (confident 53/60), rates 65/77 (53/60),
            # square root 63/77 (56/59).
            rates = {d: n / self.totals[d] ** 0.5 for d, n in row.items() if self.totals[d]}
            d, top = max(rates.items(), key=lambda kv: kv[1])
            share = top / sum(rates.values())
            if share >= 0.8 and row[d] >= 2:
                out[d] += share
        return out


@dataclass
class DomainSignal:
    domain: str | None
    scores: dict[str, float]
    confident: bool


def domain_signal(dm: DomainModel, terms: set[str], hits: Sequence[tuple[Chunk, int]]) -> DomainSignal:
    """Words of the question plus the domains of the top rule hits (by rank)."""
    scores = dm.scores(terms - GENERIC_TERMS)
    for chunk, rank in hits:
        if chunk.domain in scores and chunk.source_type in RULE_TYPES + ("besluit",):
            scores[chunk.domain] += 1.0 / (1 + rank)
    ranked = sorted(scores.items(), key=lambda kv: -kv[1])
    best, second = ranked[0], ranked[1]
    confident = best[1] > 0.5 and best[1] - second[1] >= 1.0
    return DomainSignal(best[0] if best[1] > 0 else None, scores, confident)
