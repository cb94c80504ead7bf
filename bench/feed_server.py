"""The bench's feed server without nginx: a small static file server in its own process, and `FileServer`,
the docroot / put / access-log half that it shares with bench/nginx_server.py.

    python bench/feed_server.py --root DIR [--port 0] [--log FILE]   # serve; prints the port once listening
    python bench/feed_server.py                                       # self-check (through PythonFeedServer)

The server (asyncio Protocols, one process, one thread) answers GET and HEAD for the files under --root as
nginx does for bench/run.py: HTTP/1.1 keep-alive (pipelined requests answered in order), nginx's ETag
`"<mtime seconds hex>-<size hex>"` and Last-Modified, `Content-Type: application/rss+xml; charset=utf-8` for
.xml, and a 304 when every condition sent holds — `If-None-Match` matches the ETag and `If-Modified-Since`,
if sent, is not before the mtime (nginx's `if_modified_since before`, see bench/nginx_server.py). It stats
the file on every request (the harness replaces files between cycles) and keeps the bodies of unchanged
files in memory. One access-log line per response, nginx's `$msec $status $request_uri` format, written
right after the response is handed to the socket (one write per batch of requests read).

Why a separate process: a server inside the harness (radar.cli.sample_server's threaded http.server, ~270 µs
of CPU per keep-alive request and ~700 µs per new connection, measured here) ran in the harness process on the
same few cores as the tool being measured; this one costs ~190 / ~430 µs, and its CPU is its own
(`FileServer.cpu_seconds()`, printed per measurement). nginx, when installed, costs ~85 / ~145 µs.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import os
import select
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time
from email.utils import formatdate, mktime_tz, parsedate_tz
from functools import lru_cache
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import unquote

MAX_HEAD = 64 * 1024  # a request head larger than this is refused (431) and the connection closed
CONTENT_TYPES = {".xml": b"application/rss+xml; charset=utf-8"}
NOT_FOUND = b"<html><head><title>404 Not Found</title></head><body><h1>404 Not Found</h1></body></html>\n"
REASONS = {200: b"OK", 304: b"Not Modified", 400: b"Bad Request", 404: b"Not Found",
           405: b"Method Not Allowed", 431: b"Request Header Fields Too Large", 501: b"Not Implemented"}

# -- the server process ----------------------------------------------------------------------------------


class Entry(NamedTuple):
    """A file as served: what identifies this version of it, its body, and its validators."""
    key: tuple[int, int, int]  # (inode, mtime_ns, size)
    body: bytes
    mtime: int  # whole seconds, as nginx compares If-Modified-Since
    etag: str
    headers: bytes  # Content-Type, Last-Modified, ETag lines (a 200)
    validators: bytes  # Last-Modified, ETag lines (a 304)


class Docroot:
    """Files under `root`, read once per version: a request stats the file and re-reads it only if changed."""

    def __init__(self, root: str) -> None:
        self.root = os.path.realpath(root)
        self.cache: dict[str, Entry] = {}

    def lookup(self, path: str) -> Entry | None:
        parts = [p for p in unquote(path).split("/") if p]
        if not parts or any(p in (".", "..") or "\0" in p for p in parts):
            return None
        full = os.path.join(self.root, *parts)
        try:
            st = os.stat(full)
        except OSError:
            return None
        entry = self.cache.get(full)
        if entry is not None and entry.key == (st.st_ino, st.st_mtime_ns, st.st_size):
            return entry
        if not stat.S_ISREG(st.st_mode):
            return None
        try:
            with open(full, "rb") as handle:  # fstat + read of one inode: consistent across an os.replace
                st = os.fstat(handle.fileno())
                body = handle.read()
        except OSError:
            return None
        mtime = int(st.st_mtime)
        etag = f'"{mtime:x}-{len(body):x}"'
        ctype = CONTENT_TYPES.get(os.path.splitext(full)[1], b"application/octet-stream")
        modified = formatdate(mtime, usegmt=True).encode()
        validators = b"Last-Modified: " + modified + b"\r\nETag: " + etag.encode() + b"\r\n"
        entry = Entry((st.st_ino, st.st_mtime_ns, len(body)), body, mtime, etag,
                      b"Content-Type: " + ctype + b"\r\n" + validators, validators)
        self.cache[full] = entry
        return entry


@lru_cache(maxsize=4096)
def http_time(value: str) -> int | None:
    """Seconds since the epoch of an HTTP date (RFC 1123, RFC 850 or asctime), None if unparsable."""
    parsed = parsedate_tz(value)
    return None if parsed is None else int(mktime_tz(parsed))


def not_modified(entry: Entry, if_none_match: str | None, if_modified_since: str | None) -> bool:
    """nginx's not-modified filter with `if_modified_since before`: 304 only if every condition sent holds."""
    if if_none_match is None and if_modified_since is None:
        return False
    if if_modified_since is not None:
        since = http_time(if_modified_since)
        if since is None or since < entry.mtime:
            return False
    if if_none_match is not None and if_none_match.strip() != "*":
        tags = (t.strip() for t in if_none_match.split(","))
        if entry.etag not in (t[2:] if t.startswith("W/") else t for t in tags):
            return False
    return True


