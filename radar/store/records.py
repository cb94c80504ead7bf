"""What the store hands back: stored statuses, an outbox delivery, an event read from its payload."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from radar.domain.models import Event, Evidence, FetchResult, SourceHealth
from radar.domain.status import ShowState, Slot
from radar.domain.status import row as shown_row


def iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def parse_iso(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


@dataclass(frozen=True)
class StoredInstallment:
    """One installment's row: label (None: unnamed), status, when it changed, order first seen."""

    show_id: str
    installment: str | None
    state: ShowState
    updated: str | None
    seq: int = 0

    @property
    def slot(self) -> Slot:
        return Slot(self.installment, self.state, self.seq)


@dataclass(frozen=True)
class StoredShow:
    """A show's row — the status of its open (else newest) installment — its installments, and whether
    its first check is done."""

    show_id: str
    state: ShowState
    updated: str | None
    baselined: bool
    installment: str | None = None
    installments: tuple[StoredInstallment, ...] = ()

    @property
    def slots(self) -> tuple[Slot, ...]:
        return tuple(i.slot for i in self.installments)


def summarize(show_id: str, installments: Iterable[StoredInstallment], baselined: bool) -> StoredShow:
    """A show's row from its installments (see `radar.domain.status.row`)."""
    items = tuple(installments)
    shown = shown_row([i.slot for i in items])
    chosen = next((i for i in items if shown and i.installment == shown.installment), None)
    if chosen is None:
        return StoredShow(show_id, ShowState(), None, baselined, None, items)
    return StoredShow(show_id, chosen.state, chosen.updated, baselined, chosen.installment, items)


def installment_key(installment: str | None) -> str:
    """The stored form of an installment label: '' for the unnamed one."""
    return installment or ""


@dataclass(frozen=True)
class Delivery:
    """One outbox row with its event."""

    id: int
    notifier: str
    state: str
    attempts: int
    next_try: float
    created: float
    last_error: str | None
    event: Event
    claimed_by: str | None = None  # while `sending`: the instance sending it


def fetch_values(result: FetchResult, now: datetime, next_poll: float | None,
                 failures: int) -> dict[str, Any]:
    values: dict[str, Any] = {"name": result.source, "last_polled": iso(now)}
    if next_poll is not None:  # a `check` beside the daemon leaves the daemon's next poll as it is
        values["next_poll"] = next_poll
    if result.outcome == "error":
        values.update(last_error=result.error, failures=failures + 1)
        if not failures:
            values["failing_since"] = iso(now)
    else:
        values.update(last_success=iso(now), failures=0, last_error=result.warning, failing_since=None)
        if result.outcome == "ok":  # a malformed feed is fetched in full again, and reported again
            values.update(etag=None if result.warning else result.etag,
                          last_modified=None if result.warning else result.last_modified,
                          seen_entries=" ".join(result.fingerprints))
    return values


def event_from_payload(data: dict[str, Any]) -> Event:
    """Rebuild an Event from the JSON the store keeps."""
    if data.get("source"):  # a source_failing / source_recovered event
        return Event(event_id=data["event_id"], event=data["event"], show_id="", show_title="", status="",
                     previous_status="", release=None, previous_release=None, evidence=(),
                     detected_at=data["detected_at"], phrase=data.get("phrase", ""),
                     source=SourceHealth(**data["source"]))
    return Event(
        event_id=data["event_id"], event=data["event"], show_id=data["show_id"],
        show_title=data["show_title"], status=data["status"], previous_status=data["previous_status"],
        release=data.get("release"), previous_release=data.get("previous_release"),
        evidence=tuple(Evidence(**e) for e in data.get("evidence", [])),
        detected_at=data["detected_at"], phrase=data.get("phrase", ""), installment=data.get("installment"),
    )


