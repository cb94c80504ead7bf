"""Issue 11, items 1 and 2, end to end on a real SQLite store: a `check` beside the running daemon sends
no alert the daemon is sending (each outbox row is claimed first), and two feeds that reuse one GUID for
different articles keep both."""

from __future__ import annotations

import json
import sqlite3
import threading

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
