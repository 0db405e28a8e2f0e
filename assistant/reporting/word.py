"""Word documents (python-docx): the knelpuntenrapportage and the draft motivering of one answer."""

from __future__ import annotations

import io

from typing import Any

from assistant.reporting.model import (
    TABLE_HEADERS,
    TABLE_KNELPUNTEN,
    KnelpuntenReport,
    forward_lines,
    group_table,
    method_note,
    rule_table,
    format_date,
)
from assistant.reporting.charts import CHART_CAPTIONS

# --------------------------------------------------------------------------- DOCX


def new_document():
    """An empty Word document in the house style: A4 margins of 2.2 cm, Calibri 10.5 pt."""
    from docx import Document
    from docx.shared import Cm, Pt

    doc = Document()
    section = doc.sections[0]
    section.left_margin = section.right_margin = Cm(2.2)
    doc.styles["Normal"].font.name = "Calibri"
    doc.styles["Normal"].font.size = Pt(10.5)
    return doc


def render_docx(report: KnelpuntenReport) -> bytes:
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.shared import Cm, Pt

    doc = new_document()

    def table(headers: list[str], rows: list[list[str]], widths: list[float] | None = None) -> None:
        t = doc.add_table(rows=1, cols=len(headers))
        t.style = "Light Grid Accent 1"
        t.alignment = WD_TABLE_ALIGNMENT.LEFT
        for cell, text in zip(t.rows[0].cells, headers):
            cell.text = text
        for row in rows:
            cells = t.add_row().cells
            for cell, text in zip(cells, row):
                cell.text = str(text)
        for row in t.rows:
            for i, cell in enumerate(row.cells):
                for p in cell.paragraphs:
                    for run in p.runs:
                        run.font.size = Pt(8.5)
                if widths:
                    cell.width = Cm(widths[i])

    def labelled(label: str, text: str) -> None:
        p = doc.add_paragraph()
        p.add_run(label + ": ").bold = True
        p.add_run(text)

    doc.add_heading(f"Knelpuntenrapportage sociaal domein {report.gemeente}", level=0)
    doc.add_paragraph(f"Periode: {report.period_label}. Opgesteld op {format_date(report.generated_on)} uit de "
                      f"casuslog (alleen goedgekeurde casussen; geanonimiseerd).")
    doc.add_heading("Samenvatting voor het bestuur", level=1)
    for lead, text in report.summary:
        p = doc.add_paragraph()
        p.add_run(lead + ". ").bold = True
        p.add_run(text)
    doc.add_heading("In cijfers", level=1)
    for name in ("regels", "maanden", "uitkomsten"):
        doc.add_picture(io.BytesIO(report.charts[name]), width=Cm(16))
        doc.add_paragraph(CHART_CAPTIONS[name], style="Caption")
    doc.add_heading("Per regel", level=2)
    table(*rule_table(report))
    doc.add_heading("Per domein", level=2)
    table(*group_table("Domein", report.domains, report))
    doc.add_heading("Per team", level=2)
    table(*group_table("Team", report.teams, report))
    doc.add_heading("Per maand", level=2)
    table(*group_table("Maand", report.months, report, months=True))
    if report.clusters:
        doc.add_heading("Omstandigheden die terugkomen", level=2)
        table(["Kenmerkende woorden", "Casussen", "Voorbeeld", "Vooral bij"],
              [[c.name, str(c.cases), c.example, "; ".join(c.rules)] for c in report.clusters])
    if report.no_room_rules:
        doc.add_heading("Regels zonder ruimte om af te wijken", level=2)
        for r in report.no_room_rules:
            doc.add_paragraph(f"{r.citation} ({r.layer_label}): {r.no_room} van {r.cases} casussen konden alleen als "
                              f"knelpunt worden vastgelegd.", style="List Bullet")
    doc.add_heading("De knelpunten", level=1)
    for heading, items in (("Op te lossen door de gemeente", report.local_knelpunten),
                           ("Op te lossen door het Rijk", report.national_knelpunten)):
        if not items:
            continue
        doc.add_heading(heading, level=2)
        for k in items:
            doc.add_heading(f"{k.nr}. {k.titel}" + ("  (dit artikel knelt)" if k.knelt else ""), level=3)
            labelled("De regel", f"{k.rule}" + (f", versie {k.version}" if k.version else "") + f" ({k.layer_label})")
            labelled("Wat knelt", k.description)
            labelled("Gevolgen voor inwoners", k.consequences or "niet vastgelegd")
            labelled("Hoe vaak", f"{k.count} {'casus' if k.count == 1 else 'casussen'} in deze periode; "
                                 f"gemeld sinds {format_date(k.first_seen)}")
            for s in k.stories:
                p = doc.add_paragraph(style="Quote")
                p.add_run(s.heading + ". ").bold = True
                p.add_run(s.text)
            labelled("Oplossingsrichting", (k.solution or "nog niet benoemd")
                     + (f" (type: {k.solution_type})" if k.solution_type else ""))
            labelled("Wie kan het oplossen", k.fixer)
            labelled("Status", k.status)
    doc.add_heading("Overzicht voor opvolging", level=1)
    table([TABLE_HEADERS[c] for c in TABLE_KNELPUNTEN],
          [[str(k.row()[c]) for c in TABLE_KNELPUNTEN] for k in report.knelpunten],
          [0.9, 4.8, 3.6, 1.6, 2.2, 1.7, 1.4, 1.9])
    doc.add_heading("Door te sturen aan het Rijk", level=1)
    if report.forwardable:
        doc.add_paragraph("Deze knelpunten liggen in landelijke wet- of regelgeving of bij een landelijke "
                          "uitvoeringsorganisatie. De gemeente kan ze niet zelf oplossen; ze zijn klaar om te melden "
                          "via de VNG, het meldpunt voor signalen uit de uitvoering of het ministerie.")
        for k in report.forwardable:
            doc.add_heading(f"{k.nr}. {k.titel}", level=3)
            for label, text in forward_lines(k):
                labelled(label, text)
    else:
        doc.add_paragraph("Er zijn in deze periode geen landelijke knelpunten om door te sturen.")
    doc.add_heading("Verantwoording", level=1)
    doc.add_paragraph(method_note(report))
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()

