"""The store against each backend (a real SQLite file, a real PostgreSQL): one transaction per poll,
articles once, the outbox; the migration of stores made by earlier releases (SQLite files)."""

from datetime import UTC, datetime

import pytest

from radar.domain.models import Article, Event, Evidence, FetchResult
from radar.domain.status import ShowState
from radar.store import Store

NOW = datetime(2026, 11, 25, 12, tzinfo=UTC)


@pytest.fixture
def store(store_url):
    opened = Store(store_url)
    yield opened
    opened.close()


def article(guid: str = "g1", url: str = "https://example.org/a") -> Article:
    return Article(source="news", trust="news", title="Show Season 2 Announced", url=url, guid=guid,
                   published=NOW)


def event(event_id: str = "e1") -> Event:
    return Event(event_id, "announced", "show", "Show", "announced", "none", None, None,
                 (Evidence("t", "https://example.org/a", "news", "news", NOW.isoformat()),),
                 NOW.isoformat(), "p")


def test_articles_are_stored_once_by_guid_then_url(store):
    with store.transaction() as batch:
        assert batch.add_articles([article()], NOW)
        assert not batch.add_articles([article(url="https://other.example/")], NOW)
        assert batch.add_articles([article(guid=None, url="https://example.org/b?utm_source=x")], NOW)
        assert not batch.add_articles([article(guid=None, url="https://EXAMPLE.org/b/")], NOW)
    with store.transaction() as batch:
        assert batch.add_articles([article(), article(guid="nope")], NOW) == [article(guid="nope")]


def test_one_transaction_all_or_nothing(store):
    with pytest.raises(RuntimeError), store.transaction() as batch:
        batch.record_fetches([FetchResult("news", "ok", etag='"v1"')], NOW)
        batch.add_articles([article()], NOW)
        batch.set_status("show", ShowState("announced", None, NOW), NOW, changed=True)
        batch.add_event(event(), False, ["hook"], NOW.timestamp())
        raise RuntimeError("crash before commit")
    assert store.shows() == {} and store.deliveries() == [] and store.stored_articles() == []
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
        conn.execute("CREATE TABLE source_state (name VARCHAR(100) PRIMARY KEY, etag TEXT, "
                     "last_modified TEXT, last_polled TEXT, last_success TEXT, last_error TEXT, "
                     "failures INTEGER NOT NULL, next_poll FLOAT)")
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


# --- installments, source baselines and the migration of stores made before them -------------------------

def test_each_installment_has_its_own_status_and_evidence(store):
    with store.transaction() as batch:
        batch.set_status("show", ShowState("dated", "2026-10", NOW), NOW, changed=True,
                         installment="season 2")
        batch.set_status("show", ShowState("premiered", "2026-09-19", NOW), NOW, changed=True,
                         installment="film", seq=1)
        batch.add_evidence("show", ShowState("dated", "2026-10", NOW), article(), "p", NOW,
                           installment="season 2")
        batch.add_evidence("show", ShowState("premiered", "2026-09-19", NOW), article(), "p", NOW,
                           installment="film")  # one article, two installments: cited for each
        batch.add_evidence("show", ShowState("premiered", "2026-09-19", NOW), article(), "p", NOW,
                           installment="film")  # …once each
    shown = store.shows()["show"]
    assert [(i.installment, i.state.status, i.seq) for i in shown.installments] == [
        ("season 2", "dated", 0), ("film", "premiered", 1)]
    assert (shown.installment, shown.state.status, shown.state.release) == ("season 2", "dated", "2026-10")
    assert len(store.evidence_for("show")) == 1
    assert len(store.evidence_of("show", "film", "premiered")) == 1
    assert store.evidence_of("show", None, "dated") == []


def test_the_unnamed_installment_adopts_a_label_with_its_evidence(store):
    with store.transaction() as batch:
        batch.set_status("show", ShowState("announced", None, NOW), NOW, changed=True)
        batch.add_evidence("show", ShowState("announced", None, NOW), article(), "p", NOW)
        batch.adopt("show", "season 2")
        batch.set_status("show", ShowState("dated", "2027-04", NOW), NOW, changed=True,
                         installment="season 2")
    shown = store.shows()["show"]
    assert [(i.installment, i.state.status) for i in shown.installments] == [("season 2", "dated")]
    assert store.evidence_of("show", "season 2", "announced")[0].url == article().url


