"""Personal data kept out of everything the product stores, indexes, logs or sends to an LLM.

patterns.py: what Dutch personal data looks like (numbers with their checksums, addresses, dates,
plates, name rules); names.py: the shipped name lists; pseudonymiser.py: the detector and the
per-case placeholder map; corpus.py: what is replaced in corpus documents, by source type."""

from assistant.privacy.corpus import (
    CORPUS_PRIVACY_VERSION,
    NUMBER_KINDS,
    PUBLIC_SOURCE_TYPES,
    corpus_kinds,
    format_counts,
    strip_corpus_placeholders,
)
from assistant.privacy.patterns import KINDS, elfproef, iban_valid
from assistant.privacy.pseudonymiser import (
    PLACEHOLDER_RE,
    Finding,
    PlaceholderMap,
    Pseudonymiser,
    contains_personal_data,
    default_pseudonymiser,
    strip_placeholders,
)

__all__ = [
    "CORPUS_PRIVACY_VERSION", "NUMBER_KINDS", "PUBLIC_SOURCE_TYPES", "corpus_kinds", "format_counts",
    "strip_corpus_placeholders", "KINDS", "elfproef", "iban_valid", "PLACEHOLDER_RE", "Finding", "PlaceholderMap",
    "Pseudonymiser", "contains_personal_data", "default_pseudonymiser", "strip_placeholders",
]
