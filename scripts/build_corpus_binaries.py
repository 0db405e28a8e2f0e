#!/usr/bin/env python3
"""Bouw de binaire voorbeelddocumenten (PDF en DOCX) van het Lindewaarde-corpus.

Leest Markdown-bronnen met YAML front matter uit ``scripts/corpus_sources/`` en
schrijft:

* ``corpus/werkinstructies/werkinstructie-warm-doorverwijzen.pdf``
* ``corpus/werkinstructies/werkinstructie-vier-ogen-maatwerkbesluit.pdf``
* ``corpus/verordeningen/verordening-jeugdhulp-lindewaarde-2023.docx``

met naast elk bestand een sidecar ``<bestand>.meta.yaml`` met de velden uit de
front matter. Zo ziet het corpus eruit zoals bij een echte gemeente: officiële
teksten als PDF- of Word-export, metadata in een los bestand.

Het script is deterministisch en idempotent: vaste aanmaakdata, vaste
zip-tijdstempels en een vaste volgorde, zodat een tweede run dezelfde bytes
oplevert.

Gebruik (vanuit de root van de repository)::

    .venv/bin/python scripts/build_corpus_binaries.py
"""
from __future__ import annotations

import io
import re
import sys
import zipfile
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import yaml
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Cm, Pt
from fpdf import FPDF
from fpdf.enums import XPos, YPos

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ROOT / "scripts" / "corpus_sources"
CORPUS = ROOT / "corpus"

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
FONT_REGULAR = FONT_DIR / "DejaVuSans.ttf"
FONT_BOLD = FONT_DIR / "DejaVuSans-Bold.ttf"

# Vaste tijdstempel voor alle metadata (determinisme).
FIXED_DATE = datetime(2025, 3, 1, 9, 0, 0, tzinfo=timezone.utc)
ZIP_DATE = (2025, 3, 1, 9, 0, 0)

# bron -> doel (relatief aan corpus/)
TARGETS = [
    ("werkinstructie-warm-doorverwijzen.md", "werkinstructies/werkinstructie-warm-doorverwijzen.pdf"),
    ("werkinstructie-vier-ogen-maatwerkbesluit.md", "werkinstructies/werkinstructie-vier-ogen-maatwerkbesluit.pdf"),
    ("verordening-jeugdhulp-lindewaarde-2023.md", "verordeningen/verordening-jeugdhulp-lindewaarde-2023.docx"),
]

# Volgorde van de velden in de sidecar.
META_FIELDS = [
    "title",
    "citation",
    "source_type",
    "domain",
    "gemeente",
    "bevoegd_gezag",
    "valid_from",
    "valid_to",
    "version_note",
]

MAANDEN = [
    "januari", "februari", "maart", "april", "mei", "juni",
    "juli", "augustus", "september", "oktober", "november", "december",
]

SOURCE_TYPE_LABEL = {
    "verordening": "Verordening",
    "beleidsregel": "Beleidsregel",
    "richtsnoer": "Richtsnoer",
    "werkinstructie": "Werkinstructie",
}


# --------------------------------------------------------------------------
# Markdown inlezen
# --------------------------------------------------------------------------

@dataclass
class Block:
    kind: str  # title | heading | para | bullets | numbered
    text: str = ""
    items: list[str] = field(default_factory=list)


def read_source(path: Path) -> tuple[dict, str]:
    text = path.read_text(encoding="utf-8")
    m = re.match(r"^---\n(.*?)\n---\n(.*)$", text, re.S)
    if not m:
        raise ValueError(f"{path}: geen YAML front matter gevonden")
    meta = yaml.safe_load(m.group(1))
    for key in ("valid_from", "valid_to"):
        if key in meta and meta[key] is not None:
            meta[key] = str(meta[key])
    return meta, m.group(2)


def parse_blocks(body: str) -> list[Block]:
    """Zeer eenvoudige Markdown-parser voor de structuur die het corpus gebruikt."""
    blocks: list[Block] = []
    for raw in re.split(r"\n\s*\n", body.strip()):
        lines = [ln.rstrip() for ln in raw.strip().splitlines()]
        if not lines:
            continue
        first = lines[0]
        if first.startswith("# "):
            blocks.append(Block("title", first[2:].strip()))
            continue
        if first.startswith("## "):
            blocks.append(Block("heading", first[3:].strip()))
            rest = "\n".join(lines[1:]).strip()
            if rest:
                blocks.extend(parse_blocks(rest))
            continue
        if all(ln.startswith("- ") for ln in lines):
            blocks.append(Block("bullets", items=[ln[2:].strip() for ln in lines]))
            continue
        if len(lines) > 1 and all(re.match(r"^\d+\. ", ln) for ln in lines):
            blocks.append(Block("numbered", items=[ln.strip() for ln in lines]))
            continue
        blocks.append(Block("para", " ".join(ln.strip() for ln in lines)))
    return blocks


def dutch_date(iso: str) -> str:
    d = datetime.strptime(iso, "%Y-%m-%d")
    return f"{d.day} {MAANDEN[d.month - 1]} {d.year}"


