"""Persistence: the schema and its migrations, the `Store`, the single-writer lock and the leases."""

from radar.store.batch import Batch
from radar.store.database import Store
from radar.store.records import Delivery, StoredInstallment, StoredShow, event_from_payload, summarize

__all__ = ["Batch", "Delivery", "Store", "StoredInstallment", "StoredShow", "event_from_payload", "summarize"]
