"""The `webhook` kind: the contract's JSON payload POSTed with requests, optionally HMAC-signed."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, field_validator

from radar import USER_AGENT
from radar.errors import DeliveryError
from radar.models import Event

from .base import Channel, ChannelOptions, Timeout, scrub, short_url, url_secrets

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Renewal-Radar-Signature"
_BODY_SNIPPET = 120


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
        }
        if self.options.secret is not None:
            headers[SIGNATURE_HEADER] = sign(body, self.options.secret.get_secret_value())
        return headers

    def send(self, event: Event) -> None:
        import requests  # imported on first delivery: a `check` with nothing to send never pays for it

        body = body_bytes(event)
        target = self.describe()
        try:
            response = requests.post(self.options.url, data=body, headers=self.headers(event, body),
                                     timeout=self.options.timeout, allow_redirects=False)
        except requests.Timeout:
            raise self._error(f"timed out after {self.options.timeout:g} s ({target})") from None
        except requests.ConnectionError as exc:
            raise self._error(f"connection failed: {_cause(exc)} ({target})") from None
        except requests.RequestException as exc:
            raise self._error(f"request failed: {type(exc).__name__} ({target})") from None
        with response:
            if not 200 <= response.status_code < 300:
                snippet = " ".join(response.text[:_BODY_SNIPPET].split())
                detail = f": {snippet}" if snippet else ""
                raise self._error(f"HTTP {response.status_code} {response.reason or ''}".rstrip()
                                  + f" from {target}{detail}")
        log.info("webhook %s delivered %s (HTTP %s)", self.name, event.event_id, response.status_code)

    def _error(self, reason: str) -> DeliveryError:
        """A DeliveryError whose text holds neither the secret nor the URL's path or query."""
        secrets = url_secrets(self.options.url, public=short_url(self.options.url))
        if self.options.secret is not None:
            secrets.add(self.options.secret.get_secret_value())
        return DeliveryError(self.name, scrub(reason, secrets))


_ERRNO = re.compile(r"\[Errno -?\d+\] [^'\")\]]+|timed out|Name or service not known|Connection refused")


def _cause(exc: BaseException) -> str:
    """A short, URL-free reason from a requests connection error ("[Errno 111] Connection refused")."""
    match = _ERRNO.search(str(exc))
    return match.group(0).strip() if match else type(exc).__name__
