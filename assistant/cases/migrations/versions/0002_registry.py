"""Corpus registry: every document in the corpus as a managed record, its versions (supersedes),
and precedents promoted from cases.

Revision ID: 0002_registry
Revises: 0001_cases
Create Date: 2026-02-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_registry"
down_revision = "0001_cases"
branch_labels = None
depends_on = None

STATUSES = ("concept", "geldend", "vervallen", "achterhaald")


def upgrade() -> None:
    op.create_table(
        "corpus_documents",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("title", sa.String(500), nullable=False),
        sa.Column("citation", sa.String(300), nullable=False),
        sa.Column("source_type", sa.String(30), nullable=False),
        sa.Column("layer", sa.String(30), nullable=False),
        sa.Column("domain", sa.String(40), nullable=False),
        sa.Column("bevoegd_gezag", sa.String(200), nullable=True),
        # valid_to is exclusive, like Chunk.valid_to. Nullable valid_from only for files
        # registered as they were found (`maatwerk corpus sync`); `add` requires it.
        sa.Column("valid_from", sa.Date, nullable=True),
        sa.Column("valid_to", sa.Date, nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("source_url", sa.String(1000), nullable=True),
        # SHA-256 of the stored file's bytes (not of its sidecar): a duplicate upload is refused.
        sa.Column("file_hash", sa.String(64), nullable=False),
        # Relative to the corpus folder; equals Chunk.source when the corpus folder is indexed.
        sa.Column("path", sa.String(1000), nullable=False),
        sa.Column("supersedes_id", sa.Integer, sa.ForeignKey("corpus_documents.id"), nullable=True),
        # Not a foreign key, like audit_events.case_id: a deleted case keeps its precedent.
        sa.Column("case_id", sa.Integer, nullable=True),
        sa.Column("precedent_id", sa.String(60), nullable=True),
        sa.Column("achterhaald_door", sa.String(80), nullable=True),
        sa.Column("note", sa.Text, nullable=True),
        sa.Column("added_by", sa.String(64), nullable=False),
        sa.Column("added_at", sa.DateTime, nullable=False),
        sa.Column("changed_by", sa.String(64), nullable=True),
        sa.Column("changed_at", sa.DateTime, nullable=True),
        sa.CheckConstraint(f"status IN ({', '.join(repr(s) for s in STATUSES)})", name="ck_corpus_documents_status"),
        sa.CheckConstraint("valid_to IS NULL OR valid_from IS NULL OR valid_to > valid_from",
                           name="ck_corpus_documents_period"),
        sa.UniqueConstraint("file_hash", name="uq_corpus_documents_hash"),
        sa.UniqueConstraint("path", name="uq_corpus_documents_path"),
    )
    op.create_index("ix_corpus_documents_citation", "corpus_documents", ["citation", "valid_from"])
    op.create_index("ix_corpus_documents_case", "corpus_documents", ["case_id"])
    op.create_index("ix_corpus_documents_precedent", "corpus_documents", ["precedent_id"])


def downgrade() -> None:
    op.drop_table("corpus_documents")
