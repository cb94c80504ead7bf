"""Loads and validates the three config files: radar.toml, sources.toml, watchlist.toml.

What each file may hold is declared in radar.app.settings; this module reads the files, substitutes
`${VAR}`s, validates, and builds the `Config` the rest of the program uses.
"""

from __future__ import annotations

import difflib
import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from radar.app import plugins
from radar.app.settings import (
    AniListSettings,
    Invalid,
    RadarFile,
    SourcesFile,
    WatchlistFile,
)
from radar.domain.errors import ConfigError
from radar.domain.models import Show, Source
from radar.domain.secret import Masker

RADAR_FILE, SOURCES_FILE, WATCHLIST_FILE = "radar.toml", "sources.toml", "watchlist.toml"
CONFIG_FILES = (RADAR_FILE, SOURCES_FILE, WATCHLIST_FILE)
REQUIRED_FILES = (SOURCES_FILE, WATCHLIST_FILE)  # radar.toml may be left out: every setting has a default
_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


@dataclass(frozen=True)
class NotifierSpec:
    """One validated [[notifier]]: which alerts it wants and its kind's own options."""

    name: str
    kind: str
    events: tuple[str, ...]
    shows: tuple[str, ...]
    options: BaseModel
    secret_fields: tuple[str, ...] = ()

    def wants(self, event: str, show_id: str) -> bool:
        """Whether this notifier subscribes to an event of this show."""
        return event in self.events and (not self.shows or show_id in self.shows)


@dataclass(frozen=True)
class Config:
    """Everything in a config directory, validated, with ${VAR}s substituted; `masker` holds the
    declared secrets (secret options, Apprise URLs' private parts, URL passwords), nothing else."""

    directory: Path
    radar: RadarFile
    sources: tuple[Source, ...]
    shows: tuple[Show, ...]
    notifiers: tuple[NotifierSpec, ...]
    masker: Masker = field(default_factory=Masker)

    @property
    def store_url(self) -> str:
        """SQLAlchemy URL of the store; a relative SQLite path is taken from the config dir."""
        if self.radar.store.url:
            return self.radar.store.url
        path = Path(self.radar.store.path)
        return f"sqlite:///{path if path.is_absolute() else self.directory / path}"

    def show_by_id(self) -> dict[str, Show]:
        return {show.id: show for show in self.shows}


def config_dir(explicit: str | None, env: dict[str, str] | os._Environ[str] | None = None) -> Path:
    """--config DIR, else $RENEWAL_RADAR_CONFIG, else ./config."""
    env = os.environ if env is None else env
    return Path(explicit or env.get("RENEWAL_RADAR_CONFIG") or "config")


def load_config(directory: Path, env: dict[str, str] | None = None) -> Config:
    """Read and validate a config directory; raises ConfigError naming file, key and fix."""
    env = dict(os.environ) if env is None else env
    if not directory.is_dir():
        raise ConfigError(str(directory), None, "config directory not found",
                          "run `renewal-radar init DIR` or pass --config DIR")
    _check_files(directory)
    raw = {name: _substitute(_read_toml(directory / name), directory / name, env, "")
           for name in CONFIG_FILES}
    radar = _validate(RadarFile, raw[RADAR_FILE], directory / RADAR_FILE)
    watchlist = _validate(WatchlistFile, raw[WATCHLIST_FILE], directory / WATCHLIST_FILE)
    sources_file = _validate(SourcesFile, raw[SOURCES_FILE], directory / SOURCES_FILE)
    shows = _shows(watchlist, directory / WATCHLIST_FILE)
    plugin_paths = [directory / Path(p).expanduser() for p in radar.plugins.paths]
    plugins.load_files(plugin_paths, str(directory / RADAR_FILE))
    sources = _sources(sources_file, {s.id for s in shows}, directory / SOURCES_FILE, radar)
    masker = Masker()
    notifiers = _notifiers(radar, {s.id for s in shows}, directory / RADAR_FILE, masker)
    for url in (radar.store.url, *(source.url for source in sources)):
        masker.add_url(url)
    return Config(directory, radar, sources, shows, notifiers, masker)


