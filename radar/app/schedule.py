"""When each source of the daemon is due: its interval ± jitter from when it was due, doubled per
consecutive failure (capped), and never twice at once by two instances sharing a store.

Why not one APScheduler job per source: the schedule is not this process's alone. On a shared store a
source's next poll is whatever the store says (another instance may have polled it since, or hold it
now: `Store.lease_sources`), and due sources are crawled together in batches of up to 250 (one Scrapy
crawl, one fold transaction) rather than one job each. So the due times live here, read from and
written to the store with each poll, and APScheduler fires the daemon's one tick that looks at them
(radar.app.daemon).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from urllib.parse import urlsplit

from radar.app.config import Config
from radar.domain.models import FetchResult, Source
from radar.store import Store

MAX_BACKOFF_FACTOR = 32     # a failing source waits at most 32 intervals…
MAX_BACKOFF_SECONDS = 6 * 3600  # …and never more than six hours
MIN_GAP = 0.5               # seconds between the end of one poll of a source and the next


def next_poll_delay(interval: float, jitter: float, failures: int, rng: random.Random) -> float:
    """Seconds until a source's next poll: its interval ± jitter, doubled per consecutive failure, capped."""
    base = interval * min(2 ** failures, MAX_BACKOFF_FACTOR) if failures else interval
    base = min(base, max(interval, MAX_BACKOFF_SECONDS))
    return max(0.5, base + rng.uniform(-jitter, jitter) * base)


def host_of(url: str) -> str:
    """The host Scrapy keys its per-host download slots by."""
    return (urlsplit(url).hostname or url).lower()


class Schedule:
    """The due time of every configured source, and what its polls so far say about the next one."""

    def __init__(self, config: Config, store: Store, rng: random.Random | None = None) -> None:
        self.config = config
        self.rng = rng or random.Random()
        known = store.source_rows()
        now = time.time()
        self.due = {s.name: min(known[s.name].next_poll or now, now + self.interval(s))
                    if s.name in known else now for s in config.sources}
        self.failures = {name: row.failures for name, row in known.items()}
        self.failing = {name: row.last_error or "failed" for name, row in known.items()
                        if row.failures and name in self.due}  # what /healthz names as failing
        self.polled_at: dict[str, float] = {}  # when each source's last poll by this process was due
        self.started: dict[str, float] = {}    # when each source's crawl in flight started
        self.forced: set[str] = set()          # due now whatever the store says (SIGUSR1)

    def interval(self, source: Source) -> float:
        return source.interval or self.config.radar.schedule.interval

    def tick_seconds(self) -> float:
        """How often the daemon looks for due sources."""
        shortest = min((self.interval(s) for s in self.config.sources), default=60.0)
        return max(0.2, min(1.0, shortest / 4))

    def due_now(self, skip: Callable[[Source], bool]) -> list[Source]:
        """The sources due now that `skip` does not hold back, the most overdue first."""
        now = time.time()
        due = [s for s in self.config.sources if self.due.get(s.name, 0) <= now and not skip(s)]
        return sorted(due, key=lambda s: self.due.get(s.name, 0))

    def lease(self, due: Sequence[Source], store: Store, instance: str, most: int) -> list[Source]:
        """The sources of `due` this instance leased (at most `most`); each other one is due again when
        the store says (polled by another instance since, or held by one now)."""
        now = time.time()
        forced = [s.name for s in due if s.name in self.forced]
        names = [s.name for s in due if s.name not in self.forced][:most]
        hold = self.config.radar.store.lease
        got = store.lease_sources(forced, instance, now, hold, force=True) if forced else None
        leases = store.lease_sources(names, instance, now, hold)
        leased = set(leases.leased) | set(got.leased if got else ())
        for name, when in {**leases.later, **(got.later if got else {})}.items():
            self.due[name] = max(when, now + MIN_GAP)
        for name, stored in leases.due.items():  # due later by the store (another instance polled it since):
            self.due[name] = max(self.due.get(name, stored), stored)  # its next poll counts from then
        self.forced.difference_update(leased)
        chosen = [s for s in due if s.name in leased]
        self.started.update((s.name, now) for s in chosen)
        return chosen

    def polled(self, results: Iterable[FetchResult], sources: Mapping[str, Source]) -> dict[str, float]:
        """Reschedule each polled source; returns the next poll of each, for the store."""
        next_polls = {}
        for result in results:
            failures = self.failures.get(result.source, 0) + 1 if result.outcome == "error" else 0
            self.failures[result.source] = failures
            jitter = self.config.radar.schedule.jitter
            delay = next_poll_delay(self.interval(sources[result.source]), jitter, failures, self.rng)
            # from when it was due, not when its batch ended: sources due together stay together
            now = time.time()
            base = self.due.get(result.source, now)
            started = self.started.pop(result.source, now)
            if started - base > self.tick_seconds() + MIN_GAP:  # polled late (a restart, a stall): a new
                base = started  # phase from this poll, not a second poll at once to catch up the old one
            self.polled_at[result.source] = base
            self.due[result.source] = next_polls[result.source] = max(base + delay, now + MIN_GAP)
            if result.outcome == "error":
                self.failing[result.source] = result.error or "failed"
            else:
                self.failing.pop(result.source, None)
        return next_polls

    def retry(self, sources: Iterable[Source]) -> None:
        """A poll that stored nothing (a bug in the crawl or the fold): each source again in an interval."""
        for source in sources:
            self.started.pop(source.name, None)
            self.due[source.name] = time.time() + self.interval(source)

    def reconfigure(self, config: Config) -> tuple[set[str], set[str]]:
        """SIGHUP's new config: a new source is due now; a changed interval counts from the last poll.
        Returns the names added and removed."""
        before = {s.name: self.interval(s) for s in self.config.sources}
        self.config = config
        now = time.time()
        due = {}
        for source in config.sources:
            name, interval = source.name, self.interval(source)
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
        self.failing = {k: v for k, v in self.failing.items() if k in due}
        return added, removed

    def all_due_now(self, waiting: Iterable[str]) -> None:
        """SIGUSR1: these sources are due now, failing ones included, whatever the store says."""
        now = time.time()
        for name in waiting:
            self.due[name] = min(self.due[name], now)
            self.forced.add(name)
