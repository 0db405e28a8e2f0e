"""Corpus (jurist; a beheerder may look): the corpus as managed documents. Every change goes
through the Registry (registry row + audit event + index), never by writing files here: add a
document or a new version, compare versions, withdraw a document, promote an approved case to a
precedent, mark a precedent achterhaald, and see which precedents and open knelpunten a change
affects (Registry.impact)."""

from __future__ import annotations

import datetime as dt
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any, Callable

import streamlit as st

from assistant.cases import CaseError
from assistant.corpus.documents import DOMAINS, SOURCE_TYPES
from assistant.dutch import plural
from assistant.privacy import format_counts
from assistant.ui import runtime, views

me = runtime.require("corpus")
settings = runtime.settings()
assistant = runtime.assistant()
index = assistant.index
reg = runtime.registry()
cl = runtime.caselog()
CAN_EDIT = me.role in ("jurist", "beheerder")  # as in Registry: juristen and beheerders curate
UPLOAD_TYPES = ["pdf", "docx", "html", "htm", "md", "markdown"]
TYPES_TEXT = "PDF, DOCX, HTML of Markdown"
TABS = ["Documenten", "Toevoegen", "Precedenten", "Gevolgen", "Index"]


# ---- plumbing ----------------------------------------------------------------------------------


def sync_existing(force: bool = False) -> None:
    """Files already in the corpus folder (the sample corpus, files copied in by hand) are
    registered once per process, so the list below is the whole corpus."""
    state = runtime.sync_state()
    if state.done and not force:
        return
    if not state.lock.acquire(blocking=False):
        return  # another session is registering them right now
    try:
        if state.done and not force:
            return
        with st.spinner("Documenten in de corpusmap registreren…"):
            added, problems = reg.register_existing(me.username)
        state.done, state.added, state.problems = True, state.added + len(added), problems
        if force:
            flash("index", ok=[f"{len(added)} document(en) uit de corpusmap geregistreerd."],
                  warn=[f"Overgeslagen: {p}" for p in problems])
    except CaseError as exc:
        st.error(views.registry_message(exc))
    finally:
        state.lock.release()


def flash(section: str, ok: list[str] | None = None, warn: list[str] | None = None, **extra: Any) -> None:
    """The outcome of an action, shown after the rerun where the action was taken."""
    st.session_state[f"corpus_flash_{section}"] = {"ok": ok or [], "warn": warn or [], **extra}


def show_flash(section: str) -> dict[str, Any] | None:
    got = st.session_state.get(f"corpus_flash_{section}")
    if not got:
        return None
    for line in got["ok"]:  # the lines name citations, files and reasons users supplied
        st.success(views.md_escape(line), icon=":material/check_circle:")
    for line in got["warn"]:
        st.warning(views.md_escape(line), icon=":material/warning:")
    if got.get("impact") is not None:
        views.render_impact(got["impact"])
    if st.button("Melding sluiten", icon=":material/close:", key=f"corpus_flash_close_{section}", type="tertiary"):
        st.session_state.pop(f"corpus_flash_{section}", None)
        st.rerun()
    return got


def change(label: str, fn: Callable[[], Any], where=None) -> Any:
    """One corpus change through the Registry, one at a time per process (the indexing gate).
    A refused change shows the Registry's Dutch reason (in `where`, e.g. next to the button that
    was pressed); nothing was changed then."""
    where = where if where is not None else st
    gate = runtime.gate()
    if not gate.lock.acquire(blocking=False):
        where.warning("Er loopt al een indexering of wijziging (door een andere gebruiker); probeer het zo opnieuw.")
        return None
    try:
        with st.spinner(views.md_escape(label)):
            result = fn()
            assistant.warm_up()  # answers see the change right away
        return result
    except CaseError as exc:
        where.error(views.registry_message(exc), icon=":material/block:")
        return None
    finally:
        gate.lock.release()


def impact_of(citation: str):
    try:
        return reg.impact(citation, me.username)
    except CaseError as exc:
        st.error(views.registry_message(exc))
        return None


def mark_achterhaald(ref, ecli: str, toelichting: str, section: str) -> None:
    """Mark a precedent achterhaald and show which knelpunten and precedents its rule touches."""
    done = change("Markeren…", lambda: reg.mark_achterhaald(ref, me.username, ecli,
                                                           toelichting=toelichting.strip() or None))
    if done is None:
        return
    regel = next((str(c.extra.get("regel")) for c in index.source_chunks(done.path)
                  if c.extra.get("regel")), None)
    flash(section, ok=[f"Precedent {done.precedent_id or done.id} is achterhaald door {done.achterhaald_door}; "
                       "het blijft zichtbaar als geschiedenis."],
          impact=impact_of(regel) if regel else None)
    st.rerun()


