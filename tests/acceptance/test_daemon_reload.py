"""Issue 11, items 3 and 17: the daemon's SIGHUP and its log, a real daemon process against feeds on
127.0.0.1. A reload replaces the runners and reschedules every source at its new interval (a new source is
polled at once, the old schedule is gone); the first polls are logged at once and the cycle line counts
sources after delivery; a restart does not fetch a source twice within a second; a `check` beside the
daemon keeps the NEXT POLL column; a missing store directory is refused by `daemon` as by `check`."""

from __future__ import annotations

import json
import re
import signal
import time

from harness import wait_for
from test_daemon import AKUDAMA_ANNOUNCED, INTERVAL, OLD, rss, source, write_config


def requests_of(site, path: str, since: int = 0) -> list:
    return [r for r in site.fetches[since:] if r.path == path]


def test_sighup_reschedules_every_source_and_adds_a_new_one(cli, site, hook, daemons):
    write_config(cli, site, sources=source("fast", site.url("/fast.xml"), extra='interval = "500ms"\n')
                 + source("slow", site.url("/slow.xml"), extra='interval = "1h"\n'))
    for path in ("/fast.xml", "/slow.xml", "/late.xml"):
        site.put(path, rss(OLD))
    daemon = daemons(health=True)
    site.wait(lambda: len(requests_of(site, "/fast.xml")) >= 3 and cli.polled_ok("slow"), 20,
              "fast polled every half second, slow once", daemon.output)
    assert len(requests_of(site, "/slow.xml")) == 1

    # fast becomes hourly, slow every half second, and a new source appears
    (cli.config / "sources.toml").write_text(
        source("fast", site.url("/fast.xml"), extra='interval = "1h"\n')
        + source("slow", site.url("/slow.xml"), extra='interval = "500ms"\n')
        + source("late", site.url("/late.xml"), extra='interval = "500ms"\n'))
    daemon.proc.send_signal(signal.SIGHUP)
    daemon.wait(lambda: daemon.counter("reloads") == 1, 10, "the reload")
    assert daemon.healthz()["sources"] == 3
    mark = len(site.fetches)
    site.wait(lambda: len(requests_of(site, "/slow.xml", mark)) >= 3 and requests_of(site, "/late.xml", mark),
              15, "slow polled at its new interval and the new source polled", daemon.output)
    assert len(requests_of(site, "/fast.xml", mark)) <= 1  # at most one in flight at the reload: hourly now
    assert daemon.stop()[0] == 0
    assert "config reloaded: 3 shows, 3 sources (1 added, 0 removed), 1 notifiers" in daemon.output()


def test_first_polls_are_logged_at_once_and_the_cycle_line_counts_sources_after_delivery(
        cli, site, hook, daemons):
    write_config(cli, site, sources=source("news", site.url("/news.xml"), extra='interval = "500ms"\n')
                 + source("blog", site.url("/blog.xml"), extra='interval = "500ms"\n'))
    radar_toml = cli.config / "radar.toml"
    radar_toml.write_text(radar_toml.read_text().replace(f'interval = "{INTERVAL:g}s"', 'interval = "1h"'))
    site.put("/news.xml", rss(OLD))
    site.put("/blog.xml", rss(OLD))
    daemon = daemons()
    # the default interval is an hour: before, nothing was logged for five minutes
    daemon.wait(lambda: "cycle: polled" in daemon.output(), 15, "the first polls' line")
    site.wait(lambda: len(site.fetches) >= 8, 20, "several polls of both sources", daemon.output)

    site.put("/news.xml", rss(AKUDAMA_ANNOUNCED, OLD))
    site.wait(hook.delivered, 10, "the alert", daemon.output)
    daemon.wait(lambda: any("1 alerts" in line for line in daemon.output().splitlines()), 10,
                "its cycle line")
    assert daemon.stop()[0] == 0
    [line] = [line for line in daemon.output().splitlines() if "1 alerts" in line]
    assert "1 delivered" in line, line  # logged once the alert was sent, not before
    polled = re.search(r"cycle: polled (\d+) sources \((\d+) polls", line)
    assert polled and int(polled.group(1)) <= 2 and int(polled.group(2)) >= 1, line


def test_restart_check_beside_and_a_missing_store_directory(cli, site, hook, daemons):
    write_config(cli, site, sources=source("news", site.url("/news.xml"), extra='interval = "2s"\n'))
    site.put("/news.xml", rss(OLD))
    first = daemons()
    first.wait(lambda: cli.polled_ok("news"), 20, "the first poll")
    assert first.stop()[0] == 0

    # restarted more than an interval after its stored next poll: one poll now, the next an interval later
    [(next_poll,)] = cli.query("select next_poll from source_state where name = 'news'")
    # a moment on the clock, not an event: the restart must come more than an interval after next_poll
    wait_for(lambda: time.time() > next_poll + 2.5, 10, "the stored next poll to be an interval old")
    mark = len(site.fetches)
    second = daemons()
    site.wait(lambda: len(requests_of(site, "/news.xml", mark)) >= 2, 20, "two polls after the restart",
              second.output)
    one, two = requests_of(site, "/news.xml", mark)[:2]
    assert two.at - one.at >= 1.5, second.output()  # before: a catch-up poll half a second later

    # a check beside the running daemon keeps the daemon's next poll in `sources`
    cli("check")
    [row] = json.loads(cli("sources", "--json").stdout)
    assert row["next_poll"] is not None
    assert second.stop()[0] == 0

    # a missing store directory: daemon refuses it as check does, and creates nothing
    radar_toml = cli.config / "radar.toml"
    radar_toml.write_text('[store]\npath = "missing/radar.db"\n' + radar_toml.read_text())
    for command in ("check", "daemon"):
        proc = cli(command, check=False)
        assert proc.returncode == 3 and "store error" in proc.stderr, (command, proc.stderr)
        assert not (cli.config / "missing").exists(), command
