"""The report as Markdown, HTML (Jinja2 templates in assistant/templates) and CSV."""

from __future__ import annotations


import base64
import csv
import io
from typing import Any

from assistant.reporting.model import CSV_COLUMNS, KnelpuntenReport, LAYER_LABELS, format_date, month_label, percent
from assistant.reporting.charts import CHART_CAPTIONS
from assistant.reporting.model import forward_lines, method_note

# --------------------------------------------------------------------------- Markdown / HTML


def _jinja(autoescape: bool):
    import jinja2

    env = jinja2.Environment(loader=jinja2.PackageLoader("assistant", "templates"), autoescape=autoescape,
                             trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
                             undefined=jinja2.StrictUndefined)
    env.filters.update(percent=percent, datum=format_date, maand=month_label,
                       mdcell=lambda s: str(s).replace("|", "/").replace("\n", " "))
    return env


def _context(report: KnelpuntenReport, images: dict[str, str]) -> dict[str, Any]:
    return {"r": report, "images": images, "captions": CHART_CAPTIONS, "layer_labels": LAYER_LABELS,
            "forward_lines": forward_lines,
            "method_note": method_note(report)}


def render_markdown(report: KnelpuntenReport, images: dict[str, str] | None = None) -> str:
    """Markdown; images maps chart name -> link (default: embedded data URIs)."""
    images = images or {k: "data:image/png;base64," + base64.b64encode(v).decode("ascii")
                        for k, v in report.charts.items()}
    return _jinja(False).get_template("knelpunten.md.j2").render(**_context(report, images))


def render_html(report: KnelpuntenReport) -> str:
    """One self-contained HTML file (charts as data URIs)."""
    images = {k: "data:image/png;base64," + base64.b64encode(v).decode("ascii") for k, v in report.charts.items()}
    return _jinja(True).get_template("knelpunten.html.j2").render(**_context(report, images))


def render_csv(report: KnelpuntenReport) -> str:
    """The follow-up table: one row per knelpunt."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=CSV_COLUMNS)
    writer.writeheader()
    for k in report.knelpunten:
        writer.writerow(k.row())
    return buf.getvalue()
