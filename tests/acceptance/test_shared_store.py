"""Issue 14 end to end: three daemons on one real PostgreSQL, 300 feeds on one local feed server (ETag/304),
news appearing in 30 of them. Each alert is acknowledged by the webhook receiver exactly once; no feed is
fetched twice within one interval (the server's access log); after `kill -9` of the daemon that is sending
an alert, every source goes on being polled within lease + interval, and that alert is sent again by
another daemon once its claim expires — once."""

from __future__ import annotations

import json
import select
import signal
import socket
import sys
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from itertools import pairwise
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from test_daemon import OLD, Daemon, free_port, healthz, rss, wait_for

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
from feed_server import PythonFeedServer

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


@dataclass
class Receiver:
    """A webhook endpoint. Every POST is answered at once, except while `hold` is set: the next one is held
    until `release` is set; a POST whose sender is gone by then (killed) was never acknowledged and is
    recorded as abandoned. `acked` holds the event_id of every POST answered 200 to a live sender."""

    acked: list[str] = field(default_factory=list)
    abandoned: list[str] = field(default_factory=list)
    hold: threading.Event = field(default_factory=threading.Event)
    held: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        receiver = self
        lock = threading.Lock()

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                event_id = json.loads(self.rfile.read(int(self.headers["Content-Length"])))["event_id"]
                with lock:
                    holding = receiver.hold.is_set() and not receiver.held.is_set()
                    if holding:
                        receiver.held.set()
                        receiver.held_id = event_id
                if holding:
                    receiver.release.wait(60)
                    if _closed(self.connection):
                        receiver.abandoned.append(event_id)
                        return
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")
                self.wfile.flush()
                receiver.acked.append(event_id)

            def log_message(self, *args: Any) -> None:
                pass

        self.held_id = ""
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"


def _closed(conn: socket.socket) -> bool:
    """Whether the peer has closed the connection (a killed process's sockets are closed by the kernel)."""
    readable, _, _ = select.select([conn], [], [], 0.5)
    if not readable:
        return False
    try:
        return conn.recv(1, socket.MSG_PEEK) == b""
    except OSError:
        return True


def title(k: int) -> str:
    return f"{WORDS[k]} Chronicle"


def show_id(k: int) -> str:
    return f"{WORDS[k].lower()}-chronicle"


def news(k: int) -> tuple[str, str, str]:
    return (f"news-{k}", f"{title(k)} Season 2 Announced", f"A second season of the {title(k)} anime has been announced.")


def fetches(server: PythonFeedServer) -> list[tuple[float, str]]:
    """(time, path) of every feed request the server answered, from its access log."""
    server.settle()
    lines = server.access_log.read_text().splitlines()
    return [(float(t), uri) for t, _status, uri in (line.split(" ", 2) for line in lines if line.count(" ") >= 2)]


