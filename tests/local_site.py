"""The tests' one HTTP server on 127.0.0.1: feeds and pages published by path, and webhook receivers.

A published body is served with an ETag (a digest of the body) and a Last-Modified (when that body was
published), and a conditional request that matches either gets a 304. Every request is recorded as an
Arrival when it comes in; a test waits on arrivals (`wait`, a condition the server notifies) instead of
sleeping. A path can be told to answer with another status (`put(..., status=500)`, `answer`), to stall
(`stall`: for some seconds, or until an event is set) or to answer through a function of its own
(`respond`). POSTs are answered 200 unless told otherwise, so a receiver is just a path.

The raw-socket servers in hostile/servers.py stay beside this one: they send bytes no HTTP server
library will (a body cut mid-item, a trickle of one byte every few seconds, a proxy)."""

from __future__ import annotations

import contextlib
import email.utils
import hashlib
import json
import select
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Reply = tuple[int, dict[str, str], bytes]
FEED_TYPE = "application/rss+xml; charset=utf-8"


@dataclass
class Arrival:
    """One request as it arrived (`target` as sent, `path` without its query), and what it was answered
    (`status` 0 until then; `abandoned` when the client had gone before a stalled answer could be sent)."""

    method: str
    target: str
    path: str
    headers: dict[str, str]
    body: bytes
    at: float = field(default_factory=time.monotonic)
    status: int = 0
    held: bool = False
    abandoned: bool = False

    @property
    def conditional(self) -> bool:
        return bool(self.header("If-None-Match") or self.header("If-Modified-Since"))

    @property
    def user_agent(self) -> str:
        return self.header("User-Agent") or ""

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers.items() if k.lower() == name.lower()), None)

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Receiver:
    """A webhook receiver at `path` on the site: every POST it got, and the status it answers."""

    site: LocalSite
    path: str = "/hook"

    @property
    def url(self) -> str:
        return self.site.url(self.path)

    @property
    def calls(self) -> list[Arrival]:
        return self.site.of(self.path, "POST")

    @property
    def status(self) -> int:
        return self.site.answering(self.path)

    @status.setter
    def status(self, value: int) -> None:
        self.site.answer(self.path, value)

    def payloads(self) -> list[dict]:
        return [call.json() for call in self.calls]

    def answered(self) -> list[Arrival]:
        """The POSTs answered so far (whatever the status)."""
        return [call for call in self.calls if call.status]

    def delivered(self) -> list[Arrival]:
        """The POSTs answered with a success."""
        return [call for call in self.calls if 200 <= call.status < 300]


@dataclass
class _Stall:
    seconds: float
    until: threading.Event | None
    times: int | None  # how many more requests it holds; None: every one


