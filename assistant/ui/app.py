"""The app shell: first-start indexing, login (local accounts or OIDC), and the navigation,
which lists only the pages of the signed-in role. Called from streamlit_app.py."""

from __future__ import annotations

import datetime as dt
import os
import time

import streamlit as st

from assistant.identity import auth
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
    demo_active = settings.auth == "local" and auth.demo_mode(caselog, bool(settings.demo))
    # On: demo accounts exist and are active. Off: they are deactivated in the case log, so
    # they are refused everywhere (also on the command line), not only hidden here.
    auth.sync_demo_accounts(caselog, demo_active)

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
    """Once per process the index is brought up to date with the corpus folder. `maatwerk serve`
    does that before the port opens (and says so via INDEX_READY_ENV); started otherwise
    (`streamlit run`), the first session does it here with visible progress, others that arrive
    meanwhile watch the same progress, and the progress disappears when it is done."""
    from assistant.retrieval.embeddings import EmbedderError
    from assistant.retrieval.store import IndexError_
    from assistant.config import INDEX_READY_ENV
    from assistant.dutch import plural
    from assistant.corpus.workspace import WorkspaceError, prepare

    gate = runtime.gate()
    if gate.synced:
        return
    if os.environ.get(INDEX_READY_ENV) == "1":
        gate.synced = True
        return
    try:
        assistant = runtime.assistant()
        assistant.index.check_embedder()
    except (EmbedderError, IndexError_) as exc:
        st.error(f"De index kan niet worden geopend: {exc}")
        st.stop()
    if not gate.lock.acquire(blocking=False):
        st.info(f"De index wordt bijgewerkt ({gate.phase or 'bestanden lezen'}); even geduld.")
        st.progress(gate.done / gate.total if gate.total else 0.0,
                    text=f"{gate.done} van {gate.total} passages" if gate.total else "bestanden lezen…")
        time.sleep(1.0)
        st.rerun()
    try:
        if gate.synced:
            return
        try:
            prepare(settings)
        except WorkspaceError as exc:
            st.error(str(exc))
            st.stop()
        corpus = settings.corpus_dir
        # Indexed before (an earlier process, or a run cut short): brought up to date the same
        # way; unchanged files cost only their hash.
        label = (f"Index bijwerken met de corpusmap '{corpus}'…" if assistant.index.count()
                 else f"Eerste start: het corpus in '{corpus}' wordt geïndexeerd…")
        slot = st.empty()
        with slot.container():
            with st.status(label, expanded=True) as status:
                st.write("Bestanden lezen en splitsen per artikel en lid…")
                gate.phase, gate.done, gate.total = "bestanden lezen", 0, 0
                bar = st.progress(0.0, text="bestanden lezen…")

                def on_progress(done: int, total: int) -> None:
                    gate.phase, gate.done, gate.total = "passages embedden", done, total
                    bar.progress(done / total if total else 1.0, text=f"{done} van {total} passages geïndexeerd")

                report = assistant.index.index_paths([corpus], progress=False, on_progress=on_progress,
                                                     max_bytes=runtime.app().max_upload_bytes)
                if not assistant.index.count():
                    status.update(label="Het corpus bevat geen bruikbare documenten.", state="error")
                    st.error(f"Er is niets geïndexeerd. Controleer MAATWERK_CORPUS_DIR (nu: '{corpus}').")
                    st.stop()
                st.write("Zoekindex laden…")
                assistant.warm_up()
                status.update(label=f"Klaar: {plural(assistant.index.count(), 'passage', 'passages')} uit "
                                    f"{plural(report.files_seen, 'bestand', 'bestanden')}.", state="complete")
        # Done: the progress goes; what could not be read stays visible (to the first session).
        slot.empty()
        for err in report.errors:
            st.warning(md_escape(f"Niet geïndexeerd: {err.path}: {err.reason}"))
        gate.synced = True
    finally:
        gate.lock.release()


# ---- who is signed in -------------------------------------------------------------------------


def current_identity(caselog, demo_active: bool) -> auth.Identity | None:
    if _idle_expired():
        _forget_session_cookie()
        return None
    mode = runtime.settings().auth
    if mode == "oidc":
        return _oidc_identity(caselog)
    me = runtime.identity() or _restored_identity(caselog, demo_active)
    if me is not None and not auth.still_valid(caselog, me, demo_active):
        st.session_state.pop("identity", None)
        st.session_state["login_notice"] = "Uw sessie is beëindigd: uw account of rol is gewijzigd. Log opnieuw in."
        _forget_session_cookie()
        return None
    if me is not None:
        _keep_session_cookie(me)
    return me


# ---- a login that survives a reload: a signed session cookie --------------------------------------

SESSION_COOKIE = "maatwerk_sessie"


