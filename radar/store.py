"""The state database: what each source answered, articles seen, statuses, events and the outbox.

SQLite by default (WAL mode), PostgreSQL (psycopg 3) for a store shared by several processes. Everything
one poll changes is written in one transaction, so a crash loses nothing and repeats nothing. A store is
brought to the current schema when opened (`radar.migrate`: Alembic revisions, any earlier release).

Several instances on one store coordinate through it: a due source is leased to one instance while it
polls it (`lease_sources`), an alert is claimed by one instance while it sends it (`claim_delivery`),
and a fold locks the rows of the shows it touches (`Batch.lock_shows`), so the same news folded by two
instances at once is one event. A lease or claim outliving its instance is free again when it expires,
at once when the instance is known dead (`release_dead`).
"""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import Engine, bindparam, create_engine, event, insert, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from radar import lease
from radar.errors import StoreError
from radar.migrate import upgrade
from radar.models import Article, Event, Evidence, FetchResult, SourceHealth, Validators
from radar.schema import (
    articles,
    events,
    evidence,
    installment_status,
    outbox,
    show_status,
    source_state,
)
from radar.secret import mask_url
from radar.status import ShowState, Slot
from radar.status import row as shown_row

log = logging.getLogger(__name__)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _parse_iso(value: str | None) -> datetime | None:
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
    """A show's row from its installments (see `radar.status.row`)."""
    items = tuple(installments)
    shown = shown_row([i.slot for i in items])
    chosen = next((i for i in items if shown and i.installment == shown.installment), None)
    if chosen is None:
        return StoredShow(show_id, ShowState(), None, baselined, None, items)
    return StoredShow(show_id, chosen.state, chosen.updated, baselined, chosen.installment, items)


def _key(installment: str | None) -> str:
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


def _fetch_values(result: FetchResult, now: datetime, next_poll: float | None, failures: int) -> dict[str, Any]:
    values: dict[str, Any] = {"name": result.source, "last_polled": _iso(now)}
    if next_poll is not None:  # a `check` beside the daemon leaves the daemon's next poll as it is
        values["next_poll"] = next_poll
    if result.outcome == "error":
        values.update(last_error=result.error, failures=failures + 1)
        if not failures:
            values["failing_since"] = _iso(now)
    else:
        values.update(last_success=_iso(now), failures=0, last_error=result.warning, failing_since=None)
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
        for among in _among(source_state.c.name, names):
            query = select(source_state.c.name, source_state.c.failures, source_state.c.baselined).where(among)
            for r in self.conn.execute(query):
                existing[r.name] = r.failures
                if r.baselined:
                    baselined.add(r.name)
        updates: list[dict[str, Any]] = []
        inserts: list[dict[str, Any]] = []
        for result in results:
            values = _fetch_values(result, now, (next_polls or {}).get(result.source), existing.get(result.source, 0))
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
        for among in _among(articles.c.key, keys):
            for row in self.conn.execute(select(articles.c.key).where(among)):
                fresh.pop(row[0], None)
        if not fresh:
            return []
        rows = [{"key": key, "source": a.source, "title": a.title, "url": a.url, "summary": a.summary[:4000],
                 "published": _iso(a.published), "lang": a.lang, "first_seen": _iso(now)}
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
        found = _installments(self.conn, wanted)
        return {key: summarize(key, found.get(key, ()), baselined.get(key, False)) for key in wanted}

    def set_status(self, show_id: str, state: ShowState, now: datetime, changed: bool,
                   installment: str | None = None, seq: int = 0) -> None:
        """Write the status of one installment of a show (`changed` also moves its `updated` time);
        `seq` (its order first seen) is kept from its first write."""
        values: dict[str, Any] = {"status": state.status, "release": state.release, "as_of": _iso(state.as_of)}
        if changed:
            values["updated"] = _iso(now)
        done = self.conn.execute(update(installment_status).where(
            installment_status.c.show_id == show_id, installment_status.c.installment == _key(installment))
            .values(**values))
        if not done.rowcount:
            values.setdefault("updated", _iso(now))
            self.conn.execute(insert(installment_status).values(show_id=show_id, installment=_key(installment),
                                                                seq=seq, **values))

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
                    show_id=show_id, installment=_key(installment), status=state.status, release=state.release,
                    article_key=article.key, title=article.title, url=article.url, source=article.source,
                    trust=article.trust, published=_iso(article.published), phrase=phrase, added_at=_iso(now)))
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
                                                             updated=_iso(now)))