def doc_label(d) -> str:
    return f"{d.id} · {d.citation} · {views.period(d.valid_from, d.valid_to)} · {d.status}"


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
                                       max_bytes=runtime.app().max_upload_bytes)
            bar.progress(1.0, text="klaar")
            assistant.warm_up()
            summary = (f"{plural(report.files_seen, 'bestand', 'bestanden')}: {report.files_indexed} geïndexeerd, {report.files_unchanged} "
                       f"ongewijzigd, {report.files_removed} verwijderd; {report.chunks_added} passages toegevoegd, "
                       f"{report.chunks_removed} verwijderd ({report.seconds:.1f} s).")
            status.update(label=summary, state="error" if report.errors else "complete", expanded=bool(report.errors))
        flash("index", ok=[summary], warn=[f"{e.path}: {e.reason}" for e in report.errors])
    finally:
        gate.lock.release()


# ---- the page ----------------------------------------------------------------------------------

st.title("Corpus")
st.caption("De documenten waarop de assistent zijn antwoorden baseert, met hun versies. Elke wijziging wordt "
           "vastgelegd in het register en de audit trail en is direct daarna doorzoekbaar.")
sync_existing()

docs = reg.list()
by_id = {d.id: d for d in docs}
passages = Counter(c.source for c in index.all_chunks())
today = dt.date.today()
current = sum(d.status == "geldend" for d in docs)
st.markdown(f"**{len(docs)}** documenten (alle versies) · **{current}** geldend vandaag · "
            f"**{sum(d.source_type == 'besluit' for d in docs)}** precedenten · **{sum(passages.values())}** "
            "passages in de index")

tab_docs, tab_add, tab_prec, tab_impact, tab_index = st.tabs(TABS, key="corpus_tab")

# ---- Documenten ----------------------------------------------------------------------------------

