"""`renewal-radar daemon` end to end: the real daemon process, a real SQLite file, feeds and a webhook on
127.0.0.1, a 1.5-second interval. Each test shows one promise of the issue: news reaches the webhook within
interval + 3 s; an outage of the receiver costs nothing and duplicates nothing; `kill -9` loses nothing and
repeats nothing; SIGTERM exits 0 quickly with the store intact; failing sources back off and are shown."""

from __future__ import annotations

import json
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from werkzeug import Request, Response

REPO = Path(__file__).resolve().parents[2]

INTERVAL = 1.5
JITTER = 0.1
TOO_LATE = INTERVAL * (1 + JITTER) + 3  # the bar: interval + 3 s (jitter included)

WATCHLIST = """
[[show]]
id = "terra-formars"
title = "Terra Formars"

[[show]]
id = "akudama-drive"
title = "Akudama Drive"
aliases = ["アクダマドライブ"]

[[show]]
id = "princess-principal"
title = "Princess Principal"
"""

OLD = ("old-1", "Anime Expo Schedule Revealed", "The convention's panel schedule is out.")
TF_ANNOUNCED = ("tf-s3", "Terra Formars Season 3 Announced",
                "A third season of the Terra Formars anime has been announced.")
AKUDAMA_ANNOUNCED = ("akudama-s2", "Akudama Drive Season 2 Announced",
                     "A second season of the Akudama Drive anime has been announced.")
PP_ANNOUNCED = ("pp-s2", "Princess Principal Season 2 Announced",
                "A second season of the Princess Principal anime has been announced.")


def rss(*items: tuple[str, str, str]) -> str:
    body = "".join(f"<item><title>{t}</title><link>http://example.org/a/{g}</link><guid>{g}</guid>"
                   f"<pubDate>Sat, 21 Nov 2026 08:00:00 +0000</pubDate><description>{s}</description></item>"
                   for g, t, s in items)
    return (f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Feed</title>'
            f"<link>http://example.org/</link><description>d</description>{body}</channel></rss>")


def source(name: str, url: str, kind: str = "rss", extra: str = "") -> str:
    return f'\n[[source]]\nname = "{name}"\nkind = "{kind}"\nurl = "{url}"\ntrust = "news"\n{extra}'


@dataclass
class Receiver:
    """A webhook endpoint whose answer can be switched; records the answer it gave to every call."""

    status: int = 200
    calls: list[dict[str, Any]] = field(default_factory=list)

    def handle(self, request: Request) -> Response:
        status = self.status
        body = json.loads(request.get_data())
        self.calls.append({"status": status, "event_id": body["event_id"], "show_id": body["show_id"],
                           "key": request.headers.get("Idempotency-Key"), "at": time.monotonic()})
        return Response("ok" if status < 400 else "receiver down", status=status)

    def delivered(self) -> list[dict[str, Any]]:
        return [c for c in self.calls if c["status"] < 300]


@pytest.fixture
def receiver(httpserver, site) -> Receiver:
    hook = Receiver()
    httpserver.expect_request("/hook", method="POST").respond_with_handler(hook.handle)
    return hook


class Daemon:
    """One `renewal-radar daemon` process; output goes to a file so a full pipe never blocks it."""

    def __init__(self, cli: Any, log: Path, *args: str) -> None:
        self.log = log
        with log.open("ab") as out:
            self.proc = subprocess.Popen([sys.executable, "-m", "radar.cli", "--config", str(cli.config),
                                          "daemon", *args], env=cli.env, cwd=REPO, stdout=out,
                                         stderr=subprocess.STDOUT)

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 15) -> tuple[int, float]:
        """Send `sig`; the exit code and how long the process took to exit."""
        started = time.monotonic()
        self.proc.send_signal(sig)
        try:
            code = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            pytest.fail(f"daemon still running {timeout}s after signal {sig}:\n{self.output()}")
        return code, time.monotonic() - started


