"""`renewal-radar serve` end to end: a store filled by real `check` cycles against feeds on 127.0.0.1,
the installed console script serving it, and a real headless Chromium reading the board. The page shows
what the store holds and a hostile title renders as text; the Atom feed and the calendar parse with
feedparser and icalendar, and a delay keeps the calendar event's UID with a higher SEQUENCE.

RADAR_BOARD_SCREENSHOT=1 also saves the screenshot as docs/board.png (for the README)."""

from __future__ import annotations

import json
import os
import queue
import shutil
import signal
import socket
import subprocess
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import feedparser
import icalendar
import pytest
from harness import REPO, Cli, cli_env, free_port, wait_for
from local_site import LocalSite
from parsel import Selector

from radar.domain.wording import when

HOSTILE = "<script>alert(1)</script> Terra Formars Season 3 Announced"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

WATCHLIST = """
[[show]]
id = "akudama-drive"
title = "Akudama Drive"

[[show]]
id = "terra-formars"
title = "Terra Formars"

[[show]]
id = "princess-principal"
title = "Princess Principal"

[[show]]
id = "mushoku-tensei"
title = "Mushoku Tensei"

[[show]]
id = "one-punch-man"
title = "One-Punch Man"
"""

OLD = ("old-1", "Anime Expo Schedule Revealed", "Sat, 21 Nov 2026 08:00:00 +0000")
NEWS = [
    ("ak-oct", "Akudama Drive Season 2 Premieres in October 2027", "Mon, 23 Nov 2026 08:00:00 +0000"),
    ("tf-s3", HOSTILE, "Mon, 23 Nov 2026 09:00:00 +0000"),
    ("mt-s3", "Mushoku Tensei Season 3 premieres on July 4, 2027", "Mon, 23 Nov 2026 10:00:00 +0000"),
]
BLOG = [("pp-s2", "Princess Principal Season 2 Announced", "Mon, 23 Nov 2026 11:00:00 +0000")]
DELAY = ("ak-apr", "Akudama Drive Season 2 Delayed to April 2028", "Wed, 25 Nov 2026 08:00:00 +0000")


def escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def rss(*items: tuple[str, str, str]) -> str:
    body = "".join(f"<item><title>{escape(t)}</title><link>https://news.example/{g}</link>"
                   f"<guid>{g}</guid><pubDate>{d}</pubDate><description>{escape(t)}</description></item>"
                   for g, t, d in items)
    return (f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Feed</title>'
            f"<link>https://news.example/</link><description>d</description>{body}</channel></rss>")


@pytest.fixture(scope="session")
def board_site() -> Iterator[LocalSite]:
    """The news feed and the blog the filled config reads, for the whole session."""
    site = LocalSite()
    yield site
    site.close()


@pytest.fixture(scope="session")
def filled(tmp_path_factory: pytest.TempPathFactory, renewal_radar: list[str], board_site: LocalSite) -> Path:
    """A config watching five shows through a news feed and a community blog, baselined, then news: made
    once (two real checks) and copied for each test."""
    made = Cli(renewal_radar, tmp_path_factory.mktemp("board") / "config", cli_env())
    made.config.mkdir()
    (made.config / "watchlist.toml").write_text(WATCHLIST)
    (made.config / "sources.toml").write_text(
        f'[[source]]\nname = "ann"\nkind = "rss"\nurl = "{board_site.url("/news.xml")}"\ntrust = "news"\n\n'
        f'[[source]]\nname = "blog"\nkind = "rss"\nurl = "{board_site.url("/blog.xml")}"\n'
        'trust = "community"\n')
    (made.config / "radar.toml").write_text("[alerts]\nrumors = true\n")
    board_site.put("/news.xml", rss(OLD))
    board_site.put("/blog.xml", rss())
    made("check")  # the baseline: recorded silently
    board_site.put("/news.xml", rss(OLD, *NEWS))
    board_site.put("/blog.xml", rss(*BLOG))
    made("check")
    return made.config


@pytest.fixture
def radar(cli: Cli, filled: Path, board_site: LocalSite) -> Cli:
    """The test's own copy of the filled config and its store, the feeds as they were when it was filled."""
    shutil.copytree(filled, cli.config, dirs_exist_ok=True)
    board_site.put("/news.xml", rss(OLD, *NEWS))
    board_site.put("/blog.xml", rss(*BLOG))
    return cli


