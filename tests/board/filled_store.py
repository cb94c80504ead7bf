"""A real SQLite store filled by the real cycle fold (CycleProcessor) from articles, and its config."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from radar.app.config import Config, load_config
from radar.app.cycle import CycleProcessor
from radar.domain.models import Article, FetchResult
from radar.store import Store

T0 = datetime(2026, 6, 1, 9, tzinfo=UTC)
HOSTILE = "<script>alert(1)</script> Terra Formars Season 3 Announced"

WATCHLIST = """
[[show]]
id = "akudama-drive"
title = "Akudama Drive"

[[show]]
id = "terra-formars"
title = "Terra Formars"

[[show]]
id = "princess-principal"
title = "Princess Principal"

[[show]]
id = "one-punch-man"
title = "One-Punch Man"
"""

SOURCES = """
[[source]]
name = "ann"
kind = "rss"
url = "http://127.0.0.1:9/ann.xml"
trust = "news"

[[source]]
name = "blog"
kind = "rss"
url = "http://127.0.0.1:9/blog.xml"
trust = "community"
"""


def article(source: str, title: str, at: datetime, slug: str, trust: str = "news",
            url: str | None = None) -> Article:
    return Article(source=source, trust=trust, title=title, url=url or f"https://news.example/{slug}",
                   guid=slug, published=at)


@dataclass
class Radar:
    """A config and its store; `poll` folds one batch of articles the way `check` does."""

    config: Config
    store: Store
    processor: CycleProcessor

    def poll(self, at: datetime, *items: Article, failing: tuple[str, ...] = ()) -> None:
        by_source: dict[str, list[Article]] = {s.name: [] for s in self.config.sources}
        for item in items:
            by_source[item.source].append(item)
        results = [FetchResult(name, "error", error="HTTP 500 from http://127.0.0.1:9/")
                   if name in failing else FetchResult(name, "ok", articles=found)
                   for name, found in by_source.items()]
        self.processor.process(results, now=at)


def make_radar(directory: Path, radar_toml: str = "") -> Radar:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "watchlist.toml").write_text(WATCHLIST)
    (directory / "sources.toml").write_text(SOURCES)
    (directory / "radar.toml").write_text(radar_toml)
    config = load_config(directory, env={})
    store = Store(config.store_url)
    return Radar(config, store, CycleProcessor(config, store))
