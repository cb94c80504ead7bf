"""`renewal-radar daemon`: one process, one Twisted reactor, polls on schedule, delivers through outages.

APScheduler's TwistedScheduler (debug executor: jobs run on the reactor thread) fires two jobs:
- `poll`: every tick, crawl the sources that are due with Scrapy's CrawlerRunner in the same reactor —
  never a source already in flight, never a host another crawl is still fetching from (so
  [schedule].per_host really caps the requests per host) — then fold the results into the store in a
  worker thread, one fold at a time, so classification and SQLite never stall the reactor;
- `deliver`: drain the outbox, each notifier in a daemon thread of its own (Apprise and requests block),
  one drain per notifier at a time, so one stuck endpoint never holds another.
Several daemons may share one PostgreSQL store (one daemon per SQLite file: its lock file): a due source
is leased by one instance before it is crawled (`Store.lease_sources`), its lease ending when its poll
is recorded, so each source is polled by one instance at a time and once per interval; a source another
instance holds or polled is simply due again when the store says. An alert is claimed before it is sent
(`radar.app.delivery`). A killed instance's leases and claims expire after `[store] lease`.
SIGTERM/SIGINT finish in-flight work (a delivery still sending after the grace period is abandoned, its alert
left pending) and exit 0; SIGHUP reloads the config; SIGUSR1 polls every
source now (back-off included) instead of waiting for its turn.

Logging at the default level: one line per poll cycle — every [schedule].interval, at once when a batch
holds a source's first poll, and when a batch's alerts are delivered — summing what the polls since the
last line did (sources counted once, polls beside them); nothing per request.
"""

from __future__ import annotations

import json
import logging
import random
import signal
import threading
import time
from collections.abc import Iterable, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from radar.app.config import Config, load_config
from radar.app.cycle import CycleProcessor, CycleReport
from radar.app.delivery import DeliveryReport, build_channels, deliver_due
from radar.domain.errors import RadarError
from radar.app import process
from radar.store.lease import instance_id
from radar.store.lock import StoreLock, lock_path
from radar.domain.models import FetchResult, Source
from radar.domain.secret import mask_logs
from radar.store import Store

log = logging.getLogger(__name__)

MAX_BACKOFF_FACTOR = 32     # a failing source waits at most 32 intervals…
MAX_BACKOFF_SECONDS = 6 * 3600  # …and never more than six hours
SHUTDOWN_GRACE = 5.0        # seconds polls still fetching at SIGTERM get to finish
MIN_GAP = 0.5               # seconds between the end of one poll of a source and the next
MAX_BATCH = 250             # sources per crawl: bounds the articles held in memory at once…
MAX_CRAWLS = 2              # …with at most this many crawls in flight
MAX_LINE_EVERY = 300.0      # a quiet daemon still logs a cycle line at least every five minutes


@dataclass
class Health:
    """What /healthz reports."""

    started: float = field(default_factory=time.time)
    cycles: int = 0
    polls: int = 0
    last_cycle: float | None = None
    failing: dict[str, str] = field(default_factory=dict)
    max_lag: float = 0.0   # worst lateness of a scheduler tick: how long the reactor was stalled
    reloads: int = 0       # SIGHUPs whose config was read and put in place


