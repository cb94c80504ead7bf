"""Leases held for as long as their polls run, by `check` and by the daemon alike.

A source is leased for `[store] lease` when its crawl starts, but a crawl is a batch: sources queued
behind `[schedule] per_host`, slow answers and the fold after them can take longer than that. A lease
that ran out mid-poll let another instance poll the same source again; a LeaseKeeper renews every
lease of a poll still running a third of a lease before it would end. It runs on a Twisted LoopingCall,
not an APScheduler job: `check`, which has no scheduler, keeps its leases with it too.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from typing import Any

from radar.domain.errors import RadarError
from radar.store import Store

log = logging.getLogger(__name__)


class LeaseKeeper:
    """Every `hold / 3` seconds in the reactor, renew this instance's leases of `running()` for `hold`."""

    def __init__(self, reactor: Any, store: Store, instance: str,
                 running: Callable[[], Iterable[str]]) -> None:
        self.reactor, self.store, self.instance, self.running = reactor, store, instance, running
        self.hold = 0.0
        self.loop: Any = None

    def start(self, hold: float) -> None:
        """Renew for `hold` seconds from now on (again with a new `hold` after a reload)."""
        from twisted.internet.task import LoopingCall

        self.stop()
        self.hold = hold
        self.loop = LoopingCall(self.renew)
        self.loop.clock = self.reactor
        self.loop.start(hold / 3, now=False)

    def stop(self) -> None:
        if self.loop is not None and self.loop.running:
            self.loop.stop()
        self.loop = None

    def renew(self) -> None:
        names = sorted(self.running())
        if not names:
            return
        try:
            self.store.renew_sources(names, self.instance, time.time() + self.hold)
        except RadarError as exc:  # a busy store: tried again in a third of a lease, before the lease ends
            log.warning("could not renew the leases of %d sources being polled: %s", len(names), exc)
