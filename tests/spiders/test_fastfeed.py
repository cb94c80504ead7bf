"""The fast feed reader: for every fixture it either declines or gives exactly feedparser's articles."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from xml.sax.saxutils import escape

import pytest

from radar.domain.models import Article, Source
from spiders import feedxml
from spiders.fastfeed import read_new
from spiders.rss import RssKind, parse_with_feedparser

FIXTURES = Path(__file__).with_name("fixtures")
FEED_URL = "https://official.example.jp/feed/atom.xml"
SOURCE = Source(name="feed", kind="rss", url=FEED_URL, trust="news", show="akudama-drive")
Read = Callable[[str], bytes]


def parse_fast(source: Source, body: bytes, url: str, headers: Mapping[str, str]) -> list[Article] | None:
    """The fast path's articles (`read_new`, nothing seen before), or None when it declines."""
    found = read_new(source, body, url, headers)
    return None if found is None else found[0]


# feeds as servers label them: no header, a feed type, text/xml without charset, served as HTML
HEADERS = [{}, {"Content-Type": "application/rss+xml; charset=UTF-8"}, {"Content-Type": "text/xml"},
           {"content-type": "text/html"}]
FAST = ["rss2.xml", "atom.xml", "rdf.xml", "rss2_cdata.xml", "rss2_escaped_html.xml", "atom_xml_base.xml",
        "rdf_dc_date.xml", "rss2_no_dates.xml", "rss2_guid_permalink.xml"]
SLOW = ["broken_entities.xml", "invalid.xml", "undeclared_entity.xml", "rss2_shift_jis.xml",
        "rss2_euc_jp.xml"]


def feedparser_articles(body: bytes, headers: dict[str, str]) -> list:
    return parse_with_feedparser(SOURCE, body, FEED_URL, headers)[0]


def assert_same_or_declined(body: bytes, headers: dict[str, str]) -> list | None:
    fast = parse_fast(SOURCE, body, FEED_URL, headers)
    if fast is not None:
        assert fast == feedparser_articles(body, headers)
    return fast


def test_fixture_lists_cover_every_feed_fixture() -> None:
    assert sorted(FAST + SLOW) == sorted(p.name for p in FIXTURES.glob("*.xml"))


@pytest.mark.parametrize("headers", HEADERS, ids=["none", "rss+xml", "text/xml", "text/html"])
@pytest.mark.parametrize("name", sorted(p.name for p in FIXTURES.glob("*.xml")))
def test_fast_path_equals_feedparser_or_declines(fixture_bytes: Read, name: str,
                                                  headers: dict[str, str]) -> None:
    assert_same_or_declined(fixture_bytes(name), headers)


@pytest.mark.parametrize("name", FAST)
def test_fast_path_is_taken_for_well_formed_feeds(fixture_bytes: Read, name: str) -> None:
    articles = parse_fast(SOURCE, fixture_bytes(name), FEED_URL, {"Content-Type": "application/xml"})
    assert articles, f"{name} fell back to feedparser"


@pytest.mark.parametrize("name", SLOW)
def test_broken_or_foreign_encoded_feeds_go_to_feedparser(fixture_bytes: Read, name: str) -> None:
    assert parse_fast(SOURCE, fixture_bytes(name), FEED_URL, {"Content-Type": "application/xml"}) is None


def test_rss_kind_logs_the_path_and_has_no_warning_on_the_fast_path(
        fixture_bytes: Read, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="spiders")
    parsed = RssKind.read(SOURCE, fixture_bytes("rss2.xml"), FEED_URL, {})
    articles, warning = parsed.articles, parsed.warning
    assert warning is None and articles == feedparser_articles(fixture_bytes("rss2.xml"), {})
    assert "fast path" in caplog.text
    caplog.clear()
    (item,) = RssKind.parse(SOURCE, fixture_bytes("broken_entities.xml"), FEED_URL, {})
    assert item.title == "Season 2 & movie announced"
    assert "feedparser path" in caplog.text and "not well-formed" in caplog.text


