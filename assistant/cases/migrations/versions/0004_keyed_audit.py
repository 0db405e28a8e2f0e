"""Keyed audit chain: the head row gets the key id, the first keyed seq and a MAC; an existing
(unkeyed) trail is switched over with one recorded "audit.keyed" event (see
assistant.cases.log.key_the_chain). The key comes from the caller (config.attributes["audit_key"]).

Revision ID: 0004_keyed_audit
Revises: 0003_identity
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context, op

revision = "0004_keyed_audit"
down_revision = "0003_identity"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("audit_head") as batch:
        batch.add_column(sa.Column("key_id", sa.String(32), nullable=True))
        batch.add_column(sa.Column("keyed_from", sa.Integer, nullable=True))
        batch.add_column(sa.Column("mac", sa.String(64), nullable=True))
    if context.is_offline_mode():
        # DDL for a DBA: the switch-over needs the key and runs when the app first opens the log.
        return
    from assistant.cases import key_the_chain

    key_the_chain(op.get_bind(), context.config.attributes.get("audit_key"))


def downgrade() -> None:
    with op.batch_alter_table("audit_head") as batch:
        batch.drop_column("mac")
        batch.drop_column("keyed_from")
        batch.drop_column("key_id")
