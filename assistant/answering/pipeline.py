"""Grounded answers: Assistant.ask() retrieves passages valid on the peildatum, decides whether
they answer the question at all, determines the afwijkingsruimte for the rule in question,
finds earlier besluiten, drafts a motivering, lets a backend compose the text and then checks
every [n] marker and every quote against the retrieved passages.

Everything here is deterministic except the optional LLM text; the LLM never decides the
afwijkingsruimte, the precedents or the motivering skeleton.
"""

from __future__ import annotations

import datetime as dt
import re
import time
from dataclasses import asdict
from collections.abc import Generator
from typing import Any

from assistant.corpus.documents import SOURCE_TYPES, Chunk
from assistant.rules.brief import Sentence, brief
from assistant.rules.facts import read_facts, unit_of
from assistant.rules.domains import domain_signal
from assistant.rules.reasoning import Chain, chain_of, decide_room
from assistant.answering.generation import (
    GENERIC_TERMS,
    instruction_like,
    GenerationError,
    GenerationRequest,
    Generator as AnswerBackend,
    GroundedGenerator,
    Passage,
    Prompt,
)
from assistant.retrieval.analysis import content_terms
from assistant.answering.model import Answer, AnswerError, Prepared, Retrieved, RuleChoice, Scope, BASIS_LABEL, COMPARISON_LAYER, OUTSIDE_LAYER, LAW_TYPES, LAYER_OF, MARKER_RE, MAX_QUESTION_CHARS, RULE_TYPES, Step, layer_hint, layer_index
from assistant.answering.scope import Catalogue, RelevancePolicy, question_aliases
from assistant.answering.verify import PassageNumbers, Verifier, check_references
from assistant.answering.choice import RuleChooser
from assistant.answering.drafting import Drafting

# ---- the assistant ----------------------------------------------------------------------------


