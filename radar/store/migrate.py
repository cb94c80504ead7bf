"""Brings a store to the current schema when it is opened: the Alembic revisions of `radar/migrations`.

A store already at the head revision costs one query (Alembic is not even imported); a new store, or
one made by any earlier release (before Alembic: no `alembic_version`), is upgraded in place, keeping
its rows. The same revisions run on SQLite and PostgreSQL.
"""

from __future__ import annotations

import logging
from pathlib import Path

from sqlalchemy import Engine, inspect, text

log = logging.getLogger(__name__)

HEAD = "0004"  # the newest revision in radar/store/migrations/versions
SCRIPTS = Path(__file__).with_name("migrations")


def current(engine: Engine) -> str | None:
    """The store's revision, None when it has none (new, or made before Alembic)."""
    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def upgrade(engine: Engine) -> None:
    """Apply every revision the store lacks, in one transaction where the database allows it."""
    if current(engine) == HEAD:
        return
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(SCRIPTS))
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "head")
    log.info("store: schema at revision %s", HEAD)
