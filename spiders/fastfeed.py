"""A strict lxml reader for well-formed RSS 2.0, Atom 1.0 and RSS 1.0 feeds: feedparser's articles, faster.

`parse_fast` returns exactly the articles `RssKind` builds through feedparser, or None — the caller then falls
back to feedparser — whenever it cannot promise that: malformed XML, undeclared entities, a DOCTYPE, a body
feedparser would not decode as UTF-8 (or as plain ASCII), elements in an item whose meaning to feedparser it
does not know, markup feedparser's HTML re-serialisation could read differently, dates outside plain W3DTF and
RFC 822. Its rules replay feedparser 6 (mixin.py, namespaces/_base.py, encodings.py, urls.py, datetimes/).

`read_new` also fingerprints every entry (its XML bytes and the feed's base URL and language) and skips
the entries whose fingerprint the caller saw in this source's previous response: a feed that published
one item is read as one item, not thirty.
"""

from __future__ import annotations

import calendar
import codecs
import hashlib
import html.entities
import importlib.util
import logging
import re
import threading
import urllib.parse
from collections.abc import Collection, Mapping
from datetime import datetime, timedelta, timezone

from lxml import etree

from radar.domain.models import Article, Source
from spiders.base import SUMMARY_MAX, TITLE_MAX, header, readable
from spiders.encoding import pi_encoding

logger = logging.getLogger(__name__)

# feedparser's namespace table (mixin.py): URI -> the prefix its elements are named with ("" = core element)
NAMESPACES = {uri.lower(): prefix for prefix, uri in (pair.split("=", 1) for pair in """
    =  =http://backend.userland.com/rss  =http://blogs.law.harvard.edu/tech/rss  =http://purl.org/rss/1.0/
    =http://my.netscape.com/rdf/simple/0.9/  =http://example.com/newformat#  =http://example.com/necho
    =http://purl.org/echo/  =uri/of/echo/namespace#  =http://purl.org/pie/  =http://purl.org/atom/ns#
    =http://www.w3.org/2005/Atom  =http://purl.org/rss/1.0/modules/rss091#  admin=http://webns.net/mvcb/
    ag=http://purl.org/rss/1.0/modules/aggregation/  annotate=http://purl.org/rss/1.0/modules/annotate/
    audio=http://media.tangent.org/rss/1.0/  blogchannel=http://backend.userland.com/blogChannelModule
    cc=http://creativecommons.org/ns#license  cc=http://web.resource.org/cc/
    co=http://purl.org/rss/1.0/modules/company
    creativecommons=http://cyber.law.harvard.edu/rss/creativeCommonsRssModule.html
    creativecommons=http://backend.userland.com/creativeCommonsRssModule
    content=http://purl.org/rss/1.0/modules/content/  cp=http://my.theinfo.org/changed/1.0/rss/
    dc=http://purl.org/dc/elements/1.1/  dcterms=http://purl.org/dc/terms/
    email=http://purl.org/rss/1.0/modules/email/
    ev=http://purl.org/rss/1.0/modules/event/  feedburner=http://rssnamespace.org/feedburner/ext/1.0
    fm=http://freshmeat.net/rss/fm/  foaf=http://xmlns.com/foaf/0.1/
    geo=http://www.w3.org/2003/01/geo/wgs84_pos#
    georss=http://www.georss.org/georss  gml=http://www.opengis.net/gml  icbm=http://postneo.com/icbm/
    image=http://purl.org/rss/1.0/modules/image/  itunes=http://www.itunes.com/DTDs/PodCast-1.0.dtd
    itunes=http://example.com/DTDs/PodCast-1.0.dtd  l=http://purl.org/rss/1.0/modules/link/
    media=http://search.yahoo.com/mrss  media=http://search.yahoo.com/mrss/
    psc=http://podlove.org/simple-chapters  pingback=http://madskills.com/public/xml/rss/module/pingback/
    prism=http://prismstandard.org/namespaces/1.2/basic/
    rdf=http://www.w3.org/1999/02/22-rdf-syntax-ns#  rdfs=http://www.w3.org/2000/01/rdf-schema#
    ref=http://purl.org/rss/1.0/modules/reference/  reqv=http://purl.org/rss/1.0/modules/richequiv/
    search=http://purl.org/rss/1.0/modules/search/  slash=http://purl.org/rss/1.0/modules/slash/
    soap=http://schemas.xmlsoap.org/soap/envelope/  ss=http://purl.org/rss/1.0/modules/servicestatus/
    str=http://hacks.benhammersley.com/rss/streaming/  sub=http://purl.org/rss/1.0/modules/subscription/
    sy=http://purl.org/rss/1.0/modules/syndication/  szf=http://schemas.pocketsoap.com/rss/myDescModule/
    taxo=http://purl.org/rss/1.0/modules/taxonomy/  thr=http://purl.org/rss/1.0/modules/threading/
    ti=http://purl.org/rss/1.0/modules/textinput/
    trackback=http://madskills.com/public/xml/rss/module/trackback/
    wfw=http://wellformedweb.org/commentAPI/  wiki=http://purl.org/rss/1.0/modules/wiki/
    xhtml=http://www.w3.org/1999/xhtml  xlink=http://www.w3.org/1999/xlink
    xml=http://www.w3.org/XML/1998/namespace
    """.split())}
