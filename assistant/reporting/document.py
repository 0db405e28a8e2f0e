"""One small document model for the policy documents (uitvoeringstoets, staat van de uitvoering,
merged signalen) and its renderers: Markdown, HTML, DOCX and PDF, styled like the
knelpuntenrapportage (same fonts, colours and chart style: assistant.reporting.knelpunten).

A document is a title, a subtitle, a footer and a list of blocks (headings, paragraphs,
labelled lines, bullet lists, tables, quotes, key figures, a flag, a chart). Each renderer walks
the same blocks, so the four formats say the same thing. fpdf2 and python-docx are imported
only inside the renderers, as assistant.reporting.knelpunten does.
"""

from __future__ import annotations

import base64
import errno
import html
import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

from assistant.errors import MaatwerkError

FORMATS = ("md", "html", "docx", "pdf")
ACCENT = (31, 111, 139)
FLAG = (192, 80, 77)
MIME = {"pdf": "application/pdf", "html": "text/html", "md": "text/markdown",
        "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "csv": "text/csv", "json": "application/json"}


class DocumentError(MaatwerkError):
    """The document cannot be written as asked; the Dutch message says why."""


@dataclass
class Block:
    kind: str  # h1 h2 h3 p note labelled bullets table quote figures flag image
    text: str = ""
    label: str = ""
    items: list[Any] = field(default_factory=list)
    headers: list[str] = field(default_factory=list)
    widths: list[float] = field(default_factory=list)
    png: bytes = b""


@dataclass
class Doc:
    title: str
    subtitle: str
    footer: str
    author: str = ""
    blocks: list[Block] = field(default_factory=list)

    # ---- building -------------------------------------------------------------------------

    def h1(self, text: str) -> None:
        self.blocks.append(Block("h1", text))

    def h2(self, text: str) -> None:
        self.blocks.append(Block("h2", text))

    def h3(self, text: str) -> None:
        self.blocks.append(Block("h3", text))

    def p(self, text: str) -> None:
        self.blocks.append(Block("p", text))

    def note(self, text: str) -> None:
        """A small italic paragraph: how to read a section, the method."""
        self.blocks.append(Block("note", text))

    def labelled(self, label: str, text: str) -> None:
        self.blocks.append(Block("labelled", text, label=label))

    def bullets(self, items: Sequence[str]) -> None:
        if items:
            self.blocks.append(Block("bullets", items=list(items)))

    def table(self, headers: Sequence[str], rows: Sequence[Sequence[Any]], widths: Sequence[float] = ()) -> None:
        """widths: relative column widths (PDF); default equal."""
        self.blocks.append(Block("table", headers=list(headers), items=[[str(c) for c in r] for r in rows],
                                 widths=list(widths)))

    def quote(self, label: str, text: str) -> None:
        self.blocks.append(Block("quote", text, label=label))

    def figures(self, items: Sequence[tuple[str, str]]) -> None:
        """Key figures in a row of boxes: (value, label)."""
        self.blocks.append(Block("figures", items=list(items)))

    def flag(self, text: str) -> None:
        """A warning the reader must not miss (white on red)."""
        self.blocks.append(Block("flag", text))

    def image(self, png: bytes, caption: str) -> None:
        self.blocks.append(Block("image", caption, png=png))

    # ---- reading --------------------------------------------------------------------------

    def plain_text(self) -> str:
        """Every word the document shows, for checks (the privacy detector)."""
        parts = [self.title, self.subtitle, self.footer]
        for b in self.blocks:
            parts += [b.label, b.text, *b.headers]
            for item in b.items:
                parts.extend(item if isinstance(item, (list, tuple)) else [str(item)])
        return "\n".join(str(p) for p in parts if p)


# --------------------------------------------------------------------------- charts


def bar_chart(labels: Sequence[str], values: Sequence[int], title: str, xlabel: str,
              colors: Sequence[str] | None = None) -> bytes:
    """A horizontal bar chart as PNG, in the knelpuntenrapportage's style."""
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    plt.rcParams.update({"font.family": "DejaVu Sans", "font.size": 9, "axes.spines.top": False,
                         "axes.spines.right": False})
    fig, ax = plt.subplots(figsize=(7.2, 0.42 * max(len(labels), 3) + 1.0))
    ys = list(range(len(labels)))[::-1]
    ax.barh(ys, list(values), color=list(colors) if colors else "#1f6f8b", height=0.6)
    ax.set_yticks(ys, labels=list(labels))
    top = max(list(values) + [1])
    for y, v in zip(ys, values):
        ax.text(v + top * 0.01, y, str(v), va="center", fontsize=8)
    ax.set_xlim(0, top * 1.15)
    from matplotlib.ticker import MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel(xlabel)
    ax.set_title(title, loc="left", fontsize=10)
    ax.tick_params(axis="y", labelsize=8.5)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=150, bbox_inches="tight")
    plt.close(fig)
    return buf.getvalue()


