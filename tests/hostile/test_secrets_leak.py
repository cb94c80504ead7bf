"""Item 6 through the real CLI and daemon: a source URL with `user:password@`, an Apprise json:// URL with a
user, password and private path, an ntfy topic, a webhook URL with credentials and a private path — every
receiver failing with an error body that echoes the request (its path and its Authorization header). Then
every output (check, deliveries, notify-test, sources, status, config show), the daemon's log, /healthz,
the served board pages and a dump of the store are searched for the secret values and private URL parts."""

from __future__ import annotations

import base64
import signal
import sqlite3
import subprocess
import urllib.request
from typing import Any

from corpus import (
    APPRISE_PASSWORD,
    APPRISE_USER,
    AUTHORIZATION,
    HOOK_TOKEN,
    NTFY_TOPIC,
    SECRET_VALUES,
    SOURCE_PASSWORD,
)
from harness import REPO, free_port, wait_for
from local_site import Arrival, Reply

WATCHLIST = '\n[[show]]\nid = "terra-formars"\ntitle = "Terra Formars"\n'
FEED = ('<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>F</title><link>http://e.org/'
        "</link><description>d</description><item><title>Terra Formars Season 3 Announced</title>"
        "<link>http://e.org/a/1</link><guid>tf-1</guid></item></channel></rss>")


def echo(request: Arrival) -> Reply:
    """A broken receiver that tells all: its error body repeats the path and every header it got."""
    told = [request.target] + [f"{k}: {v}" for k, v in request.headers.items()]
    return 500, {"Content-Type": "text/plain"}, ("server error; you sent " + "\n".join(told)).encode()


def secrets() -> tuple[str, ...]:
    basic = base64.b64encode(f"{APPRISE_USER}:{APPRISE_PASSWORD}".encode()).decode()
    hook_basic = base64.b64encode(f"hookuser:{APPRISE_PASSWORD}".encode()).decode()
    return (*SECRET_VALUES, basic, hook_basic, AUTHORIZATION)


def test_no_secret_or_private_url_part_in_any_output_log_page_or_the_store(cli: Any, site: Any,
                                                                          daemons: Any) -> None:
    site.respond("/hook*", echo)
    port = str(site.port)
    site.put("/news.xml", FEED)
    site.put("/members.xml", "members only", "text/plain", status=403)
    cli.env.update({"PASS": SOURCE_PASSWORD, "MAIL_PASS": APPRISE_PASSWORD, "PORT": port})
    (cli.config / "watchlist.toml").write_text(WATCHLIST)
    (cli.config / "sources.toml").write_text(f"""
[[source]]
name = "news"
kind = "rss"
url = "{site.url('/news.xml')}"
trust = "news"

[[source]]
name = "members"
kind = "rss"
url = "http://reader:${{PASS}}@127.0.0.1:${{PORT}}/members.xml"
trust = "news"

[[source]]
name = "closed"
kind = "rss"
url = "http://reader:${{PASS}}@127.0.0.1:{free_port()}/closed.xml"
trust = "news"
""")
    (cli.config / "radar.toml").write_text(f"""
[delivery]
retry_backoff = "1s"
max_backoff = "2s"

[[notifier]]
name = "json"
kind = "apprise"
url = "json://{APPRISE_USER}:${{MAIL_PASS}}@127.0.0.1:${{PORT}}/hook/private/{HOOK_TOKEN}"

[[notifier]]
name = "ntfy"
kind = "apprise"
url = "ntfy://127.0.0.1:${{PORT}}/{NTFY_TOPIC}"

[[notifier]]
name = "automation"
kind = "webhook"
url = "http://hookuser:${{MAIL_PASS}}@127.0.0.1:${{PORT}}/hook/{HOOK_TOKEN}"
timeout = "5s"
""")
    outputs = [cli("check", check=False), cli("check", check=False)]
    site.put("/news.xml", FEED.replace("tf-1", "tf-2").replace("Season 3", "Season 4"))
    outputs.append(cli("check", check=False))
    outputs += cli.many(("deliveries",), ("deliveries", "--json"), ("notify-test",),
                        ("notify-test", "--json"), ("sources",), ("sources", "--json"), ("status",),
                        ("config", "show"), ("history", "terra-formars"), check=False)
    texts = [o.stdout + o.stderr for o in outputs]
    assert any("HTTP 403" in t for t in texts), texts[0]
    assert any("FAILED" in t for t in texts)

    board_port = free_port()
    daemon = daemons("-v", health=True)
    board = subprocess.Popen([*cli.command, "--config", str(cli.config), "serve", "--port", str(board_port)],
                             env=cli.env, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        daemon.wait(lambda: len(daemon.healthz().get("failing_sources", {})) == 2, 30, "both failing sources")
        with urllib.request.urlopen(f"http://127.0.0.1:{daemon.port}/healthz", timeout=5) as answer:
            texts.append(answer.read().decode())

        def page(path: str) -> str:
            try:
                return urllib.request.urlopen(f"http://127.0.0.1:{board_port}{path}",
                                              timeout=5).read().decode()
            except OSError:
                return ""

        wait_for(lambda: page("/"), 30, "the board")
        texts += [page(p) for p in ("/", "/feed.atom", "/calendar.ics", "/api/status.json")]
    finally:
        board.terminate()
        board.wait(10)
        daemon.stop(signal.SIGTERM)
    texts.append(daemon.output())
    with sqlite3.connect(cli.config / "radar.db") as conn:
        texts.append("\n".join(conn.iterdump()))

    leaks = [(secret, n, text[max(0, text.find(secret) - 120):text.find(secret) + 60])
             for n, text in enumerate(texts) for secret in secrets() if secret in text]
    assert leaks == [], "\n".join(map(repr, leaks[:8]))
