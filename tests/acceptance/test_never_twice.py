"""Issue 11, items 1 and 2, end to end on a real SQLite store: a `check` beside the running daemon sends
no alert the daemon is sending (each outbox row is claimed first), and two feeds that reuse one GUID for
different articles keep both; a poll that outlasts its lease keeps its source — neither a `check` beside
the daemon nor the daemon beside a `check` polls it a second time meanwhile."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import threading
import time

from harness import wait_for
from test_daemon import OLD, TF_ANNOUNCED, rss, source


def configure(cli, site, hook_url: str, sources: str, interval: str = "1s") -> None:
    (cli.config / "radar.toml").write_text(f"""
[schedule]
interval = "{interval}"
timeout = "10s"

[delivery]
retry_backoff = "1s"

[[notifier]]
name = "automation"
kind = "webhook"
url = "{hook_url}"
timeout = "20s"
""")
    (cli.config / "watchlist.toml").write_text('[[show]]\nid = "terra-formars"\ntitle = "Terra Formars"\n\n'
                                               '[[show]]\nid = "akudama-drive"\ntitle = "Akudama Drive"\n')
    (cli.config / "sources.toml").write_text(sources)


def outbox(cli) -> list[tuple]:
    with sqlite3.connect(cli.config / "radar.db", timeout=5) as conn:
        return conn.execute("select state, count(*) from outbox group by state").fetchall()


def test_check_beside_the_daemon_sends_nothing_the_daemon_is_sending(cli, site, hook, daemons):
    release = threading.Event()
    site.stall("/hook", seconds=30, until=release, times=1)  # the receiver holds the first POST
    configure(cli, site, hook.url, source("news", site.url("/news.xml")))
    site.put("/news.xml", rss(OLD))
    daemon = daemons()
    daemon.wait(lambda: cli.polled_ok("news"), 20, "the daemon's first poll")
    site.put("/news.xml", rss(TF_ANNOUNCED, OLD))
    # the daemon found the news and is sending it: the receiver holds the POST until the check is done
    site.wait(lambda: hook.calls, 15, "the daemon's POST", daemon.output)
    assert outbox(cli) == [("sending", 1)]
    checked = cli("check", "--json")  # polls, folds, and drains the outbox (forced) meanwhile
    assert json.loads(checked.stdout)["delivery_errors"] == []
    release.set()
    daemon.wait(lambda: outbox(cli) == [("delivered", 1)], 15, "the delivery recorded")
    # and a second check, after it was delivered, sends nothing either
    cli("check")
    assert len(hook.calls) == 1 and len(hook.answered()) == 1, hook.calls
    assert daemon.stop()[0] == 0


def test_two_feeds_reusing_one_guid_keep_both_articles(cli, site, hook):
    configure(cli, site, hook.url, source("one", site.url("/one.xml")) + source("two", site.url("/two.xml")))
    site.put("/one.xml", rss(OLD))
    site.put("/two.xml", rss(OLD))
    cli("check")  # the baseline: recorded silently
    assert hook.calls == []
    # each feed numbers its own items: both call their new article "42"
    site.put("/one.xml", rss(("42", *TF_ANNOUNCED[1:]), OLD))
    site.put("/two.xml", rss(("42", "Akudama Drive Season 2 Announced",
                              "A second season of the Akudama Drive anime has been announced."), OLD))
    report = json.loads(cli("check", "--json").stdout)
    assert report["new_articles"] == 2
    assert sorted(p["show_id"] for p in hook.payloads()) == ["akudama-drive", "terra-formars"]
    assert {p["evidence"][0]["source"] for p in hook.payloads()} == {"one", "two"}
    cli("check")  # polled again: nothing is new, nothing is sent again
    assert len(hook.calls) == 2


LEASE = 1.0


def test_a_poll_slower_than_its_lease_keeps_its_source_from_check_and_daemon(cli, site, hook, daemons):
    configure(cli, site, hook.url, source("news", site.url("/news.xml")), interval="1h")
    radar_toml = cli.config / "radar.toml"
    radar_toml.write_text(f'[store]\nlease = "{LEASE:g}s"\n' + radar_toml.read_text())
    site.put("/news.xml", rss(OLD))
    release = threading.Event()

    # the daemon's first poll is held by the feed three leases long: a check meanwhile leaves it alone
    site.stall("/news.xml", seconds=30, until=release, times=1)
    daemon = daemons()
    site.wait(lambda: site.of("/news.xml"), 20, "the daemon's poll", daemon.output)
    held_since = time.monotonic()
    # a moment on the clock, not an event: the lease taken when the poll began must have run out
    wait_for(lambda: time.monotonic() > held_since + 3 * LEASE, 10, "three leases")
    checked = cli("check", "-v")
    assert "1 sources are being polled by another instance right now" in checked.stderr, checked.stderr
    assert len(site.of("/news.xml")) == 1
    release.set()
    daemon.wait(lambda: cli.polled_ok("news"), 15, "the daemon's poll recorded")

    # a check's poll held as long: SIGUSR1 (every source due now) leaves it to the check
    release = threading.Event()
    site.stall("/news.xml", seconds=30, until=release, times=1)
    before = len(site.of("/news.xml"))
    check = subprocess.Popen([*cli.command, "--config", str(cli.config), "check"], env=cli.env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        site.wait(lambda: len(site.of("/news.xml")) > before, 20, "the check's poll")
        held_since = time.monotonic()
        wait_for(lambda: time.monotonic() > held_since + 3 * LEASE, 10, "three leases")
        daemon.proc.send_signal(signal.SIGUSR1)
        daemon.wait(lambda: "polling 1 sources now (SIGUSR1)" in daemon.output(), 10, "the daemon's SIGUSR1")
        # the daemon tries again when the lease it saw would end: give it a lease and its tick to do so
        assert site.quiet(lambda: len(site.of("/news.xml")) > before + 1, 2 * LEASE + 1)
    finally:
        release.set()
        _out, err = check.communicate(timeout=20)
    assert check.returncode == 0, err
    assert daemon.stop()[0] == 0
