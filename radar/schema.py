"""The store's tables (SQLAlchemy Core): sources, articles, statuses, evidence, events, outbox."""

from __future__ import annotations

from sqlalchemy import (Boolean, Column, Float, ForeignKey, Integer, MetaData, String, Table, Text,
                        UniqueConstraint)

metadata = MetaData()

source_state = Table(
    "source_state", metadata,
    Column("name", String(100), primary_key=True),
    Column("etag", Text), Column("last_modified", Text),
    Column("last_polled", Text), Column("last_success", Text), Column("last_error", Text),
    Column("failures", Integer, nullable=False, default=0),
    Column("next_poll", Float),
    Column("seen_entries", Text),  # fingerprints of the entries of the last response read
)

articles = Table(
    "articles", metadata,
    Column("key", String(512), primary_key=True),
    Column("source", String(100), nullable=False),
    Column("title", Text, nullable=False), Column("url", Text), Column("summary", Text),
    Column("published", Text), Column("lang", String(8)),
    Column("first_seen", Text, nullable=False),
)

show_status = Table(
    "show_status", metadata,
    Column("show_id", String(100), primary_key=True),
    Column("status", String(20), nullable=False, default="none"),
    Column("release", String(10)),
    Column("updated", Text),       # when our stored status last changed
    Column("as_of", Text),         # publication time of the newest article behind the status
    Column("baselined", Boolean, nullable=False, default=False),
)

evidence = Table(
    "evidence", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("show_id", String(100), nullable=False, index=True),
    Column("status", String(20), nullable=False), Column("release", String(10)),
    Column("article_key", String(512), nullable=False),
    Column("title", Text), Column("url", Text), Column("source", String(100)), Column("trust", String(20)),
    Column("published", Text), Column("phrase", Text), Column("added_at", Text),
    UniqueConstraint("show_id", "article_key", name="uq_evidence_article"),
)

events = Table(
    "events", metadata,
    Column("event_id", String(64), primary_key=True),
    Column("show_id", String(100), nullable=False, index=True),
    Column("event", String(20), nullable=False),
    Column("detected_at", Text, nullable=False),
    Column("silent", Boolean, nullable=False, default=False),
    Column("payload", Text, nullable=False),
)

outbox = Table(
    "outbox", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("event_id", String(64), ForeignKey("events.event_id"), nullable=False),
    Column("notifier", String(100), nullable=False),
    Column("state", String(12), nullable=False, default="pending"),  # pending | delivered | failed
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_try", Float, nullable=False),
    Column("created", Float, nullable=False),
    Column("last_error", Text), Column("delivered_at", Text),
    UniqueConstraint("event_id", "notifier", name="uq_outbox_event_notifier"),
)
