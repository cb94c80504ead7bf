"""Alembic's environment: migrations run on the connection `radar.store.migrate.upgrade` hands over.

On PostgreSQL the run holds a transaction-scoped advisory lock, so several daemons opening one new
store at once migrate it once: the others wait, then find it at head.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import text

from radar.store.schema import metadata

MIGRATION_LOCK = 7_361_524_001  # pg_advisory_xact_lock key: "renewal-radar migrations"

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=metadata, render_as_batch=True,
                  transaction_per_migration=False)
with context.begin_transaction():
    if connection.dialect.name == "postgresql":
        connection.execute(text(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK})"))
    context.run_migrations()
