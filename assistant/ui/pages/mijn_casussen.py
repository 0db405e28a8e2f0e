"""Mijn casussen (professional): own cases, their status and the reviewer's comments; a
returned case can be corrected and submitted again."""

from __future__ import annotations

import streamlit as st

from assistant.cases import AI_STANCES, CaseError, EDITABLE, STATUSES, UITKOMSTEN
from assistant.ui import runtime, views

me = runtime.require("mijn-casussen")
cl = runtime.caselog()

st.title("Mijn casussen")
status = st.segmented_control("Status", ("alle",) + STATUSES, default="alle", key="mine_status")
cases = cl.list_cases(me.username, status=None if status in (None, "alle") else status)
cases = sorted(cases, key=lambda c: c.updated_at, reverse=True)
if not cases:
    st.info("Nog geen casussen" + ("" if status in (None, "alle") else f" met status '{status}'")
            + ". Leg een casus vast via 'Vraag en casus'.", icon=":material/inbox:")
    st.stop()

returned = [c for c in cases if c.status == "teruggestuurd"]
if returned:
    st.warning(f"{len(returned)} casus(sen) teruggestuurd: bekijk de opmerkingen en dien opnieuw in.",
               icon=":material/undo:")
st.dataframe([{"casus": c.id, "status": c.status, "vraag": c.question[:90], "uitkomst": c.uitkomst or "",
               "bijgewerkt": f"{c.updated_at:%d-%m-%Y %H:%M}", "opmerkingen": len(c.comments)} for c in cases],
             hide_index=True, width="stretch")

labels = {c.id: f"Casus {c.id} — {c.status} — {c.question[:60]}" for c in cases}
chosen = st.selectbox("Open casus", list(labels), format_func=labels.get, key="mine_case")
case = cl.get_case(chosen, me.username)
with st.container(border=True):
    views.render_case(case)
if case.ai_answers and st.button("Openen als gesprek", icon=":material/forum:", key="mine_as_chat",
                                 help="De casus met haar AI-antwoorden terug in Vraag en casus, om verder te vragen."):
    from assistant.ui.access import BY_KEY
    from assistant.ui.conversation import Conversation

    st.session_state["conversation"] = Conversation.from_case(case)
    st.switch_page(BY_KEY["vraag"].file)

if case.status in EDITABLE:
    st.subheader("Aanpassen en " + ("opnieuw " if case.status == "teruggestuurd" else "") + "indienen")
    k = f"{case.id}_{case.version}"
    uitkomst = st.radio("Uitkomst", UITKOMSTEN, horizontal=True, key=f"mine_uitkomst_{k}",
                        index=UITKOMSTEN.index(case.uitkomst) if case.uitkomst in UITKOMSTEN else None)
    motivering = st.text_area("Motivering", case.motivering or "", height=260, key=f"mine_mot_{k}")
    stance = st.radio("Wat hebt u met het AI-antwoord gedaan?", AI_STANCES, horizontal=True, key=f"mine_stance_{k}",
                      index=AI_STANCES.index(case.ai_stance) if case.ai_stance in AI_STANCES else None)
    reason = st.text_area("Waarom? (bij aangepast of niet gevolgd)", case.ai_stance_reason or "", key=f"mine_reason_{k}")
    knelpunt = st.checkbox("Deze regel knelt (knelpunt melden)", value=case.knelpunt, key=f"mine_knel_{k}")
    description = st.text_area("Omschrijving van het knelpunt", case.knelpunt_description or "",
                               key=f"mine_kneldesc_{k}") if knelpunt else ""
    c1, c2, c3 = st.columns(3)
    save = c1.button("Opslaan", icon=":material/save:", key="mine_save", width="stretch")
    submit = c2.button("Opnieuw indienen" if case.status == "teruggestuurd" else "Indienen", type="primary",
                       icon=":material/send:", key="mine_submit", width="stretch")
    delete = case.status == "concept" and c3.button("Concept verwijderen", icon=":material/delete:",
                                                    key="mine_delete", width="stretch")
    if save or submit:
        try:
            cl.update_case(case.id, me.username, expected_version=case.version, uitkomst=uitkomst,
                           motivering=motivering, ai_stance=stance, ai_stance_reason=reason.strip() or None,
                           knelpunt=knelpunt, knelpunt_description=(description or "").strip() or None)
            if submit:
                cl.submit(case.id, me.username)
        except CaseError as exc:
            st.error(views.md_escape(exc), icon=":material/error:")
        else:
            st.toast(f"Casus {case.id} " + ("ingediend." if submit else "opgeslagen."), icon=":material/check:")
            st.rerun()
    if delete:
        try:
            cl.delete_case(case.id, me.username)
        except CaseError as exc:
            st.error(views.md_escape(exc))
        else:
            st.rerun()