@pytest.fixture
def daemons(cli, tmp_path):
    """start(*args) runs a daemon on the test's config; every one is killed at the end, whatever happens."""
    started: list[Daemon] = []

    def start(*args: str) -> Daemon:
        daemon = Daemon(cli, tmp_path / "daemon.log", *args)
        started.append(daemon)
        return daemon

    yield start
    for daemon in started:
        if daemon.proc.poll() is None:
            daemon.proc.kill()
            daemon.proc.wait(10)


def wait_for(check: Callable[[], Any], timeout: float, what: str, daemon: Daemon | None = None) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.05)
    pytest.fail(f"timed out after {timeout}s waiting for {what}" + (f"\n{daemon.output()}" if daemon else ""))


def query(cli, sql: str) -> list[tuple]:
    """Read the daemon's SQLite store directly (WAL: readers never block the writer)."""
    with sqlite3.connect(cli.config / "radar.db", timeout=5) as conn:
        return conn.execute(sql).fetchall()


def polled_ok(cli, name: str) -> bool:
    try:
        return bool(query(cli, f"select 1 from source_state where name = '{name}' and last_success != ''"))
    except sqlite3.OperationalError:  # the daemon has not created the tables yet
        return False


def write_config(cli, site, *, delivery: str = 'retry_backoff = "1s"\nmax_backoff = "2s"',
                 sources: str | None = None, per_host: int = 4) -> None:
    (cli.config / "radar.toml").write_text(f"""
[schedule]
interval = "{INTERVAL:g}s"
jitter = "{JITTER:.0%}"
timeout = "10s"
per_host = {per_host}

[delivery]
{delivery}

[[notifier]]
name = "automation"
kind = "webhook"
url = "{site.url('/hook')}"
""")
    (cli.config / "watchlist.toml").write_text(WATCHLIST)
    default = source("news", site.url("/news.xml"))
    (cli.config / "sources.toml").write_text(default if sources is None else sources)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def healthz(port: int) -> dict[str, Any]:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
        return json.loads(response.read())


def test_news_reaches_the_webhook_within_interval_plus_3s(cli, site, receiver, daemons):
    write_config(cli, site)
    site.put("/news.xml", rss(OLD))
    port = free_port()
    daemon = daemons("--healthcheck-port", str(port))

    # Baseline: recorded silently, then the news; the poll that finds it must come within one interval.
    wait_for(lambda: polled_ok(cli, "news"), 20, "the first poll", daemon)
    assert receiver.calls == []
    published = time.monotonic()
    site.put("/news.xml", rss(TF_ANNOUNCED, OLD))
    wait_for(lambda: receiver.calls, TOO_LATE + 2, "the alert", daemon)
    late = receiver.calls[0]["at"] - published
    assert late <= TOO_LATE, f"alert took {late:.1f}s"

    # Exactly one alert, keyed by its event_id; later polls are conditional and send nothing again.
    before = len(site.requests)
    time.sleep(INTERVAL * (1 + JITTER) + 0.8)
    assert [(c["show_id"], c["status"]) for c in receiver.calls] == [("terra-formars", 200)]
    assert receiver.calls[0]["key"] == receiver.calls[0]["event_id"]
    later = site.requests[before:]
    assert len(later) >= 1 and all(r["conditional"] for r in later)
    health = healthz(port)
    assert health["status"] == "ok" and health["cycles"] >= 3 and health["failing_sources"] == {}
    assert health["pending_deliveries"] == 0

    code, took = daemon.stop(signal.SIGINT)
    assert code == 0 and took < 15
    # One concise line per cycle and nothing per request: no URL, no scrapy/twisted chatter, no traceback.
    lines = daemon.output().splitlines()
    assert lines and all(" radar.app.daemon: " in line for line in lines), "\n".join(lines)
    cycles = [line for line in lines if "cycle: polled" in line]
    assert 2 <= len(cycles) <= 12
    assert not any(site.url("/") in line for line in lines)


