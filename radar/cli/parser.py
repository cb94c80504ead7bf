"""The command line's grammar: every command, its options, its help and example."""

from __future__ import annotations

import argparse
from typing import Any, NoReturn

from radar import __version__
from radar.domain.errors import ExitStatus

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
    "notify-test": ("send a test alert through every notifier (or one)",
                    "renewal-radar notify-test team-chat"),
    "config": ("validate or print the config", "renewal-radar config check --json"),
    "demo": ("run the real pipeline offline on bundled samples (no network, no account)",
             "renewal-radar demo"),
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
        return sub.add_parser(name, help=summary, parents=[common],
                              epilog=f"example: {example}" if example else None,
                              formatter_class=argparse.RawDescriptionHelpFormatter, **kwargs)

    command("init").add_argument("dir", nargs="?", help="where (default: the config directory)")
    command("check").add_argument("--json", action="store_true",
                                  help="one JSON object on stdout, nothing else")
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
    serve.add_argument("--bind", default="127.0.0.1", metavar="ADDR",
                       help="address to listen on (default 127.0.0.1)")
    command("export").add_argument("dir", help="where (made if missing)")
    watchlist_parser(command("watchlist"), common)
    return parser


def watchlist_parser(watchlist: argparse.ArgumentParser, common: _Parser) -> None:
    from radar.app.anilist import DEFAULT_STATUSES, LIST_STATUSES

    commands = watchlist.add_subparsers(dest="action", required=True, metavar="ACTION")
    raw = argparse.RawDescriptionHelpFormatter
    imports = commands.add_parser("import", help="merge an AniList user's list or a MyAnimeList export",
                                  parents=[common], formatter_class=raw,
                                  epilog="example: renewal-radar watchlist import mal animelist.xml.gz "
                                         "--dry-run")
    imports.add_argument("service", choices=["anilist", "mal"])
    imports.add_argument("name", metavar="USER|FILE",
                         help="AniList user name, or the MyAnimeList export file")
    imports.add_argument("--status", default=",".join(DEFAULT_STATUSES), metavar="LIST",
                         help=f"list statuses to import, comma-separated, of {', '.join(LIST_STATUSES)} "
                              "(default: %(default)s)")
    imports.add_argument("--dry-run", action="store_true", help="print the change as a diff, write nothing")
    add = commands.add_parser("add", help="search AniList for a title and add the best match",
                              parents=[common], formatter_class=raw,
                              epilog='example: renewal-radar watchlist add "Akudama Drive"')
    add.add_argument("title", nargs="+")
    add.add_argument("--dry-run", action="store_true", help="print the change as a diff, write nothing")
    shown = commands.add_parser("list", help="the watched shows with their ids", parents=[common],
                                formatter_class=raw, epilog="example: renewal-radar watchlist list --json")
    shown.add_argument("--json", action="store_true")
