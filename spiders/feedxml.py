"""The document side of the fast feed reader (`spiders.fastfeed`): whether feedparser would decode the
body and name its elements as lxml reads them, feedparser's names for elements, the feed's layout, its
language and base URIs, and the text fix-ups of feedparser's pop(). What it cannot promise is a `Doubt`.
"""

from __future__ import annotations

import codecs
import contextlib
import importlib.util
import re
import threading
import urllib.parse

from lxml import etree

from spiders.encoding import pi_encoding

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
RDF = "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}"
_XML_BASE = "{http://www.w3.org/XML/1998/namespace}base"

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
_local = threading.local()  # one lxml parser per thread


class Doubt(Exception):
    """The fast reader cannot promise feedparser's result (the message says why)."""


def document(body: bytes, content_type: str | None) -> tuple[etree._Element, Names]:
    """The feed's root element and feedparser's names for its elements; Doubt unless feedparser would
    decode the body as lxml did (UTF-8, or ASCII) and name its elements the same."""
    ascii_only = _check_encoding(body, content_type)
    name = Names(_check_namespaces(body))
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
            codec == "utf-8" or (ascii_only and codec in _ASCII_SUPERSETS)):
        raise Doubt(f"DOCTYPE, XML 1.1 or encoding {info.encoding}")
    return root, name


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
        if not codec or (codec == "ascii" and not ascii_only):
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


class Names:
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


def layout(root: etree._Element, name: Names) -> tuple[str, etree._Element, list[etree._Element]]:
    """The kind of feed, the element holding the feed's language, and the item elements."""
    versions = [uri for uri in root.nsmap.values() if uri in (_RSS10, _ATOM10, _RSS090)]  # set its version
    if root.tag == f"{{{_ATOM10}}}feed" and versions == [_ATOM10]:
        return "atom", root, [el for el in root.iterchildren(etree.Element) if name(el) == "entry"]
    rss = root.tag == "rss" and root.get("version") == "2.0"
    rdf = root.tag == RDF + "RDF" and versions == [_RSS10]
    channels = [el for el in root.iterchildren(etree.Element) if name(el) == "channel"] if rss or rdf else []
    if len(channels) != 1:
        raise Doubt(f"not RSS 2.0, Atom 1.0 or RSS 1.0 with one channel: {root.tag!r}")
    items = (channels[0] if rss else root).iterchildren(etree.Element)
    return "rss" if rss else "rdf", channels[0], [el for el in items if name(el) == "item"]


def feed_lang(root: etree._Element, kind: str, container: etree._Element, items: set[etree._Element],
               name: Names) -> str | None:
    """The feed's language; on the way, fail on entries, channels or languages feedparser sees elsewhere."""
    languages: list[etree._Element] = []
    for el in root.iter(etree.Element):
        n = name(el)
        misplaced = n in ("channel", "feed") and el is not root and el is not container
        if misplaced or (n in ("item", "entry") and el not in items):
            raise Doubt(f"<{n}> outside the expected layout")
        if n in ("language", "dc:language") and not any(a in items for a in el.iterancestors()):
            if el.getparent() is not container or len(el) or languages:
                raise Doubt("language element out of place")
            languages.append(el)
    if languages:  # the element overrides xml:lang on <rss> or <feed> (feedparser misses it on rdf:RDF)
        return finish((languages[0].text or "").strip()) or None
    langs = [v for k, v in root.attrib.items() if k.rpartition("}")[2].lower() == "lang" and kind != "rdf"]
    if len(langs) > 1:
        raise Doubt("several lang attributes")
    return langs[0].replace("_", "-") if langs and langs[0] else None


def attributes(el: etree._Element) -> dict[str, str]:
    """Attributes by lower-cased local name as feedparser keys them (rel and type values lower-cased)."""
    attrs: dict[str, str] = {}
    for key, value in el.attrib.items():
        local = key.rpartition("}")[2].lower()
        if local in attrs or (local == "base" and key != _XML_BASE):
            raise Doubt(f"ambiguous attribute {local!r}")
        attrs[local] = value.lower() if local in ("rel", "type") else value
    return attrs


def base_uri(base: str, el: etree._Element) -> str:
    """The element's base URI from its parent's and its xml:base (feedparser's make_safe_absolute_uri)."""
    if not len(el.attrib) or not (xml_base := attributes(el).get("base")):
        return base
    joined = join_uri(base, xml_base)
    if joined.strip().split(":", 1)[0] not in ("http", "https") or join_uri(joined, joined) != joined:
        raise Doubt("xml:base leaves http(s)")
    return joined


def join_uri(base: str, uri: str) -> str:
    """feedparser's urls._urljoin."""
    if (fix := _URIFIXER.match(uri)) and fix.group(2):  # "http:///x" -> "http://x"
        uri = fix.group(1) + uri[fix.end(2):]
    try:
        return urllib.parse.urljoin(base, uri)
    except ValueError:
        return ""


def finish(text: str) -> str:
    """The end of feedparser's pop(): undo UTF-8 read as Latin-1, map C1 controls to cp1252."""
    if text.isascii():
        return text
    if not _NOT_LATIN1.search(text):
        with contextlib.suppress(UnicodeDecodeError):
            text = text.encode("latin-1").decode("utf-8")
    return text.translate(_CP1252) if _C1.search(text) else text
