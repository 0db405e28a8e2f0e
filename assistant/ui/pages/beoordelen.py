"""Beoordelen (kwaliteitsmedewerker): the queue of submitted cases, the full case with its AI
trace and precedents, and approve / return / reject. Never one's own case (four eyes)."""

from __future__ import annotations

import streamlit as st

from assistant.cases import CaseError, STATUSES
from assistant.corpus.documents import DOMAINS
from assistant.ui import runtime, views

me = runtime.require("beoordelen")
cl = runtime.caselog()

st.title("Beoordelen")
f1, f2, f3, f4 = st.columns(4)
status = f1.selectbox("Status", STATUSES, index=STATUSES.index("ingediend"), key="rev_status")
domain = f2.selectbox("Domein", DOMAINS, index=None, placeholder="alle domeinen", key="rev_domain")
all_cases = cl.list_cases(me.username, status=status, domain=domain)
teams = sorted({c.team for c in all_cases if c.team})
team = f3.selectbox("Team", teams, index=None, placeholder="alle teams", key="rev_team")
only_knelpunt = f4.checkbox("Alleen knelpunten", key="rev_knel")
cases = [c for c in all_cases if (team is None or c.team == team) and (not only_knelpunt or c.knelpunt)]
cases.sort(key=lambda c: c.submitted_at or c.updated_at)

if not cases:
    st.info("Geen casussen met deze filters." + (" De wachtrij is leeg." if status == "ingediend" else ""),
            icon=":material/inbox:")
    st.stop()

st.caption(f"{len(cases)} casus(sen), oudste eerst.")
st.dataframe([{"casus": c.id, "ingediend": f"{c.submitted_at:%d-%m-%Y %H:%M}" if c.submitted_at else "",
               "auteur": c.author_name + (" (u)" if c.author == me.username else ""), "team": c.team or "",
               "domein": c.domain or "", "vraag": c.question[:80], "uitkomst": c.uitkomst or "",
               "knelpunt": "ja" if c.knelpunt else ""} for c in cases], hide_index=True, width="stretch")

labels = {c.id: f"Casus {c.id} — {c.author_name} — {c.question[:60]}" for c in cases}
chosen = st.selectbox("Casus beoordelen", list(labels), format_func=labels.get, key="rev_case")
case = cl.get_case(chosen, me.username)
with st.container(border=True):
    views.render_case(case)
    with st.expander("Audittrail van deze casus", icon=":material/history:"):
        st.dataframe([{"#": e["seq"], "wanneer": f"{e['occurred_at']:%d-%m-%Y %H:%M:%S}", "wie": e["actor"],
                       "wat": e["action"]} for e in cl.audit_events(case.id)], hide_index=True, width="stretch")

if case.author == me.username:
    st.info("Dit is uw eigen casus; een collega beoordeelt hem (vier-ogenprincipe).", icon=":material/visibility:")
elif case.status != "ingediend":
    st.caption(f"Deze casus is {case.status}; alleen ingediende casussen worden beoordeeld.")
else:
    st.subheader("Oordeel")
    comment = st.text_area("Toelichting voor de professional (verplicht bij terugsturen)", key=f"rev_comment_{case.id}")
    c1, c2, c3 = st.columns(3)
    action = None
    if c1.button("Goedkeuren", type="primary", icon=":material/check_circle:", key="rev_approve", width="stretch"):
        action = "approve"
    if c2.button("Terugsturen", icon=":material/undo:", key="rev_return", width="stretch"):
        action = "return"
    if c3.button("Afwijzen", icon=":material/cancel:", key="rev_reject", width="stretch"):
        action = "reject"
    if action:
        try:
            done = cl.review(case.id, me.username, action, comment or None, expected_version=case.version)
        except CaseError as exc:
            st.error(views.md_escape(exc), icon=":material/error:")
        else:
            st.toast(f"Casus {done.id} {done.status}.", icon=":material/check:")
            st.rerun()
