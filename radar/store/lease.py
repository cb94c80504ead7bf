"""Who does what on a shared store: sources leased while polled, alerts claimed while sent.

An instance is `host:pid`. A lease (a claim) is a row's `leased_by`/`lease_expires` (`claimed_by`/
`claim_expires`): taken by one conditional UPDATE — on PostgreSQL over the rows a `SELECT … FOR UPDATE
SKIP LOCKED` picked, so instances never wait on each other's picks — and given back when the work is
recorded. One that outlives its instance is free again when it expires, or at once when the instance
ran on this host and its process is gone (`release_dead`).
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, delete, func, or_, select, update
from sqlalchemy.engine import Connection

from radar.store.schema import outbox, source_state


def instance_id() -> str:
    """This process's name on a shared store: `host:pid`."""
    return f"{socket.gethostname()}:{os.getpid()}"


def _alive(instance: str, host: str) -> bool:
    """False when `instance` ran on this host and its process is gone; True when it lives or is elsewhere."""
    name, _, pid = instance.rpartition(":")
    if name != host or not pid.isdigit():
        return True
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@dataclass
class Leases:
    """What `lease_sources` got: the sources leased to us (with when each was due, if it was polled
    before), and when each other one may be tried again."""

    leased: list[str] = field(default_factory=list)
    later: dict[str, float] = field(default_factory=dict)
    due: dict[str, float] = field(default_factory=dict)


def _insert_ignore(conn: Connection, table: Any) -> Any:
    """INSERT … ON CONFLICT DO NOTHING for this connection's database."""
    if conn.dialect.name == "postgresql":  # each dialect imported only when used: PostgreSQL's costs 30 ms
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert(table).on_conflict_do_nothing()
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert(table).on_conflict_do_nothing()


def insert_ignore(conn: Connection, table: Any, rows: list[dict[str, Any]] | dict[str, Any],
                  returning: Any = None) -> Any:
    """Insert the rows that do not clash with a unique key; with `returning`, the inserted rows' values."""
    statement = _insert_ignore(conn, table)
    if returning is not None:
        return conn.execute(statement.returning(returning), rows)
    return conn.execute(statement, rows)


def lease_sources(conn: Connection, names: Iterable[str], instance: str, now: float, hold: float,
                  force: bool = False) -> Leases:
    """Lease the named sources that are due (any not leased, with `force`) and not leased by another
    instance, for `hold` seconds; the others come back with the time to try them again."""
    wanted = sorted(set(names))
    result = Leases()
    if not wanted:
        return result
    insert_ignore(conn, source_state, [{"name": n, "failures": 0, "baselined": False} for n in wanted])
    free = or_(source_state.c.leased_by.is_(None), source_state.c.leased_by == instance,
               source_state.c.lease_expires < now)
    due = free if force else and_(free, or_(source_state.c.next_poll.is_(None),
                                            source_state.c.next_poll <= now))
    pick = select(source_state.c.name).where(source_state.c.name.in_(wanted), due)
    if conn.dialect.name == "postgresql":
        pick = pick.with_for_update(skip_locked=True)
    taken = conn.execute(update(source_state).where(source_state.c.name.in_(pick.scalar_subquery()), due)
                         .values(leased_by=instance, lease_expires=now + hold)
                         .returning(source_state.c.name, source_state.c.next_poll))
    for name, next_poll in taken:
        result.leased.append(name)
        if next_poll is not None:
            result.due[name] = next_poll
    result.leased.sort()
    mine = set(result.leased)
    rest = [n for n in wanted if n not in mine]
    if rest:
        query = select(source_state.c.name, source_state.c.next_poll, source_state.c.leased_by,
                       source_state.c.lease_expires).where(source_state.c.name.in_(rest))
        for r in conn.execute(query):
            by_other = r.leased_by and r.leased_by != instance and (r.lease_expires or 0) >= now
            held = r.lease_expires if by_other else 0
            result.later[r.name] = max(r.next_poll or now, held or now, now)
    return result


