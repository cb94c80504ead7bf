"""One poll cycle after the fetch: store new articles, classify, fold statuses, queue events.

The fetch itself is the spiders' job (`radar.app.fetch.crawl`); delivery is `radar.app.delivery`'s. This
module is the pure-ish middle: results in, a CycleReport out, every write of one source in one transaction.

Baselines: what a newly watched show's or a newly added source's first check finds is recorded
silently (unless `[alerts] on_baseline`): an article alerts only when both its show and its source
were baselined before the batch it came in. Both are recorded in the store, so a daemon folding its
sources in batches alerts exactly what one `check` over all of them would.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from radar.app.config import Config
from radar.domain.display import for_people
from radar.domain.models import (
    SOURCE_EVENTS,
    Article,
    Claim,
    Event,
    Evidence,
    FetchResult,
    Show,
    SourceHealth,
    stable_id,
)
from radar.domain.secret import mask_url
from radar.domain.status import Change, apply, fold_show
from radar.store import Batch, Store, StoredInstallment, StoredShow, summarize

if TYPE_CHECKING:
    from radar.app.delivery import DeliveryReport
    from radar.detect.classify import Classifier

log = logging.getLogger(__name__)


@dataclass
class CycleReport:
    """What one cycle did, for the summary line and `check`'s output."""

    polled: int = 0
    not_modified: int = 0
    conditional: int = 0
    errors: list[tuple[str, str]] = field(default_factory=list)
    warnings: list[tuple[str, str]] = field(default_factory=list)
    new_articles: int = 0
    events: list[Event] = field(default_factory=list)
    silent_events: int = 0
    delivered: int = 0
    delivery_errors: list[tuple[str, str]] = field(default_factory=list)

    def summary(self) -> str:
        """One concise line (`CycleTotals.line`): sources, 304s, new articles, events, deliveries, errors."""
        totals = CycleTotals()
        totals.add(self)
        return totals.line()


SHOWN_ERRORS = 3  # failing sources named in a cycle line; the others counted


@dataclass
class CycleTotals:
    """What one or more cycles and drains did, summed, and the one wording of it: `check`'s summary and
    the daemon's cycle line."""

    batches: int = 0
    polls: int = 0
    not_modified: int = 0
    new_articles: int = 0
    alerts: int = 0
    silent: int = 0
    warnings: int = 0
    delivered: int = 0
    delivery_errors: int = 0
    errors: dict[str, str] = field(default_factory=dict)  # the last error of each failing source
    sources: set[str] = field(default_factory=set)  # the sources polled, each counted once

    def add(self, report: CycleReport, sources: Iterable[str] = ()) -> None:
        """Count one cycle (`sources`: the names it polled; without them each poll counts as a source)."""
        self.batches += 1
        self.sources.update(sources)
        self.polls += report.polled
        self.not_modified += report.not_modified
        self.new_articles += report.new_articles
        self.alerts += len(report.events)
        self.silent += report.silent_events
        self.warnings += len(report.warnings)
        self.errors.update(report.errors)
        self.delivered += report.delivered
        self.delivery_errors += len(report.delivery_errors)

    def add_drain(self, report: DeliveryReport) -> None:
        """Count one drain of the outbox."""
        self.delivered += report.delivered
        self.delivery_errors += len(report.errors)

    def __bool__(self) -> bool:
        """Whether anything was counted (a quiet daemon logs no cycle line)."""
        return bool(self.batches or self.delivered or self.delivery_errors)

    def line(self) -> str:
        errors = ""
        if self.errors:
            shown = "; ".join(f"{name}: {reason}"
                              for name, reason in list(self.errors.items())[:SHOWN_ERRORS])
            more = len(self.errors) - SHOWN_ERRORS
            errors = f" ({shown}" + (f"; +{more} more" if more > 0 else "") + ")"
        return (f"polled {len(self.sources) or self.polls} sources ({self.polls} polls, "
                f"{self.not_modified} unchanged), "
                f"{self.new_articles} new articles, {self.alerts} alerts ({self.silent} recorded silently), "
                f"{self.delivered} delivered, {len(self.errors)} source errors{errors}, "
                + (f"{self.warnings} malformed feeds read anyway, " if self.warnings else "")
                + f"{self.delivery_errors} delivery errors")


