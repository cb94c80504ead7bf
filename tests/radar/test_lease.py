"""Several instances on one store, against each backend (a real SQLite file, a real PostgreSQL): a due
source is leased to one instance, an alert claimed by one, a dead instance's hold expires, and two
instances folding the same news at once make one event."""

from __future__ import annotations

import subprocess
import sys
import threading
from datetime import UTC, datetime

import pytest
from test_cycle import news, ok

from radar.app.config import load_config
from radar.app.cycle import CycleProcessor
from radar.domain.models import Event, FetchResult
from radar.domain.status import ShowState
from radar.store import Store
from radar.store.lease import instance_id

NOW = datetime(2026, 11, 25, 12, tzinfo=UTC)
T = NOW.timestamp()


@pytest.fixture
def store(store_url):
    opened = Store(store_url)
    yield opened
    opened.close()


def queue_one(store: Store) -> None:
    with store.transaction() as batch:
        batch.add_event(Event("e1", "announced", "show", "Show", "announced", "none", None, None, (),
                              NOW.isoformat()), False, ["hook"], T)


def test_a_due_source_is_leased_to_one_instance_until_polled_or_expired(store):
    assert store.lease_sources(["a", "b"], "one:1", T, 10).leased == ["a", "b"]
    other = store.lease_sources(["a", "b"], "two:2", T + 1, 10)
    assert other.leased == [] and other.later == {"a": T + 10, "b": T + 10}  # held: try when the lease ends
    with store.transaction() as batch:  # one polled and recorded: its lease ends, it is due in an interval
        batch.record_fetches([FetchResult("a", "ok")], NOW, {"a": T + 60}, polled_by="one:1")
    assert store.lease_sources(["a"], "two:2", T + 2, 10).later == {"a": T + 60}
    assert store.lease_sources(["a"], "two:2", T + 2, 10, force=True).leased == ["a"]  # `check`: poll now
    assert store.lease_sources(["b"], "two:2", T + 11, 10).leased == ["b"]  # one's lease expired: taken over
    rows = store.source_rows()
    assert (rows["a"].polled_by, rows["a"].leased_by, rows["b"].leased_by) == ("one:1", "two:2", "two:2")
    store.release_sources(["a", "b"], "two:2", forget_unpolled=True)
    assert set(store.source_rows()) == {"a"} and store.source_rows()["a"].leased_by is None


def test_a_renewed_lease_holds_while_the_poll_runs_and_only_ours_is_renewed(store):
    assert store.lease_sources(["a", "b", "c"], "one:1", T, 10).leased == ["a", "b", "c"]
    with store.transaction() as batch:  # a recorded: its lease ended
        batch.record_fetches([FetchResult("a", "ok")], NOW, {"a": T + 60}, polled_by="one:1")
    assert store.lease_sources(["c"], "two:2", T + 11, 10).leased == ["c"]  # c's lease ran out: taken over
    assert store.renew_sources(["a", "b", "c"], "one:1", T + 18) == 1  # only b: a ended, c is two's now
    rows = store.source_rows()
    assert (rows["a"].leased_by, rows["b"].lease_expires, rows["c"].leased_by) == (None, T + 18, "two:2")
    assert store.lease_sources(["b"], "two:2", T + 12, 10, force=True).later == {"b": T + 18}
    assert store.lease_sources(["b"], "two:2", T + 19, 10).leased == ["b"]  # not renewed again: expired


def test_an_alert_is_claimed_by_one_instance_and_freed_when_its_claim_expires(store):
    queue_one(store)
    (item,) = store.deliveries()
    mine = store.claim_delivery(item, "one:1", T, 30)
    assert mine is not None and mine.state == "sending" and mine.claimed_by == "one:1"
    assert store.claim_delivery(item, "two:2", T + 1, 30) is None
    assert store.claim_delivery(item, "two:2", T + 1, 30, force=True) is None  # forced: still one sender
    assert [(d.state, d.claimed_by) for d in store.deliveries()] == [("sending", "one:1")]
    taken = store.claim_delivery(item, "two:2", T + 31, 30)  # one died while sending: its claim expired
    assert taken is not None and taken.claimed_by == "two:2"
    store.mark_delivered(item.id, NOW)
    assert store.deliveries() == [] and store.claim_delivery(item, "one:1", T + 100, 30, force=True) is None


def test_a_dead_instance_of_this_host_loses_its_leases_and_claims_at_once(store):
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True, check=True)
    dead = instance_id().rsplit(":", 1)[0] + ":" + gone.stdout.strip()
    queue_one(store)
    store.lease_sources(["a"], dead, T, 1e9)
    store.lease_sources(["b"], instance_id(), T, 1e9)  # this process: alive, kept
    assert store.claim_delivery(store.deliveries()[0], dead, T, 1e9) is not None
    assert store.release_dead() == 2
    assert store.lease_sources(["a", "b"], "two:2", T, 10).leased == ["a"]
    assert [d.state for d in store.deliveries()] == ["pending"]


def test_two_instances_folding_the_same_news_at_once_make_one_event(store_url, tmp_path):
    (tmp_path / "radar.toml").write_text(f'[store]\nurl = "{store_url}"\n\n[[notifier]]\nname = "hook"\n'
                                         'kind = "console"\n')
    (tmp_path / "sources.toml").write_text("".join(
        f'[[source]]\nname = "{n}"\nkind = "rss"\nurl = "https://example.org/{n}"\ntrust = "news"\n'
        for n in ("one", "two")))
    (tmp_path / "watchlist.toml").write_text('[[show]]\nid = "dorohedoro"\ntitle = "Dorohedoro"\n')
    config = load_config(tmp_path, {})
    first, second = Store(config.store_url), Store(config.store_url)
    try:
        CycleProcessor(config, first).process([ok("one"), ok("two")], NOW)  # baselines
        # one instance folds the news: its transaction holds the show's row. The other folds the same news
        # (another source's copy) meanwhile, having read the show before: it waits for the first, then
        # reads the status the first wrote, so it corroborates instead of alerting again
        results: list = []
        with first.transaction() as batch:
            batch.lock_shows(["dorohedoro"])
            batch.set_status("dorohedoro", ShowState("announced", None, NOW), NOW, changed=True)
            batch.add_event(Event("a1", "announced", "dorohedoro", "Dorohedoro", "announced", "none",
                                  None, None, (), NOW.isoformat()), False, ["hook"], T)
            other = threading.Thread(target=lambda: results.append(CycleProcessor(config, second).process(
                [ok("two", news("x2", "Dorohedoro Season 2 Announced", source="two"))], NOW)))
            other.start()
            other.join(1.0)
            waited = other.is_alive()
        other.join(30)
        assert waited  # held back by the first fold (a row lock; SQLite's one writer)
        assert results and results[0].new_articles == 1 and results[0].events == []
        assert [e.event_id for e, _ in first.history("dorohedoro")] == ["a1"]
    finally:
        first.close()
        second.close()
