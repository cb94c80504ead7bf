"""A real SMTP server on 127.0.0.1 (aiosmtpd) that keeps every message it receives, for tests.

    with SmtpSink() as sink:                      # or SmtpSink(user="radar", password="pw")
        url = f"mailto://radar:pw@127.0.0.1:{sink.port}?from=radar@example.org&to=me@example.org"
        ...
        msg = sink.wait_for(1)[0]                 # email.message.Message
"""

from __future__ import annotations

import email
import email.policy
import socket
import threading
import time
from email.message import Message
from types import TracebackType
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword, Session


def free_port(host: str = "127.0.0.1") -> int:
    """A port nothing listens on right now (aiosmtpd's Controller(port=0) fails its own check)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


class _Handler:
    def __init__(self, sink: SmtpSink) -> None:
        self.sink = sink

    async def handle_DATA(self, server: Any, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or envelope.content or b""
        data = raw if isinstance(raw, bytes) else raw.encode("utf-8")
        parsed = email.message_from_bytes(data, policy=email.policy.default)
        with self.sink.lock:
            self.sink.messages.append(parsed)
            self.sink.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 OK"


class SmtpSink:
    """Context manager: a plain (no TLS) SMTP server on a free port; `.port`, `.messages`, `.logins`.

    AUTH PLAIN/LOGIN is offered over plain text; with `user`/`password` set, other credentials are
    refused (535), otherwise any login is accepted.
    """

    def __init__(self, host: str = "127.0.0.1", user: str | None = None, password: str | None = None) -> None:
        self.host = host
        self.user, self.password = user, password
        self.port = 0
        self.messages: list[Message] = []
        self.envelopes: list[tuple[str | None, list[str]]] = []
        self.logins: list[str] = []
        self.lock = threading.Lock()
        self._controller: Controller | None = None

    def _authenticate(self, server: Any, session: Session, envelope: Envelope, mechanism: str,
                      auth_data: Any) -> AuthResult:
        if not isinstance(auth_data, LoginPassword):
            return AuthResult(success=False, handled=False)
        login = auth_data.login.decode("utf-8", "replace")
        password = auth_data.password.decode("utf-8", "replace")
        ok = self.user is None or (login == self.user and password == self.password)
        if ok:
            self.logins.append(login)
        return AuthResult(success=ok, handled=False)

    def start(self) -> SmtpSink:
        """Start on a free port (retrying once if another process grabbed it)."""
        for attempt in range(3):
            self.port = free_port(self.host)
            controller = Controller(_Handler(self), hostname=self.host, port=self.port,
                                    authenticator=self._authenticate, auth_require_tls=False,
                                    ready_timeout=5.0)
            try:
                controller.start()
            except Exception:
                if attempt == 2:
                    raise
                continue
            self._controller = controller
            return self
        raise RuntimeError("unreachable")

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def wait_for(self, count: int = 1, timeout: float = 5.0) -> list[Message]:
        """The messages once at least `count` arrived (AssertionError after `timeout` seconds)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.messages) >= count:
                    return list(self.messages)
            time.sleep(0.02)
        raise AssertionError(f"expected {count} message(s), got {len(self.messages)}")

    def __enter__(self) -> SmtpSink:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()
