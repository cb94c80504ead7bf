"""The `renewal-radar` command line; the only module that prints."""

from __future__ import annotations

import argparse
import contextlib
import difflib
import json
import logging
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NoReturn

from radar import __version__
from radar.app import process
from radar.app.config import Config, config_dir, load_config, load_watchlist
from radar.domain.errors import ConfigError, ExitStatus, RadarError, StoreError, UsageError

log = logging.getLogger(__name__)


MAX_SOURCES_IN_STATUS = 30  # beyond this, `status` summarises the sources and `sources` lists them
CLASSIFY_HELP = """\
Offline: read one JSON object per line on stdin, write one JSON line per input line on stdout.
No network, no store, no config directory: only the shows of --watchlist.

input:   {"id": "a1", "title": "...", "summary": "...", "published": "2026-10-30T09:00:00+00:00",
          "source_trust": "official|news|community", "lang": "en|ja"}
         (only title is needed; source_trust defaults to news)
output:  {"id": "a1", "events": [{"show": "akudama-drive", "event": "announced",
          "release": "2027-04", "installment": "season 2", "phrase": "..."}]}
         event: announced, dated, delayed, premiered, cancelled or rumor; release (YYYY, YYYY-MM or
         YYYY-MM-DD) and installment (a canonical label) only when the text names them.
         A line that cannot be read: {"id": ..., "error": "line N: ..."}.

example: echo '{"id": "1", "title": "Akudama Drive Season 2 Announced"}' |
           renewal-radar classify --watchlist config/watchlist.toml"""