def _installments(conn: Connection, show_ids: list[str] | None) -> dict[str, list[StoredInstallment]]:
    """The installment rows of these shows (None: of every show), each show's in the order first seen."""
    query = select(installment_status).order_by(installment_status.c.show_id, installment_status.c.seq)
    found: dict[str, list[StoredInstallment]] = {}
    for among in [None] if show_ids is None else _among(installment_status.c.show_id, show_ids):
        for r in conn.execute(query if among is None else query.where(among)):
            found.setdefault(r.show_id, []).append(StoredInstallment(
                r.show_id, r.installment or None, ShowState(r.status, r.release, _parse_iso(r.as_of)),
                r.updated, r.seq))
    return found


def _among(column: Any, values: list[str], size: int = 500) -> Iterator[Any]:
    """`column IN (…)` conditions covering `values`, `size` at a time (SQLite caps bound parameters)."""
    for start in range(0, len(values), size):
        yield column.in_(values[start:start + size])


BUSY_TIMEOUT = 5.0  # seconds a SQLite write waits for another writer's lock before the store is "busy"
_F = TypeVar("_F", bound=Callable[..., Any])


def _store_error(exc: SQLAlchemyError, url: str) -> StoreError:
    """One line for a failed store operation; a lock held past the busy timeout says so."""
    cause = getattr(exc, "orig", None) or exc
    detail = (str(cause).splitlines() or [""])[0]
    if "locked" in detail or "busy" in detail:
        error = StoreError(f"the store {mask_url(url)} is busy: another process has held its write lock for "
                           f"over {BUSY_TIMEOUT:g} s ({detail}); try again when it is done")
        error.busy = True
        return error
    return StoreError(f"the store {mask_url(url)} failed: {type(cause).__name__}: {detail}")