def strip_md(text: str) -> str:
    return text.replace("**", "")


# --------------------------------------------------------------------------
# PDF
# --------------------------------------------------------------------------

class CorpusPDF(FPDF):
    """A4-document met alleen "pagina X van Y" in de voettekst (een loader kan die regel
    dan als paginanummer herkennen en overslaan)."""

    def __init__(self) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")

    def footer(self) -> None:
        self.set_y(-15)
        self.set_font("DejaVu", size=8)
        self.set_text_color(90, 90, 90)
        self.cell(
            0, 8,
            f"pagina {self.page_no()} van {{nb}}",
            align="C",
        )
        self.set_text_color(0, 0, 0)


def build_pdf(meta: dict, body: str, out: Path) -> None:
    pdf = CorpusPDF()
    pdf.set_creation_date(FIXED_DATE)
    pdf.set_title(meta["title"])
    pdf.set_author(f"Gemeente {meta['gemeente']}")
    pdf.set_subject(meta.get("citation", meta["title"]))
    pdf.set_creator("scripts/build_corpus_binaries.py")
    pdf.set_producer("Maatwerkassistent corpusbouw")
    pdf.set_lang("nl-NL")
    pdf.alias_nb_pages()
    pdf.add_font("DejaVu", "", str(FONT_REGULAR))
    pdf.add_font("DejaVu", "B", str(FONT_BOLD))
    pdf.set_margins(left=22, top=20, right=22)
    pdf.set_auto_page_break(auto=True, margin=22)
    pdf.add_page()

    width = pdf.w - pdf.l_margin - pdf.r_margin
    line_h = 5.6

    def para(text: str, indent: float = 0.0, size: float = 10.5) -> None:
        pdf.set_font("DejaVu", size=size)
        pdf.set_x(pdf.l_margin + indent)
        pdf.multi_cell(
            width - indent, line_h, text, markdown=True, align="L",
            new_x=XPos.LMARGIN, new_y=YPos.NEXT,
        )

    def list_item(marker: str, text: str) -> None:
        indent = 6.0
        pdf.set_font("DejaVu", size=10.5)
        y = pdf.get_y()
        if y > pdf.h - pdf.b_margin - line_h:
            pdf.add_page()
            y = pdf.get_y()
        pdf.set_xy(pdf.l_margin + 1.5, y)
        pdf.cell(indent - 1.5, line_h, marker)
        pdf.set_xy(pdf.l_margin + indent, y)
        pdf.multi_cell(
            width - indent, line_h, text, markdown=True, align="L",
            new_x=XPos.LMARGIN, new_y=YPos.NEXT,
        )
        pdf.ln(1.0)

    for block in parse_blocks(body):
        if block.kind == "title":
            pdf.set_font("DejaVu", "B", 17)
            pdf.multi_cell(width, 8.5, block.text, new_x=XPos.LMARGIN, new_y=YPos.NEXT, align="L")
            pdf.ln(1.5)
            label = SOURCE_TYPE_LABEL.get(meta.get("source_type", ""), "Document")
            sub = f"Gemeente {meta['gemeente']} | {label} | geldig vanaf {dutch_date(meta['valid_from'])}"
            if meta.get("valid_to"):
                sub += f" tot {dutch_date(meta['valid_to'])}"
            pdf.set_font("DejaVu", size=9)
            pdf.set_text_color(70, 70, 70)
            pdf.multi_cell(width, 5, sub, new_x=XPos.LMARGIN, new_y=YPos.NEXT, align="L")
            pdf.set_text_color(0, 0, 0)
            pdf.set_draw_color(150, 150, 150)
            pdf.ln(2)
            pdf.line(pdf.l_margin, pdf.get_y(), pdf.w - pdf.r_margin, pdf.get_y())
            pdf.ln(5)
        elif block.kind == "heading":
            # Kop niet als laatste regel onderaan een pagina laten staan.
            if pdf.get_y() > pdf.h - pdf.b_margin - 25:
                pdf.add_page()
            pdf.ln(3)
            # Bladwijzer (PDF-outline) per sectie, zoals in een echte export.
            pdf.start_section(block.text, level=0)
            pdf.set_font("DejaVu", "B", 12.5)
            pdf.multi_cell(width, 7, block.text, new_x=XPos.LMARGIN, new_y=YPos.NEXT, align="L")
            pdf.ln(1.5)
        elif block.kind == "para":
            para(block.text)
            pdf.ln(2.5)
        elif block.kind == "bullets":
            for item in block.items:
                list_item("\u2022", item)
            pdf.ln(1.5)
        elif block.kind == "numbered":
            for item in block.items:
                num, text = item.split(" ", 1)
                list_item(num, text)
            pdf.ln(1.5)

    out.parent.mkdir(parents=True, exist_ok=True)
    data = bytes(pdf.output())
    write_if_changed(out, data)


# --------------------------------------------------------------------------
# DOCX
# --------------------------------------------------------------------------

