"""Rendering shared by the pages: sources per layer, a citation's full passage, the room and
precedents of a stored casus (an answer in the chat: answer_view.py). Pure presentation over Answer.to_dict() and Case."""

from __future__ import annotations

import calendar
import datetime as dt
import json
import re
from typing import Any

import streamlit as st

from assistant.answering.model import LAYER_OF, LAYERS
from assistant.ui import runtime

STATUS_LABEL = {
    "concept": ("concept", "gray"),
    "ingediend": ("ingediend", "blue"),
    "goedgekeurd": ("goedgekeurd", "green"),
    "teruggestuurd": ("teruggestuurd", "orange"),
    "afgewezen": ("afgewezen", "red"),
}
BASIS_LABEL = {
    "beleidsregel-4:84-awb": "Afwijken van een beleidsregel (artikel 4:84 Awb)",
    "hardheidsclausule": "Hardheidsclausule van de verordening",
    "wettelijke-bevoegdheid": "Bevoegdheid in de wet zelf",
    "geen": "Geen ruimte om af te wijken",
}
TYPE_LABEL = {
    "wet": "wet", "amvb": "AMvB", "ministeriele_regeling": "ministeriële regeling", "verordening": "verordening",
    "beleidsregel": "beleidsregel", "richtsnoer": "richtsnoer", "werkinstructie": "werkinstructie",
    "besluit": "maatwerkbesluit", "uitspraak": "uitspraak", "overig": "overig",
}


# ---- dates ------------------------------------------------------------------------------------
# Typed dates instead of st.date_input: its calendar silently turns 31-02 into 28-02 and speaks
# English ("Date set outside allowed range"); here every mistake gets a Dutch message.

MONTH_NAMES = ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september",
               "oktober", "november", "december")
_DATE_RE = re.compile(r"^\s*(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})\s*$|^\s*(\d{4})-(\d{1,2})-(\d{1,2})\s*$")
DATE_MIN, DATE_MAX = dt.date(1900, 1, 1), dt.date(2199, 12, 31)


def parse_date(text: str, label: str = "De datum") -> dt.date | None:
    """DD-MM-JJJJ (or JJJJ-MM-DD) to a date; '' to None. ValueError with a Dutch message that
    names the field, also for a day that does not exist (31-02-2026)."""
    if not (text or "").strip():
        return None
    m = _DATE_RE.match(text)
    if not m:
        raise ValueError(f"{label}: ‘{text.strip()[:40]}’ is geen datum; schrijf DD-MM-JJJJ, bijvoorbeeld 01-03-2026.")
    d, mo, y = (m.group(1), m.group(2), m.group(3)) if m.group(1) else (m.group(6), m.group(5), m.group(4))
    day_, month, year = int(d), int(mo), int(y)
    if not 1 <= month <= 12:
        raise ValueError(f"{label}: maand {month} bestaat niet; schrijf DD-MM-JJJJ, bijvoorbeeld 01-03-2026.")
    last = calendar.monthrange(year, month)[1]
    if not 1 <= day_ <= last:
        raise ValueError(f"{label}: {day_:02d}-{month:02d}-{year} bestaat niet; {MONTH_NAMES[month - 1]} {year} "
                         f"heeft {last} dagen.")
    value = dt.date(year, month, day_)
    if not DATE_MIN <= value <= DATE_MAX:
        raise ValueError(f"{label}: kies een datum tussen {DATE_MIN:%d-%m-%Y} en {DATE_MAX:%d-%m-%Y}.")
    return value


def date_field(label: str, value: dt.date | None, key: str, where=None, help: str | None = None
               ) -> tuple[dt.date | None, str | None]:
    """A date typed as DD-MM-JJJJ: (the date or None when empty, a Dutch error or None)."""
    where = where if where is not None else st
    if key not in st.session_state:
        st.session_state[key] = value.strftime("%d-%m-%Y") if value else ""
    text = where.text_input(label, key=key, help=help, placeholder="DD-MM-JJJJ")
    try:
        return parse_date(text, f"‘{label}’"), None
    except ValueError as exc:
        return None, str(exc)


