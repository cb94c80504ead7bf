"""The registry of source kinds: each kind parses one kind of response into `Article`s."""

from __future__ import annotations

import html
import re
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import ClassVar

from pydantic import BaseModel, ConfigDict

from radar.models import Article, Source

SUMMARY_MAX = 2000


class NoOptions(BaseModel):
    """A kind without kind-specific keys."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class SourceKind(ABC):
    """A kind of source (`kind =` in sources.toml); subclasses register themselves by `kind`."""

    registry: ClassVar[dict[str, type[SourceKind]]] = {}
    kind: ClassVar[str]
    Options: ClassVar[type[BaseModel]] = NoOptions

    def __init_subclass__(cls, *, kind: str, **kw: object) -> None:
        super().__init_subclass__(**kw)
        cls.kind = kind
        SourceKind.registry[kind] = cls

    @classmethod
    def help(cls) -> str:
        """The first line of the class docstring."""
        return (cls.__doc__ or "").strip().splitlines()[0] if cls.__doc__ else ""

    @classmethod
    @abstractmethod
    def parse(cls, source: Source, body: bytes, url: str, headers: Mapping[str, str]) -> list[Article]:
        """Read a response body into articles; no I/O. Raise ParseError for content we cannot read."""

    @classmethod
    def read(cls, source: Source, body: bytes, url: str, headers: Mapping[str, str], seen: str = "") -> Parsed:
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


def header(headers: Mapping[str, str], name: str) -> str | None:
    """A header value by case-insensitive name."""
    wanted = name.lower()
    for key, value in headers.items():
        if key.lower() == wanted:
            return value
    return None


_TAG = re.compile(r"<[^>]*>")
_BLOCK = re.compile(r"<\s*/?\s*(br|hr|p|div|li|ul|ol|h[1-6]|tr|td|th|dt|dd|table|blockquote|section|article)\b[^>]*>",
                    re.I)
_DROP = re.compile(r"<\s*(script|style)\b.*?<\s*/\s*\1\s*>|<!--.*?-->", re.I | re.S)


def text_of(markup: str, limit: int = SUMMARY_MAX) -> str:
    """HTML stripped to plain text with squeezed whitespace, capped at `limit` characters."""
    text = _DROP.sub(" ", markup)
    text = _TAG.sub("", _BLOCK.sub(" ", text))
    text = " ".join(html.unescape(text).split())
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return text


def as_utc(value: datetime) -> datetime:
    """An aware UTC datetime; a naive one is taken to be UTC already."""
    if value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc)
