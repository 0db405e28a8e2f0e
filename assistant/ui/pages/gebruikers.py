"""Gebruikers (beheerder): the accounts of the case log; add one with a password, change a role,
reset a password (which also lifts a lockout), deactivate or activate. Every change goes through
CaseLog with the beheerder as actor (audit event; created_by for four eyes), exactly as
`maatwerk users ...` does."""

from __future__ import annotations

import streamlit as st

from assistant.identity import auth
from assistant.cases import CaseError, ROLES
from assistant.ui import runtime

me = runtime.require("gebruikers")
cl = runtime.caselog()

st.title("Gebruikers")
notice = st.session_state.pop("usr_notice", None)
if notice:
    st.success(notice, icon=":material/check_circle:")

users = cl.list_users()
real = [u for u in users if not auth.is_demo_username(u.username)]
st.dataframe([{"gebruikersnaam": u.username, "naam": u.display_name, "rol": auth.ROLE_LABELS.get(u.role, u.role),
               "team": u.team or "", "actief": "ja" if u.active else "nee",
               "inloggen": "organisatie (OIDC)" if u.oidc else ("wachtwoord" if u.has_password else "geen"),
               "diensttoken": "ja" if u.has_token else "", "aangemaakt door": u.created_by or "systeem"}
              for u in users], hide_index=True, width="stretch")
if me.demo:
    st.warning("U bent ingelogd met een demo-account. Een echte gebruiker toevoegen beëindigt de demostand: "
               "alle demo-accounts worden dan uitgeschakeld, ook het uwe. Maak de eerste echte beheerder liever "
               "aan met `maatwerk users init`.", icon=":material/science:")


def done(message: str) -> None:
    st.session_state["usr_notice"] = message
    st.rerun()


def role_label(role: str) -> str:
    return auth.ROLE_LABELS.get(role, role)


add, role_tab, password_tab, active_tab = st.tabs(["Toevoegen", "Rol wijzigen", "Wachtwoord opnieuw instellen",
                                                   "(De)activeren"])

with add:
    with st.form("usr_add", clear_on_submit=True):
        c1, c2 = st.columns(2)
        username = c1.text_input("Gebruikersnaam", key="usr_add_name",
                                 help="2-64 kleine letters, cijfers, punt, streepje of liggend streepje, bijv. j.devries.")
        display = c2.text_input("Naam", key="usr_add_display")
        role = c1.selectbox("Rol", ROLES, format_func=role_label, key="usr_add_role")
        team = c2.text_input("Team", key="usr_add_team")
        pw1 = c1.text_input("Wachtwoord (minimaal 12 tekens)", type="password", key="usr_add_pw1",
                            autocomplete="new-password")
        pw2 = c2.text_input("Herhaal het wachtwoord", type="password", key="usr_add_pw2", autocomplete="new-password")
        submitted = st.form_submit_button("Toevoegen", type="primary", icon=":material/person_add:")
    if submitted:
        if pw1 != pw2:
            st.error("De twee wachtwoorden zijn niet gelijk.")
        else:
            try:
                user = cl.add_user(username, role, team=team or None, display_name=display or None, by=me.username,
                                   password=pw1)
            except CaseError as exc:
                st.error(str(exc), icon=":material/error:")
            else:
                done(f"Gebruiker {user.username} toegevoegd als {role_label(user.role).lower()}.")

manageable = [u.username for u in real]
if not manageable:
    for tab in (role_tab, password_tab, active_tab):
        tab.info("Nog geen echte gebruikers.")
    st.stop()

with role_tab:
    who = st.selectbox("Gebruiker", manageable, key="usr_role_user")
    current = next(u for u in real if u.username == who)
    new_role = st.selectbox("Nieuwe rol", ROLES, index=ROLES.index(current.role), format_func=role_label,
                            key="usr_role_role")
    if st.button("Rol wijzigen", key="usr_role_save", disabled=new_role == current.role):
        try:
            cl.set_role(who, new_role, by=me.username)
        except CaseError as exc:
            st.error(str(exc), icon=":material/error:")
        else:
            done(f"{who} is nu {role_label(new_role).lower()}.")

with password_tab:
    with st.form("usr_pw", clear_on_submit=True):
        who_pw = st.selectbox("Gebruiker", [u.username for u in real if not u.oidc], key="usr_pw_user")
        np1 = st.text_input("Nieuw wachtwoord (minimaal 12 tekens)", type="password", key="usr_pw_1",
                            autocomplete="new-password")
        np2 = st.text_input("Herhaal het nieuwe wachtwoord", type="password", key="usr_pw_2",
                            autocomplete="new-password")
        reset = st.form_submit_button("Wachtwoord instellen", icon=":material/key:")
    st.caption("Een nieuw wachtwoord heft ook een blokkade na te veel onjuiste pogingen op.")
    if reset:
        if np1 != np2:
            st.error("De twee wachtwoorden zijn niet gelijk.")
        elif not who_pw:
            st.error("Kies een gebruiker.")
        else:
            try:
                cl.set_password(who_pw, np1, by=me.username)
            except CaseError as exc:
                st.error(str(exc), icon=":material/error:")
            else:
                done(f"Wachtwoord van {who_pw} ingesteld.")

with active_tab:
    who_act = st.selectbox("Gebruiker", manageable, key="usr_act_user",
                           format_func=lambda n: n + ("" if next(u for u in real if u.username == n).active
                                                      else " (inactief)"))
    target = next(u for u in real if u.username == who_act)
    if target.active:
        st.caption("Een gedeactiveerd account kan niet meer inloggen (ook niet met een diensttoken); open sessies "
                   "eindigen. Casussen en audittrail blijven bewaard.")
        if st.button("Deactiveren", key="usr_deactivate", icon=":material/person_off:",
                     disabled=who_act == me.username):
            try:
                cl.set_active(who_act, False, by=me.username)
            except CaseError as exc:
                st.error(str(exc), icon=":material/error:")
            else:
                done(f"{who_act} is gedeactiveerd.")
    elif st.button("Weer activeren", key="usr_activate", icon=":material/person_check:"):
        try:
            cl.set_active(who_act, True, by=me.username)
        except CaseError as exc:
            st.error(str(exc), icon=":material/error:")
        else:
            done(f"{who_act} is weer actief.")
