"""The Scrapy side over real HTTP on 127.0.0.1; each crawl runs in a child process (see crawl_child)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from radar import USER_AGENT
from radar.app.fetch.crawl import crawler_settings
from radar.app.fetch.results import request_headers
from radar.domain.models import Validators

ROOT = Path(__file__).resolve().parents[2]
CHILD = Path(__file__).with_name("crawl_child.py")
FIXTURES = Path(__file__).with_name("fixtures")
ETAG, LAST_MODIFIED = '"v1"', "Fri, 30 Oct 2026 00:00:00 GMT"
SJIS_LISTING = {"item": "dl.news div.row", "title": "dd a::text", "link": "dd a::attr(href)",
                "date": "dt::text"}


def crawl(sources: list[dict[str, Any]], validators: dict[str, dict[str, str]] | None = None,
          **options: Any) -> dict[str, dict[str, Any]]:
    """Poll once in a child process (crawl_child); results by source name, in the order of `sources`."""
    job = {"sources": sources, "validators": validators or {}, "options": options}
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, str(CHILD)], input=json.dumps(job), capture_output=True,
                          text=True, env=env, cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr
    results = json.loads(done.stdout)
    assert [r["source"] for r in results] == [s["name"] for s in sources]  # one each, in order
    return {r["source"]: r for r in results}


def src(name: str, url: str, kind: str = "rss", **options: str) -> dict[str, Any]:
    return {"name": name, "kind": kind, "url": url, "trust": "news", "options": sorted(options.items())}


def conditional_feed(request: Request) -> Response:
    """The feed with validators: 304 when the client already has this version."""
    if request.headers.get("If-None-Match") == ETAG:
        return Response(status=304, headers={"ETag": ETAG})
    return Response((FIXTURES / "rss2.xml").read_bytes(), content_type="application/rss+xml",
                    headers={"ETag": ETAG, "Last-Modified": LAST_MODIFIED})


@pytest.fixture
def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A port that accepts connections and never answers."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen(8)
        yield int(s.getsockname()[1])


def test_one_crawl_every_outcome_then_304(httpserver: HTTPServer, closed_port: int, silent_port: int) -> None:
    httpserver.expect_request("/robots.txt").respond_with_data("User-agent: *\nDisallow: /private/\n")
    httpserver.expect_request("/feed.xml").respond_with_handler(conditional_feed)
    httpserver.expect_request("/private/feed.xml").respond_with_data(
        (FIXTURES / "atom.xml").read_bytes(), content_type="application/atom+xml")
    httpserver.expect_request("/news/").respond_with_data(
        (FIXTURES / "listing_sjis_header.html").read_bytes(), content_type="text/html; charset=Shift_JIS")
    httpserver.expect_request("/moved").respond_with_data("", status=301, headers={"Location": "/feed.xml"})
    httpserver.expect_request("/broken.xml").respond_with_data("oops", status=500)
    httpserver.expect_request("/page.html").respond_with_data(
        (FIXTURES / "not_a_feed.html").read_bytes(), content_type="text/html")
    httpserver.expect_request("/huge.xml").respond_with_data(b"<rss>" + b" " * 200_000 + b"</rss>")
    sources = [
        src("feed", httpserver.url_for("/feed.xml")),
        src("listing", httpserver.url_for("/news/"), "html", **SJIS_LISTING),
        src("feed-under-disallow", httpserver.url_for("/private/feed.xml")),
        src("listing-under-disallow", httpserver.url_for("/private/news/"), "html", **SJIS_LISTING),
        src("moved", httpserver.url_for("/moved")),
        src("broken", httpserver.url_for("/broken.xml")),
        src("html-not-feed", httpserver.url_for("/page.html")),
        src("huge", httpserver.url_for("/huge.xml")),
        src("refused", f"http://127.0.0.1:{closed_port}/feed.xml"),
        src("silent", f"http://127.0.0.1:{silent_port}/feed.xml"),
    ]
    first = crawl(sources, timeout=2, max_bytes=64 * 1024)

    feed = first["feed"]
    assert (feed["outcome"], feed["conditional"]) == ("ok", False)
    assert (feed["etag"], feed["last_modified"]) == (ETAG, LAST_MODIFIED)
    assert [a["title"] for a in feed["articles"]] == ["Akudama Drive season 2 announced", "Weekly ranking"]
    listing = first["listing"]
    assert listing["outcome"] == "ok" and listing["etag"] is None
    assert listing["articles"][0]["url"] == httpserver.url_for("/news/0042/")
    assert listing["articles"][0]["title"] == "「アクダマドライブ」第2期制作決定のお知らせ"
    assert first["feed-under-disallow"]["outcome"] == "ok"  # robots.txt is for html sources only
    assert first["moved"]["outcome"] == "ok" and len(first["moved"]["articles"]) == 2
    expected_errors = {
        "listing-under-disallow": "forbidden by robots.txt",
        "broken": "HTTP 500",
        "html-not-feed": "not a feed: got an HTML page",
        "huge": "response larger than 64 KB",
        "refused": "connection refused",
        "silent": "timed out after 2s",
    }
    assert {name: (first[name]["outcome"], first[name]["error"]) for name in expected_errors} == {
        name: ("error", reason) for name, reason in expected_errors.items()}
    assert all(not first[name]["articles"] for name in expected_errors)
    sent = [req for req, _ in httpserver.log if req.path == "/feed.xml"]
    assert sent[0].headers["User-Agent"] == USER_AGENT and "If-None-Match" not in sent[0].headers

    second = crawl([sources[0], sources[1]], {"feed": {"etag": ETAG, "last_modified": LAST_MODIFIED}})
    feed = second["feed"]
    assert (feed["outcome"], feed["conditional"]) == ("not_modified", True)
    assert feed["articles"] == [] and (feed["etag"], feed["last_modified"]) == (ETAG, LAST_MODIFIED)
    assert second["listing"]["outcome"] == "ok" and second["listing"]["conditional"] is False
    last = [req for req, _ in httpserver.log if req.path == "/feed.xml"][-1]
    assert (last.headers["If-None-Match"], last.headers["If-Modified-Since"]) == (ETAG, LAST_MODIFIED)


def test_unknown_kind_and_bad_url_still_get_a_result(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/feed.xml").respond_with_handler(conditional_feed)
    results = crawl([src("odd", httpserver.url_for("/x"), "gopher"), src("bad-url", "not a url"),
                     src("feed", httpserver.url_for("/feed.xml"))])
    assert results["odd"]["error"] == "unknown source kind 'gopher'"
    assert results["bad-url"]["outcome"] == "error" and results["feed"]["outcome"] == "ok"


def test_settings() -> None:
    settings = crawler_settings(10, 1024, 2)
    assert settings["USER_AGENT"] == USER_AGENT and settings["HTTPERROR_ALLOWED_CODES"] == [304]
    assert (settings["DOWNLOAD_TIMEOUT"], settings["DOWNLOAD_MAXSIZE"]) == (10, 1024)
    assert settings["CONCURRENT_REQUESTS_PER_DOMAIN"] == 2 and settings["RETRY_ENABLED"] is False
    off = ("TELNETCONSOLE_ENABLED", "REMOTE_CONTROL_ENABLED", "HTTPCACHE_ENABLED", "COOKIES_ENABLED")
    assert not any(settings[key] for key in off)


def test_request_headers() -> None:
    assert request_headers(None) == {}
    assert request_headers(Validators(etag=ETAG)) == {"If-None-Match": ETAG}
    assert request_headers(Validators(last_modified=LAST_MODIFIED)) == {"If-Modified-Since": LAST_MODIFIED}


def test_feed_reader_gzip_redirect_chain_and_per_host_limit(httpserver: HTTPServer):
    """Feeds skip Scrapy: the reader still decodes gzip, follows a redirect chain, caps requests per host
    and names itself."""
    import gzip
    import threading
    import time

    body = (FIXTURES / "rss2.xml").read_bytes()
    active, peak, agents = [0], [0], []
    lock = threading.Lock()

    def slow_gzip(request: Request) -> Response:
        with lock:
            active[0] += 1
            peak[0] = max(peak[0], active[0])
            agents.append((request.headers.get("User-Agent"),
                           "gzip" in request.headers.get("Accept-Encoding", "")))
        time.sleep(0.2)  # a slow answer, not a wait: requests overlap, so the per-host cap is put to use
        with lock:
            active[0] -= 1
        if "gzip" in request.headers.get("Accept-Encoding", ""):
            return Response(gzip.compress(body), content_type="application/rss+xml",
                            headers={"Content-Encoding": "gzip"})
        return Response(body, content_type="application/rss+xml")

    httpserver.expect_request("/a").respond_with_response(Response(status=302, headers={"Location": "/b"}))
    httpserver.expect_request("/b").respond_with_response(
        Response(status=301, headers={"Location": "/feed/0"}))
    for index in range(6):
        httpserver.expect_request(f"/feed/{index}").respond_with_handler(slow_gzip)
    sources = [src("chain", httpserver.url_for("/a"))]
    sources += [src(f"f{i}", httpserver.url_for(f"/feed/{i}")) for i in range(1, 6)]
    results = crawl(sources, per_host=2)
    assert all(r["outcome"] == "ok" and len(r["articles"]) == 2 for r in results.values())
    assert results["chain"]["articles"][0]["url"].startswith("http")
    assert peak[0] <= 2 and set(agents) == {(USER_AGENT, True)}  # asked for, and decoded, gzip
