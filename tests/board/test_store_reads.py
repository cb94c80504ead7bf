"""The store's reads behind the status board, against a real SQLite file: when a source started
failing, and every event of every show in the order it happened."""

from datetime import UTC, datetime, timedelta

import pytest

from radar.domain.models import Event, FetchResult
from radar.store import Store

T0 = datetime(2026, 11, 25, 12, tzinfo=UTC)


@pytest.fixture
def store(tmp_path):
    opened = Store(f"sqlite:///{tmp_path / 'radar.db'}")
    yield opened
    opened.close()


def poll(store: Store, outcome: str, at: datetime) -> None:
    with store.transaction() as batch:
        batch.record_fetches([FetchResult("news", outcome,
                                          error="HTTP 500" if outcome == "error" else None)], at)


def test_failing_since_is_the_first_failure_after_the_last_success(store):
    poll(store, "ok", T0)
    assert store.source_rows()["news"].failing_since is None
    poll(store, "error", T0 + timedelta(hours=1))
    poll(store, "error", T0 + timedelta(hours=2))
    row = store.source_rows()["news"]
    assert row.failures == 2 and row.failing_since == (T0 + timedelta(hours=1)).isoformat()
    poll(store, "ok", T0 + timedelta(hours=3))
    assert store.source_rows()["news"].failing_since is None


def test_a_source_that_never_answered_is_failing_since_its_first_poll(store):
    poll(store, "error", T0)
    assert store.source_rows()["news"].failing_since == T0.isoformat()


def test_all_events_oldest_first_with_their_silent_flag(store):
    def event(event_id: str, at: datetime, show: str) -> Event:
        return Event(event_id, "announced", show, show.title(), "announced", "none", None, None, (),
                     at.isoformat())

    with store.transaction() as batch:
        batch.add_event(event("late", T0 + timedelta(days=1), "a"), False, [], 0)
        batch.add_event(event("early", T0, "b"), True, [], 0)
    assert [(e.event_id, e.show_id, silent) for e, silent in store.all_events()] == [
        ("early", "b", True), ("late", "a", False)]
