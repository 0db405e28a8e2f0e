"""Vraag en casus (professional): chat with the assistant about one casus, then record it."""

from __future__ import annotations

import datetime as dt
import re

import streamlit as st

from assistant.answering.model import MAX_QUESTION_CHARS, AnswerError
from assistant.cases import AI_STANCES, CaseError, EDITABLE, UITKOMSTEN
from assistant.corpus.documents import DOMAINS
from assistant.ui import answer_view, runtime, views
from assistant.ui.conversation import Conversation, Turn

me = runtime.require("vraag")

FEEDBACK_REASONS = ("bron onjuist", "mist regel", "verkeerde versie of peildatum", "citaat klopt niet",
                    "afwijkingsruimte onjuist", "onduidelijk", "anders")
EXAMPLES = (
    "Mag ik afzien van terugvordering van bijstand als de inwoner door schulden in de problemen komt?",
    "Een alleenstaande moeder kreeg een gift van haar zus om een schuld af te lossen. Moet ik die verrekenen?",
    "Mag ik afwijken van de normtijd voor huishoudelijke ondersteuning bij een inwoner met een zieke partner?",
)


def conversation() -> Conversation:
    """This session's conversation; after a browser reload (the login restored from its
    cookie), the user's latest saved one. A fresh login starts a new one; earlier ones are in
    the sidebar."""
    if "conversation" not in st.session_state:
        latest = None
        if st.session_state.pop("restored_login", False):
            saved = saved_conversations()
            latest = runtime.conversations().load(me.username, saved[0]["id"]) if saved else None
        st.session_state["conversation"] = latest or Conversation()
    return st.session_state["conversation"]


def saved_conversations() -> list[dict]:
    """The listing of this user's saved conversations, read from disk once per session and again
    only after a save (not on every run of the page)."""
    if "saved_conversations" not in st.session_state:
        st.session_state["saved_conversations"] = runtime.conversations().list(me.username)
    return st.session_state["saved_conversations"]


def save_conversation(conv: Conversation) -> None:
    runtime.conversations().save(me.username, conv)
    st.session_state.pop("saved_conversations", None)


def reopen(conv_id: str) -> None:
    new_case()
    st.session_state["conversation"] = runtime.conversations().load(me.username, conv_id) or Conversation()


def history() -> None:
    """Earlier conversations in the sidebar, newest first, each reopenable."""
    saved = saved_conversations()
    if not saved:
        return
    with st.sidebar:
        st.markdown("**Eerdere gesprekken**")
        st.caption("Namen en nummers zijn bij het bewaren vervangen door plaatshouders.")
        current = st.session_state.get("conversation")
        for item in saved[:12]:
            label = item["title"] + (f" · casus {item['case_id']}" if item.get("case_id") else "")
            st.button(label, key=f"hist_{item['id']}", on_click=reopen, args=(item["id"],),
                      icon=":material/forum:", width="stretch",
                      disabled=current is not None and current.id == item["id"])


def new_case() -> None:
    st.session_state["conversation"] = Conversation()
    for key in [k for k in st.session_state if str(k).startswith(("mot_", "fb", "case_"))]:
        del st.session_state[key]


def ask(conv: Conversation, question: str) -> None:
    """Ask and show the answer part by part while it is composed (kort antwoord first); the
    finished answer is then drawn again with its buttons."""
    asked = conv.context_for(question)
    turn = Turn(question=question, asked=asked)
    with st.chat_message("user"):
        st.markdown(views.md_escape(question))
        if asked != question:
            st.caption("Gezocht met de eerdere vragen van deze casus erbij.")
    with st.chat_message("assistant"):
        try:
            turn.answer = answer_view.stream_answer(runtime.assistant(), asked, conv.peildatum, conv.casus())
        except AnswerError as exc:
            message = str(exc)
            turn.error = message[:1].upper() + message[1:]
        except Exception as exc:  # a backend or index failure: say so, keep the conversation
            turn.error = f"Er ging iets mis bij het beantwoorden ({type(exc).__name__}: {exc})."
    conv.turns.append(turn)
    save_conversation(conv)
    st.rerun()


