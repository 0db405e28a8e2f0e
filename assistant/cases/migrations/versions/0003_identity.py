"""Identity: who created each account (four eyes compares people, not account names), a hashed
service token per user for automation, the OIDC issuer + subject an account is bound to, and
failed-login bookkeeping (throttling and lockout), keyed by the name that was tried so unknown
and known names behave alike.

Revision ID: 0003_identity
Revises: 0002_registry
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_identity"
down_revision = "0002_registry"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN and unique indexes, not a batch table rebuild: on SQLite a rebuild drops
    # the users table, which the foreign keys of an existing log's cases forbid.
    # Username of the beheerder who created the account; NULL = the system (users init, first
    # OIDC login, demo seeding) or an account from before this migration.
    op.add_column("users", sa.Column("created_by", sa.String(64), nullable=True))
    # SHA-256 of the service token (tokens are 256-bit random, so a fast hash suffices).
    op.add_column("users", sa.Column("token_hash", sa.String(64), nullable=True))
    op.add_column("users", sa.Column("token_created_at", sa.DateTime, nullable=True))
    op.add_column("users", sa.Column("oidc_issuer", sa.String(300), nullable=True))
    op.add_column("users", sa.Column("oidc_subject", sa.String(255), nullable=True))
    op.create_index("uq_users_token_hash", "users", ["token_hash"], unique=True)
    op.create_index("uq_users_oidc", "users", ["oidc_issuer", "oidc_subject"], unique=True)
    op.create_table(
        "login_failures",
        # The name as typed (normalised), whether or not such a user exists.
        sa.Column("username", sa.String(200), primary_key=True),
        sa.Column("failures", sa.Integer, nullable=False),
        sa.Column("lockouts", sa.Integer, nullable=False),
        sa.Column("last_failed_at", sa.DateTime, nullable=False),
        sa.Column("locked_until", sa.DateTime, nullable=True),
    )


def downgrade() -> None:
    op.drop_table("login_failures")
    op.drop_index("uq_users_oidc", table_name="users")
    op.drop_index("uq_users_token_hash", table_name="users")
    with op.batch_alter_table("users") as batch:
        for name in ("oidc_subject", "oidc_issuer", "token_created_at", "token_hash", "created_by"):
            batch.drop_column(name)