class CycleProcessor:
    """Folds fetch results into the store; one instance may serve many cycles."""

    def __init__(self, config: Config, store: Store, classifier: Classifier | None = None) -> None:
        self.config = config
        self.store = store
        self._classifier = classifier
        self.shows = config.show_by_id()
        self.trust = {s.name: s.trust for s in config.sources}

    @property
    def classifier(self) -> Classifier:
        """Built on first use: a cycle in which nothing changed never needs it."""
        if self._classifier is None:
            from radar.detect.classify import Classifier

            self._classifier = Classifier(self.config.shows)
        return self._classifier

    def process(self, results: Sequence[FetchResult], now: datetime | None = None,
                next_polls: dict[str, float] | None = None, polled_by: str | None = None) -> CycleReport:
        """Store, classify and fold every result (`polled_by`: the instance that polled them); returns
        what happened."""
        now = now or datetime.now(UTC)
        report = CycleReport()
        known = self.store.shows()
        self._baseline_new_shows(known, now, report)
        threshold = self.config.radar.alerts.failing_source
        health = self.store.source_rows() if threshold and results else {}  # as before these polls
        with self.store.transaction() as batch:  # one transaction per cycle: all of it or none of it
            for result in results:
                report.polled += 1
                report.conditional += result.conditional
                if result.outcome == "not_modified":
                    report.not_modified += 1
                elif result.outcome == "error":
                    report.errors.append((result.source, result.error or "failed"))
                    log.info("source %s failed: %s", result.source, result.error)
                if result.warning:
                    report.warnings.append((result.source, result.warning))
            sources = batch.record_fetches(results, now, next_polls, polled_by)
            if threshold:
                self._source_alerts(batch, results, health, threshold, now, report)
            # text for people from here on: what is stored, classified and sent is bounded and clean
            fresh = batch.add_articles((for_people(a) for r in results for a in r.articles), now)
            report.new_articles = len(fresh)
            if fresh:
                self._fold_articles(self.classifier, batch, fresh, known, now, report, sources)
            if any(r.outcome != "error" for r in results):
                batch.mark_baselined([s.id for s in self.config.shows if not _baselined(known, s.id)], now)
        return report

    def _fold_articles(self, classifier: Classifier, batch: Batch, fresh: list[Article],
                       known: dict[str, StoredShow], now: datetime, report: CycleReport,
                       sources: set[str] | None = None) -> None:
        """Fold each article's claims, oldest first; `sources`: those baselined before this batch
        (None: the articles are stored ones, silent anyway as their show is new).

        The shows the claims touch are locked and read again first: another instance folding news of
        the same show waits for this fold, then sees its statuses (one event, not two)."""
        # a structured source's claims as they are, the others' classified
        claimed = [(article, article.claims or classifier.classify(article))
                   for article in sorted(fresh, key=lambda a: a.published or now)]
        known.update(batch.lock_shows({c.show_id for _, claims in claimed for c in claims
                                       if c.show_id in self.shows}))
        for article, claims in claimed:
            baseline = sources is None or article.source not in sources or article.baseline
            for claim in claims:
                show = self.shows.get(claim.show_id)
                if show is not None:
                    self._apply(batch, show, claim, article, known, now, report, baseline)

    def _apply(self, batch: Batch, show: Show, claim: Claim, article: Article,
               known: dict[str, StoredShow], now: datetime, report: CycleReport, baseline: bool) -> None:
        stored = known.get(show.id)
        slots = stored.slots if stored else ()
        published = article.published or now
        change = fold_show(slots, claim, article.trust, published)
        label = change.slot.installment
        if change.adopted and label is not None:
            batch.adopt(show.id, label)
        if change.slot.state != change.previous or change.adopted:
            batch.set_status(show.id, change.slot.state, now, changed=change.event is not None,
                             installment=label, seq=change.slot.seq)
            known[show.id] = _remember(stored, show.id, change, now)
        if change.corroborates:
            batch.add_evidence(show.id, change.slot.state, article, claim.phrase, now, installment=label)
        if change.event is None:
            return
        event = _event(show, change, article, claim, now)
        silent = (baseline or not _baselined(known, show.id)) and not self.config.radar.alerts.on_baseline
        notifiers = [n.name for n in self.config.notifiers if self._wants(n.events, n.shows, event)]
        if batch.add_event(event, silent, notifiers, time.time()):
            # a baseline's event or a rumor with rumors muted: recorded, no alert
            if silent or (event.event == "rumor" and not self.config.radar.alerts.rumors):
                report.silent_events += 1
            else:
                report.events.append(event)
            log.info("%s %s: %s -> %s (%s) from %s", show.id, label or "(unnamed)", event.previous_status,
                     event.status, event.event, article.url)

    def _source_alerts(self, batch: Batch, results: Sequence[FetchResult], before: dict[str, Any],
                       threshold: float, now: datetime, report: CycleReport) -> None:
        """One `source_failing` event when a source has failed for `threshold` seconds, and one
        `source_recovered` when a source alerted so answers again; both ids name the failure's start,
        so a streak alerts once however many polls it lasts."""
        urls = {s.name: s.url for s in self.config.sources}
        for result in results:
            row = before.get(result.source)
            if row is None or not (row.failures and row.failing_since):
                continue  # no failure streak to alert or to end
            if result.outcome == "error":
                kind, failures, error = "source_failing", row.failures + 1, result.error or "failed"
                if (now - _parse(row.failing_since)).total_seconds() < threshold:
                    continue
            elif row.last_polled and (
                    _parse(row.last_polled) - _parse(row.failing_since)).total_seconds() >= threshold:
                kind, failures, error = "source_recovered", row.failures, row.last_error
            else:
                continue
            health = SourceHealth(result.source, mask_url(urls.get(result.source, "")), row.failing_since,
                                  self.config.masker.mask(error) if error else None, failures)
            event = Event(event_id=stable_id(kind, result.source, row.failing_since), event=kind, show_id="",
                          show_title="", status="", previous_status="", release=None, previous_release=None,
                          evidence=(), detected_at=now.replace(microsecond=0).isoformat(), source=health)
            notifiers = [n.name for n in self.config.notifiers if self._wants(n.events, n.shows, event)]
            if batch.add_event(event, False, notifiers, time.time()):
                report.events.append(event)
                log.info("source %s: %s (failing since %s)", result.source, kind, row.failing_since)

    def _wants(self, events: tuple[str, ...], shows: tuple[str, ...], event: Event) -> bool:
        return wants(self.config, events, shows, event)

    def _baseline_new_shows(self, known: dict[str, StoredShow], now: datetime, report: CycleReport) -> None:
        """A show new to the watchlist is checked, silently, against the articles already stored."""
        new = [s for s in self.config.shows if s.id not in known]
        if not new or not known:
            return
        from radar.detect.classify import Classifier

        classifier = Classifier(new)
        # A structured source's articles are not text to re-read: it hands a newly watched show's claims
        # over itself on its next poll (its article keys name the show).
        structured = {s.name for s in self.config.sources if s.structured}
        stored = [replace(a, trust=self.trust.get(a.source, "community"))
                  for a in self.store.stored_articles() if a.source not in structured]
        with self.store.transaction() as batch:
            self._fold_articles(classifier, batch, stored, known, now, report)