with tab_docs:
    query = st.text_input("Zoeken in titel of citeertitel", key="corpus_query", placeholder="bijv. bijzondere bijstand")
    active = sum(bool(st.session_state.get(k)) for k in ("corpus_types", "corpus_status", "corpus_domains"))
    with st.expander("Filter op type, status of domein" + (f" ({active} actief)" if active else ""),
                     icon=":material/filter_list:", expanded=bool(active)):
        f1, f2, f3 = st.columns(3)
        types = sorted({d.source_type for d in docs}, key=lambda t: SOURCE_TYPES.index(t) if t in SOURCE_TYPES else 99)
        want_types = f1.multiselect("Type", types, format_func=lambda t: views.TYPE_LABEL.get(t, t),
                                    key="corpus_types", placeholder="alle typen")
        want_status = f2.multiselect("Status", ["geldend", "toekomstig", "vervallen", "achterhaald", "concept"],
                                     key="corpus_status", placeholder="alle statussen")
        want_domain = f3.multiselect("Domein", sorted({d.domain for d in docs}), key="corpus_domains",
                                     placeholder="alle domeinen")
    shown = [d for d in docs if (not want_types or d.source_type in want_types)
             and (not want_status or d.status in want_status) and (not want_domain or d.domain in want_domain)
             and (not query.strip() or query.strip().lower() in f"{d.title} {d.citation}".lower())]
    rows = [{"nr": d.id, "citeertitel": d.citation, "status": d.status, "geldig van": views.day(d.valid_from),
             "geldig tot": views.day(d.valid_to) or "—", "type": views.TYPE_LABEL.get(d.source_type, d.source_type),
             "domein": d.domain, "laag": d.layer, "passages": passages.get(d.path, 0), "titel": d.title,
             "bestand": d.path} for d in shown]
    st.caption(f"{len(shown)} van {len(docs)} documenten. Klik op een rij om het document te openen.")
    picked = st.dataframe(rows, hide_index=True, width="stretch", key="corpus_table", on_select="rerun",
                          selection_mode="single-row",
                          column_config={"nr": st.column_config.NumberColumn(width="small"),
                                         "citeertitel": st.column_config.TextColumn(width="large"),
                                         "passages": st.column_config.NumberColumn(width="small")})
    sel = list(getattr(getattr(picked, "selection", None), "rows", []) or [])
    if sel and sel[0] < len(shown) and st.session_state.get("corpus_table_last") != shown[sel[0]].id:
        st.session_state["corpus_table_last"] = shown[sel[0]].id
        st.session_state["corpus_doc"] = shown[sel[0]].id
    if "corpus_doc_next" in st.session_state:  # opened by an action elsewhere on the page
        st.session_state["corpus_doc"] = st.session_state.pop("corpus_doc_next")
    options = [d.id for d in shown]
    if st.session_state.get("corpus_doc") in by_id and st.session_state["corpus_doc"] not in options:
        options.insert(0, st.session_state["corpus_doc"])  # stays open while the filter changes
    doc_id = st.selectbox("Document openen", options, index=None, format_func=lambda i: doc_label(by_id[i]),
                          key="corpus_doc", placeholder="kies een document (of klik op een rij hierboven)")
    show_flash("doc")
    doc = by_id.get(doc_id) if doc_id is not None else None
    if doc is not None:
        with st.container(border=True):
            st.subheader(views.md_escape(doc.citation))
            if doc.title != doc.citation:
                st.markdown(views.md_escape(doc.title))
            badge = {"geldend": "green", "toekomstig": "blue", "vervallen": "gray", "achterhaald": "red"}
            st.badge(views.md_escape(doc.status), color=badge.get(doc.status, "gray"))
            # Every value is registry metadata a user or a file supplied: escaped, the URL inert
            # unless it is on an official host.
            esc = views.md_escape
            facts = [("type", views.type_label(doc.source_type)), ("laag", esc(doc.layer)),
                     ("domein", esc(doc.domain)), ("bevoegd gezag", esc(doc.bevoegd_gezag or "—")),
                     ("geldig", esc(views.period(doc.valid_from, doc.valid_to))), ("bestand", esc(doc.path)),
                     ("toegevoegd", f"{doc.added_at:%d-%m-%Y %H:%M} door {esc(doc.added_by)}")]
            if doc.changed_by:
                facts.append(("gewijzigd", f"{doc.changed_at:%d-%m-%Y %H:%M} door {esc(doc.changed_by)}"))
            if doc.source_url:
                facts.append(("officiële vindplaats", views.official_link(doc.source_url)))
            if doc.precedent_id:
                facts.append(("kenmerk", esc(doc.precedent_id)))
            if doc.case_id:
                facts.append(("casus", str(doc.case_id)))
            if doc.achterhaald_door:
                facts.append(("achterhaald door", esc(doc.achterhaald_door)))
            if doc.note:
                facts.append(("toelichting", esc(doc.note)))
            st.markdown("  \n".join(f"**{k}:** {v}" for k, v in facts))

            versions = reg.versions(doc.citation)
            st.markdown(f"**Versies van deze citeertitel ({len(versions)})**")
            st.dataframe([{"nr": v.id, "geldig van": views.day(v.valid_from), "geldig tot": views.day(v.valid_to) or "—",
                           "status": v.status, "toegevoegd door": v.added_by, "bestand": v.path,
                           "": "← dit document" if v.id == doc.id else ""} for v in versions],
                         hide_index=True, width="stretch")

            comparable = [v for v in versions if v.valid_from]
            if len(comparable) >= 2:
                with st.expander("Versies vergelijken", icon=":material/difference:",
                                 expanded=bool(st.session_state.get(f"corpus_diff_{doc.id}"))):
                    fmt = lambda i: doc_label(by_id[i]) if i in by_id else str(i)  # noqa: E731
                    ids = [v.id for v in comparable]
                    c1, c2 = st.columns(2)
                    old_id = c1.selectbox("Oude versie", ids, index=len(ids) - 2, format_func=fmt, key=f"diff_old_{doc.id}")
                    new_id = c2.selectbox("Nieuwe versie", ids, index=len(ids) - 1, format_func=fmt, key=f"diff_new_{doc.id}")
                    c3, c4 = st.columns(2)
                    layout = c3.radio("Weergave", ["wijzigingen onder elkaar", "naast elkaar"], horizontal=True,
                                      key=f"diff_layout_{doc.id}")
                    artikel = c4.text_input("Alleen artikel (leeg = hele document)", key=f"diff_art_{doc.id}",
                                            placeholder="bijv. 4")
                    if st.button("Vergelijken", icon=":material/difference:", key=f"diff_go_{doc.id}"):
                        old, new = by_id[old_id], by_id[new_id]
                        try:
                            if old_id == new_id:
                                raise CaseError("Kies twee verschillende versies.")
                            text = reg.diff(doc.citation, artikel=artikel.strip() or None, oud=old.valid_from,
                                            nieuw=new.valid_from, side_by_side=layout == "naast elkaar", width=150)
                            st.session_state[f"corpus_diff_{doc.id}"] = (layout, text)
                        except CaseError as exc:
                            st.session_state.pop(f"corpus_diff_{doc.id}", None)
                            st.error(views.registry_message(exc))
                    shown_diff = st.session_state.get(f"corpus_diff_{doc.id}")
                    if shown_diff:
                        st.code(shown_diff[1], language="diff" if shown_diff[0] != "naast elkaar" else None,
                                wrap_lines=shown_diff[0] != "naast elkaar")

            if CAN_EDIT and doc.stored_status != "achterhaald" and not (doc.valid_to and doc.valid_to <= today):
                with st.expander("Intrekken per datum", icon=":material/event_busy:"):
                    st.caption("Het document geldt tot (niet tot en met) deze datum. Het blijft vindbaar voor "
                               "vragen met een eerdere peildatum.")
                    with st.form(f"retire_{doc.id}"):
                        per, per_problem = views.date_field(
                            "Vervalt per", max(today, (doc.valid_from or today) + dt.timedelta(days=1)),
                            key=f"retire_per_{doc.id}")
                        reden = st.text_area("Reden", key=f"retire_reden_{doc.id}",
                                             placeholder="bijv. ingetrokken door het college op 1 december")
                        go = st.form_submit_button("Intrekken", type="primary", icon=":material/event_busy:")
                    if go:
                        if per_problem or per is None:
                            st.error(per_problem or "Vul ‘Vervalt per’ in (DD-MM-JJJJ).")
                        elif not reden.strip():
                            st.error("Geef een reden voor de intrekking.")
                        else:
                            done = change("Intrekken…", lambda: reg.retire(doc.id, me.username, per=per,
                                                                          reden=reden.strip()))
                            if done is not None:
                                flash("doc", ok=[f"Document {done.id} ({done.citation}) vervalt per "
                                                 f"{views.day(done.valid_to)}; geldig {views.period(done.valid_from, done.valid_to)}."],
                                      impact=impact_of(done.citation))
                                st.rerun()

            if doc.source_type == "besluit":
                if doc.stored_status == "achterhaald":
                    st.error(f"Achterhaald door {views.md_escape(doc.achterhaald_door)}. Het besluit blijft zichtbaar als "
                             "geschiedenis, maar telt niet meer als steun voor een antwoord.", icon=":material/gavel:")
                elif CAN_EDIT:
                    with st.expander("Markeer als achterhaald", icon=":material/gavel:"):
                        st.caption("Voor een besluit dat in bezwaar of beroep niet standhield.")
                        with st.form(f"achterhaald_{doc.id}"):
                            ecli = st.text_input("ECLI van de uitspraak", key=f"ach_ecli_{doc.id}",
                                                 placeholder="ECLI:NL:CRVB:2026:123")
                            toel = st.text_area("Toelichting", key=f"ach_toel_{doc.id}",
                                                placeholder="bijv. vernietigd in beroep")
                            go = st.form_submit_button("Markeer als achterhaald", type="primary", icon=":material/gavel:")
                        if go:
                            mark_achterhaald(doc.id, ecli, toel, "doc")

