"""The bench's feeds served by a private nginx instance on 127.0.0.1 (when nginx is installed).

`NginxServer` has the interface bench/run.py uses from radar.sample_server.SampleServer — `start()`,
`stop()`, `port`, `url(path)`, `put(path, body)` — plus `request_log()`, the `(time, status)` of every
request so far, parsed from nginx's access log (`log_format bench '$msec $status $request_uri'`).

nginx runs as a non-daemon child (`nginx -p TMP -c TMP/nginx.conf -g 'daemon off;'`, one worker) with
everything — config, docroot, pid file, error and access logs, temp paths — in its own temp dir; the
system nginx service is never touched. Files are served from the docroot with nginx's own ETag and
Last-Modified, and 304s when the request's `If-None-Match` matches and its `If-Modified-Since`, if any,
is not before the file's mtime (`if_modified_since before`, see the config). nginx's ETag is
`"<mtime seconds hex>-<size hex>"`, so `put` replaces a file atomically (temp file in the same directory,
then os.replace) and gives a changed file an mtime at least one whole second later than its previous one:
the ETag changes even when two versions of the same size land in the same second.
A `put` of an unchanged body leaves the file (and its ETag) alone, as SampleServer does.

    python bench/nginx_server.py    # self-check: 200, 304 on If-None-Match, 200 again after put
"""

from __future__ import annotations

import getpass
import hashlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

CONF = """\
# nginx for bench/run.py (bench/nginx_server.py): one private instance, everything under {prefix}
{user}worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;

events {{
    worker_connections 4096;
}}

http {{
    types {{
        application/rss+xml xml;
    }}
    default_type application/octet-stream;
    charset utf-8;
    charset_types application/rss+xml;

    log_format bench '$msec $status $request_uri';
    access_log {prefix}/access.log bench;

    client_body_temp_path {prefix}/tmp/body;
    proxy_temp_path {prefix}/tmp/proxy;
    fastcgi_temp_path {prefix}/tmp/fastcgi;
    uwsgi_temp_path {prefix}/tmp/uwsgi;
    scgi_temp_path {prefix}/tmp/scgi;

    sendfile on;
    etag on;
    # nginx sends 304 only if *every* condition sent holds (it does not let If-None-Match override
    # If-Modified-Since as RFC 9110 says); urlwatch sends its last check time as If-Modified-Since, which
    # `exact` (nginx's default) takes as "modified": 200s for unchanged feeds. `before` = not modified
    # since that time; a changed file still gets a 200 since its ETag no longer matches.
    if_modified_since before;
    keepalive_requests 100000;
    keepalive_timeout 65;
    server_tokens off;

    server {{
        listen 127.0.0.1:{port};
        root {prefix}/www;
        location / {{
        }}
    }}
}}
"""


def nginx_exe() -> str | None:
    found = shutil.which("nginx")
    if found:
        return found
    for candidate in ("/usr/sbin/nginx", "/usr/local/sbin/nginx", "/usr/local/nginx/sbin/nginx"):
        if os.access(candidate, os.X_OK):
            return candidate
    return None


