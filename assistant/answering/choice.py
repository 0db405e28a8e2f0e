"""Which rule a question turns on: per retrieved rule document its best-matching article, the
question's domain, the earlier besluiten that vote for the rule they were taken under, and the
amounts and terms the question quotes as a rule's, which point to the article that sets them."""

from __future__ import annotations

import datetime as dt
import re

from assistant.corpus.documents import Chunk
from assistant.answering.model import HARDSHIP, LAW_TYPES, META_HEADING, RULE_TYPES
from assistant.answering.scope import Catalogue
from assistant.retrieval.index import Hit
from assistant.rules.facts import unit_of

_DEFINITIONS = re.compile(r"\bwordt\s+(?:in\s+\w+\s+)?verstaan\s+onder\s*:", re.I)


class RuleChooser:
    """The choice of the rule, as static steps the pipeline (Assistant) inherits."""

    @staticmethod
    def _sets(art, amounts: set[float], periods: set[tuple[float, str]] = frozenset()) -> bool:
        """Does the article set an amount or a term the question quotes as a limit?"""
        return any((v.kind == "bedrag" and v.number in amounts)
                   or (v.kind == "termijn" and (v.number, unit_of(v.unit)) in periods)
                   for p in art.provisions for v in p.values if v.number is not None)

    @staticmethod
    def _setting(limits: set[float], hits: list, cat: Catalogue, day: dt.date,
                 periods: set[tuple[float, str]] = frozenset()) -> list:
        """The own rules that set an amount the question quotes as a limit (in any version: "de
        grens is € 8.000" for a case of 2025), where search did not rank them: an exact amount
        points to its article better than the words around it. As hits after the others, with
        their passage valid on the peildatum."""
        if not (limits or periods):
            return []
        rules = cat.rules
        have = {a.key for h in hits if (a := rules.article_of(h.chunk)) is not None}
        out = []
        for art in rules.articles.values():
            if art.key in have or art.layer not in RULE_TYPES or rules.is_foreign(art.regulation) or art.is_meta():
                continue
            if not RuleChooser._sets(art, limits, periods):
                continue
            valid = art.valid_chunks(day)
            if valid:
                out.append(Hit(rank=len(hits) + len(out) + 1, score=0.0, chunk=valid[0]))
        return out

    @staticmethod
    def _choose(hits, weigh, cat: Catalogue, day: dt.date, signal, hint: str | None = None,
                close: float = 0.8, amounts: set[float] = frozenset(), votes: dict | None = None,
                periods: set[tuple[float, str]] = frozenset()):
        """The provision the question turns on. Per retrieved rule document, its article that best
        matches the question (a hit on a toelichting or the begripsbepalingen points to the
        document, not to the article). Another gemeente's rules and the Awb's general norms (the
        basis for deviating, not the rule) are never chosen; when the domain is clear, a rule
        outside it is chosen only if search found none inside it. Among articles that match about
        as well as the best, the most specific layer wins: the chain shows the law above it anyway."""
        rules = cat.rules
        # weight, rank, chunk, off-domain, sets a limit the question quotes
        per_doc: dict[str, tuple[float, int, Chunk, bool, bool]] = {}
        for h in hits:
            if h.chunk.doc_id in per_doc or rules.is_foreign(h.chunk):
                continue
            best = None
            # A document's domain is its regeling's, the same for all its passages.
            off = signal.confident and h.chunk.domain not in (signal.domain, "algemeen")
            for c in cat.doc(h.chunk.doc_id, day) or [h.chunk]:
                if not c.article or META_HEADING.search(c.heading or "") or HARDSHIP.search(c.text[:200]):
                    continue
                if _DEFINITIONS.search(c.text[:400]):
                    continue  # begripsbepalingen (a law's articles carry no heading that says so)
                if c.source_type in LAW_TYPES and c.domain == "algemeen":
                    continue
                w = weigh(c)
                # Search rank breaks near-ties in lexical weight.
                w *= 1.0 + 0.3 / (1 + h.rank)
                art = rules.article_of(c) if (votes or amounts or periods) else None
                # Earlier besluiten like this question vote for the rule they were taken under
                # (their front matter's "regel", weighed by their rank): a jurist's own reading
                # of which rule a situation falls under. Measured: evals/RESULTS-answers.md.
                if votes and art is not None and art.key in votes:
                    w *= 1.0 + 0.6 * votes[art.key]
                # The article that sets an amount the question quotes as a limit (in any version:
                # "de grens is € 8.000" for a case of 2025, when it was € 7.770) is what the question
                # is about. Measured on the development pool: evals/RESULTS-answers.md.
                quoted = bool((amounts or periods) and art is not None and RuleChooser._sets(art, amounts, periods))
                if quoted:
                    w *= 1.5
                if best is None or w > best[0]:
                    best = (w, h.rank, c, quoted)
            if best is not None:
                per_doc[h.chunk.doc_id] = best[:3] + (off, best[3])
        # A clear domain keeps the question in it: a rule of another domain is chosen only when
        # search found none in the question's own.
        if any(not v[3] for v in per_doc.values()):
            per_doc = {k: v for k, v in per_doc.items() if not v[3]}
        if not per_doc:
            return None
        # The rule that sets the limit the question quotes is what it is about, however few of its
        # words the question uses ("de grens is € 8.000" without the word vermogen).
        if any(v[4] for v in per_doc.values()):
            per_doc = {k: v for k, v in per_doc.items() if v[4]}
        top = max(v[0] for v in per_doc.values())
        close_enough = [v for v in per_doc.values() if v[0] >= close * top]
        # The article that sets the limit the question quotes is what it is about: a more specific
        # layer that merely shares its words does not take its place.
        close_enough = [v for v in close_enough if v[4]] or close_enough
        specificity = {"beleidsregel": 0, "verordening": 1}
        if hint:  # the professional named the layer ("de verordening stelt ...")
            specificity[hint] = -1
        chosen = min(close_enough, key=lambda v: (specificity.get(v[2].source_type, 2), -v[0]))[2]
        return rules.article_of(chosen)