def md_escape(text: str) -> str:
    """Corpus text into Markdown without accidental bold, LaTeX or headings."""
    text = re.sub(r"([*_`$\\<>])", r"\\\1", text or "")
    return re.sub(r"(?m)^(\s*)#", r"\1\\#", text)
# Every ASCII punctuation mark Markdown, GitHub-flavoured Markdown or Streamlit give a meaning:
# links and images ([ ] ( ) !), emphasis, code, headings, lists, tables, HTML and entities, LaTeX,
# Streamlit's :color[...] and :material/...: directives.
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|$~:&^=])")
# GitHub-flavoured Markdown turns bare URLs, www. names and e-mail addresses into live links after
# parsing, so escaping does not stop it; a zero-width space inside the trigger does (the text reads
# the same).
_ZWSP = "\u200b"
_AUTOLINK = re.compile(r"(?i)(?<=:)(?=//)|(?<=\bwww)(?=\.)|(?=@)")


def md_escape(text: Any) -> str:
    """The one way user- and corpus-supplied text reaches Markdown in the app (st.markdown,
    captions, alerts, widget and expander labels): shown as the text it is. No link, image,
    autolink, emphasis, heading, list, table, HTML, LaTeX or Streamlit directive survives."""
    text = "" if text is None else str(text)
    text = re.sub(r"(?m)^[ \t]+", "", text)  # indentation would make a code block
    text = _AUTOLINK.sub(_ZWSP, text)
    return _MD_SPECIAL.sub(r"\\\1", text)


def md_escape_lines(text: Any) -> str:
    """Like md_escape, but the composed answer's own structure survives: a line starting with
    "- " stays a list item (its text escaped), and every line stays a line."""
    out = []
    for line in ("" if text is None else str(text)).split("\n"):
        if line.startswith("- "):
            out.append("- " + md_escape(line[2:]))
        elif line.strip():
            out.append(md_escape(line) + "  ")  # a hard line break: the next line stays a line
        else:
            out.append("")
    return "\n".join(out)


# Hosts whose links are the point of an "officiële vindplaats"; any other URL is shown as text.
OFFICIAL_HOSTS = ("overheid.nl", "officielebekendmakingen.nl", "rechtspraak.nl", "raadvanstate.nl",
                  "centraleraadvanberoep.nl")


def official_link(url: str | None) -> str:
    """Markdown for a document's official URL: a live link only for https on an official host
    (wetten.overheid.nl, lokaleregelgeving.overheid.nl, ...), otherwise inert text."""
    from urllib.parse import urlsplit

    url = (url or "").strip()
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
    except ValueError:
        return md_escape(url)
    if parts.scheme == "https" and any(host == h or host.endswith("." + h) for h in OFFICIAL_HOSTS) \
            and not re.search(r"[\s()<>\[\]\\]", url):
        return f"[{md_escape(url)}]({url})"
    return md_escape(url)


def type_label(source_type: str | None) -> str:
    """A source type as shown in Markdown (unknown types escaped as they are)."""
    return TYPE_LABEL.get(source_type or "") or md_escape(source_type or "")


def validity(valid_from: str | None, valid_to: str | None) -> str:
    return f"geldig van {md_escape(valid_from or 'onbekend')} tot {md_escape(valid_to or 'heden')}"


def status_badge(status: str) -> None:
    label, color = STATUS_LABEL.get(status, (status, "gray"))
    st.badge(md_escape(label), color=color)


def _passages(chunk_ids: list[str]) -> dict[str, Any]:
    """Full passages for the cited chunks (one look-up per answer); a passage that is no longer
    indexed (re-indexed corpus) simply falls back to the quote stored with the answer."""
    try:
        return runtime.assistant().index.get_chunks(chunk_ids)
    except Exception:
        return {}