# --------------------------------------------------------------------------- Markdown / HTML


def _md_cell(text: str) -> str:
    return str(text).replace("|", "/").replace("\n", " ")


def render_markdown(doc: Doc, images: dict[int, str] | None = None) -> str:
    """Markdown; images maps a block's position to a link (default: embedded data URIs)."""
    out = [f"# {doc.title}", f"*{doc.subtitle}*"]
    for i, b in enumerate(doc.blocks):
        if b.kind == "h1":
            out.append(f"## {b.text}")
        elif b.kind == "h2":
            out.append(f"### {b.text}")
        elif b.kind == "h3":
            out.append(f"#### {b.text}")
        elif b.kind == "p":
            out.append(b.text)
        elif b.kind == "note":
            out.append(f"*{b.text}*")
        elif b.kind == "labelled":
            out.append(f"**{b.label}:** {b.text}")
        elif b.kind == "bullets":
            out.append("\n".join(f"- {x}" for x in b.items))
        elif b.kind == "table":
            rows = ["| " + " | ".join(_md_cell(h) for h in b.headers) + " |",
                    "|" + "|".join("---" for _ in b.headers) + "|"]
            rows += ["| " + " | ".join(_md_cell(c) for c in r) + " |" for r in b.items]
            out.append("\n".join(rows))
        elif b.kind == "quote":
            out.append(f"> **{b.label}.** {b.text}")
        elif b.kind == "figures":
            out.append(" · ".join(f"**{v}** {label}" for v, label in b.items))
        elif b.kind == "flag":
            out.append(f"> **LET OP:** {b.text}")
        elif b.kind == "image":
            link = (images or {}).get(i) or "data:image/png;base64," + base64.b64encode(b.png).decode("ascii")
            out.append(f"![{b.text}]({link})\n\n*{b.text}*")
    out.append(f"---\n*{doc.footer}*")
    return "\n\n".join(out) + "\n"


_CSS = """
body { font-family: "DejaVu Sans", Arial, sans-serif; max-width: 58rem; margin: 2rem auto; padding: 0 1rem;
       line-height: 1.5; color: #222; }
h1, h2, h3 { color: #1f6f8b; }
h4 { margin-bottom: .3rem; }
.meta, .note { color: #555; font-style: italic; }
.figures { display: flex; gap: .8rem; margin: 1rem 0; }
.figures div { flex: 1; background: #eaf2f6; padding: .6rem; text-align: center; }
.figures strong { display: block; font-size: 1.6rem; color: #1f6f8b; }
table { border-collapse: collapse; width: 100%; font-size: .85rem; margin: .5rem 0 1.2rem; }
th, td { border-bottom: 1px solid #ccc; padding: .25rem .4rem; text-align: left; vertical-align: top; }
th { background: #dfebf1; }
figure { margin: 1rem 0; } figure img { max-width: 100%; }
figcaption { font-size: .85rem; color: #555; font-style: italic; }
blockquote { border-left: 3px solid #1f6f8b; margin: .6rem 0 .6rem .5rem; padding-left: .8rem; font-style: italic; }
.flag { background: #c0504d; color: #fff; padding: .4rem .6rem; font-weight: bold; }
footer { margin-top: 2rem; color: #777; font-size: .8rem; }
"""


