"""The readable alert: one title and a plain-text or short markdown body, shared by every channel."""

from __future__ import annotations

import re
from dataclasses import dataclass

from radar.models import Event, Evidence

TEST_FLAG = "test"  # Event.extra key marking a `notify-test` alert


@dataclass(frozen=True)
class Message:
    """A rendered alert."""

    title: str
    text: str
    markdown: str


def is_test(event: Event) -> bool:
    """True for the labelled alert sent by `renewal-radar notify-test`."""
    return event.extra.get(TEST_FLAG) == "true"


def headline(event: Event) -> str:
    """What happened, without the show: "season announced", "delayed to 2027-04 (was 2026-10)"."""
    release, before = event.release, event.previous_release
    was = f" (was {before})" if before and before != release else ""
    match event.event:
        case "announced":
            return "season announced" + (f" for {release}" if release else "")
        case "dated":
            return f"dated for {release}{was}" if release else "dated"
        case "delayed":
            return f"delayed to {release}{was}" if release else "delayed"
        case "premiered":
            return "premiered"
        case "cancelled":
            return "cancelled"
        case "rumor":
            return "new season rumored" + (f" for {release}" if release else "")
    return event.status


def title(event: Event) -> str:
    """`<Show title>: <headline>`, prefixed `[TEST]` for a test alert."""
    prefix = "[TEST] " if is_test(event) else ""
    return f"{prefix}{event.show_title}: {headline(event)}"


def _release_line(event: Event) -> str | None:
    if not event.release:
        return None
    before = event.previous_release
    return f"Release: {event.release}" + (f" (was {before})" if before and before != event.release else "")


def _evidence_line(item: Evidence) -> str:
    meta = ", ".join(p for p in (item.source, item.trust, item.published) if p)
    return f"- {item.title}\n  {item.url}" + (f"\n  ({meta})" if meta else "")


def text(event: Event) -> str:
    """The plain-text body: release, status change, trigger phrase, evidence with links."""
    lines: list[str] = []
    if is_test(event):
        lines += ["This is a test alert from Renewal Radar; no show changed status.", ""]
    if line := _release_line(event):
        lines.append(line)
    lines.append(f"Status: {event.status} (was {event.previous_status})")
    if event.phrase:
        lines.append(f'Triggered by: "{event.phrase}"')
    if event.evidence:
        lines += ["", "Evidence:"] + [_evidence_line(e) for e in event.evidence]
    lines += ["", f"Detected {event.detected_at}"]
    return "\n".join(lines)


_MD_SPECIAL = re.compile(r"([\\`*_\[\]])")


def _md(value: str) -> str:
    """Escape the few characters that would break markdown emphasis or links."""
    return _MD_SPECIAL.sub(r"\\\1", value)


def _link(url: str) -> str:
    """A URL safe inside markdown's `(…)`: parentheses and spaces percent-encoded."""
    return url.replace("(", "%28").replace(")", "%29").replace(" ", "%20")


def markdown(event: Event) -> str:
    """A short markdown body for chat services: release, trigger, evidence links."""
    lines: list[str] = []
    if is_test(event):
        lines.append("_Test alert from Renewal Radar; no show changed status._")
    if line := _release_line(event):
        lines.append(f"**{_md(line)}**")
    if event.phrase:
        lines.append(f'Triggered by: "{_md(event.phrase)}"')
    for item in event.evidence:
        meta = ", ".join(p for p in (item.source, item.trust) if p)
        lines.append(f"- [{_md(item.title)}]({_link(item.url)})" + (f" ({_md(meta)})" if meta else ""))
    return "\n".join(lines) or _md(headline(event))


def render(event: Event) -> Message:
    """Title, plain body and markdown body of one event."""
    return Message(title=title(event), text=text(event), markdown=markdown(event))