_PREFIXES = set(NAMESPACES.values()) - {""}
_RSS10, _ATOM10 = "http://purl.org/rss/1.0/", "http://www.w3.org/2005/Atom"
_RSS090 = "http://my.netscape.com/rdf/simple/0.9/"
_RDF = "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}"
_XML_BASE = "{http://www.w3.org/XML/1998/namespace}base"

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
# feedparser stores an element it has no handler for as "prefix_name": keep that off the keys it uses
_KEY_STEMS = {"title", "summary", "rights", "subtitle", "author", "publisher", "published", "updated",
              "created", "expired", "validity", "content", "link", "id"}

# a namespace declaration (a prefix is an NCName: no colon; lxml refuses a QName with two). Linear: no
# run can extend into the next "xmlns", and the runs around "=" do not give back what they took
_XMLNS = re.compile(rb"""xmlns(?::([^\s=>:]++))?\s*+=\s*+(?:"([^"]*)"|'([^']*)')""")
_ASCII_SUPERSETS = {"ascii", "utf-8", "iso8859-1", "iso8859-2", "iso8859-15", "cp1252"}
_CHARDET = bool(importlib.util.find_spec("cchardet") or importlib.util.find_spec("chardet"))
_CP1252 = {c: bytes([c]).decode("cp1252") for c in range(128, 160) if c not in (129, 141, 143, 144, 157)}
_C1, _NOT_LATIN1 = re.compile("[\x80-\x9f]"), re.compile("[^\x00-\xff]")
_URIFIXER = re.compile("^([A-Za-z][A-Za-z0-9+-.]*://)(/*)(.*?)")
_LOOKS_HTML = re.compile(r"</\w+>|&#?\w+;")  # without one, feedparser keeps RSS "plain text" plain
# HTML that feedparser's sgmllib re-serialisation passes through unchanged as far as text_of can see:
# text, comments without "--", plain tags with quoted or bare attributes, known entity and char references
# (tokens are told apart by their first two characters: atomic groups, so that a miss cannot backtrack)
_HTML_OK = re.compile(r"""(?>[^<&]+|<(?=\s)|<\Z|<!--(?:(?!--).)*-->|</[a-zA-Z][a-zA-Z0-9]*\s*>
    |<[a-zA-Z][a-zA-Z0-9]*
        (?:\s+[a-zA-Z_:][-a-zA-Z0-9_:.]*(?:\s*=\s*(?:"[^"<>]*"|'[^'<>]*'|[^\s"'<>=`]+))?)*+\s*/?>
    |&[a-zA-Z][a-zA-Z0-9]*;|&\#(?:[0-9]+|[xX][0-9a-fA-F]+);|&(?![a-zA-Z#]))*+""", re.X | re.S)
_HTML_REWRITTEN = re.compile(r"</(?:area|base|basefont|br|col|command|embed|frame|hr|img|input|isindex"
                             r"|keygen|link|meta|param|source|track|wbr)\b|<(?:script|style)\s*/>", re.I)
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
_local = threading.local()  # one lxml parser per thread


class Doubt(Exception):
    """The fast reader cannot promise feedparser's result (the message says why)."""