@contextmanager
def serving(cli) -> Iterator[str]:
    """`renewal-radar serve --port 0` as a real process; yields its base URL once it listens."""
    proc = subprocess.Popen([*cli.command, "--config", str(cli.config), "serve", "--port", "0"], cwd=REPO,
                            env=cli.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in proc.stdout], daemon=True).start()  # type: ignore[union-attr]
    try:
        try:
            first = lines.get(timeout=60)
        except queue.Empty:
            raise AssertionError(
                f"serve printed nothing; stderr: {proc.stderr.read() if proc.poll() else ''}") from None  # type: ignore[union-attr]
        assert first.startswith("serving http://127.0.0.1:"), first
        yield first.split()[1].rstrip("/")
    finally:
        proc.terminate()
        assert proc.wait(timeout=30) == 0


def get(url: str, method: str = "GET") -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, method=method)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def chromium(*args: str, tmp: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([CHROMIUM or "chromium", "--headless", "--no-sandbox", "--disable-gpu",
                           "--disable-quic", "--no-first-run", "--disable-background-networking",
                           "--disable-component-update", "--disable-sync", f"--user-data-dir={tmp}", *args],
                          capture_output=True, text=True, check=True, timeout=120)


@pytest.mark.skipif(CHROMIUM is None, reason="needs Debian's chromium package (.ci/run installs it)")
def test_chromium_shows_what_the_store_holds_and_the_hostile_title_as_text(radar, tmp_path: Path) -> None:
    rows = json.loads(radar("status", "--json").stdout)
    with serving(radar) as base:
        dom = chromium("--dump-dom", f"{base}/", tmp=tmp_path / "profile").stdout
        shot = tmp_path / "board.png"
        chromium(f"--screenshot={shot}", "--window-size=1200,1600", f"{base}/", tmp=tmp_path / "profile2")
        status, _, body = get(f"{base}/api/status.json")
    page = Selector(text=dom)
    assert page.css("article.card"), dom[:2000]
    for row in rows:
        card = page.css(f"article#show-{row['id']}")
        assert card.css("h2::text").get() == row["title"]
        if row["status"] == "none":
            assert "No news yet." in card.css(".empty::text").get("")
            continue
        assert row["status"] in card.css(".badge::text").getall()
        if row["release"]:
            assert when(row["release"]) in card.css(".release::text").getall()
        links = card.css(".evidence a::attr(href)").getall()
        assert {e["url"] for e in row["evidence"]} <= set(links), (row, links)
        assert {e["source"] for e in row["evidence"]} <= {t.split("(")[0].strip("— ").strip()
                                                         for t in card.css(".source::text").getall()}
    statuses = {r["id"]: r["status"] for r in rows}
    assert statuses == {"akudama-drive": "dated", "terra-formars": "announced",
                        "princess-principal": "rumored", "mushoku-tensei": "dated", "one-punch-man": "none"}
    cards = page.css("article.card::attr(id)").getall()
    # upcoming releases first, soonest first
    assert cards[:2] == ["show-mushoku-tensei", "show-akudama-drive"]
    assert page.css("script").getall() == []  # the hostile title injected no element
    assert HOSTILE in page.css("#show-terra-formars .evidence a::text").getall()
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 10_000
    if os.environ.get("RADAR_BOARD_SCREENSHOT"):
        shutil.copyfile(shot, REPO / "docs" / "board.png")
    assert status == 200 and json.loads(body) == rows  # what `status --json` prints


def test_feed_and_calendar_follow_the_store_and_a_delay_moves_the_event(radar, board_site) -> None:
    with serving(radar) as base:
        status, headers, body = get(f"{base}/feed.atom")
        assert status == 200 and headers["Content-Type"].startswith("application/atom+xml")
        feed = feedparser.parse(body)
        assert not feed.bozo, feed.bozo_exception
        alerts = [e for show in ("akudama-drive", "terra-formars", "mushoku-tensei", "princess-principal")
                  for e in json.loads(radar("history", show, "--json").stdout) if not e["silent"]]
        assert len(alerts) == 4
        assert {e.id for e in feed.entries} == {f"urn:renewal-radar:event:{a['event_id']}" for a in alerts}
        assert {link.href for e in feed.entries for link in e.links} >= {
            f"https://news.example/{g}" for g, _, _ in NEWS}

        _, _, ics = get(f"{base}/calendar.ics")
        before = {str(e["uid"]): e for e in icalendar.Calendar.from_ical(ics).walk("VEVENT")}
        assert len(before) == 2  # the two dated installments
        akudama = next(e for e in before.values() if str(e["summary"]).startswith("Akudama Drive"))
        assert str(akudama["summary"]) == "Akudama Drive — Season 2 (October 2027)"
        assert akudama.decoded("dtstart").isoformat() == "2027-10-01"

        board_site.put("/news.xml", rss(OLD, *NEWS, DELAY))
        radar("check")  # the daemon-less way: a check while the board is served
        _, _, ics = get(f"{base}/calendar.ics")
        after = {str(e["uid"]): e for e in icalendar.Calendar.from_ical(ics).walk("VEVENT")}
        moved = after[str(akudama["uid"])]
        assert int(moved["sequence"]) > int(akudama["sequence"])
        assert moved.decoded("dtstart").isoformat() == "2028-04-01"
        assert str(moved["summary"]) == "Akudama Drive — Season 2 (April 2028)"
        assert set(after) == set(before)
        feed = feedparser.parse(get(f"{base}/feed.atom")[2])
        assert len(feed.entries) == 5 and feed.entries[0].title.startswith(
            "Akudama Drive — Season 2: delayed")


def test_read_only_get_and_head_only_no_script_allowed(radar) -> None:
    with serving(radar) as base:
        for path in ("/", "/feed.atom", "/calendar.ics", "/api/status.json"):
            assert get(base + path, "POST")[0] == 405
            assert get(base + path, "DELETE")[0] == 405
            status, headers, body = get(base + path, "HEAD")
            assert status == 200 and body == b"" and int(headers["Content-Length"]) > 0
        status, headers, _ = get(base + "/")
        assert "default-src 'none'" in headers["Content-Security-Policy"] and "script" not in \
            headers["Content-Security-Policy"]
        assert get(base + "/no-such-page")[0] == 404


def test_export_and_check_with_export_dir_write_the_four_files(radar, tmp_path: Path) -> None:
    out = radar("export", str(tmp_path / "site")).stdout
    assert "board exported" in out
    for name in ("index.html", "feed.atom", "calendar.ics", "api/status.json"):
        assert (tmp_path / "site" / name).stat().st_size > 0, name
    assert json.loads((tmp_path / "site" / "api" / "status.json").read_text()) == \
        json.loads(radar("status", "--json").stdout)
    radar_toml = radar.config / "radar.toml"
    radar_toml.write_text(radar_toml.read_text() + '\n[board]\nexport_dir = "public"\n')
    radar("check")
    assert not feedparser.parse((radar.config / "public" / "feed.atom").read_bytes()).bozo
    radar_toml.write_text(radar_toml.read_text().replace('"public"', '"  "'))
    bad = radar("check", check=False)
    assert bad.returncode == 2 and "radar.toml: board.export_dir: is empty" in bad.stderr


def test_the_daemon_serves_the_same_board_beside_healthz(radar, daemons) -> None:
    port = free_port()
    daemon = daemons("--http-port", str(port))

    def listening() -> bool:
        assert daemon.proc.poll() is None, daemon.output()
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return True
        except OSError:
            return False

    wait_for(listening, 60, "the daemon to listen", daemon.output)
    base = f"http://127.0.0.1:{port}"
    status, _, body = get(base + "/")
    assert status == 200 and b"Akudama Drive" in body and b"&lt;script&gt;" in body
    assert json.loads(get(base + "/healthz")[2])["status"] == "ok"
    assert json.loads(get(base + "/api/status.json")[2]) == json.loads(radar("status", "--json").stdout)
    assert get(base + "/", "POST")[0] == 405
    assert daemon.stop(signal.SIGTERM, timeout=30)[0] == 0
