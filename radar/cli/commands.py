"""The `renewal-radar` command line: parse (radar.cli.parser), dispatch, and the commands that change
things (init, config, notify-test, classify, watchlist); the read-outs are radar.cli.reports'."""

from __future__ import annotations

import argparse
import contextlib
import difflib
import json
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from radar.app import process
from radar.app.config import Config, config_dir, load_config, load_watchlist
from radar.cli import board, reports
from radar.cli.output import err, out, redact_logs, setup_logging
from radar.cli.parser import build_parser
from radar.domain.errors import ConfigError, ExitStatus, RadarError, StoreError, UsageError

log = logging.getLogger(__name__)


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
    setup_logging(-1 if args.quiet else args.verbose)
    try:
        return int(_dispatch(args))
    except ConfigError as exc:
        err(f"config error: {exc}")
        return ExitStatus.CONFIG
    except StoreError as exc:
        err(f"store error: {exc}")
        return ExitStatus.STORE
    except UsageError as exc:
        err(f"{args.command}: usage error: {exc}")
        return ExitStatus.USAGE
    except RadarError as exc:
        err(str(exc))
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
    redact_logs(config)
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
        handler = {"check": reports.check, "status": reports.status, "history": reports.history,
                   "sources": reports.sources, "deliveries": reports.deliveries, "serve": board.serve_command,
                   "export": board.export_command}[args.command]
        return handler(args, config, store)
    finally:
        store.close()


def _notify_test(args: argparse.Namespace, config: Config) -> int:
    from radar.app.delivery import build_channels
    from radar.domain.errors import DeliveryError
    from radar.domain.sample import sample_event

    specs = [n for n in config.notifiers if args.name in (None, n.name)]
    if args.name and not specs:
        names = [n.name for n in config.notifiers]
        close = difflib.get_close_matches(args.name, names, n=3, cutoff=0.5)
        known = "the notifiers are " + ", ".join(names) if names else "radar.toml has no [[notifier]]"
        hint = f"did you mean {', '.join(close)}?" if close else known
        raise UsageError(f"no notifier named {args.name!r}", hint)
    if not specs:
        out("[]" if args.json else "no notifiers configured: add a [[notifier]] to radar.toml", config)
        return ExitStatus.OK
    results = []
    channels = build_channels(config)
    for spec in specs:
        channel = channels[spec.name]
        try:
            with contextlib.redirect_stdout(sys.stderr) if args.json else contextlib.nullcontext():
                channel.send(sample_event(spec.name))
            results.append({"notifier": spec.name, "sent": True, "target": channel.describe(), "error": None})
        except DeliveryError as exc:
            results.append({"notifier": spec.name, "sent": False, "target": channel.describe(),
                            "error": config.masker.mask(exc.problem)})
    if args.json:
        out(json.dumps(results, ensure_ascii=False, indent=2), config)
    for r in [] if args.json else results:
        outcome = f"sent ({r['target']})" if r["sent"] else f"FAILED: {r['error']}"
        out(f"{r['notifier']}: {outcome}", config)
    return ExitStatus.DELIVERY if any(not r["sent"] for r in results) else ExitStatus.OK


def _config(args: argparse.Namespace, config: Config) -> int:
    if args.action == "check":
        counts = {"shows": len(config.shows), "sources": len(config.sources),
                  "notifiers": len(config.notifiers)}
        out(json.dumps({"directory": str(config.directory), "ok": True, **counts}) if args.json else
            f"{config.directory}: OK — {counts['shows']} shows, {counts['sources']} sources, "
            f"{counts['notifiers']} notifiers", config)
        return ExitStatus.OK
    from radar.cli.config_view import render_config

    if args.json:
        import tomllib

        out(json.dumps(tomllib.loads(render_config(config)), ensure_ascii=False, indent=2), config)
        return ExitStatus.OK
    out(render_config(config), config)
    return ExitStatus.OK


def _watchlist(args: argparse.Namespace) -> int:
    from radar.cli.watchlist_command import run_watchlist

    return run_watchlist(args, config_dir(args.config), out)


def _classify(args: argparse.Namespace) -> int:
    from radar.cli.classify_lines import run_classify

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
