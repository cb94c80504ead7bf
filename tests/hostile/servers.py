"""Raw TCP servers on 127.0.0.1 that answer HTTP the way broken or hostile servers do."""

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
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\nContent-Length: 999999\r\n\r\n")
        while True:
            conn.sendall(b"<" if head else b"H")
            sent.append(1)
            time.sleep(every)
    return answer
