"""Turning a fetched response into a FetchResult: shared by the Scrapy spiders and the feed reader."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from radar.errors import ParseError
from radar.models import FetchResult, Source, Validators
from spiders.base import SourceKind

logger = logging.getLogger(__name__)


class TooLarge(Exception):
    """The body passed the size cap; the download was stopped."""


class BadEncoding(Exception):
    """A compressed body that does not inflate (the message says how)."""


def request_headers(validators: Validators | None) -> dict[str, str]:
    """The conditional request headers from what a source last answered."""
    headers: dict[str, str] = {}
    if validators and validators.etag:
        headers["If-None-Match"] = validators.etag
    if validators and validators.last_modified:
        headers["If-Modified-Since"] = validators.last_modified
    return headers


def result_from_response(source: Source, status: int, body: bytes, url: str,
                         headers: Mapping[str, str], sent: Validators | None,
                         elapsed: float) -> FetchResult:
    """304: not_modified without parsing; otherwise parse with the source's kind."""
    lower = {k.lower(): v for k, v in headers.items()}
    etag, last_modified = lower.get("etag"), lower.get("last-modified")
    common: dict[str, Any] = {"source": source.name, "http_status": status, "elapsed": elapsed,
                              "conditional": bool(request_headers(sent))}
    if status == 304:
        return FetchResult(outcome="not_modified", etag=etag or (sent.etag if sent else None),
                           last_modified=last_modified or (sent.last_modified if sent else None),
                           **common)
    try:
        parsed = SourceKind.registry[source.kind].read(source, body, url, lower, sent.seen_entries if sent else "")
    except ParseError as exc:
        logger.warning("%s", exc)
        return FetchResult(outcome="error", error=exc.problem, **common)
    except Exception as exc:  # a bug in a parser must not lose the other sources
        logger.exception("source %r (%s): parser failed", source.name, url)
        return FetchResult(outcome="error", error=f"could not parse: {type(exc).__name__}: {exc}"[:200],
                           **common)
    return FetchResult(outcome="ok", articles=parsed.articles, etag=etag, last_modified=last_modified,
                       warning=parsed.warning, fingerprints=parsed.fingerprints, **common)


def size_text(n: int) -> str:
    for unit, scale in (("MB", 2**20), ("KB", 2**10)):
        if n >= scale:
            return f"{n / scale:g} {unit}" if n % scale == 0 else f"{n / scale:.1f} {unit}"
    return f"{n} bytes"


def describe_error(exc: BaseException, timeout: float, max_bytes: int) -> str:
    """A short human reason for a request that failed in Twisted (feed reader and spiders alike)."""
    from twisted.internet import defer, error
    from twisted.web.error import InfiniteRedirection, RedirectWithNoLocation

    reasons = getattr(exc, "reasons", None)  # ResponseFailed / ResponseNeverReceived wrap the causes
    if reasons is not None:
        inner = [f.value for f in reasons if not isinstance(f.value, error.ConnectionDone)]
        if any(isinstance(e, TooLarge) for e in inner):
            return f"response larger than {size_text(max_bytes)}"
        if any(isinstance(e, defer.CancelledError | defer.TimeoutError) for e in inner):
            return f"timed out after {timeout:g}s"
        return "connection lost before the response was complete"
    if isinstance(exc, TooLarge):
        return f"response larger than {size_text(max_bytes)}"
    if isinstance(exc, BadEncoding):
        return str(exc)[:200]
    if isinstance(exc, defer.TimeoutError | defer.CancelledError | error.TimeoutError | error.TCPTimedOutError):
        return f"timed out after {timeout:g}s"
    if isinstance(exc, error.ConnectionRefusedError):
        return "connection refused"
    if isinstance(exc, error.DNSLookupError):
        return "host not found (DNS lookup failed)"
    if isinstance(exc, InfiniteRedirection | RedirectWithNoLocation):
        return "too many redirects"
    if isinstance(exc, error.ConnectionLost | error.ConnectionDone):
        return "connection lost before the response was complete"
    first = (str(exc).splitlines() or [""])[0]
    return f"{type(exc).__name__}: {first}"[:200].rstrip(": ")