# ---- Toevoegen ----------------------------------------------------------------------------------

with tab_add:
    got = show_flash("add")
    if got and got.get("diff"):
        with st.expander("Verschil met de vorige versie", icon=":material/difference:"):
            st.code(got["diff"], language="diff", wrap_lines=True)
    if not CAN_EDIT:
        st.info("Alleen een jurist voegt documenten toe.")
    else:
        st.caption(f"{TYPES_TEXT}, maximaal {settings.max_upload_mb} MB. Een document met de citeertitel van een "
                   "bestaand document is een **nieuwe versie**: de geldende versie wordt gesloten per de nieuwe "
                   "‘Geldig vanaf’. Velden die u leeg laat, komen uit het bestand (front matter) of uit de vorige versie.")
        citations = sorted({d.citation for d in docs if d.source_type != "besluit"})
        nonce = st.session_state.get("up_nonce", 0)
        if st.session_state.pop("up_reset", False):  # an empty form after a successful upload
            for k in ("up_prev", "up_citation", "up_title", "up_type", "up_domain", "up_from", "up_to", "up_gezag",
                      "up_url"):
                st.session_state.pop(k, None)
        with st.form("upload"):
            upload = st.file_uploader("Bestand", type=UPLOAD_TYPES, key=f"up_file_{nonce}")
            prev = st.selectbox("Nieuwe versie van", citations, index=None, key="up_prev",
                                placeholder="— een nieuw document —")
            citation = st.text_input("Citeertitel (bij een nieuw document)", key="up_citation",
                                     placeholder="bijv. Beleidsregels bijzondere bijstand Lindewaarde 2027")
            title = st.text_input("Titel (leeg = uit het bestand)", key="up_title")
            c1, c2 = st.columns(2)
            source_type = c1.selectbox("Type", SOURCE_TYPES, index=None, format_func=lambda t: views.TYPE_LABEL.get(t, t),
                                       key="up_type", placeholder="uit het bestand of de vorige versie")
            domain = c2.selectbox("Domein", DOMAINS, index=None, key="up_domain",
                                  placeholder="uit het bestand of de vorige versie")
            d1, d2 = st.columns(2)
            valid_from, from_problem = views.date_field(
                "Geldig vanaf", None, key="up_from", where=d1,
                help="Datum van inwerkingtreding (DD-MM-JJJJ); verplicht als het bestand hem niet bevat.")
            valid_to, to_problem = views.date_field("Geldig tot (leeg = tot nader order)", None, key="up_to", where=d2)
            g1, g2 = st.columns(2)
            gezag = g1.text_input("Bevoegd gezag", key="up_gezag", placeholder="bijv. college van B en W")
            url = g2.text_input("Officiële vindplaats (URL)", key="up_url", placeholder="https://lokaleregelgeving.overheid.nl/…")
            # Refusals appear here, right above the button that was pressed, not below the long form.
            notice = st.container()
            submitted = st.form_submit_button("Toevoegen aan het corpus", type="primary", icon=":material/upload:")

        if submitted:
            problem = None
            previous = reg.versions(prev)[-1] if prev and reg.versions(prev) else None
            if upload is None:
                problem = "Kies eerst een bestand."
            elif Path(upload.name).suffix.lower().lstrip(".") not in UPLOAD_TYPES:
                problem = (f"{upload.name}: dit bestandstype wordt niet ondersteund; kies een {TYPES_TEXT}-bestand "
                           "(.pdf, .docx, .html, .md).")
            elif not upload.getvalue():
                problem = f"{upload.name}: het bestand is leeg."
            elif len(upload.getvalue()) > runtime.app().max_upload_bytes:
                problem = (f"{upload.name}: te groot ({len(upload.getvalue()) / 1e6:.1f} MB; maximaal "
                           f"{settings.max_upload_mb} MB).")
            elif prev and citation.strip() and citation.strip() != prev:
                problem = ("Vul óf ‘Nieuwe versie van’ óf een citeertitel in: ‘" + citation.strip() + "’ is niet "
                           f"‘{prev}’.")
            elif from_problem or to_problem:
                problem = from_problem or to_problem
            elif valid_to and valid_from and valid_to <= valid_from:
                problem = "‘Geldig tot’ moet na ‘Geldig vanaf’ liggen."
            if problem:
                notice.error(problem, icon=":material/block:")
            else:
                meta = {"citation": prev or citation.strip() or None, "title": title.strip() or None,
                        "source_type": source_type or (previous.source_type if previous else None),
                        "domain": domain or (previous.domain if previous else None),
                        "valid_from": valid_from, "valid_to": valid_to,
                        "bevoegd_gezag": gezag.strip() or None, "official_url": url.strip() or None}
                if previous is not None and not meta["bevoegd_gezag"] and previous.bevoegd_gezag:
                    meta["bevoegd_gezag"] = previous.bevoegd_gezag

                def add():
                    from assistant.curation import safe_name

                    with tempfile.TemporaryDirectory(prefix="maatwerk-upload-") as tmp:
                        path = Path(tmp) / safe_name(upload.name)
                        path.write_bytes(upload.getvalue())
                        return reg.add(path, me.username, **{k: v for k, v in meta.items() if v is not None})

                result = change(f"{upload.name} toevoegen en indexeren…", add, where=notice)
                if result is not None:
                    ok = [f"Toegevoegd: document {d.id}, {d.citation} (geldig {views.period(d.valid_from, d.valid_to)}), "
                          f"bestand {d.path}." for d in result.added]
                    # What the index holds instead of the personal data in the upload.
                    ok += [f"Persoonsgegevens vervangen in de index ({d.citation}): "
                           f"{format_counts(result.replaced_in(d))}." for d in result.added]
                    ok += [f"Vorige versie gesloten per {views.day(d.valid_to)}: document {d.id}, {d.citation} "
                           f"(nu geldig {views.period(d.valid_from, d.valid_to)})." for d in result.closed]
                    warn = [f"Let op (ander bestand in het corpus): {w}" for w in result.warnings]
                    extra: dict[str, Any] = {}
                    if result.added and len(reg.versions(result.document.citation)) >= 2:
                        try:
                            extra["diff"] = reg.diff(result.document.citation)
                        except CaseError:
                            pass
                    if result.closed:
                        extra["impact"] = impact_of(result.document.citation)
                    flash("add", ok=ok, warn=warn, **extra)
                    st.session_state["up_reset"] = True
                    st.session_state["up_nonce"] = nonce + 1
                    st.session_state["corpus_doc_next"] = result.document.id
                    st.rerun()