class LocalSite:
    """A threaded HTTP server on 127.0.0.1 (see the module's docstring); `close()` stops it."""

    def __init__(self) -> None:
        self.requests: list[Arrival] = []
        self.fetches: list[Arrival] = []  # the GET and HEAD requests (feeds, pages, robots.txt)
        self._by_path: dict[str, list[Arrival]] = {}
        self.in_flight = self.peak = 0  # requests being answered now, and the most there ever were
        self._files: dict[str, tuple[bytes, str, int, str]] = {}
        self._answers: dict[str, int] = {}
        self._handlers: dict[str, Callable[[Arrival], Reply]] = {}
        self._stalls: dict[str, _Stall] = {}
        self._changed = threading.Condition()
        self._closing = threading.Event()
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # persistent connections: a poll is not a new connection and thread
            disable_nagle_algorithm = True  # an answer's head and body go out at once, no 40 ms delayed ACK

            def do_GET(self) -> None:
                site._serve(self)

            do_HEAD = do_POST = do_PUT = do_DELETE = do_GET  # noqa: N815

            def log_message(self, *args: Any) -> None:
                pass

            def handle(self) -> None:
                with contextlib.suppress(OSError):  # a client closed a kept-alive connection, or was killed
                    super().handle()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = int(self.server.server_address[1])
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()

    # -- what the site serves ---------------------------------------------------------------------------

    def url(self, path: str = "/") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def put(self, path: str, body: bytes | str, content_type: str = FEED_TYPE, status: int = 200) -> None:
        """Publish `body` at `path` (a status other than 200 answers it with that status, no validators)."""
        data = body.encode("utf-8") if isinstance(body, str) else body
        old = self._files.get(path)
        if old and old[0] == data:
            modified = old[3]
        else:  # a new body is always newer, to the second, than the one before it
            before = email.utils.parsedate_to_datetime(old[3]).timestamp() if old else 0
            modified = email.utils.formatdate(max(time.time(), before + 1), usegmt=True)
        self._files[path] = (data, content_type, status, modified)

    def answer(self, path: str, status: int) -> None:
        """What a POST to `path` is answered from now on (200 until told otherwise)."""
        self._answers[path] = status

    def receiver(self, path: str = "/hook") -> Receiver:
        """A webhook receiver: a view of the POSTs to `path`, whose `status` is what they are answered."""
        return Receiver(self, path)

    def answering(self, path: str) -> int:
        return self._answers.get(path, 200)

    def respond(self, path: str, handler: Callable[[Arrival], Reply]) -> None:
        """Answer every request to `path` (or, for a path ending in `*`, every path it begins) through
        `handler`, which returns (status, headers, body)."""
        self._handlers[path] = handler

    def stall(self, path: str, seconds: float = 60.0, until: threading.Event | None = None,
              times: int | None = None) -> None:
        """Hold the answer to requests for `path` (`*` as for `respond`) `seconds` long, or until `until`
        is set (at most `seconds`); only the next `times` of them when `times` is given."""
        self._stalls[path] = _Stall(seconds, until, times)

    def close(self) -> None:
        self._closing.set()
        self.server.shutdown()
        self.server.server_close()

    # -- what the site was asked ------------------------------------------------------------------------

    def of(self, path: str, method: str | None = None) -> list[Arrival]:
        """The requests for `path` (with `method`, when given), in order of arrival."""
        return [a for a in self._by_path.get(path, []) if method in (None, a.method)]

    def wait(self, check: Callable[[], Any], timeout: float, what: str,
             log: Callable[[], str] | None = None) -> Any:
        """`check()` once it is true: checked whenever a request arrives or is answered (AssertionError
        naming `what`, and `log()` when given, after `timeout` seconds)."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while not (value := check()):
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"timed out after {timeout}s waiting for {what}"
                                         + (f"\n{log()}" if log else ""))
                self._changed.wait(min(left, 0.5))  # woken by each request; 0.5 s for checks on other state
        return value

    def quiet(self, check: Callable[[], Any], seconds: float) -> bool:
        """True when `check()` stayed false for `seconds`: for a test that shows something does NOT
        happen within a window (each request wakes it, so one that makes `check()` true ends it at once)."""
        deadline = time.monotonic() + seconds
        with self._changed:
            while not check():
                left = deadline - time.monotonic()
                if left <= 0:
                    return True
                self._changed.wait(left)
        return False

    # -- serving ----------------------------------------------------------------------------------------

    def _match(self, rules: dict[str, Any], path: str) -> Any:
        if path in rules:
            return rules[path]
        prefixes = (rule for key, rule in rules.items() if key.endswith("*") and path.startswith(key[:-1]))
        return next(prefixes, None)

    def _serve(self, handler: BaseHTTPRequestHandler) -> None:
        path = handler.path.split("?", 1)[0]
        arrival = Arrival(handler.command, handler.path, path, dict(handler.headers.items()),
                          _read_body(handler))
        with self._changed:
            self.requests.append(arrival)
            self._by_path.setdefault(path, []).append(arrival)
            if arrival.method in ("GET", "HEAD"):
                self.fetches.append(arrival)
            self.in_flight += 1
            self.peak = max(self.peak, self.in_flight)
            stall = self._match(self._stalls, path)
            if stall is not None and stall.times is not None:
                stall.times -= 1
                if stall.times < 0:
                    stall = None
            arrival.held = stall is not None
            self._changed.notify_all()
        try:
            if stall is not None:
                (stall.until or self._closing).wait(stall.seconds)
                if _closed(handler.connection):
                    arrival.abandoned = True
                    return
            status, headers, body = self._reply(arrival)
            handler.send_response(status)
            for name, value in headers.items():
                handler.send_header(name, value)
            handler.send_header("Content-Length", str(len(body)))
            handler.end_headers()
            if arrival.method != "HEAD":
                handler.wfile.write(body)
            handler.wfile.flush()
            arrival.status = status
        except OSError:
            arrival.abandoned = True
        finally:
            with self._changed:
                self.in_flight -= 1
                self._changed.notify_all()

    def _reply(self, arrival: Arrival) -> Reply:
        custom = self._match(self._handlers, arrival.path)
        if custom is not None:
            return custom(arrival)
        if arrival.method not in ("GET", "HEAD"):
            status = self._answers.get(arrival.path, 200)
            return status, {}, b"ok" if status < 400 else b"receiver down"
        if arrival.path not in self._files:
            return 404, {}, b"not found"
        body, content_type, status, modified = self._files[arrival.path]
        if status != 200:
            return status, {"Content-Type": "text/plain"}, body
        etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
        validators = {"ETag": etag, "Last-Modified": modified}
        if_none_match, since = arrival.header("If-None-Match"), arrival.header("If-Modified-Since")
        if (if_none_match == etag) if if_none_match is not None else _not_after(modified, since):
            return 304, validators, b""
        return 200, {**validators, "Content-Type": content_type}, body


def _not_after(modified: str, since: str | None) -> bool:
    """Whether the body published at `modified` is no newer than the client's If-Modified-Since."""
    try:
        return since is not None and email.utils.parsedate_to_datetime(modified) <= \
            email.utils.parsedate_to_datetime(since)
    except (TypeError, ValueError):
        return False


def _read_body(handler: BaseHTTPRequestHandler) -> bytes:
    if handler.headers.get("Transfer-Encoding", "").lower() == "chunked":
        chunks = []
        while size := int(handler.rfile.readline().split(b";")[0], 16):
            chunks.append(handler.rfile.read(size))
            handler.rfile.readline()
        handler.rfile.readline()
        return b"".join(chunks)
    return handler.rfile.read(int(handler.headers.get("Content-Length") or 0))


def _closed(conn: socket.socket) -> bool:
    """Whether the client has closed the connection (a killed process's sockets are closed by its kernel)."""
    readable, _, _ = select.select([conn], [], [], 0.1)
    if not readable:
        return False
    try:
        return conn.recv(1, socket.MSG_PEEK) == b""
    except OSError:
        return True
