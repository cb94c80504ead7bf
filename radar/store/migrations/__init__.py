"""The store's Alembic revisions, applied on open by `radar.store.migrate.upgrade`.

0001 and 0002 take stores made before Alembic as they are (each creates only what is missing), so a
store of any earlier release is upgraded in place; 0003 on are ordinary revisions.
"""

from __future__ import annotations

import logging

from sqlalchemy import MetaData, inspect, text
from sqlalchemy.engine import Connection

log = logging.getLogger(__name__)


def ensure(conn: Connection, frozen: MetaData) -> None:
    """Create the tables of `frozen` that are missing and add the columns a table lacks (nullable, as
    older releases added them): what a revision before Alembic needs to meet any earlier store."""
    frozen.create_all(conn, checkfirst=True)
    inspector = inspect(conn)
    for table in frozen.sorted_tables:
        present = {column["name"] for column in inspector.get_columns(table.name)}
        for column in table.columns:
            if column.name not in present:
                kind = column.type.compile(conn.dialect)
                conn.execute(text(f"ALTER TABLE {table.name} ADD COLUMN {column.name} {kind}"))
                log.info("store: added column %s.%s", table.name, column.name)
