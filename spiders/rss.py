"""Kind `rss`: RSS 2.0, Atom and RDF feeds, read by the fast strict reader, else by feedparser."""

from __future__ import annotations

import calendar
import io
import logging
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin

from radar.domain.errors import ParseError
from radar.domain.models import Article, Source
from radar.domain.source_kind import Parsed, SourceKind
from spiders.base import SUMMARY_MAX, TITLE_MAX, header, readable
from spiders.encoding import BadDeclaration, decode_feed

logger = logging.getLogger(__name__)

# bozo reasons that say nothing about the feed itself (served as text/html, charset mismatch)
_HARMLESS_BOZO = ("CharacterEncodingOverride", "NonXMLContentType")


class RssKind(SourceKind, kind="rss"):
    """An RSS 2.0, Atom or RDF feed (no extra keys)."""

    @classmethod
    def parse(cls, source: Source, body: bytes, url: str, headers: Mapping[str, str]) -> list[Article]:
        """Feed entries as articles; a recoverable malformed feed is read with a warning."""
        return cls.read(source, body, url, headers).articles

    @classmethod
    def read(cls, source: Source, body: bytes, url: str, headers: Mapping[str, str],
             seen: str = "") -> Parsed:
        """Entries as articles, and what was wrong when a malformed feed was read anyway. The fast
        reader skips entries seen in the previous response; feedparser reads them all."""
        from spiders.fastfeed import read_new  # imported on the first body, not for a cycle of 304s

        try:
            decoded = decode_feed(body, header(headers, "content-type"))
        except BadDeclaration as exc:
            raise ParseError(source.name, url, f"not a feed: {exc}") from None
        if decoded.warning:
            logger.warning("source %r (%s): %s", source.name, url, decoded.warning)
        if decoded.body is not body:
            headers = {k: v for k, v in headers.items() if k.lower() != "content-type"}
            if decoded.content_type:
                headers["content-type"] = decoded.content_type
        found = read_new(source, decoded.body, url, headers, frozenset(seen.split()))
        if found is not None:
            articles, fingerprints = found
            logger.debug("source %r: fast path, %d entries, %d not seen before", source.name,
                         len(fingerprints), len(articles))
            return Parsed(articles, warning=decoded.warning, fingerprints=fingerprints)
        logger.debug("source %r: feedparser path", source.name)
        articles, warning = parse_with_feedparser(source, decoded.body, url, headers)
        return Parsed(articles, warning="; ".join(w for w in (decoded.warning, warning) if w) or None)


def parse_with_feedparser(source: Source, body: bytes, url: str,
                          headers: Mapping[str, str]) -> tuple[list[Article], str | None]:
    """The feed read by feedparser, which recovers malformed feeds (and says what was wrong)."""
    import feedparser

    response_headers = {"content-location": url}
    if content_type := header(headers, "content-type"):
        response_headers["content-type"] = content_type
    # A stream, never bytes: feedparser would try bytes as a file name first. No re-serialising of
    # embedded HTML (relative links in it are not kept: text_of strips every tag), which cost ~15 µs a tag.
    parsed = feedparser.parse(io.BytesIO(body), response_headers=response_headers, sanitize_html=False,
                              resolve_relative_uris=False)
    entries: list[Any] = parsed.get("entries", [])
    problem = parsed.get("bozo_exception") if parsed.get("bozo") else None
    malformed = problem is not None and type(problem).__name__ not in _HARMLESS_BOZO
    if not entries and (malformed or not parsed.get("version")):
        raise ParseError(source.name, url, _why_not_a_feed(parsed, body))
    warning = None
    if malformed:
        warning = "malformed feed read anyway: " + (str(problem).splitlines() or [""])[0][:160]
        logger.warning("source %r (%s): %s", source.name, url, warning)
    lang = parsed.get("feed", {}).get("language") or None
    articles = [a for e in entries if (a := _article(source, e, url, lang)) is not None]
    logger.debug("source %r: %d entries, %d articles", source.name, len(entries), len(articles))
    return articles, warning


_HTML_START = re.compile(rb"<(!doctype\s+html|html)[\s>]", re.I)


def _why_not_a_feed(parsed: Any, body: bytes) -> str:
    problem = parsed.get("bozo_exception")
    head = (str(problem).splitlines() or [""])[0][:200] if problem else ""
    if not parsed.get("version") and _HTML_START.search(body[:4096]):
        return "not a feed: got an HTML page"
    if not parsed.get("version"):
        return "not a feed" + (f" ({head})" if head else "")
    return "invalid feed, no entries" + (f" ({head})" if head else "")


def _article(source: Source, entry: Any, base: str, lang: str | None) -> Article | None:
    html_title = entry.get("title_detail", {}).get("type", "") in ("text/html", "application/xhtml+xml")
    title = readable(source.name, "title", entry.get("title", ""), TITLE_MAX, html_title)
    link = entry.get("link", "")
    link = urljoin(base, link) if link else ""
    if not title and not link:
        return None
    summary = entry.get("summary", "")
    if not summary and entry.get("content"):
        summary = entry["content"][0].get("value", "")
    return Article(
        source=source.name,
        trust=source.trust,
        title=title,
        url=link,
        summary=readable(source.name, "summary", summary, SUMMARY_MAX, True),
        published=_published(entry),
        guid=entry.get("id") or None,
        show_hint=source.show,
        lang=lang,
    )


def _published(entry: Any) -> datetime | None:
    stamp = entry.get("published_parsed") or entry.get("updated_parsed")
    if not stamp:
        return None
    return datetime.fromtimestamp(calendar.timegm(stamp), tz=UTC)
