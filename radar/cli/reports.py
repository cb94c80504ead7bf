"""The read-out commands: check's report, status, history, sources, deliveries."""

from __future__ import annotations

import argparse
import contextlib
import difflib
import json
import logging
import sys
import time
from datetime import UTC, datetime
from typing import Any

from radar.app import plugins
from radar.app.config import Config
from radar.cli.board import board_dir, export_board
from radar.cli.output import out
from radar.domain.errors import ExitStatus, UsageError

MAX_SOURCES_IN_STATUS = 30  # beyond this, `status` summarises the sources and `sources` lists them


def check(args: argparse.Namespace, config: Config, store: Any) -> int:
    from radar.app.check import run_cycles

    if not args.verbose:  # the report below names every failing source and delivery once: no warnings too
        for name in ("radar.app.fetch", "spiders", "radar.app.delivery"):
            logging.getLogger(name).setLevel(logging.ERROR)
    with contextlib.redirect_stdout(sys.stderr) if args.json else contextlib.nullcontext():
        report = run_cycles(config, store, 1)[0]  # with --json a console notifier writes to stderr
    exported = export_board(config, store, board_dir(config)) if config.radar.board.export_dir else None
    if args.json:
        out(json.dumps({"polled": report.polled, "not_modified": report.not_modified,
                         "conditional": report.conditional, "new_articles": report.new_articles,
                         "alerts": [e.payload() for e in report.events],
                         "silent_events": report.silent_events,
                         "delivered": report.delivered,
                         "source_errors": [{"source": s, "error": e} for s, e in report.errors],
                         "source_warnings": [{"source": s, "warning": w} for s, w in report.warnings],
                         "delivery_errors": [{"notifier": n, "error": e} for n, e in report.delivery_errors]},
                        ensure_ascii=False, indent=2), config)
        return _check_status(config, report)
    from radar.app.cycle import wants
    from radar.domain.wording import headline, show_name

    printed = [n for n in config.notifiers if plugins.channel_kinds()[n.kind].prints]
    for event in report.events:
        if any(wants(config, n.events, n.shows, event) for n in printed):
            continue  # a console notifier has just printed the whole alert
        if event.source is not None:  # a source failing for [alerts] failing_source, or back
            out(f"ALERT {show_name(event)}: {headline(event)} [{event.event}]", config)
            continue
        release = f" ({event.release})" if event.release else ""
        if event.status == event.previous_status and event.previous_release:
            change = f"{event.event}: {event.previous_release} → {event.release or 'no date'}"
        else:
            change = f"{event.previous_status} -> {event.status}{release} [{event.event}]"
        out(f"ALERT {show_name(event)}: {change} — {event.evidence[0].title}", config)
    for source, error in report.errors:
        out(f"source {source} failed: {error}", config)
    for source, warning in report.warnings:
        out(f"source {source}: {warning}", config)
    for notifier, error in report.delivery_errors:
        out(f"delivery to {notifier} failed (kept for retry): {error}", config)
    out(report.summary(), config)
    if exported:
        out(f"board exported to {exported}/", config)
    return _check_status(config, report)


def _check_status(config: Config, report: Any) -> ExitStatus:
    """SOURCES when every configured source failed, else DELIVERY when a delivery failed, else OK."""
    failed = {source for source, _ in report.errors}
    if config.sources and all(s.name in failed for s in config.sources):
        return ExitStatus.SOURCES
    return ExitStatus.DELIVERY if report.delivery_errors else ExitStatus.OK


def status(args: argparse.Namespace, config: Config, store: Any) -> int:
    if args.show:
        return _show_status(args, config, store)
    from radar.board.data import status_rows

    rows = status_rows(config, store)
    if args.json:
        out(json.dumps(rows, ensure_ascii=False, indent=2), config)
        return ExitStatus.OK
    out(_status_table(rows), config)
    sources = _source_table(config, store)
    if len(sources) <= MAX_SOURCES_IN_STATUS:
        out("\n" + _render_sources(sources), config)
    else:
        ok = sum(1 for t in sources if t["last_success"] and not t["failures"])
        out(f"\n{len(sources)} sources: {ok} polled fine — see `renewal-radar sources`", config)
    for line in _trouble_lines(config, store):
        out(line, config)
    return ExitStatus.OK


