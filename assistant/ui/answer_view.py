"""One answer in the chat, as a professional reads it: the kort antwoord first, then what is
still needed, the afwijkingsruimte (said once), the chain of the rule, the precedents in one
line each and the quotes per layer (or the language model's text). Every [n] of a part is a
small button beside it that opens its passage. Copy and export per answer.

The same part renderers draw the answer while Assistant.compose() puts it together
(`stream_answer`, through st.write_stream) and when the finished answer is shown again, so the
streamed answer and the final one look alike; only the final one has working buttons."""

from __future__ import annotations

import re
from typing import Any, Callable, Iterator

import streamlit as st

from assistant.answering import parts as answer_parts
from assistant.ui import runtime
from assistant.ui.views import (
    BASIS_LABEL, _passages, md_escape, md_escape_lines, render_sources, render_suggestions, type_label, validity,
)

VERDICT_COLOR = {"ja": "green", "nee": "red", "ja, mits": "orange", "hangt af van": "orange",
                 "binnen de regel": "green", "niet nodig": "green", "regel": "gray"}


class Sources:
    """The cited passages of one answer by their number, with the full text from the index
    (one look-up per answer). Empty while the answer is still being composed."""

    def __init__(self, answer: dict[str, Any] | None = None, key: str = "0"):
        self.key = key
        self.by_n = {c["n"]: c for c in (answer or {}).get("citations") or []}
        self.chunks = _passages([c["chunk_id"] for c in self.by_n.values()]) if self.by_n else {}

    def chips(self, text: str, part: str) -> None:
        """The [n] of TEXT as small buttons in one wrapping row; each opens its passage."""
        ns = [n for n in answer_parts.markers(text) if n in self.by_n]
        if not ns:
            return
        with st.container(horizontal=True, gap="small", vertical_alignment="center", key=f"chips_{self.key}_{part}"):
            st.caption("Bronnen:", width="content")
            for n in ns:
                c = self.by_n[n]
                with st.popover(f"[{n}]", help=md_escape(c["citation"]), type="tertiary",
                                key=f"src_{self.key}_{part}_{n}"):
                    self.preview(c)

    def preview(self, c: dict[str, Any]) -> None:
        st.markdown(f"**[{c['n']}] {md_escape(c['citation'])}**")
        st.caption(f"{type_label(c.get('source_type'))} · {validity(c.get('valid_from'), c.get('valid_to'))}")
        if c.get("quote"):
            st.markdown(f"> {md_escape(c['quote'])}")
        chunk = self.chunks.get(c["chunk_id"])
        if chunk is not None:
            if " ".join(chunk.text.split()) != " ".join((c.get("quote") or "").split()):  # more than the quote
                st.caption("Volledige passage")
                with st.container(height=220 if len(chunk.text) > 600 else "content", border=False):
                    st.text(chunk.text)
        else:
            st.caption(f"Bron: {md_escape(c.get('source'))} (de volledige passage staat niet meer in de index)")


NO_SOURCES = Sources()


# ---- the parts -----------------------------------------------------------------------------------


def part_kort(answer: dict[str, Any], src: Sources = NO_SOURCES) -> None:
    kort = answer.get("kort_antwoord")
    if not kort:
        return
    with st.container(border=True):
        head = st.columns([4, 1], vertical_alignment="center")
        head[0].markdown("**Kort antwoord**")
        verdict = answer.get("oordeel") or ""
        if verdict and verdict != "regel":
            with head[1]:
                st.badge(md_escape(verdict), color=VERDICT_COLOR.get(verdict, "gray"))
        st.markdown(md_escape(kort))
        src.chips(kort, "kort")


def part_warnings(answer: dict[str, Any]) -> None:
    """What to watch out for, in one box (one line each) instead of a box per warning."""
    warnings = list(dict.fromkeys(answer.get("warnings") or []))
    if warnings:
        st.warning("  \n".join(md_escape(w) for w in warnings), icon=":material/warning:")


def part_nog_nodig(answer: dict[str, Any], open_questions: Callable | None = None) -> None:
    if not answer.get("nog_nodig"):
        return
    if open_questions is not None:
        open_questions(answer)
        return
    st.markdown("**Nog nodig om te beoordelen**")
    for x in answer["nog_nodig"]:
        st.markdown("- " + md_escape(re.sub(r"\s*\[\d+\]", "", x)))


def part_ruimte(answer: dict[str, Any], src: Sources = NO_SOURCES) -> None:
    r = answer.get("afwijkingsruimte")
    if not r:
        return
    st.markdown("##### Afwijkingsruimte")
    basis = BASIS_LABEL.get(r.get("basis")) or md_escape(r.get("basis"))
    # The basis once: "artikel 4:84 Awb" is already in its label.
    cited = r.get("citation") if r.get("citation") and r["citation"] not in basis else None
    box = st.error if r.get("knelpunt") else st.success
    box(f"**{basis}**" + (f" — {md_escape(cited)}" if cited else ""),
        icon=":material/block:" if r.get("knelpunt") else ":material/alt_route:")
    st.markdown(md_escape(r.get("toelichting") or ""))
    src.chips(r.get("toelichting") or "", "ruimte")
    if r.get("knelpunt"):
        st.info("Geen ruimte om af te wijken: leg de casus vast als **knelpunt**, zodat wie de regel maakt "
                "het kan oplossen.", icon=":material/flag:")


