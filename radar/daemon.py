"""`renewal-radar daemon`: one process, one Twisted reactor, polls on schedule, delivers through outages.

APScheduler's TwistedScheduler (debug executor: jobs run on the reactor thread) fires two jobs:
- `poll`: every tick, crawl the sources that are due (never one already in flight) with Scrapy's
  CrawlerRunner in the same reactor, then fold the results into the store;
- `deliver`: drain the outbox in a worker thread (Apprise and requests block).
SIGTERM/SIGINT finish in-flight work and exit 0; SIGHUP reloads the config.
"""

from __future__ import annotations

import json
import logging
import random
import signal
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from radar.config import Config, load_config
from radar.cycle import CycleProcessor
from radar.delivery import build_channels, deliver_due
from radar.errors import RadarError
from radar.lock import StoreLock, lock_path
from radar.models import FetchResult, Source
from radar.store import Store

log = logging.getLogger(__name__)

MAX_BACKOFF_FACTOR = 32     # a failing source waits at most 32 intervals…
MAX_BACKOFF_SECONDS = 6 * 3600  # …and never more than six hours


@dataclass
class Health:
    """What /healthz reports."""

    started: float = field(default_factory=time.time)
    cycles: int = 0
    last_cycle: float | None = None
    failing: dict[str, str] = field(default_factory=dict)


def next_poll_delay(interval: float, jitter: float, failures: int, rng: random.Random) -> float:
    """Seconds until a source's next poll: its interval ± jitter, doubled per consecutive failure (capped)."""
    base = interval * min(2 ** failures, MAX_BACKOFF_FACTOR) if failures else interval
    base = min(base, max(interval, MAX_BACKOFF_SECONDS))
    return max(0.5, base + rng.uniform(-jitter, jitter) * base)


class Daemon:
    """Owns the scheduler, the crawler runner, the store and the delivery loop."""

    def __init__(self, config: Config, store: Store, reactor: Any) -> None:
        self.reactor = reactor
        self.store = store
        self.rng = random.Random()
        self.health = Health()
        self.in_flight: set[str] = set()
        self.crawls: list[Any] = []
        self.delivering: Any = None
        self.stopping = False
        self._configure(config)
        known = store.source_rows()
        now = time.time()
        self.due = {s.name: min(known[s.name].next_poll or now, now + self._interval(s))
                    if s.name in known else now for s in config.sources}
        self.failures = {name: row.failures for name, row in known.items()}

    def _configure(self, config: Config) -> None:
        from radar.runner import make_runner

        self.config = config
        self.processor = CycleProcessor(config, self.store)
        self.channels = build_channels(config)
        self.runner = make_runner(config)

    def _interval(self, source: Source) -> float:
        return source.interval or self.config.radar.schedule.interval

    def tick_seconds(self) -> float:
        """How often the poll job looks for due sources."""
        shortest = min((self._interval(s) for s in self.config.sources), default=60.0)
        return max(0.2, min(1.0, shortest / 4))

    def poll(self) -> None:
        """Crawl every due source that is not already being crawled."""
        if self.stopping:
            return
        now = time.time()
        due = [s for s in self.config.sources if s.name not in self.in_flight and self.due.get(s.name, 0) <= now]
        if not due:
            return
        from spiders.crawl import crawl_deferred

        self.in_flight.update(s.name for s in due)
        deferred = crawl_deferred(self.runner, due, self.store.validators())
        self.crawls.append(deferred)
        deferred.addCallback(self._fold, due)
        deferred.addErrback(self._crawl_failed, due)
        deferred.addBoth(self._crawl_done, deferred, due)

    def _fold(self, results: list[FetchResult], due: list[Source]) -> None:
        by_name = {s.name: s for s in due}
        next_polls = {}
        for result in results:
            failures = self.failures.get(result.source, 0) + 1 if result.outcome == "error" else 0
            self.failures[result.source] = failures
            source = by_name[result.source]
            delay = next_poll_delay(self._interval(source), self.config.radar.schedule.jitter, failures, self.rng)
            self.due[result.source] = next_polls[result.source] = time.time() + delay
            if result.outcome == "error":
                self.health.failing[result.source] = result.error or "failed"
            else:
                self.health.failing.pop(result.source, None)
        report = self.processor.process(results, next_polls=next_polls)
        self.health.cycles += 1
        self.health.last_cycle = time.time()
        log.info("cycle: %s", report.summary())
        if report.events:
            self.deliver()

    def _crawl_failed(self, failure: Any, due: list[Source]) -> None:
        log.error("crawl of %d sources failed: %s", len(due), failure.getErrorMessage())
        for source in due:
            self.due[source.name] = time.time() + self._interval(source)

    def _crawl_done(self, _: Any, deferred: Any, due: list[Source]) -> None:
        self.in_flight.difference_update(s.name for s in due)
        if deferred in self.crawls:
            self.crawls.remove(deferred)

    def deliver(self) -> None:
        """Drain the outbox in a worker thread, one drain at a time."""
        if self.delivering is not None or self.stopping:
            return
        from twisted.internet.threads import deferToThread

        config, channels = self.config, self.channels
        self.delivering = deferToThread(deliver_due, config, self.store, channels)

        def done(report: Any) -> None:
            if report.delivered or report.errors:
                log.info("delivery: %d delivered, %d failed (kept for retry), %d given up",
                         report.delivered, len(report.errors), report.gave_up)

        def failed(failure: Any) -> None:
            log.error("delivery loop failed: %s", failure.getErrorMessage())

        def clear(_: Any) -> None:
            self.delivering = None

        self.delivering.addCallbacks(done, failed).addBoth(clear)

    def reload(self) -> None:
        """SIGHUP: read the config again; a bad config is reported and the running one kept."""
        try:
            config = load_config(self.config.directory)
        except RadarError as exc:
            log.error("config reload failed, keeping the running config: %s", exc)
            return
        self._configure(config)  # crawls in flight finish on the old runner
        now = time.time()
        self.due = {s.name: self.due.get(s.name, now) for s in config.sources}
        log.info("config reloaded: %d shows, %d sources, %d notifiers",
                 len(config.shows), len(config.sources), len(config.notifiers))

    def shutdown(self) -> Any:
        """Stop polling, let in-flight crawls, folds and deliveries finish, then close the store."""
        from twisted.internet import defer

        self.stopping = True
        log.info("stopping: finishing %d crawls and deliveries in flight", len(self.crawls))
        waits = [self.runner.stop(), *list(self.crawls)]
        if self.delivering is not None:
            waits.append(self.delivering)
        return defer.DeferredList(waits, consumeErrors=True)

    def health_json(self) -> bytes:
        return json.dumps({
            "status": "ok", "uptime": round(time.time() - self.health.started, 1), "cycles": self.health.cycles,
            "last_cycle": datetime.fromtimestamp(self.health.last_cycle, UTC).isoformat()
            if self.health.last_cycle else None,
            "failing_sources": self.health.failing,
            "pending_deliveries": self.store.count_deliveries("pending"),
        }).encode()


