"""Poll every source once, concurrently, and turn each into one `FetchResult`.

Feeds are read by the light `radar.app.fetch.feedreader.FeedReader`; html listing pages are crawled by the
Scrapy `SourcesSpider` (robots.txt, CSS selectors). Both run in the caller's Twisted reactor and share
`radar.app.fetch.results`. Scrapy is imported only when a page is crawled, so polling feeds starts fast.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from radar import USER_AGENT
from radar.app import plugins
from radar.app.fetch.results import (
    DEFAULT_PARSE_BUDGET,
    ParsePool,
    describe_error,
    request_headers,
    size_text,
)
from radar.domain.models import FetchResult, Show, Source, Validators
from radar.domain.secret import Masker, strip_credentials
from radar.domain.source_kind import Fetch

__all__ = ["PollRunner", "crawl_deferred", "crawler_settings", "describe_failure", "install_reactor"]

if TYPE_CHECKING:
    from scrapy import Spider
    from scrapy.crawler import CrawlerRunner
    from scrapy.http import Response
    from twisted.internet.defer import Deferred
    from twisted.python.failure import Failure

logger = logging.getLogger(__name__)

ASYNCIO_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
DEFAULT_TIMEOUT = 20.0
DEFAULT_MAX_BYTES = 5 * 2**20
DEFAULT_PER_HOST = 4


def crawler_settings(timeout: float = DEFAULT_TIMEOUT, max_bytes: int = DEFAULT_MAX_BYTES,
                     per_host: int = DEFAULT_PER_HOST) -> dict[str, Any]:
    """Scrapy settings for polling sources: no retries, cookies, cache, telnet or remote control."""
    return {
        "USER_AGENT": USER_AGENT,
        "DOWNLOAD_TIMEOUT": timeout,
        "DNS_TIMEOUT": timeout,
        "DOWNLOAD_MAXSIZE": max_bytes,
        "DOWNLOAD_WARNSIZE": 0,
        "RETRY_ENABLED": False,  # the scheduler polls again later
        "COOKIES_ENABLED": False,
        "REDIRECT_ENABLED": True,
        "ROBOTSTXT_OBEY": True,  # html only: feed requests carry meta dont_obey_robotstxt
        "CONCURRENT_REQUESTS": max(16, per_host),
        "CONCURRENT_REQUESTS_PER_DOMAIN": per_host,
        "HTTPERROR_ALLOWED_CODES": [304],
        "HTTPCACHE_ENABLED": False,
        "TELNETCONSOLE_ENABLED": False,
        "REMOTE_CONTROL_ENABLED": False,  # Scrapy 2.19 starts a code-executing HTTP server by default
        "LOGSTATS_INTERVAL": 0,
        "LOG_LEVEL": "WARNING",
        "TWISTED_REACTOR": ASYNCIO_REACTOR,
        # Polling costs per request, so load only the components a poll uses: each item-less response
        # otherwise fans out into CONCURRENT_ITEMS asyncio tasks, and every listed component (even one
        # set to None) is imported at start-up.
        "CONCURRENT_ITEMS": 1,
        "STATS_CLASS": "scrapy.statscollectors.DummyStatsCollector",
        "EXTENSIONS_BASE": {},
        "DOWNLOADER_MIDDLEWARES_BASE": {f"scrapy.downloadermiddlewares.{name}": order
                                        for name, order in _DOWNLOADER_MIDDLEWARES.items()},
        "SPIDER_MIDDLEWARES_BASE": {f"scrapy.spidermiddlewares.{name}": order
                                    for name, order in _SPIDER_MIDDLEWARES.items()},
        "DOWNLOAD_HANDLERS_BASE": {"http": _HTTP_HANDLER, "https": _HTTP_HANDLER},
    }


_HTTP_HANDLER = "scrapy.core.downloader.handlers.http11.HTTP11DownloadHandler"
# Scrapy's own orders; left out: offsite, httpauth, retry, meta refresh, cookies, stats, cache.
_DOWNLOADER_MIDDLEWARES = {"robotstxt.RobotsTxtMiddleware": 100,
                           "downloadtimeout.DownloadTimeoutMiddleware": 350,
                           "defaultheaders.DefaultHeadersMiddleware": 400,
                           "useragent.UserAgentMiddleware": 500,
                           "httpcompression.HttpCompressionMiddleware": 590,
                           "redirect.RedirectMiddleware": 600,
                           "httpproxy.HttpProxyMiddleware": 750}
_SPIDER_MIDDLEWARES = {"start.StartSpiderMiddleware": 25, "httperror.HttpErrorMiddleware": 50,
                       "referer.RefererMiddleware": 700}


class PollRunner:
    """Polls sources in a running reactor: feeds through the light `FeedReader`, html listing pages
    through a Scrapy CrawlerRunner made on first use (so polling feeds alone never imports Scrapy)."""

    def __init__(self, timeout: float = DEFAULT_TIMEOUT, max_bytes: int = DEFAULT_MAX_BYTES,
                 per_host: int = DEFAULT_PER_HOST, shows: Sequence[Show] = (),
                 parse_budget: float = DEFAULT_PARSE_BUDGET) -> None:
        import threading

        self.timeout, self.max_bytes, self.per_host = timeout, max_bytes, per_host
        self.parse_budget = parse_budget
        self._parser: ParsePool | None = None
        self.shows = tuple(shows)  # the watchlist, for kinds that query by show (anilist)
        self.closing = threading.Event()  # set by stop(): kinds polling in threads end their waits
        self.polls: set[Any] = set()  # polls of kinds that fetch themselves, in flight
        self.settings = crawler_settings(timeout, max_bytes, per_host)
        self._scrapy: CrawlerRunner | None = None
        self._reader: Any = None

    @property
    def crawlers(self) -> set[Any]:
        """Work in flight (Scrapy crawlers and feed reads): empty when this runner is idle."""
        busy = set(self._scrapy.crawlers) if self._scrapy else set()
        return busy | (set(self._reader.in_flight) if self._reader else set()) | self.polls

    def scrapy_runner(self) -> CrawlerRunner:
        if self._scrapy is None:
            from scrapy.crawler import CrawlerRunner

            self._scrapy = CrawlerRunner(self.settings)
        return self._scrapy

    def parser(self) -> ParsePool:
        """Where feeds and pages are parsed: worker threads, each parse within `parse_budget`."""
        if self._parser is None:
            from twisted.internet import reactor

            self._parser = ParsePool(reactor, self.parse_budget)
        return self._parser

    def feed_reader(self) -> Any:
        if self._reader is None:
            from twisted.internet import reactor

            from radar.app.fetch.feedreader import FeedReader

            self._reader = FeedReader(reactor, self.timeout, self.max_bytes, self.per_host,
                                      parser=self.parser())
        return self._reader

    def stop(self) -> Deferred[Any]:
        """Stop crawls and reads in flight and close connections."""
        from twisted.internet import defer

        self.closing.set()
        waits = [self._scrapy.stop()] if self._scrapy else []
        if self._reader is not None:
            waits.append(self._reader.stop())
        if self._parser is not None:
            self._parser.stop()  # idle workers end; a parse still running finishes in the background
        return defer.DeferredList(waits, consumeErrors=True)


def crawl_deferred(runner: PollRunner, sources: Sequence[Source],
                   validators: Mapping[str, Validators]) -> Deferred[list[FetchResult]]:
    """Poll `sources` in a reactor the caller runs; fires with one FetchResult per source, in order.

    Feeds are read by the feed reader, html listing pages crawled by the Scrapy spider.
    """
    from twisted.internet import defer

    if not sources:
        return defer.succeed([])
    registry = plugins.source_kinds()
    by_fetch: dict[Fetch, list[Source]] = {how: [] for how in Fetch}
    for s in sources:
        if s.kind in registry:
            by_fetch[registry[s.kind].fetch].append(s)
    unknown = [FetchResult(s.name, "error", error=f"unknown source kind {s.kind!r}")
               for s in sources if s.kind not in registry]
    own: dict[str, list[Source]] = {}  # kinds that poll their own sources (an API), by kind
    for s in by_fetch[Fetch.API]:
        own.setdefault(s.kind, []).append(s)
    feeds, pages = by_fetch[Fetch.FEED], by_fetch[Fetch.PAGE]
    parts = [defer.succeed(unknown)]
    for kind, group in own.items():
        polled = registry[kind].poll(runner, group, validators)
        runner.polls.add(polled)
        polled.addBoth(_forget, runner.polls, polled)
        parts.append(polled)
    if feeds:
        parts.append(runner.feed_reader().read(feeds, validators))
    if pages:
        parts.append(_crawl_pages(runner.scrapy_runner(), pages, validators, runner.parser()))
    position = {s.name: i for i, s in reversed(list(enumerate(sources)))}
    urls = {s.name: s.url for s in sources}

    def merge(lists: list[list[FetchResult]]) -> list[FetchResult]:
        results = sorted((r for part in lists for r in part), key=lambda r: position.get(r.source, 0))
        return [_no_credentials(r, urls.get(r.source, "")) for r in results]

    return defer.gatherResults(parts, consumeErrors=True).addCallback(merge)


def _no_credentials(result: FetchResult, url: str) -> FetchResult:
    """The result with no URL credentials in its error or warning (they are stored and served): every
    URL's `user:password@` removed, and the password of the source's own `url` masked wherever it is."""
    masker = Masker()
    masker.add_url(url)

    def clean(text: str | None) -> str | None:
        return masker.mask(strip_credentials(text)) if text else text

    error, warning = clean(result.error), clean(result.warning)
    if (error, warning) == (result.error, result.warning):
        return result
    return dataclasses.replace(result, error=error, warning=warning)


def _forget(result: Any, polls: set[Any], polled: Any) -> Any:
    polls.discard(polled)
    return result


def _crawl_pages(runner: CrawlerRunner, sources: Sequence[Source], validators: Mapping[str, Validators],
                 parser: ParsePool) -> Deferred[list[FetchResult]]:
    _quiet_scrapy(runner.settings.get("LOG_LEVEL", "WARNING"))
    results: list[FetchResult] = []
    done = runner.crawl(spider_class(), sources=list(sources), validators=dict(validators),
                        on_result=results.append, parser=parser)
    return done.addCallback(lambda _: results)


def install_reactor() -> Any:
    """Install the asyncio reactor (as Scrapy would) unless one is installed; return the reactor."""
    import asyncio
    import sys

    if "twisted.internet.reactor" not in sys.modules:
        from twisted.internet import asyncioreactor

        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        asyncioreactor.install(eventloop=loop)
    from twisted.internet import reactor

    return reactor


def _quiet_scrapy(level: str) -> None:
    """CrawlerRunner installs no log handler, so LOG_LEVEL alone does nothing: cap scrapy's loggers
    unless the application set their level itself."""
    # A robots.txt that cannot be fetched is logged as an ERROR with a traceback, then the page is
    # fetched anyway and its own failure is reported: keep that traceback out of the CLI.
    levels = {"scrapy": level, "twisted": level, "scrapy.downloadermiddlewares.robotstxt": "CRITICAL"}
    for name, wanted in levels.items():
        log = logging.getLogger(name)
        if log.level == logging.NOTSET:
            log.setLevel(wanted)


def describe_failure(exc: BaseException, timeout: float, max_bytes: int) -> str:
    """A short human reason for a failed request."""
    from scrapy import exceptions as se

    response = getattr(exc, "response", None)
    if response is not None:  # HttpError: a non-2xx status filtered by HttpErrorMiddleware
        return f"HTTP {response.status}"
    if isinstance(exc, se.DownloadTimeoutError):
        return f"timed out after {timeout:g}s"
    if isinstance(exc, se.DownloadConnectionRefusedError):
        return "connection refused"
    if isinstance(exc, se.CannotResolveHostError):
        return "host not found (DNS lookup failed)"
    if isinstance(exc, se.DownloadCancelledError) or "DOWNLOAD_MAXSIZE" in str(exc):  # or on gunzip
        return f"response larger than {size_text(max_bytes)}"
    if isinstance(exc, se.IgnoreRequest) and "robots.txt" in str(exc):
        return "forbidden by robots.txt"
    if isinstance(exc, se.ResponseDataLossError | se.DownloadFailedError):
        return "connection lost before the response was complete"
    if isinstance(exc, se.UnsupportedURLSchemeError):
        return "unsupported URL scheme"
    return describe_error(exc, timeout, max_bytes)  # Twisted's own errors, as for feeds




def __getattr__(name: str) -> Any:
    if name == "SourcesSpider":
        return spider_class()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@functools.cache
def spider_class() -> type[Spider]:
    """`SourcesSpider`, built on first use so that importing this module does not import Scrapy."""
    import scrapy

    class SourcesSpider(scrapy.Spider):
        """One request per source; every source yields exactly one FetchResult through `on_result`."""

        name = "radar-sources"

        def __init__(self, sources: Sequence[Source], validators: Mapping[str, Validators],
                     on_result: Callable[[FetchResult], None], parser: ParsePool, **kw: Any) -> None:
            super().__init__(**kw)
            self.parser = parser
            self.sources = list(sources)
            self.validators = dict(validators)
            self.on_result = on_result
            self._pending: set[int] = set(range(len(self.sources)))
            self._started = time.monotonic()

        async def start(self) -> Any:
            for index, source in enumerate(self.sources):
                try:
                    request = self._request(index, source)
                except ValueError as exc:  # unknown kind, malformed URL
                    self._report(index, FetchResult(source.name, "error", error=str(exc)[:200]))
                    continue
                yield request

        def _request(self, index: int, source: Source) -> scrapy.Request:
            if source.kind not in plugins.source_kinds():
                raise ValueError(f"unknown source kind {source.kind!r}")
            meta = {"radar_index": index, "radar_started": time.monotonic()}
            if plugins.source_kinds()[source.kind].fetch is not Fetch.PAGE:  # feeds are meant for robots
                meta["dont_obey_robotstxt"] = True
            return scrapy.Request(source.url, headers=request_headers(self.validators.get(source.name)),
                                  meta=meta, callback=self.on_response, errback=self.on_error,
                                  dont_filter=True)

        async def on_response(self, response: Response) -> None:
            """Parse the page off the reactor thread (the crawl waits for it), then report it."""
            from scrapy.utils.defer import maybe_deferred_to_future

            index = response.meta["radar_index"]
            source = self.sources[index]
            headers = {str(k).lower(): str(v) for k, v in response.headers.to_unicode_dict().items()}
            parsed = self.parser.parse(source, response.status, response.body, response.url, headers,
                                       self.validators.get(source.name), self._elapsed(response.meta))
            self._report(index, await maybe_deferred_to_future(parsed))

        def on_error(self, failure: Failure) -> None:
            request = failure.request  # type: ignore[attr-defined]
            index = request.meta["radar_index"]
            source = self.sources[index]
            exc = failure.value
            assert exc is not None  # an errback's Failure always holds its exception
            reason = describe_failure(exc, self.settings.getfloat("DOWNLOAD_TIMEOUT"),
                                      self.settings.getint("DOWNLOAD_MAXSIZE"))
            logger.warning("source %r (%s): %s", source.name, source.url, reason)
            sent = request_headers(self.validators.get(source.name))
            self._report(index, FetchResult(source.name, "error", error=reason,
                                            conditional=bool(sent), elapsed=self._elapsed(request.meta)))

        def closed(self, reason: str) -> None:
            for index in sorted(self._pending):
                source = self.sources[index]
                self._report(index, FetchResult(source.name, "error", error=f"not polled: crawl {reason}"))

        def _report(self, index: int, result: FetchResult) -> None:
            if index in self._pending:
                self._pending.discard(index)
                self.on_result(result)

        def _elapsed(self, meta: Mapping[str, Any]) -> float:
            started: float = meta.get("radar_started", self._started)
            return round(time.monotonic() - started, 3)

    SourcesSpider.__qualname__ = "SourcesSpider"  # as if defined at module level (repr, pickling)
    return SourcesSpider