@dataclass
class Tally:
    """What the polls and drains since the last cycle line did."""

    batches: int = 0
    polled: int = 0
    not_modified: int = 0
    new_articles: int = 0
    alerts: int = 0
    silent: int = 0
    warnings: int = 0
    delivered: int = 0
    delivery_errors: int = 0
    errors: dict[str, str] = field(default_factory=dict)
    sources: set[str] = field(default_factory=set)  # the sources polled, each counted once

    def add(self, report: CycleReport, sources: Iterable[str] = ()) -> None:
        self.batches += 1
        self.sources.update(sources)
        self.polled += report.polled
        self.not_modified += report.not_modified
        self.new_articles += report.new_articles
        self.alerts += len(report.events)
        self.silent += report.silent_events
        self.warnings += len(getattr(report, "warnings", ()))
        self.errors.update(report.errors)

    def line(self) -> str:
        errors = ""
        if self.errors:
            shown = "; ".join(f"{name}: {reason}" for name, reason in list(self.errors.items())[:3])
            more = f"; +{len(self.errors) - 3} more" if len(self.errors) > 3 else ""
            errors = f" ({shown}{more})"
        return (f"cycle: polled {len(self.sources) or self.polled} sources ({self.polled} polls, "
                f"{self.not_modified} unchanged), "
                f"{self.new_articles} new articles, {self.alerts} alerts ({self.silent} recorded silently), "
                f"{self.delivered} delivered, {len(self.errors)} source errors{errors}, "
                + (f"{self.warnings} malformed feeds read anyway, " if self.warnings else "") +
                f"{self.delivery_errors} delivery errors")


def next_poll_delay(interval: float, jitter: float, failures: int, rng: random.Random) -> float:
    """Seconds until a source's next poll: its interval ± jitter, doubled per consecutive failure, capped."""
    base = interval * min(2 ** failures, MAX_BACKOFF_FACTOR) if failures else interval
    base = min(base, max(interval, MAX_BACKOFF_SECONDS))
    return max(0.5, base + rng.uniform(-jitter, jitter) * base)


def host_of(url: str) -> str:
    """The host Scrapy keys its per-host download slots by."""
    return (urlsplit(url).hostname or url).lower()