class Assistant(Drafting, RuleChooser):
    """retrieve -> decide relevance -> afwijkingsruimte, precedents, motivering -> compose ->
    verify. Collaborators are constructor arguments; the app (assistant.app.App) builds it."""

    def __init__(self, index, generator: AnswerBackend | None = None, pseudonymiser=None,
                 prompt: Prompt | None = None, k: int = 8, k_besluiten: int = 6, max_body: int = 6,
                 relevance: RelevancePolicy | None = None, lexicon=None, gemeente: str | None = "Lindewaarde",
                 corrections=None):
        self.index = index
        # The own gemeente: its rules are "de regel"; another gemeente's only a comparison.
        self.gemeente = gemeente
        # Callable returning a jurist's corrections of the rule model (the corpus registry).
        self.corrections = corrections
        self.generator = generator or GroundedGenerator()
        self.grounded = GroundedGenerator()
        # Privacy by default: nothing personal reaches retrieval, the trace or an LLM unless a
        # caller deliberately passes pseudonymiser=False (only tests of the raw path do).
        if pseudonymiser is None:
            from assistant.privacy import Pseudonymiser

            pseudonymiser = Pseudonymiser()
        self.pseudonymiser = pseudonymiser or None
        self.prompt = prompt if prompt is not None else (Prompt.load("antwoord") if self.generator.uses_llm else None)
        self.k, self.k_besluiten, self.max_body = k, k_besluiten, max_body
        self.relevance = relevance or RelevancePolicy()
        self.lexicon = lexicon if lexicon is not None else getattr(index, "lexicon", None)
        self._catalogue: Catalogue | None = None
        self._catalogue_stamp: str | None = None

    # ---- state ---------------------------------------------------------------------------

    def catalogue(self) -> Catalogue:
        stamp = self.index.fingerprint
        if self._catalogue is None or stamp != self._catalogue_stamp:
            corrections = self.corrections() if self.corrections else ()
            self._catalogue = Catalogue(self.index.all_chunks(), self.gemeente, corrections)
            self._catalogue_stamp = stamp
        return self._catalogue

    def warm_up(self) -> None:
        """Load what the first question would otherwise pay for (catalogue, lexical index)."""
        self.catalogue()
        self.index.refresh_lexical()

    # ---- the one public operation ----------------------------------------------------------

    def ask(self, question: str, peildatum: dt.date | str | None = None,
            casus: dict[str, Any] | None = None) -> Answer:
        steps = self.compose(question, peildatum, casus)
        while True:
            try:
                next(steps)
            except StopIteration as done:
                return done.value

    def compose(self, question: str, peildatum: dt.date | str | None = None,
                casus: dict[str, Any] | None = None) -> Generator[Step, None, Answer]:
        """ask() part by part: yields a Step as each part of the answer is ready and returns
        the same Answer that ask() returns (an AnswerError is raised at the first step).

        The pipeline, each step a method with a typed result that can be tested alone:
        prepare -> retrieve -> scope -> choose_rule (rule, chain, room) -> the parts
        (kort antwoord, afwijkingsruimte, precedents) -> compose the text -> verify."""
        started = time.perf_counter()
        prep = self.prepare(question, peildatum, casus)
        answer = self._new_answer(prep)
        cat = self.catalogue()
        refusal = self._unanswerable(prep, cat)
        if refusal is not None:
            answer.answer, warning = refusal
            answer.warnings.append(warning)
            return self._finish(answer, started)
        found = self.retrieve(prep, cat)
        scope = self.scope(found, cat, prep.day)
        relevant_hits = {id(h) for h in scope.relevant}
        answer.hits = [self._hit_dict(h, id(h) in relevant_hits, w) for h, _, w in found.scored]
        answer.trace["coverage"] = round(scope.coverage, 3)
        if not scope.in_scope:
            answer.answer = (
                "Dit staat niet in de bronnen: in de regels, richtsnoeren en besluiten die op "
                f"{prep.day.isoformat()} golden, vind ik niets over deze vraag. Ik kan haar daarom niet onderbouwd "
                "beantwoorden. Leg haar voor aan een beleidsmedewerker of jurist, of beschrijf de situatie "
                "met de regeling of voorziening waar het om gaat.")
            answer.warnings.append("Geen passages over dit onderwerp gevonden: er is geen onderbouwd antwoord.")
            answer.trace["scope"] = "buiten de bronnen"
            for h in answer.hits:
                h["relevant"] = False
            return self._finish(answer, started)
        relevant = scope.relevant
        q, casus, casus_text, day, mapping = prep.q, prep.casus, prep.casus_text, prep.day, prep.mapping
        terms, besluit_hits, weigh = found.terms, found.besluit_hits, found.weigh

        yield Step("bronnen", {"hits": [dict(h) for h in answer.hits if h["relevant"]]})

        # ---- the rule, its chain and the room along it -------------------------------------------
        registry = PassageNumbers()
        rules = cat.rules
        choice = self.choose_rule(prep, found, scope, cat)
        answer.trace["domein"] = choice.domain
        chain, facts, room, rule = choice.chain, choice.facts, choice.room, choice.rule
        ruimte, ruimte_chunks = self._afwijkingsruimte(rule, chain, room, cat, day, weigh, answer.warnings)
        kb = (brief(chain, room, q, terms, facts, day, cat.idf, casus_circumstances=bool(casus.get("omstandigheden")),
                    regeling=rules.siblings(chain.focus))
              if chain is not None and room is not None else None)
        if kb is not None and ruimte is not None and kb.verdict == "binnen de regel" and ruimte.knelpunt:
            # The question's own numbers stay within the rule: nothing pinches, whatever room the
            # chain would give to deviate.
            ruimte.knelpunt = False
            ruimte.toelichting += (f" Met de bedragen uit de vraag past de situatie binnen de regel ({kb.arithmetic}); "
                                   "afwijken en een knelpuntmelding zijn dan niet nodig.")
        if chain is not None:
            answer.trace["regel"] = chain.focus.citation
            answer.trace["keten"] = [a.citation for a in chain.members()]
        foreign = [h.chunk for h in relevant if h.chunk.source_type != "besluit" and rules.is_foreign(h.chunk)]
        body = [h.chunk for h in relevant
                if h.chunk.source_type != "besluit" and not rules.is_foreign(h.chunk)][:self.max_body]
        chain_chunks = [self._best_chunk(a, weigh, day) for a in chain.members()] if chain is not None else []
        brief_chunks = [c for s_ in kb.sentences for c in s_.chunks] if kb is not None else []
        for c in [rule, *chain_chunks, *brief_chunks]:
            if c is not None and c.chunk_id not in {b.chunk_id for b in body}:
                body.insert(0, c)
        # What the answer rests on (the chain, the room, the kort antwoord) comes first; other
        # passages search found are shown apart, as found but not used.
        outside = self._outside_chain(body, chain, rules, {c.chunk_id for c in [rule, *chain_chunks, *brief_chunks,
                                                                                  *ruimte_chunks] if c is not None})
        order = lambda c: (c.chunk_id in outside, layer_index(c.source_type))  # noqa: E731
        for c in ruimte_chunks:
            registry.add(c)
        for c in sorted(body, key=order):
            registry.add(c)
        for c in foreign[:2]:
            registry.add(c)
        precedents, consistency = self._precedents(rule, chain, besluit_hits, relevant, cat, day, casus, registry,
                                                    answer.warnings)
        situation = content_terms(q + " " + casus_text)
        ages = [n for _, n in facts.ages]  # the facts the rule choice read from the same question and casus
        for p_ in precedents:
            p_.compare(situation, ages, [d.months for d in facts.durations], facts.negated)
        answer.precedents, answer.consistency = precedents, consistency

        preface = []
        if kb is not None:
            answer.oordeel = kb.verdict
            answer.kort_antwoord = " ".join(self._resolve(s_, registry) for s_ in kb.sentences)
            answer.nog_nodig = [oq.text + (f" [{registry.add(oq.chunk)}]" if oq.chunk is not None else "")
                                for oq in kb.open_questions]
            preface.append(f"Kort antwoord: {answer.kort_antwoord}")
            if answer.nog_nodig:
                preface.append("Nog nodig om te beoordelen:\n" + "\n".join(f"- {x}" for x in answer.nog_nodig))
            yield self._step("kort_antwoord", registry, kort_antwoord=answer.kort_antwoord, oordeel=answer.oordeel)
            if answer.nog_nodig:
                yield self._step("nog_nodig", registry, nog_nodig=answer.nog_nodig)
        if ruimte is not None:
            for i, c in enumerate(ruimte_chunks):
                ruimte.toelichting = ruimte.toelichting.replace("{n%d}" % i, str(registry.n(c)))
            ruimte.markers = [registry.n(c) for c in ruimte_chunks]
            preface.append(f"Afwijkingsruimte ({BASIS_LABEL[ruimte.basis]}): {ruimte.toelichting}")
            answer.afwijkingsruimte = ruimte
            if chain is not None and len(chain.members()) > 1:
                links = [f"{a.citation} [{registry.n(c)}]" for a, c in zip(chain.members(), chain_chunks) if c is not None]
                preface.append("Keten van de regel: " + " → ".join(links) + ".")
            yield self._step("afwijkingsruimte", registry, afwijkingsruimte=asdict(ruimte))
            if chain is not None and len(chain.members()) > 1:
                yield self._step("keten", registry, keten=preface[-1])
        else:
            nearest = []
            for h in relevant:
                if h.chunk.source_type in RULE_TYPES and not rules.is_foreign(h.chunk) and registry.has(h.chunk):
                    nearest.append(f"{h.chunk.citation} [{registry.n(h.chunk)}]")
                    art = rules.article_of(h.chunk)
                    answer.suggestions.append(art.citation if art is not None else h.chunk.citation)
            answer.suggestions = list(dict.fromkeys(answer.suggestions))[:3]
            answer.trace["scope"] = "geen regel gekoppeld"
            preface.append("Ik kan uw vraag niet aan één regel koppelen. De regels die er het dichtst bij liggen: "
                           + ("; ".join(dict.fromkeys(nearest[:3])) if nearest else "zie de passages hieronder")
                           + ". Kies de regel die bij de situatie past, of beschrijf de situatie vollediger.")
        if foreign:
            preface.append("Ter vergelijking (regel van een andere gemeente, niet de regel voor "
                           f"{self.gemeente}): " + "; ".join(f"{c.citation} [{registry.n(c)}]" for c in foreign[:2]) + ".")
        if consistency:
            preface.append(f"Eerdere besluiten: {consistency}")
        if precedents or consistency:
            yield Step("precedenten", {"precedents": [asdict(p_) for p_ in precedents], "consistency": consistency})

        focus_sentences = kb.focus_sentences if kb is not None else {}
        passages = [Passage(registry.n(c), c, OUTSIDE_LAYER if c.chunk_id in outside
                            else LAYER_OF.get(c.source_type, ("overig", "Overige bronnen"))[1],
                            focus=focus_sentences.get(c.chunk_id, []))
                    for c in sorted(body, key=lambda c: (*order(c), registry.n(c)))]
        passages += [Passage(registry.n(c), c, COMPARISON_LAYER) for c in foreign[:2]]
        passages += [Passage(p.n, registry.chunk(p.n), "Eerdere maatwerk-besluiten") for p in precedents]
        request = GenerationRequest(question=q, peildatum=day.isoformat(), passages=passages, preface=preface,
                                    casus=casus_text, prompt=self.prompt)
        text = yield from self._compose(request, answer)
        text = text + "\n\nDe professional beslist; dit antwoord is een hulpmiddel, geen besluit."
        shown = self._step("onderbouwing", registry, answer=text)
        if mapping is not None and len(mapping):
            shown.fields["answer"] = mapping.reidentify(shown.fields["answer"])
        yield shown

        answer.motivering = self._motivering(rule, ruimte, ruimte_chunks, precedents, cat, day, casus, registry, kb,
                                             chain=chain)
        yield self._step("motivering", registry, motivering=[{"kop": k, "tekst": t} for k, t in answer.motivering])

        # ---- verification over everything that carries markers ---------------------------------
        verifier = Verifier(registry)
        answer.answer = verifier.check(text)
        answer.kort_antwoord = verifier.check(answer.kort_antwoord) if answer.kort_antwoord else ""
        answer.nog_nodig = [verifier.check(x) for x in answer.nog_nodig]
        answer.motivering = [(k, verifier.check(t)) for k, t in answer.motivering]
        if ruimte is not None:
            ruimte.toelichting = verifier.check(ruimte.toelichting)
        answer.warnings.extend(verifier.warnings)
        if mapping is not None and len(mapping):
            answer.answer = mapping.reidentify(answer.answer)
        used = set(verifier.used) | set(ruimte.markers if ruimte else []) | {p.n for p in precedents}
        answer.citations = [registry.citation(n, verifier.quotes.get(n)) for n in sorted(used)]
        answer.grounded = bool(answer.citations)
        cited_ids = {c.chunk_id for c in answer.citations}
        for h in answer.hits:
            h["cited"] = h["chunk_id"] in cited_ids
        answer.trace["passages"] = len(registry.chunks)
        return self._finish(answer, started)

    # ---- the named steps ------------------------------------------------------------------

    def prepare(self, question: str, peildatum: dt.date | str | None = None,
                casus: dict[str, Any] | None = None) -> Prepared:
        """Check the question and the peildatum (AnswerError, in Dutch) and pseudonymise the
        question and the casus with one placeholder map: nothing personal goes further."""
        question = (question or "").strip()
        if not question:
            raise AnswerError("de vraag is leeg; stel een vraag over een regel of een situatie")
        if len(question) > MAX_QUESTION_CHARS:
            raise AnswerError(
                f"de vraag is te lang ({len(question)} tekens, maximaal {MAX_QUESTION_CHARS}); "
                "vat de situatie samen en laat persoonsgegevens weg")
        if isinstance(peildatum, str):
            try:
                peildatum = dt.date.fromisoformat(peildatum)
            except ValueError:
                raise AnswerError(f"'{peildatum}' is geen geldige peildatum; gebruik JJJJ-MM-DD") from None
        casus = dict(casus or {})
        mapping = None
        q, casus_text = question, self._casus_text(casus)
        if self.pseudonymiser is not None:
            from assistant.privacy import PlaceholderMap

            mapping = PlaceholderMap()
            q = self.pseudonymiser.pseudonymise(question, mapping)
            casus_text = self.pseudonymiser.pseudonymise(casus_text, mapping) if casus_text else ""
        # Placeholders ([NAAM-1]) say nothing about which rule applies: retrieval and the
        # relevance decision see the question without them.
        from assistant.privacy import strip_placeholders

        return Prepared(q=q, search=" ".join(strip_placeholders(q).split()), casus=casus, casus_text=casus_text,
                        day=peildatum or dt.date.today(), mapping=mapping)

    def _new_answer(self, prep: Prepared) -> Answer:
        answer = Answer(question=prep.q, peildatum=prep.day.isoformat(), answer="", grounded=False)
        answer.trace = {
            "backend": self.generator.name,
            "model": self.generator.model,
            "prompt": {"name": self.prompt.name, "hash": self.prompt.hash} if self.prompt else None,
            "index_fingerprint": self.index.fingerprint,
            "embedder": getattr(self.index.embedder, "identity", None),
            "peildatum": prep.day.isoformat(),
            "pseudonymised": self.pseudonymiser is not None,
        }
        return answer

    def _unanswerable(self, prep: Prepared, cat: Catalogue) -> tuple[str, str] | None:
        """(answer, warning) when nothing can be answered at all: an empty index, or a peildatum
        before every indexed version."""
        if not self.index.count():
            return ("De index is leeg: er zijn geen bronnen om deze vraag mee te beantwoorden.",
                    "De index is leeg; voer eerst `maatwerk index` uit.")
        day = prep.day
        earliest = cat.earliest_valid_from()
        if earliest and day < dt.date.fromisoformat(earliest):
            return (f"Op de peildatum {day.isoformat()} gold nog geen van de geïndexeerde "
                    f"bronnen (de oudste versie geldt vanaf {earliest}). Ik kan deze vraag voor "
                    "die datum daarom niet beantwoorden.",
                    f"Peildatum {day.isoformat()} ligt voor de oudste versie in de index ({earliest}).")
        return None

    def retrieve(self, prep: Prepared, cat: Catalogue) -> Retrieved:
        """Search the rules and, apart, the besluiten valid on the peildatum; weigh each hit by the
        question's words (lexicon terms count where the law uses them)."""
        search_q = prep.search
        terms = content_terms(search_q)
        expansions = content_terms(" ".join(self.lexicon.expansions(search_q))) - terms if self.lexicon else set()
        weights = self.relevance.question_weights(terms - GENERIC_TERMS or terms, cat)
        aliases = question_aliases(self.lexicon, search_q, set(weights))

        def matches(ct: set[str]) -> set[str]:
            return {t for t in weights if t in ct or any(a <= ct for a in aliases.get(t, ()))}

        main_types = [t for t in SOURCE_TYPES if t != "besluit"]
        hits = self.index.search(search_q, k=self.k, peildatum=prep.day, source_types=main_types, per_doc=2)
        besluit_hits = self.index.search(search_q, k=self.k_besluiten, peildatum=prep.day, source_types=["besluit"])
        scored = []
        for h in hits + besluit_hits:
            ct = cat.chunk_terms(h.chunk)
            scored.append((h, matches(ct), self.relevance.hit_weight(weights, expansions, ct)))

        def weigh(chunk: Chunk) -> float:
            return self.relevance.hit_weight(weights, expansions, cat.chunk_terms(chunk))

        return Retrieved(search=search_q, terms=terms, weights=weights, aliases=aliases, scored=scored,
                         besluit_hits=besluit_hits, weigh=weigh, expansions=expansions)

    def scope(self, found: Retrieved, cat: Catalogue, day: dt.date) -> Scope:
        """Which hits are about the question, and whether the question is about the sources at
        all (enough of its known words covered, or an article it names that the index holds)."""
        best = {kind: max([w for h, _, w in found.scored if (h.chunk.source_type == "besluit") == kind] or [0.0])
                for kind in (True, False)}
        relevant: list = []
        covered: set[str] = set()
        for h, matched, w in found.scored:
            if self.relevance.is_relevant(matched, w, len(found.weights), best[h.chunk.source_type == "besluit"]):
                relevant.append(h)
                covered |= matched
        explicit = cat.explicit_rule(found.search, day)
        coverage = self.relevance.known_coverage(found.weights, covered, cat, found.aliases)
        in_scope = explicit is not None or (bool(relevant) and coverage >= self.relevance.min_coverage)
        return Scope(relevant=relevant, explicit=explicit, coverage=coverage, in_scope=in_scope)

    def choose_rule(self, prep: Prepared, found: Retrieved, scope: Scope, cat: Catalogue) -> RuleChoice:
        """The rule the question turns on (an article it names, else the best relevant rule of the
        question's domain), its chain up to the law and down to local rules, the question's
        facts, and the room along the chain."""
        rules, day = cat.rules, prep.day
        signal = domain_signal(cat.domains, found.terms, [(h.chunk, h.rank) for h in scope.relevant])
        told = prep.q + "\n" + prep.casus_text
        facts = read_facts(told, prep.day)
        focus = rules.article_of(scope.explicit) if scope.explicit is not None else None
        if focus is None:
            # An amount the question quotes as a limit ("dat de grens € 8.000 is", "max 450"): the
            # article that sets it is what the question is about.
            limits = {a.value for a in facts.told_amounts if a.role == "limit"}
            periods = {(d.number, unit_of(d.unit)) for d in facts.quoted_terms}
            votes: dict = {}  # article key -> sum of 1 / (1 + rank) of the besluiten taken under it
            for h in scope.relevant:
                if h.chunk.source_type == "besluit" and h.chunk.extra.get("regel"):
                    art = rules.article_for_citation(str(h.chunk.extra["regel"]))
                    if art is not None:
                        votes[art.key] = votes.get(art.key, 0.0) + 1.0 / (1 + h.rank)
            candidates = [h for h in scope.relevant if h.chunk.source_type in RULE_TYPES]
            candidates += self._setting(limits, candidates, cat, day, periods)
            focus = self._choose(candidates, found.weigh, cat, day, signal, hint=layer_hint(prep.q), amounts=limits,
                                 votes=votes, periods=periods)
        chain = chain_of(rules, focus, day) if focus is not None else None
        # decide_room adds the lexicon's terms to the question's own.
        room = decide_room(rules, chain, found.terms, facts, day, found.expansions) if chain is not None else None
        rule = scope.explicit if scope.explicit is not None else (
            self._best_chunk(focus, found.weigh, day) if focus else None)
        return RuleChoice(domain=signal.domain, signal=signal, focus=focus, chain=chain, facts=facts, room=room,
                          rule=rule)

    # ---- steps ----------------------------------------------------------------------------

    @staticmethod
    def _step(kind: str, registry: "PassageNumbers", **fields: Any) -> Step:
        """A Step whose texts are checked the way the final answer will be (every [n] names a
        numbered passage, every quote is in it), by a verifier of its own: the final check and
        its warnings are not touched."""
        check = Verifier(registry).check
        for key in ("kort_antwoord", "keten", "answer"):
            if key in fields:
                fields[key] = check(fields[key])
        if "nog_nodig" in fields:
            fields["nog_nodig"] = [check(x) for x in fields["nog_nodig"]]
        if "motivering" in fields:
            fields["motivering"] = [{"kop": m["kop"], "tekst": check(m["tekst"])} for m in fields["motivering"]]
        if fields.get("afwijkingsruimte"):
            fields["afwijkingsruimte"] = dict(fields["afwijkingsruimte"],
                                              toelichting=check(fields["afwijkingsruimte"]["toelichting"]))
        return Step(kind, fields)

    @staticmethod
    def _resolve(sentence: Sentence, registry: "PassageNumbers") -> str:
        """A brief sentence with its {0}, {1} ... replaced by the passages' markers."""
        text = sentence.text
        for i, chunk in enumerate(sentence.chunks):
            text = text.replace("{%d}" % i, f"[{registry.add(chunk)}]")
        # A passage the index does not hold leaves no marker, and no space before the stop.
        return re.sub(r"\s+([.,;)])", r"\1", re.sub(r"\s*\{\d+\}", "", text))

    @staticmethod
    def _casus_text(casus: dict[str, Any]) -> str:
        parts = []
        for key, value in casus.items():
            if value in (None, "", []):
                continue
            if isinstance(value, (list, tuple)):
                value = "; ".join(str(v) for v in value)
            parts.append(f"{key}: {value}")
        return "\n".join(parts)

    @staticmethod
    def _hit_dict(h, relevant: bool, weight: float) -> dict[str, Any]:
        c = h.chunk
        return {
            "rank": h.rank, "score": round(h.score, 6), "chunk_id": c.chunk_id, "citation": c.citation,
            "source": c.source, "source_type": c.source_type,
            "layer": LAYER_OF.get(c.source_type, ("overig", "Overige bronnen"))[1],
            "valid_from": c.valid_from, "valid_to": c.valid_to, "relevant": relevant,
            "lexical_weight": round(weight, 2), "cited": False,
        }

    @staticmethod
    def _outside_chain(body: list[Chunk], chain: Chain | None, rules, used: set[str]) -> set[str]:
        """The passages of `body` the answer does not rest on: neither used by the rule, its chain,
        the room or the kort antwoord, nor part of an article of the chain or of a local regeling
        in it (its other articles and toelichting). Without a chain nothing is set apart."""
        if chain is None:
            return set()
        members = chain.members()
        keys = {a.key for a in members}
        local = {a.regulation.key for a in members if a.layer not in LAW_TYPES}
        out = set()
        for c in body:
            if c.chunk_id in used:
                continue
            art, reg = rules.article_of(c), rules.regulation_of(c)
            if (art is not None and art.key in keys) or (reg is not None and reg.key in local):
                continue
            out.add(c.chunk_id)
        return out

    @staticmethod
    def _best_chunk(art, weigh, day: dt.date) -> Chunk | None:
        chunks = art.valid_chunks(day)
        return max(chunks, key=lambda c: (weigh(c), -len(c.text))) if chunks else None

    def _compose(self, request: GenerationRequest, answer: Answer) -> Generator[Step, None, str]:
        """The answer text: the grounded composer's, or the language model's as it streams in
        (a Step "tekst" per piece), checked once it is complete. When the model fails or cites
        nothing traceable, a Step "terugval" says its text is dropped and the grounded text is used."""
        if not self.generator.uses_llm:
            return self.generator.generate(request)
        for p in request.passages:  # sent as data all the same (see GenerationRequest.passages_block)
            said = instruction_like(p.chunk.text)
            if said:
                answer.warnings.append(f"Passage [{p.n}] ({p.chunk.citation}) bevat tekst die zich tot een taalmodel "
                                       f"richt („{said}“); die is als brontekst meegestuurd, niet als opdracht.")
        pieces: list[str] = []
        try:
            for piece in self.generator.stream(request):
                if piece:
                    pieces.append(piece)
                    yield Step("tekst", {"tekst": piece})
            text = "".join(pieces).strip()
            if not text:
                raise GenerationError(f"de {self.generator.name}-backend gaf een leeg antwoord")
        except GenerationError as exc:
            answer.warnings.append(f"Taalmodel niet gebruikt: {exc}. Het antwoord is samengesteld uit de "
                                   "gevonden passages.")
            answer.trace["fallback"] = "grounded"
            yield Step("terugval", {"warnings": answer.warnings[-1:]})
            return self.grounded.generate(request)
        # An LLM answer that cites nothing traceable is not an answer we can stand behind.
        valid = {int(n) for m in MARKER_RE.finditer(text) for n in m.group(1).split(",")} & {p.n for p in request.passages}
        if not valid:
            answer.warnings.append("Het taalmodel-antwoord bevatte geen geldige bronverwijzingen; in plaats daarvan "
                                   "is het antwoord samengesteld uit de gevonden passages.")
            answer.trace["fallback"] = "grounded"
            answer.trace["llm_output"] = text[:2000]
            yield Step("terugval", {"warnings": answer.warnings[-1:]})
            return self.grounded.generate(request)
        # Articles, ECLI's and regulations the model names must come from the passages (or from the
        # fixed statements it was given); the rest is removed and reported.
        text, removed = check_references(text, request.passages, request.preface)
        answer.warnings.extend(removed)
        return text

    @staticmethod
    def _finish(answer: Answer, started: float) -> Answer:
        answer.trace["latency_ms"] = round((time.perf_counter() - started) * 1000, 1)
        return answer