def test_receiver_outage_alert_arrives_exactly_once_after_recovery(cli, site, receiver, daemons):
    write_config(cli, site)
    site.put("/news.xml", rss(OLD))
    daemon = daemons()
    wait_for(lambda: polled_ok(cli, "news"), 20, "the first poll", daemon)

    receiver.status = 500
    site.put("/news.xml", rss(AKUDAMA_ANNOUNCED, OLD))
    wait_for(lambda: len(receiver.calls) >= 2, 15, "two failed attempts", daemon)
    waiting = json.loads(cli("deliveries", "--json").stdout)
    assert [(d["state"], d["show_id"], d["installment"]) for d in waiting] == [
        ("pending", "akudama-drive", "season 2")]
    assert waiting[0]["attempts"] >= 2 and "500" in waiting[0]["last_error"]

    receiver.status = 200
    wait_for(receiver.delivered, 10, "the delivery after recovery", daemon)
    time.sleep(INTERVAL * (1 + JITTER) + 0.8)  # retries and polls go on: nothing more may arrive
    assert len(receiver.delivered()) == 1 and len(receiver.calls) >= 3
    assert {c["event_id"] for c in receiver.calls} == {waiting[0]["event_id"]}  # same id on every retry
    assert all(c["key"] == c["event_id"] for c in receiver.calls)
    assert query(cli, "select state, count(*) from outbox group by state") == [("delivered", 1)]
    assert daemon.stop()[0] == 0


def test_given_up_alert_is_listed_and_resent_by_deliveries_retry(cli, site, receiver, daemons):
    write_config(cli, site, delivery='retry_backoff = "1s"\nmax_backoff = "1s"\ngive_up_after = "2s"')
    site.put("/news.xml", rss(OLD))
    daemon = daemons()
    wait_for(lambda: polled_ok(cli, "news"), 20, "the first poll", daemon)

    receiver.status = 500
    site.put("/news.xml", rss(PP_ANNOUNCED, OLD))
    wait_for(lambda: query(cli, "select 1 from outbox where state = 'failed'"), 15, "giving up", daemon)
    attempts = len(receiver.calls)
    assert attempts >= 2
    time.sleep(2)
    assert len(receiver.calls) == attempts  # given up: no more tries
    listed = json.loads(cli("deliveries", "--json").stdout)
    assert [(d["state"], d["show_id"]) for d in listed] == [("failed", "princess-principal")]
    assert "alerts given up" in cli("status").stdout

    receiver.status = 200
    assert "running daemon" in cli("deliveries", "retry").stdout  # the daemon sends it, the CLI does not
    wait_for(receiver.delivered, 10, "the resent alert", daemon)
    time.sleep(1.5)
    assert len(receiver.delivered()) == 1
    assert {c["event_id"] for c in receiver.calls} == {listed[0]["event_id"]}
    assert query(cli, "select state, count(*) from outbox group by state") == [("delivered", 1)]
    assert daemon.stop()[0] == 0


def test_kill_9_after_news_then_restart_alerts_exactly_once(cli, site, receiver, daemons):
    write_config(cli, site)
    site.put("/news.xml", rss(OLD))
    daemon = daemons()
    wait_for(lambda: polled_ok(cli, "news"), 20, "the first poll", daemon)

    # The poll finds news; the receiver is down, so the alert is only in the store when the daemon dies.
    receiver.status = 500
    site.put("/news.xml", rss(TF_ANNOUNCED, OLD))
    wait_for(lambda: receiver.calls, 10, "the first delivery attempt", daemon)
    daemon.proc.kill()
    daemon.proc.wait(10)
    assert receiver.delivered() == []

    receiver.status = 200
    daemon = daemons()
    wait_for(receiver.delivered, 15, "the alert after restart", daemon)
    # Killed again after the delivery: the next restart must not send it again, nor re-detect the news.
    time.sleep(0.5)
    daemon.proc.kill()
    daemon.proc.wait(10)
    daemon = daemons()
    polls = len(site.requests)
    wait_for(lambda: len(site.requests) >= polls + 2, 15, "two polls after the second restart", daemon)
    time.sleep(1)
    assert len(receiver.delivered()) == 1
    assert len({c["event_id"] for c in receiver.calls}) == 1
    assert query(cli, "select count(*) from events where show_id = 'terra-formars'") == [(1,)]
    assert daemon.stop()[0] == 0