def citation_expander(c: dict[str, Any], chunk) -> None:
    with st.expander(f"[{c['n']}] {md_escape(c['citation'])}", icon=":material/menu_book:"):
        st.caption(f"{type_label(c.get('source_type'))} · "
                   f"{validity(c.get('valid_from'), c.get('valid_to'))}")
        if c.get("quote"):
            st.markdown(f"> {md_escape(c['quote'])}")
        if chunk is not None:
            st.markdown("**Volledige passage**")
            st.text(chunk.text)
            where = f"Bron: {md_escape(chunk.source)}" + (f", pagina {chunk.page}" if chunk.page else "")
            if chunk.title:
                where += f" — {md_escape(chunk.title)}"
            st.caption(where)
            if chunk.official_url:
                st.caption(f"Officiële vindplaats: {official_link(chunk.official_url)}")
        else:
            st.caption(f"Bron: {md_escape(c.get('source'))} (de volledige passage staat niet meer in de index)")


def render_sources(answer: dict[str, Any]) -> None:
    citations = answer.get("citations") or []
    if not citations:
        return
    chunks = _passages([c["chunk_id"] for c in citations])
    groups: dict[str, list[dict[str, Any]]] = {}
    for c in citations:
        groups.setdefault(LAYER_OF.get(c.get("source_type") or "", ("overig", "Overige bronnen"))[1], []).append(c)
    st.markdown("##### Bronnen per laag")
    for _, label, _ in LAYERS:
        if label not in groups:
            continue
        st.markdown(f"**{label}**")
        for c in groups[label]:
            citation_expander(c, chunks.get(c["chunk_id"]))


def render_ruimte(r: dict[str, Any] | None) -> None:
    if not r:
        return
    st.markdown("##### Afwijkingsruimte")
    basis = BASIS_LABEL.get(r.get("basis")) or md_escape(r.get("basis"))
    box = st.error if r.get("knelpunt") else st.success
    cited = r.get("citation") if r.get("citation") and r["citation"] not in basis else None  # said once
    box(f"**{basis}**" + (f" — {md_escape(cited)}" if cited else ""),
        icon=":material/block:" if r.get("knelpunt") else ":material/alt_route:")
    if r.get("rule"):
        st.caption(f"De regel: {md_escape(r['rule'])}" + (f" ({type_label(r.get('layer'))})" if r.get("layer") else ""))
    st.markdown(md_escape(r.get("toelichting") or ""))
    if r.get("knelpunt"):
        st.info("Geen ruimte om af te wijken: leg de casus vast als **knelpunt**, zodat wie de regel maakt "
                "het kan oplossen.", icon=":material/flag:")


def render_precedents(answer: dict[str, Any]) -> None:
    """Precedents in one line each: facts → outcome → the difference from this casus."""
    precedents = answer.get("precedents") or []
    if not precedents and not answer.get("consistency"):
        return
    st.markdown("##### Eerdere besluiten")
    if answer.get("consistency"):
        st.caption(md_escape(_first_sentence(answer["consistency"])))
    for p in precedents:
        line = p.get("regel_kort") or (f"{p.get('id')} [{p.get('n')}] → {p.get('uitkomst')}")
        st.markdown(f"- {md_escape(line)}")


def _first_sentence(text: str) -> str:
    return re.split(r"(?<=[.!?])\s+(?=[A-Z])", text.strip(), maxsplit=1)[0]


def render_suggestions(answer: dict[str, Any], key: str, on_pick) -> None:
    """The nearest rules when the question could not be tied to one: one click asks again with
    that rule named."""
    picks = answer.get("suggestions") or []
    if not picks or on_pick is None:
        return
    st.markdown("**Bedoelt u een van deze regels?**")
    for j, citation in enumerate(picks):
        if st.button(citation, key=f"sugg_{key}_{j}", icon=":material/arrow_forward:"):
            on_pick(citation)


