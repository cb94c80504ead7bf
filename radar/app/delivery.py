"""Drains the outbox: sends each due alert through its notifier, with backoff and give-up.

Each alert is claimed before it is sent (`Store.claim_delivery`), so a daemon and a `check` — or several
daemons on one PostgreSQL — never send the same alert twice: the others skip it. A claim whose sender
died is free again when it expires (`[store] lease`).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime

from radar.app import plugins
from radar.app.config import Config
from radar.domain.channel import Channel
from radar.domain.errors import DeliveryError
from radar.domain.installment import display
from radar.domain.models import Event
from radar.store import Delivery, Store
from radar.store.lease import instance_id

log = logging.getLogger(__name__)


@dataclass
class DeliveryReport:
    """What one drain of the outbox did."""

    delivered: int = 0
    errors: list[tuple[str, str]] = field(default_factory=list)  # (notifier, reason)


def build_channels(config: Config) -> dict[str, Channel]:
    """One channel object per configured notifier, by name."""
    return {spec.name: plugins.channel_kinds()[spec.kind](spec.name, spec.options)
            for spec in config.notifiers}


def next_backoff(config: Config, attempts: int) -> float:
    """Seconds before retry number `attempts` (1-based): retry_backoff doubling up to max_backoff."""
    delivery = config.radar.delivery
    return float(min(delivery.retry_backoff * 2 ** max(attempts - 1, 0), delivery.max_backoff))


def deliver_one(config: Config, store: Store, channels: dict[str, Channel], item: Delivery,
                now_ts: float | None = None) -> str | None:
    """Send one outbox row; returns None on success, else the (redacted) reason."""
    now_ts = time.time() if now_ts is None else now_ts
    channel = channels.get(item.notifier)
    if channel is None:
        reason = "notifier no longer configured"
    else:
        try:
            channel.send(item.event)
        except DeliveryError as exc:
            reason = config.masker.mask(exc.problem)
        except Exception as exc:  # a channel bug must not kill the loop or lose the alert
            log.exception("notifier %s crashed", item.notifier)
            reason = config.masker.mask(f"{exc.__class__.__name__}: {exc}")
        else:
            store.mark_delivered(item.id, datetime.now(UTC))
            return None
    attempts = item.attempts + 1
    give_up = now_ts - item.created >= config.radar.delivery.give_up_after
    store.mark_attempt_failed(item.id, reason, now_ts + next_backoff(config, attempts), give_up)
    log.warning("delivery of %s to %s failed (attempt %d%s): %s", item.event.event_id, item.notifier,
                attempts, ", giving up" if give_up else "", reason)
    return reason


def _alert_name(event: Event) -> str:
    """A short name of an alert for a failure line: 'Akudama Drive — Season 2: announced'."""
    what = event.show_title or (event.source.name if event.source else "") or event.show_id or "alert"
    named = display(event.installment)
    return f"{what}{f' — {named}' if named else ''}: {event.event}"


def deliver_due(config: Config, store: Store, channels: dict[str, Channel] | None = None,
                now_ts: float | None = None, force: bool = False,
                only: Callable[[str], bool] | None = None, instance: str | None = None) -> DeliveryReport:
    """Send every pending alert whose next try is due (all pending ones when `force`; only those of the
    notifiers `only` accepts, when given).

    Notifiers are independent: each sends its alerts, oldest first, in a thread of its own, so a stuck
    endpoint never holds another; a notifier's first failure ends its turn (its other alerts stay
    pending, untried, for the next drain), so one drain waits at most one timeout per dead endpoint.
    An alert another instance (`instance`: this one's name, default `host:pid`) has claimed is skipped.
    """
    instance = instance or instance_id()
    hold = config.radar.store.lease
    now_ts = time.time() if now_ts is None else now_ts
    channels = build_channels(config) if channels is None else channels
    queues: dict[str, list[Delivery]] = {}
    for item in store.deliveries(("pending", "sending")):  # a sending one whose sender died is claimable
        if (force or item.next_try <= now_ts) and (only is None or only(item.notifier)):
            queues.setdefault(item.notifier, []).append(item)

    def drain(items: list[Delivery]) -> DeliveryReport:
        part = DeliveryReport()
        for listed in items:
            item = store.claim_delivery(listed, instance, now_ts, hold, force)
            if item is None:  # another instance sends it, or sent it since it was listed
                continue
            reason = deliver_one(config, store, channels, item, now_ts)
            if reason is not None:  # the reason names the alert: which one is waiting, and why
                part.errors.append((item.notifier, f"{_alert_name(item.event)}: {reason}"))
                break
            part.delivered += 1
        return part

    if len(queues) > 1:
        with ThreadPoolExecutor(len(queues), thread_name_prefix="deliver") as pool:
            parts = list(pool.map(drain, queues.values()))
    else:
        parts = [drain(items) for items in queues.values()]
    return DeliveryReport(delivered=sum(p.delivered for p in parts),
                          errors=[e for p in parts for e in p.errors])
