"""Soak: does a long-running `renewal-radar daemon` keep flat memory? A day squeezed into many short cycles.

    .venv/bin/python bench/soak.py [--sources 500] [--cycles 300] [--interval 2s] [--max-minutes 20]

Serves N generated RSS feeds (radar.cli.sample_server.SampleServer: ETag / Last-Modified, 304s like a real
server) and a webhook receiver on 127.0.0.1, writes a config with a very short interval, and runs the real
daemon (`python -m radar.cli daemon --healthcheck-port P`) as a child process. While it runs:

- a cycle is N polls (the daemon's /healthz counts polls), so "cycle 100" means every source polled ~100x;
- every --publish-every cycles a few feeds get a new ordinary article (parsed, matched, stored) and one
  feed announces a new season of a watched show (an alert through the webhook);
- the daemon's resident memory is read from /proc/PID/status (VmRSS; no psutil) every second, and one row
  per --report-every cycles is printed: cycles, minutes, RSS MB, polls, 304 share, alerts, deliveries,
  worst reactor stall.

It stops itself after --cycles cycles or --max-minutes, sends SIGTERM, checks the exit code, the shutdown
time, the store's integrity and that every alert arrived exactly once, and prints a summary with the RSS
slope over the second half (MB per 100 cycles). It measures; it does not assert.
"""

from __future__ import annotations

import argparse
import json
import random
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from radar.cli.sample_server import SampleServer  # noqa: E402

ADJECTIVES = ["Crimson", "Silver", "Hollow", "Quiet", "Burning", "Azure", "Gilded", "Wandering", "Iron",
              "Paper"]
NOUNS = ["Harbor", "Lantern", "Orchard", "Comet", "Citadel", "Meridian", "Tidewater", "Foxglove", "Atlas",
         "Relic"]
TOPICS = ["Convention Panel Schedule Revealed", "Figure Preorders Open", "Soundtrack Album Charts",
          "Voice Actor Interview Published", "Manga Volume Sales Ranking", "Cafe Collaboration Announced"]
MAX_ITEMS = 12  # a feed keeps its newest items, like a real one


@dataclass
class Feeds:
    """N feeds of items; `publish` adds one and re-serves the feed with a new ETag."""

    server: SampleServer
    count: int
    items: dict[int, list[str]] = field(default_factory=dict)
    serial: int = 0

    def setup(self) -> None:
        for index in range(self.count):
            self.items[index] = []
            for _ in range(8):
                self._add(index, random.choice(TOPICS), "A roundup of this week's anime industry news.")
            self._serve(index)

    def path(self, index: int) -> str:
        return f"/feeds/{index:04d}.xml"

    def publish(self, index: int, title: str, summary: str) -> None:
        self._add(index, title, summary)
        self._serve(index)

    def _add(self, index: int, title: str, summary: str) -> None:
        self.serial += 1
        guid = f"soak-{index}-{self.serial}"
        day = 1 + self.serial % 28
        self.items[index].insert(0, f"<item><title>{title}</title><link>http://example.org/n/{guid}</link>"
                                    f"<guid>{guid}</guid>"
                                    f"<pubDate>Sat, {day:02d} Nov 2026 08:00:00 +0000</pubDate>"
                                    f"<description>{summary}</description></item>")
        del self.items[index][MAX_ITEMS:]

    def _serve(self, index: int) -> None:
        body = ('<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
                f"<title>Feed {index}</title><link>http://example.org/</link><description>soak</description>"
                + "".join(self.items[index]) + "</channel></rss>")
        self.server.put(self.path(index), body.encode())


