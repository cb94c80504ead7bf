"""Raw TCP servers on 127.0.0.1 that answer HTTP the way broken or hostile servers do: bytes that the
tests' HTTP server (local_site.LocalSite, which always sends a whole, well-formed answer) cannot send —
a body cut mid-item, a trickle of one byte every few seconds, a forward proxy."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable

Answer = Callable[[socket.socket], None]


class RawServer:
    """Accepts connections and hands each to `answer` (after reading the request head) in a thread;
    records when a client closed a connection the server was still writing to."""

    def __init__(self, answer: Answer) -> None:
        self.answer = answer
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = int(self.sock.getsockname()[1])
        self.requests: list[bytes] = []
        self.accepted = 0
        self.client_closed = threading.Event()
        self.stopping = threading.Event()
        threading.Thread(target=self._serve, daemon=True).start()

    def url(self, path: str = "/feed.xml") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def _serve(self) -> None:
        while not self.stopping.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.accepted += 1
            threading.Thread(target=self._one, args=(conn,), daemon=True).start()

    def _one(self, conn: socket.socket) -> None:
        with conn:
            head = b""
            while b"\r\n\r\n" not in head:
                chunk = conn.recv(4096)
                if not chunk:
                    return
                head += chunk
            self.requests.append(head)
            try:
                self.answer(conn)
            except (BrokenPipeError, ConnectionResetError):
                self.client_closed.set()

    def close(self) -> None:
        self.stopping.set()
        self.sock.close()


def respond(head: str, body: bytes = b"") -> Answer:
    """Send `head` (status line and headers, CRLF-joined by the caller) and `body`, then close."""
    def answer(conn: socket.socket) -> None:
        conn.sendall(head.encode("latin-1") + b"\r\n\r\n" + body)
    return answer


def trickle(every: float, sent: list[int], head: bool = True) -> Answer:
    """Send the status line and headers (unless not `head`), then one body byte every `every` seconds,
    forever; `sent` counts the body bytes written."""
    def answer(conn: socket.socket) -> None:
        if head:
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\n"
                         b"Content-Length: 999999\r\n\r\n")
        while True:
            conn.sendall(b"<" if head else b"H")
            sent.append(1)
            time.sleep(every)
    return answer


class Proxy:
    """A forward HTTP proxy on 127.0.0.1: absolute-URI requests are relayed (one request per connection),
    CONNECT opens a tunnel; `seen` records each request line and its Proxy-Authorization."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, str | None]] = []
        self.server = RawServer(self._answer)
        self.url = f"http://user:p%40ss@127.0.0.1:{self.server.port}"

    def _answer(self, conn: socket.socket) -> None:
        head = self.server.requests[-1]
        lines = head.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")
        auth = next((v.strip() for k, _, v in (line.partition(":") for line in lines[1:])
                     if k.lower() == "proxy-authorization"), None)
        self.seen.append((lines[0], auth))
        method, target, _ = lines[0].split(" ", 2)
        if method == "CONNECT":
            host, _, port = target.rpartition(":")
            upstream = socket.create_connection((host, int(port)), timeout=10)
            conn.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
            threading.Thread(target=_pipe, args=(conn, upstream), daemon=True).start()
            _pipe(upstream, conn)
            return
        url = target.split("://", 1)[1]
        hostport, _, path = url.partition("/")
        host, _, port = hostport.partition(":")
        kept = [line for line in lines[1:] if not line.lower().startswith(("proxy-", "connection:"))]
        request = "\r\n".join([f"{method} /{path} HTTP/1.1", *kept, "Connection: close", "", ""])
        with socket.create_connection((host, int(port or 80)), timeout=10) as upstream:
            upstream.sendall(request.encode("latin-1"))
            _pipe(upstream, conn)

    def close(self) -> None:
        self.server.close()


def _pipe(source: socket.socket, sink: socket.socket) -> None:
    """Copy bytes until `source` closes, then close the writing side of `sink`."""
    try:
        while data := source.recv(65536):
            sink.sendall(data)
        sink.shutdown(socket.SHUT_WR)
    except OSError:
        pass
