"""What the daemon tells about itself: counters for /healthz, and the tally behind its cycle lines."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from radar.app.cycle import CycleReport


@dataclass
class Health:
    """The counters /healthz reports beside the schedule's and the store's."""

    started: float = field(default_factory=time.time)
    cycles: int = 0
    polls: int = 0
    last_cycle: float | None = None
    max_lag: float = 0.0   # worst lateness of a scheduler tick: how long the reactor was stalled
    reloads: int = 0       # SIGHUPs whose config was read and put in place
    last_tick: float | None = None

    def ticked(self, every: float) -> None:
        """A scheduler tick meant to come every `every` seconds came now."""
        tick = time.monotonic()
        if self.last_tick is not None:
            self.max_lag = max(self.max_lag, tick - self.last_tick - every)
        self.last_tick = tick

    def folded(self, report: CycleReport) -> None:
        self.cycles += 1
        self.polls += report.polled
        self.last_cycle = time.time()


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
        self.warnings += len(report.warnings)
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


def serve_health(reactor: Any, port: int, health_json: Callable[[], bytes], root: Any = None) -> None:
    """/healthz on 127.0.0.1:port, beside the resources of `root` (the status board's pages) if given."""
    from twisted.web.resource import Resource

    from radar.app.web import listen, put

    class Healthz(Resource):
        isLeaf = True

        def render_GET(self, request: Any) -> bytes:
            request.setHeader(b"content-type", b"application/json")
            return health_json()

    what = "/healthz" if root is None else "the status board"
    root = root if root is not None else Resource()
    put(root, b"healthz", Healthz())
    listen(reactor, root, port, "127.0.0.1", what)