def fast(fixture_bytes: Read, name: str) -> list:
    articles = parse_fast(SOURCE, fixture_bytes(name), FEED_URL, {})
    assert articles is not None
    return articles


def test_fixtures_read_as_feedparser_reads_them(fixture_bytes: Read) -> None:
    assert [a.url for a in fast(fixture_bytes, "atom_xml_base.xml")] == [
        "https://anime.example.com/news/vinland-saga-3.html",
        "https://anime.example.com/archive/2026/abyss.html"]
    guids = fast(fixture_bytes, "rss2_guid_permalink.xml")
    assert [(a.url, a.guid) for a in guids][:2] == [  # a permalink guid is resolved, stands in for the link
        ("https://guid.example.org/posts/1", "https://guid.example.org/posts/1"),
        ("https://official.example.jp/posts/2", "https://official.example.jp/posts/2")]
    assert guids[4].url == guids[4].guid == "tag:guid.example.org,2026:5"
    assert [a.published for a in fast(fixture_bytes, "rss2_no_dates.xml")] == [None, None, None]
    assert [a.summary for a in fast(fixture_bytes, "rss2_escaped_html.xml")] == [
        "The final season premieres January 2027 & runs two cours. Cast — unchanged.",
        "Only full content here, no description."]


def item(inner: str, root: str = '<rss version="2.0">', end: str = "</rss>") -> bytes:
    return f'{root}<channel><language>ja</language><item>{inner}</item></channel>{end}'.encode()


# Edge cases of feedparser's rules, each either declined or read identically (the fast path's only promise).
@pytest.mark.parametrize("body", [
    item("<title>Tom &amp; Jerry</title><link>/rel?a=1&amp;b=2</link>"
         "<pubDate>30 Oct 2026 09:00 +0900</pubDate>"),
    item("<title>&amp;hellip; looks like HTML</title>"),
    item("<title>caf\u00c3\u00a9 and \u0092</title>"
         "<description>caf\u00c3\u00a9 \u00a5500 &lt;b&gt;x&lt;/b&gt;</description>"),
    item("<title>t</title><description>a&lt;/br&gt;b &lt;br/&gt; &amp;copy2024 &amp;foo;</description>"),
    item("<title>t</title><description>&lt;script/&gt;x&lt;script&gt;y&lt;/script&gt;</description>"),
    item("<title>t</title><description>&lt;!-- a -- b --&gt; c &lt;a title=\"x&gt;y\"&gt;d&lt;/a&gt;"
         "</description>"),
    item("<title>t</title><guid>relative/1</guid><link></link>"),
    item("<title>t</title><link>javascript:alert(1)</link><guid isPermaLink='false'>g</guid>"),
    item("<title>t</title><pubDate>Fri, 30 Oct 2026 09:00:00 JST</pubDate><dc:date>2026-10-30</dc:date>",
         '<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/">'),
    item("<title>t</title><pubDate></pubDate><dc:date>2026-10-30T10:00:00.5-05:30</dc:date>",
         '<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/">'),
    item("<title>t</title><m:title>media</m:title>",
         '<rss version="2.0" xmlns:m="http://search.yahoo.com/mrss/">'),
    item("<title>t</title><yt:videoId>abc</yt:videoId>",
         '<rss version="2.0" xmlns:yt="http://www.youtube.com/xml/schemas/2015">'),
    item("<title>t</title><dc:title>x</dc:title>",
         '<rss version="2.0" xmlns:dc="http://example.com/not-dc">'),
    item("<Title>upper</Title><LINK>https://x/</LINK>"),
    item("<title>t</title>", '<rss version="2.0" xml:lang="en_GB">'),
    item("<title>t</title><link xml:base='https://other.example/d/'>p</link>",
         '<rss version="2.0" xml:base="/base/">'),
    (b'<feed xmlns="http://www.w3.org/2005/Atom"><entry><title type="xhtml">'
     b'<div xmlns="http://www.w3.org/1999/xhtml">x</div></title><id>tag:x,2026:1</id></entry></feed>'),
    (b'<feed xmlns="http://www.w3.org/2005/Atom"><entry><title>a &lt;b&gt;</title><id>42</id>'
     b'<link rel="self" href="/s"/><content type="text">&lt;p&gt;plain&lt;/p&gt;</content></entry></feed>'),
    (b'<?xml version="1.0" encoding="iso-8859-1"?><rss version="2.0"><channel><item>'
     b'<title>caf\xe9</title></item></channel></rss>'),
])
def test_edge_cases_equal_feedparser_or_decline(body: bytes) -> None:
    for headers in HEADERS:
        assert_same_or_declined(body, headers)


