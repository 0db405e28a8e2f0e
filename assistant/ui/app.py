"""The app shell: first-start indexing, login (local accounts or OIDC), and the navigation,
which lists only the pages of the signed-in role. Called from streamlit_app.py."""

from __future__ import annotations

import time

import streamlit as st

from assistant import auth
from assistant.ui import runtime
from assistant.ui.access import pages_for
from assistant.ui.views import md_escape

APP_TITLE = "Maatwerkassistent"


def main() -> None:
    st.set_page_config(page_title=APP_TITLE, page_icon=":material/balance:", layout="wide",
                       initial_sidebar_state="auto")
    try:
        settings = runtime.settings()
    except Exception as exc:  # pydantic ValidationError: a MAATWERK_* value is wrong
        st.error(f"De configuratie is ongeldig; controleer de MAATWERK_*-instellingen.\n\n{exc}")
        st.stop()
    ensure_index(settings)
    caselog = runtime.caselog()
    demo_active = auth.demo_mode(caselog, bool(runtime.settings().demo))
    if demo_active and runtime.settings().auth == "local":
        auth.ensure_demo_accounts(caselog)

    me = current_identity(caselog, demo_active)
    if me is None:
        st.navigation([st.Page(lambda: login_page(caselog, demo_active), title="Inloggen",
                               icon=":material/login:", url_path="inloggen")], position="hidden").run()
        return
    sidebar(me, demo_active)
    specs = pages_for(me.role)
    pages = [st.Page(s.file, title=s.title, icon=s.icon, url_path=s.key, default=(i == 0))
             for i, s in enumerate(specs)]
    st.navigation(pages).run()


# ---- the index on first start -----------------------------------------------------------------


def ensure_index(settings) -> None:
    """Once per process the index is brought up to date with the corpus folder (on first start:
    filled), with visible progress. One session indexes; others that arrive meanwhile watch the
    same progress."""
    from assistant.embeddings import EmbedderError
    from assistant.index import IndexError_

    gate = runtime.gate()
    if gate.synced:
        return
    try:
        assistant = runtime.assistant()
        assistant.index.check_embedder()
    except (EmbedderError, IndexError_) as exc:
        st.error(f"De index kan niet worden geopend: {exc}")
        st.stop()
    if not gate.lock.acquire(blocking=False):
        st.title(APP_TITLE)
        st.info(f"Eerste start: het voorbeeldcorpus wordt geïndexeerd ({gate.phase}).")
        st.progress(gate.done / gate.total if gate.total else 0.0,
                    text=f"{gate.done} van {gate.total} passages" if gate.total else "bestanden lezen…")
        time.sleep(1.0)
        st.rerun()
    try:
        if gate.synced:
            return
        st.title(APP_TITLE)
        corpus = settings.corpus_dir
        # Indexed before (an earlier process, or a run cut short): brought up to date the same
        # way; unchanged files cost only their hash.
        label = (f"Index bijwerken met de corpusmap '{corpus}'…" if assistant.index.count()
                 else f"Eerste start: het corpus in '{corpus}' wordt geïndexeerd…")
        with st.status(label, expanded=True) as status:
            st.write("Bestanden lezen en splitsen per artikel en lid…")
            gate.phase, gate.done, gate.total = "bestanden lezen", 0, 0
            bar = st.progress(0.0, text="bestanden lezen…")

            def on_progress(done: int, total: int) -> None:
                gate.phase, gate.done, gate.total = "passages embedden", done, total
                bar.progress(done / total if total else 1.0, text=f"{done} van {total} passages geïndexeerd")

            report = assistant.index.index_paths([corpus], progress=False, on_progress=on_progress,
                                                 max_bytes=settings.max_upload_mb * 1_000_000)
            for err in report.errors:
                st.warning(md_escape(f"{err.path}: {err.reason}"))
            if not assistant.index.count():
                status.update(label="Het corpus bevat geen bruikbare documenten.", state="error")
                st.error(f"Er is niets geïndexeerd. Controleer MAATWERK_CORPUS_DIR (nu: '{corpus}').")
                st.stop()
            st.write("Zoekindex laden…")
            assistant.warm_up()
            status.update(label=f"Klaar: {assistant.index.count()} passages uit {report.files_indexed} "
                                f"bestanden geïndexeerd ({report.seconds:.0f} s).", state="complete", expanded=False)
            gate.synced = True
    finally:
        gate.lock.release()