def render_html(doc: Doc) -> str:
    """One self-contained HTML file (charts as data URIs); every text is escaped."""
    e = html.escape
    out = ["<!DOCTYPE html>", '<html lang="nl">', "<head>", '<meta charset="utf-8">',
           '<meta name="viewport" content="width=device-width, initial-scale=1">', f"<title>{e(doc.title)}</title>",
           f"<style>{_CSS}</style>", "</head>", "<body>", f"<h1>{e(doc.title)}</h1>",
           f'<p class="meta">{e(doc.subtitle)}</p>']
    for b in doc.blocks:
        if b.kind in ("h1", "h2", "h3"):
            level = {"h1": 2, "h2": 3, "h3": 4}[b.kind]
            out.append(f"<h{level}>{e(b.text)}</h{level}>")
        elif b.kind == "p":
            out.append(f"<p>{e(b.text)}</p>")
        elif b.kind == "note":
            out.append(f'<p class="note">{e(b.text)}</p>')
        elif b.kind == "labelled":
            out.append(f"<p><strong>{e(b.label)}:</strong> {e(b.text)}</p>")
        elif b.kind == "bullets":
            out.append("<ul>" + "".join(f"<li>{e(str(x))}</li>" for x in b.items) + "</ul>")
        elif b.kind == "table":
            head = "".join(f"<th>{e(h)}</th>" for h in b.headers)
            body = "".join("<tr>" + "".join(f"<td>{e(c)}</td>" for c in r) + "</tr>" for r in b.items)
            out.append(f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")
        elif b.kind == "quote":
            out.append(f"<blockquote><strong>{e(b.label)}.</strong> {e(b.text)}</blockquote>")
        elif b.kind == "figures":
            out.append('<div class="figures">' + "".join(f"<div><strong>{e(v)}</strong>{e(label)}</div>"
                                                         for v, label in b.items) + "</div>")
        elif b.kind == "flag":
            out.append(f'<p class="flag">LET OP: {e(b.text)}</p>')
        elif b.kind == "image":
            data = base64.b64encode(b.png).decode("ascii")
            out.append(f'<figure><img src="data:image/png;base64,{data}" alt="{e(b.text)}">'
                       f"<figcaption>{e(b.text)}</figcaption></figure>")
    out += [f"<footer>{e(doc.footer)}</footer>", "</body>", "</html>"]
    return "\n".join(out) + "\n"


# --------------------------------------------------------------------------- DOCX


def render_docx(doc: Doc) -> bytes:
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.shared import Cm, Pt, RGBColor

    from assistant.reporting.word import new_document

    d = new_document()
    d.add_heading(doc.title, level=0)
    d.add_paragraph(doc.subtitle).runs[0].italic = True
    for b in doc.blocks:
        if b.kind in ("h1", "h2", "h3"):
            d.add_heading(b.text, level={"h1": 1, "h2": 2, "h3": 3}[b.kind])
        elif b.kind == "p":
            d.add_paragraph(b.text)
        elif b.kind == "note":
            d.add_paragraph().add_run(b.text).italic = True
        elif b.kind == "labelled":
            para = d.add_paragraph()
            para.add_run(b.label + ": ").bold = True
            para.add_run(b.text)
        elif b.kind == "bullets":
            for x in b.items:
                d.add_paragraph(str(x), style="List Bullet")
        elif b.kind == "table":
            t = d.add_table(rows=1, cols=len(b.headers))
            t.style = "Light Grid Accent 1"
            t.alignment = WD_TABLE_ALIGNMENT.LEFT
            for cell, text in zip(t.rows[0].cells, b.headers):
                cell.text = text
            for r in b.items:
                for cell, text in zip(t.add_row().cells, r):
                    cell.text = text
            for row in t.rows:
                for cell in row.cells:
                    for para in cell.paragraphs:
                        for run in para.runs:
                            run.font.size = Pt(8.5)
        elif b.kind == "quote":
            para = d.add_paragraph(style="Quote")
            para.add_run(b.label + ". ").bold = True
            para.add_run(b.text)
        elif b.kind == "figures":
            d.add_paragraph(" · ".join(f"{v} {label}" for v, label in b.items)).runs[0].bold = True
        elif b.kind == "flag":
            run = d.add_paragraph().add_run("LET OP: " + b.text)
            run.bold = True
            run.font.color.rgb = RGBColor(*FLAG)
        elif b.kind == "image":
            d.add_picture(io.BytesIO(b.png), width=Cm(16))
            d.add_paragraph(b.text, style="Caption")
    d.add_paragraph(doc.footer).runs[0].italic = True
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


# --------------------------------------------------------------------------- PDF


def render_pdf(doc: Doc) -> bytes:
    """A4 PDF with fpdf2 and the DejaVu fonts that ship with matplotlib (so € and ë render)."""
    from fpdf import FPDF
    from fpdf.fonts import FontFace

    from assistant.reporting.pdf import figure_boxes, font_dir

    fonts = font_dir()

    class PDF(FPDF):
        def footer(self) -> None:
            self.set_y(-13)
            self.set_font("DejaVu", "", 7.5)
            self.set_text_color(110, 110, 110)
            self.cell(0, 5, doc.footer, align="L")
            self.set_x(self.l_margin)
            self.cell(0, 5, f"pagina {self.page_no()} van {{nb}}", align="R")
            self.set_text_color(0, 0, 0)

    pdf = PDF(format="A4")
    pdf.set_title(doc.title)
    if doc.author:
        pdf.set_author(doc.author)
    pdf.set_creator("Maatwerkassistent")
    for style, name in (("", "DejaVuSans.ttf"), ("B", "DejaVuSans-Bold.ttf"), ("I", "DejaVuSans-Oblique.ttf"),
                        ("BI", "DejaVuSans-BoldOblique.ttf")):
        pdf.add_font("DejaVu", style, str(fonts / name))
    pdf.set_margins(20, 18, 20)
    pdf.set_auto_page_break(True, margin=18)
    width = pdf.w - pdf.l_margin - pdf.r_margin

    def room(mm: float) -> None:
        if pdf.get_y() + mm > pdf.h - pdf.b_margin:
            pdf.add_page()

    outline = {"level": -1}

    def heading(text: str, size: float, level: int, gap: float) -> None:
        room(size * 2.2)  # a heading never ends a page alone
        pdf.ln(gap)
        outline["level"] = min(level, outline["level"] + 1)  # the PDF outline allows no skipped level
        pdf.start_section(text, level=outline["level"])
        pdf.set_font("DejaVu", "B", size)
        pdf.set_text_color(*ACCENT if level < 2 else (0, 0, 0))
        pdf.multi_cell(0, size * 0.5, text, align="L", new_x="LMARGIN", new_y="NEXT")
        pdf.set_text_color(0, 0, 0)
        pdf.ln(1.2)

    def esc(text: str) -> str:
        # fpdf2's markdown: ** and __ and -- switch styles; keep user text literal.
        return re.sub(r"([*_\-~])\1", lambda m: m.group(1) + "\u200b" + m.group(1), str(text))

    pdf.add_page()
    pdf.set_font("DejaVu", "B", 18)
    pdf.set_text_color(*ACCENT)
    pdf.multi_cell(0, 8.5, doc.title, align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(80, 80, 80)
    pdf.set_font("DejaVu", "", 9.5)
    pdf.multi_cell(0, 5.2, doc.subtitle, align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(0, 0, 0)
    pdf.ln(3)
    def next_height(i: int) -> float:
        """Room the block after a heading needs, so a heading never ends a page alone."""
        extra = 0.0
        for nxt in doc.blocks[i + 1:]:
            if nxt.kind == "note":  # a note under a heading goes with what follows it
                extra += 5 * (len(nxt.text) // 95 + 1)
                continue
            if nxt.kind in ("h2", "h3"):  # so does a subheading
                extra += 10
                continue
            if nxt.kind == "image":
                from PIL import Image

                with Image.open(io.BytesIO(nxt.png)) as im:
                    return extra + 165 * im.height / im.width + 8
            return extra + 22
        return extra

    first_h1 = True
    for i, b in enumerate(doc.blocks):
        if b.kind in ("h1", "h2", "h3"):
            room(next_height(i) + 14)
        if b.kind == "h1":
            heading(b.text, 13.5, 0, 0 if first_h1 else 4)
            first_h1 = False
        elif b.kind == "h2":
            heading(b.text, 11, 1, 2)
        elif b.kind == "h3":
            heading(b.text, 9.8, 2, 1)
        elif b.kind in ("p", "note"):
            pdf.set_font("DejaVu", "I" if b.kind == "note" else "", 8.6 if b.kind == "note" else 9.5)
            if b.kind == "note":
                pdf.set_text_color(80, 80, 80)
            pdf.multi_cell(0, 4.9, b.text, align="L", new_x="LMARGIN", new_y="NEXT")
            pdf.set_text_color(0, 0, 0)
            pdf.ln(2)
        elif b.kind == "labelled":
            pdf.set_font("DejaVu", "", 9.5)
            pdf.multi_cell(0, 4.9, f"**{esc(b.label)}:** {esc(b.text)}", markdown=True, align="L",
                           new_x="LMARGIN", new_y="NEXT")
            pdf.ln(1.2)
        elif b.kind == "bullets":
            pdf.set_font("DejaVu", "", 9.3)
            for x in b.items:
                room(6)
                pdf.set_x(pdf.l_margin + 2)
                pdf.cell(4, 4.8, "•")
                pdf.multi_cell(width - 6, 4.8, str(x), align="L", new_x="LMARGIN", new_y="NEXT")
                pdf.ln(0.8)
            pdf.ln(1.5)
        elif b.kind == "table":
            size = 7 if len(b.headers) > 6 else 7.4 if len(b.headers) > 4 else 8
            pdf.set_font("DejaVu", "", size)
            pdf.set_draw_color(200, 200, 200)
            widths = b.widths or [1] * len(b.headers)
            align = tuple("RIGHT" if b.items and all(re.fullmatch(r"[\d%.,–+\-]*", r[i]) for r in b.items)
                          else "LEFT" for i in range(len(b.headers)))
            room(14)
            with pdf.table(col_widths=widths, width=width, text_align=align, line_height=size * 0.5,
                           headings_style=FontFace(emphasis="BOLD", fill_color=(223, 235, 241)), padding=1.2,
                           borders_layout="HORIZONTAL_LINES", cell_fill_color=(246, 249, 251),
                           cell_fill_mode="ROWS", repeat_headings=1) as t:
                for row in [b.headers, *b.items]:
                    r = t.row()
                    for cell in row:
                        r.cell(str(cell))
            pdf.ln(3)
        elif b.kind == "quote":
            text = f"**{esc(b.label)}.** {esc(b.text)}"
            pdf.set_font("DejaVu", "I", 8.8)
            needed = pdf.multi_cell(width - 8, 4.5, text, markdown=True, dry_run=True, output="HEIGHT")
            room(needed + 2)  # a quote and its margin line stay on one page
            pdf.set_x(pdf.l_margin + 5)
            pdf.set_draw_color(*ACCENT)
            y0 = pdf.get_y()
            pdf.multi_cell(width - 8, 4.5, text, markdown=True, align="L", new_x="LMARGIN", new_y="NEXT")
            pdf.line(pdf.l_margin + 2.5, y0 + 0.5, pdf.l_margin + 2.5, pdf.get_y() - 0.5)
            pdf.ln(1.5)
        elif b.kind == "figures":
            room(24)
            figure_boxes(pdf, b.items, width, ACCENT)
        elif b.kind == "flag":
            pdf.set_font("DejaVu", "B", 9.3)
            pdf.set_fill_color(*FLAG)
            pdf.set_text_color(255, 255, 255)
            needed = pdf.multi_cell(0, 5, "LET OP: " + b.text, dry_run=True, output="HEIGHT", padding=2)
            room(needed + 2)
            pdf.multi_cell(0, 5, "LET OP: " + b.text, fill=True, align="L", new_x="LMARGIN", new_y="NEXT", padding=2)
            pdf.set_text_color(0, 0, 0)
            pdf.set_fill_color(255, 255, 255)
            pdf.ln(2.5)
        elif b.kind == "image":
            from PIL import Image

            w = 165
            with Image.open(io.BytesIO(b.png)) as im:
                height = w * im.height / im.width
            room(height + 10)
            pdf.image(io.BytesIO(b.png), x=pdf.l_margin, w=w)
            pdf.set_font("DejaVu", "I", 8)
            pdf.set_text_color(90, 90, 90)
            pdf.multi_cell(0, 4, b.text, align="L", new_x="LMARGIN", new_y="NEXT")
            pdf.set_text_color(0, 0, 0)
            pdf.ln(3)
    return bytes(pdf.output())


# --------------------------------------------------------------------------- files


def render(doc: Doc, fmt: str) -> bytes:
    if fmt not in FORMATS:
        raise DocumentError(f"Onbekend formaat '{fmt}'; kies uit: {', '.join(FORMATS)}.")
    if fmt == "md":
        return render_markdown(doc).encode("utf-8")
    if fmt == "html":
        return render_html(doc).encode("utf-8")
    if fmt == "docx":
        return render_docx(doc)
    return render_pdf(doc)


def check_out_path(out: Path, fmt: str, stem: str) -> Path:
    """Refuse before any work: a folder, or a file whose folder cannot be made."""
    out = Path(out)
    if out.exists() and out.is_dir():
        raise DocumentError(f"{out} is een map; geef een bestandsnaam op, bijv. {out / (stem + '.' + fmt)}.")
    return out


def write_bytes(out: Path, data: bytes) -> Path:
    """Write one file whole (to a temporary name first), with a Dutch message on failure."""
    out = Path(out)
    tmp = out.with_name(f".{out.name}.tmp")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_bytes(data)
        tmp.replace(out)
        return out
    except OSError as exc:
        try:
            tmp.unlink(missing_ok=True)
        except OSError:
            pass
        reason = {errno.ENOENT: "de map bestaat niet en kan niet worden aangemaakt",
                  errno.EACCES: "u hebt geen schrijfrechten", errno.EPERM: "u hebt geen schrijfrechten",
                  errno.EROFS: "het bestandssysteem is alleen-lezen", errno.ENOSPC: "de schijf is vol",
                  errno.EISDIR: "dat is een map", errno.ENOTDIR: "een deel van het pad is geen map"}.get(
                      exc.errno, "het besturingssysteem weigert het")
        raise DocumentError(f"Kan niet schrijven naar {out}: {reason}. Kies een ander pad met --out.") from exc


def write_document(doc: Doc, fmt: str, out: Path) -> list[Path]:
    """Write the document; Markdown gets its charts as PNG files in a folder beside it."""
    out = check_out_path(out, fmt, "document")
    if fmt == "md":
        images = {i: b for i, b in enumerate(doc.blocks) if b.kind == "image"}
        written: list[Path] = []
        links: dict[int, str] = {}
        if images:
            folder = out.with_name(out.stem + "-grafieken")
            for n, (i, b) in enumerate(images.items(), 1):
                path = write_bytes(folder / f"grafiek-{n}.png", b.png)
                written.append(path)
                links[i] = f"{folder.name}/{path.name}"
        return [write_bytes(out, render_markdown(doc, links).encode("utf-8")), *written]
    return [write_bytes(out, render(doc, fmt))]