def ensure_case(conv: Conversation, **fields) -> int:
    """The concept casus of this conversation, created or updated, with every answer attached."""
    cl = runtime.caselog()
    answered = conv.answered
    if conv.case_id is None:
        values = {"question": conv.opening_question, "peildatum": conv.peildatum, **fields}
        case = cl.create_case(me.username, ai_answer=answered[0].answer, **values)
        conv.case_id, conv.attached, fields = case.id, 1, {} if len(answered) == 1 else fields
    case = cl.get_case(conv.case_id, me.username)
    if case.status in EDITABLE:
        for turn in answered[conv.attached:]:
            cl.attach_ai_trace(conv.case_id, turn.answer, by=me.username)
            conv.attached += 1
        if fields:
            cl.update_case(conv.case_id, me.username, **fields)
    elif fields:
        raise CaseError(f"Casus {case.id} is al {case.status}; begin een nieuwe casus voor nieuwe vragen.")
    save_conversation(conv)  # the conversation now knows its case
    return conv.case_id


def feedback(conv: Conversation, i: int, turn: Turn) -> None:
    if turn.answer is None:
        return
    answer_no = conv.answered.index(turn) + 1
    done_key = f"fb_done_{i}"
    if st.session_state.get(done_key):
        st.caption("Bedankt voor uw feedback; die is opgeslagen bij de casus.")
        return
    cols = st.columns([1, 3])
    with cols[0]:
        rating = st.feedback("thumbs", key=f"fb_{i}")
    if rating is None:
        with cols[1]:
            st.caption("Was dit antwoord bruikbaar?")
        return
    with cols[1]:
        reason = st.selectbox("Reden (optioneel)", FEEDBACK_REASONS, index=None, key=f"fb_reason_{i}",
                              placeholder="Kies een reden")
        note = st.text_input("Toelichting (optioneel)", key=f"fb_note_{i}")
        if st.button("Feedback versturen", key=f"fb_send_{i}", icon=":material/send:"):
            text = "; ".join(x for x in (reason, note.strip()) if x) or None
            try:
                case_id = ensure_case(conv)
                runtime.caselog().add_feedback(case_id, me.username, "up" if rating == 1 else "down", text,
                                               answer_no=answer_no)
            except CaseError as exc:
                st.error(views.md_escape(exc))
            else:
                st.session_state[done_key] = True
                st.toast(f"Feedback opgeslagen bij conceptcasus {case_id}.", icon=":material/check:")
                st.rerun()


def open_questions(conv: Conversation, i: int, turn: Turn):
    """The 'Nog nodig' questions of an answer, answerable in place on the latest answer: the
    replies join the casus as an addition and the casus is assessed again."""
    latest = turn is conv.answered[-1]

    def render(answer) -> None:
        questions = [re.sub(r"\s*\[\d+\]", "", q).strip() for q in answer.get("nog_nodig") or []]
        if not latest:  # answered (or overtaken) by a later turn of this casus
            st.markdown("**Nog nodig om te beoordelen**")
            for q in questions:
                st.markdown(f"- {views.md_escape(q)}")
            return
        with st.form(f"nodig_{i}", border=True, enter_to_submit=False):
            st.markdown("**Nog nodig om te beoordelen**")
            st.caption("Beantwoord wat u weet; de antwoorden worden aan de casus toegevoegd en de vraag "
                       "wordt opnieuw beoordeeld.")
            replies = [st.text_input(views.md_escape(q), key=f"nodig_{i}_{j}",
                                     placeholder="Uw antwoord (leeg laten als het niet bekend is)")
                       for j, q in enumerate(questions)]
            sent = st.form_submit_button("Aanvullen en opnieuw beoordelen", icon=":material/refresh:")
        if sent:
            given = [(q, r.strip()) for q, r in zip(questions, replies) if r.strip()]
            if not given:
                st.warning("Vul bij minstens één vraag een antwoord in.", icon=":material/edit:")
                return
            st.session_state["pending_question"] = "Aanvulling: " + " ".join(
                f"{q} {r.rstrip('.')}." for q, r in given)
            st.rerun()

    return render


