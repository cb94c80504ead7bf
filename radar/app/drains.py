"""The daemon's delivery loop: the outbox drained per notifier, each in a daemon thread of its own.

Apprise and requests block, so each notifier's drain runs in a thread; one drain per notifier at a time,
so one stuck endpoint never holds another. The threads are daemon threads (not the reactor's pool):
stopping the reactor or the process never waits for a stuck send, whose alert stays in the outbox.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from radar.app.config import Config
from radar.app.delivery import DeliveryReport, build_channels, deliver_due
from radar.store import Store

log = logging.getLogger(__name__)


class Drains:
    """Drains of the outbox in flight, by notifier (None: alerts of notifiers no longer configured)."""

    def __init__(self, reactor: Any, store: Store, instance: str, done: Callable[[DeliveryReport], None],
                 idle: Callable[[], None]) -> None:
        self.reactor, self.store, self.instance = reactor, store, instance
        self.done, self.idle = done, idle  # after each drain; when no drain is left in flight
        self.delivering: dict[str | None, Any] = {}
        self.again: set[str | None] = set()
        self.stopping = False

    def configure(self, config: Config) -> None:
        self.config = config
        self.channels = build_channels(config)

    def deliver(self, urgent: bool = False) -> None:
        """Start a drain for each notifier not draining now (`urgent`: again right after one in flight)."""
        if self.stopping:
            return
        for name in [*self.channels, None]:
            if name in self.delivering:
                if urgent:
                    self.again.add(name)
                continue
            self._drain(name)

    def in_flight(self) -> list[Any]:
        return [d for d in self.delivering.values() if not d.called]

    def _drain(self, name: str | None) -> None:
        known = frozenset(self.channels)
        only = (lambda n: n == name) if name is not None else (lambda n: n not in known)
        drained = in_daemon_thread(self.reactor, deliver_due, self.config, self.store, self.channels,
                                   only=only, instance=self.instance)
        self.delivering[name] = drained

        def failed(failure: Any) -> None:
            log.error("delivery loop failed: %s", failure.getErrorMessage())

        def clear(_: Any) -> None:
            self.delivering.pop(name, None)
            if name in self.again:
                self.again.discard(name)
                if not self.stopping:
                    self._drain(name)
            if not self.delivering:
                self.idle()

        drained.addCallbacks(self.done, failed).addBoth(clear)


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
