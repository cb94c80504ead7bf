"""Runs poll cycles in one Twisted reactor: the sources are polled, then the cycle folds and delivers."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from radar.config import Config
from radar.cycle import CycleProcessor, CycleReport
from radar.delivery import deliver_due
from radar.launch import settled
from radar.store import Store

log = logging.getLogger(__name__)


def install_reactor() -> Any:
    """Install the asyncio reactor before anything imports twisted.internet.reactor; return it."""
    from spiders.crawl import install_reactor as install

    return install()


def make_runner(config: Config) -> Any:
    """What polls the sources, configured from [schedule]."""
    from spiders.crawl import PollRunner

    schedule = config.radar.schedule
    return PollRunner(schedule.timeout, schedule.max_bytes, schedule.per_host, shows=config.shows)


def cycle_deferred(config: Config, store: Store, runner: Any, processor: CycleProcessor,
                   sources: Any = None) -> Any:
    """Deferred firing with the CycleReport of one fetch + fold + delivery over `sources` (default all)."""
    from spiders.crawl import crawl_deferred

    chosen = config.sources if sources is None else sources
    deferred = crawl_deferred(runner, chosen, store.validators())

    def fold_and_deliver(results: list) -> CycleReport:
        report = processor.process(results)
        delivery = deliver_due(config, store, force=True)
        report.delivered = delivery.delivered
        report.delivery_errors = delivery.errors
        return report

    deferred.addCallback(fold_and_deliver)
    return deferred


def run_cycles(config: Config, store: Store, count: int = 1,
               before_each: Callable[[int], None] | None = None) -> list[CycleReport]:
    """Run `count` cycles one after another in a fresh reactor (once per process) and return the reports."""
    reactor = install_reactor()
    from twisted.internet import defer

    runner = make_runner(config)
    processor = CycleProcessor(config, store)
    settled()  # everything a cycle needs is imported
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
        except Exception as exc:  # surfaced to the caller after the reactor stops
            failure.append(exc)
        finally:
            yield runner.stop()
            reactor.stop()

    reactor.callWhenRunning(loop)
    reactor.run(installSignalHandlers=True)
    if failure:
        raise failure[0]
    return reports
