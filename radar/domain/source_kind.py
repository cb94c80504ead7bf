"""The registry of source kinds: each kind parses one kind of response into `Article`s.

A kind is one small class (`class RssKind(SourceKind, kind="rss")`) in a plugin package (`spiders`) or
a file named by `[radar] plugin_paths`; it says how its sources are fetched (`fetch`) and how a response
reads (`parse`). The core finds kinds only through `SourceKind.registry`.
"""

from __future__ import annotations

import enum
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict

from radar.domain.models import Article, Source, Validators


class Fetch(enum.Enum):
    """How a kind's sources are fetched."""

    FEED = "feed"  # one GET through the light feed reader (conditional, bounded, no robots.txt)
    PAGE = "page"  # crawled by Scrapy: robots.txt obeyed, one request at a time per host
    API = "api"    # the kind polls them itself (`SourceKind.poll`), off the reactor thread


class NoOptions(BaseModel):
    """A kind without kind-specific keys."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class SourceKind(ABC):
    """A kind of source (`kind =` in sources.toml); subclasses register themselves by `kind`."""

    registry: ClassVar[dict[str, type[SourceKind]]] = {}
    kind: ClassVar[str]
    Options: ClassVar[type[BaseModel]] = NoOptions
    default_trust: ClassVar[str | None] = None  # the `trust` of an entry that gives none; None: required
    # its articles carry their claims (Article.claims): never text-classified
    structured: ClassVar[bool] = False
    fetch: ClassVar[Fetch] = Fetch.FEED  # how its sources are fetched (radar.app.fetch routes by it)

    def __init_subclass__(cls, *, kind: str, **kw: object) -> None:
        super().__init_subclass__(**kw)
        cls.kind = kind
        SourceKind.registry[kind] = cls

    @classmethod
    def default_url(cls, settings: Any) -> str | None:
        """The `url` of an entry that gives none, from radar.toml's settings; None: `url` is required."""
        return None

    @classmethod
    def poll(cls, runner: Any, sources: list[Source], validators: Mapping[str, Validators]) -> Any:
        """A kind fetched as `Fetch.API`: a Deferred firing with one FetchResult per source, in order,
        never blocking the reactor (`runner` is the PollRunner: its timeout, max_bytes, shows)."""
        raise NotImplementedError(f"kind {cls.kind!r} is fetched as a feed or page")

    @classmethod
    @abstractmethod
    def parse(cls, source: Source, body: bytes, url: str, headers: Mapping[str, str]) -> list[Article]:
        """Read a response body into articles; no I/O. Raise ParseError for content we cannot read."""

    @classmethod
    def read(cls, source: Source, body: bytes, url: str, headers: Mapping[str, str],
             seen: str = "") -> Parsed:
        """Like parse(), plus a warning when the content was malformed but read anyway, and the
        fingerprints of the entries; a kind that fingerprints entries may skip those in `seen` (the
        space-separated fingerprints of this source's previous response)."""
        return Parsed(cls.parse(source, body, url, headers))


@dataclass
class Parsed:
    """What a kind read from one response."""

    articles: list[Article]
    warning: str | None = None          # malformed, read anyway
    fingerprints: tuple[str, ...] = ()  # of every entry, new or skipped as seen; () = kept none