class AccessLog:
    """`$msec $status $request_uri` lines, collected per batch of requests and written with one os.write."""

    def __init__(self, path: str | None) -> None:
        self.fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644) if path else -1
        self.pending: list[str] = []

    def add(self, status: int, uri: str) -> None:
        self.pending.append(f"{time.time():.3f} {status} {uri}\n")

    def flush(self) -> None:
        if self.pending and self.fd >= 0:
            os.write(self.fd, "".join(self.pending).encode("utf-8", "replace"))
        self.pending.clear()


_date: tuple[int, bytes] = (0, b"")


def date_header() -> bytes:
    global _date
    now = int(time.time())
    if _date[0] != now:
        _date = (now, b"Date: " + formatdate(now, usegmt=True).encode() + b"\r\n")
    return _date[1]


class HttpProtocol(asyncio.Protocol):
    """One client connection: buffers until a full request head, answers requests in order, keeps alive."""

    def __init__(self, docroot: Docroot, log: AccessLog) -> None:
        self.docroot, self.log = docroot, log
        self.buffer = bytearray()
        self.skip = 0  # bytes of a request body still to discard
        self.paused = self.closing = False
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        self.process()

    def pause_writing(self) -> None:  # the client is not reading: stop reading its next requests too
        self.paused = True
        assert self.transport is not None
        self.transport.pause_reading()

    def resume_writing(self) -> None:
        self.paused = False
        assert self.transport is not None
        if not self.closing:
            self.transport.resume_reading()
            self.process()

    def process(self) -> None:
        """Answer every complete request in the buffer (until the client stops reading or one says close)."""
        while not self.paused and not self.closing:
            if self.skip:
                dropped = min(self.skip, len(self.buffer))
                del self.buffer[:dropped]
                self.skip -= dropped
                if self.skip:
                    break
            while self.buffer[:2] == b"\r\n":  # CRLFs between requests are allowed
                del self.buffer[:2]
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                if len(self.buffer) > MAX_HEAD:
                    self.reply(431, "-", b"", b"", close=True, head_only=False)
                break
            head = bytes(self.buffer[:end])
            del self.buffer[:end + 4]
            self.handle(head)
        self.log.flush()

    def handle(self, head: bytes) -> None:
        lines = head.decode("latin-1").split("\r\n")
        request = lines[0].split(" ")
        if len(request) != 3 or not request[2].startswith("HTTP/"):
            self.reply(400, "-", b"", b"", close=True, head_only=False)
            return
        method, uri, version = request
        headers: dict[str, str] = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        tokens = {t.strip().lower() for t in headers.get("connection", "").split(",")}
        close = "close" in tokens or (version != "HTTP/1.1" and "keep-alive" not in tokens)
        if "transfer-encoding" in headers:  # a chunked body cannot be skipped without parsing it
            self.reply(501, uri, b"", b"", close=True, head_only=False)
            return
        try:
            self.skip = max(0, int(headers.get("content-length", "0")))
        except ValueError:
            self.reply(400, uri, b"", b"", close=True, head_only=False)
            return
        if method not in ("GET", "HEAD"):
            self.reply(405, uri, b"Allow: GET, HEAD\r\n", b"", close=True, head_only=False)
            return
        path = uri.split("?", 1)[0]
        if path.startswith(("http://", "https://")):  # absolute form: keep the path
            path = "/" + path.split("/", 3)[-1] if path.count("/") >= 3 else "/"
        entry = self.docroot.lookup(path)
        if entry is None:
            self.reply(404, uri, b"Content-Type: text/html\r\n", NOT_FOUND, close, method == "HEAD")
        elif not_modified(entry, headers.get("if-none-match"), headers.get("if-modified-since")):
            self.reply(304, uri, entry.validators, None, close, True)
        else:
            self.reply(200, uri, entry.headers, entry.body, close, method == "HEAD")

    def reply(self, status: int, uri: str, headers: bytes, body: bytes | None, close: bool,
              head_only: bool) -> None:
        """Send one response (`body` None: no Content-Length, as a 304) and log it; close if asked."""
        assert self.transport is not None
        parts = [b"HTTP/1.1 %d %s\r\nServer: feed_server\r\n" % (status, REASONS[status]), date_header(),
                 headers]
        if body is not None:
            parts.append(b"Content-Length: %d\r\n" % len(body))
        parts.append(b"Connection: close\r\n\r\n" if close else b"Connection: keep-alive\r\n\r\n")
        if body and not head_only:
            parts.append(body)
        self.transport.write(b"".join(parts))
        self.log.add(status, uri)
        if close:
            self.closing = True
            self.transport.close()  # after the buffered response is sent