def load_watchlist(path: Path) -> tuple[Show, ...]:
    """Just the shows of one watchlist file (used by `classify --watchlist`)."""
    return watchlist_shows(_substitute(_read_toml(path, required=True), path, dict(os.environ), ""), path)


def watchlist_shows(data: dict[str, Any], path: Path) -> tuple[Show, ...]:
    """The shows of a watchlist file's parsed TOML, validated as `config check` does."""
    return _shows(_validate(WatchlistFile, data, path), path)


def load_anilist_settings(directory: Path, env: dict[str, str] | None = None) -> AniListSettings:
    """Just radar.toml's `[anilist]` (used by `watchlist import`, which needs no other setting)."""
    path = directory / RADAR_FILE
    section = _read_toml(path).get("anilist", {})
    data = _substitute({"anilist": section}, path, dict(os.environ) if env is None else env, "")
    return _validate(RadarFile, data, path).anilist  # type: ignore[no-any-return]


def _check_files(directory: Path) -> None:
    """A required file that is missing, or a file whose name misspells a missing one, is an error."""
    present = {path.name for path in directory.iterdir() if path.is_file()}
    for name in sorted(present - set(CONFIG_FILES)):
        match = difflib.get_close_matches(name.lower(), CONFIG_FILES, n=1, cutoff=0.75)
        if match and match[0] not in present:
            raise ConfigError(str(directory / name), None, f"unknown file; did you mean {match[0]}?",
                              f"rename it to {match[0]}")
    for name in REQUIRED_FILES:
        if name not in present:
            raise ConfigError(str(directory / name), None, "file not found",
                              "run `renewal-radar init DIR` for a commented starter config, "
                              "or create it (it may be empty)")


def _read_toml(path: Path, required: bool = False) -> dict[str, Any]:
    if not path.exists():
        if required:
            raise ConfigError(str(path), None, "file not found", "check the path")
        return {}
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(str(path), None, f"not valid TOML: {exc}", "fix the syntax at that line") from None
    except OSError as exc:
        raise ConfigError(str(path), None, f"cannot be read: {exc.strerror}") from None