def part_keten(answer: dict[str, Any], src: Sources = NO_SOURCES) -> None:
    chain = answer_parts.chain_line(answer)
    if not chain:
        return
    st.markdown("##### Keten van de regel")
    st.markdown(md_escape(chain))
    src.chips(chain, "keten")


def part_precedents(answer: dict[str, Any], src: Sources = NO_SOURCES) -> None:
    """Precedents in one line each: facts → outcome → the difference from this casus."""
    precedents = answer.get("precedents") or []
    if not precedents and not answer.get("consistency"):
        return
    st.markdown("##### Eerdere besluiten")
    if answer.get("consistency"):
        st.caption(md_escape(re.split(r"(?<=[.!?])\s+(?=[A-Z])", answer["consistency"].strip(), maxsplit=1)[0]))
    lines = [p.get("regel_kort") or f"{p.get('id')} [{p.get('n')}] → {p.get('uitkomst')}" for p in precedents]
    for line in lines:
        st.markdown(f"- {md_escape(line)}")
    src.chips(" ".join(lines), "besluiten")


def uses_llm(answer: dict[str, Any]) -> bool:
    trace = answer.get("trace") or {}
    return trace.get("backend") not in (None, "grounded") and not trace.get("fallback")


def part_onderbouwing(answer: dict[str, Any], src: Sources = NO_SOURCES, llm: bool | None = None) -> None:
    """The language model's text in full; without a model the quotes per layer, folded (the
    parts above already carry the sentences that decide)."""
    body = answer_parts.body(answer)
    if not body:
        return
    llm = uses_llm(answer) if llm is None else llm
    if llm:
        st.markdown("##### Antwoord")
        st.markdown(md_escape_lines(body))
        src.chips(body, "tekst")
        return
    with st.expander(f"Citaten per laag ({len(answer_parts.markers(body))})", icon=":material/format_quote:"):
        st.markdown(md_escape_lines(body))
        src.chips(body, "tekst")