def add_runs(paragraph, text: str) -> None:
    """Voeg tekst toe met **vet** als vette runs."""
    parts = re.split(r"(\*\*[^*]+\*\*)", text)
    for part in parts:
        if not part:
            continue
        if part.startswith("**") and part.endswith("**"):
            paragraph.add_run(part[2:-2]).bold = True
        else:
            paragraph.add_run(part)


def build_docx(meta: dict, body: str, out: Path) -> None:
    doc = Document()

    normal = doc.styles["Normal"]
    normal.font.name = "Calibri"
    normal.font.size = Pt(11)

    section = doc.sections[0]
    section.page_height = Cm(29.7)
    section.page_width = Cm(21.0)
    for side in ("left_margin", "right_margin"):
        setattr(section, side, Cm(2.5))

    props = doc.core_properties
    props.title = meta["title"]
    props.subject = meta.get("citation", meta["title"])
    props.author = f"Gemeente {meta['gemeente']}"
    props.last_modified_by = f"Gemeente {meta['gemeente']}"
    props.keywords = f"{meta.get('source_type', '')}; {meta.get('domain', '')}"
    props.comments = "Fictief voorbeelddocument voor het testcorpus van Maatwerkassistent."
    props.category = meta.get("source_type", "")
    props.language = "nl-NL"
    props.revision = 1
    naive = FIXED_DATE.replace(tzinfo=None)
    props.created = naive
    props.modified = naive
    props.last_printed = naive

    in_toelichting = False
    for block in parse_blocks(body):
        if block.kind == "title":
            doc.add_heading(block.text, level=1)
            sub = doc.add_paragraph()
            label = SOURCE_TYPE_LABEL.get(meta.get("source_type", ""), "Document")
            run = sub.add_run(
                f"Gemeente {meta['gemeente']} | {label} | geldig vanaf {dutch_date(meta['valid_from'])}"
            )
            run.italic = True
        elif block.kind == "heading":
            in_toelichting = block.text.lower().startswith("toelichting")
            doc.add_heading(block.text, level=2)
        elif block.kind == "para":
            p = doc.add_paragraph()
            add_runs(p, block.text)
            if not in_toelichting and re.match(r"^[a-z]\. ", block.text):
                p.paragraph_format.left_indent = Cm(0.75)
            if block.text.startswith("Aldus vastgesteld"):
                p.paragraph_format.space_before = Pt(12)
            if block.text.startswith("De griffier"):
                p.alignment = WD_ALIGN_PARAGRAPH.LEFT
        elif block.kind in ("bullets", "numbered"):
            style = "List Bullet" if block.kind == "bullets" else "List Number"
            for item in block.items:
                text = item if block.kind == "bullets" else item.split(" ", 1)[1]
                p = doc.add_paragraph(style=style)
                add_runs(p, text)

    buf = io.BytesIO()
    doc.save(buf)
    write_if_changed(out, normalize_zip(buf.getvalue()))


def normalize_zip(data: bytes) -> bytes:
    """Herschrijf een OOXML-zip met vaste tijdstempels, zodat de bytes stabiel zijn."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            new = zipfile.ZipInfo(info.filename, date_time=ZIP_DATE)
            new.compress_type = zipfile.ZIP_DEFLATED
            new.external_attr = 0o644 << 16
            new.create_system = 3
            dst.writestr(new, src.read(info.filename))
    return out.getvalue()


# --------------------------------------------------------------------------
# Sidecar en schrijven
# --------------------------------------------------------------------------

def write_if_changed(path: Path, data: bytes) -> bool:
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists() and path.read_bytes() == data:
        return False
    path.write_bytes(data)
    return True


def write_sidecar(meta: dict, target: Path) -> Path:
    ordered = {k: meta[k] for k in META_FIELDS if meta.get(k) is not None}
    for k, v in meta.items():  # eventuele extra velden achteraan
        if k not in ordered and v is not None:
            ordered[k] = v
    text = (
        f"# Metadata bij {target.name}; gegenereerd door scripts/build_corpus_binaries.py\n"
        f"# uit scripts/corpus_sources/. Niet met de hand wijzigen.\n"
    )
    text += yaml.safe_dump(ordered, sort_keys=False, allow_unicode=True, width=100)
    sidecar = target.with_name(target.name + ".meta.yaml")
    write_if_changed(sidecar, text.encode("utf-8"))
    return sidecar


def main() -> int:
    for font in (FONT_REGULAR, FONT_BOLD):
        if not font.exists():
            print(f"Lettertype ontbreekt: {font}", file=sys.stderr)
            return 1
    for src_name, rel_target in TARGETS:
        meta, body = read_source(SOURCES / src_name)
        target = CORPUS / rel_target
        if target.suffix == ".pdf":
            build_pdf(meta, body, target)
        elif target.suffix == ".docx":
            build_docx(meta, body, target)
        else:
            raise ValueError(f"onbekend doeltype: {target}")
        sidecar = write_sidecar(meta, target)
        print(f"{target.relative_to(ROOT)}  (+ {sidecar.name})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
