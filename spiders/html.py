"""Kind `html`: a news listing page read with the CSS selectors of its sources.toml entry."""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin

from pydantic import BaseModel, ConfigDict, field_validator

from radar.domain.errors import ParseError
from radar.domain.models import Article, Source
from radar.domain.source_kind import Fetch, SourceKind
from spiders.base import SUMMARY_MAX, TITLE_MAX, as_utc, header, readable, text_of

if TYPE_CHECKING:
    from parsel import Selector

logger = logging.getLogger(__name__)

# Tried in order when neither the HTTP header nor the page declares a charset.
_DETECT_ORDER = ("utf-8", "euc-jp", "cp932")


class HtmlOptions(BaseModel):
    """The CSS selectors (parsel syntax, `::text` and `::attr()` allowed) of an html source."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    item: str  # one article of the listing
    title: str  # inside an item
    link: str  # inside an item; relative links are resolved against the page URL
    date: str | None = None
    summary: str | None = None

    @field_validator("item", "title", "link", "date", "summary")
    @classmethod
    def _valid_css(cls, value: str | None) -> str | None:
        if value is None:
            return value
        from parsel.csstranslator import HTMLTranslator

        try:
            HTMLTranslator().css_to_xpath(value)
        except Exception as exc:  # cssselect raises several kinds
            raise ValueError(f"not a valid CSS selector: {value!r} ({exc})") from exc
        return value


class HtmlKind(SourceKind, kind="html"):
    """A news listing page read with CSS selectors: item, title, link (required), date, summary."""

    Options = HtmlOptions
    fetch = Fetch.PAGE

    @classmethod
    def parse(cls, source: Source, body: bytes, url: str, headers: Mapping[str, str]) -> list[Article]:
        """One article per `item` match; raise ParseError when `item` matches nothing."""
        opts = HtmlOptions.model_validate(dict(source.options))
        page = _selector(body, url, header(headers, "content-type"))
        items = page.css(opts.item)
        if not items:
            raise ParseError(source.name, url, f"item selector {opts.item!r} matched nothing")
        base = _base_url(page, url)
        articles = [a for node in items if (a := _article(source, opts, node, base)) is not None]
        if not articles:
            raise ParseError(source.name, url,
                             f"{len(items)} items but title selector {opts.title!r} matched nothing in them")
        logger.debug("source %r: %d items, %d articles", source.name, len(items), len(articles))
        return articles


def _selector(body: bytes, url: str, content_type: str | None) -> Selector:
    from parsel import Selector
    from w3lib.encoding import html_to_unicode

    encoding, text = html_to_unicode(content_type, body, auto_detect_fun=detect_encoding)
    logger.debug("%s decoded as %s", url, encoding)
    return Selector(text=text, type="html", base_url=url)


def detect_encoding(body: bytes) -> str | None:
    """The first of utf-8, euc-jp, cp932 (Shift_JIS) that decodes the body without error."""
    for encoding in _DETECT_ORDER:
        try:
            body.decode(encoding)
        except UnicodeDecodeError:
            continue
        return encoding
    return None


def _base_url(page: Selector, url: str) -> str:
    href = page.css("base::attr(href)").get()
    return urljoin(url, href.strip()) if href else url


def _text(node: Selector, css: str | None, limit: int, *, first: bool = False, source: str = "",
          what: str = "") -> str:
    """The text of every match of `css` in `node` (only the first non-blank one if `first`); a cut of
    a named field (`what`) is logged once per source."""
    if not css:
        return ""
    texts = [t for t in (text_of(v, limit) for v in node.css(css).getall()) if t]
    if first:
        return texts[0] if texts else ""
    return readable(source, what, " ".join(texts), limit, False) if what else text_of(" ".join(texts), limit)


def _article(source: Source, opts: HtmlOptions, node: Selector, base: str) -> Article | None:
    title = _text(node, opts.title, TITLE_MAX, source=source.name, what="title")
    if not title:
        return None
    href = (node.css(opts.link).get() or "").strip()
    return Article(
        source=source.name,
        trust=source.trust,
        title=title,
        url=urljoin(base, href) if href else "",
        summary=_text(node, opts.summary, SUMMARY_MAX, source=source.name, what="summary"),
        published=parse_date(_text(node, opts.date, 200, first=True)),
        guid=None,
        show_hint=source.show,
        lang=_lang(node),
    )


def _lang(node: Selector) -> str | None:
    root: Any = node.root
    try:
        values = root.xpath("ancestor-or-self::*[@lang][1]/@lang")
    except Exception:  # noqa: BLE001 (a text node or attribute selected as the item)
        return None
    return str(values[0]) if values else None


_ISO = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?")
_YMD = re.compile(
    r"(\d{4})\s*[-./年]\s*(\d{1,2})\s*[-./月]\s*(\d{1,2})\s*日?"
    r"(?:\s*(?:T|\s|\([^)]*\)|（[^）]*）)\s*(\d{1,2})[:：](\d{2})(?:[:：](\d{2}))?)?"
)
_ENGLISH = ("%B %d, %Y", "%b %d, %Y", "%b. %d, %Y", "%d %B %Y", "%d %b %Y")


def parse_date(text: str) -> datetime | None:
    """An aware UTC datetime from ISO 8601, RFC 2822, 2026.10.30, 2026/10/30, 2026年10月30日,
    "October 30, 2026"; a date without a zone is taken as UTC. None when nothing fits."""
    text = text.strip()
    if not text:
        return None
    for attempt in (datetime.fromisoformat, parsedate_to_datetime):
        try:
            return as_utc(attempt(text))
        except (ValueError, TypeError, IndexError):
            pass
    if match := _ISO.search(text):
        try:
            return as_utc(datetime.fromisoformat(match.group()))
        except ValueError:
            pass
    if match := _YMD.search(text):
        y, mo, d, h, mi, s = (int(g) if g else 0 for g in match.groups())
        try:
            return as_utc(datetime(y, mo, d, h, mi, s))
        except ValueError:
            return None
    for fmt in _ENGLISH:
        try:
            return as_utc(datetime.strptime(text, fmt))
        except ValueError:
            pass
    return None
