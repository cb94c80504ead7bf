"""Baseline: the store as releases before installments made it (commit e2ec93d's radar/store/schema.py).

A new store gets these tables; a store made by such a release (no alembic_version yet) keeps its
rows and gains only what it lacks (e.g. `source_state.seen_entries`, added after the first release).

Revision ID: 0001
Revises:
"""

from __future__ import annotations

from alembic import op
from sqlalchemy import (
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from radar.store.migrations import ensure

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

frozen = MetaData()
Table("source_state", frozen,
      Column("name", String(100), primary_key=True),
      Column("etag", Text), Column("last_modified", Text),
      Column("last_polled", Text), Column("last_success", Text), Column("last_error", Text),
      Column("failures", Integer, nullable=False, default=0),
      Column("next_poll", Float),
      Column("seen_entries", Text))
Table("articles", frozen,
      Column("key", String(512), primary_key=True),
      Column("source", String(100), nullable=False),
      Column("title", Text, nullable=False), Column("url", Text), Column("summary", Text),
      Column("published", Text), Column("lang", String(8)),
      Column("first_seen", Text, nullable=False))
Table("show_status", frozen,
      Column("show_id", String(100), primary_key=True),
      Column("status", String(20), nullable=False, default="none"),
      Column("release", String(10)), Column("updated", Text), Column("as_of", Text),
      Column("baselined", Boolean, nullable=False, default=False))
Table("evidence", frozen,
      Column("id", Integer, primary_key=True, autoincrement=True),
      Column("show_id", String(100), nullable=False),
      Column("status", String(20), nullable=False), Column("release", String(10)),
      Column("article_key", String(512), nullable=False),
      Column("title", Text), Column("url", Text), Column("source", String(100)), Column("trust", String(20)),
      Column("published", Text), Column("phrase", Text), Column("added_at", Text),
      UniqueConstraint("show_id", "article_key", name="uq_evidence_article"),
      Index("ix_evidence_show_id", "show_id"))
Table("events", frozen,
      Column("event_id", String(64), primary_key=True),
      Column("show_id", String(100), nullable=False, index=True),
      Column("event", String(20), nullable=False),
      Column("detected_at", Text, nullable=False),
      Column("silent", Boolean, nullable=False, default=False),
      Column("payload", Text, nullable=False))
Table("outbox", frozen,
      Column("id", Integer, primary_key=True, autoincrement=True),
      Column("event_id", String(64), ForeignKey("events.event_id"), nullable=False),
      Column("notifier", String(100), nullable=False),
      Column("state", String(12), nullable=False, default="pending"),
      Column("attempts", Integer, nullable=False, default=0),
      Column("next_try", Float, nullable=False),
      Column("created", Float, nullable=False),
      Column("last_error", Text), Column("delivered_at", Text),
      UniqueConstraint("event_id", "notifier", name="uq_outbox_event_notifier"))


def upgrade() -> None:
    ensure(op.get_bind(), frozen)


def downgrade() -> None:
    raise NotImplementedError("the store is only ever migrated forward")