def pick_rule(citation: str) -> None:
    """The professional picked one of the nearest rules: ask again with that rule named."""
    st.session_state["pending_question"] = f"Aanvulling: het gaat om {citation}."
    st.rerun()


def record(conv: Conversation) -> None:
    """The professional's own conclusion: the assistant drafts, the professional decides."""
    answer = conv.last_answer
    n = len(conv.answered)
    st.divider()
    st.subheader("Casus vastleggen")
    st.caption("U beslist. Pas de concept-motivering aan, kies de uitkomst en geef aan wat u met het "
               "AI-antwoord hebt gedaan. Persoonsgegevens worden bij opslaan gepseudonimiseerd.")
    if conv.case_id is not None:
        case = runtime.caselog().get_case(conv.case_id, me.username)
        views.status_badge(case.status)
        st.caption(f"Opgeslagen als casus {case.id}.")
        if case.status not in EDITABLE:
            st.success(f"Casus {case.id} is {case.status}. Volg hem onder 'Mijn casussen'.", icon=":material/task_alt:")
            st.button("Nieuwe casus", on_click=new_case, key="new_case_after_submit", icon=":material/add:")
            return
    ruimte = answer.get("afwijkingsruimte") or {}
    sections = answer.get("motivering") or []
    uitkomst = st.radio("Uitkomst", UITKOMSTEN, index=None, horizontal=True, key="case_uitkomst")
    st.markdown("**Motivering** (concept van de assistent; pas aan waar nodig)")
    texts = []
    for j, sec in enumerate(sections):
        text = st.text_area(views.md_escape(sec["kop"]), sec["tekst"], key=f"mot_{n}_{j}", height=110 if len(sec["tekst"]) < 300 else 200)
        texts.append((sec["kop"], text))
    if not sections:
        st.caption("De assistent vond geen onderbouwing, dus er is geen concept; schrijf de motivering zelf.")
        texts.append(("Motivering", st.text_area("Motivering", key=f"mot_{n}_free", height=160)))
    stance = st.radio("Wat hebt u met het AI-antwoord gedaan?", AI_STANCES, index=None, horizontal=True,
                      key="case_stance")
    reason = ""
    if stance in ("aangepast", "niet gevolgd"):
        reason = st.text_area("Waarom?", key="case_stance_reason", placeholder="Bijv. de assistent miste de hardheidsclausule")
    cols = st.columns(2)
    with cols[0]:
        domain = st.selectbox("Domein", DOMAINS, index=None, key="case_domain", placeholder="Kies een domein")
    with cols[1]:
        knelpunt = st.checkbox("Deze regel knelt (knelpunt melden)", value=bool(ruimte.get("knelpunt")),
                               key="case_knelpunt")
    description = ""
    if knelpunt:
        description = st.text_area("Omschrijving van het knelpunt", key="case_knelpunt_desc",
                                   placeholder="Welke regel knelt, en wat betekent dat voor de inwoner?")
    rule = ruimte.get("rule")
    version = next((c.get("valid_from") for c in answer.get("citations") or [] if c.get("citation") == rule), None)
    fields = dict(
        peildatum=conv.peildatum,
        situation=conv.situation_text() if n > 1 else None,
        rules=[{"citation": rule, "version": version}] if rule else [],
        afwijkingsruimte=ruimte or None,
        precedents=[{"id": p.get("id"), "citation": p.get("citation"), "uitkomst": p.get("uitkomst"),
                     "datum": p.get("datum")} for p in answer.get("precedents") or []],
        uitkomst=uitkomst,
        # Empty sections stay in (as "Kop:"), so submitting can name the one still to be written.
        motivering=("\n\n".join(f"{kop}:\n{text.strip()}" for kop, text in texts)
                    if any(text.strip() for _, text in texts) else None),
        ai_stance=stance, ai_stance_reason=reason.strip() or None,
        knelpunt=knelpunt, knelpunt_description=description.strip() or None, domain=domain,
    )
    b1, b2, b3 = st.columns(3)
    save = b1.button("Opslaan als concept", icon=":material/save:", key="case_save", width="stretch")
    submit = b2.button("Indienen ter beoordeling", type="primary", icon=":material/send:", key="case_submit",
                       width="stretch")
    b3.button("Nieuwe casus", on_click=new_case, icon=":material/add:", key="case_new", width="stretch")
    if save or submit:
        try:
            case_id = ensure_case(conv, **fields)
            if submit:
                runtime.caselog().submit(case_id, me.username)
        except CaseError as exc:
            st.error(views.md_escape(exc), icon=":material/error:")
        else:
            st.toast(f"Casus {case_id} " + ("ingediend." if submit else "opgeslagen als concept."), icon=":material/check:")
            st.rerun()


