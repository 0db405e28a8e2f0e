"""The parts of an answer drafted from the rule model: the afwijkingsruimte along the chain,
precedents and their consistency with the casus, and the motivering (a mixin of Assistant)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from assistant.corpus.documents import Chunk
from assistant.retrieval.analysis import content_terms
from assistant.rules.brief import Brief, circumstances_of
from assistant.rules.reasoning import Chain, Room
from assistant.rules.refs import ORDINAL_WORDS
from assistant.answering.generation import (
    select_sentences,
    sentences,
)
from assistant.answering.model import Afwijkingsruimte, BASIS_LABEL, LAW_TYPES, Precedent, article_key, regel_key
from assistant.answering.scope import Catalogue

# A sentence that states what a rule is for, as toelichtingen write it.
_PURPOSE = re.compile(r"(?:(?<=[.!?]\s)|(?<=\*\*\s)|^)[^.!?*]*?\b(?:Doel\b|bedoeld (?:voor|om)\b|dient ertoe\b|strekt ertoe\b|is erop gericht\b)[^.!?]*[.!?]",
                      re.M)
_LID_NAMED = re.compile(r"\s*Doel van het (\w+) lid\b", re.I)


# What the question says the rule's application does or threatens to do to the inwoner.
_HARM = re.compile(r"\bdreig|achterstand|\bontruim|\buitzett|\bafsluit|\bschulden\b|\bniet (?:meer )?(?:kan )?betalen|"
                   r"\bkan\b[^.;]{0,40}\bniet\b[^.;]{0,20}\bbetalen|\bkwijt\b|\bverliest\b|\bdakloos|\bbestaansminimum|"
                   r"\bniks over\b|\bniets over\b|\bin de problemen\b", re.I)
_MILDER = (
    # A lening as the other form of a verstrekking "om niet" (not a lening as a claim to recover).
    (r"\bom niet\b.{0,300}\b(?:geld)?lening\b|\b(?:geld)?lening\b.{0,300}\bom niet\b", "een lening in plaats van om niet"),
    (r"\bgedeeltelijk", "gedeeltelijk toekennen of gedeeltelijk afzien"),
    (r"\bbetalingsregeling|\baflossing", "een betalingsregeling of een lagere aflossing"),
    (r"\btijdelijk|\bverlenging|\bverlengen\b", "een tijdelijke afwijking"),
    (r"\balgemene voorziening|\bin natura\b", "een algemene voorziening of verstrekking in natura"),
    (r"\bvoorliggende voorziening", "een voorliggende voorziening"),
)


class Drafting:
    """Afwijkingsruimte, precedents and motivering (mixin of Assistant)."""


    def _afwijkingsruimte(self, rule: Chunk | None, chain: Chain | None, room: Room | None, cat: Catalogue,
                          day: dt.date, weigh, warnings: list[str]) -> tuple[Afwijkingsruimte | None, list[Chunk]]:
        """The room as the answer states it: which basis, the provision that grants it (quoted),
        and how it relates to the rule the question turns on."""
        if rule is None or chain is None or room is None:
            return None, []
        focus = chain.focus
        kind = focus.layer

        def chunk_of(prov, art) -> Chunk | None:
            if prov is not None:
                got = next((c for c in art.valid_chunks(day) if c.chunk_id == prov.chunk_id), None)
                if got is not None:
                    return got
            return self._best_chunk(art, weigh, day) if art is not None else None

        def quote(prov) -> str:
            return f"„{prov.text}“" if prov is not None and prov.source != "jurist" else ""

        if room.basis == "niet-nodig":
            c = chunk_of(room.provision, room.article)
            if room.own_power:
                grounds = "; ".join(f"„{g.text.strip()}“" for g in room.grounds[:4])
                text = (f"De regeling geeft het college zelf de bevoegdheid: {quote(room.provision)} ({c.citation}) "
                        f"[{{n0}}]." + (f" Gronden: {grounds}." if grounds else "") + " Afwijken van de regel is dan "
                        "niet nodig; het is een bevoegdheid, geen plicht: motiveer welke grond van toepassing is en "
                        "waarom het college haar gebruikt.")
                return Afwijkingsruimte("niet-nodig", c.citation, text, focus.citation, kind,
                                        eigen_bevoegdheid=True), [c]
            if room.arithmetic and room.provision is not None and room.provision.kind != "definition":
                because = f"Met de gegevens uit de vraag: {room.arithmetic}; afwijken is dan niet nodig."
            else:
                because = room.reason
            text = (f"De situatie valt onder {c.citation}: {quote(room.provision)} [{{n0}}]. {because}"
                    " De regel zelf laat dit toe; het is geen maatwerk.")
            return Afwijkingsruimte("niet-nodig", c.citation, text, focus.citation, kind), [c]
        if room.basis == "wettelijke-bevoegdheid":
            c = chunk_of(room.provision, room.article)
            lead = (f"De regel ({focus.citation}) werkt {room.article.citation} uit. " if room.article is not focus
                    else f"De regel ({focus.citation}) staat in de wet. ")
            text = lead + f"De wet geeft hier zelf ruimte: {quote(room.provision)} ({c.citation}) [{{n0}}]."
            if room.article is not focus:
                text += (" Dat is een wettelijke bevoegdheid; de beleidsregel of verordening vult haar in, maar is "
                         "niet zelf de grondslag.")
            return Afwijkingsruimte("wettelijke-bevoegdheid", c.citation, text, focus.citation, kind), [c]
        if room.basis == "hardheidsclausule":
            c = chunk_of(room.provision, room.article)
            text = (f"De regel ({focus.citation}) staat in een verordening met een hardheidsclausule: "
                    f"{quote(room.provision)} ({c.citation}) [{{n0}}].")
            return Afwijkingsruimte("hardheidsclausule", c.citation, text, focus.citation, kind), [c]
        if room.basis == "beleidsregel-4:84-awb":
            cited: list[Chunk] = []
            awb = cat.awb_484(day)
            if awb is not None:
                cited.append(awb)
            else:
                warnings.append("Artikel 4:84 Awb staat niet in de index voor deze peildatum; de grondslag "
                                "geldt wel (Awb), maar wordt hier niet geciteerd.")
            own_art = cat.rules.own_deviation_article(focus.regulation, day)
            own = self._best_chunk(own_art, weigh, day) if own_art is not None else None
            if own is not None:
                cited.append(own)
            parts = [f"De regel ({focus.citation}) is een beleidsregel. Het college handelt volgens de "
                     "beleidsregel, tenzij dat voor de inwoner gevolgen heeft die wegens bijzondere "
                     "omstandigheden onevenredig zijn in verhouding tot de met de beleidsregel te dienen doelen"]
            parts[0] += f" ({awb.citation}) [{{n0}}]." if awb is not None else " (artikel 4:84 Awb)."
            if own is not None:
                parts.append(f"De beleidsregel noemt deze afwijkingsbevoegdheid zelf in {own.citation} [{{n{len(cited) - 1}}}].")
            national = [a for a in chain.up if a.layer in LAW_TYPES]
            if national:
                parts.append(f"De beleidsregel werkt {', '.join(a.citation for a in national[:2])} uit; die wet geeft "
                             "voor deze vraag zelf geen bevoegdheid om af te wijken.")
            return Afwijkingsruimte("beleidsregel-4:84-awb", (cited[0].citation if cited else "artikel 4:84 Awb"),
                                    " ".join(parts), focus.citation, kind), cited
        # geen: cite the imperative provision itself (the law, where the local rule only restates it)
        governing = room.article or focus
        c = chunk_of(room.provision if room.arithmetic else None, governing) or rule
        if room.arithmetic and governing is not focus:
            # The law's power reaches only persons of an age the situation does not have.
            text = (f"De wet ({governing.citation}) geeft de bevoegdheid alleen binnen een leeftijdsgrens: "
                    f"{quote(room.provision)} [{{n0}}]. Met de gegevens uit de vraag: {room.arithmetic}. "
                    f"{focus.citation[:1].upper()}{focus.citation[1:]} en de hardheidsclausule of beleidsregels "
                    "daaronder kunnen niet geven wat de wet "
                    "niet toestaat; ook de evenredigheidstoets van artikel 3:4 Awb geeft die bevoegdheid niet. Leg de "
                    "casus vast als knelpunt, zodat het Rijk het kan oplossen.")
            return Afwijkingsruimte("geen", c.citation, text, governing.citation, governing.layer, knelpunt=True), [c]
        if governing is not focus:
            kind = governing.layer
            focus_note = f" {room.reason}"
        else:
            focus_note = ""
        if kind == "verordening":
            text = (f"De regel ({focus.citation}) staat in een verordening zonder hardheidsclausule in de gevonden "
                    "tekst [{n0}]. Afwijken kan dan niet op grond van de verordening zelf; leg de casus vast als "
                    "knelpunt.")
        else:
            text = (f"De regel ({focus.citation}) staat in de wet en dat artikel geeft geen ruimte om af te wijken "
                    "(geen bevoegdheid, geen uitzondering voor dringende redenen) [{n0}]. De gemeente kan hier niet "
                    "van afwijken; ook de evenredigheidstoets van artikel 3:4 Awb geeft geen bevoegdheid die de wet "
                    "niet geeft. Leg de casus vast als knelpunt, zodat het Rijk het kan oplossen.")
            text = text.replace(f"De regel ({focus.citation})", f"De regel ({governing.citation})") + focus_note
        cited = [c]
        for alt in room.alternatives[:2]:
            ac = self._best_chunk(alt, weigh, day)
            if ac is not None:
                cited.append(ac)
                text += (f" Wel uitgewerkt in {alt.citation} [{{n{len(cited) - 1}}}]: kijk of die regel de situatie dekt.")
        return Afwijkingsruimte("geen", c.citation, text, governing.citation, kind, knelpunt=True), cited

    def _precedents(self, rule, chain: Chain | None, besluit_hits, relevant, cat: Catalogue, day, casus, registry,
                    warnings: list[str]) -> tuple[list[Precedent], str]:
        """Besluiten on the same provision or its chain (counted for consistency), then other
        similar besluiten search found (listed apart, not counted)."""
        docs = cat.besluiten(day)
        chosen: list[tuple[str, bool]] = []
        if rule is not None:
            key = regel_key(article_key(rule))
            members = set()
            if chain is not None:
                # The chain as the articles name it; a preamble's 'gelet op' is too broad to
                # make two besluiten comparable.
                explicit_up = all(lk.via != "aanhef" for lk in chain.focus.grondslag())
                members = {chain.focus.key, *(a.key for a in chain.down),
                           *((a.key for a in chain.up) if explicit_up else ())}
            for doc_id, chunks in sorted(docs.items(), key=lambda kv: kv[1][0].valid_from or ""):
                regel = str(chunks[0].extra.get("regel", ""))
                art = cat.rules.article_for_citation(regel) if regel else None
                if regel_key(regel) == key or (art is not None and art.key in members):
                    chosen.append((doc_id, True))
        rel_ids = {h.chunk.chunk_id for h in relevant}
        # Other similar besluiten: only of the rule's own domain (a Wmo besluit is no comparison
        # for a bijstand question, whatever words they share).
        domain = rule.domain if rule is not None and rule.domain not in (None, "", "algemeen") else None
        for h in besluit_hits:
            if h.chunk.chunk_id in rel_ids and h.chunk.doc_id not in {d for d, _ in chosen} \
                    and (domain is None or h.chunk.domain in (domain, "algemeen")):
                chosen.append((h.chunk.doc_id, False))
        out: list[Precedent] = []
        for doc_id, same in chosen[:8]:
            chunks = docs.get(doc_id) or cat.doc(doc_id, day)
            if not chunks:
                continue
            extra = chunks[0].extra
            cite = next((c for c in chunks if (c.heading or "").lower() == "besluit"), chunks[0])
            n = registry.add(cite)
            achterhaald = (str(extra.get("achterhaald_door") or "ja")
                           if str(extra.get("status", "")).lower() == "achterhaald" else None)
            p = Precedent(
                id=str(extra.get("id") or chunks[0].citation), citation=cite.citation, n=n,
                datum=chunks[0].valid_from, regel=str(extra.get("regel", "")),
                uitkomst=str(extra.get("uitkomst", "onbekend")),
                grondslag_afwijking=extra.get("grondslag_afwijking"),
                omstandigheden=[str(o) for o in extra.get("omstandigheden") or []], zelfde_regel=same,
                regel_versie=str(extra["regel_versie"]) if extra.get("regel_versie") else None,
                achterhaald_door=achterhaald)
            if not same and rule is not None and p.regel:
                # A besluit under another article of the rule's own local regeling.
                theirs = cat.rules.article_for_citation(p.regel)
                ours = cat.rules.article_of(rule)
                if theirs is not None and ours is not None and theirs.regulation is ours.regulation \
                        and ours.layer not in LAW_TYPES:
                    p.zelfde_regeling = theirs.citation
            out.append(p)
            if same and not achterhaald and rule is not None and p.regel_versie and rule.valid_from \
                    and p.regel_versie < rule.valid_from and self._older_version_on(rule, p.regel_versie, cat):
                warnings.append(f"{p.id} is gebaseerd op een oudere versie van de regel (versie "
                                f"{p.regel_versie}; op de peildatum geldt de versie van {rule.valid_from}).")
        return out, self._consistency(out, casus, warnings)

    @staticmethod
    def _older_version_on(rule: Chunk, when: str, cat: Catalogue) -> bool:
        """Whether the corpus holds another version of the rule's article that was valid on that
        date. A national file's valid_from is often only the date of its consolidated text: a
        besluit of an earlier date was not taken under another text unless the corpus has it."""
        art = cat.rules.article_of(rule)
        try:
            day = dt.date.fromisoformat(when[:10])
        except ValueError:
            return False
        return art is not None and any(c.valid_on(day) and c.doc_id != rule.doc_id for c in art.chunks)

    @staticmethod
    def _consistency(precedents: list[Precedent], casus: dict[str, Any], warnings: list[str]) -> str:
        history = [p for p in precedents if p.achterhaald_door]
        current = [p for p in precedents if not p.achterhaald_door]
        note = "".join(f" {p.id} [{p.n}] is achterhaald ({p.achterhaald_door}) en telt niet mee." for p in history)
        pool = [p for p in current if p.zelfde_regel]
        others = [p for p in current if not p.zelfde_regel]
        other_note = (f" Andere vergelijkbare besluiten (niet over deze regel of haar keten, niet meegeteld): "
                      + ", ".join(f"{p.id} [{p.n}]" for p in others) + ".") if others else ""
        if not pool:
            return (note + other_note).strip()
        deviated = [p for p in pool if p.uitkomst in ("afgeweken", "gedeeltelijk")]
        kept = [p for p in pool if p.uitkomst not in ("afgeweken", "gedeeltelijk")]
        about = "over dezelfde regel of haar keten"
        text = (f"In {len(deviated)} van {len(pool)} eerdere besluiten {about} werd (geheel of gedeeltelijk) "
                f"afgeweken" + (f" ({', '.join(f'{p.id} [{p.n}]' for p in deviated)})" if deviated else "") + ".")
        if deviated and kept:
            minority = kept if len(kept) < len(deviated) else deviated if len(deviated) < len(kept) else []
            for p in minority:
                verb = "niet afgeweken" if p in kept else "wel afgeweken"
                diff = "; ".join(p.omstandigheden[:3]) or "zie het besluit"
                text += f" In {p.id} [{p.n}] werd {verb}; dat besluit verschilde in: {diff}."
        proposed = str(casus.get("voorgestelde_uitkomst") or "").strip().lower()
        if proposed and pool:
            wants_deviation = not proposed.startswith(("niet", "geen", "afwijz", "afgewezen"))
            majority = (len(deviated) > len(kept)) if len(deviated) != len(kept) else None
            if majority is not None and wants_deviation != majority:
                flag = (f"De voorgestelde uitkomst ({proposed}) wijkt af van het patroon in eerdere besluiten "
                        f"{about}: daar werd meestal {'wel' if majority else 'niet'} afgeweken. Motiveer waarom "
                        "deze casus verschilt (gelijkheidsbeginsel).")
                text += " Let op: " + flag
                warnings.append(flag)
        return text + note + other_note

    def _motivering(self, rule, ruimte, ruimte_chunks, precedents, cat: Catalogue, day, casus,
                    registry, kb: Brief | None = None, chain: Chain | None = None) -> list[tuple[str, str]]:
        """The concept-motivering, filled with what the question and casus say: the facts in
        "Bijzondere omstandigheden", the arithmetic in "Gevolgen", the doel from the
        toelichting, the three evenredigheid steps with the facts so far, and both conclusions
        drafted. A placeholder only where a fact is really missing (those are under "Nog nodig")."""
        todo = "[in te vullen door de professional]"
        sections: list[tuple[str, str]] = []
        doel_text = None
        rule_name = rule.citation if rule is not None else "de regel"
        if rule is not None:
            quoted, rule_name, sentence = self._rule_quote(rule, kb, cat, day)
            n = registry.add(quoted)
            version = (f"geldig vanaf {quoted.valid_from or 'onbekend'}"
                       + (f" tot {quoted.valid_to}" if quoted.valid_to else ""))
            sections.append(("Regel en versie", f"{rule_name} ({version}): „{sentence}“ [{n}]" if sentence
                             else f"{rule_name} ({version}) [{n}]"))
            doel = self._purpose(rule, cat, day, chain)
            if doel is not None:
                chunk, sentence = doel
                doel_text = f"„{sentence}“ [{registry.add(chunk)}]"
                sections.append(("Doel van de regel", doel_text))
            else:
                sections.append(("Doel van de regel", "Het doel van de regel staat niet in de gevonden bronnen; "
                                 f"vul het aan (bijv. uit de toelichting of memorie van toelichting). {todo}"))
        else:
            sections.append(("Regel en versie", f"Niet vastgesteld: noem de regel en de versie. {todo}"))
            sections.append(("Doel van de regel", todo))
        circ = casus.get("omstandigheden")
        if isinstance(circ, (list, tuple)):
            circ = "; ".join(str(c) for c in circ)
        told = list(kb.facts_text) if kb is not None else []
        # The inwoner's circumstances, one line each: not the message's opening, not what the
        # professional or a colleague wants or claims, not what is asked.
        own = circumstances_of(told)
        omst = "\n".join(x for x in ("Uit de vraag:\n" + "\n".join(f"- {c}" for c in own) if own else "",
                                     f"Uit de casus: {circ}" if circ else "") if x)
        sections.append(("Bijzondere omstandigheden", omst or todo))
        # A clause of the question that says what threatens the inwoner ("geen schulden" does not).
        harm = [c.strip() for t in own for c in re.split(r",\s*(?:maar\s+)?(?![^(]*\))|;\s*|\s+maar\s+", t)
                if (m := _HARM.search(c)) and not re.search(r"\b(?:geen|niet|nooit)\s+(?:\w+\s+)?$", c[:m.start()])]
        gevolgen = casus.get("gevolgen") or ("Uit de vraag: " + "; ".join(harm) if harm else None)
        effect = kb.consequence if kb is not None else None
        if ruimte is not None and ruimte.basis == "geen" and not effect:
            effect = "De regel wordt toegepast zoals zij luidt; er is geen bevoegdheid om af te wijken."
        gev = " ".join(x for x in (effect, gevolgen) if x)
        sections.append(("Gevolgen voor de inwoner", gev or todo))
        if kb is not None and kb.verdict in ("binnen de regel", "niet nodig") \
                and not (ruimte is not None and ruimte.eigen_bevoegdheid):  # (a power is weighed: below)
            # Nothing to weigh: the situation fits the rule (its numbers or an exemption), so the
            # three steps for deviating would only be placeholders to clear.
            grounds = kb.arithmetic or (ruimte.citation if ruimte is not None and ruimte.citation else "")
            weigh = [("Niet aan de orde: de situatie past binnen de regel"
                      + (f" ({grounds})" if grounds else "") + ", dus er is geen afwijking om af te wegen. "
                      "Leg vast op welke gegevens dit rust; verandert een gegeven, weeg dan opnieuw.")]
        elif ruimte is not None and ruimte.basis == "geen":
            # No layer gives a power to deviate: the weighing cannot set the rule aside. What the
            # motivering must say then is the richtsnoer's: the law leaves no room, other routes,
            # a knelpunt.
            weigh = [f"Geen grond om af te wijken: {ruimte.citation or rule_name} laat geen ruimte"
                     + (f" [{ruimte.markers[0]}]" if ruimte.markers else "") + ", en een belangenafweging kan geen "
                     "bevoegdheid geven die de regels niet geven."]
            guide = cat.guidance(r"ruimte in de wet", day)
            said = select_sentences(guide.text, content_terms("wet dwingend geen afwijkingsbevoegdheid route knelpunt"),
                                    1) if guide is not None else []
            if said:
                weigh.append(f"Volgens {guide.citation}: „{said[0]}“ [{registry.add(guide)}]")
            weigh.append("Leg vast welke gevolgen de regel voor de inwoner heeft; die horen in de knelpuntmelding.")
        else:
            weigh = []
            awb34 = cat.awb_34_lid2(day)
            if awb34 is not None:
                quote = select_sentences(awb34.text, {"gevolg", "onevenred", "doel"}, 1)
                weigh.append(f"Toets aan {awb34.citation}: „{quote[0]}“ [{registry.add(awb34)}]." if quote
                             else f"Toets aan {awb34.citation} [{registry.add(awb34)}].")
            guide = cat.guidance(r"evenredigheid", day)
            ref = f" (zie {guide.citation} [{registry.add(guide)}])" if guide is not None else ""
            weigh.append(f"Evenredigheid in drie stappen{ref}:")
            judge = "Oordeel van de professional: ..."
            weigh.append("1. Geschiktheid: dient toepassing van de regel in deze casus haar doel"
                         + (f" ({doel_text})" if doel_text else "") + "? " + (judge if doel_text else todo))
            options = self._milder_options(chain, day, cat) if chain is not None else []
            weigh.append("2. Noodzakelijkheid: is er een minder belastende manier om dat doel te bereiken"
                         + (f" (de regeling noemt zelf: {', '.join(options)})" if options else "")
                         + f"? {judge}")
            # (The circumstances themselves stand above; pasted here they read as one long sentence.)
            inwoner = " ".join(x for x in (effect, gevolgen) if x) or (
                "de bijzondere omstandigheden hierboven" if own or circ else "")
            weigh.append("3. Evenwichtigheid: staan de gevolgen voor de inwoner in verhouding tot het doel?"
                         + (f" Belang van de inwoner: {inwoner.rstrip('.')}." if inwoner else "")
                         + (f" Belang van de regel: {doel_text}." if doel_text else "")
                         + f" {judge if inwoner else todo}")
            if ruimte is not None and ruimte.eigen_bevoegdheid:
                weigh.append(f"Grondslag: de bevoegdheid van de regeling zelf, {ruimte.citation}"
                             + (f" [{ruimte.markers[0]}]" if ruimte.markers else "") + ".")
            elif ruimte is not None:
                label = BASIS_LABEL[ruimte.basis]
                named = f" ({ruimte.citation})" if ruimte.citation and ruimte.citation not in label else ""
                weigh.append(f"Grondslag om af te wijken: {label}"
                             + (f"{named} [{ruimte.markers[0]}]" if ruimte.markers else "") + ".")
        sections.append(("Belangenafweging", "\n".join(weigh)))
        if precedents:
            # Only a besluit on the same rule or its chain supports consistency; another rule's
            # besluit is at most a comparison, and the motivering says so (issue 15, item 6).
            same = [p for p in precedents if p.zelfde_regel]
            lines = [f"- {p.id} ({p.datum}): {p.uitkomst} [{p.n}]"
                     + (f" — achterhaald ({p.achterhaald_door}), niet als steun gebruiken" if p.achterhaald_door else "")
                     for p in same]
            if not same:
                lines.append("Geen eerdere besluiten over deze regel of haar keten.")
            lines += [f"- {p.id} ({p.datum}): {p.uitkomst} [{p.n}] — {p.vergelijking}"
                      for p in precedents if not p.zelfde_regel]
            sections.append(("Vergelijkbare besluiten", "\n".join(lines)))
        else:
            sections.append(("Vergelijkbare besluiten", "Geen vergelijkbare besluiten gevonden."))
        if ruimte is not None and ruimte.eigen_bevoegdheid:
            # The regeling's own power: using it is a choice, as with a power of the law.
            conclusie = ("Kies een van beide conclusies (de professional beslist, de assistent niet):\n"
                         f"A. De bevoegdheid gebruiken: gelet op de omstandigheden hierboven gebruikt het college de "
                         f"bevoegdheid van {ruimte.citation}, op de grond die hierboven is aangewezen.\n"
                         f"B. De bevoegdheid niet gebruiken: geen van de gronden doet zich voor of de omstandigheden "
                         f"rechtvaardigen het niet; de regel ({ruimte.rule or rule_name}) wordt toegepast zoals zij luidt.")
        elif kb is not None and kb.verdict in ("binnen de regel", "niet nodig"):
            conclusie = (f"Afwijken is niet nodig: de situatie past binnen {rule_name}. "
                         "De professional beslist; de assistent beslist niet.")
        elif ruimte is not None and ruimte.basis == "geen":
            conclusie = (f"De regel ({rule_name}) wordt toegepast: de wet laat geen ruimte om af te wijken. "
                         "De situatie wordt gemeld als knelpunt. De professional beslist; de assistent beslist niet.")
        else:
            grond = BASIS_LABEL[ruimte.basis] if ruimte is not None else "de grondslag hierboven"
            # A verordening's hardheidsclausule or 4:84 Awb sets aside the local rule, never the law
            # above it that the deciding passage may come from.
            local = rule is not None and rule.source_type not in LAW_TYPES
            source = quoted.source_type if rule is not None else None
            away = rule.citation if (local and source in LAW_TYPES and ruimte is not None
                                     and ruimte.basis in ("hardheidsclausule", "beleidsregel-4:84-awb")) else rule_name
            if ruimte is not None and ruimte.basis == "wettelijke-bevoegdheid" and ruimte.citation:
                # A power of the law itself is used; no local rule is deviated from.
                a = (f"A. De bevoegdheid gebruiken: gelet op de bijzondere omstandigheden en de gevolgen hierboven "
                     f"gebruikt het college de bevoegdheid van {ruimte.citation}, omdat toepassing van {away} "
                     "onevenredig uitpakt in verhouding tot het doel.")
                b = "B. De bevoegdheid niet gebruiken"
            else:
                a = (f"A. Afwijken: gelet op de bijzondere omstandigheden en de gevolgen hierboven wijkt het college "
                     f"af van {away} ({grond}), omdat toepassing onevenredig uitpakt in verhouding tot het doel.")
                b = "B. Niet afwijken"
            conclusie = ("Kies een van beide conclusies (de professional beslist, de assistent niet):\n" + a + "\n"
                         f"{b}: de omstandigheden maken de gevolgen niet onevenredig; {away} wordt toegepast zoals zij "
                         "luidt.")
        sections.append(("Conclusie", conclusie))
        return sections

    @staticmethod
    def _rule_quote(rule: Chunk, kb: Brief | None, cat: Catalogue, day: dt.date) -> tuple[Chunk, str, str | None]:
        """What "Regel en versie" quotes: the deciding provision the kort antwoord names; else the
        sentence of the rule's article that carries the question (its focus, or the sentence
        sharing most words with the situation), never the lead of a list ("... verstaan:")."""
        if kb is not None and kb.deciding is not None and kb.deciding_chunk is not None:
            return kb.deciding_chunk, kb.deciding.citation, kb.deciding.text.strip().rstrip(";:,")
        focus = kb.focus_sentences.get(rule.chunk_id) if kb is not None else None
        if focus:
            return rule, rule.citation, focus[0].strip().rstrip(";:,")
        terms = content_terms(" ".join(kb.facts_text)) if kb is not None else set()
        art = cat.rules.article_of(rule)
        chunks = [rule] + [c for c in (art.valid_chunks(day) if art is not None else []) if c.chunk_id != rule.chunk_id]
        best: tuple[tuple[int, int, int], Chunk, str] | None = None
        for i, c in enumerate(chunks):
            sents = sentences(c.text)
            for j, sent in enumerate(sents):
                if sent.rstrip().endswith(":"):
                    continue
                key = (len(content_terms(sent) & terms), -i, -j)
                if best is None or key > best[0]:
                    # A list item is read after its lead: "Van dringende redenen ... als:" … "<item>".
                    lead = next((k for k in range(j - 1, -1, -1) if sents[k].rstrip().endswith(":")), None)
                    shown = sent.strip().rstrip(";:,")
                    if lead is not None and not any(x.rstrip().endswith(".") for x in sents[lead + 1:j]):
                        shown = f"{sents[lead].strip()}“ … „{shown}"
                    best = (key, c, shown)
        if best is None:
            return rule, rule.citation, None
        return best[1], best[1].citation, best[2]

    @staticmethod
    def _milder_options(chain: Chain, day: dt.date, cat: Catalogue) -> list[str]:
        """The less burdensome routes the rules of the chain themselves provide (a lening, a
        betalingsregeling, partial or temporary application, a voorliggende voorziening), in the
        order the legislator's usual vocabulary lists them; none the rules do not mention."""
        # The chain's articles, and the whole of a local regeling in it (one subject; a law's
        # other articles are about other things).
        members = chain.members()
        local = {a.regulation.key for a in members if a.layer not in LAW_TYPES}
        arts = members + [a for a in cat.rules.articles.values() if a.regulation.key in local and a not in members]
        text = " ".join(c.text.lower() for a in arts for c in a.valid_chunks(day))
        text = " ".join(text.split())
        return [label for pattern, label in _MILDER if re.search(pattern, text)]

    @staticmethod
    def _purpose(rule: Chunk, cat: Catalogue, day: dt.date, chain: Chain | None = None) -> tuple[Chunk, str] | None:
        """The 'doel van de regel' from a regeling's own toelichting: the paragraph on the rule's
        article (the sentence on the rule's own lid where it names one), else the paragraph of a
        local rule in the chain that elaborates it, else the toelichting's "Algemeen" paragraph."""
        candidates = [rule]
        if chain is not None:
            for art in [*chain.down, *chain.up]:
                chunk = next(iter(art.valid_chunks(day)), None)
                if chunk is not None and chunk.doc_id not in {c.doc_id for c in candidates}:
                    candidates.append(chunk)
        for chunk in candidates:
            if not chunk.article:
                continue
            # "Artikel 5 (…)" or "Artikelen 5 en 6 (…)": a paragraph on several articles counts for each.
            art = re.escape(chunk.article)
            found = Drafting._purpose_in(chunk, cat, day, rf"\bArtikel(?:en)?\s+(?:[\w.:]+(?:,\s*|\s+en\s+|"
                                                          rf"\s+tot en met\s+|\s*-\s*))*{art}\b(?![.:]\d)")
            if found is not None:
                return found
        return Drafting._purpose_in(rule, cat, day, r"\bAlgemeen\b") if rule.article else None

    @staticmethod
    def _purpose_in(rule: Chunk, cat: Catalogue, day: dt.date, heading: str) -> tuple[Chunk, str] | None:
        head = re.compile(heading, re.I)
        lid = (rule.lid or "").lower()
        for c in cat.doc(rule.doc_id, day):
            if "toelichting" not in (c.heading or "").lower() or not head.search(c.text):
                continue
            # The toelichting packs several articles per chunk: take this article's paragraph.
            for para in c.text.split("\n\n"):
                if not head.search(para[:80]):
                    continue
                said = [m.group(0) for m in _PURPOSE.finditer(para) if m.group(0) in c.text]
                # "Doel van het tweede lid is ...": only for a rule on that lid.
                own = [x for x in said if not _LID_NAMED.match(x)
                       or (lid and ORDINAL_WORDS.get(_LID_NAMED.match(x).group(1).lower()) == lid)]
                if own:
                    return c, own[0].strip()
        return None
