"""Corpus (jurist): what is indexed, uploading documents into the corpus folder, re-indexing."""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

import streamlit as st
import yaml

from assistant.documents import DOMAINS, SOURCE_TYPES
from assistant.ui import runtime, views

me = runtime.require("corpus")
settings = runtime.settings()
assistant = runtime.assistant()
index = assistant.index
UPLOAD_TYPES = ["pdf", "docx", "html", "htm", "md", "markdown"]
UPLOAD_DIR = "uploads"


def run_indexing(label: str, rebuild: bool = False) -> None:
    gate = runtime.gate()
    if not gate.lock.acquire(blocking=False):
        st.warning("Er loopt al een indexering (door een andere gebruiker); probeer het zo opnieuw.")
        return
    try:
        with st.status(label, expanded=True) as status:
            if rebuild:
                st.write("Bestaande index verwijderen…")
                index.reset()
            bar = st.progress(0.0, text="bestanden lezen en splitsen…")

            def on_progress(done: int, total: int) -> None:
                gate.done, gate.total, gate.phase = done, total, "passages embedden"
                bar.progress(done / total if total else 1.0, text=f"{done} van {total} nieuwe passages geïndexeerd")

            report = index.index_paths([settings.corpus_dir], progress=False, on_progress=on_progress,
                                       max_bytes=settings.max_upload_mb * 1_000_000)
            bar.progress(1.0, text="klaar")
            assistant.warm_up()
            for err in report.errors:
                st.error(f"{err.path}: {err.reason}")
            summary = (f"{report.files_seen} bestanden: {report.files_indexed} geïndexeerd, {report.files_unchanged} "
                       f"ongewijzigd, {report.files_removed} verwijderd; {report.chunks_added} passages toegevoegd, "
                       f"{report.chunks_removed} verwijderd ({report.seconds:.1f} s).")
            status.update(label=summary, state="error" if report.errors else "complete", expanded=bool(report.errors))
        st.session_state["corpus_report"] = (summary, [f"{e.path}: {e.reason}" for e in report.errors])
        return report
    finally:
        gate.lock.release()


def safe_name(name: str) -> str:
    stem, dot, suffix = Path(name).name.rpartition(".")
    stem = re.sub(r"[^A-Za-z0-9@._-]+", "-", stem).strip("-.") or "document"
    return f"{stem}.{suffix.lower()}" if dot else stem


st.title("Corpus")
last = st.session_state.pop("corpus_report", None)
if last:
    if last[0]:
        (st.warning if last[1] else st.success)(last[0])
    for line in last[1]:
        st.error(line)

chunks = index.all_chunks()
docs: dict[str, dict] = {}
counts: dict[str, int] = defaultdict(int)
for c in chunks:
    counts[c.source] += 1
    docs.setdefault(c.source, {"document": c.title, "type": views.TYPE_LABEL.get(c.source_type, c.source_type),
                               "domein": c.domain, "geldig vanaf": c.valid_from or "", "geldig tot": c.valid_to or "heden",
                               "bestand": c.source})
rows = [{**d, "passages": counts[s]} for s, d in sorted(docs.items())]
m1, m2, m3 = st.columns(3)
m1.metric("Documenten", len(rows))
m2.metric("Passages", len(chunks))
m3.metric("Embedder", (index.meta.get("embedder") or settings.embedder).split(":")[0])
st.caption(f"Corpusmap: `{settings.corpus_dir}` · indexvingerafdruk `{index.fingerprint[:16]}`")

types = sorted({r["type"] for r in rows})
chosen = st.multiselect("Filter op type", types, key="corpus_types", placeholder="alle typen")
st.dataframe([r for r in rows if not chosen or r["type"] in chosen], hide_index=True, width="stretch",
             column_config={"passages": st.column_config.NumberColumn(width="small")})

st.subheader("Document toevoegen")
st.caption(f"PDF, DOCX, HTML of Markdown, maximaal {settings.max_upload_mb} MB per bestand. Het bestand komt in "
           f"`{settings.corpus_dir / UPLOAD_DIR}` en wordt direct geïndexeerd. Metadata die het bestand zelf niet "
           "draagt (type, geldigheid, citeerwijze) vult u hieronder in.")
