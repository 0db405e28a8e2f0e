"""Verantwoording (everyone): what the assistant is and is not, what answers (from the running
configuration), what is logged and for how long, and a draft Algoritmeregister entry."""

from __future__ import annotations

import streamlit as st

from assistant.ui import register, runtime

me = runtime.require("verantwoording")
settings = runtime.settings()
try:
    from importlib.metadata import version as _v

    VERSION = _v("maatwerkassistent")
except Exception:
    VERSION = None
try:
    passages = runtime.assistant().index.count()
except Exception:
    passages = None

st.title("Verantwoording")
st.markdown("""
**De professional beslist; de assistent beslist nooit.** De Maatwerkassistent zoekt in wet- en regelgeving,
lokale verordeningen, beleidsregels, richtsnoeren en eerdere maatwerkbesluiten of, en op welke grondslag, u van
een regel mag afwijken. Elke bewering verwijst naar een passage, met vindplaats en de versie die op de peildatum gold.
""")
c1, c2 = st.columns(2)
with c1:
    st.markdown("##### Wat de assistent wél doet")
    st.markdown("""
- bronnen zoeken die op de peildatum golden, per laag (wet, verordening, beleidsregel, richtsnoer, besluit)
- de afwijkingsruimte aanwijzen (4:84 Awb, hardheidsclausule, bevoegdheid in de wet, of geen ruimte)
- eerdere besluiten tonen en wijzen op ongelijke behandeling
- een concept-motivering opstellen die u aanpast
""")
with c2:
    st.markdown("##### Wat de assistent níet doet")
    st.markdown("""
- besluiten nemen of adviseren wat de uitkomst moet zijn
- antwoorden zonder bron: vindt hij niets, dan zegt hij dat
- persoonsgegevens doorgeven: namen, BSN's en adressen worden eerst vervangen
- leren van uw casussen zonder dat een jurist een besluit als precedent opneemt
""")

st.markdown("##### Wie antwoordt (huidige configuratie)")
st.dataframe([
    {"onderdeel": "Antwoord", "instelling": f"MAATWERK_LLM={settings.llm}", "betekent": register.describe_backend(settings)},
    {"onderdeel": "Zoeken", "instelling": f"MAATWERK_EMBEDDER={settings.embedder}",
     "betekent": register.describe_embedder(settings) + " + BM25 (lexicaal)"},
    {"onderdeel": "Index", "instelling": f"{passages if passages is not None else '?'} passages",
     "betekent": "Chroma-server " + settings.chroma_url if settings.chroma_url else "lokaal in de datamap"},
    {"onderdeel": "Casuslog", "instelling": "MAATWERK_DATABASE_URL" if settings.database_url else "SQLite",
     "betekent": "externe database" if settings.database_url else "lokaal in de datamap"},
], hide_index=True, width="stretch")

st.markdown("##### Wat wordt vastgelegd, en hoe lang")
st.markdown(f"""
- **Casussen** die u opslaat: vraag, situatie, uitkomst, motivering, uw oordeel over het AI-antwoord en het
  AI-antwoord zelf (bevroren, met een SHA-256-controlegetal) — gepseudonimiseerd.
- **Feedback** (duim omhoog/omlaag met reden) bij het antwoord waarop hij gaat.
- **Audittrail**: wie wanneer wat deed (aanmaken, wijzigen, indienen, beoordelen, exporteren), geketend met een
  sleutel buiten de database (HMAC), zodat wijzigen of weglaten opvalt, ook in de casussen zelf. Bewaartermijn: minimaal **{settings.audit_retention_days} dagen**
  (MAATWERK_AUDIT_RETENTION_DAYS).
- Vragen die u niet opslaat, worden niet bewaard.
""")

st.markdown("##### Algoritmeregister (concept)")
st.caption("Een concepttekst voor het Algoritmeregister, gevuld uit de draaiende configuratie. "
           "De gemeente controleert en vult aan (o.a. de impacttoetsen) voordat zij publiceert.")
entry = register.algoritmeregister_entry(settings, passages=passages, version=VERSION)
with st.expander("Concept bekijken", icon=":material/description:"):
    st.markdown(register.to_markdown(entry))
d1, d2 = st.columns(2)
d1.download_button("Download als Markdown", register.to_markdown(entry), file_name="algoritmeregister-maatwerkassistent.md",
                   mime="text/markdown", icon=":material/download:", key="reg_md", width="stretch")
d2.download_button("Download als JSON", register.to_json(entry), file_name="algoritmeregister-maatwerkassistent.json",
                   mime="application/json", icon=":material/download:", key="reg_json", width="stretch")
