"""Turning a fetched response into a FetchResult: shared by the Scrapy spiders and the feed reader."""

from __future__ import annotations

import functools
import logging
import threading
import time
from collections.abc import Mapping
from typing import Any

from radar.app import plugins
from radar.domain.errors import ParseError
from radar.domain.models import FetchResult, Source, Validators

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
    common: dict[str, Any] = {"source": source.name, "elapsed": elapsed,
                              "conditional": bool(request_headers(sent))}
    if status == 304:
        return FetchResult(outcome="not_modified", etag=etag or (sent.etag if sent else None),
                           last_modified=last_modified or (sent.last_modified if sent else None),
                           **common)
    try:
        parsed = plugins.source_kinds()[source.kind].read(source, body, url, lower,
                                                          sent.seen_entries if sent else "")
    except ParseError as exc:
        logger.warning("%s", exc)
        return FetchResult(outcome="error", error=exc.problem, **common)
    except Exception as exc:  # a bug in a parser must not lose the other sources
        logger.exception("source %r (%s): parser failed", source.name, url)
        return FetchResult(outcome="error", error=f"could not parse: {type(exc).__name__}: {exc}"[:200],
                           **common)
    return FetchResult(outcome="ok", articles=parsed.articles, etag=etag, last_modified=last_modified,
                       warning=parsed.warning, fingerprints=parsed.fingerprints, **common)


DEFAULT_PARSE_BUDGET = 5.0  # seconds of parsing one response may take ([schedule] parse_budget)
PARSE_THREADS = 2           # a runaway parse holds one of them; the other keeps reading the other sources


class ParsePool:
    """Parses responses (`result_from_response`: bytes in, plain data out) in worker threads, so the
    reactor keeps serving every other source, delivery and /healthz while a large body is read.

    Each parse has a time budget counted from when a worker starts it: a parse over it yields the
    source's error "took too long to parse" at once, and the cycle goes on. A thread cannot be killed,
    so the runaway parse runs to its end in the background and its articles are dropped; what bounds
    it is that every text path is linear and every field cut before it is scanned (issue 16, item 1),
    so it ends in about a second even for a 5 MB body. (A worker process could be killed, but would
    cost a process per parser and a copy of every body and result for a case the cuts already bound.)
    """

    def __init__(self, reactor: Any, budget: float = DEFAULT_PARSE_BUDGET,
                 threads: int = PARSE_THREADS) -> None:
        self.reactor, self.budget, self.threads = reactor, budget, threads
        self.pool: Any = None  # made on the first body (a cycle of 304s never starts a thread)
        self.overrun = 0  # parses that went over the budget (still running or finished late)

    def parse(self, source: Source, status: int, body: bytes, url: str, headers: Mapping[str, str],
              sent: Validators | None, elapsed: float) -> Any:
        """Deferred firing with the FetchResult of the response, or the source's "took too long to
        parse" error once the parse has run for longer than the budget."""
        from twisted.internet import defer
        from twisted.internet.threads import deferToThreadPool

        if status == 304:  # nothing to parse
            return defer.succeed(result_from_response(source, status, body, url, headers, sent, elapsed))
        if self.pool is None:
            from twisted.python.threadpool import ThreadPool

            self.pool = ThreadPool(0, self.threads, name="radar-parse")
            self.pool.threadFactory = functools.partial(threading.Thread, daemon=True)  # never holds an exit
            self.pool.start()
        def abandon(deferred: defer.Deferred[FetchResult]) -> None:  # the poll was cancelled (shutdown)
            deferred.callback(FetchResult(source.name, "error", error="not polled: the parse was abandoned",
                                          elapsed=elapsed))

        outcome: defer.Deferred[FetchResult] = defer.Deferred(abandon)
        timer: list[Any] = []

        def too_long() -> None:
            if not outcome.called:
                self.overrun += 1
                logger.warning("source %r (%s): took too long to parse (over %gs); not read this time",
                               source.name, url, self.budget)
                outcome.callback(FetchResult(source.name, "error", elapsed=elapsed,
                                             error=f"took too long to parse (over {self.budget:g}s)",
                                             conditional=bool(request_headers(sent))))

        def begin() -> None:  # on the reactor thread, as the worker starts
            timer.append(self.reactor.callLater(self.budget, too_long))

        def work() -> tuple[FetchResult, float]:
            self.reactor.callFromThread(begin)
            began = time.monotonic()
            result = result_from_response(source, status, body, url, headers, sent, elapsed)
            return result, time.monotonic() - began

        def finished(done: tuple[FetchResult, float]) -> None:
            result, took = done
            if timer and timer[0].active():
                timer[0].cancel()
            if outcome.called:
                logger.info("source %r: the parse over budget ended after %.1fs; its result is dropped",
                            source.name, took)
            elif took > self.budget:  # the reactor was too busy to fire the timer first
                too_long()
            else:
                outcome.callback(result)

        def failed(failure: Any) -> None:
            if timer and timer[0].active():
                timer[0].cancel()
            if not outcome.called:
                outcome.errback(failure)

        deferToThreadPool(self.reactor, self.pool, work).addCallbacks(finished, failed)
        return outcome

    def stop(self) -> None:
        """Let the workers end once idle (never waiting for them here: a parse may still be running)."""
        pool, self.pool = self.pool, None
        if pool is not None:
            threading.Thread(target=pool.stop, name="radar-parse-stop", daemon=True).start()


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
    if isinstance(exc, defer.TimeoutError | defer.CancelledError | error.TimeoutError
                  | error.TCPTimedOutError):
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
