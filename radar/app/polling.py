"""The daemon's polls: crawl the due sources in the reactor, fold the results in a worker thread.

At most MAX_BATCH sources per crawl and MAX_CRAWLS crawls at once, so memory stays bounded; a source
already in flight is never crawled again, and a host of page-fetched sources (`Fetch.PAGE`: a Scrapy
crawl has its own limits) is crawled by one crawl at a time, so `[schedule] per_host` really caps the
requests per host. Folds run one at a time (each reads statuses, then writes them), off the reactor
thread, so classification and SQLite never stall it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

from radar.app import plugins
from radar.app.config import Config
from radar.app.cycle import CycleProcessor, CycleReport
from radar.app.schedule import Schedule, host_of
from radar.domain.models import FetchResult, Source
from radar.domain.source_kind import Fetch
from radar.store import Store

log = logging.getLogger(__name__)

MAX_BATCH = 250             # sources per crawl: bounds the articles held in memory at once…
MAX_CRAWLS = 2              # …with at most this many crawls in flight

Folded = Callable[[CycleReport, Sequence[str], bool], None]  # a batch's report, its sources, a first poll


def page_fetched(source: Source) -> bool:
    """Whether the source's kind is crawled as a page (one crawl per host at a time)."""
    kind = plugins.source_kinds().get(source.kind)
    return kind is not None and kind.fetch is Fetch.PAGE


class Poller:
    """Starts crawls of due sources and folds what they fetched into the store."""

    def __init__(self, reactor: Any, store: Store, schedule: Schedule, instance: str, folded: Folded) -> None:
        from twisted.internet.defer import DeferredLock

        self.reactor, self.store, self.schedule, self.instance = reactor, store, schedule, instance
        self.folded = folded                 # called in the reactor with each batch's report
        self.in_flight: set[str] = set()
        self.busy_hosts: set[str] = set()
        self.crawls: set[Any] = set()        # crawl-and-fold chains in flight
        self.runners: list[Any] = []         # the current runner, and older ones crawling after a reload
        self.runner: Any = None
        self.fold_lock = DeferredLock()      # one fold at a time: each reads statuses, then writes them
        self.folds: set[Any] = set()         # folds queued or running (shutdown waits for every one)
        self.polled_once: set[str] = set()   # sources polled since start: a first poll is logged at once
        self.seen_errors: set[str] = set()   # unexpected errors whose traceback was logged already
        self.stopping = False
        self.aborted = False                 # shutdown abandoned crawls that outlived its grace period

    def configure(self, config: Config) -> None:
        """Use `config` from the next crawl on; crawls in flight finish on their old runner."""
        from radar.app.check import make_runner

        self.processor = CycleProcessor(config, self.store)
        old = self.runners
        self.runner = make_runner(config)
        self.runners = [r for r in old if r.crawlers] + [self.runner]
        for runner in old:
            if not runner.crawlers:
                runner.stop()  # idle: replaced now; a busy one is stopped when its crawls are done

    def start_due(self) -> None:
        """Crawl the most overdue sources that are not in flight."""
        if self.stopping or len(self.crawls) >= MAX_CRAWLS:
            return
        due = self.schedule.due_now(lambda s: s.name in self.in_flight
                                    or (page_fetched(s) and host_of(s.url) in self.busy_hosts))
        if not due:
            return
        due = self.schedule.lease(due, self.store, self.instance, MAX_BATCH)[:MAX_BATCH]
        if not due:
            return
        from radar.app.fetch.crawl import crawl_deferred

        hosts = {host_of(s.url) for s in due if page_fetched(s)}
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
            self.reactor.callLater(0, self.start_due)  # more may be due: a second crawl overlaps this one

    def _fold(self, results: list[FetchResult], due: list[Source]) -> Any:
        """Reschedule each source, then store and classify the results in a worker thread."""
        from twisted.internet.threads import deferToThread

        if self.aborted:  # abandoned by shutdown: store nothing, the sources are polled again after restart
            return None
        next_polls = self.schedule.polled(results, {s.name: s for s in due})
        folded = self.fold_lock.run(deferToThread, self.processor.process, results, next_polls=next_polls,
                                    polled_by=self.instance)
        self.folds.add(folded)

        def forget(result: Any) -> Any:
            self.folds.discard(folded)
            return result

        first = [r.source for r in results if r.source not in self.polled_once]
        self.polled_once.update(first)
        names = [r.source for r in results]
        return folded.addBoth(forget).addCallback(lambda report: self.folded(report, names, bool(first)))

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
        self.schedule.retry(due)
        self.store.release_sources([s.name for s in due], self.instance)

    def _crawl_done(self, _: Any, deferred: Any, due: list[Source], hosts: set[str]) -> None:
        self.in_flight.difference_update(s.name for s in due)
        self.busy_hosts.difference_update(hosts)
        self.crawls.discard(deferred)
        for runner in self.runners:
            if runner is not self.runner and not runner.crawlers:
                runner.stop()  # a runner replaced by SIGHUP, done with its last crawl
        self.runners = [r for r in self.runners if r is self.runner or r.crawlers]
        self.reactor.callLater(0, self.start_due)  # the rest of a large backlog, without waiting a tick

    def abandon(self) -> None:
        """Shutdown's grace is over: what is still fetching stores nothing; stop every runner."""
        self.aborted = True
        for runner in self.runners:
            runner.stop()  # best effort, not waited for