class Daemon:
    """Owns the scheduler jobs, the crawler runners, the store and the delivery loop."""

    def __init__(self, config: Config, store: Store, reactor: Any) -> None:
        from twisted.internet.defer import DeferredLock

        self.reactor = reactor
        self.store = store
        self.rng = random.Random()
        self.health = Health()
        self.tally = Tally()
        self.last_line = time.monotonic()
        self.last_tick: float | None = None
        self.in_flight: set[str] = set()
        self.busy_hosts: set[str] = set()
        self.crawls: set[Any] = set()        # crawl-and-fold chains in flight
        self.runners: list[Any] = []         # the current runner, and older ones still crawling after a reload
        self.fold_lock = DeferredLock()      # one fold at a time: each reads statuses, then writes them
        self.folds: set[Any] = set()         # folds queued or running (shutdown waits for every one)
        self.delivering: dict[str | None, Any] = {}  # notifier (None: ones no longer configured) -> its drain
        self.deliver_again: set[str | None] = set()
        self.stopping = False
        self.aborted = False                 # shutdown cancelled crawls that outlived SHUTDOWN_GRACE
        self.seen_errors: set[str] = set()   # unexpected errors whose traceback was logged already
        self.instance = instance_id()        # this daemon's name on a shared store
        self.forced: set[str] = set()        # due now whatever the store says (SIGUSR1)
        self.polled_once: set[str] = set()  # sources polled since start: a first poll is logged at once
        self.polled_at: dict[str, float] = {}
        self.started: dict[str, float] = {}  # when each source's crawl in flight started  # when each source's last poll by this process was due
        self.line_after_delivery = False     # a cycle line waits for the drains of its batch's alerts
        self.scheduler: Any = None           # set by run_daemon; SIGHUP reschedules its jobs
        self._configure(config)
        store.release_dead()                 # leases and claims of this host's dead instances (kill -9)
        known = store.source_rows()
        now = time.time()
        self.due = {s.name: min(known[s.name].next_poll or now, now + self._interval(s))
                    if s.name in known else now for s in config.sources}
        self.failures = {name: row.failures for name, row in known.items()}
        self.health.failing = {name: row.last_error or "failed" for name, row in known.items()
                               if row.failures and name in self.due}

    def _configure(self, config: Config) -> None:
        from radar.app.check import make_runner

        self.config = config
        self.processor = CycleProcessor(config, self.store)
        self.channels = build_channels(config)
        old = self.runners
        self.runner = make_runner(config)
        self.runners = [r for r in old if r.crawlers] + [self.runner]
        for runner in old:
            if not runner.crawlers:
                runner.stop()  # idle: replaced now; a busy one is stopped when its crawls are done

    def _interval(self, source: Source) -> float:
        return source.interval or self.config.radar.schedule.interval

    def tick_seconds(self) -> float:
        """How often the poll job looks for due sources."""
        shortest = min((self._interval(s) for s in self.config.sources), default=60.0)
        return max(0.2, min(1.0, shortest / 4))

    def deliver_seconds(self) -> float:
        """How often the delivery job drains the outbox: half the first retry's backoff, 0.5 to 5 s."""
        return max(0.5, min(5.0, self.config.radar.delivery.retry_backoff / 2))

    def line_every(self) -> float:
        """Seconds between two cycle lines of a quiet daemon: the default interval, at most five minutes."""
        return max(1.0, min(self.config.radar.schedule.interval, MAX_LINE_EVERY))

    # -- polling ---------------------------------------------------------------------------------------

    def poll(self) -> None:
        """The scheduler's tick: log the cycle line when one is due, then start crawling due sources."""
        tick = time.monotonic()
        if self.last_tick is not None:
            self.health.max_lag = max(self.health.max_lag, tick - self.last_tick - self.tick_seconds())
        self.last_tick = tick
        if self.stopping:
            return
        if self.tally.batches and time.monotonic() - self.last_line >= self.line_every():
            self._log_cycle()
        self._start_due()

    def _start_due(self) -> None:
        """Crawl the most overdue sources that are not in flight: at most MAX_BATCH per crawl and
        MAX_CRAWLS crawls at once, so memory stays bounded. Feeds share the runner's per-host limit
        across crawls; a page host (a Scrapy crawl has its own limits) is crawled by one crawl at a time."""
        if self.stopping or len(self.crawls) >= MAX_CRAWLS:
            return
        now = time.time()
        due = [s for s in self.config.sources if s.name not in self.in_flight and self.due.get(s.name, 0) <= now
               and not (s.kind == "html" and host_of(s.url) in self.busy_hosts)]
        if not due:
            return
        due = self._lease(sorted(due, key=lambda s: self.due.get(s.name, 0)))[:MAX_BATCH]
        if not due:
            return
        self.started.update((s.name, now) for s in due)
        from radar.app.fetch.crawl import crawl_deferred

        hosts = {host_of(s.url) for s in due if s.kind == "html"}
        self.in_flight.update(s.name for s in due)
        self.busy_hosts.update(hosts)
        try:
            deferred = crawl_deferred(self.runner, due, self.store.validators(s.name for s in due))
        except Exception:
            self.in_flight.difference_update(s.name for s in due)
            self.busy_hosts.difference_update(hosts)
            self.store.release_sources([s.name for s in due], self.instance)
            raise
        deferred.addCallback(self._fold, due)
        deferred.addErrback(self._crawl_failed, due)
        deferred.addBoth(self._crawl_done, deferred, due, hosts)
        if not deferred.called:
            self.crawls.add(deferred)
        if len(due) == MAX_BATCH:
            self.reactor.callLater(0, self._start_due)  # more may be due: a second crawl overlaps this one

    def _lease(self, due: list[Source]) -> list[Source]:
        """The sources of `due` this instance leased (at most MAX_BATCH); each other one is due again
        when the store says (polled by another instance since, or held by one now)."""
        now = time.time()
        forced = [s.name for s in due if s.name in self.forced]
        names = [s.name for s in due if s.name not in self.forced][:MAX_BATCH]
        hold = self.config.radar.store.lease
        got = self.store.lease_sources(forced, self.instance, now, hold, force=True) if forced else None
        leases = self.store.lease_sources(names, self.instance, now, hold)
        leased = set(leases.leased) | set(got.leased if got else ())
        for name, when in {**leases.later, **(got.later if got else {})}.items():
            self.due[name] = max(when, now + MIN_GAP)
        for name, stored in leases.due.items():  # due later by the store (another instance polled it since):
            self.due[name] = max(self.due.get(name, stored), stored)  # its next poll counts from then
        self.forced.difference_update(leased)
        return [s for s in due if s.name in leased]

    def _fold(self, results: list[FetchResult], due: list[Source]) -> Any:
        """Reschedule each source, then store and classify the results in a worker thread."""
        from twisted.internet.threads import deferToThread

        if self.aborted:  # abandoned by shutdown: store nothing, the sources are polled again after restart
            return None
        by_name = {s.name: s for s in due}
        next_polls = {}
        for result in results:
            failures = self.failures.get(result.source, 0) + 1 if result.outcome == "error" else 0
            self.failures[result.source] = failures
            source = by_name[result.source]
            jitter = self.config.radar.schedule.jitter
            delay = next_poll_delay(self._interval(source), jitter, failures, self.rng)
            # from when it was due, not when its batch ended: sources due together stay together
            now = time.time()
            base = self.due.get(result.source, now)
            started = self.started.pop(result.source, now)
            if started - base > self.tick_seconds() + MIN_GAP:  # polled late (a restart, a stall): a new
                base = started  # phase from this poll, not a second poll at once to catch up the old one
            self.polled_at[result.source] = base
            when = max(base + delay, now + MIN_GAP)
            self.due[result.source] = next_polls[result.source] = when
            if result.outcome == "error":
                self.health.failing[result.source] = result.error or "failed"
            else:
                self.health.failing.pop(result.source, None)
        processor = self.processor
        folded = self.fold_lock.run(deferToThread, processor.process, results, next_polls=next_polls,
                                    polled_by=self.instance)
        self.folds.add(folded)

        def forget(result: Any) -> Any:
            self.folds.discard(folded)
            return result

        first = [r.source for r in results if r.source not in self.polled_once]
        self.polled_once.update(first)
        names = [r.source for r in results]
        return folded.addBoth(forget).addCallback(self._folded, names, bool(first))

    def _folded(self, report: CycleReport, names: Sequence[str] = (), first: bool = False) -> None:
        self.health.cycles += 1
        self.health.polls += report.polled
        self.health.last_cycle = time.time()
        self.tally.add(report, names)
        if report.events and not self.stopping:
            self.line_after_delivery = True  # logged when this batch's alerts are sent (or failed)
            self.deliver(urgent=True)
        elif first or report.events:  # a source's first poll is said at once, not minutes later
            self._log_cycle()

    def _crawl_failed(self, failure: Any, due: list[Source]) -> None:
        """A bug in the crawl or the fold: nothing of this poll was stored, so it is simply polled again."""
        if self.aborted:
            return
        message = f"{failure.type.__name__}: {failure.getErrorMessage()}"
        first = message not in self.seen_errors
        if first and len(self.seen_errors) < 100:
            self.seen_errors.add(message)
        log.error("poll of %d sources failed, will poll them again: %s%s", len(due), message,
                  "\n" + failure.getTraceback() if first else " (traceback logged before)")
        for source in due:
            self.due[source.name] = time.time() + self._interval(source)
        self.store.release_sources([s.name for s in due], self.instance)

    def _crawl_done(self, _: Any, deferred: Any, due: list[Source], hosts: set[str]) -> None:
        self.in_flight.difference_update(s.name for s in due)
        self.busy_hosts.difference_update(hosts)
        self.crawls.discard(deferred)
        for runner in self.runners:
            if runner is not self.runner and not runner.crawlers:
                runner.stop()  # a runner replaced by SIGHUP, done with its last crawl
        self.runners = [r for r in self.runners if r is self.runner or r.crawlers]
        self.reactor.callLater(0, self._start_due)  # the rest of a large backlog, without waiting a tick

    def _log_cycle(self) -> None:
        if self.tally.batches or self.tally.delivered or self.tally.delivery_errors:
            log.info("%s", self.tally.line())
        self.tally = Tally()
        self.last_line = time.monotonic()

    # -- delivery --------------------------------------------------------------------------------------

    def deliver(self, urgent: bool = False) -> None:
        """Drain the outbox, each notifier in a thread of its own, one drain per notifier at a time, so
        a stuck endpoint never holds another (`urgent`: again right after a drain still in flight)."""
        if self.stopping:
            return
        for name in [*self.channels, None]:  # None: alerts of notifiers no longer configured
            if name in self.delivering:
                if urgent:
                    self.deliver_again.add(name)
                continue
            self._drain(name)

    def _drain(self, name: str | None) -> None:
        known = frozenset(self.channels)
        only = (lambda n: n == name) if name is not None else (lambda n: n not in known)
        drained = in_daemon_thread(self.reactor, deliver_due, self.config, self.store, self.channels, only=only,
                                   instance=self.instance)
        self.delivering[name] = drained

        def done(report: DeliveryReport) -> None:
            self.tally.delivered += report.delivered
            self.tally.delivery_errors += len(report.errors)

        def failed(failure: Any) -> None:
            log.error("delivery loop failed: %s", failure.getErrorMessage())

        def clear(_: Any) -> None:
            self.delivering.pop(name, None)
            if name in self.deliver_again:
                self.deliver_again.discard(name)
                if not self.stopping:
                    self._drain(name)
            if self.line_after_delivery and not self.delivering:
                self.line_after_delivery = False
                self._log_cycle()

        drained.addCallbacks(done, failed).addBoth(clear)

    # -- control ---------------------------------------------------------------------------------------

    def reload(self) -> None:
        """SIGHUP: read the config again; a bad config is reported and the running one kept."""
        try:
            config = load_config(self.config.directory)
        except RadarError as exc:
            log.error("config reload failed, keeping the running config: %s", exc)
            return
        mask_logs(config.masker)  # the new config's secrets, from the next line logged
        before = {s.name: self._interval(s) for s in self.config.sources}
        self._configure(config)  # crawls in flight finish on their old runner, which is then stopped
        now = time.time()
        due = {}
        for source in config.sources:  # a new source is due now; a new interval counts from the last poll
            name, interval = source.name, self._interval(source)
            due[name] = self.due.get(name, now)
            if name in before and before[name] != interval and name in self.polled_at:
                delay = next_poll_delay(interval, config.radar.schedule.jitter, self.failures.get(name, 0),
                                        self.rng)
                due[name] = max(now, self.polled_at[name] + delay)
                if due[name] < self.due.get(name, now):
                    self.forced.add(name)  # sooner than the store's next poll, written at the old interval
        added, removed = set(due) - set(self.due), set(self.due) - set(due)
        self.due = due
        self.forced &= set(due)
        self.health.failing = {k: v for k, v in self.health.failing.items() if k in due}
        self.health.reloads += 1
        if self.scheduler is not None:
            self.scheduler.reschedule_job("poll", trigger="interval", seconds=self.tick_seconds())
            self.scheduler.reschedule_job("deliver", trigger="interval", seconds=self.deliver_seconds())
        log.info("config reloaded: %d shows, %d sources (%d added, %d removed), %d notifiers",
                 len(config.shows), len(config.sources), len(added), len(removed), len(config.notifiers))
        self._start_due()

    def poll_now(self) -> None:
        """SIGUSR1: every source not already in flight is due now, failing ones included."""
        if self.stopping:
            return
        now = time.time()
        waiting = [name for name in self.due if name not in self.in_flight]
        for name in waiting:
            self.due[name] = min(self.due[name], now)
        self.forced.update(waiting)
        log.info("polling %d sources now (SIGUSR1)", len(waiting))
        self._start_due()

    def shutdown(self) -> Any:
        """Stop polling; let folds and deliveries finish, and polls still fetching up to SHUTDOWN_GRACE.

        A poll still fetching after that is abandoned: nothing of it was stored, so its sources are
        simply polled again on the next start (Scrapy's stop does not abort a download in flight, so
        waiting for it could take the whole download timeout).
        """
        from twisted.internet import defer

        self.stopping = True
        fetching = [d for d in self.crawls if not d.called]
        sending = [d for d in self.delivering.values() if not d.called]
        log.info("stopping: finishing %d polls, %d folds and %d deliveries in flight", len(fetching),
                 len(self.folds), len(sending))
        grace: Any = defer.Deferred()

        def end_grace(_: Any = None) -> None:
            if not grace.called:
                grace.callback(None)

        timer = self.reactor.callLater(SHUTDOWN_GRACE, end_grace)
        defer.DeferredList(fetching + sending, consumeErrors=True).addBoth(end_grace)

        def after_grace(_: Any) -> Any:
            if timer.active():
                timer.cancel()
            late = [d for d in fetching if not d.called]
            if late:
                self.aborted = True
                log.warning("stopping: %d polls still fetching after %gs are abandoned; their sources are "
                            "polled again on the next start", len(late), SHUTDOWN_GRACE)
                for runner in self.runners:
                    runner.stop()  # best effort, not waited for
            stuck = [d for d in sending if not d.called]
            if stuck:  # a delivery marks its alert only once sent: an abandoned one stays pending
                log.warning("stopping: %d deliveries still sending after %gs are abandoned; their alerts stay "
                            "pending", len(stuck), SHUTDOWN_GRACE)
            return defer.DeferredList(list(self.folds), consumeErrors=True)

        def finished(_: Any) -> None:
            self._log_cycle()
            try:  # what this instance still holds (abandoned polls) is free for the others now
                self.store.release_sources([s.name for s in self.config.sources], self.instance,
                                           forget_unpolled=True)
                self.store.release_claims(self.instance)  # an abandoned send: its alert is pending again
            except RadarError as exc:
                log.warning("stopping: could not release this instance's leases: %s", exc)

        return grace.addCallback(after_grace).addBoth(finished)

    def health_json(self) -> bytes:
        return json.dumps({
            "status": "stopping" if self.stopping else "ok",
            "instance": self.instance,
            "uptime": round(time.time() - self.health.started, 1),
            "cycles": self.health.cycles, "polls": self.health.polls,
            "last_cycle": datetime.fromtimestamp(self.health.last_cycle, UTC).isoformat()
            if self.health.last_cycle else None,
            "failing_sources": self.health.failing,
            "sources": len(self.due), "reloads": self.health.reloads,
            "polls_in_flight": len(self.in_flight),
            "max_reactor_lag": round(self.health.max_lag, 3),
            "pending_deliveries": self.store.count_deliveries("pending"),
            "failed_deliveries": self.store.count_deliveries("failed"),
        }).encode()