class SlowFeed:
    """Feeds that answer after `delay` seconds, so that polls are in flight when the test wants them;
    records the most requests it ever had in flight at once."""

    def __init__(self, body: str, delay: float) -> None:
        self.started = threading.Event()
        self.active = self.peak = 0
        lock = threading.Lock()
        feed = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                with lock:
                    feed.active += 1
                    feed.peak = max(feed.peak, feed.active)
                feed.started.set()
                time.sleep(delay)
                with lock:
                    feed.active -= 1
                data = body.encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/rss+xml")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"


def test_sigterm_finishes_polls_in_flight_exits_0_and_the_lock_is_exclusive(cli, site, receiver, daemons):
    slow, hanging = SlowFeed(rss(OLD), delay=1.0), SlowFeed(rss(OLD), delay=60)
    try:
        slow_sources = "".join(source(f"slow-{n}", f"{slow.base}/{n}.xml") for n in range(4))
        write_config(cli, site, sources=source("news", site.url("/news.xml")) + slow_sources, per_host=2)
        site.put("/news.xml", rss(OLD))
        first = daemons()
        wait_for(lambda: polled_ok(cli, "news"), 20, "the first poll", first)

        second = daemons()  # the same store: refuses, says why, and leaves the first one alone
        assert second.proc.wait(30) == 1
        assert f"another renewal-radar daemon (pid {first.proc.pid})" in second.output()
        assert "Traceback" not in second.output() and first.proc.poll() is None

        # SIGTERM while the slow sources are being fetched: those polls complete and are recorded, exit 0.
        slow.started.clear()
        wait_for(lambda: slow.started.is_set(), 10, "a poll of the slow sources", first)
        code, took = first.stop(signal.SIGTERM)
        assert code == 0 and took < 15, first.output()
        assert "Traceback" not in first.output()
        assert query(cli, "pragma integrity_check") == [("ok",)]
        assert all(polled_ok(cli, f"slow-{n}") for n in range(4))
        assert query(cli, "select sum(failures) from source_state") == [(0,)]
        assert slow.peak == 2  # [schedule] per_host: 4 sources on one host, never more than 2 requests at once

        # The lock went with the first daemon. A source that hangs longer than the shutdown grace is
        # abandoned at SIGTERM: exit 0 quickly anyway, and the source is not marked as failing.
        (cli.config / "sources.toml").write_text(source("hanging", f"{hanging.base}/feed.xml"))
        third = daemons()
        wait_for(lambda: hanging.started.is_set(), 15, "the hanging poll", third)
        code, took = third.stop(signal.SIGTERM)
        assert code == 0 and took < 15 and "abandoned" in third.output()
        assert query(cli, "select count(*) from source_state where name = 'hanging'") == [(0,)]
        assert query(cli, "pragma integrity_check") == [("ok",)]
    finally:
        slow.server.shutdown()
        hanging.server.shutdown()


