"""Reports from the case log, and the exports of one answer.

knelpunten.py builds the knelpuntenrapportage (aggregation over approved cases) and writes it;
model.py is what a report holds; one renderer per format: text.py (Markdown, HTML, CSV),
word.py (DOCX), pdf.py (PDF), charts.py (the PNG charts they embed). answer.py and
word.motivering_docx export one answer for the professional."""

from assistant.reporting.answer import answer_markdown, answer_sections
from assistant.reporting.knelpunten import build_report, cluster_circumstances, knelpunten_report, render, write_report
from assistant.reporting.model import FORMATS, KnelpuntenReport, ReportError, infer_layer, previous_period
from assistant.reporting.word import answer_docx, motivering_docx

__all__ = ["answer_markdown", "build_report", "cluster_circumstances", "knelpunten_report", "render", "write_report",
           "FORMATS", "KnelpuntenReport", "ReportError", "infer_layer", "previous_period", "motivering_docx",
           "answer_docx", "answer_sections"]
