"""A small threaded HTTP server on 127.0.0.1 serving in-memory files with ETag / Last-Modified.

Used by `renewal-radar demo` and by bench/; it answers conditional requests with 304 like a real
web server, and counts requests so a caller can see what was asked.
"""

from __future__ import annotations

import hashlib
import threading
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

CONTENT_TYPES = {".xml": "application/rss+xml; charset=utf-8", ".html": "text/html; charset=utf-8",
                 ".rdf": "application/rdf+xml", ".json": "application/json"}


class SampleServer:
    """Serves a dict of path -> bytes; `put` replaces a file as a site would publish."""

    def __init__(self, files: dict[str, bytes] | None = None) -> None:
        self._files: dict[str, tuple[bytes, str, str]] = {}
        self._lock = threading.Lock()
        self.requests: list[tuple[str, bool, int]] = []  # (path, conditional, status)
        for path, body in (files or {}).items():
            self.put(path, body)
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def put(self, path: str, body: bytes) -> None:
        """Publish or replace a file; a new body gets a new ETag and Last-Modified."""
        etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
        with self._lock:
            self._files[path] = (body, etag, formatdate(usegmt=True))

    def start(self) -> SampleServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> SampleServer:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                with server._lock:
                    entry = server._files.get(self.path.split("?", 1)[0])
                conditional = bool(self.headers.get("If-None-Match") or self.headers.get("If-Modified-Since"))
                if entry is None:
                    self._reply(404, b"not found", {}, conditional)
                    return
                body, etag, modified = entry
                headers = {"ETag": etag, "Last-Modified": modified}
                if self.headers.get("If-None-Match") == etag or (
                        not self.headers.get("If-None-Match")
                        and self.headers.get("If-Modified-Since") == modified):
                    self._reply(304, b"", headers, conditional)
                    return
                name = self.path.rsplit("/", 1)[-1]
                suffix = "." + self.path.rsplit(".", 1)[-1] if "." in name else ".html"
                headers["Content-Type"] = CONTENT_TYPES.get(suffix, "application/octet-stream")
                self._reply(200, body, headers, conditional)

            def _reply(self, status: int, body: bytes, headers: dict[str, str], conditional: bool) -> None:
                server.requests.append((self.path, conditional, status))
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if body:
                    self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        return Handler
