"""The feed reader against hostile servers on 127.0.0.1: compression bombs, bodies cut short, trickling
answers. Each read runs the daemon's FeedReader in a child process (reader_child.py), which also reports
its peak RSS and the connections left ESTABLISHED once its results are in."""

from __future__ import annotations

import base64
import gzip
import json
import os
import subprocess
import sys
import zlib
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from corpus import GOOD_TITLE, deflate, gzip_bomb, rss
from servers import Proxy, RawServer, respond, trickle

ROOT = Path(__file__).resolve().parents[2]
CHILD = Path(__file__).with_name("reader_child.py")
FEED = rss("Akudama Drive season 2 is in production.")


def read(urls: list[str], ports: Sequence[int] = (), **job: Any) -> dict[str, Any]:
    """Read `urls` once (sources feed-0, feed-1, …) in a child; its JSON report, results by name."""
    sources = [{"name": f"feed-{n}", "kind": "rss", "url": url, "trust": "news"}
               for n, url in enumerate(urls)]
    env = {**os.environ, "PYTHONPATH": f"{ROOT}{os.pathsep}{ROOT / 'tests'}"}
    done = subprocess.run([sys.executable, str(CHILD)],
                          input=json.dumps({"sources": sources, "ports": list(ports), **job}),
                          capture_output=True, text=True, env=env, cwd=ROOT, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    report["by_name"] = {r["source"]: r for r in report["results"]}
    return report


@pytest.fixture
def servers() -> Iterator[list[RawServer]]:
    started: list[RawServer] = []
    yield started
    for server in started:
        server.close()


def serve(servers: list[RawServer], answer: Any) -> RawServer:
    server = RawServer(answer)
    servers.append(server)
    return server


def ok_head(length: int | None, *extra: str) -> str:
    lines = ["HTTP/1.1 200 OK", "Content-Type: application/rss+xml; charset=utf-8", *extra]
    lines += [f"Content-Length: {length}"] if length is not None else ["Connection: close"]
    return "\r\n".join(lines)


# -- item 2: one layer of Content-Encoding, output capped while inflating ----------------------------------

def test_nested_gzip_bomb_is_too_large_never_parsed_and_stays_small(servers: list[RawServer]) -> None:
    bomb = gzip_bomb(layers=2)  # ~7 KB on the wire, 1 GiB of zeros inside
    assert len(bomb) < 16_000
    nested = serve(servers, respond(ok_head(len(bomb), "Content-Encoding: gzip, gzip"), bomb))
    single_bomb = gzip_bomb(layers=1, inflated=64 * 2**20)
    single = serve(servers, respond(ok_head(len(single_bomb), "Content-Encoding: gzip"), single_bomb))
    report = read([nested.url(), single.url()])
    for name in ("feed-0", "feed-1"):
        result = report["by_name"][name]
        assert result["outcome"] == "error" and result["error"] == "response larger than 5 MB", result
        assert result["articles"] == []
    assert report["maxrss_mb"] < 100, report["maxrss_mb"]


@pytest.mark.parametrize("coding, body", [
    ("gzip", gzip.compress(FEED)), ("x-gzip", gzip.compress(FEED)), ("deflate", deflate(FEED)),
    ("deflate", zlib.compress(FEED)[2:-4]),  # raw deflate, as some servers send it
    ("gzip, gzip", gzip.compress(gzip.compress(FEED))), ("identity", FEED),
], ids=["gzip", "x-gzip", "deflate", "raw-deflate", "gzip-twice", "identity"])
def test_compressed_feeds_are_read(servers: list[RawServer], coding: str, body: bytes) -> None:
    server = serve(servers, respond(ok_head(len(body), f"Content-Encoding: {coding}"), body))
    result = read([server.url()])["by_name"]["feed-0"]
    assert result["outcome"] == "ok", result
    assert [a["title"] for a in result["articles"]] == [GOOD_TITLE]
    assert b"accept-encoding: gzip, deflate" in server.requests[0].lower()


@pytest.mark.parametrize("coding, body, error", [
    ("br", FEED, "unsupported Content-Encoding 'br'"),
    ("gzip, gzip, gzip", FEED, "unsupported Content-Encoding 'gzip, gzip, gzip'"),
    ("gzip", b"not gzip at all, just bytes", "gzip body does not inflate"),
    ("gzip", gzip.compress(FEED)[:-40], "connection closed before the compressed body was complete"),
], ids=["brotli", "three-layers", "garbage", "cut-stream"])
def test_bad_encodings_fail_the_poll(servers: list[RawServer], coding: str, body: bytes, error: str) -> None:
    server = serve(servers, respond(ok_head(len(body), f"Content-Encoding: {coding}"), body))
    result = read([server.url()])["by_name"]["feed-0"]
    assert result["outcome"] == "error" and result["error"].startswith(error), result


# -- item 4: a body that ends early is a failed poll, not a parse ------------------------------------------

def test_bodies_cut_short_fail_and_a_complete_close_delimited_one_is_read(servers: list[RawServer]) -> None:
    cut = FEED[:FEED.index(b"</title>")]
    close_cut = serve(servers, respond(ok_head(None), cut))             # no Content-Length: read to close
    length_cut = serve(servers, respond(ok_head(len(FEED)), cut))       # Content-Length not reached
    complete = serve(servers, respond(ok_head(None), FEED + b"<!-- cached by a plugin -->\n"))
    report = read([close_cut.url(), length_cut.url(), complete.url()])["by_name"]
    assert report["feed-0"]["outcome"] == "error"
    assert report["feed-0"]["error"] == "connection closed before the feed was complete"
    assert report["feed-1"]["outcome"] == "error"
    assert report["feed-1"]["error"] == "connection lost before the response was complete"
    assert report["feed-0"]["articles"] == report["feed-1"]["articles"] == []
    assert report["feed-2"]["outcome"] == "ok" and len(report["feed-2"]["articles"]) == 1


# -- item 5: every connection is closed when its request ends, timed out or not ----------------------------

def test_a_timed_out_connection_is_closed_and_read_no_further(servers: list[RawServer]) -> None:
    body_bytes: list[int] = []
    head_bytes: list[int] = []
    slow_body = serve(servers, trickle(0.05, body_bytes))
    slow_head = serve(servers, trickle(0.05, head_bytes, head=False))  # never finishes its status line
    healthy = serve(servers, respond(ok_head(len(FEED)), FEED))
    report = read([slow_body.url(), slow_head.url(), healthy.url()], timeout=1.0,
                  ports=[slow_body.port, slow_head.port])
    results = report["by_name"]
    assert results["feed-0"]["error"] == results["feed-1"]["error"] == "timed out after 1s"
    assert results["feed-2"]["outcome"] == "ok"
    assert report["established"] == 0  # the child waited for it while its pool was still open
    assert slow_body.client_closed.wait(10) and slow_head.client_closed.wait(10)
    # the client stopped reading: what the server sent afterwards went nowhere (far below 999,999 bytes)
    assert len(body_bytes) < 1000


def test_an_error_response_body_is_not_read_whole(servers: list[RawServer]) -> None:
    sent: list[int] = []

    def huge_500(conn: Any) -> None:
        conn.sendall(b"HTTP/1.1 500 Oops\r\nContent-Length: 1073741824\r\n\r\n")
        while True:
            conn.sendall(bytes(65536))
            sent.append(65536)

    server = serve(servers, huge_500)
    report = read([server.url()], ports=[server.port])
    assert report["by_name"]["feed-0"]["error"] == "HTTP 500"
    assert server.client_closed.wait(10)
    assert sum(sent) < 64 * 2**20 and report["established"] == 0


# -- issue 11, item 6: http_proxy / https_proxy / no_proxy --------------------------------------------------

def test_feeds_go_through_the_proxy_of_the_environment_unless_no_proxy_names_them(
        servers: list[RawServer], monkeypatch: pytest.MonkeyPatch) -> None:
    proxy = Proxy()
    try:
        feed = serve(servers, respond(ok_head(len(FEED)), FEED))
        direct = serve(servers, respond(ok_head(len(FEED)), FEED))
        not_tls = serve(servers, respond(ok_head(len(FEED)), FEED))  # answers a TLS hello with plain HTTP
        for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "no_proxy", "NO_PROXY"):
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv("http_proxy", proxy.url)
        monkeypatch.setenv("https_proxy", proxy.url)
        monkeypatch.setenv("no_proxy", "localhost")
        report = read([feed.url(), f"https://127.0.0.1:{not_tls.port}/feed.xml",
                       f"http://localhost:{direct.port}/feed.xml"])["by_name"]
        assert report["feed-0"]["outcome"] == "ok" and len(report["feed-0"]["articles"]) == 1
        assert report["feed-2"]["outcome"] == "ok"  # no_proxy: straight to the feed
        # tunnel opened; TLS with plain HTTP fails
        assert report["feed-1"]["outcome"] == "error", report["feed-1"]
        auth = "Basic " + base64.b64encode(b"user:p@ss").decode()
        assert sorted(proxy.seen) == sorted([(f"GET {feed.url()} HTTP/1.1", auth),
                                             (f"CONNECT 127.0.0.1:{not_tls.port} HTTP/1.1", auth)])
        assert direct.requests and not_tls.accepted == 1  # the tunnel reached it
        assert all(b"proxy-authorization" not in r.lower() for r in feed.requests + not_tls.requests)
    finally:
        proxy.close()
