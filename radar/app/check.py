"""Runs poll cycles in one Twisted reactor: the sources are polled, then the cycle folds and delivers."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from radar.app import process
from radar.app.config import Config
from radar.app.cycle import CycleProcessor, CycleReport
from radar.app.delivery import deliver_due
from radar.app.keeper import LeaseKeeper
from radar.domain.models import FetchResult
from radar.store import Store
from radar.store.lease import instance_id

log = logging.getLogger(__name__)


def make_runner(config: Config) -> Any:
    """What polls the sources, configured from [schedule]."""
    from radar.app.fetch.crawl import PollRunner

    schedule = config.radar.schedule
    return PollRunner(schedule.timeout, schedule.max_bytes, schedule.per_host, shows=config.shows,
                      parse_budget=schedule.parse_budget)


def cycle_deferred(config: Config, store: Store, runner: Any, processor: CycleProcessor,
                   sources: Any = None) -> Any:
    """Deferred firing with the CycleReport of one fetch + fold + delivery over `sources` (default all).

    Beside daemons it takes part by the same leases: it polls every source no other instance is polling
    right now (those are skipped: their poll is underway), records when each is due next, and sends only
    the alerts it claims."""
    from twisted.internet import reactor

    from radar.app.fetch.crawl import crawl_deferred

    chosen = config.sources if sources is None else sources
    instance = instance_id()
    store.release_dead()
    now = time.time()
    leased = set(store.lease_sources([s.name for s in chosen], instance, now, config.radar.store.lease,
                                     force=True).leased)
    held = [s.name for s in chosen if s.name not in leased]
    if held:
        log.info("%d sources are being polled by another instance right now; not polling them: %s", len(held),
                 ", ".join(held[:5]) + (" …" if len(held) > 5 else ""))
    chosen = [s for s in chosen if s.name in leased]
    keeper = LeaseKeeper(reactor, store, instance, lambda: leased)
    keeper.start(config.radar.store.lease)
    try:
        deferred = crawl_deferred(runner, chosen, store.validators(s.name for s in chosen))
    except Exception:
        keeper.stop()
        raise
    interval = config.radar.schedule.interval

    def fold_and_deliver(results: list[FetchResult]) -> CycleReport:
        done = time.time()
        by_name = {s.name: s for s in chosen}
        next_polls = {r.source: done + (by_name[r.source].interval or interval) for r in results
                      if r.source in by_name}
        report = processor.process(results, next_polls=next_polls, polled_by=instance)
        delivery = deliver_due(config, store, force=True, instance=instance)
        report.delivered = delivery.delivered
        report.delivery_errors = delivery.errors
        return report

    def release(failure: Any) -> Any:
        store.release_sources([s.name for s in chosen], instance)
        return failure

    def kept(result: Any) -> Any:
        keeper.stop()
        return result

    deferred.addCallback(fold_and_deliver)
    deferred.addErrback(release)
    deferred.addBoth(kept)  # every lease ended: by the recorded poll, or released after a failure
    return deferred


def run_cycles(config: Config, store: Store, count: int = 1,
               before_each: Callable[[int], None] | None = None) -> list[CycleReport]:
    """Run `count` cycles one after another in a fresh reactor (once per process) and return the reports."""
    from radar.app.fetch.crawl import install_reactor

    reactor = install_reactor()
    from twisted.internet import defer

    runner = make_runner(config)
    processor = CycleProcessor(config, store)
    process.settled()  # everything a cycle needs is imported
    reports: list[CycleReport] = []
    failure: list[Any] = []

    @defer.inlineCallbacks
    def loop() -> Any:
        try:
            for index in range(count):
                if before_each:
                    before_each(index)
                report = yield cycle_deferred(config, store, runner, processor)
                reports.append(report)
        except Exception as exc:  # noqa: BLE001 (surfaced to the caller after the reactor stops)
            failure.append(exc)
        finally:
            yield runner.stop()
            reactor.stop()

    reactor.callWhenRunning(loop)
    reactor.run(installSignalHandlers=True)
    if failure:
        raise failure[0]
    return reports
