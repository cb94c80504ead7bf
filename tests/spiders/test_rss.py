"""Kind `rss`: feeds parsed offline from fixture files."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from radar.domain.errors import ParseError
from radar.domain.models import Source
from radar.domain.source_kind import SourceKind
from spiders.base import SUMMARY_MAX, text_of
from spiders.rss import RssKind

FEED_URL = "https://official.example.jp/feed/atom.xml"
SOURCE = Source(name="feed", kind="rss", url=FEED_URL, trust="news", show="akudama-drive")
Read = Callable[[str], bytes]


def parse(body: bytes, headers: dict[str, str] | None = None) -> list:
    return RssKind.parse(SOURCE, body, FEED_URL, headers or {})


def test_registered_without_options() -> None:
    assert SourceKind.registry["rss"] is RssKind
    assert RssKind.Options.model_validate({}) is not None
    with pytest.raises(ValueError):
        RssKind.Options.model_validate({"item": "li"})
    assert (RssKind.__doc__ or "").startswith("An RSS 2.0, Atom or RDF feed")


def test_rss2(fixture_bytes: Read) -> None:
    first, second = parse(fixture_bytes("rss2.xml"))
    assert first.title == "Akudama Drive season 2 announced"
    assert first.url == "https://news.example.org/news/2026-10-30/akudama-drive-season-2"
    assert first.guid == "news-1001"
    assert first.published == datetime(2026, 10, 30, 0, 0, tzinfo=UTC)
    assert first.summary == "The official site announced a second season."  # tags and script gone
    assert (first.source, first.trust, first.show_hint, first.lang) == (
        "feed", "news", "akudama-drive", "en-us")
    assert second.summary == "Plain text & entities."
    assert second.published == datetime(2026, 10, 29, 12, 30, tzinfo=UTC)


def test_atom_relative_link_updated_and_lang(fixture_bytes: Read) -> None:
    (entry,) = parse(fixture_bytes("atom.xml"))
    assert entry.title == "第2期制作決定！"
    assert entry.url == "https://official.example.jp/news/42.html"
    assert entry.guid == "tag:official.example.jp,2026:news/42"
    assert entry.published == datetime(2026, 10, 30, 1, 0, tzinfo=UTC)
    assert entry.summary == "TVアニメ第2期の制作が決定しました。"
    assert entry.lang == "ja"


def test_rdf(fixture_bytes: Read) -> None:
    (item,) = parse(fixture_bytes("rdf.xml"))
    assert (item.title, item.url) == ("2期の噂", "https://blog.example.jp/entry/7")
    assert item.published == datetime(2026, 10, 28, 12, 0, tzinfo=UTC)
    assert item.lang == "ja"


def test_recoverable_feed_is_read_with_a_warning(fixture_bytes: Read,
                                                 caplog: pytest.LogCaptureFixture) -> None:
    (item,) = parse(fixture_bytes("broken_entities.xml"))
    assert item.title == "Season 2 & movie announced"
    assert item.published is None and item.guid is None
    assert "malformed feed" in caplog.text


@pytest.mark.parametrize(("name", "reason"), [
    ("not_a_feed.html", "not a feed: got an HTML page"),
    ("invalid.xml", "invalid feed, no entries"),
])
def test_not_a_feed(fixture_bytes: Read, name: str, reason: str) -> None:
    with pytest.raises(ParseError) as caught:
        parse(fixture_bytes(name), {"Content-Type": "text/html"})
    assert caught.value.problem.startswith(reason)
    assert (caught.value.source, caught.value.url) == ("feed", FEED_URL)


def test_empty_but_valid_feed_has_no_articles() -> None:
    assert parse(b'<rss version="2.0"><channel><title>quiet</title></channel></rss>') == []


def test_body_that_looks_like_a_path_is_never_opened(tmp_path: object) -> None:
    # feedparser.parse(bytes) would try the bytes as a file name first
    with pytest.raises(ParseError):
        parse(b"/etc/hostname")


def test_summary_is_capped() -> None:
    body = b"<rss version='2.0'><channel><item><title>t</title><description>" + b"word " * 2000 + \
        b"</description></item></channel></rss>"
    (item,) = parse(body)
    assert len(item.summary) == SUMMARY_MAX and item.summary.endswith("…")
    assert text_of("<p>a</p><p>b</p>") == "a b"
