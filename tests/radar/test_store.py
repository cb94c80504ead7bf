"""The store against a real SQLite file: one transaction per poll, articles once, the outbox."""

from datetime import UTC, datetime

import pytest

from radar.models import Article, Event, Evidence, FetchResult
from radar.status import ShowState
from radar.store import Store

NOW = datetime(2026, 11, 25, 12, tzinfo=UTC)


@pytest.fixture
def store(tmp_path):
    opened = Store(f"sqlite:///{tmp_path / 'radar.db'}")
    yield opened
    opened.close()


def article(guid: str = "g1", url: str = "https://example.org/a") -> Article:
    return Article(source="news", trust="news", title="Show Season 2 Announced", url=url, guid=guid,
                   published=NOW)


def event(event_id: str = "e1") -> Event:
    return Event(event_id, "announced", "show", "Show", "announced", "none", None, None,
                 (Evidence("t", "https://example.org/a", "news", "news", NOW.isoformat()),), NOW.isoformat(), "p")


def test_articles_are_stored_once_by_guid_then_url(store):
    with store.transaction() as batch:
        assert batch.add_articles([article()], NOW)
        assert not batch.add_articles([article(url="https://other.example/")], NOW)
        assert batch.add_articles([article(guid=None, url="https://example.org/b?utm_source=x")], NOW)
        assert not batch.add_articles([article(guid=None, url="https://EXAMPLE.org/b/")], NOW)
    assert store.known_keys([article().key, "guid:nope"]) == {article().key}


def test_one_transaction_all_or_nothing(store):
    with pytest.raises(RuntimeError):
        with store.transaction() as batch:
            batch.record_fetches([FetchResult("news", "ok", etag='"v1"')], NOW)
            batch.add_articles([article()], NOW)
            batch.set_status("show", ShowState("announced", None, NOW), NOW, changed=True)
            batch.add_event(event(), False, ["hook"], NOW.timestamp())
            raise RuntimeError("crash before commit")
    assert store.shows() == {} and store.deliveries() == [] and store.known_keys([article().key]) == set()
    assert store.validators() == {}


def test_event_is_recorded_once_and_queued_per_notifier(store):
    with store.transaction() as batch:
        assert batch.add_event(event(), False, ["hook", "mail"], NOW.timestamp())
        assert not batch.add_event(event(), False, ["hook", "mail"], NOW.timestamp())
        assert batch.add_event(event("e2"), True, ["hook"], NOW.timestamp())
    queued = store.deliveries()
    assert sorted(d.notifier for d in queued) == ["hook", "mail"]
    assert queued[0].event == event()


def test_failed_attempts_then_give_up_then_retry(store):
    with store.transaction() as batch:
        batch.add_event(event(), False, ["hook"], NOW.timestamp())
    item = store.deliveries()[0]
    store.mark_attempt_failed(item.id, "HTTP 500", NOW.timestamp() + 30, give_up=False)
    again = store.deliveries()[0]
    assert (again.state, again.attempts, again.last_error) == ("pending", 1, "HTTP 500")
    store.mark_attempt_failed(item.id, "HTTP 500", NOW.timestamp() + 60, give_up=True)
    assert store.deliveries()[0].state == "failed" and store.count_deliveries("failed") == 1
    assert store.requeue_failed(NOW.timestamp()) == 1
    store.mark_delivered(item.id, NOW)
    assert store.deliveries() == []


def test_validators_and_failures_are_remembered(store):
    with store.transaction() as batch:
        batch.record_fetches([FetchResult("news", "ok", etag='"v1"',
                                          last_modified="Wed, 25 Nov 2026 10:00:00 GMT")], NOW)
    with store.transaction() as batch:
        batch.record_fetches([FetchResult("news", "error", error="HTTP 500")], NOW)
        batch.record_fetches([FetchResult("news", "error", error="timed out")], NOW)
    assert store.validators()["news"].etag == '"v1"'
    row = store.source_rows()["news"]
    assert (row.failures, row.last_error) == (2, "timed out")


def test_seen_entries_follow_the_last_response_read(store):
    with store.transaction() as batch:
        batch.record_fetches([FetchResult("news", "ok", etag='"v1"', fingerprints=("a1", "b2"))], NOW)
    assert store.validators()["news"].seen_entries == "a1 b2"
    with store.transaction() as batch:  # 304 and errors keep them; a feedparser read (none kept) clears them
        batch.record_fetches([FetchResult("news", "not_modified", etag='"v1"')], NOW)
        batch.record_fetches([FetchResult("news", "error", error="HTTP 500")], NOW)
    assert store.validators()["news"].seen_entries == "a1 b2"
    with store.transaction() as batch:
        batch.record_fetches([FetchResult("news", "ok", warning="malformed feed read anyway")], NOW)
    assert store.validators()["news"].seen_entries == ""


def test_a_store_made_before_seen_entries_gets_the_column_and_keeps_its_rows(tmp_path):
    import sqlite3

    path = tmp_path / "old.db"
    with sqlite3.connect(path) as conn:  # source_state as the first release created it
        conn.execute("CREATE TABLE source_state (name VARCHAR(100) PRIMARY KEY, etag TEXT, last_modified TEXT, "
                     "last_polled TEXT, last_success TEXT, last_error TEXT, failures INTEGER NOT NULL, "
                     "next_poll FLOAT)")
        conn.execute("INSERT INTO source_state (name, etag, failures) VALUES ('news', '\"v1\"', 0)")
    opened = Store(f"sqlite:///{path}")
    try:
        assert opened.validators()["news"].etag == '"v1"' and opened.validators()["news"].seen_entries == ""
        with opened.transaction() as batch:
            batch.record_fetches([FetchResult("news", "ok", etag='"v2"', fingerprints=("c3",))], NOW)
        assert opened.validators()["news"].seen_entries == "c3"
    finally:
        opened.close()


def test_validators_of_some_sources_only(store):
    with store.transaction() as batch:
        batch.record_fetches([FetchResult(f"feed-{i}", "ok", etag=f'"{i}"') for i in range(1200)], NOW)
    some = store.validators(f"feed-{i}" for i in range(0, 1200, 2))  # more names than one IN (…) takes
    assert len(some) == 600 and some["feed-600"].etag == '"600"' and "feed-601" not in some
    assert store.validators(["nope"]) == {} and len(store.validators()) == 1200