st.title("Vraag en casus")
conv = conversation()
history()
top = st.columns([2, 2, 3], vertical_alignment="bottom")
with top[0]:
    chosen, date_problem = views.date_field("Peildatum", conv.peildatum, key="peildatum",
                                            help="De regels die op deze datum golden, worden gebruikt (DD-MM-JJJJ).")
    if chosen is None and not date_problem:
        date_problem = "‘Peildatum’: vul een datum in (DD-MM-JJJJ), bijvoorbeeld 01-03-2026."
    if date_problem:
        st.error(date_problem, icon=":material/event_busy:")
    else:
        conv.peildatum = chosen
with top[1]:
    if conv.turns:
        st.button("Nieuwe casus", on_click=new_case, icon=":material/add:", key="new_case_top")

if not conv.turns:
    st.markdown("Beschrijf de situatie en vraag of, en op welke grondslag, u van een regel mag afwijken. "
                "Vervolgvragen bouwen voort op dezelfde casus. Laat namen en BSN's weg; wat u toch noemt, wordt "
                "gepseudonimiseerd voordat het verder gaat.")
    st.caption("Voorbeelden:")
    for k, example in enumerate(EXAMPLES):
        if st.button(example, key=f"example_{k}", icon=":material/lightbulb:"):
            st.session_state["pending_question"] = example
            st.rerun()

for i, turn in enumerate(conv.turns):
    with st.chat_message("user"):
        st.markdown(views.md_escape(turn.question))
        if turn.asked != turn.question:
            st.caption("Gezocht met de eerdere vragen van deze casus erbij.")
    with st.chat_message("assistant"):
        if turn.error:
            st.error(views.md_escape(turn.error))
        else:
            answer_view.render_answer(turn.answer, key=str(i), open_questions=open_questions(conv, i, turn),
                                on_suggestion=pick_rule if turn is conv.answered[-1] else None)
            feedback(conv, i, turn)

if conv.answered:
    record(conv)

pending = st.session_state.pop("pending_question", None)
prompt = st.chat_input("Uw vraag, of een aanvulling op de casus", key="chat")
question = (pending or prompt or "").strip()
if question and date_problem:
    st.error("Corrigeer eerst de peildatum; de vraag is nog niet gesteld.", icon=":material/event_busy:")
elif len(question) > MAX_QUESTION_CHARS:
    # Refused before it is echoed: a pasted dossier is not shown back in full.
    st.error(f"De vraag is te lang ({len(question):,} tekens; maximaal {MAX_QUESTION_CHARS:,}) en is niet gesteld. "
             "Beschrijf de kern: welke regel, welke omstandigheden, wat u wilt weten.".replace(",", "."),
             icon=":material/block:")
elif question:
    ask(conv, question)
