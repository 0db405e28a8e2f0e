"""Alembic environment of the case log. There is no alembic.ini: assistant.cases.log.upgrade()
builds the Config in code and hands over an open connection (config.attributes["connection"]),
so migrations run inside the caller's transaction, on SQLite and PostgreSQL alike."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

config = context.config
connection = config.attributes.get("connection")


def run_with(conn) -> None:
    context.configure(connection=conn, target_metadata=None, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    # `alembic upgrade head --sql` from the command line: emit the DDL for a DBA.
    context.configure(url=config.get_main_option("sqlalchemy.url"), literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
elif connection is not None:
    run_with(connection)
else:
    # Used only from the alembic command line (`-x`/sqlalchemy.url set by the developer).
    engine = create_engine(config.get_main_option("sqlalchemy.url"))
    with engine.begin() as conn:
        run_with(conn)