def parse_fast(source: Source, body: bytes, url: str, headers: Mapping[str, str]) -> list[Article] | None:
    """The feed's articles exactly as the feedparser path reads them, or None when unsure."""
    found = read_new(source, body, url, headers)
    return None if found is None else found[0]


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
    if not url.startswith(("http://", "https://")) or _join(url, url) != url:
        raise Doubt("feed URL is not a plain http(s) URL")
    ascii_only = _check_encoding(body, header(headers, "content-type"))
    name = _Names(_check_namespaces(body))
    if not hasattr(_local, "parser"):
        _local.parser = etree.XMLParser(recover=False, resolve_entities=False, no_network=True,
                                        huge_tree=False)
    try:
        root = etree.fromstring(body, _local.parser)
    except etree.XMLSyntaxError as error:
        raise Doubt(f"not well-formed: {error}") from None
    info = root.getroottree().docinfo
    codec = _codec(info.encoding) or "?"
    if info.doctype or info.internalDTD is not None or info.xml_version != "1.0" or not (
            codec == "utf-8" or ascii_only and codec in _ASCII_SUPERSETS):
        raise Doubt(f"DOCTYPE, XML 1.1 or encoding {info.encoding}")
    kind, container, items = _layout(root, name)
    lang = _feed_lang(root, kind, container, set(items), name)
    base = _base(url, root)
    base = _base(base, container) if kind == "rss" else base
    context = f"{url}\n{base}\n{lang}\n".encode()
    prints = tuple(_fingerprint(context, item) for item in items)
    articles = (_article(source, item, _base(base, item), name, kind == "atom", url, lang)
                for item, fingerprint in zip(items, prints) if fingerprint not in seen)
    return [a for a in articles if a is not None], prints


def _fingerprint(context: bytes, item: etree._Element) -> str:
    """Identifies an entry as read: same XML in the same feed context gives the same article."""
    return hashlib.blake2b(context + etree.tostring(item, with_tail=False), digest_size=8).hexdigest()


def _feed_lang(root: etree._Element, kind: str, container: etree._Element, items: set[etree._Element],
               name: _Names) -> str | None:
    """The feed's language; on the way, fail on entries, channels or languages feedparser sees elsewhere."""
    languages: list[etree._Element] = []
    for el in root.iter(etree.Element):
        n = name(el)
        misplaced = n in ("channel", "feed") and el is not root and el is not container
        if misplaced or n in ("item", "entry") and el not in items:
            raise Doubt(f"<{n}> outside the expected layout")
        if n in ("language", "dc:language") and not any(a in items for a in el.iterancestors()):
            if el.getparent() is not container or len(el) or languages:
                raise Doubt("language element out of place")
            languages.append(el)
    if languages:  # the element overrides xml:lang on <rss> or <feed> (feedparser misses it on rdf:RDF)
        return _finish((languages[0].text or "").strip()) or None
    langs = [v for k, v in root.attrib.items() if k.rpartition("}")[2].lower() == "lang" and kind != "rdf"]
    if len(langs) > 1:
        raise Doubt("several lang attributes")
    return langs[0].replace("_", "-") if langs and langs[0] else None


def _codec(encoding: str) -> str:
    try:
        return codecs.lookup(encoding).name if encoding else ""
    except LookupError:
        return ""


def _check_encoding(body: bytes, content_type: str | None) -> bool:
    """Fail unless feedparser decodes the body as UTF-8 (or ASCII: the same); return whether it is ASCII."""
    bom = "utf-8" if body.startswith(codecs.BOM_UTF8) else ""
    data = body[3:] if bom else body
    ascii_only = data.isascii()
    found = pi_encoding(data)  # feedparser's pattern, quirks included, in linear time
    declared = found.decode("ascii", "replace").lower() if found is not None else ""
    if "\ufffd" in declared:
        raise Doubt("non-ASCII encoding name")
    mime, *params = (content_type or "").split(";")
    mime = mime.strip()
    charset = ""
    for key, _, value in (param.partition("=") for param in params):
        charset = value.strip().strip("\"'") if key.strip().lower() == "charset" else charset
    if mime in ("application/xml", "application/xml-dtd", "application/xml-external-parsed-entity") or (
            mime.startswith("application/") and mime.endswith("+xml")):
        first = charset or declared or "utf-8"
    elif mime.startswith("text/"):
        first = charset or "us-ascii"
    else:
        first = declared or ("utf-8" if content_type else "iso-8859-1")  # rss.py drops an empty header
    for index, proposed in enumerate((first, declared, bom, "utf-8")):  # in feedparser's order
        if index == 3 and _CHARDET and not ascii_only:
            raise Doubt("feedparser would ask chardet")
        codec = _codec(proposed)
        if not codec or codec == "ascii" and not ascii_only:
            continue  # feedparser skips it, or fails to decode with it
        if codec == "utf-8":  # if it is not UTF-8 after all, lxml (reading UTF-8) fails: a doubt as well
            return ascii_only
        if ascii_only and codec in _ASCII_SUPERSETS:
            return True
        raise Doubt(f"feedparser would decode as {proposed}")
    raise Doubt("feedparser would decode as windows-1252")


