"""What the status board shows, read from the config and the store (read-only); no rendering here."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from radar.app.config import Config
from radar.domain.models import Event, Evidence
from radar.domain.status import in_order
from radar.domain.wording import installment_name, when
from radar.store import Store

TRUST_RANK = {"official": 3, "news": 2, "community": 1}
EVIDENCE_PER_INSTALLMENT = 3


def status_rows(config: Config, store: Store) -> list[dict[str, Any]]:
    """One row per watched show, as `status --json` prints it: id, title, installment, status, release,
    updated, evidence."""
    stored = store.shows()
    rows = []
    for show in config.shows:
        entry = stored.get(show.id)
        state = entry.state if entry else None
        evidence = [e.as_dict() for e in store.evidence_for(show.id)]
        rows.append({"id": show.id, "title": show.title, "installment": entry.installment if entry else None,
                     "status": state.status if state else "none",
                     "release": state.release if state else None, "updated": entry.updated if entry else None,
                     "evidence": evidence})
    return rows


@dataclass(frozen=True)
class InstallmentCard:
    """One installment of a show as the board shows it."""

    label: str | None          # canonical label; None: the installment no article named
    name: str                  # "Season 3"; "" for the unnamed one
    status: str
    release: str | None        # YYYY, YYYY-MM or YYYY-MM-DD
    updated: str | None        # when our stored status last changed (ISO 8601)
    evidence: tuple[Evidence, ...]

    @property
    def release_text(self) -> str:
        """The release as people write it: "2027", "October 2026", "October 5, 2026"."""
        return when(self.release)

    @property
    def trust(self) -> str | None:
        """How sure: the strongest trust among the evidence (official > news > community)."""
        ranked = sorted((e.trust for e in self.evidence), key=lambda t: TRUST_RANK.get(t, 0), reverse=True)
        return ranked[0] if ranked else None


@dataclass(frozen=True)
class ShowCard:
    """A watched show and its installments, first to newest."""

    id: str
    title: str
    installments: tuple[InstallmentCard, ...]

    @property
    def statuses(self) -> set[str]:
        return {i.status for i in self.installments} or {"none"}

    def upcoming(self, today: str) -> str | None:
        """The earliest release of a dated installment that is today or later (at its precision)."""
        dates = [i.release for i in self.installments
                 if i.status == "dated" and i.release and i.release >= today[:len(i.release)]]
        return min(dates, default=None)

    @property
    def updated(self) -> str:
        return max((i.updated or "" for i in self.installments), default="")


@dataclass(frozen=True)
class SourceHealth:
    """One configured source: its last success and, while it fails, since when and why."""

    name: str
    kind: str
    trust: str
    last_success: str | None
    failing_since: str | None
    failures: int
    last_error: str | None


@dataclass(frozen=True)
class Board:
    """Everything the pages show, read at one moment."""

    generated: datetime
    shows: tuple[ShowCard, ...]              # upcoming releases first, then the most recently changed
    sources: tuple[SourceHealth, ...]
    history: tuple[tuple[Event, bool], ...]  # every event, oldest first, with its silent flag
    rows: tuple[dict[str, Any], ...]         # what `status --json` prints
    rumors: bool = False                     # [alerts] rumors: rumours are alerted too

    @property
    def alerts(self) -> list[Event]:
        """The events that were alerted (not recorded silently; a rumour only with `[alerts] rumors`),
        newest first."""
        return [event for event, silent in reversed(self.history)
                if not silent and (self.rumors or event.event != "rumor")]


def order_shows(shows: Sequence[ShowCard], today: str) -> list[ShowCard]:
    """Upcoming releases first (soonest first), then shows by when they last changed, newest first."""
    upcoming = sorted((s for s in shows if s.upcoming(today)),
                      key=lambda s: (s.upcoming(today) or "", s.title))
    rest = sorted((s for s in shows if not s.upcoming(today)), key=lambda s: s.title.casefold())
    rest = sorted(rest, key=lambda s: s.updated, reverse=True)
    return upcoming + rest


def read_board(config: Config, store: Store, now: datetime | None = None) -> Board:
    """Read the board from the store; secrets in source errors are masked."""
    now = now or datetime.now(UTC)
    stored = store.shows()
    cards = []
    for show in config.shows:
        entry = stored.get(show.id)
        by_label = {i.installment: i for i in entry.installments} if entry else {}
        items = []
        for slot in in_order([i.slot for i in by_label.values()]):
            item = by_label[slot.installment]
            evidence = store.evidence_of(show.id, item.installment, item.state.status,
                                         EVIDENCE_PER_INSTALLMENT)
            items.append(InstallmentCard(item.installment, installment_name(item.installment) or "",
                                         item.state.status, item.state.release, item.updated,
                                         tuple(evidence)))
        cards.append(ShowCard(show.id, show.title, tuple(items)))
    rows = store.source_rows()
    sources = []
    for source in config.sources:
        row = rows.get(source.name)
        error = config.masker.mask(row.last_error) if row is not None and row.last_error else None
        sources.append(SourceHealth(source.name, source.kind, source.trust, row.last_success if row else None,
                                    row.failing_since if row is not None and row.failures else None,
                                    row.failures if row else 0, error))
    return Board(now, tuple(order_shows(cards, now.date().isoformat())), tuple(sources),
                 tuple(e for e in store.all_events() if e[0].source is None),
                 tuple(status_rows(config, store)), config.radar.alerts.rumors)
