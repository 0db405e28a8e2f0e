"""Personal data in corpus documents: what kinds are replaced in which source types (a law text
keeps its numbers; a besluit or upload loses them), and how the index reports it."""

from __future__ import annotations

import re


from assistant.privacy.patterns import (
    KINDS,
)


# --------------------------------------------------------------------------- corpus documents

# Published law, policy and case law: personal names in them are public office holders or
# already pseudonymised parties, and their citations, dates and numbers must stay intact. Only
# the kinds that never belong in such a text (a citizen's numbers and contact data) are removed.
# Everything else (besluiten, werkinstructies, overig: whatever a jurist uploads) gets all kinds.
PUBLIC_SOURCE_TYPES = frozenset(
    {"wet", "amvb", "ministeriele_regeling", "verordening", "beleidsregel", "richtsnoer", "uitspraak"}
)
NUMBER_KINDS = ("BSN", "IBAN", "TELEFOON", "EMAIL", "KENTEKEN", "DOCUMENTNUMMER")
# Bump when the corpus scrubbing changes: an index built before is scrubbed again on the next run.
CORPUS_PRIVACY_VERSION = "1"
CORPUS_PLACEHOLDER_RE = re.compile(r"\[(?:%s)\]" % "|".join(KINDS))


def corpus_kinds(source_type: str) -> tuple[str, ...]:
    """Which kinds of personal data are removed from a corpus document of this type."""
    return NUMBER_KINDS if source_type in PUBLIC_SOURCE_TYPES else KINDS


def strip_corpus_placeholders(text: str) -> str:
    return CORPUS_PLACEHOLDER_RE.sub(lambda m: " " * len(m.group(0)), text)


def format_counts(counts: dict[str, int]) -> str:
    """'2 BSN, 1 IBAN, 3 NAAM' in KINDS order; 'geen' when nothing was replaced."""
    parts = [f"{counts[k]} {k}" for k in KINDS if counts.get(k)]
    return ", ".join(parts) if parts else "geen"
