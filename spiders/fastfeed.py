"""A strict lxml reader for well-formed RSS 2.0, Atom 1.0 and RSS 1.0 feeds: feedparser's articles, faster.

`read_new` returns exactly the articles `RssKind` builds through feedparser, or None — the caller then falls
back to feedparser — whenever it cannot promise that: malformed XML, undeclared entities, a DOCTYPE, a body
feedparser would not decode as UTF-8 (or as plain ASCII), elements in an item whose meaning to feedparser it
does not know, markup feedparser's HTML re-serialisation could read differently, dates outside plain W3DTF and
RFC 822. Its rules replay feedparser 6 (mixin.py, namespaces/_base.py, encodings.py, urls.py, datetimes/):
the document's (encoding, namespaces, layout, language, base URIs) in `spiders.feedxml`, the entries' here.

`read_new` also fingerprints every entry (its XML bytes and the feed's base URL and language) and skips
the entries whose fingerprint the caller saw in this source's previous response: a feed that published
one item is read as one item, not thirty.
"""

from __future__ import annotations

import calendar
import hashlib
import html.entities
import logging
import re
import urllib.parse
from collections.abc import Collection, Mapping
from datetime import UTC, datetime, timedelta

from lxml import etree

from radar.domain.models import Article, Source
from spiders.base import SUMMARY_MAX, TITLE_MAX, header, readable
from spiders.feedxml import (
    RDF,
    Doubt,
    Names,
    attributes,
    base_uri,
    document,
    feed_lang,
    finish,
    join_uri,
    layout,
)

logger = logging.getLogger(__name__)

# Item children by feedparser's element name (lower-cased, standard prefix); text types: its defaults.
_TITLE, _LINK, _GUID = {"title", "dc:title"}, "link", {"guid", "id"}
_SUMMARY = {"description": "text/html", "dc:description": "text/html", "summary": "text/plain"}
_CONTENT = {"content:encoded": "text/html", "content": "text/plain"}
_PUBLISHED = {"pubdate", "published", "issued", "dcterms:issued"}
_UPDATED = {"updated", "modified", "dc:date", "dcterms:modified"}
_HARMLESS = {"category", "dc:subject", "author", "dc:creator", "name", "email", "uri", "contributor",
             "comments", "enclosure", "source", "created", "dcterms:created", "language", "dc:language",
             "wfw:comment", "wfw:commentrss", "slash:comments", "thr:total", "thr:in-reply-to",
             "feedburner:origlink", "media:content", "media:thumbnail", "media:group", "media:keywords",
             "media:credit"}
_LOOKS_HTML = re.compile(r"</\w+>|&#?\w+;")  # without one, feedparser keeps RSS "plain text" plain
# HTML that feedparser's sgmllib re-serialisation passes through unchanged as far as text_of can see:
# text, comments without "--", plain tags with quoted or bare attributes, known entity and char references
# (tokens are told apart by their first two characters: atomic groups, so that a miss cannot backtrack)
_HTML_OK = re.compile(r"""(?>[^<&]+|<(?=\s)|<\Z|<!--(?:(?!--).)*-->|</[a-zA-Z][a-zA-Z0-9]*\s*>
    |<[a-zA-Z][a-zA-Z0-9]*
        (?:\s+[a-zA-Z_:][-a-zA-Z0-9_:.]*(?:\s*=\s*(?:"[^"<>]*"|'[^'<>]*'|[^\s"'<>=`]+))?)*+\s*/?>
    |&[a-zA-Z][a-zA-Z0-9]*;|&\#(?:[0-9]+|[xX][0-9a-fA-F]+);|&(?![a-zA-Z#]))*+""", re.VERBOSE | re.DOTALL)
_HTML_REWRITTEN = re.compile(r"</(?:area|base|basefont|br|col|command|embed|frame|hr|img|input|isindex"
                             r"|keygen|link|meta|param|source|track|wbr)\b|<(?:script|style)\s*/>",
                             re.IGNORECASE)
_LINK_REF = re.compile("&([A-Za-z0-9_]+);")  # feedparser undoes "?a=1&b;=2" in links
_ENTITY, _ANY_TAG = re.compile(r"&([a-zA-Z][a-zA-Z0-9]*);"), re.compile(r"<[^>]*>")
_ENTITIES = {*html.entities.name2codepoint, "apos"}  # the references feedparser's sgmllib keeps
_W3DTF = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})"
                    r"(?:[t ]([0-9]{2}):([0-9]{2})(?::([0-9]{2})(?:\.[0-9]+)?)?(z|[+-][0-9]{2}:[0-9]{2})?)?")
