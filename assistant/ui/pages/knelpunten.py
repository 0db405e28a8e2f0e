"""Knelpunten (kwaliteitsmedewerker, beheerder): the knelpuntenrapportage (assistant.reporting)."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from assistant.corpus.documents import DOMAINS
from assistant.identity.auth import demo_mode
from assistant.reporting import knelpunten as reports
from assistant.ui import runtime, views

me = runtime.require("knelpunten")
st.title("Knelpunten")
st.caption("Regels die in de praktijk knellen, per regel en versie: hoe vaak, wanneer, welke omstandigheden, "
           "de gevolgen voor inwoners en wie het kan oplossen (gemeente of Rijk).")


cl = runtime.caselog()
FORMATS = {"pdf": ("PDF", "application/pdf"),
           "docx": ("Word (DOCX)", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
           "html": ("HTML", "text/html"), "md": ("Markdown", "text/markdown"), "csv": ("CSV (opvolglijst)", "text/csv")}

today = dt.date.today()
c1, c2, c3 = st.columns(3)
van, van_problem = views.date_field("Van", today - dt.timedelta(days=364), key="rep_van", where=c1)
tot, tot_problem = views.date_field("Tot en met", today, key="rep_tot", where=c2)
domain = c3.selectbox("Domein", DOMAINS, index=None, placeholder="alle domeinen", key="rep_domain")
date_problems = [p for p in (van_problem, tot_problem) if p]
if not date_problems and (van is None or tot is None):
    date_problems.append("Vul ‘Van’ en ‘Tot en met’ in (DD-MM-JJJJ).")
for problem in date_problems:
    st.error(problem, icon=":material/event_busy:")

if (me.role == "beheerder" and demo_mode(cl, bool(runtime.settings().demo))
        and not any(u.username.startswith("demo.") for u in cl.list_users())):
    with st.container(border=True):
        st.markdown("**Demo-omgeving:** laad een jaar aan fictieve, gepseudonimiseerde voorbeeldcasussen om de "
                    "rapportage met genoeg gegevens te zien.")
        if st.button("Voorbeeldcasussen laden (demo)", icon=":material/dataset:", key="rep_seed"):
            from assistant.cases.demo import seed_cases

            with st.spinner("Voorbeeldcasussen aanmaken en door de workflow halen…"):
                from assistant.integrity import AuditKey

                summary = seed_cases(runtime.settings().sqlalchemy_url, n=240,
                                     audit_key=AuditKey.from_settings(runtime.settings()))
            st.toast(f"{summary.cases} voorbeeldcasussen geladen.", icon=":material/check:")
            st.rerun()

if date_problems:
    st.stop()

try:
    with st.spinner("Rapport opstellen…"):
        report = reports.knelpunten_report(cl, van, tot, domain=domain)
except reports.ReportError as exc:
    st.error(views.md_escape(exc))
    st.stop()

if not report.total_cases:
    st.info(f"Geen goedgekeurde casussen van {report.period_label}. De rapportage telt alleen casussen die "
            "volgens het vier-ogenprincipe zijn goedgekeurd.", icon=":material/inbox:")
    st.stop()

m1, m2, m3, m4 = st.columns(4)
m1.metric("Goedgekeurde casussen", report.total_cases,
          delta=(report.total_cases - report.previous_total) if report.previous_total else None,
          help=f"Vorige, even lange periode: {report.previous_total}")
m2.metric("Afgeweken", f"{report.share_deviated:.0%}")
m3.metric("Knelpunten gemeente", len(report.local_knelpunten))
m4.metric("Knelpunten Rijk", len(report.national_knelpunten))
for item in report.summary:
    # (lead, paragraph) pairs: the page for bestuurders
    lead, text = item if isinstance(item, (tuple, list)) else ("", str(item))
    st.markdown((f"**{views.md_escape(lead)}.** " if lead else "") + views.md_escape(text))

st.subheader("Knelpunten")
if report.knelpunten:
    st.dataframe([{k: v for k, v in kp.row().items() if k in ("nr", "titel", "regel", "eigenaar", "wie_lost_op",
                                                              "status", "aantal_casussen", "sinds")}
                  for kp in report.knelpunten], hide_index=True, width="stretch")
    for kp in report.knelpunten:
        esc = views.md_escape  # titles, rules and owners come from cases and the corpus
        with st.expander(f"{kp.nr}. {esc(kp.titel)} — {kp.count} casus(sen), {esc(kp.owner_label)}", icon=":material/flag:"):
            st.caption(f"{esc(kp.rule)} (versie {esc(kp.version or 'onbekend')}) · {esc(kp.layer_label)} · sinds "
                       f"{kp.first_seen:%d-%m-%Y} · status {esc(kp.status)} · wie lost op: {esc(kp.fixer)}")
            st.markdown(f"**Wat knelt:** {views.md_escape(kp.description)}")
            if kp.consequences:
                st.markdown(f"**Gevolgen voor inwoners:** {views.md_escape(kp.consequences)}")
            if kp.solution:
                st.markdown(f"**Oplossingsrichting:** {views.md_escape(kp.solution)}")
            for story in kp.stories:
                st.markdown(f"> **{views.md_escape(story.heading)}** {views.md_escape(story.text)}")
else:
    st.caption("Geen knelpunten in deze periode.")


# ---- what changed in the corpus since (Registry.impact per rule, bounded to the report's rules) ----
MAX_IMPACT_RULES = 25


def _since(kp, impact) -> tuple[str, str]:
    """(what happened to the rule since the knelpunt was logged, the signal for its cases)."""
    start = str(kp.version or "")[:10]
    try:
        dt.date.fromisoformat(start)
    except ValueError:
        start = kp.first_seen.isoformat()
    newer = [v for v in impact.versions if (v["valid_from"] or "") > start]
    ends = [v["valid_to"] for v in impact.versions if v["valid_to"]]
    retired = impact.versions and all(v["valid_to"] for v in impact.versions) and max(ends) > start
    parts = [f"nieuwe versie vanaf {views.day(v['valid_from'])}" for v in newer]
    if retired:
        parts.append(f"ingetrokken per {views.day(max(ends))}")
    mine = [i for i in impact.items if i.case_id in set(kp.case_ids) and i.affected]
    signal = f"{mine[0].signal} ({len(mine)} casus(sen)): {mine[0].reason}" if mine else ""
    return ("; ".join(parts) or "geen nieuwe versie, niet ingetrokken"), signal


if report.knelpunten:
    from assistant.cases import CaseError  # noqa: E402

    st.subheader("Sindsdien in het corpus")
    st.caption("Heeft de regel van een knelpunt sinds het eerste knelpunt een nieuwe versie gekregen, of is hij "
               "ingetrokken? Dan is het knelpunt misschien opgelost; de jurist legt nieuwe versies vast op de "
               "pagina Corpus.")
    rows, failed = [], []
    reg = runtime.registry()
    with st.spinner("Versies van de regels nagaan…"):
        impacts: dict[str, object] = {}
        for kp in report.knelpunten:
            if kp.rule in impacts or len(impacts) >= MAX_IMPACT_RULES:
                continue
            try:
                impacts[kp.rule] = reg.impact(kp.rule, me.username)
            except CaseError as exc:
                failed.append(f"{kp.rule}: {exc}")
    for kp in report.knelpunten:
        if kp.rule not in impacts:
            continue
        since, signal = _since(kp, impacts[kp.rule])
        rows.append({"nr": kp.nr, "regel": kp.rule, "versie bij het knelpunt": views.day(kp.version) or kp.version,
                     "sindsdien": since, "signaal": signal})
    if rows:
        changed = sum(not r["sindsdien"].startswith("geen") for r in rows)
        (st.warning if changed else st.success)(
            f"{changed} van {len(rows)} knelpunt(en): de regel is sindsdien gewijzigd of ingetrokken."
            if changed else "Geen van de regels is sinds het knelpunt gewijzigd of ingetrokken.")
        st.dataframe(rows, hide_index=True, width="stretch",
                     column_config={"nr": st.column_config.NumberColumn(width="small")})
    if len({kp.rule for kp in report.knelpunten}) > MAX_IMPACT_RULES:
        st.caption(f"Alleen de eerste {MAX_IMPACT_RULES} regels zijn nagegaan.")
    for line in failed:
        st.error(views.md_escape(line))

charts = report.charts
if charts:
    with st.expander("Grafieken", icon=":material/bar_chart:"):
        for name, png in charts.items():
            st.image(png, caption=getattr(reports, "CHART_CAPTIONS", {}).get(name, name))

st.subheader("Rapport downloaden")
f1, f2 = st.columns([2, 1], vertical_alignment="bottom")
fmt = f1.selectbox("Formaat", list(FORMATS), format_func=lambda f: FORMATS[f][0], key="rep_fmt")
if f2.button("Rapport maken", icon=":material/description:", key="rep_make", width="stretch"):
    with st.spinner(f"{FORMATS[fmt][0]} maken…"):
        st.session_state["rep_file"] = (fmt, van, tot, domain, reports.render(report, fmt))
made = st.session_state.get("rep_file")
# Only the file of exactly these choices: switching the format (or the period) hides the old one.
if made and made[:4] == (fmt, van, tot, domain):
    made_fmt, data = made[0], made[4]
    st.download_button(f"Download {FORMATS[made_fmt][0]}", data, file_name=f"knelpunten-{van}-{tot}.{made_fmt}",
                       mime=FORMATS[made_fmt][1], icon=":material/download:", key="rep_download", type="primary")
