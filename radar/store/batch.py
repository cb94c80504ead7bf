"""The writes of one transaction (`Batch`): polls, articles, statuses, events and the outbox."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from radar.domain.models import Article, Event, FetchResult
from radar.domain.status import ShowState
from radar.store import lease
from radar.store.records import (
    StoredInstallment,
    StoredShow,
    fetch_values,
    installment_key,
    iso,
    parse_iso,
    summarize,
)
from radar.store.schema import (
    articles,
    events,
    evidence,
    installment_status,
    outbox,
    show_status,
    source_state,
)

log = logging.getLogger(__name__)


class Batch:
    """Writes of one transaction; obtained from Store.transaction()."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def record_fetches(self, results: Iterable[FetchResult], now: datetime,
                       next_polls: dict[str, float] | None = None, polled_by: str | None = None) -> set[str]:
        """Remember each poll's outcome and the validators for the next conditional request; the lease
        of each source polled ends, and `polled_by` is the instance that polled it.

        A source polled successfully is baselined from now on; returns the sources of `results` that
        were baselined before this call (their new items alert, the others' are their baseline)."""
        results = list(results)
        names = list({result.source for result in results})
        existing: dict[str, int] = {}
        baselined: set[str] = set()
        for among in in_chunks(source_state.c.name, names):
            query = (select(source_state.c.name, source_state.c.failures, source_state.c.baselined)
                     .where(among))
            for r in self.conn.execute(query):
                existing[r.name] = r.failures
                if r.baselined:
                    baselined.add(r.name)
        updates: list[dict[str, Any]] = []
        inserts: list[dict[str, Any]] = []
        for result in results:
            values = fetch_values(result, now, (next_polls or {}).get(result.source),
                                  existing.get(result.source, 0))
            values.update(polled_by=polled_by, leased_by=None, lease_expires=None)
            if result.outcome != "error":
                values["baselined"] = True
            elif result.source not in existing:
                values["baselined"] = False
            (updates if result.source in existing else inserts).append(values)
            existing.setdefault(result.source, values.get("failures", 0))
        shapes: dict[tuple[str, ...], list[dict[str, Any]]] = {}
        for values in updates:  # rows of one outcome share their columns: one executemany per shape
            shapes.setdefault(tuple(sorted(values)), []).append(values)
        for columns, rows in shapes.items():
            statement = (update(source_state).where(source_state.c.name == bindparam("key_name"))
                         .values({c: bindparam(c) for c in columns if c != "name"}))
            self.conn.execute(statement, [dict(row, key_name=row["name"]) for row in rows])
        if inserts:
            present = {key for values in inserts for key in values}
            self.conn.execute(insert(source_state), [{c: v.get(c) for c in present} for v in inserts])
        return baselined

    def add_articles(self, items: Iterable[Article], now: datetime) -> list[Article]:
        """Store articles not seen before (by key) and return just those, in order. Two instances storing
        one article at once: the one whose insert lands gets it (the other waits for it, then skips it)."""
        fresh: dict[str, Article] = {}
        for article in items:
            fresh.setdefault(article.key, article)
        keys = list(fresh)
        for among in in_chunks(articles.c.key, keys):
            for row in self.conn.execute(select(articles.c.key).where(among)):
                fresh.pop(row[0], None)
        if not fresh:
            return []
        rows = [{"key": key, "source": a.source, "title": a.title, "url": a.url, "summary": a.summary[:4000],
                 "published": iso(a.published), "lang": a.lang, "first_seen": iso(now)}
                for key, a in sorted(fresh.items())]  # one order for every instance: no deadlock
        inserted = {r[0] for r in lease.insert_ignore(self.conn, articles, rows, returning=articles.c.key)}
        return [a for key, a in fresh.items() if key in inserted]

    def lock_shows(self, show_ids: Iterable[str]) -> dict[str, StoredShow]:
        """Lock these shows' rows until the end of the transaction (`SELECT … FOR UPDATE`; SQLite's one
        writer already excludes the others) and read them as they are now: folds of the same show by
        two instances run one after the other, the second seeing what the first wrote."""
        wanted = sorted(set(show_ids))
        if not wanted:
            return {}
        lease.insert_ignore(self.conn, show_status, [{"show_id": s, "status": "none", "baselined": False}
                                                     for s in wanted])
        query = (select(show_status.c.show_id, show_status.c.baselined)
                 .where(show_status.c.show_id.in_(wanted)).order_by(show_status.c.show_id))
        if self.conn.dialect.name == "postgresql":
            query = query.with_for_update()
        baselined = {r.show_id: bool(r.baselined) for r in self.conn.execute(query)}
        found = installments_of(self.conn, wanted)
        return {key: summarize(key, found.get(key, ()), baselined.get(key, False)) for key in wanted}

    def set_status(self, show_id: str, state: ShowState, now: datetime, changed: bool,
                   installment: str | None = None, seq: int = 0) -> None:
        """Write the status of one installment of a show (`changed` also moves its `updated` time);
        `seq` (its order first seen) is kept from its first write."""
        values: dict[str, Any] = {"status": state.status, "release": state.release, "as_of": iso(state.as_of)}
        if changed:
            values["updated"] = iso(now)
        done = self.conn.execute(update(installment_status).where(
            installment_status.c.show_id == show_id,
            installment_status.c.installment == installment_key(installment)).values(**values))
        if not done.rowcount:
            values.setdefault("updated", iso(now))
            self.conn.execute(insert(installment_status).values(
                show_id=show_id, installment=installment_key(installment), seq=seq, **values))

    def adopt(self, show_id: str, installment: str) -> None:
        """The unnamed installment of a show is `installment`: it and its evidence take that label."""
        for table in (installment_status, evidence):
            self.conn.execute(update(table).where(table.c.show_id == show_id, table.c.installment == "")
                              .values(installment=installment))

    def add_evidence(self, show_id: str, state: ShowState, article: Article, phrase: str, now: datetime,
                     installment: str | None = None) -> None:
        """Cite an article for the status of an installment; an article counts once per installment."""
        try:
            with self.conn.begin_nested():
                self.conn.execute(insert(evidence).values(
                    show_id=show_id, installment=installment_key(installment), status=state.status,
                    release=state.release, article_key=article.key, title=article.title, url=article.url,
                    source=article.source, trust=article.trust, published=iso(article.published),
                    phrase=phrase, added_at=iso(now)))
        except IntegrityError:
            pass

    def add_event(self, event_: Event, silent: bool, notifiers: Iterable[str], now_ts: float) -> bool:
        """Record an event and queue it for each notifier; False when it was recorded before."""
        recorded = lease.insert_ignore(self.conn, events, {
            "event_id": event_.event_id, "show_id": event_.show_id, "installment": event_.installment,
            "event": event_.event, "detected_at": event_.detected_at, "silent": silent,
            "payload": json.dumps(event_.payload(), ensure_ascii=False)}, returning=events.c.event_id)
        if recorded.first() is None:  # the same event, recorded before (or by another instance just now)
            return False
        rows = [{"event_id": event_.event_id, "notifier": name, "state": "pending", "attempts": 0,
                 "next_try": now_ts, "created": now_ts} for name in notifiers]
        if rows and not silent:
            lease.insert_ignore(self.conn, outbox, rows)
        return True

    def mark_baselined(self, show_ids: Iterable[str], now: datetime) -> None:
        """After a show's first successful cycle its changes are alerted."""
        for show_id in show_ids:
            done = self.conn.execute(update(show_status).where(show_status.c.show_id == show_id)
                                     .values(baselined=True))
            if not done.rowcount:
                self.conn.execute(insert(show_status).values(show_id=show_id, status="none", baselined=True,
                                                             updated=iso(now)))


def installments_of(conn: Connection, show_ids: list[str] | None) -> dict[str, list[StoredInstallment]]:
    """The installment rows of these shows (None: of every show), each show's in the order first seen."""
    query = select(installment_status).order_by(installment_status.c.show_id, installment_status.c.seq)
    found: dict[str, list[StoredInstallment]] = {}
    for among in [None] if show_ids is None else in_chunks(installment_status.c.show_id, show_ids):
        for r in conn.execute(query if among is None else query.where(among)):
            found.setdefault(r.show_id, []).append(StoredInstallment(
                r.show_id, r.installment or None, ShowState(r.status, r.release, parse_iso(r.as_of)),
                r.updated, r.seq))
    return found


def in_chunks(column: Any, values: list[str], size: int = 500) -> Iterator[Any]:
    """`column IN (…)` conditions covering `values`, `size` at a time (SQLite caps bound parameters)."""
    for start in range(0, len(values), size):
        yield column.in_(values[start:start + size])


