"""Shows from a list a fan already keeps (AniList, a MyAnimeList export), merged into watchlist.toml.

Each imported anime becomes one `[[show]]`: an id slug made from its romaji title (MyAnimeList's
`series_title` is the same romaji, so both imports give the same ids), the title users know (English,
else romaji), every other title and synonym as an alias — deduplicated by their normalized form,
junk (too short, one common word) dropped with a note — and its `anilist` / `mal` ids.

The merge edits the file with tomlkit, so its comments, order and layout stay as they are. A show
already there (same `anilist` or `mal` id, else a shared name on a show without a conflicting id) gets
only what it lacks: its ids and new aliases. Nothing new: the file is not written at all.
"""

from __future__ import annotations

import difflib
import gzip
import io
import os
import re
import tomllib
import unicodedata
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import tomlkit
from tomlkit.exceptions import TOMLKitError
from tomlkit.items import AoT, Table

from radar.app.anilist import Media
from radar.domain.errors import ConfigError, InputError
from radar.domain.normalize import has_cjk, name_key

MAX_EXPORT_BYTES = 64 * 2**20
SLUG_MAX = 60
# Names too common to stand for a show by themselves: an article using them is rarely about the show.
COMMON_WORDS = frozenset((
    "the", "a", "an", "and", "or", "of", "in", "on", "to", "for", "with", "at", "by", "from", "is", "it",
    "my", "your", "our", "his", "her", "their", "this", "that", "these", "new", "one", "two", "three",
    "first", "second", "final", "last", "best", "love", "life", "live", "world", "story", "stories",
    "hero", "heroes", "girl", "girls", "boy", "boys", "school", "high", "city", "night", "day", "days",
    "dark", "light", "black", "white", "red", "blue", "green", "gold", "golden", "star", "stars", "sword",
    "magic", "princess", "prince", "king", "queen", "lord", "demon", "devil", "ghost", "monster", "dragon",
    "war", "wars", "angel", "angels", "dream", "dreams", "heart", "game", "games", "movie", "film",
    "special", "ova", "ona", "tv", "anime", "season", "series", "part", "chapter", "episode", "summer",
    "winter", "spring", "fall", "autumn", "home", "family", "friends", "friend", "fire", "ice", "sky",
    "sea", "moon", "sun", "time", "future", "past", "end", "zero", "infinity", "project", "legend",
    "legends",
))
MAL_STATUS = {"watching": "CURRENT", "completed": "COMPLETED", "on-hold": "PAUSED", "dropped": "DROPPED",
              "plan to watch": "PLANNING", "1": "CURRENT", "2": "COMPLETED", "3": "PAUSED", "4": "DROPPED",
              "6": "PLANNING"}


@dataclass(frozen=True)
class Entry:
    """One show to import."""

    slug: str
    title: str
    aliases: tuple[str, ...] = ()
    anilist: int | None = None
    mal: int | None = None

    @property
    def names(self) -> tuple[str, ...]:
        return (self.title, *self.aliases)


@dataclass
class Merge:
    """What an import does to a watchlist file: the text before and after, and what changed."""

    path: Path
    before: str
    after: str
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return self.after != self.before

    def diff(self) -> str:
        """The change as a unified diff (empty when there is none)."""
        return "".join(difflib.unified_diff(self.before.splitlines(keepends=True),
                                            self.after.splitlines(keepends=True),
                                            fromfile=f"{self.path}", tofile=f"{self.path} (imported)"))

    def summary(self) -> str:
        return (f"{len(self.added)} shows added, {len(self.updated)} updated, "
                f"{len(self.unchanged)} already there")

    def write(self) -> None:
        """Write the new text (atomically) when there is a change; otherwise leave the file alone."""
        if not self.changed:
            return
        temporary = self.path.with_name(f".{self.path.name}.import-{os.getpid()}")
        temporary.write_text(self.after, encoding="utf-8")
        if self.path.exists():
            os.chmod(temporary, self.path.stat().st_mode & 0o7777)
        os.replace(temporary, self.path)


def grouped(notes: Iterable[str]) -> list[str]:
    """Notes of the form "SHOW: WHAT", one line per WHAT naming its first shows ("Hero" dropped from 300)."""
    shows: dict[str, list[str]] = {}
    for note in notes:
        slug, sep, what = note.partition(": ")
        shows.setdefault(what if sep else note, []).append(slug if sep else "")
    lines = []
    for what, slugs in shows.items():
        named = [s for s in slugs if s]
        if not named:
            lines.append(what)
            continue
        more = f" and {len(named) - 3} more" if len(named) > 3 else ""
        lines.append(f"{what} ({', '.join(named[:3])}{more})")
    return lines