def _check_namespaces(body: bytes) -> dict[str, str]:
    """Unknown namespace URI -> its one prefix; fail where feedparser's prefixes could rename elements."""
    bound: dict[str, str] = {}
    unknown: dict[str, str] = {}
    for found in _XMLNS.finditer(body):  # a superset of the declarations: look-alikes in text only add doubt
        prefix = (found.group(1) or b"").decode("utf-8", "replace")
        uri = (found.group(2) if found.group(2) is not None else found.group(3)).decode("utf-8", "replace")
        if "&" in uri or bound.setdefault(prefix, uri) != uri:
            raise Doubt("a namespace prefix bound twice or with a reference")
        standard = _prefix(uri) if uri else ""
        if standard is None and (not prefix or prefix.lower() in _PREFIXES | _KEY_STEMS
                                 or unknown.setdefault(uri.lower(), prefix) != prefix):
            raise Doubt(f"unknown namespace {uri!r} under prefix {prefix!r}")
        if standard and prefix.lower() in _PREFIXES and prefix.lower() != standard:
            raise Doubt(f"prefix {prefix!r} bound to {uri!r}")
    return unknown


def _prefix(uri: str) -> str | None:
    """feedparser's prefix for a namespace it knows (every backend.userland.com/rss URI is one), else None."""
    uri = uri.lower()
    return NAMESPACES.get("http://backend.userland.com/rss" if "backend.userland.com/rss" in uri else uri)


class _Names:
    """feedparser's names for elements: lower-cased, known namespaces under their standard prefix."""

    def __init__(self, unknown: dict[str, str]) -> None:
        self.unknown: dict[str, str] = unknown
        self.cache: dict[str, str] = {}

    def __call__(self, el: etree._Element) -> str:
        if (known := self.cache.get(el.tag)) is not None:
            return known
        uri, _, local = el.tag[1:].rpartition("}") if el.tag[0] == "{" else ("", "", el.tag)
        if (prefix := _prefix(uri)) is None and (prefix := self.unknown.get(uri.lower())) is None:
            raise Doubt(f"undeclared namespace {uri!r}")
        self.cache[el.tag] = name = (f"{prefix}:{local}" if prefix else local).lower()
        return name

    @staticmethod
    def generic(el: etree._Element) -> bool:
        """In a namespace feedparser does not know: no handler, stored under its own key."""
        return el.tag[0] == "{" and _prefix(el.tag[1:].partition("}")[0]) is None


def _layout(root: etree._Element, name: _Names) -> tuple[str, etree._Element, list[etree._Element]]:
    """The kind of feed, the element holding the feed's language, and the item elements."""
    versions = [uri for uri in root.nsmap.values() if uri in (_RSS10, _ATOM10, _RSS090)]  # set its version
    if root.tag == "{%s}feed" % _ATOM10 and versions == [_ATOM10]:
        return "atom", root, [el for el in root.iterchildren(etree.Element) if name(el) == "entry"]
    rss = root.tag == "rss" and root.get("version") == "2.0"
    rdf = root.tag == _RDF + "RDF" and versions == [_RSS10]
    channels = [el for el in root.iterchildren(etree.Element) if name(el) == "channel"] if rss or rdf else []
    if len(channels) != 1:
        raise Doubt(f"not RSS 2.0, Atom 1.0 or RSS 1.0 with one channel: {root.tag!r}")
    items = (channels[0] if rss else root).iterchildren(etree.Element)
    return "rss" if rss else "rdf", channels[0], [el for el in items if name(el) == "item"]


def _attrs(el: etree._Element) -> dict[str, str]:
    """Attributes by lower-cased local name as feedparser keys them (rel and type values lower-cased)."""
    attrs: dict[str, str] = {}
    for key, value in el.attrib.items():
        local = key.rpartition("}")[2].lower()
        if local in attrs or local == "base" and key != _XML_BASE:
            raise Doubt(f"ambiguous attribute {local!r}")
        attrs[local] = value.lower() if local in ("rel", "type") else value
    return attrs


def _base(base: str, el: etree._Element) -> str:
    """The element's base URI from its parent's and its xml:base (feedparser's make_safe_absolute_uri)."""
    if not len(el.attrib) or not (xml_base := _attrs(el).get("base")):
        return base
    joined = _join(base, xml_base)
    if joined.strip().split(":", 1)[0] not in ("http", "https") or _join(joined, joined) != joined:
        raise Doubt("xml:base leaves http(s)")
    return joined


