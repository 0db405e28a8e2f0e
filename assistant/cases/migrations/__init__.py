"""Alembic migrations of the case log (run programmatically by assistant.cases.log.upgrade)."""