def in_daemon_thread(reactor: Any, function: Any, *args: Any, **kwargs: Any) -> Any:
    """A Deferred firing in the reactor with `function(*args, **kwargs)`, run in a daemon thread of its
    own: unlike the reactor's thread pool, stopping the reactor or the process never waits for it."""
    from twisted.internet.defer import Deferred
    from twisted.python.failure import Failure

    result: Any = Deferred()

    def run() -> None:
        try:
            value = function(*args, **kwargs)
        except BaseException:  # noqa: BLE001 (whatever it raises goes back to the reactor as a Failure)
            reactor.callFromThread(result.errback, Failure())
        else:
            reactor.callFromThread(result.callback, value)

    threading.Thread(target=run, name="deliver", daemon=True).start()
    return result


def _serve_health(reactor: Any, daemon: Daemon, port: int, board: bool = False) -> None:
    """/healthz on 127.0.0.1:port; with `board`, the status board's pages beside it (radar.board)."""
    from twisted.web.resource import Resource

    from radar.board.web import board_root, put, quiet_site

    class Healthz(Resource):
        isLeaf = True

        def render_GET(self, request: Any) -> bytes:
            request.setHeader(b"content-type", b"application/json")
            return daemon.health_json()

    root = Resource()
    if board:
        from radar.board.data import read_board

        root = board_root(lambda: read_board(daemon.config, daemon.store), lambda text: daemon.config.redact(text))
    put(root, b"healthz", Healthz())
    reactor.listenTCP(port, quiet_site(root), interface="127.0.0.1")  # no log line per connection or request


