"""`renewal-radar daemon`: one process, one Twisted reactor, polls on schedule, delivers through outages.

The parts, each a module of its own:
- radar.app.schedule: when each source is due (interval, jitter, back-off, the store's leases);
- radar.app.polling: crawl the due sources in the reactor, fold the results in a worker thread;
- radar.app.drains: drain the outbox, each notifier in a daemon thread of its own;
- radar.app.health: the counters of /healthz (the cycle lines are radar.app.cycle.CycleTotals').
This module wires them to APScheduler's TwistedScheduler (debug executor: jobs run on the reactor
thread), which fires two jobs — `poll`, a tick that starts crawls of the due sources, and `deliver`,
which drains the outbox — and to the signals. Why a tick and not a job per source: see
radar.app.schedule.

Several daemons may share one PostgreSQL store (one daemon per SQLite file: its lock file): a due source
is leased by one instance before it is crawled (`Store.lease_sources`), its lease renewed while the poll
runs (`radar.app.keeper`) and ending when the poll is recorded, so each source is polled by one instance
at a time and once per interval. An alert is claimed before it is sent (`radar.app.delivery`). A killed
instance's leases and claims expire after `[store] lease`. SIGTERM/SIGINT finish in-flight work (a
delivery still sending after the grace period is abandoned, its alert left pending) and exit 0; SIGHUP
reloads the config; SIGUSR1 polls every source now (back-off included) instead of waiting for its turn.

Logging at the default level: one line per poll cycle — every [schedule].interval, at once when a batch
holds a source's first poll, and when a batch's alerts are delivered — summing what the polls since the
last line did (sources counted once, polls beside them); nothing per request.
"""

from __future__ import annotations

import json
import logging
import signal
import time
from collections.abc import Callable, Sequence
from contextlib import nullcontext
from datetime import UTC, datetime
from typing import Any

from radar.app import process
from radar.app.config import Config, load_config
from radar.app.cycle import CycleReport, CycleTotals
from radar.app.delivery import DeliveryReport
from radar.app.drains import Drains
from radar.app.health import Health, serve_health
from radar.app.keeper import LeaseKeeper
from radar.app.polling import Poller
from radar.app.schedule import Schedule
from radar.domain.errors import RadarError
from radar.domain.secret import mask_logs
from radar.store import Store
from radar.store.lease import instance_id
from radar.store.lock import StoreLock, lock_path

log = logging.getLogger(__name__)

SHUTDOWN_GRACE = 5.0        # seconds polls still fetching at SIGTERM get to finish
MAX_LINE_EVERY = 300.0      # a quiet daemon still logs a cycle line at least every five minutes

Pages = Callable[[Callable[[], Config], Store], Any]  # the status board's resource tree (radar.board)


