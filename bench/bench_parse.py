"""Feed parsing: feedparser vs the fast strict reader (spiders/fastfeed.py), µs per feed.

Generated feeds of 30 items, ~30 KB: RSS 2.0 (HTML-escaped descriptions, as most news sites send), Atom 1.0
(Japanese titles, relative links) and the same RSS with one undeclared entity — which the fast path declines,
so that row shows what trying it first costs a feed that ends up in feedparser.

    .venv/bin/python bench/bench_parse.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import logging
import random
import sys
import timeit
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from xml.sax.saxutils import escape

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from radar.domain.models import Article, Source
from spiders.fastfeed import read_new
from spiders.rss import RssKind, parse_with_feedparser

URL = "https://news.example.org/feed.xml"
SOURCE = Source(name="bench", kind="rss", url=URL, trust="news")
HEADERS = {"Content-Type": "application/rss+xml; charset=UTF-8"}
WORDS = ("season announced premiere studio trailer visual cast staff episode adaptation manga novel "
         "broadcast streaming theme song director committee delayed movie sequel final cour").split()
SHOWS = ["Akudama Drive", "Dorohedoro", "Golden Kamuy", "Vinland Saga", "天国大魔境", "ワンパンマン",
         "Odd Taxi"]
EPOCH = datetime(2026, 9, 1, 9, 0, tzinfo=UTC)


def parse_fast(source: Source, body: bytes, url: str, headers: Mapping[str, str]) -> list[Article] | None:
    """The fast path's articles (`read_new`, nothing seen before), or None when it declines."""
    found = read_new(source, body, url, headers)
    return None if found is None else found[0]


def _items(count: int) -> list[dict[str, str]]:
    rng = random.Random(7)
    items = []
    for n in range(count):
        sentences = [" ".join(rng.choice(WORDS) for _ in range(rng.randint(10, 16))).capitalize() + "."
                     for _ in range(rng.randint(5, 7))]
        show = rng.choice(SHOWS)
        title = f"{show} {rng.choice(['season 2 announced', 'gets new visual', '第2期制作決定'])}"
        items.append({"title": title, "path": f"/news/2026/{n}", "when": EPOCH + timedelta(hours=3 * n),
                      "html": f"<p>{escape(title)}.</p><p>" + " ".join(sentences) + "</p>"})
    return items


def rss(count: int = 30) -> bytes:
    parts = [('<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0" '
              'xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><title>Bench News</title>'
              "<link>https://news.example.org/</link><language>en</language>\n")]
    for item in _items(count):
        parts.append(f"<item><title>{escape(item['title'])}</title>"
                     f"<link>https://news.example.org{item['path']}</link>"
                     f"<guid isPermaLink=\"false\">bench{item['path']}</guid>"
                     f"<pubDate>{format_datetime(item['when'])}</pubDate><dc:creator>Desk</dc:creator>"
                     f"<description>{escape(item['html'])}</description></item>\n")
    return ("".join(parts) + "</channel></rss>\n").encode()


def atom(count: int = 30) -> bytes:
    parts = [('<?xml version="1.0" encoding="utf-8"?>\n'
              '<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="ja">'
              "<title>Bench</title><id>tag:news.example.org,2026:feed</id>"
              "<updated>2026-09-01T00:00:00Z</updated>\n")]
    for item in _items(count):
        parts.append(f"<entry><title>{escape(item['title'])}</title>"
                     f"<id>tag:news.example.org,2026:{item['path']}</id>"
                     f"<link rel=\"alternate\" href=\"{item['path']}\"/>"
                     f"<updated>{item['when'].isoformat()}</updated>"
                     f"<content type=\"html\">{escape(item['html'])}</content></entry>\n")
    return ("".join(parts) + "</feed>\n").encode()


def per_feed_us(func, body: bytes, repeat: int) -> float:
    number = max(1, int(0.2 / max(timeit.timeit(lambda: func(body), number=1), 1e-6)))
    return min(timeit.repeat(lambda: func(body), number=number, repeat=repeat)) / number * 1e6


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    logging.getLogger("spiders").setLevel(logging.ERROR)  # the broken feed warns on every read
    broken = rss().replace(b"<title>Bench News</title>", b"<title>Bench&nbsp;News</title>")
    rows = [("RSS 2.0, 30 items", rss()), ("Atom 1.0, 30 entries", atom()),
            ("RSS 2.0 + &nbsp; (falls back)", broken)]
    print(f"{'feed':<30} {'KB':>5} {'feedparser µs':>14} {'RssKind µs':>11} {'fast µs':>9} {'speed-up':>9}")
    for label, body in rows:
        fast = parse_fast(SOURCE, body, URL, HEADERS)
        if fast is not None:
            assert fast == parse_with_feedparser(SOURCE, body, URL, HEADERS)[0], label
        slow_us = per_feed_us(lambda b: parse_with_feedparser(SOURCE, b, URL, HEADERS), body, args.repeat)
        kind_us = per_feed_us(lambda b: RssKind.parse(SOURCE, b, URL, HEADERS), body, args.repeat)
        fast_us = per_feed_us(lambda b: parse_fast(SOURCE, b, URL, HEADERS), body, args.repeat)
        print(f"{label:<30} {len(body) / 1024:>5.1f} {slow_us:>14,.0f} {kind_us:>11,.0f} "
              f"{fast_us if fast is not None else float('nan'):>9,.0f} {slow_us / kind_us:>8.1f}×")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
