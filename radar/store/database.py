"""The state database: what each source answered, articles seen, statuses, events and the outbox.

SQLite by default (WAL mode), PostgreSQL (psycopg 3) for a store shared by several processes. Everything
one poll changes is written in one transaction, so a crash loses nothing and repeats nothing. A store is
brought to the current schema when opened (`radar.store.migrate`: Alembic revisions, any earlier release).

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
from dataclasses import replace
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import Engine, create_engine, event, select, update
from sqlalchemy.exc import SQLAlchemyError

from radar.domain.errors import StoreError
from radar.domain.models import Article, Event, Evidence, Validators
from radar.domain.secret import mask_url
from radar.store import lease
from radar.store.batch import Batch, in_chunks, installments_of
from radar.store.migrate import upgrade
from radar.store.records import (
    Delivery,
    StoredShow,
    event_from_payload,
    installment_key,
    iso,
    parse_iso,
    summarize,
)
from radar.store.schema import (
    articles,
    events,
    evidence,
    outbox,
    show_status,
    source_state,
)

log = logging.getLogger(__name__)


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
            select(*columns).where(among) for among in in_chunks(source_state.c.name, wanted)]
        with self.engine.connect() as conn:
            return {r.name: Validators(r.etag, r.last_modified, r.seen_entries or "")
                    for query in queries for r in conn.execute(query)}

    def source_rows(self) -> dict[str, Any]:
        """Every source's last poll, success, error, failure count and next poll."""
        with self.engine.connect() as conn:
            return {r.name: r for r in conn.execute(select(source_state))}

    def shows(self, show_id: str | None = None) -> dict[str, StoredShow]:
        """Every show the store knows (or just `show_id`): its row, its installments, whether it is
        baselined."""
        flags = select(show_status.c.show_id, show_status.c.baselined)
        if show_id is not None:
            flags = flags.where(show_status.c.show_id == show_id)
        with self.engine.connect() as conn:
            baselined = {r.show_id: bool(r.baselined) for r in conn.execute(flags)}
            found = installments_of(conn, None if show_id is None else [show_id])
        return {key: summarize(key, found.get(key, ()), baselined.get(key, False))
                for key in {*baselined, *found}}

    def evidence_for(self, show_id: str, limit: int = 5) -> list[Evidence]:
        """The articles behind the status of a show's row (its open, else newest, installment), newest
        first."""
        shown = self.shows(show_id).get(show_id)
        if shown is None or not shown.installments:
            return []
        return self.evidence_of(show_id, shown.installment, shown.state.status, limit)

    def evidence_of(self, show_id: str, installment: str | None, status: str,
                    limit: int = 5) -> list[Evidence]:
        """The articles behind one installment's status, newest first."""
        with self.engine.connect() as conn:
            query = (select(evidence).where(evidence.c.show_id == show_id,
                                            evidence.c.installment == installment_key(installment),
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
            query = (select(events.c.payload, events.c.silent)
                     .order_by(events.c.detected_at, events.c.event_id))
            return [(event_from_payload(json.loads(r.payload)), bool(r.silent)) for r in conn.execute(query)]

    def stored_articles(self, limit: int = 5000) -> list[Article]:
        """Recently stored articles, for classifying a newly watched show against what was seen."""
        with self.engine.connect() as conn:
            query = select(articles).order_by(articles.c.first_seen.desc()).limit(limit)
            return [Article(source=r.source, trust="", title=r.title, url=r.url or "",
                            summary=r.summary or "", published=parse_iso(r.published), lang=r.lang)
                    for r in conn.execute(query)]

    def deliveries(self, states: tuple[str, ...] = ("pending", "sending", "failed")) -> list[Delivery]:
        """Outbox rows in these states, oldest first."""
        with self.engine.connect() as conn:
            query = (select(outbox, events.c.payload).join(events, events.c.event_id == outbox.c.event_id)
                     .where(outbox.c.state.in_(states)).order_by(outbox.c.id))
            return [Delivery(r.id, r.notifier, r.state, r.attempts, r.next_try, r.created, r.last_error,
                             event_from_payload(json.loads(r.payload)), r.claimed_by)
                    for r in conn.execute(query)]

    def count_deliveries(self, state: str) -> int:
        with self.engine.connect() as conn:
            return len(conn.execute(select(outbox.c.id).where(outbox.c.state == state)).all())

    def mark_delivered(self, delivery_id: int, now: datetime) -> None:
        with self.engine.begin() as conn:
            conn.execute(update(outbox).where(outbox.c.id == delivery_id)
                         .values(state="delivered", delivered_at=iso(now), last_error=None,
                                 attempts=outbox.c.attempts + 1, claimed_by=None, claim_expires=None))

    def mark_attempt_failed(self, delivery_id: int, error: str, next_try: float, give_up: bool) -> None:
        with self.engine.begin() as conn:
            conn.execute(update(outbox).where(outbox.c.id == delivery_id)
                         .values(state="failed" if give_up else "pending", last_error=error,
                                 next_try=next_try, attempts=outbox.c.attempts + 1, claimed_by=None,
                                 claim_expires=None))

    def claim_delivery(self, item: Delivery, instance: str, now_ts: float, hold: float,
                       force: bool = False) -> Delivery | None:
        """Claim an outbox row before sending it (see `radar.store.lease.claim_delivery`): the row as claimed,
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

    def renew_sources(self, names: Iterable[str], instance: str, until: float) -> int:
        """Hold our leases of these sources (polls still running) until `until`; returns how many."""
        with self.engine.begin() as conn:
            return lease.renew_sources(conn, names, instance, until)

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