def _quiet_per_request_logs() -> None:
    """At the default level the cycle line names failing sources: mute the per-request warnings."""
    if logging.getLogger().getEffectiveLevel() >= logging.WARNING:
        for name in ("radar.app.fetch", "spiders", "radar.app.cycle"):
            logging.getLogger(name).setLevel(logging.ERROR)
    if logging.getLogger().getEffectiveLevel() > logging.DEBUG:
        logging.getLogger("apscheduler").setLevel(logging.WARNING)  # "Running job" every tick otherwise


def run_daemon(config: Config, healthcheck_port: int | None = None, http_port: int | None = None) -> int:
    """Run until SIGTERM/SIGINT; returns the exit status."""
    from radar.app.check import install_reactor

    shared = not config.store_url.startswith("sqlite")  # PostgreSQL: instances coordinate by leases
    Store(config.store_url).close()  # a missing store directory is refused here as by check and status,
    # before the lock file next to the database could create it
    with nullcontext() if shared else StoreLock(lock_path(config.store_url, config.directory)):
        reactor = install_reactor()  # before apscheduler.schedulers.twisted imports twisted.internet.reactor
        from apscheduler.schedulers.twisted import TwistedScheduler
        from twisted.internet.error import CannotListenError

        _quiet_per_request_logs()
        logging.getLogger(__name__).setLevel(min(logging.INFO, logging.getLogger().getEffectiveLevel()))
        store = Store(config.store_url)
        daemon = Daemon(config, store, reactor)
        scheduler = TwistedScheduler(reactor=reactor, executors={"default": {"type": "debug"}}, job_defaults={
            "coalesce": True, "max_instances": 1, "misfire_grace_time": 30})
        scheduler.add_job(daemon.poll, "interval", seconds=daemon.tick_seconds(), id="poll",
                          next_run_time=datetime.now(UTC))
        scheduler.add_job(daemon.deliver, "interval", id="deliver", next_run_time=datetime.now(UTC),
                          seconds=daemon.deliver_seconds())
        daemon.scheduler = scheduler

        def stop_everything() -> Any:
            scheduler.shutdown(wait=False)
            return daemon.shutdown()

        reactor.addSystemEventTrigger("before", "shutdown", stop_everything)
        for port, board, what in ((healthcheck_port, False, "/healthz"), (http_port, True, "the status board")):
            if port is None:
                continue
            try:
                _serve_health(reactor, daemon, port, board)
            except CannotListenError as exc:  # say which port, no traceback
                store.close()
                raise RadarError(f"cannot serve {what} on 127.0.0.1:{port}: {exc}") from None
        signal.signal(signal.SIGHUP, lambda *_: reactor.callFromThread(daemon.reload))
        signal.signal(signal.SIGUSR1, lambda *_: reactor.callFromThread(daemon.poll_now))
        reactor.callWhenRunning(scheduler.start)
        process.settled()  # start-up imports are done; what follows is the daemon's own life
        log.info("daemon started: %d sources, %d shows, %d notifiers (%s)", len(config.sources),
                 len(config.shows), len(config.notifiers),
                 f"instance {daemon.instance} on a shared store" if shared else
                 f"pid lock {lock_path(config.store_url, config.directory)}")
        try:
            reactor.run(installSignalHandlers=True)
        finally:
            store.close()
    log.info("daemon stopped")
    return 0