def test_markup_the_check_rejects_is_rejected_in_linear_time() -> None:
    description = escape("<b>x</b> " + "word & more " * 20_000 + "<!-- a -- b -->")
    body = item(f"<title>t</title><description>{description}</description>")
    started = time.perf_counter()
    assert parse_fast(SOURCE, body, FEED_URL, {}) is None
    assert time.perf_counter() - started < 1


def test_namespace_table_is_feedparsers() -> None:
    from feedparser.mixin import _FeedParserMixin

    assert {uri.lower(): p.lower() for uri, p in _FeedParserMixin.namespaces.items()} == feedxml.NAMESPACES


# -- entries seen in the previous response are not read again ----------------------------------------------

def _rss(*serials: int) -> bytes:
    items = "".join(f"<item><title>Item {n}</title><link>https://news.example.org/{n}</link>"
                    f"<guid isPermaLink='false'>item-{n}</guid><description>Body {n}</description></item>"
                    for n in serials)
    return (f"<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel><title>t</title>"
            f"<link>https://news.example.org/</link>{items}</channel></rss>").encode()


@pytest.mark.parametrize("name", FAST)
def test_a_response_read_again_with_its_own_fingerprints_gives_no_articles(
        fixture_bytes: Read, name: str) -> None:
    first = RssKind.read(SOURCE, fixture_bytes(name), FEED_URL, {})
    assert first.articles and len(first.fingerprints) >= len(first.articles)
    again = RssKind.read(SOURCE, fixture_bytes(name), FEED_URL, {}, " ".join(first.fingerprints))
    assert again.articles == [] and again.fingerprints == first.fingerprints


def test_only_the_new_entry_of_a_feed_that_published_one_is_read() -> None:
    before = RssKind.read(SOURCE, _rss(3, 2, 1), FEED_URL, {})
    after = RssKind.read(SOURCE, _rss(4, 3, 2), FEED_URL, {}, " ".join(before.fingerprints))
    assert [a.guid for a in after.articles] == ["item-4"]
    assert after.articles == RssKind.read(SOURCE, _rss(4), FEED_URL, {}).articles
    assert len(after.fingerprints) == 3 and after.fingerprints[1:] == before.fingerprints[:2]


def test_an_edited_entry_or_a_moved_feed_is_read_again() -> None:
    before = RssKind.read(SOURCE, _rss(2, 1), FEED_URL, {})
    seen = " ".join(before.fingerprints)
    edited = _rss(2, 1).replace(b"Item 1<", b"Item 1 (updated)<")
    assert ([a.title for a in RssKind.read(SOURCE, edited, FEED_URL, {}, seen).articles]
            == ["Item 1 (updated)"])
    moved = RssKind.read(SOURCE, _rss(2, 1), "https://elsewhere.example.org/feed.xml", {}, seen)
    assert len(moved.articles) == 2  # relative links would resolve differently: nothing is assumed


def test_the_feedparser_path_reads_every_entry_and_keeps_no_fingerprints(fixture_bytes: Read) -> None:
    body = fixture_bytes("broken_entities.xml")
    parsed = RssKind.read(SOURCE, body, FEED_URL, {}, "whatever fingerprints")
    assert parsed.articles == feedparser_articles(body, {}) and parsed.fingerprints == ()
