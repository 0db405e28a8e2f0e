"""The long-lived objects of the app: one assistant.app.App per process and configuration (cached
with st.cache_resource), the indexing gate, and the signed-in identity of this session."""

from __future__ import annotations

import threading
from pathlib import Path
from dataclasses import dataclass, field

import streamlit as st

from assistant.identity.auth import Identity
from assistant.config import Settings
from assistant.ui.access import BY_KEY, may_see


def settings() -> Settings:
    # Cheap to build; reading it per run lets tests point MAATWERK_* at a temporary folder.
    return Settings()


def _key(s: Settings) -> str:
    return s.model_dump_json()


@st.cache_resource(show_spinner=False)
def _app(key: str):
    from assistant.app import App

    return App.from_settings(Settings.model_validate_json(key))


def app():
    """The composition root of this configuration, shared by every session of the process."""
    return _app(_key(settings()))


def assistant():
    return app().assistant


def caselog():
    return app().caselog


@dataclass
class IndexingGate:
    """One indexing run at a time per configuration; other sessions watch its progress."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    done: int = 0
    total: int = 0
    phase: str = ""
    error: str | None = None
    # Set once the corpus folder was fully indexed by this process. A run that Streamlit cut
    # short (a rerun or a closed tab interrupts the script) leaves it unset, so the next run
    # resumes: index_paths skips what is complete and redoes what is not.
    synced: bool = False


@st.cache_resource(show_spinner=False)
def _gate(key: str) -> IndexingGate:
    return IndexingGate()


def gate() -> IndexingGate:
    return _gate(_key(settings()))


def identity() -> Identity | None:
    return st.session_state.get("identity")


def require(page_key: str) -> Identity:
    """Every page calls this first, on every run: no identity or the wrong role stops the page."""
    me = identity()
    if me is None:
        st.warning("Log eerst in.")
        st.stop()
    if not may_see(me.role, page_key):
        title = BY_KEY[page_key].title if page_key in BY_KEY else page_key
        st.error(f"U hebt als {me.role_label.lower()} geen toegang tot '{title}'.")
        st.stop()
    return me


def registry():
    """The corpus registry over this process's case log and index, as `maatwerk corpus` builds it.
    Every corpus change in the app goes through it (registry row, audit event, index)."""
    return app().registry


@dataclass
class SyncState:
    """Whether the files already in the corpus folder were registered in this process."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    done: bool = False
    added: int = 0
    problems: list[str] = field(default_factory=list)


@st.cache_resource(show_spinner=False)
def _sync_state(key: str) -> SyncState:
    return SyncState()


def sync_state() -> SyncState:
    return _sync_state(_key(settings()))


@st.cache_resource(show_spinner=False)
def _signer(data_dir: str):
    from assistant.integrity import SessionSigner

    return SessionSigner.from_data_dir(Path(data_dir))


def session_signer():
    """Signs the session cookie that lets a login survive a browser reload."""
    return _signer(str(settings().data_dir))


def conversations():
    """This user's saved conversations (pseudonymised, in the data dir)."""
    from assistant.privacy import PlaceholderMap
    from assistant.ui.conversation import ConversationStore

    ps = getattr(assistant(), "pseudonymiser", None)
    pseudonymise = (lambda text: ps.pseudonymise(text, PlaceholderMap())) if ps is not None else (lambda text: text)
    return ConversationStore(Path(settings().data_dir) / "gesprekken", pseudonymise)