class Daemon:
    """The schedule, the poller, the drains and the counters of one daemon, and its signals' work."""

    def __init__(self, config: Config, store: Store, reactor: Any) -> None:
        self.reactor = reactor
        self.store = store
        self.config = config
        self.health = Health()
        self.tally = CycleTotals()          # what the polls and drains since the last cycle line did
        self.last_line = time.monotonic()
        self.stopping = False
        self.instance = instance_id()        # this daemon's name on a shared store
        self.line_after_delivery = False     # a cycle line waits for the drains of its batch's alerts
        self.scheduler: Any = None           # set by run_daemon; SIGHUP reschedules its jobs
        store.release_dead()                 # leases and claims of this host's dead instances (kill -9)
        self.schedule = Schedule(config, store)
        self.poller = Poller(reactor, store, self.schedule, self.instance, self._folded)
        self.drains = Drains(reactor, store, self.instance, self._delivered, self._drained)
        self.keeper = LeaseKeeper(reactor, store, self.instance, lambda: self.poller.in_flight)
        self._configure(config)

    def _configure(self, config: Config) -> None:
        self.config = config
        self.poller.configure(config)
        self.drains.configure(config)
        self.keeper.start(config.radar.store.lease)  # polls in flight keep their sources however long

    def deliver_seconds(self) -> float:
        """How often the delivery job drains the outbox: half the first retry's backoff, 0.5 to 5 s."""
        return max(0.5, min(5.0, self.config.radar.delivery.retry_backoff / 2))

    def line_every(self) -> float:
        """Seconds between two cycle lines of a quiet daemon: the default interval, at most five minutes."""
        return max(1.0, min(self.config.radar.schedule.interval, MAX_LINE_EVERY))

    def poll(self) -> None:
        """The scheduler's tick: log the cycle line when one is due, then start crawling due sources."""
        self.health.ticked(self.schedule.tick_seconds())
        if self.stopping:
            return
        if self.tally.batches and time.monotonic() - self.last_line >= self.line_every():
            self._log_cycle()
        self.poller.start_due()

    def deliver(self) -> None:
        """The scheduler's delivery job."""
        self.drains.deliver()

    def _folded(self, report: CycleReport, names: Sequence[str], first: bool) -> None:
        self.health.folded(report)
        self.tally.add(report, names)
        if report.events and not self.stopping:
            self.line_after_delivery = True  # logged when this batch's alerts are sent (or failed)
            self.drains.deliver(urgent=True)
        elif first or report.events:  # a source's first poll is said at once, not minutes later
            self._log_cycle()

    def _delivered(self, report: DeliveryReport) -> None:
        self.tally.add_drain(report)

    def _drained(self) -> None:
        if self.line_after_delivery:
            self.line_after_delivery = False
            self._log_cycle()

    def _log_cycle(self) -> None:
        if self.tally:
            log.info("cycle: %s", self.tally.line())
        self.tally = CycleTotals()
        self.last_line = time.monotonic()

    def reload(self) -> None:
        """SIGHUP: read the config again; a bad config is reported and the running one kept."""
        try:
            config = load_config(self.config.directory)
        except RadarError as exc:
            log.error("config reload failed, keeping the running config: %s", exc)
            return
        mask_logs(config.masker)  # the new config's secrets, from the next line logged
        self._configure(config)  # crawls in flight finish on their old runner, which is then stopped
        added, removed = self.schedule.reconfigure(config)
        self.health.reloads += 1
        if self.scheduler is not None:
            self.scheduler.reschedule_job("poll", trigger="interval", seconds=self.schedule.tick_seconds())
            self.scheduler.reschedule_job("deliver", trigger="interval", seconds=self.deliver_seconds())
        log.info("config reloaded: %d shows, %d sources (%d added, %d removed), %d notifiers",
                 len(config.shows), len(config.sources), len(added), len(removed), len(config.notifiers))
        self.poller.start_due()

    def poll_now(self) -> None:
        """SIGUSR1: every source not already in flight is due now, failing ones included."""
        if self.stopping:
            return
        waiting = [name for name in self.schedule.due if name not in self.poller.in_flight]
        self.schedule.all_due_now(waiting)
        log.info("polling %d sources now (SIGUSR1)", len(waiting))
        self.poller.start_due()

    def shutdown(self) -> Any:
        """Stop polling; let folds and deliveries finish, and polls still fetching up to SHUTDOWN_GRACE.

        A poll still fetching after that is abandoned: nothing of it was stored, so its sources are
        simply polled again on the next start (Scrapy's stop does not abort a download in flight, so
        waiting for it could take the whole download timeout).
        """
        from twisted.internet import defer

        self.stopping = self.poller.stopping = self.drains.stopping = True
        fetching = [d for d in self.poller.crawls if not d.called]
        sending = self.drains.in_flight()
        log.info("stopping: finishing %d polls, %d folds and %d deliveries in flight", len(fetching),
                 len(self.poller.folds), len(sending))
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
                self.poller.abandon()
                log.warning("stopping: %d polls still fetching after %gs are abandoned; their sources are "
                            "polled again on the next start", len(late), SHUTDOWN_GRACE)
            stuck = [d for d in sending if not d.called]
            if stuck:  # a delivery marks its alert only once sent: an abandoned one stays pending
                log.warning("stopping: %d deliveries still sending after %gs are abandoned; their alerts "
                            "stay pending", len(stuck), SHUTDOWN_GRACE)
            return defer.DeferredList(list(self.poller.folds), consumeErrors=True)

        def finished(_: Any) -> None:
            self.keeper.stop()
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
            "failing_sources": self.schedule.failing,
            "sources": len(self.schedule.due), "reloads": self.health.reloads,
            "polls_in_flight": len(self.poller.in_flight),
            "max_reactor_lag": round(self.health.max_lag, 3),
            "pending_deliveries": self.store.count_deliveries("pending"),
            "failed_deliveries": self.store.count_deliveries("failed"),
        }).encode()


def _quiet_per_request_logs() -> None:
    """At the default level the cycle line names failing sources: mute the per-request warnings."""
    if logging.getLogger().getEffectiveLevel() >= logging.WARNING:
        for name in ("radar.app.fetch", "spiders", "radar.app.cycle"):
            logging.getLogger(name).setLevel(logging.ERROR)
    if logging.getLogger().getEffectiveLevel() > logging.DEBUG:
        logging.getLogger("apscheduler").setLevel(logging.WARNING)  # "Running job" every tick otherwise


def run_daemon(config: Config, healthcheck_port: int | None = None, http_port: int | None = None,
               pages: Pages | None = None) -> int:
    """Run until SIGTERM/SIGINT; returns the exit status. With `http_port`, `pages` (the status board's
    resource tree, given the current config and the store) is served there beside /healthz."""
    from radar.app.fetch.crawl import install_reactor

    shared = not config.store_url.startswith("sqlite")  # PostgreSQL: instances coordinate by leases
    Store(config.store_url).close()  # a missing store directory is refused here as by check and status,
    # before the lock file next to the database could create it
    with nullcontext() if shared else StoreLock(lock_path(config.store_url, config.directory)):
        reactor = install_reactor()  # before apscheduler.schedulers.twisted imports twisted.internet.reactor
        from apscheduler.schedulers.twisted import TwistedScheduler

        _quiet_per_request_logs()
        logging.getLogger(__name__).setLevel(min(logging.INFO, logging.getLogger().getEffectiveLevel()))
        store = Store(config.store_url)
        daemon = Daemon(config, store, reactor)
        scheduler = TwistedScheduler(reactor=reactor, executors={"default": {"type": "debug"}}, job_defaults={
            "coalesce": True, "max_instances": 1, "misfire_grace_time": 30})
        scheduler.add_job(daemon.poll, "interval", seconds=daemon.schedule.tick_seconds(), id="poll",
                          next_run_time=datetime.now(UTC))
        scheduler.add_job(daemon.deliver, "interval", id="deliver", next_run_time=datetime.now(UTC),
                          seconds=daemon.deliver_seconds())
        daemon.scheduler = scheduler

        def stop_everything() -> Any:
            scheduler.shutdown(wait=False)
            return daemon.shutdown()

        reactor.addSystemEventTrigger("before", "shutdown", stop_everything)
        try:
            if healthcheck_port is not None:
                serve_health(reactor, healthcheck_port, daemon.health_json)
            if http_port is not None:
                board = pages(lambda: daemon.config, store) if pages is not None else None
                serve_health(reactor, http_port, daemon.health_json, board)
        except RadarError:  # a port that cannot be listened on: one line, no traceback
            store.close()
            raise
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