# ---- Precedenten ----------------------------------------------------------------------------------

with tab_prec:
    st.caption("Goedgekeurde casussen kunnen een precedent worden: een gepseudonimiseerd maatwerkbesluit in het "
               "corpus, waar de assistent bij volgende vragen naar verwijst.")
    show_flash("prec")
    promoted = {d.case_id for d in docs if d.source_type == "besluit" and d.case_id}
    candidates = [c for c in cl.approved_cases() if c.id not in promoted]
    st.markdown(f"**Goedgekeurde casussen, nog geen precedent ({len(candidates)})**")
    if not candidates:
        st.info("Er zijn geen goedgekeurde casussen die nog geen precedent zijn.", icon=":material/inbox:")
    else:
        st.dataframe([{"casus": c.id, "goedgekeurd": views.day(c.reviewed_at.date()) if c.reviewed_at else "",
                       "domein": c.domain or "", "uitkomst": c.uitkomst or "",
                       "regel": ", ".join(r.get("citation", "") for r in c.rules if isinstance(r, dict)),
                       "knelpunt": "ja" if c.knelpunt else "", "vraag": c.question} for c in candidates],
                     hide_index=True, width="stretch",
                     column_config={"casus": st.column_config.NumberColumn(width="small"),
                                    "vraag": st.column_config.TextColumn(width="large")})
        if CAN_EDIT:
            by_case = {c.id: c for c in candidates}
            with st.form("promote"):
                case_id = st.selectbox("Casus", list(by_case), key="prom_case",
                                       format_func=lambda i: f"Casus {i} — {by_case[i].question[:90]}")
                pid = st.text_input("Kenmerk (leeg = MB-JJJJ-C<casusnummer>)", key="prom_id")
                omst = st.text_area("Omstandigheden, één per regel (leeg = uit de situatie van de casus)", key="prom_omst")
                go = st.form_submit_button("Promoveer tot precedent", type="primary", icon=":material/upgrade:")
            if go and case_id is not None:
                lines = [ln.strip(" -•\t") for ln in omst.splitlines() if ln.strip(" -•\t")]
                done = change(f"Casus {case_id} promoveren…", lambda: reg.promote_case(
                    case_id, me.username, precedent_id=pid.strip() or None, omstandigheden=lines or None))
                if done is not None:
                    flash("prec", ok=[f"Casus {case_id} is precedent {done.precedent_id} (document {done.id}), "
                                      f"bestand {done.path}."])
                    st.session_state["prec_pick"] = done.id
                    st.rerun()

    from_cases = [d for d in docs if d.source_type == "besluit" and d.case_id]
    st.markdown(f"**Precedenten uit casussen ({len(from_cases)})**")
    if from_cases:
        st.dataframe([{"kenmerk": d.precedent_id, "casus": d.case_id, "sinds": views.day(d.valid_from),
                       "status": d.status, "achterhaald door": d.achterhaald_door or ""} for d in from_cases],
                     hide_index=True, width="stretch")
        ids = [d.id for d in from_cases]
        if st.session_state.get("prec_pick") in ids:  # the one just promoted
            st.session_state["prec_doc"] = st.session_state.pop("prec_pick")
        chosen = st.selectbox("Precedent", ids, key="prec_doc",
                              format_func=lambda i: f"{by_id[i].precedent_id} (casus {by_id[i].case_id}, {by_id[i].status})")
        p = by_id[chosen]
        if p.stored_status == "achterhaald":
            st.caption(f"{views.md_escape(p.precedent_id)} is achterhaald door {views.md_escape(p.achterhaald_door)}.")
        elif CAN_EDIT:
            with st.form("prec_achterhaald"):
                st.markdown(f"**{views.md_escape(p.precedent_id)} markeren als achterhaald** (niet standgehouden in bezwaar of beroep)")
                ecli = st.text_input("ECLI van de uitspraak", key="prec_ecli", placeholder="ECLI:NL:CRVB:2026:123")
                toel = st.text_area("Toelichting", key="prec_toel", placeholder="bijv. vernietigd in beroep")
                go = st.form_submit_button("Markeer als achterhaald", icon=":material/gavel:")
            if go:
                mark_achterhaald(p.id, ecli, toel, "prec")
    else:
        st.caption("Nog geen precedenten uit casussen.")