class Hook:
    """A webhook receiver that counts deliveries per event_id."""

    def __init__(self) -> None:
        self.calls: dict[str, int] = {}
        self.lock = threading.Lock()
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))))
                with hook.lock:
                    hook.calls[body["event_id"]] = hook.calls.get(body["event_id"], 0) + 1
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def rss_mb(pid: int, key: str = "VmRSS") -> float:
    """Resident (or, with key="VmHWM", peak resident) memory of a process in MB, from /proc."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1]) / 1024
    except (FileNotFoundError, ProcessLookupError):
        pass
    return float("nan")


def healthz(port: int) -> dict[str, Any]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as response:
            return json.loads(response.read())
    except OSError:
        return {}


def shows(count: int) -> list[str]:
    names = [f"{a} {n}" for n in NOUNS for a in ADJECTIVES]
    return names[:count]


def write_config(directory: Path, feeds: Feeds, hook: Hook, interval: str, per_host: int,
                 titles: list[str]) -> None:
    (directory / "radar.toml").write_text(f"""[schedule]
interval = "{interval}"
jitter = "10%"
per_host = {per_host}
timeout = "10s"

[delivery]
retry_backoff = "1s"
max_backoff = "10s"

[[notifier]]
name = "hook"
kind = "webhook"
url = "{hook.url}"
""")
    (directory / "sources.toml").write_text("".join(
        f'[[source]]\nname = "feed-{i:04d}"\nkind = "rss"\nurl = "{feeds.server.url(feeds.path(i))}"\n'
        f'trust = "news"\n\n' for i in range(feeds.count)))
    (directory / "watchlist.toml").write_text("".join(
        f'[[show]]\nid = "{t.lower().replace(" ", "-")}"\ntitle = "{t}"\n\n' for t in titles))


def slope(points: list[tuple[float, float]]) -> float:
    """Least-squares slope of y over x."""
    if len(points) < 2:
        return float("nan")
    mean_x = sum(x for x, _ in points) / len(points)
    mean_y = sum(y for _, y in points) / len(points)
    var = sum((x - mean_x) ** 2 for x, _ in points)
    return sum((x - mean_x) * (y - mean_y) for x, y in points) / var if var else float("nan")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sources", type=int, default=500)
    parser.add_argument("--cycles", type=int, default=300, help="stop after this many cycles (N polls each)")
    parser.add_argument("--interval", default="2s", help="the daemon's [schedule] interval")
    parser.add_argument("--per-host", type=int, default=8,
                        help="[schedule] per_host (all feeds share one host)")
    parser.add_argument("--max-minutes", type=float, default=20.0, help="stop after this long in any case")
    parser.add_argument("--publish-every", type=int, default=10, help="publish news every this many cycles")
    parser.add_argument("--report-every", type=int, default=10, help="one table row per this many cycles")
    parser.add_argument("--shows", type=int, default=100, help="watched shows")
    parser.add_argument("--keep", action="store_true", help="keep the config dir, store and daemon log")
    args = parser.parse_args(argv)
    random.seed(7)
    titles = shows(args.shows)
    announced = 0

    tmp = Path(tempfile.mkdtemp(prefix="radar-soak-"))
    with SampleServer() as server:
        feeds = Feeds(server, args.sources)
        feeds.setup()
        hook = Hook()
        write_config(tmp, feeds, hook, args.interval, args.per_host, titles)
        port = free_port()
        log_path = tmp / "daemon.log"
        with log_path.open("wb") as log:
            daemon = subprocess.Popen([sys.executable, "-m", "radar.cli", "--config", str(tmp), "daemon",
                                       "--healthcheck-port", str(port)], cwd=ROOT, stdout=log,
                                      stderr=subprocess.STDOUT,
                                      env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
        print(f"soak: {args.sources} feeds, interval {args.interval}, per_host {args.per_host}, "
              f"{len(titles)} shows, daemon pid {daemon.pid}, store {tmp / 'radar.db'}")
        print(f"{'cycles':>6} {'min':>6} {'RSS MB':>7} {'polls':>8} {'304s':>5} {'alerts':>6} {'sent':>5} "
              f"{'lag s':>6}")
        started = time.monotonic()
        deadline = started + args.max_minutes * 60
        rows: list[tuple[float, float]] = []  # (cycles, RSS MB)
        next_row, next_publish, peak = 0, args.publish_every, 0.0
        try:
            while time.monotonic() < deadline and daemon.poll() is None:
                time.sleep(1)
                health = healthz(port)
                if not health:
                    continue
                cycles = health["polls"] / args.sources
                rss = rss_mb(daemon.pid)
                peak = max(peak, rss)
                if cycles >= next_publish:  # news: a few ordinary articles and one announcement
                    next_publish += args.publish_every
                    for index in random.sample(range(args.sources), 5):
                        feeds.publish(index, random.choice(TOPICS), "More anime industry news.")
                    title = titles[announced % len(titles)]
                    announced += 1
                    feeds.publish(random.randrange(args.sources),
                                  f"{title} Season {1 + announced // len(titles) + 1} Announced",
                                  f"A new season of the {title} anime has been announced.")
                if cycles >= next_row:
                    next_row += args.report_every
                    rows.append((cycles, rss))
                    unchanged = sum(1 for r in server.requests if r[2] == 304)
                    share = unchanged / max(1, len(server.requests))
                    server.requests.clear()
                    with hook.lock:
                        sent = sum(hook.calls.values())
                    print(f"{cycles:6.0f} {(time.monotonic() - started) / 60:6.1f} {rss:7.1f} "
                          f"{health['polls']:8d} {share:5.0%} {announced:6d} {sent:5d} "
                          f"{health['max_reactor_lag']:6.2f}", flush=True)
                if cycles >= args.cycles:
                    break
            time.sleep(3)  # the last announcement's poll and delivery
            final = healthz(port)
            hwm = rss_mb(daemon.pid, "VmHWM")
            stop_started = time.monotonic()
            daemon.send_signal(signal.SIGTERM)
            code = daemon.wait(60)
            stop_took = time.monotonic() - stop_started
        finally:
            if daemon.poll() is None:
                daemon.kill()
                daemon.wait()
        hook.server.shutdown()

    with sqlite3.connect(tmp / "radar.db") as conn:
        integrity = conn.execute("pragma integrity_check").fetchone()[0]
        events = conn.execute("select count(*) from events where silent = 0").fetchone()[0]
        outbox = dict(conn.execute("select state, count(*) from outbox group by state").fetchall())
    duplicates = sum(1 for n in hook.calls.values() if n > 1)
    half = [p for p in rows if p[0] >= (rows[-1][0] / 2 if rows else 0)]
    minutes = (time.monotonic() - started) / 60
    log_lines = log_path.read_text(errors="replace").splitlines()
    print(f"\nsummary: {final.get('polls', 0) / args.sources:.0f} cycles in {minutes:.1f} min; RSS "
          f"{rows[1][1] if len(rows) > 1 else float('nan'):.1f} MB after {args.report_every} cycles -> "
          f"{rows[-1][1] if rows else float('nan'):.1f} MB at the end "
          f"(peak sampled {peak:.1f}, VmHWM {hwm:.1f}); "
          f"slope over the second half {slope(half) * 100:+.2f} MB per 100 cycles")
    print(f"         alerts: {announced} announced, {events} events, {len(hook.calls)} delivered, "
          f"{duplicates} delivered more than once, outbox {outbox}")
    print(f"         worst reactor stall {final.get('max_reactor_lag', float('nan')):.2f} s; "
          f"SIGTERM: exit {code} in {stop_took:.1f} s; store integrity {integrity}; "
          f"daemon log {len(log_lines)} lines, "
          f"{sum('ERROR' in line or 'Traceback' in line for line in log_lines)} errors")
    if args.keep:
        print(f"kept {tmp}")
    else:
        for path in sorted(tmp.iterdir()):
            path.unlink()
        tmp.rmdir()
    return 0


if __name__ == "__main__":
    sys.exit(main())