def renew_sources(conn: Connection, names: Iterable[str], instance: str, until: float) -> int:
    """Hold our leases of these sources (polls still running) until `until`; a lease another instance
    took over, or one a recorded poll ended, stays as it is. Returns how many were renewed."""
    mine = and_(source_state.c.name.in_(list(names)), source_state.c.leased_by == instance)
    return int(conn.execute(update(source_state).where(mine).values(lease_expires=until)).rowcount)


def release_sources(conn: Connection, names: Iterable[str], instance: str,
                    forget_unpolled: bool = False) -> None:
    """Give back our leases of these sources; `forget_unpolled`: drop the rows only a lease made."""
    wanted = list(names)
    mine = and_(source_state.c.name.in_(wanted), source_state.c.leased_by == instance)
    if forget_unpolled:
        conn.execute(delete(source_state).where(mine, source_state.c.last_polled.is_(None)))
    conn.execute(update(source_state).where(mine).values(leased_by=None, lease_expires=None))


def release_claims(conn: Connection, instance: str) -> int:
    """Our alerts still being sent go back to pending (a daemon stopping abandons a stuck send)."""
    return int(conn.execute(update(outbox).where(outbox.c.state == "sending", outbox.c.claimed_by == instance)
                            .values(state="pending", claimed_by=None, claim_expires=None)).rowcount)


def claimable(now: float) -> Any:
    """An outbox row no instance is sending: pending, or its sender's claim expired."""
    return or_(outbox.c.state == "pending", and_(outbox.c.state == "sending", outbox.c.claim_expires < now))


def claim_delivery(conn: Connection, delivery_id: int, instance: str, now: float, hold: float,
                   force: bool = False) -> Any:
    """Claim one outbox row for sending: its fresh attempts and created time, or None when another
    instance sends (or sent) it, or — unless `force` — it is not due."""
    ready = claimable(now) if force else and_(claimable(now), outbox.c.next_try <= now)
    pick = select(outbox.c.id).where(outbox.c.id == delivery_id, ready)
    if conn.dialect.name == "postgresql":
        pick = pick.with_for_update(skip_locked=True)
    return conn.execute(update(outbox).where(outbox.c.id.in_(pick.scalar_subquery()), ready)
                        .values(state="sending", claimed_by=instance, claim_expires=now + hold)
                        .returning(outbox.c.attempts, outbox.c.created)).first()


def release_dead(conn: Connection, host: str | None = None) -> int:
    """Free the leases and claims of instances of this host whose process is gone; returns how many."""
    host = host or socket.gethostname()
    holders = {r[0] for r in conn.execute(select(source_state.c.leased_by).distinct()
                                          .where(source_state.c.leased_by.is_not(None)))}
    holders |= {r[0] for r in conn.execute(select(outbox.c.claimed_by).distinct()
                                           .where(outbox.c.state == "sending"))}
    dead = [h for h in holders if h and not _alive(h, host)]
    if not dead:
        return 0
    freed = conn.execute(update(source_state).where(source_state.c.leased_by.in_(dead))
                         .values(leased_by=None, lease_expires=None)).rowcount
    freed += conn.execute(update(outbox).where(outbox.c.state == "sending", outbox.c.claimed_by.in_(dead))
                          .values(state="pending", claimed_by=None, claim_expires=None)).rowcount
    return int(freed)


def holdings(conn: Connection, now: float) -> dict[str, dict[str, int]]:
    """Per instance: the sources it last polled, the leases and the claims it holds now."""
    found: dict[str, dict[str, int]] = {}

    def add(who: str | None, what: str, count: int) -> None:
        if who:
            found.setdefault(who, {"polled": 0, "leases": 0, "sending": 0})[what] += count

    for r in conn.execute(select(source_state.c.polled_by, func.count()).group_by(source_state.c.polled_by)):
        add(r[0], "polled", r[1])
    for r in conn.execute(select(source_state.c.leased_by, func.count())
                          .where(source_state.c.lease_expires >= now).group_by(source_state.c.leased_by)):
        add(r[0], "leases", r[1])
    for r in conn.execute(select(outbox.c.claimed_by, func.count())
                          .where(outbox.c.state == "sending").group_by(outbox.c.claimed_by)):
        add(r[0], "sending", r[1])
    return found
