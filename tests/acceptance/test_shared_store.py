"""Issue 14 end to end: three daemons on one real PostgreSQL, 300 feeds on one local feed server (ETag/304),
news appearing in 30 of them. Each alert is acknowledged by the webhook receiver exactly once; no feed is
fetched twice within one interval (the server's access log); after `kill -9` of the daemon that is sending
an alert, every source goes on being polled within lease + interval, and that alert is sent again by
another daemon once its claim expires — once."""

from __future__ import annotations

import json
import signal
import threading
import time
from datetime import UTC, datetime
from itertools import pairwise

from harness import wait_for
from sqlalchemy import create_engine, text
from test_daemon import OLD, rss

FEEDS = 300
NEWS = 30
INTERVAL = 4.0
LEASE = 8.0
WORDS = [
    "Amber", "Basalt", "Cobalt", "Dahlia", "Ember", "Fennel", "Garnet", "Harbor", "Indigo",
    "Juniper", "Kestrel", "Lumen", "Marigold", "Nimbus", "Onyx", "Paprika", "Quartz", "Russet",
    "Saffron", "Thistle", "Umber", "Vellum", "Willow", "Xenon", "Yarrow", "Zephyr", "Aster",
    "Bramble", "Cinder", "Drift",
]


def title(k: int) -> str:
    return f"{WORDS[k]} Chronicle"


def show_id(k: int) -> str:
    return f"{WORDS[k].lower()}-chronicle"


def news(k: int) -> tuple[str, str, str]:
    return (f"news-{k}", f"{title(k)} Season 2 Announced",
            f"A second season of the {title(k)} anime has been announced.")


def fetches(site) -> list[tuple[float, str]]:
    """(time, path) of every feed request the site answered."""
    return [(a.at, a.path) for a in site.fetches]