class NginxServer:
    """A private nginx serving the files published with `put`; `request_log()`: (time, status) per request."""

    def __init__(self, files: dict[str, bytes] | None = None) -> None:
        exe = nginx_exe()
        if exe is None:
            raise RuntimeError("nginx not found (PATH, /usr/sbin/nginx)")
        self.exe = exe
        self.prefix = Path(tempfile.mkdtemp(prefix="radar-bench-nginx-"))
        self.docroot = self.prefix / "www"
        self.docroot.mkdir()
        (self.prefix / "tmp").mkdir()
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
        return nginx_exe() is not None

    @property
    def port(self) -> int:
        return self._port

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
            # nginx's ETag is "<mtime seconds hex>-<size hex>": a changed file needs a later *second*
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

    def start(self) -> "NginxServer":
        if self._proc is not None and self._proc.poll() is None:
            return self  # already running (e.g. `with NginxServer().start() as server:`)
        last_error = ""
        for _ in range(5):  # the free port may be taken between probing and nginx's bind: retry
            self._port = _free_port()
            user = ""
            if os.geteuid() == 0:  # the master runs as root; workers need a user that can read the docroot
                user = f"user {_user_name()};\n"
            conf = CONF.format(prefix=self.prefix, port=self._port, user=user)
            (self.prefix / "nginx.conf").write_text(conf, encoding="utf-8")
            stderr = (self.prefix / "stderr.log").open("ab")
            try:
                self._proc = subprocess.Popen(
                    [self.exe, "-p", str(self.prefix), "-c", str(self.prefix / "nginx.conf"), "-e",
                     str(self.prefix / "error.log"), "-g", "daemon off;"],
                    stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=stderr,
                    start_new_session=True)  # its own process group: stop() can reach the worker too
            finally:
                stderr.close()
            if self._wait_listening(timeout=10):
                return self
            last_error = self._errors()
            self._kill()
        self.stop()
        raise RuntimeError(f"nginx did not start: {last_error}")

    def _wait_listening(self, timeout: float) -> bool:
        assert self._proc is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                return False
            try:
                with socket.create_connection(("127.0.0.1", self._port), timeout=0.5):
                    return True
            except OSError:
                time.sleep(0.02)
        return False

    def _errors(self) -> str:
        text = ""
        for name in ("stderr.log", "error.log"):
            try:
                text += (self.prefix / name).read_text(errors="replace")
            except OSError:
                pass
        return (text.strip().splitlines() or ["(no error output)"])[-1][:300]

    def _kill(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        if proc.poll() is None:
            proc.send_signal(signal.SIGQUIT)  # graceful: finish in-flight requests, close idle keep-alives
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
        try:  # the worker, should the master be gone or stuck (the group is nginx's own session)
            os.killpg(proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        proc.wait()

    def stop(self) -> None:
        self._kill()
        shutil.rmtree(self.prefix, ignore_errors=True)

    def __enter__(self) -> "NginxServer":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    # -- the access log ----------------------------------------------------------------------------------

    def request_log(self) -> list[tuple[float, int]]:
        """(time the response was done, status) of every request so far, in log order.

        nginx writes a log line (unbuffered: no `buffer=`) when it has finished a request, so once a client
        has received its responses and exited, its lines are there (see `settle` for the last microseconds).
        Read incrementally; the list returned is the server's own, appended to by later calls."""
        try:
            with (self.prefix / "access.log").open("rb") as handle:
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
        the client a moment before nginx writes its log line."""
        path = self.prefix / "access.log"
        deadline = time.monotonic() + limit
        size = path.stat().st_size if path.exists() else 0
        while time.monotonic() < deadline:
            time.sleep(quiet)
            now = path.stat().st_size if path.exists() else 0
            if now == size:
                return
            size = now


def _user_name() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "root"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _self_check() -> None:
    import urllib.error
    import urllib.request

    def get(url: str, etag: str | None = None) -> tuple[int, str, str]:
        request = urllib.request.Request(url, headers={"If-None-Match": etag} if etag else {})
        try:
            with urllib.request.urlopen(request, timeout=5) as response:
                headers = response.headers
                return response.status, headers.get("ETag", ""), headers.get("Content-Type", "")
        except urllib.error.HTTPError as error:
            return error.code, error.headers.get("ETag", ""), ""

    with NginxServer().start() as server:
        server.put("/feeds/00000.xml", b"<rss>one</rss>")
        url = server.url("/feeds/00000.xml")
        status, etag, ctype = get(url)
        print("first      ", status, etag, ctype)
        print("if-none-match", get(url, etag)[:2])
        server.put("/feeds/00000.xml", b"<rss>one</rss>")
        print("same body  ", get(url, etag)[:2])
        server.put("/feeds/00000.xml", b"<rss>two</rss>")  # same size, same second
        status2, etag2, _ = get(url, etag)
        print("new body   ", status2, etag2)
        print("if-none-match", get(url, etag2)[:2])
        print("404        ", get(server.url("/feeds/nope.xml"))[:2])
        server.settle()
        print("log        ", server.request_log())


if __name__ == "__main__":
    _self_check()