# ---- Gevolgen ----------------------------------------------------------------------------------

with tab_impact:
    st.caption("Welke precedenten en open knelpunten verwijzen naar een regel, en raakt een nieuwe versie of een "
               "intrekking ze (‘knelpunt mogelijk opgelost’, ‘precedent gebaseerd op oude versie’)?")
    rule_citations = sorted({d.citation for d in docs if d.source_type != "besluit"})
    with st.form("impact"):
        c1, c2 = st.columns([3, 1])
        which = c1.selectbox("Regel (citeertitel)", rule_citations, index=None, key="imp_citation",
                             accept_new_options=True, placeholder="kies of typ een citeertitel")
        art = c2.text_input("Artikel (optioneel)", key="imp_art", placeholder="bijv. 4")
        go = st.form_submit_button("Gevolgen tonen", icon=":material/troubleshoot:")
    if go:
        if not which:
            st.error("Kies of typ eerst een citeertitel.")
        else:
            try:
                st.session_state["imp_report"] = reg.impact(which, me.username, artikel=art.strip() or None)
            except CaseError as exc:
                st.error(views.registry_message(exc))
    if st.session_state.get("imp_report") is not None:
        views.render_impact(st.session_state["imp_report"])

# ---- Index ----------------------------------------------------------------------------------

