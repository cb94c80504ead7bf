"""Kind `html`: news listing pages parsed offline from fixture files."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from radar.domain.errors import ParseError
from radar.domain.models import Article, Source
from radar.domain.source_kind import SourceKind
from spiders.html import HtmlKind, detect_encoding, parse_date

Read = Callable[[str], bytes]
SJIS = {"item": "dl.news div.row", "title": "dd a::text", "link": "dd a::attr(href)", "date": "dt::text"}


def source(url: str, **options: str) -> Source:
    opts = HtmlKind.Options.model_validate(options).model_dump(exclude_none=True)
    return Source(name="site", kind="html", url=url, trust="official", show="akudama-drive",
                  options=tuple(sorted(opts.items())))


def parse(src: Source, body: bytes, headers: dict[str, str] | None = None) -> list[Article]:
    return HtmlKind.parse(src, body, src.url, headers or {})


def test_options() -> None:
    assert SourceKind.registry["html"] is HtmlKind
    HtmlKind.Options.model_validate({"item": "li", "title": "a::text", "link": "a::attr(href)"})
    with pytest.raises(ValidationError, match="title"):
        HtmlKind.Options.model_validate({"item": "li", "link": "a::attr(href)"})
    with pytest.raises(ValidationError, match="extra"):
        HtmlKind.Options.model_validate({"item": "li", "title": "a", "link": "a", "colour": "red"})
    with pytest.raises(ValidationError, match="not a valid CSS selector"):
        HtmlKind.Options.model_validate({"item": "li[[", "title": "a", "link": "a"})
    assert (HtmlKind.__doc__ or "").startswith("A news listing page")


def test_utf8_listing(fixture_bytes: Read) -> None:
    src = source("https://akudama-drive.example.jp/news/", item="ul.news li", title="a::text",
                 link="a::attr(href)", date="time::attr(datetime), time::text", summary="p::text")
    first, second = parse(src, fixture_bytes("listing_utf8.html"))
    assert first == Article(
        source="site", trust="official", title="TVアニメ第2期制作決定！",
        url="https://akudama-drive.example.jp/news/42.html", summary="最新情報をお届けします。",
        published=datetime(2026, 10, 30, 1, 0, tzinfo=UTC), show_hint="akudama-drive", lang="ja")
    assert second.published == datetime(2026, 10, 1, tzinfo=UTC)  # "2026.10.01", no attribute
    assert second.summary == ""


@pytest.mark.parametrize(("name", "headers"), [
    ("listing_sjis.html", {}),  # <meta> declares Shift_JIS
    ("listing_sjis_header.html", {"Content-Type": "text/html; charset=Shift_JIS"}),  # only the header does
    ("listing_sjis_header.html", {}),  # neither: detected
])
def test_shift_jis_listing(fixture_bytes: Read, name: str, headers: dict[str, str]) -> None:
    first, second = parse(source("https://anime.example.jp/news/", **SJIS), fixture_bytes(name), headers)
    assert first.title == "「アクダマドライブ」第2期制作決定のお知らせ"
    assert first.url == "https://anime.example.jp/news/0042/"
    assert first.published == datetime(2026, 10, 30, tzinfo=UTC)
    assert second.title == "イベント開催決定～ご来場ありがとうございました"  # cp932's FULLWIDTH TILDE
    assert second.published == datetime(2026, 9, 5, tzinfo=UTC)


def test_relative_links(fixture_bytes: Read) -> None:
    src = source("https://studio.example.jp/info/news/", item="div.list article", title="h2 a::text",
                 link="h2 a::attr(href)", date="span.d::text")
    articles = parse(src, fixture_bytes("listing_relative_links.html"))
    assert [a.url for a in articles] == [
        "https://studio.example.jp/info/news/42.html",
        "https://studio.example.jp/info/event/7",
        "https://studio.example.jp/goods/?id=3",
        "https://other.example.org/x",
    ]
    assert articles[0].published == datetime(2026, 10, 30, tzinfo=UTC)


def test_item_selector_matching_nothing(fixture_bytes: Read) -> None:
    src = source("https://akudama-drive.example.jp/news/", item="ol.topics > li", title="a::text",
                 link="a::attr(href)")
    with pytest.raises(ParseError, match=r"item selector 'ol.topics > li' matched nothing"):
        parse(src, fixture_bytes("listing_utf8.html"))


def test_title_selector_matching_nothing(fixture_bytes: Read) -> None:
    src = source("https://akudama-drive.example.jp/news/", item="ul.news li", title="h3::text",
                 link="a::attr(href)")
    with pytest.raises(ParseError, match=r"title selector 'h3::text'"):
        parse(src, fixture_bytes("listing_utf8.html"))


@pytest.mark.parametrize(("text", "expected"), [
    ("2026-10-30T10:00:00+09:00", datetime(2026, 10, 30, 1, 0, tzinfo=UTC)),
    ("2026-10-30", datetime(2026, 10, 30, tzinfo=UTC)),
    ("2026.10.30", datetime(2026, 10, 30, tzinfo=UTC)),
    ("2026/10/30", datetime(2026, 10, 30, tzinfo=UTC)),
    ("2026年10月30日", datetime(2026, 10, 30, tzinfo=UTC)),
    ("2026年10月30日（金）18:00", datetime(2026, 10, 30, 18, 0, tzinfo=UTC)),
    ("Posted 2026.10.30 お知らせ", datetime(2026, 10, 30, tzinfo=UTC)),
    ("Fri, 30 Oct 2026 09:00:00 +0900", datetime(2026, 10, 30, 0, 0, tzinfo=UTC)),
    ("October 30, 2026", datetime(2026, 10, 30, tzinfo=UTC)),
    ("", None),
    ("coming soon", None),
    ("2026.13.40", None),
])
def test_parse_date(text: str, expected: datetime | None) -> None:
    assert parse_date(text) == expected


def test_detect_encoding() -> None:
    assert detect_encoding("お知らせ".encode()) == "utf-8"
    assert detect_encoding("お知らせ".encode("cp932")) == "cp932"
    assert detect_encoding("お知らせ".encode("euc-jp")) == "euc-jp"
