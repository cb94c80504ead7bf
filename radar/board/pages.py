"""The board's pages as bytes: the HTML board, the Atom feed of alerts, status.json (and the calendar
from `radar.board.ics`). Pure functions of a `Board`; every value from a feed is escaped by Jinja2's
autoescape, and a link is only ever http(s)."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from jinja2 import Environment, PackageLoader

from radar import PROJECT_URL
from radar.board.data import Board, ShowCard
from radar.board.ics import render_ics
from radar.domain import wording as message
from radar.domain.models import STATUSES


def web_url(url: str | None) -> str:
    """The URL when it is http(s), else "" (a feed's `javascript:` link never becomes a link)."""
    url = (url or "").strip()
    return url if url.lower().startswith(("https://", "http://")) else ""


def stamp(value: str | object | None) -> str:
    """An ISO 8601 time as "2026-11-21 08:00 UTC" (the first 16 characters, as `status` shows it)."""
    text = value.isoformat() if hasattr(value, "isoformat") else str(value or "")
    if not text:
        return ""
    shown = text[:16].replace("T", " ")
    return shown + (" UTC" if text.endswith(("+00:00", "Z")) and len(text) > 10 else "")


@functools.cache
def environment() -> Environment:
    """Our own templates (package data), autoescaped: HTML and XML alike."""
    env = Environment(loader=PackageLoader("radar.board", "templates"), autoescape=True, trim_blocks=True,
                      lstrip_blocks=True)
    env.filters.update(web_url=web_url, stamp=stamp)
    return env


def _matches(show: ShowCard, status: str | None, q: str) -> bool:
    if status and status not in show.statuses:
        return False
    needle = q.casefold().strip()
    return not needle or needle in show.title.casefold() or needle in show.id


def static_link(status: str | None) -> str:
    """Where an exported board's filter link points: one file per status."""
    return "index.html" if not status else f"status-{status}.html"


def served_link(status: str | None) -> str:
    """Where a served board's filter link points: the same page with `?status=`."""
    return "./" if not status else f"./?status={status}"


def render_html(board: Board, status: str | None = None, q: str = "",
                link: Callable[[str | None], str] = served_link, searchable: bool = True) -> bytes:
    """The board, filtered by status and a search of titles; upcoming releases first."""
    status = status if status in STATUSES else None
    counts = [(name, sum(1 for s in board.shows if name in s.statuses)) for name in STATUSES]
    shown = [s for s in board.shows if _matches(s, status, q)]
    page = environment().get_template("board.html.j2").render(
        shows=shown, total=len(board.shows), counts=[c for c in counts if c[1]], status=status, q=q,
        sources=board.sources, generated=board.generated, filter_link=link, searchable=searchable)
    return page.encode("utf-8")


@dataclass(frozen=True)
class _Link:
    url: str
    title: str


def render_atom(board: Board) -> bytes:
    """Every alert as an Atom entry, newest first; the entry id is the event_id's URN."""
    alerts = board.alerts
    entries: list[dict[str, Any]] = []
    for event in alerts:
        links = [_Link(url, e.title) for e in event.evidence if (url := web_url(e.url))] or [
            _Link(f"./#show-{event.show_id}", event.show_title)]  # no web link among the evidence: its card
        entries.append({"id": f"urn:renewal-radar:event:{event.event_id}", "title": message.title(event),
                        "updated": event.detected_at, "category": event.event, "links": links,
                        "content": message.text(event)})
    updated = alerts[0].detected_at if alerts else board.generated.isoformat(timespec="seconds")
    feed = environment().get_template("feed.atom.j2").render(entries=entries, updated=updated,
                                                              project_url=PROJECT_URL)
    return feed.encode("utf-8")


def render_json(board: Board) -> bytes:
    """What `status --json` prints."""
    return (json.dumps(list(board.rows), ensure_ascii=False, indent=2) + "\n").encode("utf-8")


PAGES: dict[str, tuple[str, Callable[[Board], bytes]]] = {
    "feed.atom": ("application/atom+xml; charset=utf-8", render_atom),
    "calendar.ics": ("text/calendar; charset=utf-8", render_ics),
    "api/status.json": ("application/json; charset=utf-8", render_json),
}
"""The files beside the HTML board: path → (content type, renderer)."""
