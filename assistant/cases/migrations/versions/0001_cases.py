"""Case log: users, cases, frozen AI answers, comments, feedback, hash-chained audit trail.

Revision ID: 0001_cases
Revises:
Create Date: 2026-01-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001_cases"
down_revision = None
branch_labels = None
depends_on = None

ROLES = ("professional", "kwaliteit", "jurist", "beheerder")
STATUSES = ("concept", "ingediend", "goedgekeurd", "teruggestuurd", "afgewezen")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("username", sa.String(64), nullable=False, unique=True),
        sa.Column("display_name", sa.String(200), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("team", sa.String(100), nullable=True),
        sa.Column("password_hash", sa.String(200), nullable=True),
        sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.CheckConstraint(_in("role", ROLES), name="ck_users_role"),
    )
    op.create_table(
        "cases",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("author_id", sa.Integer, sa.ForeignKey("users.id"), nullable=False),
        sa.Column("team", sa.String(100), nullable=True),
        sa.Column("domain", sa.String(40), nullable=True),
        sa.Column("peildatum", sa.Date, nullable=False),
        # Free text below is pseudonymised before it reaches this table.
        sa.Column("situation", sa.Text, nullable=True),
        sa.Column("question", sa.Text, nullable=False),
        sa.Column("rules", sa.JSON, nullable=False),
        sa.Column("afwijkingsruimte", sa.JSON, nullable=True),
        sa.Column("uitkomst", sa.String(20), nullable=True),
        sa.Column("motivering", sa.Text, nullable=True),
        sa.Column("precedents", sa.JSON, nullable=False),
        sa.Column("ai_stance", sa.String(20), nullable=True),
        sa.Column("ai_stance_reason", sa.Text, nullable=True),
        sa.Column("knelpunt", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("knelpunt_description", sa.Text, nullable=True),
        sa.Column("knelpunt_consequences", sa.Text, nullable=True),
        sa.Column("knelpunt_solution", sa.Text, nullable=True),
        sa.Column("knelpunt_solution_type", sa.String(20), nullable=True),
        sa.Column("knelpunt_owner", sa.String(20), nullable=True),
        sa.Column("knelpunt_status", sa.String(30), nullable=True),
        sa.Column("reviewer_id", sa.Integer, sa.ForeignKey("users.id"), nullable=True),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.Column("submitted_at", sa.DateTime, nullable=True),
        sa.Column("reviewed_at", sa.DateTime, nullable=True),
        sa.CheckConstraint(_in("status", STATUSES), name="ck_cases_status"),
    )
    op.create_index("ix_cases_status_reviewed", "cases", ["status", "reviewed_at"])
    op.create_index("ix_cases_author", "cases", ["author_id"])
    op.create_table(
        "ai_answers",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id", ondelete="CASCADE"), nullable=False),
        sa.Column("answer_no", sa.Integer, nullable=False),
        # Canonical JSON text + its SHA-256: frozen, never updated.
        sa.Column("answer_json", sa.Text, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("attached_by", sa.String(64), nullable=False),
        sa.Column("attached_at", sa.DateTime, nullable=False),
        sa.UniqueConstraint("case_id", "answer_no", name="uq_ai_answers_case_no"),
    )
    op.create_table(
        "case_comments",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id", ondelete="CASCADE"), nullable=False),
        sa.Column("author", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "feedback",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id", ondelete="CASCADE"), nullable=False),
        sa.Column("answer_no", sa.Integer, nullable=True),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("rating", sa.String(4), nullable=False),
        sa.Column("reason", sa.Text, nullable=True),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.CheckConstraint("rating IN ('up', 'down')", name="ck_feedback_rating"),
    )
    # case_id is deliberately not a foreign key: deleting a case keeps its audit trail.
    op.create_table(
        "audit_events",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("occurred_at", sa.DateTime, nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("case_id", sa.Integer, nullable=True),
        sa.Column("before_json", sa.Text, nullable=False),
        sa.Column("after_json", sa.Text, nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
    )
    op.create_index("ix_audit_events_case", "audit_events", ["case_id"])
    op.create_index("ix_audit_events_time", "audit_events", ["occurred_at"])
    # One row: the chain head (last seq + hash) and the anchor the first kept event links to.
    op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("last_seq", sa.Integer, nullable=False),
        sa.Column("last_hash", sa.String(64), nullable=False),
        sa.Column("event_count", sa.Integer, nullable=False),
        sa.Column("anchor_seq", sa.Integer, nullable=False),
        sa.Column("anchor_hash", sa.String(64), nullable=False),
    )
    op.bulk_insert(
        sa.table(
            "audit_head",
            sa.column("id", sa.Integer), sa.column("last_seq", sa.Integer), sa.column("last_hash", sa.String),
            sa.column("event_count", sa.Integer), sa.column("anchor_seq", sa.Integer),
            sa.column("anchor_hash", sa.String),
        ),
        [{"id": 1, "last_seq": 0, "last_hash": "0" * 64, "event_count": 0, "anchor_seq": 1, "anchor_hash": "0" * 64}],
    )


def downgrade() -> None:
    for table in ("audit_head", "audit_events", "feedback", "case_comments", "ai_answers", "cases", "users"):
        op.drop_table(table)