def render_trace(answer: dict[str, Any], key: str) -> None:
    trace = answer.get("trace") or {}
    st.markdown(
        f"Backend **{md_escape(trace.get('backend'))}**" + (f", model {md_escape(trace.get('model'))}" if trace.get("model") else "")
        + f" · peildatum {md_escape(trace.get('peildatum'))} · index {md_escape(str(trace.get('index_fingerprint') or '')[:12])}"
        + (f" · {md_escape(trace.get('latency_ms'))} ms" if trace.get("latency_ms") is not None else "")
        + (f" · teruggevallen op {md_escape(trace['fallback'])}" if trace.get("fallback") else ""))
    hits = answer.get("hits") or []
    if hits:
        st.dataframe([{"rang": h.get("rank"), "passage": h.get("citation"), "laag": h.get("layer"),
                       "relevant": "ja" if h.get("relevant") else "nee", "geciteerd": "ja" if h.get("cited") else "nee",
                       "gewicht": h.get("lexical_weight")} for h in hits], hide_index=True, width="stretch")
    st.download_button("AI-spoor downloaden (JSON)", json.dumps(answer, ensure_ascii=False, indent=2),
                       file_name="ai-spoor.json", mime="application/json", key=f"trace_dl_{key}",
                       icon=":material/download:")


def render_case(case, show_trace: bool = True) -> None:
    """A stored casus as a reviewer (or its author) reads it: the casus first, the AI answer with
    its trace and the sources in tabs, so the judgement is not pages below."""
    cols = st.columns([3, 2])
    with cols[0]:
        st.markdown(f"**Vraag:** {md_escape(case.question)}")
        if case.situation:
            st.markdown("**Situatie en aanvullingen:**")
            st.markdown(md_escape(case.situation))
    with cols[1]:
        status_badge(case.status)
        st.caption(f"Casus {case.id} · auteur {md_escape(case.author_name)} ({md_escape(case.author)}) · "
                   f"peildatum {case.peildatum}" + (f" · domein {md_escape(case.domain)}" if case.domain else "")
                   + (f" · team {md_escape(case.team)}" if case.team else ""))
        if case.reviewer:
            st.caption(f"Beoordeeld door {md_escape(case.reviewer)}")
    if case.comments:
        st.markdown("**Opmerkingen van de beoordelaar**")
        for c in case.comments:
            st.info(f"**{md_escape(c.author)}** ({md_escape(c.kind)}, {c.created_at:%d-%m-%Y %H:%M}): {md_escape(c.text)}",
                    icon=":material/comment:")
    last = case.ai_trace or {}
    tabs = st.tabs(["Casus en motivering", f"AI-antwoord en spoor ({len(case.ai_answers)})",
                    "Eerdere besluiten en bronnen"]) if show_trace and case.ai_answers else None
    with tabs[0] if tabs else st.container():
        st.markdown(f"**Uitkomst:** {md_escape(case.uitkomst or '—')}")
        for rule in case.rules or []:
            if isinstance(rule, dict):
                st.caption(f"Regel: {md_escape(rule.get('citation'))} (versie {md_escape(rule.get('version') or 'onbekend')})")
        if case.afwijkingsruimte:
            render_ruimte(case.afwijkingsruimte)
        st.markdown("##### Motivering")
        st.text(case.motivering or "—")
        stance = md_escape(case.ai_stance or "—")
        st.markdown(f"**AI-antwoord:** {stance}" + (f" — {md_escape(case.ai_stance_reason)}" if case.ai_stance_reason else ""))
        if case.knelpunt:
            st.warning(f"**Knelpunt:** {md_escape(case.knelpunt_description or '')}", icon=":material/flag:")
        if case.feedback:
            up = sum(f.rating == "up" for f in case.feedback)
            st.caption(f"Feedback op AI-antwoorden: {up} positief, {len(case.feedback) - up} negatief"
                       + "".join(f"; {md_escape(f.username)}: {md_escape(f.reason)}" for f in case.feedback if f.reason))
    if not tabs:
        return
    with tabs[1]:
        st.caption("Het AI-antwoord is bij het opslaan bevroren met de casus (gepseudonimiseerd, met controlegetal).")
        for a in case.ai_answers:
            st.markdown(f"**Antwoord {a.answer_no}** · vastgelegd door {md_escape(a.attached_by)} op "
                        f"{a.attached_at:%d-%m-%Y %H:%M} · SHA-256 `{a.sha256[:16]}…`")
            st.markdown(f"_Vraag:_ {md_escape(a.answer.get('question', ''))}")
            with st.expander("Antwoordtekst", expanded=a.answer_no == len(case.ai_answers)):
                st.text(a.answer.get("answer", ""))
            render_trace(a.answer, f"{case.id}_{a.answer_no}")
    with tabs[2]:
        if last.get("precedents") or last.get("consistency"):
            render_precedents(last)
        if last.get("citations"):
            render_sources(last)


