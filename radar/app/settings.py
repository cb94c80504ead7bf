"""What each config file may hold: radar.toml's sections, sources.toml's and watchlist.toml's entries.

Pydantic models, strict (an unknown key is an error, with a close match suggested by the loader); a
value that parses but makes no sense raises `Invalid`, which carries the fix for the error line.
"""

from __future__ import annotations

from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator

from radar.domain.duration import parse_duration, parse_fraction
from radar.domain.models import CONFIRMED_EVENTS, SOURCE_EVENTS

NAME_PATTERN = r"^[a-z0-9][a-z0-9-]*$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Invalid(ValueError):
    """A value that parses but makes no sense; carries the fix for the config error line."""

    def __init__(self, problem: str, fix: str) -> None:
        super().__init__(problem)
        self.problem, self.fix = problem, fix


def _duration(value: Any) -> float:
    return parse_duration(value)


def _positive_duration(value: Any) -> float:
    """A duration longer than zero: a zero interval, timeout or backoff is a mistake, not a default."""
    seconds = parse_duration(value)
    if seconds <= 0:
        raise Invalid(f"{value!r} is not longer than zero", "write a duration like 45s, 15m or 2h")
    return seconds


MIN_BYTES = 1024


class StoreSettings(_Strict):
    path: str = "radar.db"
    url: str | None = None
    lease: float = 120.0  # seconds an instance holds a source it polls, or an alert it sends

    _lease = field_validator("lease", mode="before")(_positive_duration)


def _off_or_duration(value: Any) -> float:
    """A duration, or "0"/"off"/false: 0, which turns the alert off."""
    if value is False or (isinstance(value, str) and value.strip().lower() in ("off", "0")):
        return 0.0
    try:
        return parse_duration(value)
    except ValueError:
        raise Invalid(f"{value!r} is not a duration", 'write a duration like 6h or 30m, or "off"') from None


class AlertSettings(_Strict):
    on_baseline: bool = False
    rumors: bool = False
    failing_source: float = 6 * 3600.0  # a source failing this long: one source_failing alert (0: never)

    _failing_source = field_validator("failing_source", mode="before")(_off_or_duration)


class ScheduleSettings(_Strict):
    interval: float = 1800.0
    jitter: float = 0.1
    timeout: float = 20.0
    max_bytes: int = 5 * 2**20
    per_host: int = Field(default=4, ge=1, le=32)
    parse_budget: float = 5.0  # seconds one response may take to parse before the source is reported

    _interval = field_validator("interval", "timeout", "parse_budget", mode="before")(_positive_duration)

    @field_validator("max_bytes")
    @classmethod
    def _max_bytes(cls, value: int) -> int:
        if value < MIN_BYTES:
            raise Invalid(f"{value} bytes is too small for any feed or page",
                          f"use at least {MIN_BYTES}; the default is {5 * 2**20} (5 MB)")
        return value

    @field_validator("jitter", mode="before")
    @classmethod
    def _jitter(cls, value: Any) -> float:
        return parse_fraction(value)


class DeliverySettings(_Strict):
    retry_backoff: float = 30.0
    max_backoff: float = 3600.0
    give_up_after: float = 3 * 86400.0

    _backoffs = field_validator("retry_backoff", "max_backoff", mode="before")(_positive_duration)
    _give_up = field_validator("give_up_after", mode="before")(_duration)


class AniListSettings(_Strict):
    url: str = "https://graphql.anilist.co"

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise Invalid(f"{value!r} is not an http:// or https:// URL with a host",
                          "write the GraphQL endpoint, e.g. https://graphql.anilist.co")
        return value


class BoardSettings(_Strict):
    export_dir: str | None = None  # `check` exports the status board here after each cycle

    @field_validator("export_dir")
    @classmethod
    def _export_dir(cls, value: str | None) -> str | None:
        if value is not None and not value.strip():
            raise Invalid("is empty", 'write a directory, e.g. export_dir = "board" (relative to the config '
                                      "directory), or remove the key")
        return value


class NotifierEntry(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)
    name: str = Field(pattern=NAME_PATTERN)
    kind: str
    events: tuple[str, ...] = CONFIRMED_EVENTS
    shows: tuple[str, ...] = ()

    @field_validator("events")
    @classmethod
    def _events(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        allowed = (*CONFIRMED_EVENTS, "rumor", *SOURCE_EVENTS)
        for event in value:
            if event not in allowed:
                raise ValueError(f"unknown event {event!r}; use any of {', '.join(allowed)}")
        return value


class PluginSettings(_Strict):
    paths: list[str] = []  # Python files or directories of them adding source or notifier kinds


class RadarFile(_Strict):
    plugins: PluginSettings = PluginSettings()
    store: StoreSettings = StoreSettings()
    alerts: AlertSettings = AlertSettings()
    schedule: ScheduleSettings = ScheduleSettings()
    delivery: DeliverySettings = DeliverySettings()
    board: BoardSettings = BoardSettings()
    anilist: AniListSettings = AniListSettings()
    notifier: list[NotifierEntry] = []


class SourceEntry(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)
    name: str = Field(pattern=NAME_PATTERN)
    kind: str
    url: str | None = Field(default=None, pattern=r"^https?://")  # required unless the kind has a default
    trust: Literal["official", "news", "community"] | None = None   # likewise
    interval: float | None = None
    show: str | None = None

    _interval = field_validator("interval", mode="before")(_positive_duration)


class SourcesFile(_Strict):
    source: list[SourceEntry] = []


class ShowEntry(_Strict):
    id: str = Field(pattern=NAME_PATTERN)
    title: str = Field(min_length=1)
    aliases: tuple[str, ...] = ()
    anilist: int | None = Field(default=None, ge=1)
    mal: int | None = Field(default=None, ge=1)


class WatchlistFile(_Strict):
    show: list[ShowEntry] = []