def wants(config: Config, events: tuple[str, ...], shows: tuple[str, ...], event: Event) -> bool:
    """Whether a notifier of these `events` and `shows` gets this event (rumours: all, with [alerts] rumors;
    a source's alerts: those that ask for `source_failing`, which brings `source_recovered` along)."""
    if event.event in SOURCE_EVENTS:
        return "source_failing" in events or event.event in events
    if shows and event.show_id not in shows:
        return False
    if event.event == "rumor":
        return config.radar.alerts.rumors
    return event.event in events


def _parse(stamp: str) -> datetime:
    """A stored ISO 8601 time, in UTC when it names no zone."""
    moment = datetime.fromisoformat(stamp)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _baselined(known: dict[str, StoredShow], show_id: str) -> bool:
    stored = known.get(show_id)
    return bool(stored and stored.baselined)


def _remember(stored: StoredShow | None, show_id: str, change: Change, now: datetime) -> StoredShow:
    """The show as it is after `change`, for the next claim of this cycle."""
    old = {i.installment: i for i in (stored.installments if stored else ())}
    updated = {s.installment: s for s in apply(stored.slots if stored else (), change)}
    items = []
    for label, slot in updated.items():
        adopted_here = change.adopted and label == change.slot.installment
        before = old.get(label) or (old.get(None) if adopted_here else None)
        touched = label == change.slot.installment
        stamp = now.isoformat() if touched and (change.event is not None or before is None) else (
            before.updated if before else now.isoformat())
        items.append(StoredInstallment(show_id, label, slot.state, stamp, slot.seq))
    return summarize(show_id, items, stored.baselined if stored else False)


def _as_written(phrase: str, article: Article) -> str:
    """The claim's phrase as the article wrote it (the classifier quotes its normalized text)."""
    from radar.domain.normalize import original_span

    return original_span(article.title, phrase) or original_span(article.summary or "", phrase) or phrase


def _event(show: Show, change: Change, article: Article, claim: Claim, now: datetime) -> Event:
    """The event of a change; its id names the installment, so two installments' news are two events,
    and the same news folded again is the same event."""
    kind, after = change.event or "", change.slot.state
    before, label = change.previous, change.slot.installment
    evidence = Evidence(article.title, article.url, article.source, article.trust,
                        article.published.isoformat() if article.published else None)
    parts = (show.id, kind, after.status, after.release, article.key) + ((label,) if label else ())
    return Event(
        event_id=stable_id(*parts),
        event=kind, show_id=show.id, show_title=show.title,
        status=after.status, previous_status=before.status,
        release=after.release, previous_release=before.release,
        evidence=(evidence,), detected_at=now.replace(microsecond=0).isoformat(),
        phrase=_as_written(claim.phrase, article),
        installment=label)