def test_three_daemons_on_one_postgresql_poll_each_feed_once_and_alert_once(cli, postgres, site, hook,
                                                                             daemons):
    url = postgres.new_database()
    engine = create_engine(url)
    for n in range(FEEDS):
        site.put(f"/feed/{n}.xml", rss(OLD))
    try:
        (cli.config / "radar.toml").write_text(f"""
[store]
url = "{url}"
lease = "{LEASE:g}s"

[schedule]
interval = "{INTERVAL:g}s"
jitter = "0%"
timeout = "5s"
per_host = 8

[delivery]
retry_backoff = "1s"
max_backoff = "2s"

[[notifier]]
name = "automation"
kind = "webhook"
url = "{hook.url}"
""")
        (cli.config / "watchlist.toml").write_text("".join(
            f'[[show]]\nid = "{show_id(k)}"\ntitle = "{title(k)}"\n\n' for k in range(NEWS)))
        (cli.config / "sources.toml").write_text("".join(
            f'[[source]]\nname = "feed-{n}"\nkind = "rss"\nurl = "{site.url(f"/feed/{n}.xml")}"\n'
            'trust = "news"\n\n'
            for n in range(FEEDS)))
        started = [daemons(health=True, log=f"daemon-{i}.log") for i in range(3)]

        def count(sql: str) -> int:
            with engine.connect() as conn:
                try:
                    return int(conn.execute(text(sql)).scalar() or 0)
                except Exception:  # noqa: BLE001 (the daemons have not created the tables yet)
                    return 0

        def acked() -> list[str]:
            """The event_id of every POST answered 200 to a sender still there to read it."""
            return [c.json()["event_id"] for c in hook.calls if c.status == 200]

        # the baseline: every feed polled once, silently, by one of the three
        polled = "select count(*) from source_state where last_success is not null"
        started[0].wait(lambda: count(polled) == FEEDS, 60, "every feed's first poll")
        instances = {started[0].wait(d.healthz, 10, "/healthz")["instance"]: d for d in started}
        assert len(instances) == 3

        # news in the first 15 feeds: 15 alerts
        for k in range(NEWS // 2):
            site.put(f"/feed/{k}.xml", rss(news(k), OLD))
        site.wait(lambda: len(acked()) >= NEWS // 2, INTERVAL * 2 + 15, "the first 15 alerts",
                  started[0].output)

        # news in the other 15; the receiver holds the next POST; the daemon sending it is killed
        release = threading.Event()
        site.stall("/hook", seconds=60, until=release, times=1)
        for k in range(NEWS // 2, NEWS):
            site.put(f"/feed/{k}.xml", rss(news(k), OLD))
        [held] = site.wait(lambda: [c for c in hook.calls if c.held], INTERVAL * 2 + 15,
                           "a POST of the second news", started[0].output)
        held_id = held.json()["event_id"]
        with engine.connect() as conn:
            (sender,) = conn.execute(
                text("select claimed_by from outbox where state = 'sending' and event_id = :e"),
                {"e": held_id}).one()
        victim = instances[sender]
        victim.proc.send_signal(signal.SIGKILL)
        victim.proc.wait(10)
        killed_at, after_kill = time.monotonic(), len(site.requests)
        killed_iso = datetime.now(UTC).isoformat()
        release.set()
        survivors = [d for d in started if d is not victim]

        site.wait(lambda: len(set(acked())) >= NEWS, LEASE + INTERVAL * 2 + 20, "all 30 alerts",
                  survivors[0].output)
        # every source is polled again after the kill within lease + interval (+ slack for a 2-core machine)
        deadline = killed_at + LEASE + INTERVAL + 5
        every_feed = {f"/feed/{n}.xml" for n in range(FEEDS)}
        wait_for(lambda: {a.path for a in site.requests[after_kill:]} >= every_feed,
                 max(0.0, deadline - time.monotonic()) + 1, "every feed polled after the kill",
                 survivors[0].output)
        settled = len(acked())
        repolled = f"select count(*) from source_state where last_polled > '{killed_iso}'"
        survivors[0].wait(lambda: count(repolled) == FEEDS, 15, "every feed's poll after the kill recorded")
        survivors[0].wait(lambda: count("select count(*) from outbox where state <> 'delivered'") == 0, 15,
                          "an empty outbox")

        for daemon in survivors:  # what follows is read with every poll over
            assert daemon.stop(signal.SIGTERM)[0] == 0

        # each alert exactly once, the one abandoned by the killed daemon included
        assert [c.json()["event_id"] for c in hook.calls if c.abandoned] == [held_id]
        assert sorted(acked()) == sorted(set(acked())) and len(acked()) == NEWS == settled
        with engine.connect() as conn:
            alerted = {r[0] for r in conn.execute(text("select show_id from events where not silent"))}
            by = {r[0] for r in conn.execute(text("select distinct polled_by from source_state"))}
        assert alerted == {show_id(k) for k in range(NEWS)}
        assert by <= set(instances) - {sender}  # every feed's last poll was by a daemon still alive
        # no feed fetched twice within one interval (two fetches closer than half an interval: a double poll)
        times: dict[str, list[float]] = {}
        for at, path in fetches(site):
            times.setdefault(path, []).append(at)
        gaps = [b - a for ts in times.values() for a, b in pairwise(ts)]
        close = sorted((round(b - a, 2), path, round(a - killed_at, 2), round(b - killed_at, 2))
                       for path, ts in times.items() for a, b in pairwise(ts) if b - a < INTERVAL / 2)
        assert len(times) == FEEDS and min(gaps) >= INTERVAL / 2, (
            f"(gap, feed, fetched, fetched again) in seconds after the kill: {close[:5]}", sorted(gaps)[:5])
        # sources show who polled them
        rows = json.loads(cli("sources", "--json").stdout)
        assert {r["polled_by"] for r in rows} == by and len(rows) == FEEDS
        print(f"\n3 daemons, {FEEDS} feeds: {len(acked())} alerts acknowledged once each, "
              f"{sum(c.abandoned for c in hook.calls)} abandoned by the killed daemon and resent, "
              f"{sum(len(ts) for ts in times.values())} fetches, smallest gap {min(gaps):.2f}s")
    finally:
        engine.dispose()
