"""The `webhook` kind: the contract's JSON payload POSTed with requests, optionally HMAC-signed."""

from __future__ import annotations

import contextlib
import functools
import hashlib
import hmac
import json
import logging
import re
import socket
import threading
from types import TracebackType
from typing import Any, Self
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, field_validator

from radar import USER_AGENT
from radar.domain.channel import Channel, ChannelOptions, Timeout
from radar.domain.errors import DeliveryError
from radar.domain.models import Event
from radar.domain.secret import short_url

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Renewal-Radar-Signature"
_BODY_SNIPPET = 120
ERROR_BODY_MAX = 65536  # bytes of a receiver's error answer read (for the snippet); the rest is never read


def body_bytes(event: Event) -> bytes:
    """The exact bytes POSTed: compact JSON of event.payload(), UTF-8, non-ASCII kept."""
    return json.dumps(event.payload(), ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def sign(body: bytes, secret: str) -> str:
    """The signature header value: `sha256=<hex HMAC-SHA256 of body>`."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def verify_signature(body: bytes, header: str, secret: str) -> bool:
    """True when `header` is the valid `sha256=…` signature of `body` with `secret` (constant time)."""
    if not header or not header.startswith("sha256="):
        return False
    return hmac.compare_digest(sign(body, secret), header.strip())


class WebhookChannel(Channel, kind="webhook"):
    """POST the structured JSON payload to your own endpoint (HMAC-signed when a secret is set)."""

    class Options(ChannelOptions):
        """url: http(s) endpoint; secret: optional HMAC key; timeout: seconds (default 10)."""

        url: str = Field(repr=False)
        secret: SecretStr | None = None
        timeout: Timeout = 10.0

        @field_validator("url")
        @classmethod
        def _http_url(cls, value: str) -> str:
            parts = urlsplit(value.strip())
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise ValueError("must be an http:// or https:// URL with a host")
            return value.strip()

    secret_fields = ("url", "secret")
    options: Options

    def describe(self) -> str:
        return short_url(self.options.url)

    def mask_option(self, key: str, value: object) -> str:
        return short_url(str(value)) if key == "url" else super().mask_option(key, value)

    def headers(self, event: Event, body: bytes) -> dict[str, str]:
        """The request headers for one delivery."""
        headers = {
            "Content-Type": "application/json",
            "Idempotency-Key": event.event_id,
            "User-Agent": USER_AGENT,
            "Accept-Encoding": "identity",  # an error body is read raw, capped: never inflated
        }
        if self.options.secret is not None:
            headers[SIGNATURE_HEADER] = sign(body, self.options.secret.get_secret_value())
        return headers

    def send(self, event: Event) -> None:
        """POST the event; the whole request (connect, send, answer) ends within `timeout` seconds."""
        import requests  # imported on first delivery: a `check` with nothing to send never pays for it

        body = body_bytes(event)
        target = self.describe()
        timeout = self.options.timeout
        session = requests.Session()
        adapter = _adapter_class()()
        session.mount("http://", adapter)
        session.mount("https://", adapter)
        deadline = Deadline(timeout)
        try:
            with deadline:
                response = session.post(self.options.url, data=body, headers=self.headers(event, body),
                                        timeout=timeout, allow_redirects=False, stream=True)
                with response:
                    status, reason = response.status_code, response.reason or ""
                    text = "" if 200 <= status < 300 else _error_text(response)
        except (requests.RequestException, OSError) as exc:
            if deadline.expired or isinstance(exc, requests.Timeout):
                raise self._error(f"timed out after {timeout:g} s ({target})") from None
            if isinstance(exc, requests.ConnectionError):
                raise self._error(f"connection failed: {_cause(exc)} ({target})") from None
            raise self._error(f"request failed: {type(exc).__name__} ({target})") from None
        finally:
            session.close()
        if not 200 <= status < 300:
            snippet = " ".join(text[:_BODY_SNIPPET].split())
            detail = f": {snippet}" if snippet else ""
            raise self._error(f"HTTP {status} {reason}".rstrip() + f" from {target}{detail}")
        log.info("webhook %s delivered %s (HTTP %s)", self.name, event.event_id, status)

    def _error(self, reason: str) -> DeliveryError:
        """A DeliveryError whose text holds neither the secret nor the URL's path or query."""
        return DeliveryError(self.name, self.secrets().mask(reason))


_ERRNO = re.compile(r"\[Errno -?\d+\] [^'\")\]]+|timed out|Name or service not known|Connection refused")


def _cause(exc: BaseException) -> str:
    """A short, URL-free reason from a requests connection error ("[Errno 111] Connection refused")."""
    match = _ERRNO.search(str(exc))
    return match.group(0).strip() if match else type(exc).__name__


def _error_text(response: Any) -> str:
    """The start of an error answer: at most ERROR_BODY_MAX bytes, whatever the receiver sends."""
    try:
        data = response.raw.read(ERROR_BODY_MAX, decode_content=False) or b""
    except Exception:  # noqa: BLE001 (urllib3 and http.client raise many kinds when an answer breaks off)
        return ""
    return data.decode(response.encoding or "utf-8", "replace")


_watching = threading.local()  # the Deadline of the request this thread is making, if any


class Deadline:
    """A bound on a whole request, not on each read: when it expires, every socket the request opened
    (registered by the connection classes of `_adapter_class`) is shut down, so a receiver that
    trickles its answer cannot hold a delivery past it."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.sockets: list[socket.socket] = []
        self.expired = False
        self.lock = threading.Lock()
        self.timer = threading.Timer(seconds, self.expire)
        self.timer.daemon = True

    def __enter__(self) -> Self:
        _watching.deadline = self
        self.timer.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.timer.cancel()
        _watching.deadline = None

    def watch(self, sock: socket.socket) -> None:
        """Shut `sock` down when the deadline expires (at once if it has)."""
        with self.lock:
            self.sockets.append(sock)
            if not self.expired:
                return
        _shut(sock)

    def expire(self) -> None:
        with self.lock:
            self.expired = True
            sockets = list(self.sockets)
        for sock in sockets:
            _shut(sock)


def _shut(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):  # closed already
        sock.shutdown(socket.SHUT_RDWR)


@functools.cache
def _adapter_class() -> type[Any]:
    """A requests adapter whose connections register their sockets with the thread's Deadline."""
    from requests.adapters import HTTPAdapter
    from urllib3.connection import HTTPConnection, HTTPSConnection
    from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

    class Watched:
        def _new_conn(self) -> socket.socket:
            sock: socket.socket = super()._new_conn()  # type: ignore[misc]
            deadline = getattr(_watching, "deadline", None)
            if deadline is not None:
                deadline.watch(sock)
            return sock

    class WatchedHTTP(Watched, HTTPConnection):
        pass

    class WatchedHTTPS(Watched, HTTPSConnection):
        pass

    class HTTPPool(HTTPConnectionPool):
        ConnectionCls = WatchedHTTP

    class HTTPSPool(HTTPSConnectionPool):
        ConnectionCls = WatchedHTTPS

    classes = {"http": HTTPPool, "https": HTTPSPool}

    class WatchedAdapter(HTTPAdapter):
        def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
            super().init_poolmanager(*args, **kwargs)
            self.poolmanager.pool_classes_by_scheme = classes

        def proxy_manager_for(self, proxy: str, **kwargs: Any) -> Any:
            manager = super().proxy_manager_for(proxy, **kwargs)
            if hasattr(manager, "pool_classes_by_scheme"):
                manager.pool_classes_by_scheme = classes
            return manager

    return WatchedAdapter