# -- from AniList and MyAnimeList ----------------------------------------------------------------------

def entry_of_media(media: Media, notes: list[str]) -> Entry:
    """The show of one AniList anime: slug from its romaji, the title users know, the rest as aliases."""
    title = media.known_title
    slug = slug_of(media.romaji or media.english or "") or f"anilist-{media.id}"
    candidates = (media.romaji, media.english, media.native, *media.synonyms)
    aliases = clean_aliases(title, [c for c in candidates if c], slug, notes)
    return Entry(slug, title, aliases, media.id, media.mal)


def clean_aliases(title: str, candidates: Iterable[str], slug: str, notes: list[str]) -> tuple[str, ...]:
    """The candidates that are other names of the show: no repeats (after normalization), no junk."""
    seen = {name_key(title)}
    kept: list[str] = []
    for name in candidates:
        key = name_key(name)
        if not key or key in seen:
            continue
        seen.add(key)
        if why := junk(key):
            notes.append(f"{slug}: alias {name!r} dropped: {why}")  # see `grouped`
            continue
        kept.append(name)
    return tuple(kept)


def junk(key: str) -> str | None:
    """Why a name (in key form) cannot stand for a show; None when it can."""
    compact = key.replace(" ", "")
    if len(compact) < (2 if has_cjk(compact) else 3):
        return "too short to name a show"
    if " " not in key and key in COMMON_WORDS:
        return "a single common word"
    if all(word in COMMON_WORDS or word.isdigit() for word in key.split()):
        return "only common words"
    return None


def slug_of(text: str) -> str:
    """An id slug ([a-z0-9-]) from a Latin-script title; empty when it has no Latin letters or digits."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")
    if len(slug) > SLUG_MAX:
        slug = slug[:SLUG_MAX].rsplit("-", 1)[0] if "-" in slug[:SLUG_MAX] else slug[:SLUG_MAX]
    return slug


def read_mal_export(path: Path, statuses: Sequence[str]) -> tuple[list[Entry], list[str]]:
    """The shows of a MyAnimeList export (.xml, or .xml.gz as downloaded) whose status is wanted."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError(str(path), "file not found",
                         "pass your MyAnimeList export (.xml or .xml.gz)") from None
    except OSError as exc:
        raise InputError(str(path), f"cannot be read: {exc.strerror}") from None
    if data[:2] == b"\x1f\x8b":
        try:
            with gzip.GzipFile(fileobj=io.BytesIO(data)) as unpacked:
                data = unpacked.read(MAX_EXPORT_BYTES + 1)
        except (OSError, EOFError):
            raise InputError(str(path), "not a readable gzip file", "export your list again") from None
    if len(data) > MAX_EXPORT_BYTES:
        raise InputError(str(path), f"larger than {MAX_EXPORT_BYTES // 2**20} MB", "is it a list export?")
    if b"<!DOCTYPE" in data[:4096].upper() or b"<!ENTITY" in data.upper():
        raise InputError(str(path), "holds a DOCTYPE or entities, which a MyAnimeList export never has")
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        raise InputError(str(path), f"not XML: {exc}",
                         "pass the export from MyAnimeList's list export") from None
    if root.tag != "myanimelist":
        raise InputError(str(path), f"not a MyAnimeList export (root element <{root.tag}>)")
    entries, notes = [], []
    wanted = set(statuses)
    for index, anime in enumerate(root.iter("anime"), 1):
        mal_id = (anime.findtext("series_animedb_id") or "").strip()
        title = " ".join((anime.findtext("series_title") or "").split())
        if not mal_id.isdigit() or int(mal_id) < 1 or not title:
            notes.append(f"anime #{index} skipped: no series_animedb_id or series_title")
            continue
        status = MAL_STATUS.get((anime.findtext("my_status") or "").strip().lower(), "")
        if status not in wanted:
            continue
        entries.append(Entry(slug_of(title) or f"mal-{mal_id}", title, (), None, int(mal_id)))
    return entries, notes


# -- the merge ------------------------------------------------------------------------------------------