with tab_index:
    show_flash("index")
    st.caption(f"Corpusmap: {views.md_escape(settings.corpus_dir)} · embedder "
               f"{views.md_escape((index.meta.get('embedder') or settings.embedder).split(':')[0])} · indexvingerafdruk "
               f"{views.md_escape(index.fingerprint[:16])}")
    state = runtime.sync_state()
    if state.problems:
        with st.expander(f"{len(state.problems)} bestand(en) in de corpusmap niet geregistreerd", icon=":material/warning:"):
            for p in state.problems:
                st.caption(views.md_escape(p))
    if CAN_EDIT:
        st.markdown("**Bestanden die buiten de app in de corpusmap zijn gezet** worden geregistreerd (zonder ze te "
                    "wijzigen), zodat ze in de lijst en in de audit trail staan.")
        if st.button("Bestanden in de corpusmap registreren", icon=":material/playlist_add_check:", key="corpus_sync"):
            sync_existing(force=True)
            st.rerun()
        st.markdown("**Opnieuw indexeren** leest de corpusmap opnieuw: gewijzigde bestanden worden bijgewerkt, "
                    "verwijderde verdwijnen uit de index, ongewijzigde worden overgeslagen.")
        r1, r2 = st.columns(2)
        if r1.button("Corpus opnieuw indexeren", icon=":material/refresh:", key="corpus_reindex", width="stretch"):
            run_indexing("Corpus opnieuw indexeren…")
            st.rerun()
        with r2.popover("Volledig opnieuw opbouwen", icon=":material/restart_alt:", width="stretch"):
            st.write("Gooit de hele index weg en bouwt hem opnieuw op. Zoeken werkt pas weer als dat klaar is.")
            if st.button("Ja, opnieuw opbouwen", type="primary", key="corpus_rebuild"):
                run_indexing("Index opnieuw opbouwen…", rebuild=True)
                st.rerun()
