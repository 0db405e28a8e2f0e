"""The long-lived objects of the app (settings, assistant, case log), built once per process
and configuration with st.cache_resource, and the signed-in identity of this session."""

from __future__ import annotations

import threading
from pathlib import Path
from dataclasses import dataclass, field

import streamlit as st

from assistant.auth import Identity
from assistant.config import Settings
from assistant.ui.access import BY_KEY, may_see


def settings() -> Settings:
    # Cheap to build; reading it per run lets tests point MAATWERK_* at a temporary folder.
    return Settings()


def _key(s: Settings) -> str:
    return s.model_dump_json()


@st.cache_resource(show_spinner=False)
def _assistant(key: str):
    from assistant.answers import Assistant

    return Assistant.from_settings(Settings.model_validate_json(key))


def assistant():
    return _assistant(_key(settings()))


@st.cache_resource(show_spinner=False)
def _caselog(url: str):
    from assistant.cases import CaseLog
    from assistant.integrity import AuditKey

    # One pseudonymiser for the process: loading its name lists takes a moment.
    return CaseLog.from_url(url, pseudonymiser=getattr(assistant(), "pseudonymiser", None),
                            audit_key=AuditKey.from_settings(settings()))


def caselog():
    return _caselog(settings().sqlalchemy_url)


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


@st.cache_resource(show_spinner=False)
def _registry(key: str):
    from assistant.registry import Registry
    from assistant.workspace import prepare

    s = Settings.model_validate_json(key)
    prepare(s)  # the managed corpus under the data dir; the sample corpus is only read
    return Registry(caselog(), assistant().index, s.corpus_dir, precedents_dir=s.precedents_dir,
                    max_bytes=s.max_upload_mb * 1_000_000, max_chunk_chars=s.max_chunk_chars)


def registry():
    """The corpus registry over this process's case log and index, as `maatwerk corpus` builds it.
    Every corpus change in the app goes through it (registry row, audit event, index)."""
    return _registry(_key(settings()))


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
