"""The store's tables (SQLAlchemy Core): sources, articles, statuses, evidence, events, outbox.

Statuses are kept per installment of a show (`installment_status`); `show_status` keeps what belongs
to the show itself (whether its first check is done). The unnamed installment is stored as the
empty label `''` (so it can be part of a key), and read back as None.

Several processes may share one store: a source being polled is leased (`leased_by`, `lease_expires`)
and an alert being sent is claimed (`state = 'sending'`, `claimed_by`, `claim_expires`), each by one
instance (`host:pid`) until it is done or its lease expires. This module is the schema as it is now;
stores made by earlier releases are brought to it by the Alembic revisions in `radar/migrations`.
"""

from __future__ import annotations

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

metadata = MetaData()

source_state = Table(
    "source_state", metadata,
    Column("name", String(100), primary_key=True),
    Column("etag", Text), Column("last_modified", Text),
    Column("last_polled", Text), Column("last_success", Text), Column("last_error", Text),
    Column("failures", Integer, nullable=False, default=0),
    Column("next_poll", Float),
    Column("seen_entries", Text),  # fingerprints of the entries of the last response read
    Column("baselined", Boolean),  # its first successful poll is folded: its items alert from now on
    Column("failing_since", Text),  # the first failed poll after its last success; NULL while it answers
    Column("polled_by", String(100)),   # the instance that recorded its last poll
    Column("leased_by", String(100)),   # the instance polling it now, until lease_expires (epoch seconds)
    Column("lease_expires", Float),
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
    # status, release, updated, as_of: a show's single status before installments; read only by the
    # migration, which makes each such row the show's unnamed installment
    Column("status", String(20), nullable=False, default="none"),
    Column("release", String(10)),
    Column("updated", Text),
    Column("as_of", Text),
    Column("baselined", Boolean, nullable=False, default=False),
)

installment_status = Table(
    "installment_status", metadata,
    Column("show_id", String(100), primary_key=True),
    Column("installment", String(40), primary_key=True),  # canonical label; '' the unnamed installment
    Column("status", String(20), nullable=False),
    Column("release", String(10)),
    Column("updated", Text),       # when our stored status last changed
    Column("as_of", Text),         # publication time of the newest article behind the status
    Column("seq", Integer, nullable=False, default=0),  # order first seen within the show
)

evidence = Table(
    "evidence", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("show_id", String(100), nullable=False),
    Column("installment", String(40), nullable=False, server_default=""),  # '' the unnamed installment
    Column("status", String(20), nullable=False), Column("release", String(10)),
    Column("article_key", String(512), nullable=False),
    Column("title", Text), Column("url", Text), Column("source", String(100)), Column("trust", String(20)),
    Column("published", Text), Column("phrase", Text), Column("added_at", Text),
    UniqueConstraint("show_id", "installment", "article_key", name="uq_evidence_installment_article"),
    Index("ix_evidence_show_installment", "show_id", "installment"),
)

events = Table(
    "events", metadata,
    Column("event_id", String(64), primary_key=True),
    Column("show_id", String(100), nullable=False, index=True),
    Column("installment", String(40)),  # canonical label; NULL the unnamed installment
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
    Column("state", String(12), nullable=False, default="pending"),  # pending | sending | delivered | failed
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_try", Float, nullable=False),
    Column("created", Float, nullable=False),
    Column("last_error", Text), Column("delivered_at", Text),
    Column("claimed_by", String(100)),  # while sending: the instance sending it, until claim_expires
    Column("claim_expires", Float),
    UniqueConstraint("event_id", "notifier", name="uq_outbox_event_notifier"),
    Index("ix_outbox_state_next_try", "state", "next_try"),
)
