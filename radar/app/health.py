"""What the daemon tells about itself on /healthz (its cycle lines are radar.app.cycle.CycleTotals)."""

from __future__ import annotations

import time
from collections.abc import Callable
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
