"""The bench's feeds served by a private nginx instance on 127.0.0.1 (when nginx is installed).

`NginxServer` is a `feed_server.FileServer` (bench/feed_server.py), as is the Python fallback
`PythonFeedServer`: the interface bench/run.py uses — `start()`, `stop()`, `port`, `url(path)`,
`put(path, body)`, `request_log()` (the `(time, status)` of every request so far, parsed from the access log,
`log_format bench '$msec $status $request_uri'`), `settle()`, `cpu_seconds()` — lives there; this file only
says how nginx is configured, started and known to be listening.

nginx runs as a non-daemon child (`nginx -p TMP -c TMP/nginx.conf -g 'daemon off;'`, one worker) with
everything — config, docroot, pid file, error and access logs, temp paths — in its own temp dir; the
system nginx service is never touched. Files are served from the docroot with nginx's own ETag and
Last-Modified, and 304s when the request's `If-None-Match` matches and its `If-Modified-Since`, if any,
is not before the file's mtime (`if_modified_since before`, see the config). nginx's ETag is
`"<mtime seconds hex>-<size hex>"`, so `put` replaces a file atomically (temp file in the same directory,
then os.replace) and gives a changed file an mtime at least one whole second later than its previous one:
the ETag changes even when two versions of the same size land in the same second.
A `put` of an unchanged body leaves the file (and its ETag) alone.

    python bench/nginx_server.py    # self-check: 200, 304s, 200 again after put, 404, keep-alive
"""

from __future__ import annotations

import getpass
import os
import shutil
import signal
import socket
import subprocess
import time

from feed_server import FileServer, self_check  # bench/ is on sys.path (run.py, or run as a script)

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


class NginxServer(FileServer):
    """A private nginx serving the files published with `put`; `request_log()`: (time, status) per request."""

    name = "nginx"
    temp_prefix = "radar-bench-nginx-"
    stop_signal = signal.SIGQUIT  # graceful: finish in-flight requests, close idle keep-alives
    error_files = ("stderr.log", "error.log")

    def __init__(self, files: dict[str, bytes] | None = None) -> None:
        exe = nginx_exe()
        if exe is None:
            raise RuntimeError("nginx not found (PATH, /usr/sbin/nginx)")
        self.exe = exe
        super().__init__(files)
        (self.prefix / "tmp").mkdir()

    @staticmethod
    def available() -> bool:
        return nginx_exe() is not None

    def describe(self) -> str:
        version = subprocess.run([self.exe, "-v"], capture_output=True, text=True).stderr.strip()
        return f"{version.split(': ', 1)[-1] or 'nginx'} (private instance, 1 worker, ETag/304)"

    def _launch(self) -> subprocess.Popen:
        self._port = _free_port()  # may be taken before nginx binds it: start() then retries
        user = ""
        if os.geteuid() == 0:  # the master runs as root; workers need a user that can read the docroot
            user = f"user {_user_name()};\n"
        conf = CONF.format(prefix=self.prefix, port=self._port, user=user)
        (self.prefix / "nginx.conf").write_text(conf, encoding="utf-8")
        return self._popen([self.exe, "-p", str(self.prefix), "-c", str(self.prefix / "nginx.conf"), "-e",
                            str(self.prefix / "error.log"), "-g", "daemon off;"])

    def _wait_ready(self, timeout: float) -> bool:
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


def _user_name() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "root"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


if __name__ == "__main__":
    self_check(NginxServer)