def _show_status(args: argparse.Namespace, config: Config, store: Any) -> int:
    """`status SHOW`: every installment of one show, first to newest, each with its evidence."""
    from radar.domain.status import in_order

    show = _watched(config, args.show)
    entry = store.shows(show.id).get(show.id)
    by_label = {i.installment: i for i in entry.installments} if entry else {}
    rows = []
    for slot in in_order([i.slot for i in by_label.values()]):
        item = by_label[slot.installment]
        evidence = store.evidence_of(show.id, item.installment, item.state.status)
        rows.append({"id": show.id, "title": show.title, "installment": item.installment,
                     "status": item.state.status, "release": item.state.release, "updated": item.updated,
                     "evidence": [e.as_dict() for e in evidence]})
    if args.json:
        out(json.dumps(rows, ensure_ascii=False, indent=2), config)
    elif not rows:
        out(f"{show.id}: no installment known yet (status none)", config)
    else:
        out(_status_table(rows), config)
    return ExitStatus.OK


def _status_table(rows: list[dict[str, Any]]) -> str:
    from radar.cli.table import render
    from radar.domain.wording import installment_name, local_time

    return render(["ID", "TITLE", "INSTALLMENT", "STATUS", "RELEASE", "UPDATED", "EVIDENCE"],
                  [[r["id"], r["title"], installment_name(r["installment"]) or "", r["status"],
                    r["release"] or "", local_time(r["updated"]),
                    (r["evidence"][0]["url"] if r["evidence"] else "") + (f" (+{len(r['evidence']) - 1})"
                                                                          if len(r["evidence"]) > 1 else "")]
                   for r in rows])


def _watched(config: Config, wanted: str) -> Any:
    """The watched show named by its id, title or an alias (any case, normalized), else a usage error
    suggesting close matches."""
    from radar.domain.normalize import name_key

    key = name_key(wanted)
    for show in config.shows:
        if wanted == show.id or key in (name_key(show.id), *(name_key(n) for n in show.names)):
            return show
    names = {name_key(n): show.id for show in config.shows for n in (show.id, *show.names)}
    close = list(dict.fromkeys(names[n] for n in difflib.get_close_matches(key, names, n=5, cutoff=0.6)))
    raise UsageError(f"no watched show {wanted!r}", (f"did you mean {', '.join(close[:3])}?" if close else
                                                     "see `renewal-radar status` for the ids"))


def _trouble_lines(config: Config, store: Any) -> list[str]:
    """The lines under `status`'s table: failing sources and alerts given up, each with where to look."""
    rows = store.source_rows()
    failing = [(s.name, rows[s.name]) for s in config.sources if s.name in rows and rows[s.name].failures]
    lines = []
    if failing:
        shown = ", ".join(f"{name} ({row.failures}x{_since(row)}: {row.last_error or 'failed'})"
                          for name, row in failing[:5])
        more = f", +{len(failing) - 5} more" if len(failing) > 5 else ""
        lines.append(f"failing sources: {shown}{more} — see `renewal-radar sources`")
    holders = store.holdings(time.time())  # several instances on one store: who polled, polls, sends what
    if len(holders) > 1 or any(h["leases"] or h["sending"] for h in holders.values()):
        lines.append("instances: " + "; ".join(
            f"{who} polled {h['polled']} sources last, is polling {h['leases']}, "
            f"sending {h['sending']} alerts"
            for who, h in sorted(holders.items())))
    given_up = store.count_deliveries("failed")
    if given_up:
        lines.append(f"{given_up} alerts given up — see `renewal-radar deliveries`, "
                     "resend with `deliveries retry`")
    return lines


def _since(row: Any) -> str:
    """" since 2026-10-30 18:15 JST" for a failing source whose streak's start is known."""
    from radar.domain.wording import local_time

    return f" since {local_time(row.failing_since)}" if getattr(row, "failing_since", None) else ""


def history(args: argparse.Namespace, config: Config, store: Any) -> int:
    show_id = _watched(config, args.show).id
    items = store.history(show_id)
    if args.json:
        out(json.dumps([dict(e.payload(), silent=silent) for e, silent in items], ensure_ascii=False,
                       indent=2), config)
        return ExitStatus.OK
    if not items:
        out(f"{show_id}: no events yet", config)
        return ExitStatus.OK
    from radar.cli.table import render
    from radar.domain.wording import installment_name, local_time

    out(render(["DETECTED", "INSTALLMENT", "EVENT", "STATUS", "RELEASE", "WHY", "SOURCE"],
                [[local_time(e.detected_at), installment_name(e.installment) or "",
                  e.event + (" (baseline)" if silent else ""),
                  f"{e.previous_status} -> {e.status}", e.release or "", e.phrase,
                  f"{e.evidence[0].source}: {e.evidence[0].url}" if e.evidence else ""]
                 for e, silent in items]),
         config)
    return ExitStatus.OK