_RFC822 = re.compile(r"(?:(?:mon|tue|wed|thu|fri|sat|sun),\s+)?([0-9]{1,2})\s+"
                     r"(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)\s+([0-9]{4})\s+"
                     r"([0-9]{2}):([0-9]{2})(?::([0-9]{2}))?\s+([+-][0-9]{4}|[a-z]+)")
_MONTHS = {m: i for i, m in enumerate("jan feb mar apr may jun jul aug sep oct nov dec".split(), 1)}
_ZONES = {"ut": 0, "gmt": 0, "utc": 0, "z": 0, "edt": -4, "est": -5, "cdt": -5, "cst": -6, "mdt": -6,
          "mst": -7, "pdt": -7, "pst": -8}


def read_new(source: Source, body: bytes, url: str, headers: Mapping[str, str],
             seen: Collection[str] = ()) -> tuple[list[Article], tuple[str, ...]] | None:
    """The articles of the entries whose fingerprint is not in `seen`, and the fingerprints of every
    entry; None when unsure (the caller then reads the whole feed with feedparser)."""
    try:
        return read(source, body, url, headers, seen)
    except Doubt as why:
        logger.debug("source %r: not for the fast path: %s", source.name, why)
        return None


def read(source: Source, body: bytes, url: str, headers: Mapping[str, str],
         seen: Collection[str] = ()) -> tuple[list[Article], tuple[str, ...]]:
    """Like read_new, but raise Doubt saying why instead of returning None."""
    if not url.startswith(("http://", "https://")) or join_uri(url, url) != url:
        raise Doubt("feed URL is not a plain http(s) URL")
    root, name = document(body, header(headers, "content-type"))
    kind, container, items = layout(root, name)
    lang = feed_lang(root, kind, container, set(items), name)
    base = base_uri(url, root)
    base = base_uri(base, container) if kind == "rss" else base
    context = f"{url}\n{base}\n{lang}\n".encode()
    prints = tuple(_fingerprint(context, item) for item in items)
    articles = (_article(source, item, base_uri(base, item), name, kind == "atom", url, lang)
                for item, fingerprint in zip(items, prints, strict=True) if fingerprint not in seen)
    return [a for a in articles if a is not None], prints


def _fingerprint(context: bytes, item: etree._Element) -> str:
    """Identifies an entry as read: same XML in the same feed context gives the same article."""
    return hashlib.blake2b(context + etree.tostring(item, with_tail=False), digest_size=8).hexdigest()


def _text(el: etree._Element, atom: bool, default: str) -> tuple[str, bool]:
    """A text construct as feedparser stores it (markup kept) and whether feedparser typed it HTML."""
    attrs = attributes(el)
    kind = attrs.get("type", default)
    kind = {"text": "text/plain", "plain": "text/plain", "html": "text/html"}.get(kind, kind)
    if len(el) or "mode" in attrs or "src" in attrs or kind not in ("text/plain", "text/html"):
        raise Doubt(f"text construct of type {kind} or with child nodes")
    value = (el.text or "").strip()
    if kind == "text/plain":
        if not atom and _LOOKS_HTML.search(value):
            raise Doubt("text that feedparser may take for HTML")
        return finish(value), False
    # feedparser re-serialises HTML with sgmllib: accept only markup where that changes nothing text_of sees
    if ("<" in value or "&" in value) and (
            not _HTML_OK.fullmatch(value) or _HTML_REWRITTEN.search(value)
            or any(ref not in _ENTITIES for ref in _ENTITY.findall(value))):
        raise Doubt("markup that feedparser rewrites")
    tags = value[:value.rfind(">") + 1]  # past the last ">" no tag ends (and each "<" would scan to the end)
    if not value.isascii() and any(not tag.isascii() for tag in _ANY_TAG.findall(tags)):
        raise Doubt("non-ASCII inside tags, which feedparser may rewrite")
    return finish(value), True