async def serve(root: str, port: int, log_path: str | None) -> None:
    """Listen on 127.0.0.1:`port` (0: any free port), print the port, serve until killed or orphaned."""
    loop = asyncio.get_running_loop()
    docroot, log = Docroot(root), AccessLog(log_path)
    server = await loop.create_server(lambda: HttpProtocol(docroot, log), "127.0.0.1", port, backlog=1024)
    print(server.sockets[0].getsockname()[1], flush=True)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)  # the parent reads the port line only: nothing more goes to its pipe
    parent = os.getppid()
    while os.getppid() == parent:  # the harness gone (killed before it could stop us): stop too
        await asyncio.sleep(2)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--root", help="directory to serve (without: run the self-check)")
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default 0: any free one)")
    parser.add_argument("--log", help="access log file, one `$msec $status $request_uri` line per response")
    args = parser.parse_args(argv)
    if args.root is None:
        self_check(PythonFeedServer)
        return
    asyncio.run(serve(args.root, args.port, args.log))


# -- the harness side: a docroot, `put`, the access log, a server child ----------------------------------

CLK_TCK = os.sysconf("SC_CLK_TCK")


class FileServer:
    """A feed server child process serving the files of a temp docroot, published with `put`; subclasses say
    how the process is started (`_launch`) and when it is ready (`_wait_ready`).

    `request_log()` is the (time, status) of every request so far, parsed from the access log the server
    writes (`$msec $status $request_uri`), `settle()` waits for its last lines, `cpu_seconds()` is the CPU
    the server's processes used so far. `put` replaces a file atomically (temp file in the same directory,
    then os.replace) and gives a changed file an mtime at least one whole second later than its previous
    one, so that an ETag `"<mtime seconds hex>-<size hex>"` changes even when two versions of the same size
    land in the same second; a `put` of an unchanged body leaves the file (and its ETag) alone."""

    name = "feed server"
    temp_prefix = "radar-bench-files-"
    stop_signal = signal.SIGTERM
    error_files = ("stderr.log",)

    def __init__(self, files: dict[str, bytes] | None = None) -> None:
        self.prefix = Path(tempfile.mkdtemp(prefix=self.temp_prefix))
        self.docroot = self.prefix / "www"
        self.docroot.mkdir()
        self.access_log = self.prefix / "access.log"
        self._port = 0
        self._proc: subprocess.Popen | None = None
        self._digests: dict[str, bytes] = {}  # path -> sha1 of the body published
        self._mtimes: dict[str, int] = {}  # path -> mtime (whole seconds) given to the file
        self._log: list[tuple[float, int]] = []
        self._log_offset = 0
        self._log_partial = b""
        for path, body in (files or {}).items():
            self.put(path, body)

    @staticmethod
    def available() -> bool:
        return True

    def describe(self) -> str:
        return type(self).__name__

    @property
    def port(self) -> int:
        return self._port

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    # -- files -----------------------------------------------------------------------------------------

    def _file(self, path: str) -> Path:
        parts = [p for p in path.split("?", 1)[0].split("/") if p]
        if not path.startswith("/") or not parts or any(p in (".", "..") for p in parts):
            raise ValueError(f"bad path {path!r}")
        return self.docroot.joinpath(*parts)

    def put(self, path: str, body: bytes) -> None:
        """Publish or replace a file: a new body gets a new ETag and Last-Modified; the same body, not."""
        digest = hashlib.sha1(body).digest()
        if self._digests.get(path) == digest:
            return
        target = self._file(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(dir=target.parent, prefix=".put-")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(body)
            # the ETag is "<mtime seconds hex>-<size hex>": a changed file needs a later *second*
            seconds = max(int(time.time()), self._mtimes.get(path, 0) + 1)
            os.utime(temp, ns=(seconds * 1_000_000_000, seconds * 1_000_000_000))
            os.chmod(temp, 0o644)
            os.replace(temp, target)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise
        self._mtimes[path] = seconds
        self._digests[path] = digest

    # -- the process -----------------------------------------------------------------------------------

    def _launch(self) -> subprocess.Popen:
        raise NotImplementedError

    def _wait_ready(self, timeout: float) -> bool:
        raise NotImplementedError

    def _popen(self, argv: list[str], stdout: int = subprocess.DEVNULL) -> subprocess.Popen:
        """The server process, its stderr to stderr.log, in its own process group (stop() reaches all)."""
        with (self.prefix / "stderr.log").open("ab") as stderr:
            return subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=stdout, stderr=stderr,
                                    start_new_session=True)

    def start(self) -> FileServer:
        if self._proc is not None and self._proc.poll() is None:
            return self  # already running (e.g. `with Server().start() as server:`)
        last_error = ""
        for _ in range(5):  # e.g. a free port taken between probing and the server's bind: retry
            self._proc = self._launch()
            if self._wait_ready(timeout=10):
                return self
            last_error = self._errors()
            self._kill()
        self.stop()
        raise RuntimeError(f"{self.name} did not start: {last_error}")

    def _errors(self) -> str:
        text = ""
        for name in self.error_files:
            with contextlib.suppress(OSError):
                text += (self.prefix / name).read_text(errors="replace")
        return (text.strip().splitlines() or ["(no error output)"])[-1][:300]

    def _kill(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        if proc.poll() is None:
            proc.send_signal(self.stop_signal)
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=5)
        # anything left in the server's own process group (e.g. nginx's worker)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()

    def stop(self) -> None:
        self._kill()
        shutil.rmtree(self.prefix, ignore_errors=True)

    def __enter__(self) -> FileServer:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    def cpu_seconds(self) -> float:
        """User + system CPU used so far by the server's processes (its process group, read from /proc)."""
        if self._proc is None:
            return 0.0
        ticks = 0
        for entry in os.scandir("/proc"):
            if not entry.name.isdigit():
                continue
            try:
                fields = Path(f"/proc/{entry.name}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[2]) == self._proc.pid:  # pgrp
                ticks += int(fields[11]) + int(fields[12])  # utime, stime
        return ticks / CLK_TCK

    # -- the access log ----------------------------------------------------------------------------------

    def request_log(self) -> list[tuple[float, int]]:
        """(time the response was done, status) of every request so far, in log order.

        The server writes a log line (unbuffered) right after it has handed a response to the socket, so
        once a client has received its responses and exited, its lines are there (see `settle` for the last
        microseconds). Read incrementally; the list returned is the server's own, appended to by later
        calls."""
        try:
            with self.access_log.open("rb") as handle:
                handle.seek(self._log_offset)
                chunk = handle.read()
        except FileNotFoundError:
            return self._log
        self._log_offset += len(chunk)
        data = self._log_partial + chunk
        lines = data.split(b"\n")
        self._log_partial = lines.pop()  # an incomplete last line waits for the next call
        for line in lines:
            fields = line.split(b" ", 2)
            if len(fields) >= 2:
                self._log.append((float(fields[0]), int(fields[1])))
        return self._log

    def settle(self, quiet: float = 0.03, limit: float = 1.0) -> None:
        """Wait until the access log has not grown for `quiet` seconds (at most `limit`): a response can reach
        the client a moment before the server writes its log line."""
        path = self.access_log
        deadline = time.monotonic() + limit
        size = path.stat().st_size if path.exists() else 0
        while time.monotonic() < deadline:
            time.sleep(quiet)
            now = path.stat().st_size if path.exists() else 0
            if now == size:
                return
            size = now


class PythonFeedServer(FileServer):
    """This file's asyncio server as a child process (`sys.executable bench/feed_server.py --root …`)."""

    name = "bench/feed_server.py"
    temp_prefix = "radar-bench-feeds-"

    def describe(self) -> str:
        return "bench/feed_server.py (asyncio, separate process, ETag/304)"

    def _launch(self) -> subprocess.Popen:
        return self._popen([sys.executable, str(Path(__file__).resolve()), "--root", str(self.docroot),
                            "--port", "0", "--log", str(self.access_log)], stdout=subprocess.PIPE)

    def _wait_ready(self, timeout: float) -> bool:
        """Ready when the child has printed the port it listens on (it binds port 0 itself: no race)."""
        assert self._proc is not None and self._proc.stdout is not None
        with self._proc.stdout as out:
            if not select.select([out], [], [], timeout)[0]:
                return False
            line = out.readline().strip()
        if not line.isdigit():
            return False
        self._port = int(line)
        return True


def self_check(server_class: type[FileServer]) -> None:
    """200 with ETag, 304 on If-None-Match / If-Modified-Since, 200 after a new body, 404, keep-alive."""
    import http.client

    with server_class().start() as server:
        print("server     ", server.describe(), "port", server.port)
        server.put("/feeds/00000.xml", b"<rss>one</rss>")
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
        sockets: list[Any] = []  # the socket of each response: one and the same if kept alive

        def get(path: str, **headers: str) -> tuple[int, str, str, int]:
            connection.request("GET", path, headers={k.replace("_", "-"): v for k, v in headers.items()})
            response = connection.getresponse()
            body = response.read()
            sockets.append(connection.sock)
            return (response.status, response.getheader("ETag", ""), response.getheader("Content-Type", ""),
                    len(body))

        status, etag, ctype, size = get("/feeds/00000.xml")
        print("first      ", status, etag, ctype, size, "bytes")
        print("if-none-match", get("/feeds/00000.xml", If_None_Match=etag)[:2])
        modified = formatdate(os.stat(server.docroot / "feeds" / "00000.xml").st_mtime, usegmt=True)
        print("if-modified-since = mtime", get("/feeds/00000.xml", If_Modified_Since=modified)[0])
        server.put("/feeds/00000.xml", b"<rss>one</rss>")
        print("same body  ", get("/feeds/00000.xml", If_None_Match=etag)[:2])
        server.put("/feeds/00000.xml", b"<rss>two</rss>")  # same size, same second
        status2, etag2, _, _ = get("/feeds/00000.xml", If_None_Match=etag)
        print("new body   ", status2, etag2)
        print("if-none-match", get("/feeds/00000.xml", If_None_Match=etag2)[:2])
        print("old if-modified-since + new etag", get("/feeds/00000.xml", If_None_Match=etag2,
                                                      If_Modified_Since=modified)[:2])
        print("404        ", get("/feeds/nope.xml")[:2])
        kept = all(s is sockets[0] for s in sockets)
        print("keep-alive ", f"{len(sockets)} requests on one connection" if kept else "reconnected")
        connection.close()
        server.settle()
        print("log        ", server.request_log())


if __name__ == "__main__":
    main()
