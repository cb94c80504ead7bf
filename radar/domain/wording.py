"""The readable alert: one title and a plain-text or short markdown body, shared by every channel."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from radar.domain.installment import display
from radar.domain.models import Event, Evidence

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


_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December")


def when(release: str | None) -> str:
    """A release as people write it: "2027", "July 2026", "July 4, 2026"."""
    if not release:
        return ""
    parts = release.split("-")
    try:
        month = _MONTHS[int(parts[1]) - 1] if len(parts) > 1 else ""
        if len(parts) == 3:
            return f"{month} {int(parts[2])}, {parts[0]}"
    except (ValueError, IndexError):
        return release
    return f"{month} {parts[0]}".strip()


def headline(event: Event) -> str:
    """What happened, without the show: "season announced", "delayed to 2027-04 (was 2026-10)"; for a
    named installment, whose name the title carries: "announced", "dated July 2026"; for a source,
    "failing since 2026-10-30 18:15 JST: HTTP 500" or "recovered (failing since …)"."""
    if event.source is not None:
        since = local_time(event.source.failing_since)
        if event.event == "source_recovered":
            return f"recovered (failing since {since})"
        return f"failing since {since}: {event.source.error or 'failed'}"
    if event.installment:
        return _installment_headline(event)
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


def _installment_headline(event: Event) -> str:
    release, before = when(event.release), when(event.previous_release)
    was = f" (was {before})" if before and before != release else ""
    match event.event:
        case "announced":
            return "announced" + (f" for {release}" if release else "")
        case "dated":
            return f"dated {release}{was}" if release else "dated"
        case "delayed":
            return f"delayed to {release}{was}" if release else "delayed, no new date yet"
        case "rumor":
            return "rumored" + (f" for {release}" if release else "")
    return event.event


def installment_name(label: str | None) -> str | None:
    """A label's display form ("Season 2 Part 2"); a label that is not canonical is shown as it is."""
    try:
        return display(label)
    except ValueError:
        return label


def show_name(event: Event) -> str:
    """The show and, when an article named it, the installment: "Mushoku Tensei — Season 3"; for a
    source's alert, "Source ann"."""
    if event.source is not None:
        return f"Source {event.source.name}"
    named = installment_name(event.installment)
    return f"{event.show_title} — {named}" if named else event.show_title


def title(event: Event) -> str:
    """`<Show title>[ — <Installment>]: <headline>`, prefixed `[TEST]` for a test alert."""
    prefix = "[TEST] " if is_test(event) else ""
    return f"{prefix}{show_name(event)}: {headline(event)}"


def _release_line(event: Event) -> str | None:
    if not event.release:
        return None
    before = event.previous_release
    return f"Release: {event.release}" + (f" (was {before})" if before and before != event.release else "")


def change(event: Event) -> str:
    """The status change: "Status: announced (was none)"; a new release of the same status says the move,
    "delayed: 2026-10 → 2027-01"."""
    if (event.status == event.previous_status and event.previous_release
            and event.release != event.previous_release):
        return f"{event.event}: {event.previous_release} → {event.release or 'no date'}"
    return f"Status: {event.status} (was {event.previous_status})"


def local_time(stamp: str | None, seconds: bool = False) -> str:
    """An ISO 8601 time in the local zone, saying which: "2026-10-30 18:15 JST" (as given when unreadable)."""
    if not stamp:
        return ""
    try:
        moment = datetime.fromisoformat(stamp)
    except ValueError:
        return stamp
    local = moment.astimezone() if moment.tzinfo else moment
    zone = local.strftime("%Z") or local.strftime("%z")
    return local.strftime("%Y-%m-%d %H:%M" + (":%S" if seconds else "")) + (f" {zone}" if zone else "")


def _evidence_line(item: Evidence) -> str:
    meta = ", ".join(p for p in (item.source, item.trust, item.published) if p)
    return f"- {item.title}\n  {item.url}" + (f"\n  ({meta})" if meta else "")


def _source_lines(event: Event) -> list[str]:
    health = event.source
    if health is None:
        return []
    lines = [f"Source: {health.name} ({health.url})", f"Failing since: {local_time(health.failing_since)}"]
    if event.event == "source_recovered":
        lines.append(f"Recovered after {health.failures} failed polls; "
                     f"the last error was: {health.error or '?'}")
    else:
        lines += [f"Failed polls in a row: {health.failures}", f"Last error: {health.error or 'failed'}",
                  "Its news is not being read: check the source's url in sources.toml."]
    return lines


def text(event: Event) -> str:
    """The plain-text body: release, status change, trigger phrase, evidence with links."""
    if event.source is not None:
        return "\n".join([*_source_lines(event), "", f"Detected {local_time(event.detected_at)}"])
    lines: list[str] = []
    if is_test(event):
        lines += ["This is a test alert from Renewal Radar; no show changed status.", ""]
    if event.installment:
        lines.append(f"Installment: {installment_name(event.installment)}")
    if line := _release_line(event):
        lines.append(line)
    lines.append(change(event))
    if event.phrase:
        lines.append(f'Triggered by: "{event.phrase}"')
    if event.evidence:
        lines += ["", "Evidence:"] + [_evidence_line(e) for e in event.evidence]
    lines += ["", f"Detected {local_time(event.detected_at)}"]
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
    if event.source is not None:
        return "\n".join(_md(line) for line in _source_lines(event))
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
