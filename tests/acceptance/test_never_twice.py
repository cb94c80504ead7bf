"""Issue 11, items 1 and 2, end to end on a real SQLite store: a `check` beside the running daemon sends
no alert the daemon is sending (each outbox row is claimed first), and two feeds that reuse one GUID for
different articles keep both."""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from test_daemon import OLD, TF_ANNOUNCED, Daemon, rss, source, wait_for


@dataclass
class SlowReceiver:
    """A webhook endpoint on 127.0.0.1 that takes `delay` seconds to answer each POST (threaded: a
    second sender is not held up by the first); records every POST's event_id when it arrives."""

    delay: float
    arrivals: list[str] = field(default_factory=list)
    answered: int = 0

    def __post_init__(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                receiver.arrivals.append(body["event_id"])
                time.sleep(receiver.delay)  # a slow receiver: the sender holds its alert this long
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")
                receiver.answered += 1

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"


def configure(cli, site, hook_url: str, sources: str, interval: str = "1.5s") -> None:
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


def test_check_beside_the_daemon_sends_nothing_the_daemon_is_sending(cli, site, tmp_path):
    receiver = SlowReceiver(delay=3.0)
    try:
        configure(cli, site, receiver.url, source("news", site.url("/news.xml")))
        site.put("/news.xml", rss(OLD))
        daemon = Daemon(cli, tmp_path / "daemon.log")
        try:
            wait_for(lambda: _polled(cli), 20, "the daemon's first poll", daemon)
            site.put("/news.xml", rss(TF_ANNOUNCED, OLD))
            # the daemon found the news and is sending it: the receiver holds the POST for 3 s
            wait_for(lambda: receiver.arrivals, 15, "the daemon's POST", daemon)
            assert outbox(cli) == [("sending", 1)]
            checked = cli("check", "--json")  # polls, folds, and drains the outbox (forced) meanwhile
            assert json.loads(checked.stdout)["delivery_errors"] == []
            wait_for(lambda: outbox(cli) == [("delivered", 1)], 15, "the delivery recorded", daemon)
            # and a second check, after it was delivered, sends nothing either
            cli("check")
            assert len(receiver.arrivals) == 1 and receiver.answered == 1, receiver.arrivals
            assert daemon.stop()[0] == 0
        finally:
            if daemon.proc.poll() is None:
                daemon.proc.kill()
    finally:
        receiver.server.shutdown()


def _polled(cli) -> bool:
    try:
        with sqlite3.connect(cli.config / "radar.db", timeout=5) as conn:
            return bool(conn.execute("select 1 from source_state where last_success is not null").fetchall())
    except sqlite3.OperationalError:
        return False


def test_two_feeds_reusing_one_guid_keep_both_articles(cli, site, hook):
    configure(cli, site, site.url("/hook"), source("one", site.url("/one.xml")) + source("two", site.url("/two.xml")))
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
