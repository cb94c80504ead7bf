"""`renewal-radar watchlist import|add|list`: the watchlist from the lists a fan already keeps.

Everything printed goes through the `out` the CLI hands in (the CLI is the only module that prints).
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from pathlib import Path

from radar.app.config import WATCHLIST_FILE, load_anilist_settings, load_watchlist
from radar.app.watchlist_import import Merge, entry_of_media, grouped, merge, read_mal_export
from radar.domain.errors import ConfigError, ExitStatus, InputError

Out = Callable[[str], None]
MAX_NOTES = 20  # notes printed in full; the rest are counted


def run_watchlist(args: argparse.Namespace, directory: Path, out: Out) -> int:
    """Run one `watchlist` action against the config directory's watchlist.toml."""
    if not directory.is_dir():
        raise ConfigError(str(directory), None, "config directory not found",
                          "run `renewal-radar init DIR` or pass --config DIR")
    path = directory / WATCHLIST_FILE
    if args.action == "list":
        return _list(path, args.json, out)
    if args.action == "add":
        return _add(directory, path, " ".join(args.title), args.dry_run, out)
    statuses = _statuses(args.status)
    notes: list[str] = []
    if args.service == "mal":
        entries, notes = read_mal_export(Path(args.name), statuses)
        where = f"MyAnimeList export {args.name}"
    else:
        from radar.app.anilist import AniListClient

        with AniListClient(load_anilist_settings(directory).url) as client:
            listed = client.user_list(args.name, statuses)
        entries = [entry_of_media(media, notes) for _, media in listed]
        where = f"AniList user {args.name}"
    result = merge(path, entries, notes)
    out(f"{where}: {len(entries)} anime — {result.summary()}")
    return _finish(result, args.dry_run, out)


def _statuses(text: str) -> tuple[str, ...]:
    from radar.app.anilist import LIST_STATUSES

    wanted = tuple(dict.fromkeys(s.strip().upper() for s in text.split(",") if s.strip()))
    unknown = [s for s in wanted if s not in LIST_STATUSES]
    if unknown or not wanted:
        raise InputError("--status", f"unknown list status {', '.join(unknown) or '(none)'}",
                         f"use any of {', '.join(LIST_STATUSES)}")
    if "CURRENT" in wanted and "REPEATING" not in wanted:
        wanted += ("REPEATING",)  # a rewatch is being watched
    return wanted


def _add(directory: Path, path: Path, title: str, dry_run: bool, out: Out) -> int:
    from radar.app.anilist import AniListClient

    with AniListClient(load_anilist_settings(directory).url) as client:
        found = client.search(title)
    if not found:
        out(f"AniList knows no anime called {title!r}: nothing added")
        return ExitStatus.ERROR
    notes: list[str] = []
    entry = entry_of_media(found[0], notes)
    result = merge(path, [entry], notes)
    if result.added:
        out(f"{entry.title} (AniList {entry.anilist}): added as {result.added[0]}")
    else:
        shown = (result.updated or result.unchanged)[0]
        out(f"{entry.title} (AniList {entry.anilist}): already watched as {shown}"
            + (", ids and names completed" if result.updated else ""))
    return _finish(result, dry_run, out)


def _finish(result: Merge, dry_run: bool, out: Out) -> int:
    notes = grouped(result.notes)
    for note in notes[:MAX_NOTES]:
        out(f"note: {note}")
    if len(notes) > MAX_NOTES:
        out(f"note: … and {len(notes) - MAX_NOTES} more")
    if not result.changed:
        out(f"{result.path}: nothing to change")
    elif dry_run:
        out(result.diff().rstrip("\n"))
        out("dry run: nothing written")
    else:
        result.write()
        out(f"{result.path}: written")
    return ExitStatus.OK


def _list(path: Path, as_json: bool, out: Out) -> int:
    shows = load_watchlist(path)
    rows: list[dict[str, object]] = [{"id": s.id, "title": s.title, "aliases": list(s.aliases),
                                      "anilist": s.anilist, "mal": s.mal} for s in shows]
    if as_json:
        out(json.dumps(rows, ensure_ascii=False, indent=2))
        return ExitStatus.OK
    if not rows:
        out(f"{path}: no shows yet — `watchlist import anilist USER`, `watchlist add TITLE`")
        return ExitStatus.OK
    from radar.cli.table import render

    out(render(["ID", "TITLE", "ANILIST", "MAL", "ALIASES"],
               [[s.id, s.title, s.anilist or "", s.mal or "", len(s.aliases)] for s in shows]))
    return ExitStatus.OK


__all__ = ["run_watchlist"]
