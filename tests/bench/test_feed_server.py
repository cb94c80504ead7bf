"""The bench's fallback feed server answers conditional requests as nginx does, or the bench measures nothing.

bench/ measures and asserts nothing about speed; this only checks the server the measurements rely on.
"""

from __future__ import annotations

import http.client
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
from feed_server import PythonFeedServer


@pytest.fixture
def server():
    with PythonFeedServer() as running:
        yield running


def get(conn: http.client.HTTPConnection, path: str, **headers: str) -> tuple[int, str | None, bytes]:
    conn.request("GET", path, headers={k.replace("_", "-"): v for k, v in headers.items()})
    response = conn.getresponse()
    return response.status, response.getheader("ETag"), response.read()


def test_etag_304_new_version_404_on_one_connection(server) -> None:
    server.put("/feeds/a.xml", b"<rss>one</rss>")
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
    status, etag, body = get(conn, "/feeds/a.xml")
    assert (status, body) == (200, b"<rss>one</rss>") and etag
    assert get(conn, "/feeds/a.xml", If_None_Match=etag)[:2] == (304, etag)
    server.put("/feeds/a.xml", b"<rss>two</rss>")  # same size: the ETag still changes (mtime moves on)
    status, new_etag, body = get(conn, "/feeds/a.xml", If_None_Match=etag)
    assert (status, body) == (200, b"<rss>two</rss>") and new_etag != etag
    assert get(conn, "/feeds/missing.xml")[0] == 404
    conn.close()
    server.settle()
    assert [status for _, status in server.request_log()] == [200, 304, 200, 404]
