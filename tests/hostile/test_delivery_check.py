"""Item 3 through `renewal-radar check`: a receiver that accepts and never answers costs one timeout per
check, not one per pending alert, and holds no other notifier; its alerts stay pending, untried ones
untouched, for the next run."""

from __future__ import annotations

import sqlite3
from typing import Any

from test_broken_feeds_check import OLD, WATCHLIST, config, rss, source

NEWS = [("tf-s3", "Terra Formars Season 3 Announced",
         "A third season of the Terra Formars anime was announced."),
        ("ad-s2", "Akudama Drive Season 2 Announced",
         "A second season of the Akudama Drive anime was announced."),
        ("tf-film", "Terra Formars Film Announced", "A Terra Formars anime film has been announced.")]


def test_a_silent_receiver_costs_one_timeout_and_holds_no_other_notifier(cli: Any, site: Any,
                                                                         hook: Any) -> None:
    site.stall("/silent", seconds=60)  # reads the POST, then answers nothing until the client gives up
    site.put("/news.xml", rss(OLD))
    config(cli, hook.url, source("news", site.url("/news.xml")))
    radar = cli.config / "radar.toml"
    radar.write_text(f'[[notifier]]\nname = "silent"\nkind = "webhook"\nurl = "{site.url("/silent")}"\n'
                     f'timeout = "2s"\n\n' + radar.read_text())
    (cli.config / "watchlist.toml").write_text(WATCHLIST)
    cli("check")
    site.put("/news.xml", rss(*NEWS, OLD))
    done = cli("check", check=False)
    assert done.returncode == 4, done.stdout + done.stderr  # a delivery failed
    with sqlite3.connect(cli.config / "radar.db") as db:
        rows = db.execute("select notifier, state, attempts from outbox order by id").fetchall()
    alerts = len(rows) // 2
    assert alerts >= 2 and len(hook.calls) == alerts  # the healthy receiver got every alert
    silent_rows = sorted((state, attempts) for notifier, state, attempts in rows if notifier == "silent")
    assert silent_rows == [("pending", 0)] * (alerts - 1) + [("pending", 1)]  # one tried, the rest wait
    assert len(site.of("/silent")) == 1
