"""`/calendar.ics`: every dated installment as an all-day event, through `icalendar`.

A release known to the month, season or year is placed on its first day and says its precision in
the title ("Akudama Drive — Season 2 (October 2026)"). Each installment keeps one UID for good; its
SEQUENCE counts the events the store recorded for it since it was first dated, so a delay or a finer
date raises it and calendar apps move the event, and reading the calendar twice gives the same
SEQUENCE. A cancelled installment keeps its last date with STATUS:CANCELLED.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from radar import PROJECT_URL
from radar.board.data import Board, InstallmentCard, ShowCard
from radar.domain.models import Event, Evidence
from radar.domain.wording import when

PRODID = "-//Renewal Radar//Status board//EN"
DATED = ("dated", "premiered")


@dataclass(frozen=True)
class CalendarEntry:
    """One VEVENT: an installment with a release date."""

    uid: str
    summary: str
    start: date
    sequence: int
    cancelled: bool
    updated: str | None
    evidence: tuple[Evidence, ...]
    status: str


def uid(show_id: str, label: str | None) -> str:
    """The installment's UID, the same across every change of its date."""
    return f"{show_id}.{(label or 'next').replace(' ', '-')}@renewal-radar"


def first_day(release: str) -> date:
    """`2026` → 2026-01-01, `2026-10` → 2026-10-01, `2026-10-05` → itself."""
    parts = [int(p) for p in release.split("-")]
    return date(parts[0], parts[1] if len(parts) > 1 else 1, parts[2] if len(parts) > 2 else 1)


def _entry(show: ShowCard, item: InstallmentCard, events: list[Event]) -> CalendarEntry | None:
    dated = [index for index, event in enumerate(events) if event.release]
    release = item.release if item.status in DATED else None
    if item.status == "cancelled" and dated:
        release = events[dated[-1]].release
    if not release:
        return None
    try:
        start = first_day(release)
    except ValueError:
        return None
    sequence = len(events) - dated[0] - 1 if dated else 0
    precision = f" ({when(release)})" if len(release) < 10 else ""
    name = f"{show.title} — {item.name}" if item.name else show.title
    return CalendarEntry(uid(show.id, item.label), name + precision, start, max(sequence, 0),
                         item.status == "cancelled", item.updated, item.evidence, item.status)


def calendar_entries(board: Board) -> list[CalendarEntry]:
    """The dated installments of the board's shows, soonest first."""
    by_installment: dict[tuple[str, str | None], list[Event]] = {}
    for event, _silent in board.history:
        by_installment.setdefault((event.show_id, event.installment), []).append(event)
    entries = []
    for show in board.shows:
        for item in show.installments:
            entry = _entry(show, item, by_installment.get((show.id, item.label), []))
            if entry is not None:
                entries.append(entry)
    return sorted(entries, key=lambda e: (e.start, e.summary))


def _stamp(value: str | None, fallback: datetime) -> datetime:
    try:
        return datetime.fromisoformat(value) if value else fallback
    except ValueError:
        return fallback


def render_ics(board: Board) -> bytes:
    """The calendar as iCalendar bytes (RFC 5545)."""
    from icalendar import Calendar
    from icalendar import Event as VEvent

    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", "Renewal Radar releases")
    for entry in calendar_entries(board):
        stamp = _stamp(entry.updated, board.generated)
        vevent = VEvent()
        vevent.add("uid", entry.uid)
        vevent.add("sequence", entry.sequence)
        vevent.add("dtstamp", stamp)
        vevent.add("last-modified", stamp)
        vevent.add("dtstart", entry.start)
        vevent.add("dtend", entry.start + timedelta(days=1))
        vevent.add("summary", entry.summary)
        vevent.add("status", "CANCELLED" if entry.cancelled else "CONFIRMED")
        vevent.add("transp", "TRANSPARENT")
        lines = [f"Status: {entry.status}"] + [f"{e.title} — {e.url} ({e.source}, {e.trust})"
                                               for e in entry.evidence]
        vevent.add("description", "\n".join(lines))
        links = [e.url for e in entry.evidence if e.url.startswith(("https://", "http://"))]
        vevent.add("url", links[0] if links else PROJECT_URL)
        calendar.add_component(vevent)
    ical: bytes = calendar.to_ical()  # icalendar leaves to_ical unannotated
    return ical
