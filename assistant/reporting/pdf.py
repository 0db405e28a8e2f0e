"""The report as PDF (fpdf2, DejaVu fonts embedded).

fpdf2's write_html was considered instead of this walk over the model: it ignores the HTML
template's CSS (column widths, page breaks before sections, the coloured signal boxes), so the PDF
would read worse than the HTML it came from."""

from __future__ import annotations


import io
import re
from pathlib import Path
from typing import Sequence

from assistant.reporting.model import KnelpuntenReport, format_date, percent
from assistant.reporting.charts import CHART_CAPTIONS
from assistant.reporting.model import TABLE_HEADERS, TABLE_KNELPUNTEN, forward_lines, group_table, method_note, rule_table

# --------------------------------------------------------------------------- PDF


def font_dir() -> Path:
    import matplotlib

    return Path(matplotlib.get_data_path()) / "fonts" / "ttf"


def figure_boxes(pdf, items, width: float, accent) -> None:
    """Key figures side by side: each a shaded box with the value large and its label below
    (used by the knelpuntenrapportage and the policy documents)."""
    n = max(len(items), 1)
    box = (width - (n - 1) * 4) / n
    y = pdf.get_y()
    for i, (value, label) in enumerate(items):
        x = pdf.l_margin + i * (box + 4)
        pdf.set_fill_color(234, 242, 246)
        pdf.rect(x, y, box, 19, style="F")
        pdf.set_xy(x, y + 2)
        pdf.set_font("DejaVu", "B", 15)
        pdf.set_text_color(*accent)
        pdf.cell(box, 8, str(value), align="C")
        pdf.set_xy(x + 1, y + 11)
        pdf.set_font("DejaVu", "", 7.4)
        pdf.set_text_color(60, 60, 60)
        pdf.multi_cell(box - 2, 3.3, str(label), align="C")
    pdf.set_text_color(0, 0, 0)
    pdf.set_xy(pdf.l_margin, y + 25)


