"""Drains the outbox: sends each due alert through its notifier, with backoff and give-up."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime

from radar.config import Config
from radar.errors import DeliveryError
from radar.store import Delivery, Store

log = logging.getLogger(__name__)


@dataclass
class DeliveryReport:
    """What one drain of the outbox did."""

    delivered: int = 0
    errors: list[tuple[str, str]] = field(default_factory=list)  # (notifier, reason)
    gave_up: int = 0


def build_channels(config: Config) -> dict[str, object]:
    """One channel object per configured notifier, by name."""
    from notifier.base import Channel

    return {spec.name: Channel.registry[spec.kind](spec.name, spec.options) for spec in config.notifiers}


def next_backoff(config: Config, attempts: int) -> float:
    """Seconds before retry number `attempts` (1-based): retry_backoff doubling up to max_backoff."""
    delivery = config.radar.delivery
    return float(min(delivery.retry_backoff * 2 ** max(attempts - 1, 0), delivery.max_backoff))


def deliver_one(config: Config, store: Store, channels: dict[str, object], item: Delivery,
                now_ts: float | None = None) -> str | None:
    """Send one outbox row; returns None on success, else the (redacted) reason."""
    now_ts = time.time() if now_ts is None else now_ts
    channel = channels.get(item.notifier)
    if channel is None:
        reason = "notifier no longer configured"
    else:
        try:
            channel.send(item.event)  # type: ignore[attr-defined]
        except DeliveryError as exc:
            reason = config.redact(exc.problem)
        except Exception as exc:  # a channel bug must not kill the loop or lose the alert
            log.exception("notifier %s crashed", item.notifier)
            reason = config.redact(f"{exc.__class__.__name__}: {exc}")
        else:
            store.mark_delivered(item.id, datetime.now(UTC))
            return None
    attempts = item.attempts + 1
    give_up = now_ts - item.created >= config.radar.delivery.give_up_after
    store.mark_attempt_failed(item.id, reason, now_ts + next_backoff(config, attempts), give_up)
    log.warning("delivery of %s to %s failed (attempt %d%s): %s", item.event.event_id, item.notifier,
                attempts, ", giving up" if give_up else "", reason)
    return reason


def deliver_due(config: Config, store: Store, channels: dict[str, object] | None = None,
                now_ts: float | None = None, force: bool = False) -> DeliveryReport:
    """Send every pending alert whose next try is due (all pending ones when `force`)."""
    now_ts = time.time() if now_ts is None else now_ts
    channels = build_channels(config) if channels is None else channels
    report = DeliveryReport()
    for item in store.deliveries(("pending",)):
        if not force and item.next_try > now_ts:
            continue
        reason = deliver_one(config, store, channels, item, now_ts)
        if reason is None:
            report.delivered += 1
        else:
            report.errors.append((item.notifier, reason))
    report.gave_up = store.count_deliveries("failed")
    return report