def merge(path: Path, entries: Sequence[Entry], notes: Sequence[str] = ()) -> Merge:
    """The watchlist file with `entries` merged in; nothing is written (see `Merge.write`)."""
    before = _read(path)
    try:
        tomllib.loads(before)
        document = tomlkit.parse(before)
    except (tomllib.TOMLDecodeError, TOMLKitError) as exc:
        raise ConfigError(str(path), None, f"not valid TOML: {exc}", "fix the syntax at that line") from None
    shows = document.get("show")
    if shows is None:
        shows = tomlkit.aot()
        document.append("show", shows)
    if not isinstance(shows, AoT):
        raise ConfigError(str(path), "show", "is not a list of [[show]] tables",
                          "write each show as [[show]]")
    result = Merge(path, before, before, notes=list(notes))
    index = _Index(list(shows))
    for entry in entries:
        table = index.find(entry)
        if table is None:
            slug = index.free_slug(entry.slug)
            table = _new_table(slug, entry)
            shows.append(table)
            index.add(table)
            result.added.append(slug)
        elif _update(table, entry):
            index.add(table)
            result.updated.append(str(table.get("id")))
        else:
            result.unchanged.append(str(table.get("id")))
    result.after = tomlkit.dumps(document) if result.added or result.updated else before
    if result.changed:
        _check(path, result.after)
    return result


class _Index:
    """The shows of a file by id, by anilist / mal id and by name key."""

    def __init__(self, tables: list[Table]) -> None:
        self.ids: set[str] = set()
        self.by_service: dict[tuple[str, int], Table] = {}
        self.by_name: dict[str, list[Table]] = {}
        for table in tables:
            self.add(table)

    def add(self, table: Table) -> None:
        self.ids.add(str(table.get("id")))
        for service in ("anilist", "mal"):
            if isinstance(table.get(service), int):
                self.by_service.setdefault((service, int(table[service])), table)
        for name in _names(table):
            tables = self.by_name.setdefault(name_key(name), [])
            if table not in tables:
                tables.append(table)

    def find(self, entry: Entry) -> Table | None:
        for service, value in (("anilist", entry.anilist), ("mal", entry.mal)):
            if value is not None and (service, value) in self.by_service:
                return self.by_service[(service, value)]
        for name in entry.names:
            for table in self.by_name.get(name_key(name), ()):
                if not _conflicts(table, entry):
                    return table
        return None

    def free_slug(self, slug: str) -> str:
        candidate, number = slug, 2
        while candidate in self.ids:
            candidate, number = f"{slug}-{number}", number + 1
        return candidate


def _names(table: Table) -> list[str]:
    aliases = table.get("aliases")
    return [str(table.get("title", ""))] + ([str(a) for a in aliases] if isinstance(aliases, list) else [])


def _conflicts(table: Table, entry: Entry) -> bool:
    """The file's show has an id of a service that says it is another anime."""
    return any(value is not None and isinstance(table.get(service), int) and table[service] != value
               for service, value in (("anilist", entry.anilist), ("mal", entry.mal)))


def _new_table(slug: str, entry: Entry) -> Table:
    table = tomlkit.table()
    table.add("id", slug)
    table.add("title", entry.title)
    if entry.aliases:
        table.add("aliases", _array(entry.aliases))
    if entry.anilist is not None:
        table.add("anilist", entry.anilist)
    if entry.mal is not None:
        table.add("mal", entry.mal)
    return table


def _array(values: Iterable[str]) -> Any:
    array = tomlkit.array()
    array.extend(values)
    return array


def _update(table: Table, entry: Entry) -> bool:
    """Give a show already there what it lacks of `entry`: its ids and new names; True when changed."""
    changed = False
    for service, value in (("anilist", entry.anilist), ("mal", entry.mal)):
        if value is not None and service not in table:
            table.add(service, value)
            changed = True
    known = {name_key(n) for n in _names(table)}
    new = [n for n in entry.names if name_key(n) not in known and not junk(name_key(n))]
    new = list(dict.fromkeys(new))
    if new:
        aliases = table.get("aliases")
        if isinstance(aliases, list):
            aliases.extend(new)
        else:
            table.add("aliases", _array(new))
        changed = True
    return changed


def _read(path: Path) -> str:
    if not path.exists():
        return ""
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(str(path), None, f"cannot be read: {exc}") from None


def _check(path: Path, text: str) -> None:
    """The merged file must load as a watchlist (the same checks as `config check`)."""
    from radar.app.config import watchlist_shows

    watchlist_shows(tomllib.loads(text), path)
