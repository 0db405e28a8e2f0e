"""The parts of a composed answer as a reader meets them, each said once: the chain of the rule,
and the quotes per layer without what the answer already shows apart (kort antwoord, open
questions, afwijkingsruimte, precedents). Pure functions over Answer.to_dict() (or the partial
dict that Assistant.compose() hands out), shared by the app and the exports."""

from __future__ import annotations

import re
from typing import Any

# Lines of the composed answer that are shown as blocks of their own.
_SHOWN_APART = ("Kort antwoord:", "Nog nodig om te beoordelen:", "Afwijkingsruimte (", "Eerdere besluiten:",
                "Keten van de regel:")
_CHAIN = "Keten van de regel:"
# The layer of earlier besluiten: each precedent is already one line of its own.
_PRECEDENT_LAYER = "Eerdere maatwerk-besluiten:"
_CLOSING = "De professional beslist; dit antwoord is een hulpmiddel, geen besluit."
MARKER_RE = re.compile(r"\[(\d+)\]")


def markers(text: str) -> list[int]:
    """The [n] of a text, each once, in order of appearance."""
    return list(dict.fromkeys(int(m) for m in MARKER_RE.findall(text or "")))


def chain_line(answer: dict[str, Any]) -> str:
    """'artikel 18 Participatiewet [3] → artikel 3 Beleidsregels ... [5].' or ''."""
    if answer.get("keten"):
        return answer["keten"].removeprefix(_CHAIN).strip()
    for line in (answer.get("answer") or "").split("\n"):
        if line.startswith(_CHAIN):
            return line.removeprefix(_CHAIN).strip()
    return ""


def body(answer: dict[str, Any]) -> str:
    """The composed text without the parts shown apart: no kort antwoord, open questions,
    afwijkingsruimte, chain or precedents line; no layer of earlier besluiten (the precedents
    have a line each); no quote that only repeats the passage that grants the room (its
    toelichting quotes it already); no closing sentence (the page says it once)."""
    room = set((answer.get("afwijkingsruimte") or {}).get("markers") or [])
    out: list[str] = []
    skipping_list = skipping_layer = False
    for line in (answer.get("answer") or "").split("\n"):
        if line.startswith(_SHOWN_APART):
            skipping_list = line.startswith("Nog nodig")
            continue
        if skipping_list and line.startswith("- "):
            continue
        skipping_list = False
        if line.strip().endswith(":") and not line.startswith("- "):
            skipping_layer = line.strip() == _PRECEDENT_LAYER
        if skipping_layer:
            continue
        if line.startswith("- ") and room and markers(line) and set(markers(line)) <= room:
            continue
        if line.strip() == _CLOSING:
            continue
        out.append(line)
    blocks, block = [], []
    for line in out + [""]:
        if line.strip():
            block.append(line)
            continue
        # a layer heading whose quotes were all shown apart goes with them
        if block and not (len(block) == 1 and block[0].rstrip().endswith(":") and not block[0].startswith("- ")):
            blocks.append("\n".join(block))
        block = []
    return "\n\n".join(blocks)
