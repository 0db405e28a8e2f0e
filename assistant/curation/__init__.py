"""Curation of the corpus: the registry of documents and versions (registry.py, with precedents.py
and impact.py as its mixins; model.py: table and read models; staging.py: checked, reversible file
changes) and the official imports (importers.py: BWB, CVDR)."""

from assistant.curation.model import (
    TYPE_DIRS,
    AddResult,
    ImpactReport,
    RegisteredDocument,
    RegistryError,
    SIGNAL_KNELPUNT,
    SIGNAL_OLD_PRECEDENT,
    period,
    rule_key,
)
from assistant.curation.registry import Registry
from assistant.curation.staging import check_subfolder, safe_name

__all__ = ["SIGNAL_KNELPUNT", "SIGNAL_OLD_PRECEDENT", "TYPE_DIRS", "AddResult", "ImpactReport", "RegisteredDocument", "RegistryError", "period", "rule_key",
           "Registry", "check_subfolder", "safe_name"]