def render_pdf(report: KnelpuntenReport) -> bytes:
    """A4 PDF with fpdf2 and the DejaVu fonts that ship with matplotlib (so € and ë render)."""
    from fpdf import FPDF
    from fpdf.fonts import FontFace

    fonts = font_dir()
    title = f"Knelpuntenrapportage sociaal domein {report.gemeente}"

    class PDF(FPDF):
        def footer(self) -> None:
            self.set_y(-13)
            self.set_font("DejaVu", "", 7.5)
            self.set_text_color(110, 110, 110)
            self.cell(0, 5, f"{title} · {report.period_label}", align="L")
            self.set_x(self.l_margin)
            self.cell(0, 5, f"pagina {self.page_no()} van {{nb}}", align="R")
            self.set_text_color(0, 0, 0)

    pdf = PDF(format="A4")
    pdf.set_title(title)
    pdf.set_author(f"Gemeente {report.gemeente}, knelpuntenoverleg sociaal domein")
    pdf.set_creator("Maatwerkassistent")
    pdf.add_font("DejaVu", "", str(fonts / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(fonts / "DejaVuSans-Bold.ttf"))
    pdf.add_font("DejaVu", "I", str(fonts / "DejaVuSans-Oblique.ttf"))
    pdf.add_font("DejaVu", "BI", str(fonts / "DejaVuSans-BoldOblique.ttf"))
    pdf.set_margins(20, 18, 20)
    pdf.set_auto_page_break(True, margin=18)
    accent = (31, 111, 139)
    width = pdf.w - pdf.l_margin - pdf.r_margin

    def h1(text: str, new_page: bool = True) -> None:
        if new_page:
            pdf.add_page()
        pdf.start_section(text, level=0)
        pdf.set_font("DejaVu", "B", 15)
        pdf.set_text_color(*accent)
        pdf.multi_cell(0, 8, text, align="L", new_x="LMARGIN", new_y="NEXT")
        pdf.set_text_color(0, 0, 0)
        pdf.ln(2)

    def h2(text: str) -> None:
        if pdf.get_y() > pdf.h - 45:
            pdf.add_page()
        pdf.ln(2)
        pdf.start_section(text, level=1)
        pdf.set_font("DejaVu", "B", 11.5)
        pdf.set_text_color(*accent)
        pdf.multi_cell(0, 6, text, align="L", new_x="LMARGIN", new_y="NEXT")
        pdf.set_text_color(0, 0, 0)
        pdf.ln(1)

    def para(text: str, size: float = 9.5, style: str = "", gap: float = 2.0, indent: float = 0) -> None:
        pdf.set_font("DejaVu", style, size)
        if indent:
            pdf.set_x(pdf.l_margin + indent)
        pdf.multi_cell(width - indent, size * 0.52, text, align="L", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(gap)

    def labelled(label: str, text: str) -> None:
        pdf.set_font("DejaVu", "", 9.5)
        pdf.multi_cell(0, 4.9, f"**{label}:** {text}", markdown=True, align="L", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1.2)

    def table(headers: Sequence[str], rows: Sequence[Sequence[str]], widths: Sequence[float], size: float = 7.5) -> None:
        pdf.set_font("DejaVu", "", size)
        pdf.set_draw_color(200, 200, 200)
        heading = FontFace(emphasis="BOLD", fill_color=(223, 235, 241))
        # Numbers and percentages right-aligned, text left.
        align = tuple("RIGHT" if rows and all(re.fullmatch(r"[\d%.,–-]*", str(r[i])) for r in rows) else "LEFT"
                      for i in range(len(headers)))
        with pdf.table(col_widths=widths, width=width, text_align=align, line_height=size * 0.5,
                       headings_style=heading, padding=1.2, borders_layout="HORIZONTAL_LINES",
                       cell_fill_color=(246, 249, 251), cell_fill_mode="ROWS") as t:
            for row in [headers, *rows]:
                r = t.row()
                for cell in row:
                    r.cell(str(cell))
        pdf.ln(3)

    def image(name: str, w: float = 170) -> None:
        from PIL import Image

        with Image.open(io.BytesIO(report.charts[name])) as im:
            height = w * im.height / im.width
        if pdf.get_y() + height + 10 > pdf.h - pdf.b_margin:
            pdf.add_page()
        pdf.image(io.BytesIO(report.charts[name]), x=pdf.l_margin, w=w)
        pdf.set_font("DejaVu", "I", 8)
        pdf.set_text_color(90, 90, 90)
        pdf.multi_cell(0, 4, CHART_CAPTIONS[name], align="L", new_x="LMARGIN", new_y="NEXT")
        pdf.set_text_color(0, 0, 0)
        pdf.ln(3)

    # Page 1: title and the summary for bestuurders.
    pdf.add_page()
    pdf.set_font("DejaVu", "B", 19)
    pdf.set_text_color(*accent)
    pdf.multi_cell(0, 9, title, align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(80, 80, 80)
    pdf.set_font("DejaVu", "", 10)
    pdf.multi_cell(0, 5.5, f"Periode {report.period_label} · opgesteld {format_date(report.generated_on)} · "
                   "uit de casuslog, alleen goedgekeurde en geanonimiseerde casussen", align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(0, 0, 0)
    pdf.ln(4)
    # Key figures in a row of boxes.
    figures = [(str(report.total_cases), "goedgekeurde casussen"),
               (percent(report.share_deviated), "afgeweken van de regel"),
               (str(len(report.knelpunten)), "knelpunten"),
               (str(len(report.knelt_rules)), "artikelen die knellen")]
    figure_boxes(pdf, figures, width, accent)
    pdf.start_section("Samenvatting voor het bestuur", level=0)
    pdf.set_font("DejaVu", "B", 13)
    pdf.set_text_color(*accent)
    pdf.cell(0, 7, "Samenvatting voor het bestuur", align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(0, 0, 0)
    pdf.ln(1)
    for lead, text in report.summary:
        pdf.set_font("DejaVu", "", 9.5)
        pdf.multi_cell(0, 5.0, f"**{lead}.** {text}", markdown=True, align="L", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(2.2)

    h1("In cijfers")
    for name in ("regels", "maanden", "uitkomsten"):
        image(name)
    h2("Per regel")
    headers, rows = rule_table(report)
    table(headers, rows, (50, 19, 17, 18, 14, 17, 26, 11) if report.has_trend else (70, 19, 17, 18, 14, 17, 12), size=7)
    group_widths = (50, 20, 20, 20, 20, 40) if report.has_trend else (70, 25, 25, 25, 25)
    h2("Per domein")
    table(*group_table("Domein", report.domains, report), group_widths[: 6 if report.has_trend else 5])
    h2("Per team")
    table(*group_table("Team", report.teams, report), group_widths[: 6 if report.has_trend else 5])
    h2("Per maand")
    table(*group_table("Maand", report.months, report, months=True), (70, 25, 25, 25, 25))
    if report.clusters:
        h2("Omstandigheden die terugkomen")
        table(["Kenmerkende woorden", "Aantal", "Voorbeeld", "Vooral bij"],
              [[c.name, str(c.cases), c.example, "; ".join(c.rules)] for c in report.clusters], (38, 16, 61, 55))
    if report.no_room_rules:
        h2("Regels zonder ruimte om af te wijken")
        for r in report.no_room_rules:
            para(f"•  {r.citation} ({r.layer_label}): {r.no_room} van {r.cases} casussen konden alleen als knelpunt "
                 f"worden vastgelegd.", gap=1)

    h1("De knelpunten")
    para("Per knelpunt: de regel en de laag waarin die staat, wat knelt, de gevolgen voor inwoners, hoe vaak en "
         "sinds wanneer, en enkele casussen zoals professionals ze vastlegden. Daarna de oplossingsrichting, wie "
         "het kan oplossen en de stand van zaken.", size=9, style="I")
    for heading, items in (("Op te lossen door de gemeente", report.local_knelpunten),
                           ("Op te lossen door het Rijk", report.national_knelpunten)):
        if not items:
            continue
        h2(heading)
        for k in items:
            if pdf.get_y() > pdf.h - 70:
                pdf.add_page()
            pdf.start_section(f"{k.nr}. {k.titel}", level=2)
            pdf.set_font("DejaVu", "B", 10.5)
            pdf.multi_cell(0, 5.4, f"{k.nr}. {k.titel}", align="L", new_x="LMARGIN", new_y="NEXT")
            if k.knelt:
                pdf.set_font("DejaVu", "B", 7.5)
                pdf.set_fill_color(192, 80, 77)
                pdf.set_text_color(255, 255, 255)
                pdf.cell(pdf.get_string_width("DIT ARTIKEL KNELT") + 4, 4.5, "DIT ARTIKEL KNELT", fill=True,
                         align="C", new_x="LMARGIN", new_y="NEXT")
                pdf.set_text_color(0, 0, 0)
                pdf.set_fill_color(255, 255, 255)
            pdf.ln(1.5)
            labelled("De regel", f"{k.rule}" + (f", versie {k.version}" if k.version else "") + f" ({k.layer_label})")
            labelled("Wat knelt", k.description)
            labelled("Gevolgen voor inwoners", k.consequences or "niet vastgelegd")
            labelled("Hoe vaak", f"{k.count} {'casus' if k.count == 1 else 'casussen'} in deze periode; gemeld sinds "
                                 f"{format_date(k.first_seen)}")
            for s in k.stories:
                pdf.set_font("DejaVu", "I", 8.8)
                needed = pdf.multi_cell(width - 8, 4.5, f"**{s.heading}.** {s.text}", markdown=True,
                                        dry_run=True, output="HEIGHT")
                if pdf.get_y() + needed > pdf.h - pdf.b_margin:
                    pdf.add_page()  # keep a story (and its margin line) on one page
                pdf.set_x(pdf.l_margin + 5)
                pdf.set_draw_color(*accent)
                y0 = pdf.get_y()
                pdf.multi_cell(width - 8, 4.5, f"**{s.heading}.** {s.text}", markdown=True,
                               align="L", new_x="LMARGIN", new_y="NEXT")
                if pdf.get_y() > y0:
                    pdf.line(pdf.l_margin + 2.5, y0 + 0.5, pdf.l_margin + 2.5, pdf.get_y() - 0.5)
                pdf.ln(1.5)
            labelled("Oplossingsrichting", (k.solution or "nog niet benoemd")
                     + (f" (type: {k.solution_type})" if k.solution_type else ""))
            labelled("Wie kan het oplossen", k.fixer)
            labelled("Status", k.status)
            pdf.ln(3)

    h1("Overzicht voor opvolging")
    table([TABLE_HEADERS[c] for c in TABLE_KNELPUNTEN],
          [[str(k.row()[c]) for c in TABLE_KNELPUNTEN] for k in report.knelpunten],
          (7, 44, 32, 19, 22, 17, 12, 17), size=6.8)
    h1("Door te sturen aan het Rijk")
    if report.forwardable:
        para("Deze knelpunten liggen in landelijke wet- of regelgeving of bij een landelijke uitvoeringsorganisatie. "
             "De gemeente kan ze niet zelf oplossen; ze zijn klaar om te melden via de VNG, het meldpunt voor "
             "signalen uit de uitvoering of het ministerie.")
        for k in report.forwardable:
            if pdf.get_y() > pdf.h - 55:
                pdf.add_page()
            pdf.set_font("DejaVu", "B", 9.5)
            pdf.multi_cell(0, 5, f"{k.nr}. {k.titel}", align="L", new_x="LMARGIN", new_y="NEXT")
            pdf.ln(0.8)
            for label, text in forward_lines(k):
                labelled(label, text)
            pdf.ln(2)
    else:
        para("Er zijn in deze periode geen landelijke knelpunten om door te sturen.")
    h2("Verantwoording")
    para(method_note(report), size=8.5)
    return bytes(pdf.output())