def test_three_daemons_on_one_postgresql_poll_each_feed_once_and_alert_once(cli, postgres, tmp_path):
    url = postgres.new_database()
    engine = create_engine(url)
    receiver = Receiver()
    server = PythonFeedServer({f"/feed/{n}.xml": rss(OLD).encode() for n in range(FEEDS)}).start()
    started: list[Daemon] = []
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
url = "{receiver.url}"
""")
        (cli.config / "watchlist.toml").write_text("".join(
            f'[[show]]\nid = "{show_id(k)}"\ntitle = "{title(k)}"\n\n' for k in range(NEWS)))
        (cli.config / "sources.toml").write_text("".join(
            f'[[source]]\nname = "feed-{n}"\nkind = "rss"\nurl = "{server.url(f"/feed/{n}.xml")}"\ntrust = "news"\n\n'
            for n in range(FEEDS)))
        ports = [free_port() for _ in range(3)]
        started = [Daemon(cli, tmp_path / f"daemon-{i}.log", "--healthcheck-port", str(port))
                   for i, port in enumerate(ports)]

        def count(sql: str) -> int:
            with engine.connect() as conn:
                try:
                    return int(conn.execute(text(sql)).scalar() or 0)
                except Exception:  # noqa: BLE001 (the daemons have not created the tables yet)
                    return 0

        # the baseline: every feed polled once, silently, by one of the three
        wait_for(lambda: count("select count(*) from source_state where last_success is not null") == FEEDS, 60,
                 "every feed's first poll", started[0])
        instances = {healthz(port)["instance"]: daemon for port, daemon in zip(ports, started, strict=True)}
        assert len(instances) == 3

        # news in the first 15 feeds: 15 alerts
        for k in range(NEWS // 2):
            server.put(f"/feed/{k}.xml", rss(news(k), OLD).encode())
        wait_for(lambda: len(receiver.acked) >= NEWS // 2, INTERVAL * 2 + 15, "the first 15 alerts", started[0])

        # news in the other 15; the receiver holds the first POST; the daemon sending it is killed
        receiver.hold.set()
        for k in range(NEWS // 2, NEWS):
            server.put(f"/feed/{k}.xml", rss(news(k), OLD).encode())
        wait_for(receiver.held.is_set, INTERVAL * 2 + 15, "a POST of the second news", started[0])
        with engine.connect() as conn:
            (sender,) = conn.execute(text("select claimed_by from outbox where state = 'sending' and event_id = :e"),
                                     {"e": receiver.held_id}).one()
        victim = instances[sender]
        victim.proc.send_signal(signal.SIGKILL)
        victim.proc.wait(10)
        killed_at = time.time()
        receiver.release.set()
        receiver.hold.clear()
        survivors = [d for d in started if d is not victim]

        wait_for(lambda: len(set(receiver.acked)) >= NEWS, LEASE + INTERVAL * 2 + 20, "all 30 alerts", survivors[0])
        # every source is polled again after the kill within lease + interval (+ slack for a 2-core machine)
        deadline = killed_at + LEASE + INTERVAL + 5
        wait_for(lambda: {p for t, p in fetches(server) if t > killed_at} >= {f"/feed/{n}.xml" for n in range(FEEDS)},
                 max(0.0, deadline - time.time()) + 1, "every feed polled after the kill", survivors[0])
        settled = len(receiver.acked)
        wait_for(lambda: count("select count(*) from outbox where state <> 'delivered'") == 0, 15,
                 "an empty outbox", survivors[0])

        # each alert exactly once, the one abandoned by the killed daemon included
        assert receiver.abandoned == [receiver.held_id]
        assert sorted(receiver.acked) == sorted(set(receiver.acked)) and len(receiver.acked) == NEWS == settled
        with engine.connect() as conn:
            alerted = {r[0] for r in conn.execute(text("select show_id from events where not silent"))}
            by = {r[0] for r in conn.execute(text("select distinct polled_by from source_state"))}
        assert alerted == {show_id(k) for k in range(NEWS)}
        assert by <= set(instances) - {sender}  # every feed's last poll was by a daemon still alive
        # no feed fetched twice within one interval (two fetches closer than half an interval: a double poll)
        times: dict[str, list[float]] = {}
        for at, path in fetches(server):
            times.setdefault(path, []).append(at)
        gaps = [b - a for ts in times.values() for a, b in pairwise(ts)]
        assert len(times) == FEEDS and min(gaps) >= INTERVAL / 2, sorted(gaps)[:5]
        # sources show who polled them
        rows = json.loads(cli("sources", "--json").stdout)
        assert {r["polled_by"] for r in rows} == by and len(rows) == FEEDS

        for daemon in survivors:
            assert daemon.stop(signal.SIGTERM)[0] == 0
        print(f"\n3 daemons, {FEEDS} feeds: {len(receiver.acked)} alerts acknowledged once each, "
              f"{len(receiver.abandoned)} abandoned by the killed daemon and resent, "
              f"{sum(len(ts) for ts in times.values())} fetches, smallest gap {min(gaps):.2f}s")
    finally:
        for daemon in started:
            if daemon.proc.poll() is None:
                daemon.proc.kill()
                daemon.proc.wait(10)
        server.stop()
        receiver.server.shutdown()
        engine.dispose()
