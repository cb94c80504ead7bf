"""The labelled alert `renewal-radar notify-test` sends through a channel."""

from __future__ import annotations

from datetime import UTC, datetime

from radar import PROJECT_URL
from radar.domain.models import Event, Evidence, stable_id
from radar.domain.wording import TEST_FLAG

TEST_SHOW_ID = "renewal-radar-test"


def sample_event(channel_name: str, now: datetime | None = None) -> Event:
    """A clearly labelled test alert; its event_id is new on every call (receivers must not dedupe it)."""
    moment = now or datetime.now(UTC)
    detected = moment.isoformat(timespec="seconds")
    return Event(
        event_id="test-" + stable_id("notify-test", channel_name, moment.isoformat()),
        event="announced",
        show_id=TEST_SHOW_ID,
        show_title="Renewal Radar test alert",
        status="announced",
        previous_status="none",
        release=None,
        previous_release=None,
        evidence=(Evidence(
            title=f"Test alert for notifier {channel_name!r}: delivery works",
            url=PROJECT_URL,
            source="renewal-radar",
            trust="official",
            published=detected,
        ),),
        detected_at=detected,
        phrase="renewal-radar notify-test",
        extra={TEST_FLAG: "true"},
    )