def export_answer(answer: dict[str, Any], key: str) -> None:
    """Copy and export of one answer: Markdown to copy (the code block has a copy button), the
    answer as .md and .docx, the draft motivering as .docx. What leaves the app is pseudonymised
    (the answer text on screen names whom the professional named)."""
    from assistant.reporting import answer_docx, answer_markdown, motivering_docx

    pseudonymiser = getattr(runtime.assistant(), "pseudonymiser", None)
    out = dict(answer, answer=pseudonymiser.pseudonymise(answer.get("answer") or "")) if pseudonymiser else answer
    text = answer_markdown(out)
    with st.container(horizontal=True, gap="small", key=f"export_{key}"):
        with st.popover("Kopiëren", icon=":material/content_copy:", key=f"copy_{key}"):
            st.caption("Klik op het kopieericoon rechtsboven in het blok.")
            st.code(text, language=None, wrap_lines=True, height=320)
        st.download_button("Antwoord (.md)", text, file_name="antwoord.md", mime="text/markdown",
                           key=f"dl_md_{key}", icon=":material/download:", on_click="ignore")
        st.download_button("Antwoord (.docx)", answer_docx(out), file_name="antwoord.docx", key=f"dl_adocx_{key}",
                           mime="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                           icon=":material/download:", on_click="ignore")
        if answer.get("motivering"):
            st.download_button("Concept-motivering (.docx)", motivering_docx(out),
                               file_name="concept-motivering.docx", key=f"dl_docx_{key}",
                               mime="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                               icon=":material/description:", on_click="ignore")


def render_answer(answer: dict[str, Any], key: str = "0", open_questions=None, on_suggestion=None) -> None:
    """A finished answer. open_questions(answer) renders the 'Nog nodig' block (the Vraag page
    makes it answerable in place); on_suggestion(citation) is called when the professional
    picks one of the nearest rules."""
    if not answer.get("grounded"):
        part_warnings(answer)
        st.info(md_escape(answer.get("answer") or ""), icon=":material/help:")
        render_suggestions(answer, key, on_suggestion)
        return
    src = Sources(answer, key)
    render_suggestions(answer, key, on_suggestion)
    part_kort(answer, src)
    part_warnings(answer)
    part_nog_nodig(answer, open_questions)
    part_ruimte(answer, src)
    part_keten(answer, src)
    part_precedents(answer, src)
    part_onderbouwing(answer, src)
    with st.expander(f"Alle bronnen ({len(answer.get('citations') or [])})", icon=":material/menu_book:"):
        render_sources(answer)
    st.caption("De professional beslist; dit antwoord is een hulpmiddel, geen besluit.")
    export_answer(answer, key)


# ---- while the answer is composed ----------------------------------------------------------------


class TokenMarkdown:
    """A language model's text, piece by piece, as Markdown for st.write_stream: the pieces
    joined read like md_escape_lines of the text so far (nothing the model writes becomes a
    link, image or heading). The last few characters of a line wait for the next piece, since
    escaping them can depend on what follows ('https:' + '//')."""

    HOLD = 6

    def __init__(self):
        self.line, self.sent = "", ""

    @staticmethod
    def _escaped(line: str) -> str:
        return "- " + md_escape(line[2:]) if line.startswith("- ") else md_escape(line)

    def feed(self, piece: str) -> str:
        out = []
        for part in re.split(r"(\n)", piece):
            if part == "\n":
                out.append(self.end_line())
            elif part:
                self.line += part
                if len(self.line) > 2:  # a list item or not is decided
                    safe = self._escaped(self.line)[:-self.HOLD]
                    if safe.startswith(self.sent) and len(safe) > len(self.sent):
                        out.append(safe[len(self.sent):])
                        self.sent = safe
        return "".join(out)

    def end_line(self) -> str:
        done = self._escaped(self.line)
        rest = done[len(self.sent):] if done.startswith(self.sent) else ""
        end = "  \n" if self.line.strip() and not self.line.startswith("- ") else "\n"  # as md_escape_lines
        self.line, self.sent = "", ""
        return rest + end


class AnswerStream:
    """Assistant.compose() drawn as it goes: iterate it inside st.write_stream. Each finished
    part is drawn by its renderer (a callable chunk), the model's tokens stream as text; the
    Answer compose() returns is in .answer afterwards."""

    def __init__(self, steps, on_found: Callable[[int], None] | None = None):
        self.steps = steps
        self.answer = None
        self.shown: dict[str, Any] = {}
        self.on_found = on_found
        self._held = None
        self._text_slot = None

    def _next(self):
        if self._held is not None:
            step, self._held = self._held, None
            return step
        try:
            return next(self.steps)
        except StopIteration as done:
            self.answer = done.value
            return None

    def __iter__(self) -> Iterator[Any]:
        while (step := self._next()) is not None:
            if step.kind == "tekst":
                self._held = step
                yield self._tokens_part
                continue
            self.shown.update(step.fields)
            view = dict(self.shown)
            if step.kind == "bronnen" and self.on_found is not None:
                self.on_found(len(step.fields.get("hits") or []))
            elif step.kind == "kort_antwoord":
                yield lambda v=view: part_kort(v)
            elif step.kind == "nog_nodig":
                yield lambda v=view: part_nog_nodig(v)
            elif step.kind == "afwijkingsruimte":
                yield lambda v=view: part_ruimte(v)
            elif step.kind == "keten":
                yield lambda v=view: part_keten(v)
            elif step.kind == "precedenten":
                yield lambda v=view: part_precedents(v)
            elif step.kind == "terugval":
                yield self._drop_tokens
            elif step.kind == "onderbouwing":
                yield lambda v=view: self._onderbouwing(v)
            elif step.kind == "motivering":
                n = len(step.fields.get("motivering") or [])
                yield lambda: st.caption(f"Concept-motivering opgesteld ({n} onderdelen): u vindt haar onder "
                                         "‘Casus vastleggen’.")

    def _tokens(self) -> Iterator[str]:
        md = TokenMarkdown()
        while (step := self._next()) is not None:
            if step.kind != "tekst":
                self._held = step
                break
            yield md.feed(step.fields["tekst"])
        yield md.end_line()

    def _tokens_part(self) -> None:
        self._text_slot = st.empty()
        with self._text_slot.container():
            st.markdown("##### Antwoord")
            st.caption("Tekst van het taalmodel terwijl het schrijft; daarna worden elke [n] en elk citaat "
                       "gecontroleerd.", help=None)
            st.write_stream(self._tokens(), cursor="▌")

    def _drop_tokens(self) -> None:
        if self._text_slot is not None:
            self._text_slot.empty()
            self._text_slot = None
        st.caption("De tekst van het taalmodel is niet gebruikt; het antwoord wordt samengesteld uit de "
                   "gevonden passages.")

    def _onderbouwing(self, view: dict[str, Any]) -> None:
        llm = self._text_slot is not None
        if self._text_slot is not None:  # the checked text takes the place of the streamed one
            with self._text_slot.container():
                part_onderbouwing(view, llm=True)
        else:
            part_onderbouwing(view, llm=llm)


def stream_answer(assistant, question: str, peildatum, casus) -> dict[str, Any]:
    """Ask and show the answer while it is composed; returns Answer.to_dict(). An AnswerError
    (empty, too long, wrong date) comes out of here as it does from ask()."""
    note = st.empty()
    note.caption(":material/search: Bronnen zoeken die op de peildatum golden…")

    def found(n: int) -> None:
        note.caption(f":material/manage_search: {n} passages gevonden; het antwoord wordt opgebouwd…")

    stream = AnswerStream(assistant.compose(question, peildatum, casus), on_found=found)
    st.write_stream(stream)
    note.empty()
    return stream.answer.to_dict()