# ---- who is signed in -------------------------------------------------------------------------


def current_identity(caselog, demo_active: bool) -> auth.Identity | None:
    mode = runtime.settings().auth
    if mode == "oidc":
        return _oidc_identity(caselog)
    me = runtime.identity()
    if me is not None and not auth.still_valid(caselog, me, demo_active):
        st.session_state.pop("identity", None)
        st.session_state["login_notice"] = "Uw sessie is beëindigd: uw account of rol is gewijzigd. Log opnieuw in."
        return None
    return me


def _oidc_identity(caselog) -> auth.Identity | None:
    if not st.user.is_logged_in:
        st.session_state.pop("identity", None)
        return None
    me = runtime.identity()
    if me is not None and me.via == "oidc" and auth.still_valid(caselog, me, False):
        return me
    try:
        role_map = auth.parse_role_map(runtime.settings().oidc_role_map)
        me = auth.identity_from_claims(caselog, st.user.to_dict(), runtime.settings().oidc_role_claim,
                                       role_map, runtime.settings().oidc_username_claim)
    except (auth.AuthError, ValueError) as exc:
        st.error(md_escape(exc))
        st.button("Uitloggen", on_click=st.logout)
        st.stop()
    st.session_state["identity"] = me
    return me


def login_page(caselog, demo_active: bool) -> None:
    st.title(APP_TITLE)
    st.caption("Vind de ruimte voor maatwerk in regels, richtsnoeren en eerdere besluiten. "
               "De professional beslist; de assistent beslist nooit.")
    notice = st.session_state.pop("login_notice", None)
    if notice:
        st.warning(notice)
    if runtime.settings().auth == "oidc":
        provider = runtime.settings().oidc_provider
        st.button("Inloggen met uw organisatie-account", type="primary", icon=":material/login:",
                  on_click=st.login, args=(provider,) if provider else ())
        return
    with st.form("login", border=True):
        username = st.text_input("Gebruikersnaam", key="login_user", autocomplete="username")
        password = st.text_input("Wachtwoord", type="password", key="login_password", autocomplete="current-password")
        submitted = st.form_submit_button("Inloggen", type="primary", icon=":material/login:")
    if submitted:
        try:
            me = auth.login_local(caselog, username, password, demo_active)
        except auth.AuthError as exc:
            st.error(md_escape(exc))
        else:
            st.session_state["identity"] = me
            st.rerun()
    if demo_active:
        with st.container(border=True):
            st.markdown("**:orange[Demo-omgeving]** — niet voor echte casussen. Alle demo-accounts hebben "
                        f"het wachtwoord `{auth.DEMO_PASSWORD}`.")
            st.dataframe(
                [{"gebruikersnaam": u, "rol": auth.ROLE_LABELS[r]} for u, r, _ in auth.DEMO_ACCOUNTS],
                hide_index=True, width="stretch")
            st.caption("Demo-accounts werken niet meer zodra een beheerder echte gebruikers aanmaakt "
                       "(`maatwerk users add`), tenzij MAATWERK_DEMO=true.")


def sidebar(me: auth.Identity, demo_active: bool) -> None:
    with st.sidebar:
        st.markdown(f"**{md_escape(me.display_name)}**  \n{md_escape(me.role_label)}")
        if me.demo:
            st.warning("Demo-account: niet voor echte casussen.", icon=":material/science:")
        if st.button("Uitloggen", icon=":material/logout:", key="logout"):
            _logout(me)


def _logout(me: auth.Identity) -> None:
    for key in list(st.session_state.keys()):
        del st.session_state[key]
    if me.via == "oidc":
        st.logout()
    st.rerun()