def _serve_health(reactor: Any, daemon: Daemon, port: int) -> None:
    from twisted.web.resource import Resource
    from twisted.web.server import Site

    class Healthz(Resource):
        isLeaf = True

        def render_GET(self, request: Any) -> bytes:  # noqa: N802 (twisted's naming)
            request.setHeader(b"content-type", b"application/json")
            return daemon.health_json()

    root = Resource()
    root.putChild(b"healthz", Healthz())
    reactor.listenTCP(port, Site(root), interface="127.0.0.1")


def run_daemon(config: Config, healthcheck_port: int | None = None) -> int:
    """Run until SIGTERM/SIGINT; returns the exit status."""
    from radar.runner import install_reactor

    reactor = install_reactor()  # before apscheduler.schedulers.twisted imports twisted.internet.reactor
    from apscheduler.schedulers.twisted import TwistedScheduler

    logging.getLogger("radar.daemon").setLevel(min(logging.INFO, logging.getLogger().level or logging.INFO))
    with StoreLock(lock_path(config.store_url, config.directory)):
        store = Store(config.store_url)
        daemon = Daemon(config, store, reactor)
        scheduler = TwistedScheduler(reactor=reactor, executors={"default": {"type": "debug"}},
                                     job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 30})
        scheduler.add_job(daemon.poll, "interval", seconds=daemon.tick_seconds(), id="poll",
                          next_run_time=datetime.now(UTC))
        scheduler.add_job(daemon.deliver, "interval", seconds=max(1.0, min(30.0,
                          config.radar.delivery.retry_backoff / 2)), id="deliver", next_run_time=datetime.now(UTC))

        def stop_everything() -> Any:
            scheduler.shutdown(wait=False)
            return daemon.shutdown()

        reactor.addSystemEventTrigger("before", "shutdown", stop_everything)
        if healthcheck_port is not None:
            _serve_health(reactor, daemon, healthcheck_port)
        signal.signal(signal.SIGHUP, lambda *_: reactor.callFromThread(daemon.reload))
        reactor.callWhenRunning(scheduler.start)
        log.info("daemon started: %d sources, %d shows, %d notifiers", len(config.sources), len(config.shows),
                 len(config.notifiers))
        try:
            reactor.run(installSignalHandlers=True)
        finally:
            store.close()
    log.info("daemon stopped")
    return 0