def _article(source: Source, item: etree._Element, base: str, name: Names, atom: bool, url: str,
             lang: str | None) -> Article | None:
    """One entry: feedparser's handlers replayed over the item's children in document order."""
    if {"href", "lastmod"} & attributes(item).keys():
        raise Doubt("CDF item attributes")
    guid, link, title, html_title = item.get(RDF + "about"), None, "", False
    summary = content = published = updated = None
    seen: set[str] = set()
    for el in item.iterchildren(etree.Element):
        n = name(el)
        once = "title" if n in _TITLE else "summary" if n in _SUMMARY else "content" if n in _CONTENT else \
            "guid" if n in _GUID else "text link" if n == _LINK and el.get("href") is None else ""
        if once and once in seen:
            raise Doubt(f"a second <{n}>")
        seen.add(once)
        if n in _TITLE:
            title, html_title = _text(el, atom, "text/plain")
        elif n in _SUMMARY:
            summary = _text(el, atom, _SUMMARY[n])[0]
        elif n in _CONTENT:
            content = _text(el, atom, _CONTENT[n])[0]
        elif n == _LINK:
            link = _link(el, base_uri(base, el), link)
        elif n in _GUID:
            if len(el):
                raise Doubt("<guid> with child nodes")
            is_link = attributes(el).get("ispermalink", "true") == "true"
            guid = (el.text or "").strip()
            guid = finish(join_uri(base_uri(base, el), guid) if guid and is_link else guid)
            link = guid if is_link and link is None else link  # a permalink stands in for a missing link
        elif n in _PUBLISHED:
            published = _date(el)
        elif n in _UPDATED:
            updated = _date(el)
        else:  # tags, authors, media: stored elsewhere; unknown namespaces: under their own key
            for sub in el.iter(etree.Element):
                sub_name = name(sub)
                if sub_name in _HARMLESS and not (sub_name == "source" and len(sub)):
                    continue
                if not name.generic(sub):
                    raise Doubt(f"<{sub_name}> in an item")
    title = readable(source.name, "title", title, TITLE_MAX, html_title)
    link = urllib.parse.urljoin(url, link) if link else ""
    if not title and not link:
        return None
    return Article(source=source.name, trust=source.trust, title=title, url=link,
                   summary=readable(source.name, "summary", summary or content or "", SUMMARY_MAX, True),
                   published=published or updated,
                   guid=guid or None, show_hint=source.show, lang=lang)


def _link(el: etree._Element, base: str, link: str | None) -> str | None:
    """The entry's link after this <link>: an RSS one replaces it, an Atom one if alternate HTML."""
    attrs = attributes(el)
    if len(el) or "url" in attrs or "uri" in attrs:
        raise Doubt("<link> with child nodes or url/uri")
    if "href" in attrs:
        rel = attrs.get("rel", "alternate")
        kind = attrs.get("type", "application/atom+xml" if rel == "self" else "text/html")
        html_type = kind in ("text/html", "html", "application/xhtml+xml", "xhtml")
        return join_uri(base, attrs["href"]) if rel == "alternate" and html_type else link
    value = (el.text or "").strip()
    value = finish(join_uri(base, value) if value else value)
    return _LINK_REF.sub(r"&\1", value.replace("&amp;", "&")) if "&" in value else value


def _date(el: etree._Element) -> datetime | None:
    """A date as feedparser reads it (W3DTF first, then RFC 822; whole seconds, UTC), or Doubt."""
    if len(el):
        raise Doubt("date with child nodes")
    if not (text := finish((el.text or "").strip())):
        return None
    if found := _W3DTF.fullmatch(low := text.lower()):
        year, month, day, hour, minute, second, zone = found.groups()
        zone = zone or ""
        hours, minutes = (int(zone[1:3]), int(zone[4:])) if zone[:1] in ("+", "-") else (0, 0)
    elif found := _RFC822.fullmatch(low):
        day, month, year, hour, minute, second, zone = found.groups()
        month = str(_MONTHS[month])
        if zone[:1] not in ("+", "-") and zone not in _ZONES:
            raise Doubt(f"time zone {zone!r}")
        hours, minutes = (int(zone[1:3]), int(zone[3:])) if zone[:1] in ("+", "-") else (_ZONES[zone], 0)
    else:
        raise Doubt(f"date {text!r}")
    if zone[:1] == "-":
        hours, minutes = -hours, -minutes
    try:
        stamp = datetime(int(year), int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0))
        stamp -= timedelta(hours=hours, minutes=minutes)
        if 1 < stamp.year < 9999:
            return stamp.replace(tzinfo=UTC)
        return datetime.fromtimestamp(calendar.timegm(stamp.utctimetuple()), tz=UTC)  # rss.py's way
    except (ValueError, OverflowError):
        raise Doubt(f"date {text!r}") from None