def _join(base: str, uri: str) -> str:
    """feedparser's urls._urljoin."""
    if (fix := _URIFIXER.match(uri)) and fix.group(2):  # "http:///x" -> "http://x"
        uri = fix.group(1) + uri[fix.end(2):]
    try:
        return urllib.parse.urljoin(base, uri)
    except ValueError:
        return ""


def _finish(text: str) -> str:
    """The end of feedparser's pop(): undo UTF-8 read as Latin-1, map C1 controls to cp1252."""
    if text.isascii():
        return text
    if not _NOT_LATIN1.search(text):
        try:
            text = text.encode("latin-1").decode("utf-8")
        except UnicodeDecodeError:
            pass
    return text.translate(_CP1252) if _C1.search(text) else text


def _text(el: etree._Element, atom: bool, default: str) -> tuple[str, bool]:
    """A text construct as feedparser stores it (markup kept) and whether feedparser typed it HTML."""
    attrs = _attrs(el)
    kind = attrs.get("type", default)
    kind = {"text": "text/plain", "plain": "text/plain", "html": "text/html"}.get(kind, kind)
    if len(el) or "mode" in attrs or "src" in attrs or kind not in ("text/plain", "text/html"):
        raise Doubt(f"text construct of type {kind} or with child nodes")
    value = (el.text or "").strip()
    if kind == "text/plain":
        if not atom and _LOOKS_HTML.search(value):
            raise Doubt("text that feedparser may take for HTML")
        return _finish(value), False
    # feedparser re-serialises HTML with sgmllib: accept only markup where that changes nothing text_of sees
    if ("<" in value or "&" in value) and (
            not _HTML_OK.fullmatch(value) or _HTML_REWRITTEN.search(value)
            or any(ref not in _ENTITIES for ref in _ENTITY.findall(value))):
        raise Doubt("markup that feedparser rewrites")
    tags = value[:value.rfind(">") + 1]  # past the last ">" no tag ends (and each "<" would scan to the end)
    if not value.isascii() and any(not tag.isascii() for tag in _ANY_TAG.findall(tags)):
        raise Doubt("non-ASCII inside tags, which feedparser may rewrite")
    return _finish(value), True


def _article(source: Source, item: etree._Element, base: str, name: _Names, atom: bool, url: str,
             lang: str | None) -> Article | None:
    """One entry: feedparser's handlers replayed over the item's children in document order."""
    if {"href", "lastmod"} & _attrs(item).keys():
        raise Doubt("CDF item attributes")
    guid, link, title, html_title = item.get(_RDF + "about"), None, "", False
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
            link = _link(el, _base(base, el), link)
        elif n in _GUID:
            if len(el):
                raise Doubt("<guid> with child nodes")
            is_link = _attrs(el).get("ispermalink", "true") == "true"
            guid = (el.text or "").strip()
            guid = _finish(_join(_base(base, el), guid) if guid and is_link else guid)
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
                   summary=readable(source.name, "summary", summary or content or "", SUMMARY_MAX, True), published=published or updated,
                   guid=guid or None, show_hint=source.show, lang=lang)


def _link(el: etree._Element, base: str, link: str | None) -> str | None:
    """The entry's link after this <link>: an RSS one replaces it, an Atom one if alternate HTML."""
    attrs = _attrs(el)
    if len(el) or "url" in attrs or "uri" in attrs:
        raise Doubt("<link> with child nodes or url/uri")
    if "href" in attrs:
        rel = attrs.get("rel", "alternate")
        kind = attrs.get("type", "application/atom+xml" if rel == "self" else "text/html")
        html_type = kind in ("text/html", "html", "application/xhtml+xml", "xhtml")
        return _join(base, attrs["href"]) if rel == "alternate" and html_type else link
    value = (el.text or "").strip()
    value = _finish(_join(base, value) if value else value)
    return _LINK_REF.sub(r"&\1", value.replace("&amp;", "&")) if "&" in value else value


def _date(el: etree._Element) -> datetime | None:
    """A date as feedparser reads it (W3DTF first, then RFC 822; whole seconds, UTC), or Doubt."""
    if len(el):
        raise Doubt("date with child nodes")
    if not (text := _finish((el.text or "").strip())):
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
            return stamp.replace(tzinfo=timezone.utc)
        return datetime.fromtimestamp(calendar.timegm(stamp.utctimetuple()), tz=timezone.utc)  # rss.py's way
    except (ValueError, OverflowError):
        raise Doubt(f"date {text!r}") from None