def test_failing_sources_back_off_are_shown_and_sighup_reloads(cli, site, receiver, daemons):
    sources = (source("news", site.url("/news.xml"))
               + source("broken", site.url("/broken.xml"), extra='interval = "1s"\n')
               + source("private", site.url("/private/news/"), kind="html",
                        extra='item = "li"\ntitle = "a::text"\nlink = "a::attr(href)"\n'))
    write_config(cli, site, sources=sources)
    site.put("/news.xml", rss(OLD))
    site.put("/broken.xml", "oops", "text/plain", status=500)
    site.put("/robots.txt", "User-agent: *\nDisallow: /private/\n", "text/plain")
    site.put("/private/news/", "<ul><li><a href='/x'>x</a></li></ul>", "text/html")
    port = free_port()
    daemon = daemons("--healthcheck-port", str(port))
    wait_for(lambda: polled_ok(cli, "news"), 20, "the first poll", daemon)
    started = time.monotonic()
    time.sleep(7)

    # Backoff: the failing source (interval 1 s) is polled 2, 4, 8 s apart instead of every second.
    elapsed = time.monotonic() - started
    broken = [r for r in site.requests if r["path"] == "/broken.xml"]
    healthy = [r for r in site.requests if r["path"] == "/news.xml"]
    assert len(healthy) >= elapsed / (INTERVAL * (1 + JITTER)) - 1
    assert 2 <= len(broken) <= 4, broken
    assert not any(r["path"] == "/private/news/" for r in site.requests)  # robots.txt obeyed for html
    rows = {r["name"]: r for r in json.loads(cli("sources", "--json").stdout)}
    assert rows["broken"]["failures"] >= 2 and "500" in rows["broken"]["last_error"]
    assert "robots.txt" in rows["private"]["last_error"]
    assert rows["news"]["failures"] == 0
    status = cli("status").stdout
    assert "failing sources: " in status and "broken" in status and "private" in status
    assert set(healthz(port)["failing_sources"]) == {"broken", "private"}

    # SIGHUP: a broken config is refused and the old one kept; a good one adds a source right away.
    (cli.config / "sources.toml").write_text(sources + "\n[[source]]\nname = 'Bad Name'\n")
    daemon.proc.send_signal(signal.SIGHUP)
    site.put("/late.xml", rss(OLD))
    wait_for(lambda: "config reload failed" in daemon.output(), 5, "the reload error", daemon)
    (cli.config / "sources.toml").write_text(sources + source("late", site.url("/late.xml")))
    daemon.proc.send_signal(signal.SIGHUP)
    wait_for(lambda: polled_ok(cli, "late"), 5, "the new source's poll", daemon)
    assert daemon.proc.poll() is None
    assert daemon.stop()[0] == 0
    # Failures are in the cycle lines, not one warning per request.
    lines = daemon.output().splitlines()
    assert all(" radar.app.daemon: " in line for line in lines), "\n".join(lines)
    assert any("broken: HTTP 500" in line for line in lines if "cycle: polled" in line)


def test_sigusr1_polls_every_source_now_instead_of_waiting_for_the_interval(cli, site, receiver, daemons):
    write_config(cli, site, sources=source("news", site.url("/news.xml")) + source("blog", site.url("/blog.xml")))
    radar_toml = cli.config / "radar.toml"
    radar_toml.write_text(radar_toml.read_text().replace(f'interval = "{INTERVAL:g}s"', 'interval = "1h"'))
    site.put("/news.xml", rss(OLD))
    site.put("/blog.xml", rss(OLD))
    daemon = daemons()
    wait_for(lambda: polled_ok(cli, "news") and polled_ok(cli, "blog"), 20, "the first polls", daemon)
    first = len(site.requests)
    time.sleep(2)
    assert len(site.requests) == first  # an hour's interval: nothing is polled on its own

    site.put("/news.xml", rss(AKUDAMA_ANNOUNCED, OLD))
    daemon.proc.send_signal(signal.SIGUSR1)
    wait_for(lambda: receiver.calls, 5, "the alert after SIGUSR1", daemon)
    wait_for(lambda: len(site.requests) >= first + 2, 5, "both sources polled again", daemon)
    again = site.requests[first:]
    assert sorted(r["path"] for r in again) == ["/blog.xml", "/news.xml"]
    assert all(r["conditional"] for r in again)
    assert [(c["show_id"], c["status"]) for c in receiver.calls] == [("akudama-drive", 200)]
    assert daemon.stop()[0] == 0
    assert "polling 2 sources now (SIGUSR1)" in daemon.output()
