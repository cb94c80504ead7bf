"""Installments (commits c64c889, 19e3bf2, 664a16d, before Alembic): statuses per installment.

Each show's single status becomes its unnamed installment, evidence is rebuilt with an installment
column (the old rows belong to the unnamed installment), every source polled before counts as
baselined, and sources and events gain their new columns. A store those commits already migrated
(no alembic_version, but the new tables) only loses nothing: each step does what is still missing.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import logging

from alembic import op
from sqlalchemy import (
    Boolean,
    Column,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    inspect,
    text,
)
from sqlalchemy.engine import Connection

from radar.store.migrations import ensure

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

log = logging.getLogger("radar.store")

frozen = MetaData()
Table("source_state", frozen,
      Column("name", String(100), primary_key=True),
      Column("baselined", Boolean),
      Column("failing_since", Text))
Table("installment_status", frozen,
      Column("show_id", String(100), primary_key=True),
      Column("installment", String(40), primary_key=True),
      Column("status", String(20), nullable=False),
      Column("release", String(10)), Column("updated", Text), Column("as_of", Text),
      Column("seq", Integer, nullable=False, default=0))
Table("events", frozen,
      Column("event_id", String(64), primary_key=True),
      Column("installment", String(40)))
evidence = Table(
    "evidence_rebuild", MetaData(),
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("show_id", String(100), nullable=False),
    Column("installment", String(40), nullable=False, server_default=""),
    Column("status", String(20), nullable=False), Column("release", String(10)),
    Column("article_key", String(512), nullable=False),
    Column("title", Text), Column("url", Text), Column("source", String(100)), Column("trust", String(20)),
    Column("published", Text), Column("phrase", Text), Column("added_at", Text),
    UniqueConstraint("show_id", "installment", "article_key", name="uq_evidence_installment_article"),
    Index("ix_evidence_show_installment", "show_id", "installment"))


def _rebuild_evidence(conn: Connection) -> None:
    """Evidence made before installments, rebuilt with the installment column and its key."""
    columns = [c["name"] for c in inspect(conn).get_columns("evidence")]
    if "installment" in columns:
        return
    shared = ", ".join(c for c in columns if c in evidence.c)
    conn.execute(text("DROP TABLE IF EXISTS evidence_rebuild"))  # a rebuild cut short is started over
    evidence.create(conn)
    conn.execute(text(f"INSERT INTO evidence_rebuild ({shared}) SELECT {shared} FROM evidence"))
    conn.execute(text("DROP TABLE evidence"))
    conn.execute(text("ALTER TABLE evidence_rebuild RENAME TO evidence"))
    if conn.dialect.name == "postgresql":  # the copied ids: the serial goes on after them
        conn.execute(text("SELECT setval(pg_get_serial_sequence('evidence', 'id'), "
                          "COALESCE((SELECT MAX(id) FROM evidence), 0) + 1, false)"))
    log.info("store: evidence now carries its installment")


def upgrade() -> None:
    conn = op.get_bind()
    conn.execute(text("DROP TABLE IF EXISTS evidence_rebuild"))
    ensure(conn, frozen)
    _rebuild_evidence(conn)
    moved = conn.execute(text(
        "INSERT INTO installment_status (show_id, installment, status, release, updated, as_of, seq) "
        "SELECT s.show_id, '', s.status, s.release, s.updated, s.as_of, 0 FROM show_status s "
        "WHERE s.status IS NOT NULL AND s.status <> 'none' AND NOT EXISTS "
        "(SELECT 1 FROM installment_status i WHERE i.show_id = s.show_id)"))
    if moved.rowcount:
        log.info("store: %d show statuses kept as their unnamed installment", moved.rowcount)
    conn.execute(text("UPDATE source_state SET baselined = (last_success IS NOT NULL) "
                      "WHERE baselined IS NULL"))


def downgrade() -> None:
    raise NotImplementedError("the store is only ever migrated forward")