def _guarded(method: _F) -> _F:
    """The method with any SQLAlchemyError raised as a StoreError."""
    @functools.wraps(method)
    def wrapper(self: Store, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        except SQLAlchemyError as exc:
            raise _store_error(exc, self.url) from None
    return wrapper  # type: ignore[return-value]


def _store_errors(cls: type[Store]) -> type[Store]:
    """Every public method of the Store raises StoreError, never a raw SQLAlchemyError."""
    for name, member in list(vars(cls).items()):
        if callable(member) and not name.startswith("_") and name not in ("close", "transaction"):
            setattr(cls, name, _guarded(member))
    return cls


@_store_errors
class Store:
    """Access to the state database; every operation raises StoreError when the database fails."""

    def __init__(self, url: str) -> None:
        self.url = url
        try:
            sqlite = url.startswith("sqlite")
            self.engine: Engine = create_engine(url, future=True,
                                                connect_args={"timeout": BUSY_TIMEOUT} if sqlite else {})
            if sqlite:
                event.listen(self.engine, "connect", _sqlite_pragmas)
            upgrade(self.engine)
        except SQLAlchemyError as exc:
            if _store_error(exc, url).busy:
                raise _store_error(exc, url) from None
            raise StoreError(f"cannot open the store {mask_url(url)}: {exc.__class__.__name__}: "
                             f"{str(exc).splitlines()[0]}") from None

    def close(self) -> None:
        self.engine.dispose()

    @contextmanager
    def transaction(self) -> Iterator[Batch]:
        """One atomic unit of writes; a failure of the database (a busy lock too) is a StoreError."""
        try:
            with self.engine.begin() as conn:
                yield Batch(conn)
        except SQLAlchemyError as exc:
            raise _store_error(exc, self.url) from None

    def validators(self, names: Iterable[str] | None = None) -> dict[str, Validators]:
        """ETag / Last-Modified and the entries seen, per source (of `names`, else every source)."""
        columns = (source_state.c.name, source_state.c.etag, source_state.c.last_modified,
                   source_state.c.seen_entries)
        wanted = None if names is None else list(names)
        queries = [select(*columns)] if wanted is None else [
            select(*columns).where(among) for among in _among(source_state.c.name, wanted)]
        with self.engine.connect() as conn:
            return {r.name: Validators(r.etag, r.last_modified, r.seen_entries or "")
                    for query in queries for r in conn.execute(query)}

    def source_rows(self) -> dict[str, Any]:
        """Every source's last poll, success, error, failure count and next poll."""
        with self.engine.connect() as conn:
            return {r.name: r for r in conn.execute(select(source_state))}

    def known_keys(self, keys: Iterable[str]) -> set[str]:
        """Which of these article keys are stored already."""
        wanted = list(set(keys))
        found: set[str] = set()
        with self.engine.connect() as conn:
            for among in _among(articles.c.key, wanted):
                found.update(r[0] for r in conn.execute(select(articles.c.key).where(among)))
        return found

    def shows(self, show_id: str | None = None) -> dict[str, StoredShow]:
        """Every show the store knows (or just `show_id`): its row, its installments, whether it is
        baselined."""
        flags = select(show_status.c.show_id, show_status.c.baselined)
        if show_id is not None:
            flags = flags.where(show_status.c.show_id == show_id)
        with self.engine.connect() as conn:
            baselined = {r.show_id: bool(r.baselined) for r in conn.execute(flags)}
            found = _installments(conn, None if show_id is None else [show_id])
        return {key: summarize(key, found.get(key, ()), baselined.get(key, False)) for key in {*baselined, *found}}

    def evidence_for(self, show_id: str, limit: int = 5) -> list[Evidence]:
        """The articles behind the status of a show's row (its open, else newest, installment), newest first."""
        shown = self.shows(show_id).get(show_id)
        if shown is None or not shown.installments:
            return []
        return self.evidence_of(show_id, shown.installment, shown.state.status, limit)

    def evidence_of(self, show_id: str, installment: str | None, status: str, limit: int = 5) -> list[Evidence]:
        """The articles behind one installment's status, newest first."""
        with self.engine.connect() as conn:
            query = (select(evidence).where(evidence.c.show_id == show_id, evidence.c.installment == _key(installment),
                                            evidence.c.status == status)
                     .order_by(evidence.c.published.desc(), evidence.c.id.desc()).limit(limit))
            return [Evidence(r.title, r.url, r.source, r.trust, r.published) for r in conn.execute(query)]

    def history(self, show_id: str) -> list[tuple[Event, bool]]:
        """A show's events, newest first, each with whether it was recorded silently."""
        with self.engine.connect() as conn:
            query = select(events).where(events.c.show_id == show_id).order_by(events.c.detected_at.desc())
            return [(event_from_payload(json.loads(r.payload)), bool(r.silent)) for r in conn.execute(query)]

    def all_events(self) -> list[tuple[Event, bool]]:
        """Every event of every show, oldest first, each with whether it was recorded silently
        (read-only; the status board's feed and calendar)."""
        with self.engine.connect() as conn:
            query = select(events.c.payload, events.c.silent).order_by(events.c.detected_at, events.c.event_id)
            return [(event_from_payload(json.loads(r.payload)), bool(r.silent)) for r in conn.execute(query)]

    def stored_articles(self, limit: int = 5000) -> list[Article]:
        """Recently stored articles, for classifying a newly watched show against what was seen."""
        with self.engine.connect() as conn:
            query = select(articles).order_by(articles.c.first_seen.desc()).limit(limit)
            return [Article(source=r.source, trust="", title=r.title, url=r.url or "", summary=r.summary or "",
                            published=_parse_iso(r.published), lang=r.lang) for r in conn.execute(query)]

    def deliveries(self, states: tuple[str, ...] = ("pending", "sending", "failed")) -> list[Delivery]:
        """Outbox rows in these states, oldest first."""
        with self.engine.connect() as conn:
            query = (select(outbox, events.c.payload).join(events, events.c.event_id == outbox.c.event_id)
                     .where(outbox.c.state.in_(states)).order_by(outbox.c.id))
            return [Delivery(r.id, r.notifier, r.state, r.attempts, r.next_try, r.created, r.last_error,
                             event_from_payload(json.loads(r.payload)), r.claimed_by) for r in conn.execute(query)]

    def count_deliveries(self, state: str) -> int:
        with self.engine.connect() as conn:
            return len(conn.execute(select(outbox.c.id).where(outbox.c.state == state)).all())

    def mark_delivered(self, delivery_id: int, now: datetime) -> None:
        with self.engine.begin() as conn:
            conn.execute(update(outbox).where(outbox.c.id == delivery_id)
                         .values(state="delivered", delivered_at=_iso(now), last_error=None,
                                 attempts=outbox.c.attempts + 1, claimed_by=None, claim_expires=None))

    def mark_attempt_failed(self, delivery_id: int, error: str, next_try: float, give_up: bool) -> None:
        with self.engine.begin() as conn:
            conn.execute(update(outbox).where(outbox.c.id == delivery_id)
                         .values(state="failed" if give_up else "pending", last_error=error,
                                 next_try=next_try, attempts=outbox.c.attempts + 1, claimed_by=None,
                                 claim_expires=None))

    def claim_delivery(self, item: Delivery, instance: str, now_ts: float, hold: float,
                       force: bool = False) -> Delivery | None:
        """Claim an outbox row before sending it (see `radar.lease.claim_delivery`): the row as claimed,
        or None when another instance has it or it is no longer due."""
        with self.engine.begin() as conn:
            row = lease.claim_delivery(conn, item.id, instance, now_ts, hold, force)
        if row is None:
            return None
        return replace(item, state="sending", attempts=row.attempts, created=row.created, claimed_by=instance)

    def lease_sources(self, names: Iterable[str], instance: str, now_ts: float, hold: float,
                      force: bool = False) -> lease.Leases:
        """Lease the due (with `force`: any) sources no other instance holds, for `hold` seconds."""
        with self.engine.begin() as conn:
            return lease.lease_sources(conn, names, instance, now_ts, hold, force)

    def release_sources(self, names: Iterable[str], instance: str, forget_unpolled: bool = False) -> None:
        """Give back our leases of these sources (`forget_unpolled`: and the rows only a lease made)."""
        with self.engine.begin() as conn:
            lease.release_sources(conn, names, instance, forget_unpolled)

    def release_claims(self, instance: str) -> int:
        """Our alerts still being sent go back to pending; returns how many."""
        with self.engine.begin() as conn:
            return lease.release_claims(conn, instance)

    def release_dead(self) -> int:
        """Free the leases and claims of this host's instances that are gone; returns how many."""
        with self.engine.begin() as conn:
            return lease.release_dead(conn)

    def holdings(self, now_ts: float) -> dict[str, dict[str, int]]:
        """Per instance: sources last polled by it, leases and claims it holds now."""
        with self.engine.connect() as conn:
            return lease.holdings(conn, now_ts)

    def requeue_failed(self, now_ts: float) -> int:
        """Give every failed delivery a fresh start; returns how many."""
        with self.engine.begin() as conn:
            done = conn.execute(update(outbox).where(outbox.c.state == "failed")
                                .values(state="pending", next_try=now_ts, created=now_ts, attempts=0))
            return done.rowcount


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cursor = dbapi_conn.cursor()
    cursor.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT * 1000)}")  # first: the other pragmas may wait too
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()