def test_a_source_is_baselined_by_its_first_successful_poll(store):
    with store.transaction() as batch:
        assert batch.record_fetches([FetchResult("news", "ok"),
                                     FetchResult("down", "error", error="x")], NOW) == set()
    with store.transaction() as batch:
        assert batch.record_fetches([FetchResult("news", "not_modified"),
                                     FetchResult("down", "ok")], NOW) == {"news"}
    with store.transaction() as batch:
        assert batch.record_fetches([FetchResult("news", "error", error="x"),
                                     FetchResult("down", "ok")], NOW) == {"news", "down"}


def test_event_payload_keeps_its_installment(store):
    named = Event("e9", "announced", "show", "Show", "announced", "none", None, None, (), NOW.isoformat(),
                  "p", installment="season 3")
    with store.transaction() as batch:
        batch.add_event(named, False, ["hook"], NOW.timestamp())
    assert store.history("show")[0][0].installment == "season 3"
    assert store.deliveries()[0].event == named


def open_old(path):
    from old_store import make_old_store

    make_old_store(path)
    return Store(f"sqlite:///{path}")


def test_a_store_written_by_main_before_installments_keeps_its_statuses_evidence_and_history(tmp_path):
    from old_store import OLD_TITLE, TF_EVIDENCE

    path = tmp_path / "old.db"
    opened = open_old(path)
    try:
        for _ in range(2):  # and opening it again changes nothing
            shows = opened.shows()
            assert {k: (v.installment, v.state.status, v.state.release, v.baselined)
                    for k, v in shows.items()} == {"akudama-drive": (None, "announced", None, True),
                                                   "terra-formars": (None, "dated", "2027-04", True),
                                                   "beastars": (None, "none", None, True)}
            assert shows["beastars"].installments == ()
            assert shows["terra-formars"].state.as_of == datetime(2026, 11, 21, 9, tzinfo=UTC)
            assert shows["terra-formars"].updated == "2026-11-21T10:00:00+00:00"
            assert {e.url for e in opened.evidence_for("terra-formars")} == set(TF_EVIDENCE)
            assert [e.source for e in opened.evidence_for("akudama-drive")] == ["news"]
            (event_, silent), = opened.history("akudama-drive")
            assert (event_.event_id, event_.installment, silent) == ("ev-ak", None, False)
            assert [(d.event.event_id, d.attempts) for d in opened.deliveries()] == [("ev-tf", 2)]
            assert opened.validators()["news"].seen_entries == "a1 b2"
            opened.close()
            opened = Store(f"sqlite:///{path}")
        # the old sources: polled before is baselined, never polled is not
        with opened.transaction() as batch:
            assert batch.record_fetches([FetchResult("news", "ok"),
                                         FetchResult("broken", "ok")], NOW) == {"news"}
            # the same article may now be cited for another installment of the show
            batch.add_evidence("akudama-drive", ShowState("announced", None, NOW),
                               Article("news", "news", "Akudama Drive Season 2 Announced", guid="ak"),
                               "p", NOW, installment="film")
            # its key names its source now (a GUID is unique within one feed only)
            assert not batch.add_articles([Article("news", "news", "Akudama Drive Season 2 Announced",
                                                   guid="ak")], NOW)
            # an item stored under its title's key is the same item today (radar.domain.normalize.title_key)
            assert not batch.add_articles([Article("forum", "community", OLD_TITLE)], NOW)
            batch.adopt("terra-formars", "season 2")
        assert opened.shows()["terra-formars"].installment == "season 2"
        assert {e.url for e in opened.evidence_for("terra-formars")} == set(TF_EVIDENCE)
        assert len(opened.evidence_of("akudama-drive", "film", "announced")) == 1
    finally:
        opened.close()


def test_a_migration_cut_short_is_started_over(tmp_path):
    import sqlite3

    from old_store import TF_EVIDENCE, make_old_store

    path = tmp_path / "old.db"
    make_old_store(path)
    with sqlite3.connect(path) as conn:  # a rebuild that crashed after creating its table
        conn.execute("CREATE TABLE evidence_rebuild (id INTEGER PRIMARY KEY, junk TEXT)")
    opened = Store(f"sqlite:///{path}")
    try:
        assert {e.url for e in opened.evidence_for("terra-formars")} == set(TF_EVIDENCE)
        with sqlite3.connect(path) as conn:
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert "evidence_rebuild" not in tables and {"installment_status", "evidence"} <= tables
    finally:
        opened.close()