def _session_seconds() -> int:
    """The cookie lives as long as a session may stay idle (8 hours where no idle limit is set)."""
    minutes = runtime.settings().session_idle_minutes
    return int(minutes * 60) if minutes else 8 * 3600


def _restored_identity(caselog, demo_active: bool) -> auth.Identity | None:
    """A browser reload starts a new Streamlit session: the signed cookie brings the login back
    (the account must still be active, with the same role: still_valid runs right after)."""
    if st.session_state.get("cookie_cleared"):
        return None  # logged out in this browser session: the old cookie may still be sent once
    try:
        token = st.context.cookies.get(SESSION_COOKIE)
    except Exception:  # no request context (bare script runs)
        return None
    found = runtime.session_signer().read(token, time.time())
    if found is None:
        return None
    me = auth.identity_for(caselog, found[0], demo_active)
    if me is not None:
        st.session_state["identity"] = me
        st.session_state["session_expires"] = found[1]
        st.session_state["restored_login"] = True  # a reload: the page brings back the conversation too
    return me


def _set_cookie(value: str, max_age: int) -> None:
    import streamlit.components.v1 as components

    # The component's frame shares the app's origin, so the cookie is the app's own.
    components.html(f"<script>document.cookie = '{SESSION_COOKIE}={value}; path=/; max-age={max_age}; "
                    "SameSite=Strict';</script>", height=0)


def _keep_session_cookie(me: auth.Identity) -> None:
    """Issue the cookie after a login, and renew it once half its life has passed, so it
    expires after the same idle time as the session itself."""
    if me.via != "lokaal":
        return
    seconds = _session_seconds()
    now = time.time()
    expires = st.session_state.get("session_expires")
    if expires is not None and expires - now > seconds / 2:
        return
    until = now + seconds
    _set_cookie(runtime.session_signer().issue(me.username, until), seconds)
    st.session_state["session_expires"] = until


def _forget_session_cookie() -> None:
    st.session_state["cookie_cleared"] = True
    _set_cookie("", 0)


def _idle_expired() -> bool:
    """End a session after MAATWERK_SESSION_IDLE_MINUTES without any interaction (0 = never).
    Every run of the script is an interaction; the time of the last one is kept in the session."""
    minutes = runtime.settings().session_idle_minutes
    now = dt.datetime.now(dt.timezone.utc)
    last = st.session_state.get("last_activity")
    st.session_state["last_activity"] = now
    if not minutes or runtime.identity() is None or last is None or now - last <= dt.timedelta(minutes=minutes):
        return False
    via_oidc = runtime.identity().via == "oidc"
    for key in [k for k in st.session_state.keys() if k != "last_activity"]:
        del st.session_state[key]
    st.session_state["login_notice"] = (f"Uw sessie is verlopen na {minutes} minuten zonder activiteit. "
                                        "Log opnieuw in.")
    if via_oidc:
        st.logout()
    return True


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
    if st.session_state.get("cookie_cleared"):
        _set_cookie("", 0)
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
            me = auth.login_local(caselog, username, password, demo_active,
                                  max_failures=runtime.settings().login_max_attempts,
                                  lock_minutes=runtime.settings().login_lockout_minutes)
        except auth.AuthError as exc:
            st.error(md_escape(exc))
        else:
            st.session_state["identity"] = me
            st.session_state.pop("cookie_cleared", None)
            st.session_state.pop("session_expires", None)
            st.rerun()
    if demo_active:
        with st.container(border=True):
            st.markdown("**:orange[Demo-omgeving]** — niet voor echte casussen. Alle demo-accounts hebben "
                        f"het wachtwoord `{auth.DEMO_PASSWORD}`.")
            st.dataframe(
                [{"gebruikersnaam": u, "rol": auth.ROLE_LABELS[r]} for u, r, _ in auth.DEMO_ACCOUNTS],
                hide_index=True, width="stretch")
            st.caption("De demostand staat aan omdat MAATWERK_DEMO=true (zo start `make run`). Zodra de eerste "
                       "beheerder is aangemaakt (`maatwerk users init`), zijn de demo-accounts uitgeschakeld.")
    elif runtime.settings().auth == "local" and not caselog.has_real_users():
        st.info("Er zijn nog geen gebruikers. Maak op de server de eerste beheerder aan met "
                "`maatwerk users init NAAM`; die voegt daarna collega's toe (pagina Gebruikers of "
                "`maatwerk users add`). Alleen proberen? Start de demo met `make run` (MAATWERK_DEMO=true).",
                icon=":material/person_add:")
    if auth.demo_ignored(caselog, bool(runtime.settings().demo)):
        st.caption("MAATWERK_DEMO=true wordt genegeerd: deze casuslog heeft echte gebruikers, dus de demo-accounts "
                   "zijn uitgeschakeld.")


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
    st.session_state["cookie_cleared"] = True  # the login page clears the browser's cookie
    if me.via == "oidc":
        st.logout()
    st.rerun()