class _Parser(argparse.ArgumentParser):
    """argparse with a usage mistake as one line and ExitStatus.USAGE, not argparse's exit 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(ExitStatus.USAGE, f"{self.prog}: usage error: {message} (see `{self.prog} --help`)\n")


def _common() -> _Parser:
    """--config, -v and -q, accepted before and after the command (SUPPRESS: one place never undoes
    the other)."""
    common = _Parser(add_help=False)
    common.add_argument("--config", metavar="DIR", default=argparse.SUPPRESS,
                        help="config directory (default: $RENEWAL_RADAR_CONFIG or ./config)")
    common.add_argument("-v", "--verbose", action="count", default=argparse.SUPPRESS,
                        help="more log output on stderr (-vv: debug)")
    common.add_argument("-q", "--quiet", action="store_true", default=argparse.SUPPRESS,
                        help="only errors on stderr, no warnings")
    return common


# (name, help, example) of every command; the help is the first line of `renewal-radar COMMAND --help`
COMMANDS: dict[str, tuple[str, str]] = {
    "init": ("write a commented starter config", "renewal-radar init ~/.config/renewal-radar"),
    "check": ("one full cycle: poll, classify, update statuses, deliver alerts",
              "renewal-radar --config ~/.config/renewal-radar check --json"),
    "daemon": ("poll on schedule until SIGTERM/SIGINT (SIGHUP reloads the config)",
               "renewal-radar daemon --healthcheck-port 8080"),
    "status": ("one row per show: status, release, evidence (SHOW: each installment)",
               "renewal-radar status akudama-drive"),
    "sources": ("one row per source: last success, last error, next poll", "renewal-radar sources --json"),
    "history": ("the events of one show, newest first", 'renewal-radar history "Akudama Drive"'),
    "classify": ("offline: classify JSON lines from stdin", ""),
    "deliveries": ("alerts not yet delivered or given up", "renewal-radar deliveries retry --json"),
    "notify-test": ("send a test alert through every notifier (or one)", "renewal-radar notify-test team-chat"),
    "config": ("validate or print the config", "renewal-radar config check --json"),
    "demo": ("run the real pipeline offline on bundled samples (no network, no account)", "renewal-radar demo"),
    "serve": ("serve the status board, Atom feed, calendar and status.json (read-only)",
              "renewal-radar serve --port 8765"),
    "export": ("write the status board's pages as static files", "renewal-radar export /var/www/radar"),
    "watchlist": ("import a list from AniList or MyAnimeList, add a show, list",
                  "renewal-radar watchlist import anilist USER --dry-run"),
}


def build_parser() -> argparse.ArgumentParser:
    common = _common()
    parser = _Parser(prog="renewal-radar", parents=[common], description=(
        "Tells you the moment a show you watch gets a new season: announced, dated, delayed, "
        "premiered or cancelled."), epilog="`renewal-radar COMMAND --help` describes each command.")
    parser.add_argument("--version", action="version", version=f"renewal-radar {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    def command(name: str, **kwargs: Any) -> argparse.ArgumentParser:
        summary, example = COMMANDS[name]
        kwargs.setdefault("description", summary[0].upper() + summary[1:] + ".")
        return sub.add_parser(name, help=summary, parents=[common], epilog=f"example: {example}" if example else None,
                              formatter_class=argparse.RawDescriptionHelpFormatter, **kwargs)

    command("init").add_argument("dir", nargs="?", help="where (default: the config directory)")
    command("check").add_argument("--json", action="store_true", help="one JSON object on stdout, nothing else")
    daemon = command("daemon")
    daemon.add_argument("--healthcheck-port", type=int, metavar="N", help="serve /healthz on 127.0.0.1:N")
    daemon.add_argument("--http-port", type=int, metavar="N",
                        help="serve the status board (and /healthz) on 127.0.0.1:N")
    status = command("status")
    status.add_argument("show", nargs="?", help="list every installment of this show (id, title or alias)")
    status.add_argument("--json", action="store_true", help="the rows as a JSON list")
    command("sources").add_argument("--json", action="store_true", help="the rows as a JSON list")
    history = command("history")
    history.add_argument("show", help="the show: its id, title or an alias (any case)")
    history.add_argument("--json", action="store_true", help="the events' payloads as a JSON list")
    classify = command("classify", description=CLASSIFY_HELP)
    classify.add_argument("--watchlist", required=True, metavar="FILE",
                          help="a watchlist.toml: the shows an article may be about")
    deliveries = command("deliveries")
    deliveries.add_argument("action", nargs="?", choices=["retry"], help="retry: send the failed ones again")
    deliveries.add_argument("--json", action="store_true", help="JSON on stdout")
    notify = command("notify-test")
    notify.add_argument("name", nargs="?", help="only this notifier")
    notify.add_argument("--json", action="store_true", help="one JSON object per notifier, as a list")
    cfg = command("config")
    cfg.add_argument("action", choices=["check", "show"], help="check: validate; show: print, secrets masked")
    cfg.add_argument("--json", action="store_true", help="JSON on stdout")
    command("demo")
    serve = command("serve")
    serve.add_argument("--port", type=int, default=8765, help="TCP port (default 8765; 0: any free port)")
    serve.add_argument("--bind", default="127.0.0.1", metavar="ADDR", help="address to listen on (default 127.0.0.1)")
    command("export").add_argument("dir", help="where (made if missing)")
    _watchlist_parser(command("watchlist"), common)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    for key, default in (("config", None), ("verbose", 0), ("quiet", False)):
        if not hasattr(args, key):
            setattr(args, key, default)
    if args.command is None:  # `renewal-radar` alone: what it can do
        parser.print_help()
        return ExitStatus.OK
    _setup_logging(-1 if args.quiet else args.verbose)
    try:
        return int(_dispatch(args))
    except ConfigError as exc:
        _error(f"config error: {exc}")
        return ExitStatus.CONFIG
    except StoreError as exc:
        _error(f"store error: {exc}")
        return ExitStatus.STORE
    except UsageError as exc:
        _error(f"{args.command}: usage error: {exc}")
        return ExitStatus.USAGE
    except RadarError as exc:
        _error(str(exc))
        return ExitStatus.ERROR
    except KeyboardInterrupt:
        return ExitStatus.ERROR


def _dispatch(args: argparse.Namespace) -> int:
    if args.command not in ("check", "daemon", "demo"):  # these settle once their imports are done
        process.settled()
    if args.command == "classify":
        return _classify(args)
    if args.command == "watchlist":  # needs watchlist.toml and [anilist] only: no notifier secrets
        return _watchlist(args)
    if args.command == "init":
        return _init(args)
    if args.command == "demo":
        from radar.cli.demo import run_demo

        return run_demo(print)
    config = load_config(config_dir(args.config))
    _redact_logs(config)
    if args.command == "config":
        return _config(args, config)
    if args.command == "daemon":
        from radar.app.daemon import run_daemon
        from radar.board.web import live_root

        return run_daemon(config, healthcheck_port=args.healthcheck_port, http_port=args.http_port,
                          pages=live_root)
    if args.command == "notify-test":
        return _notify_test(args, config)
    from radar.store import Store

    store = Store(config.store_url)
    try:
        handler = {"check": _check, "status": _status, "history": _history, "sources": _sources,
                   "deliveries": _deliveries, "serve": _serve, "export": _export}[args.command]
        return handler(args, config, store)
    finally:
        store.close()


def _check(args: argparse.Namespace, config: Config, store: Any) -> int:
    from radar.app.check import run_cycles

    if not args.verbose:  # the report below names every failing source and delivery once: no warnings too
        for name in ("spiders", "radar.app.delivery"):
            logging.getLogger(name).setLevel(logging.ERROR)
    with contextlib.redirect_stdout(sys.stderr) if args.json else contextlib.nullcontext():
        report = run_cycles(config, store, 1)[0]  # with --json a console notifier writes to stderr
    exported = _export_board(config, store, _board_dir(config)) if config.radar.board.export_dir else None
    if args.json:
        _out(json.dumps({"polled": report.polled, "not_modified": report.not_modified,
                         "conditional": report.conditional, "new_articles": report.new_articles,
                         "alerts": [e.payload() for e in report.events], "silent_events": report.silent_events,
                         "delivered": report.delivered,
                         "source_errors": [{"source": s, "error": e} for s, e in report.errors],
                         "source_warnings": [{"source": s, "warning": w} for s, w in report.warnings],
                         "delivery_errors": [{"notifier": n, "error": e} for n, e in report.delivery_errors]},
                        ensure_ascii=False, indent=2), config)
        return _check_status(config, report)
    from radar.app.cycle import wants
    from radar.domain.wording import headline, show_name

    printed = [n for n in config.notifiers if n.kind == "console"]
    for event in report.events:
        if any(wants(config, n.events, n.shows, event) for n in printed):
            continue  # a console notifier has just printed the whole alert
        if event.source is not None:  # a source failing for [alerts] failing_source, or back
            _out(f"ALERT {show_name(event)}: {headline(event)} [{event.event}]", config)
            continue
        release = f" ({event.release})" if event.release else ""
        if event.status == event.previous_status and event.previous_release:
            change = f"{event.event}: {event.previous_release} → {event.release or 'no date'}"
        else:
            change = f"{event.previous_status} -> {event.status}{release} [{event.event}]"
        _out(f"ALERT {show_name(event)}: {change} — {event.evidence[0].title}", config)
    for source, error in report.errors:
        _out(f"source {source} failed: {error}", config)
    for source, warning in report.warnings:
        _out(f"source {source}: {warning}", config)
    for notifier, error in report.delivery_errors:
        _out(f"delivery to {notifier} failed (kept for retry): {error}", config)
    _out(report.summary(), config)
    if exported:
        _out(f"board exported to {exported}/", config)
    return _check_status(config, report)


def _check_status(config: Config, report: Any) -> ExitStatus:
    """SOURCES when every configured source failed, else DELIVERY when a delivery failed, else OK."""
    failed = {source for source, _ in report.errors}
    if config.sources and all(s.name in failed for s in config.sources):
        return ExitStatus.SOURCES
    return ExitStatus.DELIVERY if report.delivery_errors else ExitStatus.OK


def _status(args: argparse.Namespace, config: Config, store: Any) -> int:
    if args.show:
        return _show_status(args, config, store)
    from radar.board.data import status_rows

    rows = status_rows(config, store)
    if args.json:
        _out(json.dumps(rows, ensure_ascii=False, indent=2), config)
        return ExitStatus.OK
    _out(_status_table(rows), config)
    sources = _source_table(config, store)
    if len(sources) <= MAX_SOURCES_IN_STATUS:
        _out("\n" + _render_sources(sources), config)
    else:
        ok = sum(1 for t in sources if t["last_success"] and not t["failures"])
        _out(f"\n{len(sources)} sources: {ok} polled fine — see `renewal-radar sources`", config)
    for line in _trouble_lines(config, store):
        _out(line, config)
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
        _out(json.dumps(rows, ensure_ascii=False, indent=2), config)
    elif not rows:
        _out(f"{show.id}: no installment known yet (status none)", config)
    else:
        _out(_status_table(rows), config)
    return ExitStatus.OK


def _status_table(rows: list[dict[str, Any]]) -> str:
    from radar.cli.table import render
    from radar.domain.wording import installment_name, local_time

    return render(["ID", "TITLE", "INSTALLMENT", "STATUS", "RELEASE", "UPDATED", "EVIDENCE"],
                  [[r["id"], r["title"], installment_name(r["installment"]) or "", r["status"], r["release"] or "",
                    local_time(r["updated"]),
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
            f"{who} polled {h['polled']} sources last, is polling {h['leases']}, sending {h['sending']} alerts"
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


def _history(args: argparse.Namespace, config: Config, store: Any) -> int:
    show_id = _watched(config, args.show).id
    items = store.history(show_id)
    if args.json:
        _out(json.dumps([dict(e.payload(), silent=silent) for e, silent in items], ensure_ascii=False, indent=2),
             config)
        return ExitStatus.OK
    if not items:
        _out(f"{show_id}: no events yet", config)
        return ExitStatus.OK
    from radar.cli.table import render
    from radar.domain.wording import installment_name, local_time

    _out(render(["DETECTED", "INSTALLMENT", "EVENT", "STATUS", "RELEASE", "WHY", "SOURCE"],
                [[local_time(e.detected_at), installment_name(e.installment) or "", e.event + (" (baseline)" if silent else ""),
                  f"{e.previous_status} -> {e.status}", e.release or "", e.phrase,
                  f"{e.evidence[0].source}: {e.evidence[0].url}" if e.evidence else ""] for e, silent in items]),
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
                      "polled_by": row.polled_by if row else None,  # the instance (host:pid) that polled it last
                      "polling_now": row.leased_by if row and (row.lease_expires or 0) > now else None})
    return table


def _render_sources(table: list[dict[str, Any]]) -> str:
    from radar.cli.table import render
    from radar.domain.wording import local_time

    return render(["SOURCE", "KIND", "TRUST", "EVERY", "LAST SUCCESS", "FAILING", "FAILING SINCE", "LAST ERROR",
                   "NEXT POLL", "POLLED BY"],
                  [[t["name"], t["kind"], t["trust"], t["interval"], local_time(t["last_success"]) or "never",
                    t["failures"] or "", local_time(t["failing_since"]), t["last_error"] or "",
                    local_time(t["next_poll"]),
                    f"{t['polling_now']} (polling now)" if t["polling_now"] else t["polled_by"] or ""] for t in table])


def _sources(args: argparse.Namespace, config: Config, store: Any) -> int:
    table = _source_table(config, store)
    _out(json.dumps(table, ensure_ascii=False, indent=2) if args.json else _render_sources(table), config)
    return ExitStatus.OK


def _deliveries(args: argparse.Namespace, config: Config, store: Any) -> int:
    if args.action == "retry":
        from radar.app.delivery import deliver_due
        from radar.store.lock import holder, lock_path

        count = store.requeue_failed(time.time())
        pid = holder(lock_path(config.store_url, config.directory))
        if pid is not None:  # the daemon's outbox loop sends them; sending here too could send twice
            _out(json.dumps({"requeued": count, "daemon_pid": pid or None, "delivered": None, "errors": []})
                 if args.json else
                 f"requeued {count} failed deliveries; the running daemon (pid {pid or '?'}) sends them now", config)
            return ExitStatus.OK

        with contextlib.redirect_stdout(sys.stderr) if args.json else contextlib.nullcontext():
            report = deliver_due(config, store, force=True)
        if args.json:
            _out(json.dumps({"requeued": count, "daemon_pid": None, "delivered": report.delivered,
                             "errors": [{"notifier": n, "error": e} for n, e in report.errors]},
                            ensure_ascii=False, indent=2), config)
        else:
            _out(f"requeued {count} failed deliveries; delivered {report.delivered}, "
                 f"{len(report.errors)} still failing", config)
        return ExitStatus.OK if not report.errors else ExitStatus.DELIVERY
    items = store.deliveries()
    rows = [{"id": d.id, "notifier": d.notifier, "state": d.state, "event_id": d.event.event_id,
             "show_id": d.event.show_id, "installment": d.event.installment, "event": d.event.event,
             "attempts": d.attempts,
             "next_try": datetime.fromtimestamp(d.next_try, UTC).isoformat() if d.state == "pending" else None,
             "last_error": d.last_error, "claimed_by": d.claimed_by} for d in items]
    if args.json:
        _out(json.dumps(rows, ensure_ascii=False, indent=2), config)
        return ExitStatus.OK
    if not rows:
        _out("nothing waiting: every alert was delivered", config)
        return ExitStatus.OK
    from radar.cli.table import render
    from radar.domain.wording import local_time

    _out(render(["NOTIFIER", "STATE", "SHOW", "EVENT", "ATTEMPTS", "NEXT TRY", "LAST ERROR"],
                [[r["notifier"], r["state"] + (f" by {r['claimed_by']}" if r["claimed_by"] else ""), r["show_id"],
                  r["event"], r["attempts"], local_time(r["next_try"], seconds=True),
                  r["last_error"] or ""] for r in rows]), config)
    return ExitStatus.OK


def _notify_test(args: argparse.Namespace, config: Config) -> int:
    from radar.app import plugins
    from radar.domain.errors import DeliveryError
    from radar.domain.sample import sample_event

    specs = [n for n in config.notifiers if args.name in (None, n.name)]
    if args.name and not specs:
        names = [n.name for n in config.notifiers]
        close = difflib.get_close_matches(args.name, names, n=3, cutoff=0.5)
        raise UsageError(f"no notifier named {args.name!r}", f"did you mean {', '.join(close)}?" if close else
                         ("the notifiers are " + ", ".join(names) if names else "radar.toml has no [[notifier]]"))
    if not specs:
        _out("[]" if args.json else "no notifiers configured: add a [[notifier]] to radar.toml", config)
        return ExitStatus.OK
    results = []
    for spec in specs:
        channel = plugins.channel_kinds()[spec.kind](spec.name, spec.options)
        try:
            with contextlib.redirect_stdout(sys.stderr) if args.json else contextlib.nullcontext():
                channel.send(sample_event(spec.name))
            results.append({"notifier": spec.name, "sent": True, "target": channel.describe(), "error": None})
        except DeliveryError as exc:
            results.append({"notifier": spec.name, "sent": False, "target": channel.describe(),
                            "error": config.redact(exc.problem)})
    if args.json:
        _out(json.dumps(results, ensure_ascii=False, indent=2), config)
    for r in [] if args.json else results:
        _out(f"{r['notifier']}: sent ({r['target']})" if r["sent"] else f"{r['notifier']}: FAILED: {r['error']}",
             config)
    return ExitStatus.DELIVERY if any(not r["sent"] for r in results) else ExitStatus.OK


def _board_dir(config: Config) -> Path:
    """`[board] export_dir`, a relative one taken from the config directory."""
    path = Path(config.radar.board.export_dir or "").expanduser()
    return path if path.is_absolute() else config.directory / path


def _export_board(config: Config, store: Any, directory: Path) -> Path:
    from radar.board.data import read_board
    from radar.board.export import export

    export(read_board(config, store), directory, config.redact)
    return directory


def _export(args: argparse.Namespace, config: Config, store: Any) -> int:
    directory = _export_board(config, store, Path(args.dir))
    _out(f"board exported to {directory}/: index.html, feed.atom, calendar.ics, api/status.json", config)
    return ExitStatus.OK


def _serve(args: argparse.Namespace, config: Config, store: Any) -> int:
    from radar.board.data import read_board
    from radar.board.web import serve

    def ready(port: int) -> None:
        _out(f"serving http://{args.bind}:{port}/ (status board, feed.atom, calendar.ics, api/status.json)", config)
        sys.stdout.flush()

    serve(lambda: read_board(config, store), config.redact, args.port, args.bind, ready)
    return ExitStatus.OK


def _config(args: argparse.Namespace, config: Config) -> int:
    if args.action == "check":
        counts = {"shows": len(config.shows), "sources": len(config.sources), "notifiers": len(config.notifiers)}
        _out(json.dumps({"directory": str(config.directory), "ok": True, **counts}) if args.json else
             f"{config.directory}: OK — {counts['shows']} shows, {counts['sources']} sources, "
             f"{counts['notifiers']} notifiers", config)
        return ExitStatus.OK
    from radar.cli.config_view import render_config

    if args.json:
        import tomllib

        _out(json.dumps(tomllib.loads(render_config(config)), ensure_ascii=False, indent=2), config)
        return ExitStatus.OK
    _out(render_config(config), config)
    return ExitStatus.OK


def _watchlist_parser(watchlist: argparse.ArgumentParser, common: _Parser) -> None:
    from radar.app.anilist import DEFAULT_STATUSES, LIST_STATUSES

    commands = watchlist.add_subparsers(dest="action", required=True, metavar="ACTION")
    raw = argparse.RawDescriptionHelpFormatter
    imports = commands.add_parser("import", help="merge an AniList user's list or a MyAnimeList export",
                                  parents=[common], formatter_class=raw,
                                  epilog="example: renewal-radar watchlist import mal animelist.xml.gz --dry-run")
    imports.add_argument("service", choices=["anilist", "mal"])
    imports.add_argument("name", metavar="USER|FILE", help="AniList user name, or the MyAnimeList export file")
    imports.add_argument("--status", default=",".join(DEFAULT_STATUSES), metavar="LIST",
                         help=f"list statuses to import, comma-separated, of {', '.join(LIST_STATUSES)} "
                              "(default: %(default)s)")
    imports.add_argument("--dry-run", action="store_true", help="print the change as a diff, write nothing")
    add = commands.add_parser("add", help="search AniList for a title and add the best match", parents=[common],
                              formatter_class=raw, epilog='example: renewal-radar watchlist add "Akudama Drive"')
    add.add_argument("title", nargs="+")
    add.add_argument("--dry-run", action="store_true", help="print the change as a diff, write nothing")
    shown = commands.add_parser("list", help="the watched shows with their ids", parents=[common],
                                formatter_class=raw, epilog="example: renewal-radar watchlist list --json")
    shown.add_argument("--json", action="store_true")


def _watchlist(args: argparse.Namespace) -> int:
    from radar.cli.watchlist_command import run_watchlist

    return run_watchlist(args, config_dir(args.config), _out)


def _classify(args: argparse.Namespace) -> int:
    from radar.detect.classify import run_classify

    shows = load_watchlist(Path(args.watchlist))
    run_classify(sys.stdin, sys.stdout, shows)
    return ExitStatus.OK


def _init(args: argparse.Namespace) -> int:
    from radar.cli.starter import write_starter

    target = Path(args.dir) if args.dir else config_dir(args.config)
    written = write_starter(target)
    print(f"wrote {', '.join(p.name for p in written)} to {target}/ — edit watchlist.toml, then run "
          f"`renewal-radar --config {target} check`")
    return ExitStatus.OK


def _out(text: str, config: Config | None = None) -> None:
    from radar.domain.display import (
        clean_lines,  # no terminal escape or bidi override a feed wrote is printed
    )

    print(clean_lines(config.redact(text) if config else text))


def _error(text: str) -> None:
    print(f"renewal-radar: {text}", file=sys.stderr)


def _setup_logging(verbosity: int) -> None:
    """-1 (--quiet): errors only; 0: warnings; 1 (-v): info; 2 (-vv): debug."""
    level = {-1: logging.ERROR, 0: logging.WARNING, 1: logging.INFO}.get(verbosity, logging.DEBUG)
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    for noisy in ("scrapy", "twisted", "apprise", "urllib3", "filelock", "asyncio"):
        logging.getLogger(noisy).setLevel(max(level, logging.WARNING))


def _redact_logs(config: Config) -> None:
    from radar.domain.secret import mask_logs

    mask_logs(config.masker)
