"""Uitvoeringstoets (jurist, kwaliteitsmedewerker, beheerder): upload a concept version of a
beleidsregel or verordening and see what it would mean for the approved cases and precedents
under the current version (assistant.policy.toets). The concept is read from a temporary folder
outside the corpus folder: it is never indexed and never used for answers."""

from __future__ import annotations

import tempfile
from pathlib import Path

import streamlit as st

from assistant.ui import runtime, views

me = runtime.require("toets")
settings = runtime.settings()
st.title("Uitvoeringstoets")
st.caption("Wat betekent een nieuwe versie van een beleidsregel of verordening voor de casussen die al zijn "
           "goedgekeurd? Upload het concept (met dezelfde citeertitel als de regeling die het vervangt). Het concept "
           "wordt niet opgeslagen, niet geïndexeerd en niet in antwoorden gebruikt.")

from assistant.reporting.document import MIME, render  # noqa: E402
from assistant.policy.toets import (  # noqa: E402
    EFFECTS,
    ToetsError,
    check_private,
    effect_chart,
    toets_document,
    uitvoeringstoets,
)

upload = st.file_uploader("Concept", type=["md", "markdown", "docx", "pdf", "html", "htm"], key="toets_file")
if upload is None:
    st.info("Kies een conceptbestand om de toets te maken.", icon=":material/upload_file:")
    st.stop()

key = (upload.name, upload.size)
if st.session_state.get("toets_key") != key:
    st.session_state.pop("toets_result", None)
    try:
        with tempfile.TemporaryDirectory(prefix="maatwerk-concept-") as tmp:
            path = Path(tmp) / Path(upload.name).name
            path.write_bytes(upload.getvalue())
            from assistant.corpus.workspace import prepare

            prepare(settings)
            with st.spinner("Casussen en precedenten tegen het concept afzetten…"):
                result = uitvoeringstoets(runtime.caselog(), path, Path(settings.corpus_dir),
                                          gemeente=settings.gemeente, max_chunk_chars=settings.max_chunk_chars)
    except ToetsError as exc:
        st.error(views.md_escape(exc), icon=":material/block:")
        st.stop()
    st.session_state["toets_key"] = key
    st.session_state["toets_result"] = result
result = st.session_state["toets_result"]
esc = views.md_escape

st.subheader(esc(result.citation))
counts = result.counts("casus")
m1, m2, m3, m4 = st.columns(4)
m1.metric("Casussen bij deze regeling", len(result.cases))
m2.metric("Afwijking niet meer nodig", counts["overbodig"])
m3.metric("Buiten de regel of minder", counts["minder"])
m4.metric("Niet te bepalen", counts["onbepaald"], help="De casus legt het feit waar het concept op draait niet vast; "
                                                       "apart geteld, niet geschat.")
for flag in result.flags:
    st.error(esc(f"Let op: {flag}."), icon=":material/warning:")
st.image(effect_chart(result), caption="Goedgekeurde casussen naar gevolg van het concept")

st.markdown("**Wat verandert voor de professional**")
for line in result.professional_lines() or ["Het concept verandert geen bedragen of voorwaarden."]:
    st.markdown(f"- {esc(line)}")
st.markdown("**Ruimte voor professionele afweging**")
for line in result.room_lines():
    st.markdown(f"- {esc(line)}")

st.markdown("**Casussen en precedenten**")
st.dataframe([{"casus": e.ref, "versie": e.version, "artikel": e.article or "", "uitkomst": e.uitkomst,
               "gevolg": EFFECTS[e.effect], "waarom": e.reason} for e in result.effects],
             hide_index=True, width="stretch")
if result.knelpunten:
    st.markdown("**Knelpunten**")
    st.dataframe([{"knelpunt": k.title, "artikel": k.article or "", "casussen": ", ".join(map(str, k.cases)),
                   "oordeel": k.verdict, "toelichting": k.reason} for k in result.knelpunten],
                 hide_index=True, width="stretch")

doc = toets_document(result)
if check_private(doc):
    st.error("De toets bevat nog iets dat op een persoonsgegeven lijkt; downloaden is uitgeschakeld.")
    st.stop()
labels = {"pdf": "PDF", "docx": "Word (DOCX)", "html": "HTML", "md": "Markdown"}
f1, f2 = st.columns([2, 1], vertical_alignment="bottom")
fmt = f1.selectbox("Formaat", list(labels), format_func=labels.get, key="toets_fmt")
f2.download_button(f"Download {labels[fmt]}", render(doc, fmt), file_name=f"uitvoeringstoets.{fmt}",
                   mime=MIME[fmt], icon=":material/download:", key="toets_download", type="primary")