def _substitute(value: Any, path: Path, env: dict[str, str], key: str) -> Any:
    """Replace ${VAR} in every string (a value is secret by where it goes, not by coming from ${VAR})."""
    if isinstance(value, dict):
        return {k: _substitute(v, path, env, f"{key}.{k}" if key else k) for k, v in value.items()}
    if isinstance(value, list):
        return [_substitute(v, path, env, f"{key}[{i}]") for i, v in enumerate(value)]
    if not isinstance(value, str) or "${" not in value:
        return value

    def lookup(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in env:
            raise ConfigError(str(path), key, f"environment variable {name} is not set",
                              f"export {name}=... before running, or remove ${{{name}}}")
        return env[name]

    return _VAR.sub(lookup, value)


def _validate(model: type[BaseModel], data: dict[str, Any], path: Path) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise _config_error(exc, path) from None


def _config_error(exc: ValidationError, path: Path, prefix: str = "") -> ConfigError:
    """The first pydantic error as a ConfigError naming the dotted key (`notifier[0].url`)."""
    error = exc.errors()[0]
    key = prefix
    for part in error["loc"]:
        key += f"[{part}]" if isinstance(part, int) else (f".{part}" if key else str(part))
    if error["type"] == "extra_forbidden":
        return ConfigError(str(path), key, "unknown key", "remove it or check its spelling against the docs")
    if error["type"] == "missing":
        return ConfigError(str(path), key, "required key is missing", "add it")
    cause = (error.get("ctx") or {}).get("error")
    if isinstance(cause, Invalid):
        return ConfigError(str(path), key, cause.problem, cause.fix)
    message = str(error["msg"]).removeprefix("Value error, ")
    return ConfigError(str(path), key, message)


def _shows(watchlist: WatchlistFile, path: Path) -> tuple[Show, ...]:
    seen: set[str] = set()
    ids: dict[tuple[str, int], str] = {}
    shows = []
    for index, entry in enumerate(watchlist.show):
        if entry.id in seen:
            raise ConfigError(str(path), f"show[{index}].id", f"duplicate show id {entry.id!r}",
                              "give every show its own id")
        seen.add(entry.id)
        for key, value in (("anilist", entry.anilist), ("mal", entry.mal)):
            if value is not None and ids.setdefault((key, value), entry.id) != entry.id:
                raise ConfigError(str(path), f"show[{index}].{key}",
                                  f"{key} id {value} is also show {ids[(key, value)]!r}'s",
                                  "keep one of the two shows")
        shows.append(Show(entry.id, entry.title, tuple(entry.aliases), entry.anilist, entry.mal))
    return tuple(shows)


def _unique(seen: set[str], name: str, path: Path, where: str, what: str) -> None:
    if name in seen:
        raise ConfigError(str(path), f"{where}.name", f"duplicate {what} name {name!r}",
                          f"give every {what} its own name")
    seen.add(name)


def _kind_options(registry: dict[str, Any], entry: BaseModel, path: Path,
                  where: str) -> tuple[Any, BaseModel]:
    """The registered class for an entry's `kind` and its validated kind-specific options."""
    kind_name = entry.kind  # type: ignore[attr-defined]
    kind = registry.get(kind_name)
    if kind is None:
        raise ConfigError(str(path), f"{where}.kind", f"unknown kind {kind_name!r}",
                          f"use one of {', '.join(sorted(registry))}")
    extra = dict(entry.model_extra or {})
    try:
        return kind, kind.Options.model_validate(extra, context={"directory": path.parent})
    except ValidationError as exc:
        raise _config_error(exc, path, prefix=where) from None


def _sources(sources_file: SourcesFile, show_ids: set[str], path: Path,
             radar: RadarFile | None = None) -> tuple[Source, ...]:
    seen: set[str] = set()
    sources = []
    for index, entry in enumerate(sources_file.source):
        where = f"source[{index}]"
        _unique(seen, entry.name, path, where, "source")
        kind, options = _kind_options(plugins.source_kinds(), entry, path, where)
        url = entry.url or kind.default_url(radar or RadarFile())
        trust = entry.trust or kind.default_trust
        for key, value in (("url", url), ("trust", trust)):
            if value is None:
                raise ConfigError(str(path), f"{where}.{key}", "required key is missing", "add it")
        if entry.show is not None and entry.show not in show_ids:
            raise ConfigError(str(path), f"{where}.show", f"no show with id {entry.show!r} in the watchlist",
                              "add the show to watchlist.toml or fix the id")
        pairs = tuple(sorted((k, str(v)) for k, v in options.model_dump(exclude_none=True).items()))
        sources.append(Source(entry.name, entry.kind, str(url), str(trust), entry.show, entry.interval, pairs,
                              structured=kind.structured))
    return tuple(sources)


def _notifiers(radar: RadarFile, show_ids: set[str], path: Path, masker: Masker) -> tuple[NotifierSpec, ...]:
    seen: set[str] = set()
    specs = []
    for index, entry in enumerate(radar.notifier):
        where = f"notifier[{index}]"
        _unique(seen, entry.name, path, where, "notifier")
        channel, options = _kind_options(plugins.channel_kinds(), entry, path, where)
        for show in entry.shows:
            if show not in show_ids:
                raise ConfigError(str(path), f"{where}.shows", f"no show with id {show!r} in the watchlist",
                                  "fix the id or remove it")
        try:
            built = channel(entry.name, options)
        except ValueError as exc:  # a check that needs the notifier itself: a template that does not compile
            fix = getattr(exc, "fix", None)
            raise ConfigError(str(path), f"notifier {entry.name!r}", str(exc), fix) from None
        masker.update(built.secrets())
        specs.append(NotifierSpec(entry.name, entry.kind, tuple(entry.events), tuple(entry.shows),
                                  options, tuple(channel.secret_fields)))
    return tuple(specs)