def answer_docx(answer: dict[str, Any]) -> bytes:
    """One answer as a Word document, the same parts as answer_markdown."""
    from assistant.reporting.answer import answer_sections

    doc = new_document()
    doc.add_heading("Antwoord van de Maatwerkassistent", level=1)
    p = doc.add_paragraph()
    p.add_run("Vraag: ").bold = True
    p.add_run(str(answer.get("question", "")))
    doc.add_paragraph(f"Peildatum: {answer.get('peildatum', '')}")
    for head, content in answer_sections(answer):
        doc.add_heading(head, level=2)
        if head == "Concept-motivering":
            for sec in answer["motivering"]:
                doc.add_heading(sec["kop"], level=3)
                for para in str(sec["tekst"]).split("\n"):
                    if para.strip():
                        doc.add_paragraph(para.strip())
        elif isinstance(content, list):
            for item in content:
                doc.add_paragraph(str(item), style="List Bullet")
        else:
            for para in str(content).split("\n"):
                if para.startswith("- "):
                    doc.add_paragraph(para[2:], style="List Bullet")
                elif para.strip():
                    doc.add_paragraph(para.strip())
    doc.add_paragraph("De professional beslist; dit antwoord is een hulpmiddel, geen besluit.")
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def motivering_docx(answer: dict[str, Any]) -> bytes:
    """The draft motivering of one answer as a Word document, with the sources it cites."""
    from docx import Document
    from docx.shared import Pt

    doc = Document()
    doc.styles["Normal"].font.name = "Calibri"
    doc.styles["Normal"].font.size = Pt(10.5)
    doc.add_heading("Concept-motivering", level=1)
    p = doc.add_paragraph()
    p.add_run("Vraag: ").bold = True
    p.add_run(str(answer.get("question", "")))
    doc.add_paragraph(f"Peildatum: {answer.get('peildatum', '')}")
    if answer.get("kort_antwoord"):
        doc.add_heading("Kort antwoord", level=2)
        doc.add_paragraph(answer["kort_antwoord"])
    for sec in answer.get("motivering") or []:
        doc.add_heading(sec["kop"], level=2)
        for para in str(sec["tekst"]).split("\n"):
            if para.strip():
                doc.add_paragraph(para.strip())
    if answer.get("citations"):
        doc.add_heading("Bronnen", level=2)
        for c in answer["citations"]:
            doc.add_paragraph(f"[{c['n']}] {c['citation']}"
                              + (f" (geldig vanaf {c['valid_from']})" if c.get("valid_from") else ""))
    doc.add_paragraph("Concept van de Maatwerkassistent. De professional beslist.")
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()
