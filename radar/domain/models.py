"""Plain, frozen data passed along the pipeline: shows, articles, claims, events."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal
from urllib.parse import urlsplit, urlunsplit

from radar.domain.normalize import title_key

CONFIRMED_EVENTS: tuple[str, ...] = ("announced", "dated", "delayed", "premiered", "cancelled")
SOURCE_EVENTS: tuple[str, ...] = ("source_failing", "source_recovered")  # about a source, not a show
STATUSES: tuple[str, ...] = ("none", "rumored", "announced", "dated", "premiered", "cancelled")
CONFIRMING_TRUST: frozenset[str] = frozenset({"official", "news"})


@dataclass(frozen=True)
class Show:
    """A watched show: a stable id, its title and the other names articles use for it."""

    id: str
    title: str
    aliases: tuple[str, ...] = ()
    anilist: int | None = None  # its AniList id (`anilist = ID`), read by the `anilist` source kind
    mal: int | None = None      # its MyAnimeList id (`mal = ID`), matched on import

    @property
    def names(self) -> tuple[str, ...]:
        """The title followed by every alias."""
        return (self.title, *self.aliases)


@dataclass(frozen=True)
class Article:
    """One item read from a source: a feed entry or one article of a news listing."""

    source: str
    trust: str
    title: str
    url: str = ""
    summary: str = ""
    published: datetime | None = None
    guid: str | None = None
    show_hint: str | None = None  # the source's `show =`: every item there is about that show
    lang: str | None = None
    # What a structured source (AniList) already knows the item says: folded as they are, never re-read
    # by the text classifier. Empty: the classifier reads the title and summary.
    claims: tuple[Claim, ...] = ()
    # The source's first look at the item's show (a show it queries for the first time): recorded
    # silently, as a new source's backlog is, even when source and show were baselined before.
    baseline: bool = False

    @property
    def key(self) -> str:
        """Identity used to store an article once: its source's GUID (a GUID is unique within one feed
        only: two feeds may reuse it), else canonical link, else normalized title."""
        if self.guid:
            return f"guid:{self.source}:{self.guid.strip()}"
        if self.url:
            return "url:" + canonical_url(self.url)
        return "title:" + title_key(self.title)


@dataclass(frozen=True)
class Claim:
    """What one article says about one show, with the phrase that made the classifier say it."""

    show_id: str
    event: str  # one of CONFIRMED_EVENTS, or "rumor"
    release: str | None = None  # YYYY, YYYY-MM or YYYY-MM-DD
    phrase: str = ""
    installment: str | None = None  # canonical label ("season 3", "film"…), None when the text names none
    # What the text implies when it names none: "X Anime Reveals October Debut", with no sequel word, is
    # a first adaptation ("new series"); the status fold uses it only for a show with no open installment.
    implied: str | None = None


@dataclass(frozen=True)
class Evidence:
    """An article cited for a status: what a user clicks to check the alert."""

    title: str
    url: str
    source: str
    trust: str
    published: str | None  # ISO 8601

    def as_dict(self) -> dict[str, str | None]:
        return {"title": self.title, "url": self.url, "source": self.source,
                "trust": self.trust, "published": self.published}


@dataclass(frozen=True)
class SourceHealth:
    """The source a `source_failing` / `source_recovered` event is about."""

    name: str
    url: str
    failing_since: str  # ISO 8601: its first failed poll after its last success
    error: str | None   # the last error (for source_recovered: the one it recovered from)
    failures: int       # failed polls in a row

    def as_dict(self) -> dict[str, str | int | None]:
        return {"name": self.name, "url": self.url, "failing_since": self.failing_since, "error": self.error,
                "failures": self.failures}


@dataclass(frozen=True)
class Event:
    """A change of the status of one installment of a show, as alerted to users and sent to webhooks."""

    event_id: str
    event: str
    show_id: str
    show_title: str
    status: str
    previous_status: str
    release: str | None
    previous_release: str | None
    evidence: tuple[Evidence, ...]
    detected_at: str  # ISO 8601
    phrase: str = ""
    installment: str | None = None  # canonical label ("season 3", "film"…); None: the unnamed installment
    extra: dict[str, str] = field(default_factory=dict, compare=False)
    source: SourceHealth | None = None  # set for the SOURCE_EVENTS, whose show fields are empty

    def payload(self) -> dict[str, object]:
        """The contract's webhook JSON (extended with `event` and `phrase`; a source event's show fields
        are null and its `source` says which source)."""
        if self.source is not None:
            return {"event_id": self.event_id, "event": self.event, "show_id": None, "show_title": None,
                    "installment": None, "status": None, "previous_status": None, "release": None,
                    "previous_release": None, "evidence": [], "detected_at": self.detected_at,
                    "phrase": self.phrase, "source": self.source.as_dict()}
        return {
            "event_id": self.event_id,
            "event": self.event,
            "show_id": self.show_id,
            "show_title": self.show_title,
            "installment": self.installment,
            "status": self.status,
            "previous_status": self.previous_status,
            "release": self.release,
            "previous_release": self.previous_release,
            "evidence": [e.as_dict() for e in self.evidence],
            "detected_at": self.detected_at,
            "phrase": self.phrase,
        }


def stable_id(*parts: str | None) -> str:
    """A short, stable hex id from its parts; the same parts give the same id on every run."""
    digest = hashlib.sha256("\x1f".join(p or "" for p in parts).encode("utf-8")).hexdigest()
    return digest[:24]


_TRACKING = re.compile(r"^(utm_[a-z]+|fbclid|gclid|ref|ref_src)=", re.IGNORECASE)


def canonical_url(url: str) -> str:
    """Lower-case scheme and host, drop fragment, tracking parameters and a trailing slash."""
    parts = urlsplit(url.strip())
    query = "&".join(q for q in parts.query.split("&") if q and not _TRACKING.match(q))
    path = parts.path.rstrip("/") or "/"
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), path, query, ""))


@dataclass(frozen=True)
class Source:
    """One configured place to look (an entry of sources.toml), already validated."""

    name: str
    kind: str  # a key of spiders.base.SourceKind.registry: "rss", "html"
    url: str
    trust: str  # official | news | community
    show: str | None = None
    interval: float | None = None  # seconds; None: the [schedule] default
    options: tuple[tuple[str, str], ...] = ()  # kind-specific keys (html: item, title, link, date, summary)
    structured: bool = False  # its kind hands over ready-made claims (Article.claims): never text-classified

    def option(self, key: str, default: str | None = None) -> str | None:
        """A kind-specific option by name."""
        return dict(self.options).get(key, default)


@dataclass(frozen=True)
class Validators:
    """What a source last answered: its validators, sent back as If-None-Match / If-Modified-Since, and
    the fingerprints of its entries, so that a changed feed's entries seen last time are not read again."""

    etag: str | None = None
    last_modified: str | None = None
    seen_entries: str = ""  # fingerprints of the entries of that response, space-separated


@dataclass
class FetchResult:
    """The outcome of polling one source once."""

    source: str
    outcome: Literal["ok", "not_modified", "error"]
    articles: list[Article] = field(default_factory=list)
    etag: str | None = None
    last_modified: str | None = None
    error: str | None = None
    warning: str | None = None  # read, but something was wrong (e.g. a malformed feed recovered)
    fingerprints: tuple[str, ...] = ()  # of every entry read (new or skipped as seen), if the kind keeps them
    conditional: bool = False  # the request carried If-None-Match or If-Modified-Since
    elapsed: float = 0.0