with st.form("upload", clear_on_submit=True):
    files = st.file_uploader("Bestanden", type=UPLOAD_TYPES, accept_multiple_files=True, key="corpus_files")
    c1, c2 = st.columns(2)
    source_type = c1.selectbox("Type", SOURCE_TYPES, index=SOURCE_TYPES.index("beleidsregel"), key="up_type")
    domain = c2.selectbox("Domein", DOMAINS, index=None, placeholder="afleiden uit de tekst", key="up_domain")
    title = st.text_input("Titel (leeg = uit het bestand)", key="up_title")
    citation = st.text_input("Citeerwijze (bijv. ‘Beleidsregels bijzondere bijstand Lindewaarde 2026’)", key="up_citation")
    d1, d2 = st.columns(2)
    valid_from = d1.date_input("Geldig vanaf", value=None, format="DD-MM-YYYY", key="up_from")
    valid_to = d2.date_input("Geldig tot (leeg = nog geldig)", value=None, format="DD-MM-YYYY", key="up_to")
    replace = st.checkbox("Bestaand bestand met dezelfde naam vervangen", key="up_replace")
    submitted = st.form_submit_button("Uploaden en indexeren", type="primary", icon=":material/upload:")

if submitted:
    if not files:
        st.error("Kies eerst een bestand.")
    else:
        target = Path(settings.corpus_dir) / UPLOAD_DIR
        target.mkdir(parents=True, exist_ok=True)
        written: list[Path] = []
        problems: list[str] = []  # shown after the rerun that follows indexing
        for f in files:
            data = f.getvalue()
            name = safe_name(f.name)
            if len(data) > settings.max_upload_mb * 1_000_000:
                problems.append(f"{f.name}: te groot ({len(data) / 1e6:.1f} MB; maximaal {settings.max_upload_mb} MB).")
                continue
            if not data:
                problems.append(f"{f.name}: het bestand is leeg.")
                continue
            path = target / name
            if path.exists() and not replace:
                problems.append(f"{name} bestaat al in de corpusmap; vink ‘vervangen’ aan of geef het bestand een andere "
                         "naam (bijv. met @JJJJ-MM-DD voor een nieuwe versie).")
                continue
            meta = {k: v for k, v in {"title": title.strip() or None, "citation": citation.strip() or None,
                                      "source_type": source_type, "domain": domain,
                                      "valid_from": valid_from.isoformat() if valid_from else None,
                                      "valid_to": valid_to.isoformat() if valid_to else None,
                                      "uploaded_by": me.username}.items() if v}
            path.write_bytes(data)
            path.with_name(path.name + ".meta.yaml").write_text(
                "# Metadata bij een upload via de app\n" + yaml.safe_dump(meta, allow_unicode=True, sort_keys=False),
                encoding="utf-8")
            written.append(path)
        if written:
            report = run_indexing(f"{len(written)} bestand(en) indexeren…")
            if report is not None:
                failed = {str(e.path) for e in report.errors}
                for path in written:
                    if f"{UPLOAD_DIR}/{path.name}" in failed:
                        # A file that cannot be indexed does not stay in the corpus folder.
                        path.unlink(missing_ok=True)
                        path.with_name(path.name + ".meta.yaml").unlink(missing_ok=True)
            summary, errors = st.session_state.get("corpus_report", ("", []))
            st.session_state["corpus_report"] = (summary, problems + errors)
            st.rerun()
        for problem in problems:
            st.error(problem)

st.subheader("Opnieuw indexeren")
st.caption("Leest de corpusmap opnieuw: gewijzigde bestanden worden bijgewerkt, verwijderde bestanden verdwijnen uit "
           "de index, ongewijzigde worden overgeslagen.")
r1, r2 = st.columns(2)
if r1.button("Corpus opnieuw indexeren", icon=":material/refresh:", key="corpus_reindex", width="stretch"):
    run_indexing("Corpus opnieuw indexeren…")
    st.rerun()
with r2.popover("Volledig opnieuw opbouwen", icon=":material/restart_alt:", width="stretch"):
    st.write("Gooit de hele index weg en bouwt hem opnieuw op. Zoeken werkt pas weer als dat klaar is.")
    if st.button("Ja, opnieuw opbouwen", type="primary", key="corpus_rebuild"):
        run_indexing("Index opnieuw opbouwen…", rebuild=True)
        st.rerun()