# ---- corpus registry --------------------------------------------------------------------------

STATUS_DOC_LABEL = {"geldend": "geldend", "toekomstig": "toekomstig", "vervallen": "vervallen",
                    "achterhaald": "achterhaald", "concept": "concept"}
def registry_message(exc: Exception) -> str:
    """A corpus error as the app words it: inputs by their form labels, not by command-line flags."""
    from assistant.errors import MaatwerkError, form_label

    text = exc.worded(form_label) if isinstance(exc, MaatwerkError) else str(exc)
    text = text.replace("; zie `maatwerk corpus list`", "")
    return md_escape(text)  # names citations and file names a user supplied


def day(value) -> str:
    """A date as the app shows it (DD-MM-JJJJ); '' for none. Accepts dates and ISO strings."""
    import datetime as dt

    if not value:
        return ""
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value[:10])
        except ValueError:
            return value
    return value.strftime("%d-%m-%Y")


def period(valid_from, valid_to) -> str:
    return f"van {day(valid_from) or 'onbekend'} tot {day(valid_to)}" if valid_to else f"vanaf {day(valid_from) or 'onbekend'}"


def impact_rows(report) -> list[dict[str, Any]]:
    return [{"soort": i.kind, "kenmerk": i.ref, "verwijst naar": i.cites, "versie gebruikt": day(i.version) or "?",
             "signaal": i.signal or ("—" if not i.affected else "geraakt"), "toelichting": i.reason,
             "status": i.status or ""} for i in report.items]


def render_impact(report, heading: str | None = None) -> None:
    """A Registry.impact report: the versions in the index, then every precedent and open
    knelpunt that cites the rule, the affected ones first and marked."""
    what = f"artikel {report.artikel} {report.citation}" if report.artikel else report.citation
    st.markdown(heading or f"**Gevolgen van wijzigingen in {md_escape(what)}**")
    if report.versions:
        st.caption("Versies in de index: " + md_escape("; ".join(period(v["valid_from"], v["valid_to"]) for v in report.versions)))
    if not report.items:
        st.info("Geen precedenten of open knelpunten verwijzen hiernaar.", icon=":material/check_circle:")
        return
    affected = report.affected
    if affected:
        counts: dict[str, int] = {}
        for i in affected:
            counts[i.signal or "geraakt"] = counts.get(i.signal or "geraakt", 0) + 1
        text = (f"**Geraakt door een wijziging: {len(affected)} van {len(report.items)}** — "
                + ", ".join(f"{n}× {md_escape(signal)}" for signal, n in counts.items()))
        if len(affected) <= 8:
            text += "  \n" + "; ".join(f"{md_escape(i.ref)} — {md_escape(i.signal)}" for i in affected)
        st.warning(text, icon=":material/warning:")
    else:
        st.success(f"{len(report.items)} verwijzing(en), geen geraakt door een wijziging.", icon=":material/check_circle:")
    rows = sorted(impact_rows(report), key=lambda r: r["signaal"] == "—")
    st.dataframe(rows, hide_index=True, width="stretch",
                 column_config={"toelichting": st.column_config.TextColumn(width="large")})