def _source_table(config: Config, store: Any) -> list[dict[str, Any]]:
    """Per source: kind, trust, interval, last success, failures, last error, next poll."""
    from radar.domain.duration import format_duration

    rows = store.source_rows()
    default = config.radar.schedule.interval
    now = time.time()
    table = []
    for source in config.sources:
        row = rows.get(source.name)
        next_poll = row.next_poll if row and row.next_poll else None
        table.append({"name": source.name, "kind": source.kind, "trust": source.trust,
                      "interval": format_duration(source.interval or default),
                      "last_success": row.last_success if row else None,
                      "last_error": row.last_error if row else None,
                      "failures": row.failures if row else 0,
                      "failing_since": row.failing_since if row and row.failures else None,
                      "next_poll": datetime.fromtimestamp(next_poll, UTC).isoformat() if next_poll else None,
                      # the instance (host:pid) that polled it last
                      "polled_by": row.polled_by if row else None,
                      "polling_now": row.leased_by if row and (row.lease_expires or 0) > now else None})
    return table


def _render_sources(table: list[dict[str, Any]]) -> str:
    from radar.cli.table import render
    from radar.domain.wording import local_time

    return render(["SOURCE", "KIND", "TRUST", "EVERY", "LAST SUCCESS", "FAILING", "FAILING SINCE",
                   "LAST ERROR", "NEXT POLL", "POLLED BY"],
                  [[t["name"], t["kind"], t["trust"], t["interval"], local_time(t["last_success"]) or "never",
                    t["failures"] or "", local_time(t["failing_since"]), t["last_error"] or "",
                    local_time(t["next_poll"]),
                    f"{t['polling_now']} (polling now)" if t["polling_now"] else t["polled_by"] or ""]
                   for t in table])


def sources(args: argparse.Namespace, config: Config, store: Any) -> int:
    table = _source_table(config, store)
    out(json.dumps(table, ensure_ascii=False, indent=2) if args.json else _render_sources(table), config)
    return ExitStatus.OK


def deliveries(args: argparse.Namespace, config: Config, store: Any) -> int:
    if args.action == "retry":
        from radar.app.delivery import deliver_due
        from radar.store.lock import holder, lock_path

        count = store.requeue_failed(time.time())
        pid = holder(lock_path(config.store_url, config.directory))
        if pid is not None:  # the daemon's outbox loop sends them; sending here too could send twice
            out(json.dumps({"requeued": count, "daemon_pid": pid or None, "delivered": None, "errors": []})
                 if args.json else
                 f"requeued {count} failed deliveries; the running daemon (pid {pid or '?'}) sends them now",
                 config)
            return ExitStatus.OK

        with contextlib.redirect_stdout(sys.stderr) if args.json else contextlib.nullcontext():
            report = deliver_due(config, store, force=True)
        if args.json:
            out(json.dumps({"requeued": count, "daemon_pid": None, "delivered": report.delivered,
                             "errors": [{"notifier": n, "error": e} for n, e in report.errors]},
                            ensure_ascii=False, indent=2), config)
        else:
            out(f"requeued {count} failed deliveries; delivered {report.delivered}, "
                 f"{len(report.errors)} still failing", config)
        return ExitStatus.OK if not report.errors else ExitStatus.DELIVERY
    items = store.deliveries()
    rows = [{"id": d.id, "notifier": d.notifier, "state": d.state, "event_id": d.event.event_id,
             "show_id": d.event.show_id, "installment": d.event.installment, "event": d.event.event,
             "attempts": d.attempts,
             "next_try": (datetime.fromtimestamp(d.next_try, UTC).isoformat() if d.state == "pending"
                          else None),
             "last_error": d.last_error, "claimed_by": d.claimed_by} for d in items]
    if args.json:
        out(json.dumps(rows, ensure_ascii=False, indent=2), config)
        return ExitStatus.OK
    if not rows:
        out("nothing waiting: every alert was delivered", config)
        return ExitStatus.OK
    from radar.cli.table import render
    from radar.domain.wording import local_time

    out(render(["NOTIFIER", "STATE", "SHOW", "EVENT", "ATTEMPTS", "NEXT TRY", "LAST ERROR"],
                [[r["notifier"], r["state"] + (f" by {r['claimed_by']}" if r["claimed_by"] else ""),
                  r["show_id"], r["event"], r["attempts"], local_time(r["next_try"], seconds=True),
                  r["last_error"] or ""] for r in rows]), config)
    return ExitStatus.OK
